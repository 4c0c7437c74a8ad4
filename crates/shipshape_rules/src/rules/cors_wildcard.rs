use crate::service_support::{display_dir, service_key, service_label};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::code::{Call, Lang, Module};
use shipshape_model::{Evidence, LineSpan};

declare_rule! {
    /// ### What it finds
    /// CORS configured to accept any origin: `origin: '*'` or `origin: true`
    /// (reflect every origin) in `cors` / `@fastify/cors` / `@koa/cors`,
    /// Express `cors()` with no options, NestJS `enableCors()` with no
    /// options, `CORS(app)` without `origins`, FastAPI
    /// `allow_origins=["*"]`, Django `CORS_ALLOW_ALL_ORIGINS = True`, Go
    /// `cors.AllowAll()` / `AllowAllOrigins: true`, or an
    /// `Access-Control-Allow-Origin: *` header set by hand.
    ///
    /// ### Why it matters
    /// Any web page can call the API from a visitor's browser. With
    /// credentials allowed and the origin reflected, a malicious site reads
    /// the user's data with the user's session.
    ///
    /// ### How to fix
    /// ```ts
    /// await app.register(cors, {
    ///   origin: ['https://app.example.com'],
    ///   credentials: true,
    /// });
    /// ```
    ///
    /// ### Effort
    /// 1 hour: list the front-end origins per environment.
    pub struct CorsWildcard {
        name: "cors-wildcard",
        code: "SEC009",
        category: Security,
        severity: Medium,
        effort: (1, 1),
    }
}

const NODE_CORS: &[&str] = &[
    "cors",
    "@fastify/cors",
    "fastify-cors",
    "@koa/cors",
    "koa2-cors",
    "kcors",
];
const GO_CORS: &[&str] = &[
    "github.com/rs/cors",
    "github.com/gin-contrib/cors",
    "github.com/go-chi/cors",
    "github.com/gofiber/fiber/v2/middleware/cors",
];

impl Rule for CorsWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        // A copy of the shared reference: findings are reported as found.
        let repo = cx.repo;
        let code = &repo.code;
        for s in &code.services {
            let hit = code.modules_of(s).find_map(|m| {
                m.calls
                    .iter()
                    .find_map(|c| wildcard(m, c))
                    .map(|(span, what)| (m, span, what))
                    .or_else(|| django_setting(m).map(|(span, what)| (m, span, what)))
            });
            if let Some((m, span, what)) = hit {
                cx.report(Evidence {
                    file: Some(m.path.clone()),
                    lines: Some(span),
                    resource: Some(service_label(s)),
                    key: service_key(s),
                    message: format!(
                        "service `{}` allows any CORS origin ({what})",
                        display_dir(s)
                    ),
                    remediation: crate::service_support::lang_fix(s.lang, PY_FIX, GO_FIX),
                });
            }
        }
    }
}

fn is_any(value: &str) -> bool {
    let v = value.trim().trim_matches(['\'', '"', '`']);
    v == "*" || value.trim() == "true" || value.trim() == "True"
}

fn list_has_star(value: &str) -> bool {
    value.contains("\"*\"") || value.contains("'*'") || value.contains("`*`")
}

fn module_of<'a>(m: &'a Module, name: &str) -> Option<&'a str> {
    m.import_of(shipshape_loaders::code::root_ident(name))
        .map(|(i, _)| i.module.as_str())
}

/// The span and a description when a call opens CORS to every origin.
fn wildcard(m: &Module, c: &Call) -> Option<(LineSpan, String)> {
    // A header set by hand: res.setHeader('Access-Control-Allow-Origin', '*').
    if c.args.len() >= 2
        && c.args[0]
            .string
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case("access-control-allow-origin"))
        && c.args[1].string.as_deref() == Some("*")
    {
        return Some((c.span, "Access-Control-Allow-Origin: *".into()));
    }
    match m.lang {
        Lang::JavaScript | Lang::TypeScript => node(m, c),
        Lang::Python => python(m, c),
        Lang::Go => go(m, c),
    }
}

fn origin_option(
    c: &Call,
    opts: Option<&shipshape_loaders::code::Arg>,
    default_any: bool,
    what: &str,
) -> Option<(LineSpan, String)> {
    match opts {
        None => default_any.then(|| (c.span, format!("{what} with default options"))),
        Some(a) => match a.props.iter().find(|p| p.key == "origin") {
            Some(p) if is_any(&p.value) || list_has_star(&p.value) => {
                Some((p.span, format!("origin: {}", p.value)))
            }
            Some(_) => None,
            // Options passed as a variable or a function: not visible.
            None if a.props.is_empty() => None,
            None => default_any.then(|| (c.span, format!("{what} without an origin"))),
        },
    }
}

fn node(m: &Module, c: &Call) -> Option<(LineSpan, String)> {
    // cors(opts) / kcors(opts) called directly (Express/Koa middleware).
    if let Some(module) = module_of(m, &c.callee) {
        if NODE_CORS.contains(&module) && !c.callee.contains('.') {
            return origin_option(c, c.args.first(), true, &format!("{module}()"));
        }
    }
    match c.method() {
        // app.register(cors, { origin: true })
        "register" | "use" => {
            let first = c.args.first()?;
            let id = first.ident.as_deref()?;
            let module = module_of(m, id)?;
            if !NODE_CORS.contains(&module) {
                return None;
            }
            origin_option(c, c.args.get(1), true, module)
        }
        "enableCors" => origin_option(c, c.args.first(), true, "enableCors()"),
        "create" if c.callee.ends_with("NestFactory.create") => {
            let (v, span) = c.option("cors")?;
            (v.trim() == "true").then(|| (span, "NestFactory.create({ cors: true })".into()))
        }
        _ => None,
    }
}

