use crate::service_support::{display_dir, module_is, service_label};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::code::{root_ident, Code, Handler, Lang, Route, Service};
use shipshape_loaders::terraform::Resource;
use shipshape_model::Evidence;
use std::collections::HashSet;

declare_rule! {
    /// ### What it finds
    /// Two kinds of health checks that say "healthy" while the service is
    /// useless:
    /// - a `/health`, `/healthz`, `/ready`, `/readyz` or `/status` route that
    ///   returns success without touching any dependency the service uses
    ///   (database pool, Redis client, HTTP upstream). Helpers the handler
    ///   calls in other modules are followed; liveness routes (`/livez`,
    ///   `/ping`) are meant to be shallow and are left alone;
    /// - an `aws_lb_target_group` / `aws_alb_target_group` whose health
    ///   check path is `/` (or unset, which defaults to `/`).
    ///
    /// ### Why it matters
    /// When the database is gone, a shallow check keeps every instance in
    /// rotation, so the load balancer keeps sending traffic into 500s and
    /// no automation replaces anything. A check on `/` tests a static page
    /// (or a redirect), not the application.
    ///
    /// ### How to fix
    /// ```ts
    /// app.get('/readyz', async (_req, reply) => {
    ///   await sql`SELECT 1`;      // the pool the service uses
    ///   await redis.ping();
    ///   return reply.send({ status: 'ok' });
    /// });
    /// ```
    /// and point the target group at it:
    /// ```hcl
    /// health_check {
    ///   path    = "/readyz"
    ///   matcher = "200"
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: a readiness route with timeouts, then the probe/target group.
    pub struct HealthCheckShallow {
        name: "health-check-shallow",
        code: "REL006",
        category: Reliability,
        severity: High,
        effort: (1, 2),
    }
}

/// Client libraries of the dependencies a readiness check should touch.
const DEPENDENCY_LIBS: &[&str] = &[
    // Node
    "pg",
    "postgres",
    "mysql",
    "mysql2",
    "mongodb",
    "mongoose",
    "@prisma/client",
    "knex",
    "sequelize",
    "typeorm",
    "drizzle-orm",
    "redis",
    "ioredis",
    "@redis/client",
    "bullmq",
    "bull",
    "kafkajs",
    "amqplib",
    "@elastic/elasticsearch",
    "cassandra-driver",
    "@aws-sdk/",
    "aws-sdk",
    "axios",
    "got",
    "node-fetch",
    "undici",
    "@neondatabase/serverless",
    "mssql",
    "oracledb",
    // Python
    "psycopg2",
    "psycopg",
    "asyncpg",
    "sqlalchemy",
    "flask_sqlalchemy",
    "pymysql",
    "MySQLdb",
    "pymongo",
    "motor",
    "aioredis",
    "django.db",
    "boto3",
    "requests",
    "httpx",
    "celery",
    "kafka",
    "pika",
    "elasticsearch",
    "peewee",
    "tortoise",
    "databases",
    "sqlmodel",
    // Go
    "database/sql",
    "github.com/jackc/pgx",
    "github.com/lib/pq",
    "gorm.io/gorm",
    "github.com/go-redis/redis",
    "github.com/redis/go-redis",
    "go.mongodb.org/mongo-driver",
    "github.com/go-sql-driver/mysql",
    "github.com/aws/aws-sdk-go",
    "github.com/aws/aws-sdk-go-v2",
    "github.com/jmoiron/sqlx",
];

/// Roots of calls that only build the response or read local state.
const INERT_ROOTS: &[&str] = &[
    "Date",
    "JSON",
    "Math",
    "Object",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Promise",
    "process",
    "console",
    "Buffer",
    "performance",
    "os",
    "jsonify",
    "json",
    "dict",
    "list",
    "str",
    "int",
    "float",
    "len",
    "time",
    "datetime",
    "platform",
    "sys",
    "make_response",
    "Response",
    "JSONResponse",
    "PlainTextResponse",
    "HTMLResponse",
    "HttpResponse",
    "JsonResponse",
    "fmt",
    "strconv",
    "logger",
    "log",
    "logging",
    "print",
    "bytes",
    "strings",
    "errors",
    "res",
    "reply",
    "req",
    "request",
    "response",
    "ctx",
    "c",
    "w",
    "r",
    "resp",
    "format",
    "isoformat",
    "round",
    "uptime",
    "byte",
    "string",
    "abort",
    "web",
    "status",
    "utcnow",
    "now",
];

