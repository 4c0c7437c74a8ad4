use crate::service_support::{display_dir, production_commands, service_key, service_label};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::code::{Command, CommandSource, Framework, Lang, Service};
use shipshape_loaders::Repository;
use shipshape_model::Evidence;

declare_rule! {
    /// ### What it finds
    /// A service whose production entry point (Dockerfile CMD/ENTRYPOINT,
    /// Procfile, the `npm start` those run) starts a development server:
    /// Flask's `app.run()` (worse with `debug=True`), `flask run`,
    /// `manage.py runserver`, `uvicorn --reload`, `npm run dev`, `nodemon`,
    /// `node --watch`, `tsx watch`, `ts-node-dev`.
    ///
    /// ### Why it matters
    /// Development servers handle one request at a time or restart on file
    /// changes, are not hardened, and in debug mode expose an interactive
    /// debugger that executes arbitrary code for anyone who can reach it.
    ///
    /// ### How to fix
    /// ```dockerfile
    /// CMD ["gunicorn", "--bind", "0.0.0.0:8080", "--workers", "4", "app:app"]
    /// ```
    ///
    /// ### Effort
    /// 1 hour: add the server to requirements, change the command.
    pub struct DevServerInProduction {
        name: "dev-server-in-production",
        code: "REL017",
        category: Reliability,
        severity: Blocker,
        effort: (1, 1),
    }
}

/// Python servers meant for production.
const PROD_SERVERS: &[&str] = &[
    "gunicorn",
    "uwsgi",
    "waitress",
    "uvicorn",
    "hypercorn",
    "daphne",
    "gevent",
    "meinheld",
    "bjoern",
    "granian",
];

impl Rule for DevServerInProduction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let repo = cx.repo;
        for s in &repo.code.services {
            if let Some(ev) = finding(repo, s) {
                cx.report(ev);
            }
        }
    }
}

fn finding(repo: &Repository, s: &Service) -> Option<Evidence> {
    let code = &repo.code;
    let cmds = production_commands(code, s);
    let ev = |file: &str, lines, what: String| Evidence {
        file: Some(file.to_string()),
        lines: Some(lines),
        resource: Some(service_label(s)),
        key: service_key(s),
        message: format!(
            "service `{}` runs a development server in production: {what}",
            display_dir(s)
        ),
        remediation: crate::service_support::lang_fix(s.lang, PY_FIX, GO_FIX),
    };
    for c in &cmds {
        // Container commands carry no line positions to point at.
        if matches!(c.source, CommandSource::Container(_)) {
            continue;
        }
        if let Some(what) = dev_command(c) {
            return Some(ev(&c.file, c.span, what));
        }
    }
    if s.lang != Lang::Python
        || !matches!(
            s.framework,
            Framework::Flask | Framework::Quart | Framework::FastApi | Framework::Starlette
        )
    {
        return None;
    }
    // A production server anywhere in the start path wins.
    if crate::service_support::runs_program(&cmds, PROD_SERVERS).is_some() {
        return None;
    }
    // `python app.py` reaching a module-level `app.run(...)` / `uvicorn.run(reload=True)`.
    let runs_python_file = cmds.iter().any(|c| {
        let prog = c
            .words
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .unwrap_or("");
        prog.starts_with("python")
    });
    let declared_server = code
        .manifest_of(s)
        .is_some_and(|m| PROD_SERVERS.iter().any(|p| m.declares(p)));
    // Without a known command, a module-level `app.run()` is how it serves
    // unless a production server is declared.
    let self_served = cmds.is_empty() && !declared_server;
    if !runs_python_file && !self_served {
        return None;
    }
    let entry = s.entry?;
    let m = &code.modules[entry];
    for c in m.calls.iter().filter(|c| !c.in_function) {
        let debug = c.option("debug").is_some_and(|(v, _)| v.trim() == "True");
        let module = m.callee_module(&c.callee).unwrap_or("");
        if c.method() == "run"
            && module != "uvicorn"
            && matches!(s.framework, Framework::Flask | Framework::Quart)
        {
            let what = if debug {
                "Flask's `app.run(debug=True)` (the interactive debugger is reachable)"
            } else {
                "Flask's built-in `app.run()` server"
            };
            return Some(ev(&m.path, c.span, what.to_string()));
        }
        if module == "uvicorn" && c.option("reload").is_some_and(|(v, _)| v.trim() == "True") {
            return Some(ev(
                &m.path,
                c.span,
                "`uvicorn.run(reload=True)`".to_string(),
            ));
        }
    }
    None
}

