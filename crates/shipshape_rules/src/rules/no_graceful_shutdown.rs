use crate::service_support::{
    declares, display_dir, imported, production_commands, runs_program, script_runs, service_key,
    service_label,
};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::code::{Code, Lang, Module, Service};
use shipshape_loaders::Repository;
use shipshape_model::{Evidence, LineSpan};

declare_rule! {
    /// ### What it finds
    /// A long-running HTTP service (Express, Fastify, Koa, NestJS, Flask,
    /// FastAPI, Django, Go net/http…) whose entry point installs no SIGTERM
    /// handling that stops accepting connections and drains in-flight
    /// requests, and that is not run under a server that does it for it
    /// (gunicorn, uvicorn, hypercorn, waitress, daphne). Handlers in other
    /// modules of the service and libraries such as `close-with-grace`,
    /// `@godaddy/terminus`, `http-terminator`, `lightship` or NestJS
    /// `enableShutdownHooks()` count.
    ///
    /// ### Why it matters
    /// Every deploy, scale-in and node drain sends SIGTERM. A process that
    /// ignores it is killed mid-request after the grace period: users see
    /// 502s and half-done writes on every release, at 3 a.m. included.
    ///
    /// ### How to fix
    /// ```ts
    /// const shutdown = async (signal: string) => {
    ///   app.log.info({ signal }, 'shutting down');
    ///   await app.close(); // stops accepting, waits for in-flight requests
    ///   process.exit(0);
    /// };
    /// process.on('SIGTERM', shutdown);
    /// process.on('SIGINT', shutdown);
    /// ```
    /// In Python run the app under gunicorn/uvicorn (they drain on SIGTERM);
    /// in Go use `signal.NotifyContext` and `srv.Shutdown(ctx)`.
    ///
    /// ### Effort
    /// 1–3 hours: the handler, closing pools after the server, a deploy test.
    pub struct NoGracefulShutdown {
        name: "no-graceful-shutdown",
        code: "REL005",
        category: Reliability,
        severity: Blocker,
        effort: (1, 3),
    }
}

/// Node libraries that install SIGTERM draining.
const NODE_LIBS: &[&str] = &[
    "close-with-grace",
    "@godaddy/terminus",
    "http-terminator",
    "lightship",
    "stoppable",
    "fastify-graceful-shutdown",
    "@hapi/hapi",
    "async-exit-hook",
    "graceful-shutdown-express",
    "http-graceful-shutdown",
];

/// Python servers that drain on SIGTERM.
const PY_SERVERS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "waitress-serve",
    "daphne",
    "granian",
    "fastapi",
];

/// Go libraries that wrap signal handling and Shutdown.
const GO_LIBS: &[&str] = &[
    "github.com/ory/graceful",
    "github.com/fvbock/endless",
    "github.com/facebookgo/grace",
    "github.com/oklog/run",
    "github.com/TV4/graceful",
];

impl Rule for NoGracefulShutdown {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let code = &cx.repo.code;
        for s in &code.services {
            if !long_running(code, s) || handles_shutdown(cx.repo, s) {
                continue;
            }
            let Some(ev) = evidence(code, s) else {
                continue;
            };
            cx.report(ev);
        }
    }
}

/// Lambda adapters: the platform owns the process lifecycle.
const SERVERLESS: &[&str] = &[
    "serverless-http",
    "@vendia/serverless-express",
    "@codegenie/serverless-express",
    "aws-serverless-express",
    "@fastify/aws-lambda",
    "mangum",
    "aws_wsgi",
    "serverless_wsgi",
    "apig_wsgi",
    "github.com/aws/aws-lambda-go",
    "github.com/awslabs/aws-lambda-go-api-proxy",
];

/// A process that listens itself, or that a production command starts.
fn long_running(code: &Code, s: &Service) -> bool {
    if imported(code, s, SERVERLESS).is_some() {
        return false;
    }
    match s.lang {
        Lang::Python => s.listen.is_some() || !production_commands(code, s).is_empty(),
        _ => s.listen.is_some(),
    }
}

fn evidence(code: &Code, s: &Service) -> Option<Evidence> {
    let (file, lines) = match (s.listen, s.entry) {
        (Some((mi, ci)), _) => (
            code.modules[mi].path.clone(),
            code.modules[mi].calls[ci].span,
        ),
        (None, Some(e)) => (code.modules[e].path.clone(), LineSpan::line(1)),
        // Without an entry point or a listen call we cannot say it serves.
        (None, None) => return None,
    };
    let how = match s.lang {
        Lang::Python => "is not run under gunicorn/uvicorn and installs no SIGTERM handler",
        Lang::Go => "installs no signal.Notify + Server.Shutdown",
        _ => "installs no SIGTERM handler that closes the server",
    };
    Some(Evidence {
        file: Some(file),
        lines: Some(lines),
        resource: Some(service_label(s)),
        key: service_key(s),
        message: format!(
            "service `{}` {how}: in-flight requests are cut on every deploy",
            display_dir(s)
        ),
        remediation: crate::service_support::lang_fix(s.lang, PY_FIX, GO_FIX),
    })
}

