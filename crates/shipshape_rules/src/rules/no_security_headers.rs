use crate::service_support::{calls, display_dir, imported, service_absence};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A web service that sets no security headers: no `helmet`,
    /// `@fastify/helmet`, `koa-helmet`, `flask-talisman`, `secure`, Django
    /// `SecurityMiddleware`, `unrolled/secure`, echo `middleware.Secure()`…
    /// in its code, and no `Strict-Transport-Security`,
    /// `Content-Security-Policy`, `X-Frame-Options` or
    /// `X-Content-Type-Options` header set by hand. A plugin file registered
    /// from the app (`app.register(import('./plugins/security'))`) counts.
    ///
    /// ### Why it matters
    /// Without HSTS the first request can be downgraded to HTTP; without
    /// `X-Frame-Options`/CSP the app can be framed for clickjacking and an
    /// injected script runs unrestricted; without `nosniff` uploads can be
    /// served as scripts.
    ///
    /// ### How to fix
    /// ```ts
    /// import helmet from '@fastify/helmet';
    /// await app.register(helmet);
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: the middleware, then a CSP tuned to the front end.
    pub struct NoSecurityHeaders {
        name: "no-security-headers",
        code: "SEC010",
        category: Security,
        severity: Medium,
        effort: (1, 2),
    }
}

const LIBS: &[&str] = &[
    "helmet",
    "@fastify/helmet",
    "fastify-helmet",
    "koa-helmet",
    "lusca",
    "@hapi/blankie",
    "blankie",
    "hono/secure-headers",
    "flask_talisman",
    "talisman",
    "secure",
    "secure_headers",
    "django.middleware.security",
    "fastapi_security_headers",
    "starlette_securityheaders",
    "github.com/unrolled/secure",
    "github.com/danielkov/gin-helmet",
    "github.com/goddtriffin/helmet",
    "github.com/gofiber/fiber/v2/middleware/helmet",
];

const HEADERS: &[&str] = &[
    "strict-transport-security",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
];

impl Rule for NoSecurityHeaders {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        // A copy of the shared reference: findings are reported as found.
        let repo = cx.repo;
        let code = &repo.code;
        for s in &code.services {
            if imported(code, s, LIBS).is_some() {
                continue;
            }
            let by_hand = code.modules_of(s).any(|m| {
                m.strings.iter().any(|x| {
                    let l = x.to_ascii_lowercase();
                    HEADERS.contains(&l.as_str())
                        || l == "django.middleware.security.securitymiddleware"
                })
            });
            let middleware = calls(code, s)
                .any(|(_, c)| matches!(c.method(), "Secure" | "SecureWithConfig" | "helmet"));
            if by_hand || middleware {
                continue;
            }
            cx.report(service_absence(
                repo,
                s,
                format!(
                    "service `{}` ({}) sets no security headers (HSTS, CSP, X-Frame-Options, nosniff)",
                    display_dir(s),
                    s.framework.name()
                ),
                PY_FIX,
                GO_FIX,
            ));
        }
    }
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "from flask_talisman import Talisman
Talisman(app, force_https=True, strict_transport_security=True,
         content_security_policy={\"default-src\": \"'self'\"})";

const GO_FIX: &str = "secureMiddleware := secure.New(secure.Options{ // github.com/unrolled/secure
	STSSeconds:            31536000,
	FrameDeny:             true,
	ContentTypeNosniff:    true,
	ContentSecurityPolicy: \"default-src 'self'\",
})
handler := secureMiddleware.Handler(mux)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const PKG: &str = r#"{"dependencies": {"fastify": "4", "@fastify/helmet": "11"}}"#;
    const APP: &str = "import Fastify from 'fastify';\nconst app = Fastify();\napp.register(import('./plugins/security.js'));\napp.listen({ port: 3000 });\n";

    #[test]
    fn flags_app_without_headers() {
        let f = check(
            &NoSecurityHeaders,
            &[("api/package.json", PKG), ("api/src/index.ts", APP)],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].file.as_deref(), f[0].line),
            (Some("api/src/index.ts"), Some(2))
        );
    }

    #[test]
    fn helmet_registered_through_a_plugin_file_passes() {
        let f = check(
            &NoSecurityHeaders,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", APP),
                ("api/src/plugins/security.ts", "import helmet from '@fastify/helmet';\nexport default async function security(app) { await app.register(helmet); }\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn python_talisman_and_headers_by_hand() {
        let app = "from flask import Flask\napp = Flask(__name__)\n";
        assert_eq!(check(&NoSecurityHeaders, &[("app.py", app)]).len(), 1);
        let t = format!("{app}from flask_talisman import Talisman\nTalisman(app)\n");
        assert!(check(&NoSecurityHeaders, &[("app.py", &t)]).is_empty());
        let h = format!("{app}@app.after_request\ndef h(resp):\n    resp.headers[\"X-Frame-Options\"] = \"DENY\"\n    return resp\n");
        assert!(check(&NoSecurityHeaders, &[("app.py", &h)]).is_empty());
    }

    #[test]
    fn go_unrolled_secure_passes() {
        let bare = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        assert_eq!(check(&NoSecurityHeaders, &[("main.go", bare)]).len(), 1);
        let ok = bare.replace(
            "import \"net/http\"",
            "import (\n\t\"net/http\"\n\t\"github.com/unrolled/secure\"\n)",
        );
        assert!(check(&NoSecurityHeaders, &[("main.go", &ok)]).is_empty());
    }
}