impl Rule for HealthCheckShallow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        // A copy of the shared reference: findings are reported as found.
        let repo = cx.repo;
        let code = &repo.code;
        // Whether a route is only a liveness probe is decided at the end:
        // the manifest that probes it may be in another part.
        let mut shallow = Vec::new();
        for s in &code.services {
            let deps = dependencies(code, s);
            if deps.is_empty() {
                continue;
            }
            let dep = deps.join(", ");
            for &mi in &s.modules {
                let m = &code.modules[mi];
                for r in &m.routes {
                    if !is_readiness_path(&r.path) {
                        continue;
                    }
                    if touches_dependency(code, s, mi, r) != Some(false)
                        || can_report_unhealthy(repo, &m.path, r)
                        || reads_dependency_state(repo, s, mi, r)
                    {
                        continue;
                    }
                    shallow.push((r.path.clone(), Evidence {
                        file: Some(m.path.clone()),
                        lines: Some(r.span),
                        resource: Some(service_label(s)),
                        key: format!("{}::{}", m.path, r.path),
                        message: format!(
                            "health route `{}` of service `{}` returns success without touching any dependency (it uses {dep}): it stays green while the database is down",
                            r.path,
                            display_dir(s)
                        ),
                        remediation: crate::service_support::lang_fix(s.lang, PY_FIX, GO_FIX),
                    }));
                }
            }
        }
        let facts = cx.facts::<Facts>();
        facts.shallow.extend(shallow);
        facts.probes.extend(code.probes.iter().cloned());
        for rtype in ["aws_lb_target_group", "aws_alb_target_group"] {
            for tg in repo.terraform.resources_of(rtype) {
                if !tg.exists() {
                    continue;
                }
                match target_group_path(tg) {
                    TgPath::Root { attr_set } => {
                        let path: &[&str] = if attr_set {
                            &["health_check", "path"]
                        } else {
                            &[]
                        };
                        let mut ev = crate::support::tf_evidence(
                            tg,
                            path,
                            format!(
                                "target group `{}` health-checks `/`: it tests that something answers, not that the application and its dependencies work",
                                tg.address
                            ),
                        );
                        if attr_set {
                            ev.lines = Some(tg.block.span_of(&["health_check", "path"]));
                        }
                        cx.report(ev);
                    }
                    TgPath::Fine => {}
                    TgPath::Unknown(why) => cx.unevaluated(
                        Some(tg.file()),
                        Some(tg.block.span.start),
                        format!("`{}` health_check.path: {why}", tg.address),
                    ),
                }
            }
        }
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        for (path, ev) in facts.shallow {
            if !liveness_only(&facts.probes, &path) {
                cx.report(ev);
            }
        }
    }
}

/// Shallow readiness routes (with their paths), and the (kind, path) of
/// every part's Kubernetes probes: a route only a liveness probe uses is
/// meant to be shallow.
#[derive(Default)]
struct Facts {
    shallow: Vec<(String, Evidence)>,
    probes: HashSet<(String, String)>,
}

/// The dependency clients the service imports (at most three, for the message).
fn dependencies(code: &Code, s: &Service) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for m in code.modules_of(s) {
        for imp in &m.imports {
            if let Some(n) = DEPENDENCY_LIBS.iter().find(|n| module_is(&imp.module, n)) {
                let n = n.trim_end_matches('/').to_string();
                if !out.contains(&n) && out.len() < 3 {
                    out.push(n);
                }
            }
        }
    }
    out
}

enum TgPath {
    Root { attr_set: bool },
    Fine,
    Unknown(String),
}