fn handles_shutdown(repo: &Repository, s: &Service) -> bool {
    let code = &repo.code;
    match s.lang {
        Lang::JavaScript | Lang::TypeScript => node_handles(code, s),
        Lang::Python => python_handles(repo, s),
        Lang::Go => go_handles(code, s),
    }
}

fn is_closing(callee: &str) -> bool {
    let last = shipshape_loaders::code::last_segment(callee).to_ascii_lowercase();
    last == "end"
        || ["close", "shutdown", "stop", "terminate", "drain", "destroy"]
            .iter()
            .any(|w| last.contains(w))
}

fn node_handles(code: &Code, s: &Service) -> bool {
    if imported(code, s, NODE_LIBS).is_some() {
        return true;
    }
    for &mi in &s.modules {
        let m = &code.modules[mi];
        for c in &m.calls {
            if c.method() == "enableShutdownHooks" {
                return true;
            }
            let is_signal = matches!(
                c.callee.as_str(),
                "process.on"
                    | "process.once"
                    | "process.addListener"
                    | "process.prependListener"
                    | "process.prependOnceListener"
            ) && match c.first_string() {
                Some(sig) => sig == "SIGTERM" || sig == "SIGINT",
                // `for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, ...)`
                None => c.args.first().is_some_and(|a| a.ident.is_some()),
            };
            if is_signal && handler_drains(code, s, mi, m, c) {
                return true;
            }
        }
    }
    false
}

/// Whether a signal handler call's callback (inline or by name) reaches a
/// close / shutdown call. An unresolvable named handler counts: we cannot
/// see it, and a false "no graceful shutdown" is worse than a miss.
fn handler_drains(
    code: &Code,
    s: &Service,
    mi: usize,
    m: &Module,
    c: &shipshape_loaders::code::Call,
) -> bool {
    let Some(handler) = c.args.get(1) else {
        return false;
    };
    let mut callees: Vec<String> = handler.callees.clone();
    if let Some(name) = &handler.ident {
        match code.resolve_function(s, mi, name) {
            Some((_, f)) => callees.extend(f.callees.iter().cloned()),
            None => return !m.function(name).is_some_and(|f| f.callees.is_empty()),
        }
    }
    code.reachable_callees(s, mi, &callees, 4)
        .iter()
        .any(|(_, callee)| is_closing(callee) || named_like_shutdown(code, s, mi, callee))
}

/// A call to a helper we cannot resolve whose name says what it does
/// (`gracefulShutdown()`, `closeServer()`).
fn named_like_shutdown(code: &Code, s: &Service, mi: usize, callee: &str) -> bool {
    let lower = callee.to_ascii_lowercase();
    (lower.contains("shutdown") || lower.contains("close") || lower.contains("drain"))
        && code.resolve_function(s, mi, callee).is_none()
}

fn python_handles(repo: &Repository, s: &Service) -> bool {
    let code = &repo.code;
    let cmds = production_commands(code, s);
    if runs_program(&cmds, PY_SERVERS).is_some() || script_runs(repo, s, &cmds, PY_SERVERS) {
        return true;
    }
    for m in code.modules_of(s) {
        for c in &m.calls {
            let module = m.callee_module(&c.callee).unwrap_or("");
            let sigterm = c.args.first().is_some_and(|a| a.text.contains("SIGTERM"));
            if (c.method() == "signal" && module == "signal" && sigterm)
                || (c.method() == "add_signal_handler" && sigterm)
            {
                return true;
            }
            // Servers started from code drain on SIGTERM too.
            if matches!(
                module,
                "uvicorn" | "hypercorn" | "waitress" | "gunicorn" | "daphne"
            ) || c.callee == "web.run_app"
                || c.callee.ends_with("aiohttp.web.run_app")
            {
                return true;
            }
        }
    }
    // No production command known: a declared WSGI/ASGI server is how it runs,
    // unless the code serves itself with a framework's dev server.
    if cmds.is_empty() {
        let declared = PY_SERVERS
            .iter()
            .any(|p| declares(code, s, p.trim_end_matches("-serve")));
        let self_served = s.listen.is_some();
        return declared || !self_served;
    }
    false
}

