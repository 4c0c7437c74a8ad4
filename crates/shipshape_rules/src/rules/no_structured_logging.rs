use crate::service_support::{display_dir, imported, service_key, service_label};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::code::services::is_app_creation;
use shipshape_loaders::code::{Call, Code, Framework, Lang, Module, Service};
use shipshape_model::Evidence;

declare_rule! {
    /// ### What it finds
    /// A service that logs with bare `console.log` / `print` / stdlib
    /// `logging` / Go `log.Printf` and has no structured logger: no `pino`,
    /// `winston`, `bunyan`, `structlog`, `python-json-logger`, `loguru`
    /// with `serialize=True`, `zap`, `zerolog`, `slog`, `logrus`… and, for
    /// Fastify, its built-in pino logger turned off (`logger: false` or
    /// unset).
    ///
    /// ### Why it matters
    /// Free-text lines cannot be filtered by request id, user or status in
    /// the log platform; during an incident nobody can answer "which
    /// requests failed, and why" without grepping by hand.
    ///
    /// ### How to fix
    /// ```ts
    /// const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
    /// app.setErrorHandler((err, req, reply) => {
    ///   req.log.error({ err }, 'request failed');
    ///   reply.status(500).send({ error: 'Internal error' });
    /// });
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: the logger, request ids, replacing the bare calls.
    pub struct NoStructuredLogging {
        name: "no-structured-logging",
        code: "OBS008",
        category: Observability,
        severity: Medium,
        effort: (2, 4),
    }
}

const LOGGERS: &[&str] = &[
    // Node
    "pino",
    "pino-http",
    "winston",
    "bunyan",
    "express-pino-logger",
    "koa-pino-logger",
    "nestjs-pino",
    "log4js",
    "@nestjs/common/services/logger",
    "roarr",
    "signale",
    // Python
    "structlog",
    "pythonjsonlogger",
    "json_log_formatter",
    "ecs_logging",
    "jsonlogger",
    // Go
    "go.uber.org/zap",
    "github.com/rs/zerolog",
    "log/slog",
    "golang.org/x/exp/slog",
    "github.com/sirupsen/logrus",
    "github.com/go-kit/log",
    "github.com/go-kit/kit/log",
    "github.com/hashicorp/go-hclog",
    "github.com/apex/log",
    "github.com/go-logr/logr",
    "github.com/charmbracelet/log",
];

impl Rule for NoStructuredLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        // A copy of the shared reference: findings are reported as found.
        let repo = cx.repo;
        let code = &repo.code;
        for s in &code.services {
            if structured(code, s) {
                continue;
            }
            // Only a service that visibly logs by hand is reported.
            let order = s
                .entry
                .into_iter()
                .chain(s.app.map(|(m, _)| m))
                .chain(s.modules.iter().copied());
            let bare = order.into_iter().find_map(|mi| {
                let m = &code.modules[mi];
                m.calls.iter().find(|c| is_bare_log(m, c)).map(|c| (m, c))
            });
            let Some((m, c)) = bare else {
                continue;
            };
            cx.report(Evidence {
                file: Some(m.path.clone()),
                lines: Some(c.span),
                resource: Some(service_label(s)),
                key: service_key(s),
                message: format!(
                    "service `{}` logs with `{}` and has no structured logger: logs cannot be queried by field",
                    display_dir(s),
                    c.callee
                ),
                remediation: crate::service_support::lang_fix(s.lang, PY_FIX, GO_FIX),
            });
        }
    }
}

fn structured(code: &Code, s: &Service) -> bool {
    if imported(code, s, LOGGERS).is_some() {
        return true;
    }
    for m in code.modules_of(s) {
        // A JSON formatter named in a logging config (dictConfig, ini).
        if m.strings
            .iter()
            .any(|x| x.contains("pythonjsonlogger") || x.contains("json_log_formatter"))
        {
            return true;
        }
        for c in &m.calls {
            // loguru emits JSON with serialize=True.
            if m.callee_module(&c.callee) == Some("loguru")
                && c.option("serialize")
                    .is_some_and(|(v, _)| v.trim() == "True")
            {
                return true;
            }
            // Fastify's logger is pino: on unless `logger: false` / unset.
            if s.framework == Framework::Fastify && is_app_creation(m, c, Framework::Fastify) {
                if let Some((v, _)) = c.option("logger") {
                    if v.trim() != "false" {
                        return true;
                    }
                }
                // Options passed in from elsewhere (`Fastify(opts)`): not visible.
                if c.args
                    .first()
                    .is_some_and(|a| a.props.is_empty() && a.ident.is_some())
                {
                    return true;
                }
            }
            // NestJS apps can swap in a structured logger: `app.useLogger(...)`.
            if c.method() == "useLogger" {
                return true;
            }
        }
    }
    false
}