fn target_group_path(tg: &Resource) -> TgPath {
    // Lambda targets and TCP/UDP/TLS health checks have no HTTP path.
    let s = |p: &[&str]| {
        tg.get(p)
            .and_then(|v| v.as_str())
            .map(str::to_ascii_uppercase)
    };
    if s(&["target_type"]).as_deref() == Some("LAMBDA") {
        return TgPath::Fine;
    }
    let hc_proto = s(&["health_check", "protocol"]);
    let proto = s(&["protocol"]);
    let http = match hc_proto.as_deref() {
        Some(p) => p == "HTTP" || p == "HTTPS",
        None => !matches!(
            proto.as_deref(),
            Some("TCP" | "UDP" | "TLS" | "TCP_UDP" | "GENEVE")
        ),
    };
    if !http {
        return TgPath::Fine;
    }
    if tg
        .get(&["health_check", "enabled"])
        .and_then(|v| v.as_bool())
        == Some(false)
    {
        return TgPath::Fine;
    }
    match tg.get(&["health_check", "path"]) {
        None => TgPath::Root { attr_set: false },
        Some(v) => match v.as_str() {
            Some("/") | Some("") => TgPath::Root { attr_set: true },
            Some(_) => TgPath::Fine,
            None => TgPath::Unknown(crate::support::describe_unknown(v)),
        },
    }
}

/// A route that can answer 503 decides health on something (often a flag a
/// background pinger keeps up to date), even when it calls nothing.
fn can_report_unhealthy(repo: &shipshape_loaders::Repository, path: &str, r: &Route) -> bool {
    let Some(f) = repo.file(path) else {
        return false;
    };
    (r.span.start..=r.span.end).any(|l| {
        let t = f.line_text(l);
        t.contains("503")
            || t.contains("ServiceUnavailable")
            || t.contains("SERVICE_UNAVAILABLE")
            || t.to_ascii_lowercase().contains("unhealthy")
    })
}

/// A handler that reads a client's state without calling it
/// (`mongoose.connection.readyState`, `pool.totalCount`) still looks at the
/// dependency: any name bound to a dependency client or imported from the
/// service's own modules, seen in the handler's lines, counts.
fn reads_dependency_state(
    repo: &shipshape_loaders::Repository,
    s: &Service,
    mi: usize,
    r: &Route,
) -> bool {
    let code = &repo.code;
    let (hm, span) = match &r.handler {
        Handler::Named(name) => match code.resolve_function(s, mi, name) {
            Some((fm, f)) => (fm, f.span),
            None => return false,
        },
        _ => (mi, r.span),
    };
    let m = &code.modules[hm];
    let mut names: Vec<&str> = vec![];
    for imp in &m.imports {
        let dep = DEPENDENCY_LIBS.iter().any(|n| module_is(&imp.module, n));
        if dep || imp.module.starts_with('.') {
            // Local helpers are followed as calls; only shared objects
            // (`db`, `pool`) imported from local modules count here.
            names.extend(
                imp.bindings
                    .iter()
                    .map(|(_, local)| local.as_str())
                    .filter(|l| dep || code.resolve_function(s, hm, l).is_none()),
            );
        }
    }
    for a in &m.assigns {
        let root = root_ident(&a.value);
        let from_dep = m
            .import_of(root)
            .is_some_and(|(imp, _)| DEPENDENCY_LIBS.iter().any(|n| module_is(&imp.module, n)));
        if from_dep {
            names.push(a.name.as_str());
        }
    }
    let Some(f) = repo.file(&m.path) else {
        return false;
    };
    (span.start..=span.end).any(|l| {
        let t = f.line_text(l);
        names.iter().any(|n| !n.is_empty() && contains_word(t, n))
    })
}

fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// A path Kubernetes uses only as a livenessProbe is meant to be shallow
/// (a deep liveness check restarts pods when the database blips).
fn liveness_only(probes: &HashSet<(String, String)>, path: &str) -> bool {
    let used_as = |kind: &str| probes.contains(&(kind.to_string(), path.to_string()));
    used_as("liveness") && !used_as("readiness") && !used_as("startup")
}

/// Readiness-style paths; liveness ones are meant to be shallow.
fn is_readiness_path(path: &str) -> bool {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        last.as_str(),
        "health"
            | "healthz"
            | "healthcheck"
            | "health-check"
            | "health_check"
            | "_health"
            | "ready"
            | "readyz"
            | "readiness"
            | "status"
            | "_status"
    )
}