fn go_handles(code: &Code, s: &Service) -> bool {
    if imported(code, s, GO_LIBS).is_some() {
        return true;
    }
    let mut notify = false;
    let mut shutdown = false;
    for m in code.modules_of(s) {
        for c in &m.calls {
            let module = m.callee_module(&c.callee).unwrap_or("");
            if module == "os/signal" && matches!(c.method(), "Notify" | "NotifyContext") {
                notify = true;
            }
            if matches!(
                c.method(),
                "Shutdown" | "GracefulStop" | "ShutdownWithContext"
            ) {
                shutdown = true;
            }
        }
    }
    notify && shutdown
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "# Dockerfile: CMD [\"gunicorn\", \"--graceful-timeout\", \"30\", \"-b\", \"0.0.0.0:8080\", \"app:app\"]
# or, when the process serves itself:
import signal, sys
def _term(signum, frame):
    server.shutdown()  # stop accepting, finish in-flight requests
    sys.exit(0)
signal.signal(signal.SIGTERM, _term)";

const GO_FIX: &str =
    "ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
defer stop()
go func() { _ = srv.ListenAndServe() }()
<-ctx.Done()
shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
defer cancel()
_ = srv.Shutdown(shutdownCtx) // drains in-flight requests";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const PKG: &str = r#"{"main": "dist/index.js", "scripts": {"start": "node dist/index.js"}, "dependencies": {"fastify": "4"}}"#;

    #[test]
    fn flags_fastify_without_sigterm_handler() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", "import Fastify from 'fastify';\nconst app = Fastify();\napp.listen({ port: 3000 });\nprocess.on('SIGTERM', () => process.exit(0));\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file.as_deref(), Some("api/src/index.ts"));
        assert_eq!(f[0].line, Some(3));
    }

    #[test]
    fn shutdown_in_another_module_counts() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", "import Fastify from 'fastify';\nimport { installShutdown } from './shutdown.js';\nconst app = Fastify();\ninstallShutdown(app);\napp.listen({ port: 3000 });\n"),
                ("api/src/shutdown.ts", "export function installShutdown(app) {\n  const stop = async () => { await closeAll(app); };\n  process.once('SIGTERM', stop);\n}\nasync function closeAll(app) { await app.close(); }\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn terminus_library_counts() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("package.json", r#"{"dependencies": {"express": "4"}}"#),
                ("server.js", "const express = require('express');\nconst { createTerminus } = require('@godaddy/terminus');\nconst app = express();\nconst server = app.listen(3000);\ncreateTerminus(server, {});\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn signal_loop_and_lambda_adapter_pass() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("package.json", r#"{"dependencies": {"express": "4"}}"#),
                ("server.js", "const express = require('express');\nconst app = express();\nconst server = app.listen(3000);\nfor (const sig of ['SIGINT', 'SIGTERM']) {\n  process.on(sig, () => server.close(() => process.exit(0)));\n}\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let f = check(
            &NoGracefulShutdown,
            &[
                ("package.json", r#"{"dependencies": {"express": "4"}}"#),
                ("handler.js", "const express = require('express');\nconst serverless = require('serverless-http');\nconst app = express();\nmodule.exports.handler = serverless(app);\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn gunicorn_in_a_start_script() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("svc/requirements.txt", "flask\n"),
                (
                    "svc/Dockerfile",
                    "FROM python:3.12\nCMD [\"sh\", \"-c\", \"exec gunicorn -w 4 app:app\"]\n",
                ),
                (
                    "svc/app.py",
                    "from flask import Flask\napp = Flask(__name__)\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let f = check(
            &NoGracefulShutdown,
            &[
                ("svc/requirements.txt", "flask\n"),
                ("svc/Dockerfile", "FROM python:3.12\nCMD [\"./start.sh\"]\n"),
                (
                    "svc/start.sh",
                    "#!/bin/sh\nset -e\nexec gunicorn -w 4 app:app\n",
                ),
                (
                    "svc/app.py",
                    "from flask import Flask\napp = Flask(__name__)\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn flags_flask_started_with_python() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("svc/requirements.txt", "flask\n"),
                ("svc/Dockerfile", "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"),
                ("svc/app.py", "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(host='0.0.0.0')\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file.as_deref(), Some("svc/app.py"));
        assert_eq!(f[0].line, Some(5));
    }

    #[test]
    fn gunicorn_drains_flask() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("svc/requirements.txt", "flask\ngunicorn\n"),
                ("svc/Dockerfile", "FROM python:3.12\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8080\", \"app:app\"]\n"),
                ("svc/app.py", "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run()\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn python_signal_handler_counts() {
        let f = check(
            &NoGracefulShutdown,
            &[
                ("svc/Procfile", "web: python app.py\n"),
                ("svc/app.py", "import signal\nfrom flask import Flask\napp = Flask(__name__)\nsignal.signal(signal.SIGTERM, lambda *a: stop())\napp.run()\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    const GO_MAIN: &str = "package main\n\nimport (\n\t\"net/http\"\n\t\"os/signal\"\n\t\"syscall\"\n)\n\nfunc main() {\n\tsrv := &http.Server{Addr: \":8080\"}\n\tgo srv.ListenAndServe()\n\tctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)\n\tdefer stop()\n\t<-ctx.Done()\n\tsrv.Shutdown(context.Background())\n}\n";

    #[test]
    fn go_notify_and_shutdown_pass_and_bare_listen_fails() {
        assert!(check(
            &NoGracefulShutdown,
            &[("go.mod", "module x\n"), ("main.go", GO_MAIN)]
        )
        .is_empty());
        let bare = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/\", h)\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        let f = check(
            &NoGracefulShutdown,
            &[("go.mod", "module x\n"), ("main.go", bare)],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(7));
    }
}