/// What makes a start command a development server.
fn dev_command(c: &Command) -> Option<String> {
    let w: Vec<&str> = c.words.iter().map(String::as_str).collect();
    let base = |x: &str| x.rsplit('/').next().unwrap_or(x).to_string();
    let prog = base(w.first()?);
    let text = c.text();
    let has = |x: &str| w.contains(&x);
    if matches!(
        prog.as_str(),
        "nodemon" | "ts-node-dev" | "tsnd" | "node-dev"
    ) {
        return Some(format!("`{text}` restarts on file changes"));
    }
    if (prog == "node" || prog == "tsx" || prog == "bun") && (has("--watch") || has("watch")) {
        return Some(format!("`{text}` watches files"));
    }
    if matches!(prog.as_str(), "npm" | "yarn" | "pnpm") {
        let script = crate::service_support::npm_script(&c.words)?;
        if matches!(
            script,
            "dev" | "develop" | "watch" | "serve:dev" | "start:dev"
        ) {
            return Some(format!("`{text}`"));
        }
        return None;
    }
    if prog == "flask" && has("run") {
        return Some(format!("`{text}` is Flask's development server"));
    }
    if w.iter().any(|x| base(x) == "manage.py") && has("runserver") {
        return Some(format!("`{text}` is Django's development server"));
    }
    if w.iter().take(3).any(|x| base(x) == "uvicorn") && has("--reload") {
        return Some(format!("`{text}` reloads on file changes"));
    }
    None
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "# requirements.txt: gunicorn
# Dockerfile:
# CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8080\", \"--workers\", \"4\", \"app:app\"]
if __name__ == \"__main__\":
    app.run()  # local development only, never debug=True in an image";

const GO_FIX: &str =
    "srv := &http.Server{Addr: \":8080\", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
log.Fatal(srv.ListenAndServe())";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const APP: &str = "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", debug=True)\n";

    #[test]
    fn flask_app_run_behind_python_cmd() {
        let f = check(
            &DevServerInProduction,
            &[
                ("svc/requirements.txt", "flask\n"),
                (
                    "svc/Dockerfile",
                    "FROM python\nCMD [\"python\", \"app.py\"]\n",
                ),
                ("svc/app.py", APP),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].file.as_deref(), f[0].line),
            (Some("svc/app.py"), Some(5))
        );
        assert!(f[0].message.contains("debug=True"));
    }

    #[test]
    fn gunicorn_command_passes_even_with_app_run_under_main() {
        let f = check(
            &DevServerInProduction,
            &[
                ("svc/requirements.txt", "flask\ngunicorn\n"),
                (
                    "svc/Dockerfile",
                    "FROM python\nCMD [\"gunicorn\", \"app:app\"]\n",
                ),
                ("svc/app.py", APP),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        // Kubernetes overrides the image's command with gunicorn.
        let f = check(
            &DevServerInProduction,
            &[
                ("svc/requirements.txt", "flask\ngunicorn\n"),
                ("svc/Dockerfile", "FROM python\nCMD [\"python\", \"app.py\"]\n"),
                ("svc/app.py", APP),
                ("k8s/svc.yaml", "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: svc\n          image: svc:1\n          command: [\"gunicorn\", \"app:app\"]\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        // No command known, but a WSGI server is declared: it is how it runs.
        let f = check(
            &DevServerInProduction,
            &[
                ("svc/requirements.txt", "flask\ngunicorn\n"),
                ("svc/app.py", APP),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn npm_run_dev_and_nodemon() {
        let pkg = r#"{"scripts": {"start": "nodemon src/index.js", "dev": "nodemon"}, "dependencies": {"express": "4"}}"#;
        let idx = "const express = require('express');\nexpress().listen(3000);\n";
        let f = check(
            &DevServerInProduction,
            &[
                ("package.json", pkg),
                ("src/index.js", idx),
                ("Dockerfile", "FROM node\nCMD [\"npm\", \"start\"]\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].file.as_deref(),
            Some("package.json"),
            "the start script npm start runs"
        );
        // A dev script next to a production start is fine.
        let pkg = r#"{"scripts": {"start": "node src/index.js", "dev": "nodemon"}, "dependencies": {"express": "4"}}"#;
        let f = check(
            &DevServerInProduction,
            &[
                ("package.json", pkg),
                ("src/index.js", idx),
                ("Dockerfile", "FROM node\nCMD [\"npm\", \"start\"]\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