/// `Some(true)` when the handler reaches a call that may touch a dependency,
/// `Some(false)` when every call it reaches only builds the response, `None`
/// when the handler cannot be seen.
fn touches_dependency(code: &Code, s: &Service, mi: usize, r: &Route) -> Option<bool> {
    let (callees, params) = match &r.handler {
        Handler::Inline { callees, params } => (callees.clone(), params.clone()),
        Handler::Named(name) => {
            let (_, f) = code.resolve_function(s, mi, name)?;
            (f.callees.clone(), f.params.clone())
        }
        Handler::Unknown => return None,
    };
    // Django views and class-based handlers go through `self`/`request`
    // objects we do not model; an empty body on those is still shallow.
    let reach = code.reachable_callees(s, mi, &callees, 4);
    for (m, callee) in &reach {
        if code.resolve_function(s, *m, callee).is_some() {
            continue;
        }
        let root = root_ident(callee);
        if root.is_empty() && callee.starts_with('[') {
            continue; // Go conversions: []byte("ok")
        }
        if matches!(callee.as_str(), "http.Error" | "http.StatusText") {
            continue;
        }
        if params.iter().any(|p| p == root) || INERT_ROOTS.contains(&root) {
            continue;
        }
        if code.modules[*m].lang == Lang::Go && root.is_empty() {
            continue;
        }
        return Some(true);
    }
    Some(false)
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "@app.route(\"/readyz\")
def readyz():
    try:
        conn = db_pool.getconn()
        conn.cursor().execute(\"SELECT 1\")
        db_pool.putconn(conn)
    except Exception:
        return jsonify(status=\"unavailable\"), 503
    return jsonify(status=\"ok\")";

const GO_FIX: &str = "mux.HandleFunc(\"/readyz\", func(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		http.Error(w, \"db unavailable\", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
})";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const PKG: &str = r#"{"dependencies": {"fastify": "4", "postgres": "3"}}"#;
    const INDEX: &str =
        "import Fastify from 'fastify';\nconst app = Fastify();\napp.listen({ port: 3000 });\n";
    const DB: &str = "import postgres from 'postgres';\nexport const sql = postgres(process.env.DATABASE_URL);\nexport async function pingDb() { await sql`SELECT 1`; }\n";

    #[test]
    fn flags_static_health_route_in_fastify() {
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", INDEX),
                ("api/src/db.ts", DB),
                ("api/src/routes/health.ts", "export async function healthRoutes(app) {\n  app.get('/health', async () => {\n    return { status: 'ok', ts: new Date().toISOString() };\n  });\n}\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file.as_deref(), Some("api/src/routes/health.ts"));
        assert_eq!((f[0].line, f[0].end_line), (Some(2), Some(4)));
    }

    #[test]
    fn helper_in_another_module_that_pings_the_db_passes() {
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", INDEX),
                ("api/src/db.ts", DB),
                ("api/src/routes/health.ts", "import { pingDb } from '../db.js';\nexport async function healthRoutes(app) {\n  app.get('/health', async (req, reply) => {\n    await pingDb();\n    return reply.send({ status: 'ok' });\n  });\n}\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn liveness_route_and_no_dependency_pass() {
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", INDEX),
                ("api/src/db.ts", DB),
                (
                    "api/src/app.ts",
                    "export function r(app) { app.get('/livez', (req, res) => res.send('ok')); }\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", r#"{"dependencies": {"express": "4"}}"#),
                ("api/app.js", "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.json({ ok: true }));\n"),
            ],
        );
        assert!(f.is_empty(), "no dependency, nothing to check: {f:?}");
    }

    #[test]
    fn python_helper_in_another_module_that_pings_the_db_passes() {
        let app = "from fastapi import FastAPI\nfrom .checks import check_db\napp = FastAPI()\n\n@app.get(\"/readyz\")\nasync def readyz():\n    await check_db()\n    return {\"ok\": True}\n";
        let checks = "import asyncpg\n\nasync def check_db():\n    conn = await asyncpg.connect()\n    await conn.execute(\"SELECT 1\")\n";
        assert!(check(
            &HealthCheckShallow,
            &[("svc/app/main.py", app), ("svc/app/checks.py", checks)]
        )
        .is_empty());
        let shallow = checks.replace(
            "    conn = await asyncpg.connect()\n    await conn.execute(\"SELECT 1\")\n",
            "    return True\n",
        );
        let f = check(
            &HealthCheckShallow,
            &[("svc/app/main.py", app), ("svc/app/checks.py", &shallow)],
        );
        assert_eq!(f.len(), 1, "the helper touches nothing: {f:?}");
    }

    #[test]
    fn reading_a_client_state_counts() {
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", r#"{"dependencies": {"express": "4", "mongoose": "8"}}"#),
                ("api/index.js", "const express = require('express');\nconst mongoose = require('mongoose');\nconst app = express();\napp.get('/health', (req, res) => res.json({ db: mongoose.connection.readyState === 1 }));\napp.listen(3000);\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn route_that_can_answer_503_passes() {
        let f = check(
            &HealthCheckShallow,
            &[
                ("api/package.json", PKG),
                ("api/src/index.ts", INDEX),
                ("api/src/db.ts", DB),
                ("api/src/app.ts", "export function r(app, state) {\n  app.get('/ready', (req, res) => res.status(state.dbOk ? 200 : 503).send());\n}\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn k8s_liveness_path_is_left_alone() {
        let app = "from flask import Flask, jsonify\nimport redis\napp = Flask(__name__)\nr = redis.Redis()\n\n@app.route(\"/healthz\")\ndef healthz():\n    return jsonify(ok=True)\n";
        let probe = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: svc\n          image: svc:1\n          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: 8080\n";
        assert!(check(
            &HealthCheckShallow,
            &[("svc/app.py", app), ("k8s/d.yaml", probe)]
        )
        .is_empty());
        let both = probe.replace("          livenessProbe:", "          readinessProbe:\n            httpGet:\n              path: /healthz\n          livenessProbe:");
        assert_eq!(
            check(
                &HealthCheckShallow,
                &[("svc/app.py", app), ("k8s/d.yaml", &both)]
            )
            .len(),
            1
        );
        // The manifest that probes the route may be in another part.
        let svc: &[(&str, &str)] = &[("svc/app.py", app)];
        let manifests: &[(&str, &str)] = &[("zz-deploy/d.yaml", probe)];
        assert!(check_in_parts(&HealthCheckShallow, &[svc, manifests]).is_empty());
        assert_eq!(check_in_parts(&HealthCheckShallow, &[svc, &[]]).len(), 1);
    }

    #[test]
    fn flask_health_with_and_without_db() {
        let shallow = "from flask import Flask, jsonify\nfrom psycopg2 import pool\napp = Flask(__name__)\ndb = pool.SimpleConnectionPool(1, 2)\n\n@app.route(\"/health\")\ndef health():\n    return jsonify({\"status\": \"ok\"})\n";
        let f = check(&HealthCheckShallow, &[("svc/app.py", shallow)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].line, f[0].end_line), (Some(6), Some(8)));
        let deep = shallow.replace(
            "    return jsonify",
            "    conn = db.getconn()\n    db.putconn(conn)\n    return jsonify",
        );
        assert!(check(&HealthCheckShallow, &[("svc/app.py", &deep)]).is_empty());
    }

    #[test]
    fn go_healthz_with_ping_passes_and_static_fails() {
        let src = |body: &str| {
            format!("package main\n\nimport (\n\t\"database/sql\"\n\t\"net/http\"\n)\n\nvar db *sql.DB\n\nfunc health(w http.ResponseWriter, r *http.Request) {{\n{body}\n\tw.WriteHeader(http.StatusOK)\n}}\n\nfunc main() {{\n\thttp.HandleFunc(\"/healthz\", health)\n\thttp.ListenAndServe(\":8080\", nil)\n}}\n")
        };
        let f = check(&HealthCheckShallow, &[("main.go", &src(""))]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(16));
        let ok = src("\tif err := db.PingContext(r.Context()); err != nil {\n\t\thttp.Error(w, \"db\", 503)\n\t\treturn\n\t}");
        assert!(check(&HealthCheckShallow, &[("main.go", &ok)]).is_empty());
    }

    #[test]
    fn target_group_on_root_path() {
        let f = check(
            &HealthCheckShallow,
            &[("main.tf", "resource \"aws_lb_target_group\" \"app\" {\n  port = 80\n  health_check {\n    path    = \"/\"\n    matcher = \"200\"\n  }\n}\nresource \"aws_lb_target_group\" \"ok\" {\n  health_check {\n    path = \"/readyz\"\n  }\n}\nresource \"aws_lb_target_group\" \"nlb\" {\n  protocol = \"TCP\"\n}\n")],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].line, Some(4));
        let unset = check(
            &HealthCheckShallow,
            &[(
                "main.tf",
                "resource \"aws_alb_target_group\" \"app\" {\n  port = 80\n}\n",
            )],
        );
        assert_eq!(unset.len(), 1);
        assert_eq!((unset[0].line, unset[0].end_line), (Some(1), Some(3)));
    }
}