fn python(m: &Module, c: &Call) -> Option<(LineSpan, String)> {
    let module = module_of(m, &c.callee).unwrap_or("");
    if c.method() == "CORS" && module.starts_with("flask_cors") {
        for key in ["origins", "resources"] {
            if let Some((v, span)) = c.option(key) {
                if key == "origins" && (is_any(v) || list_has_star(v)) {
                    return Some((span, format!("CORS(origins={v})")));
                }
                return None;
            }
        }
        return Some((c.span, "CORS(app) without origins".into()));
    }
    if c.method() == "add_middleware"
        && c.args
            .first()
            .and_then(|a| a.ident.as_deref())
            .is_some_and(|i| i.ends_with("CORSMiddleware"))
    {
        if let Some((v, span)) = c.option("allow_origins") {
            if list_has_star(v) || is_any(v) {
                return Some((span, format!("allow_origins={v}")));
            }
        }
        if let Some((v, span)) = c.option("allow_origin_regex") {
            if v.contains(".*") {
                return Some((span, format!("allow_origin_regex={v}")));
            }
        }
    }
    None
}

fn django_setting(m: &Module) -> Option<(LineSpan, String)> {
    if m.lang != Lang::Python {
        return None;
    }
    m.assigns
        .iter()
        .find(|a| {
            matches!(
                a.name.as_str(),
                "CORS_ALLOW_ALL_ORIGINS" | "CORS_ORIGIN_ALLOW_ALL"
            ) && a.value.trim() == "True"
        })
        .map(|a| (a.span, format!("{} = True", a.name)))
}

fn go(m: &Module, c: &Call) -> Option<(LineSpan, String)> {
    let module = module_of(m, &c.callee)?;
    if !GO_CORS.iter().any(|g| module.starts_with(g))
        && !module.starts_with("github.com/labstack/echo")
    {
        return None;
    }
    let is_echo = module.starts_with("github.com/labstack/echo");
    match c.method() {
        "AllowAll" => Some((c.span, "cors.AllowAll()".into())),
        // rs/cors and gin-contrib/cors defaults allow every origin.
        "Default" if !is_echo => Some((c.span, "cors.Default()".into())),
        "CORS" if is_echo => Some((c.span, "middleware.CORS() with default options".into())),
        "New" | "Handler" | "CORSWithConfig" | "AllowAllOrigins" => {
            for a in &c.args {
                for p in &a.props {
                    let key = p.key.as_str();
                    if (key == "AllowAllOrigins" && p.value.trim() == "true")
                        || (matches!(key, "AllowedOrigins" | "AllowOrigins")
                            && list_has_star(&p.value))
                    {
                        return Some((p.span, format!("{key}: {}", p.value)));
                    }
                }
            }
            None
        }
        _ => None,
    }
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "CORS(app, origins=[\"https://app.example.com\"], supports_credentials=True)
# FastAPI: app.add_middleware(CORSMiddleware, allow_origins=[\"https://app.example.com\"])";

const GO_FIX: &str = "c := cors.New(cors.Options{
	AllowedOrigins:   []string{\"https://app.example.com\"},
	AllowCredentials: true,
})
handler := c.Handler(mux)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const PKG: &str = r#"{"dependencies": {"fastify": "4", "@fastify/cors": "9"}}"#;

    #[test]
    fn fastify_origin_true_is_flagged_on_the_origin_line() {
        let f = check(
            &CorsWildcard,
            &[
                ("api/package.json", PKG),
                ("api/src/app.ts", "import Fastify from 'fastify';\nimport cors from '@fastify/cors';\nconst app = Fastify();\napp.register(cors, {\n  origin: true,\n  credentials: true,\n});\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(5));
    }

    #[test]
    fn listed_origins_pass() {
        let f = check(
            &CorsWildcard,
            &[
                ("api/package.json", PKG),
                ("api/src/app.ts", "import Fastify from 'fastify';\nimport cors from '@fastify/cors';\nconst app = Fastify();\napp.register(cors, { origin: ['https://app.example.com'] });\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn express_cors_without_options() {
        let files = |code: &'static str| {
            vec![
                (
                    "package.json",
                    r#"{"dependencies": {"express": "4", "cors": "2"}}"#,
                ),
                ("index.js", code),
            ]
        };
        let f = check(&CorsWildcard, &files("const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors());\n"));
        assert_eq!(f.len(), 1, "{f:?}");
        let f = check(&CorsWildcard, &files("const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: process.env.ORIGIN }));\n"));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn python_flask_cors_and_fastapi() {
        let f = check(&CorsWildcard, &[("app.py", "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app)\n")]);
        assert_eq!(f.len(), 1);
        let f = check(&CorsWildcard, &[("app.py", "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, origins=[\"https://a.example\"])\n")]);
        assert!(f.is_empty());
        let f = check(&CorsWildcard, &[("main.py", "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(\n    CORSMiddleware,\n    allow_origins=[\"*\"],\n)\n")]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(6));
    }

    #[test]
    fn go_rs_cors_allow_all() {
        let src = "package main\n\nimport (\n\t\"net/http\"\n\t\"github.com/rs/cors\"\n)\n\nfunc main() {\n\th := cors.AllowAll().Handler(mux)\n\thttp.ListenAndServe(\":8080\", h)\n}\n";
        assert_eq!(check(&CorsWildcard, &[("main.go", src)]).len(), 1);
        let ok = src.replace(
            "cors.AllowAll()",
            "cors.New(cors.Options{AllowedOrigins: []string{\"https://a.example\"}})",
        );
        assert!(check(&CorsWildcard, &[("main.go", &ok)]).is_empty());
    }
}