fn is_bare_log(m: &Module, c: &Call) -> bool {
    match m.lang {
        Lang::JavaScript | Lang::TypeScript => matches!(
            c.callee.as_str(),
            "console.log" | "console.info" | "console.warn" | "console.error" | "console.debug"
        ),
        Lang::Python => {
            c.callee == "print"
                || (matches!(m.callee_module(&c.callee), Some("logging"))
                    && matches!(
                        c.method(),
                        "info" | "warning" | "error" | "exception" | "debug" | "critical"
                    ))
                || logger_from_logging(m, c)
        }
        Lang::Go => {
            let module = m.callee_module(&c.callee);
            (module == Some("log") && c.method().starts_with("Print"))
                || (module == Some("fmt") && c.method().starts_with("Print"))
        }
    }
}

/// `logger.error(...)` where `logger = logging.getLogger(...)`.
fn logger_from_logging(m: &Module, c: &Call) -> bool {
    let root = c.root();
    matches!(
        c.method(),
        "info" | "warning" | "error" | "exception" | "debug" | "critical"
    ) && m
        .assigns
        .iter()
        .any(|a| a.name == root && a.value.contains("getLogger("))
        && m.imports_module(|x| x == "logging").is_some()
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "import structlog
log = structlog.get_logger()
log.info(\"item_created\", item_id=item_id)  # instead of print(f\"created item {item_id}\")";

const GO_FIX: &str = "logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
logger.Info(\"item created\", \"item_id\", id) // instead of log.Printf";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    fn fastify(opts: &str) -> Vec<(&'static str, String)> {
        vec![
            ("package.json", r#"{"dependencies": {"fastify": "4"}}"#.to_string()),
            ("src/app.ts", format!("import Fastify from 'fastify';\nconst app = Fastify({opts});\napp.setErrorHandler((err) => {{ console.log('failed', err); }});\n")),
        ]
    }

    fn run(files: &[(&'static str, String)]) -> Vec<shipshape_model::Finding> {
        let v: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        check(&NoStructuredLogging, &v)
    }

    #[test]
    fn fastify_logger_off_with_console_log_is_flagged() {
        let f = run(&fastify("{ logger: false }"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].file.as_deref(), f[0].line),
            (Some("src/app.ts"), Some(3))
        );
        assert_eq!(run(&fastify("")).len(), 1);
    }

    #[test]
    fn fastify_builtin_pino_is_structured() {
        assert!(run(&fastify("{ logger: { level: 'info' } }")).is_empty());
        assert!(run(&fastify("{ logger: true }")).is_empty());
    }

    #[test]
    fn fastify_options_from_a_variable_are_not_judged() {
        assert!(run(&fastify("opts")).is_empty());
    }

    #[test]
    fn python_print_and_structlog() {
        let app = "from flask import Flask\napp = Flask(__name__)\nprint('up')\n";
        assert_eq!(check(&NoStructuredLogging, &[("app.py", app)]).len(), 1);
        let s = format!("import structlog\n{app}");
        assert!(check(&NoStructuredLogging, &[("app.py", &s)]).is_empty());
    }

    #[test]
    fn go_log_fatal_on_listen_alone_is_not_logging() {
        let src = "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n)\n\nfunc main() {\n\tlog.Fatal(http.ListenAndServe(\":8080\", nil))\n}\n";
        assert!(check(&NoStructuredLogging, &[("main.go", src)]).is_empty());
    }

    #[test]
    fn go_log_printf_and_slog() {
        let bare = "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n)\n\nfunc main() {\n\tlog.Printf(\"listening\")\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        assert_eq!(check(&NoStructuredLogging, &[("main.go", bare)]).len(), 1);
        let ok = bare
            .replace("\"log\"", "\"log/slog\"")
            .replace("log.Printf", "slog.Info");
        assert!(check(&NoStructuredLogging, &[("main.go", &ok)]).is_empty());
    }
}
