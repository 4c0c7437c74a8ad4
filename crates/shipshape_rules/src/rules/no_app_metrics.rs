use crate::service_support::{display_dir, imported, production_commands, service_absence};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A service that exposes no application metrics: no Prometheus client
    /// (`prom-client`, `prometheus_client`, `client_golang`,
    /// `fastify-metrics`, `express-prom-bundle`,
    /// `prometheus-flask-exporter`…), no OpenTelemetry, StatsD or Datadog
    /// instrumentation in its code or start command, and no `/metrics`
    /// route.
    ///
    /// ### Why it matters
    /// Without request rate, error rate and latency per route nobody can
    /// tell whether the service is degrading, set an SLO or alert before
    /// users complain; host CPU graphs do not show a slow database query.
    ///
    /// ### How to fix
    /// ```ts
    /// import metrics from 'fastify-metrics';
    /// await app.register(metrics, { endpoint: '/metrics' });
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: the client, RED metrics per route, a scrape config.
    pub struct NoAppMetrics {
        name: "no-app-metrics",
        code: "OBS007",
        category: Observability,
        severity: Medium,
        effort: (2, 4),
    }
}

const LIBS: &[&str] = &[
    // Node
    "prom-client",
    "@opentelemetry/",
    "fastify-metrics",
    "express-prom-bundle",
    "prometheus-api-metrics",
    "express-prometheus-middleware",
    "@willsoto/nestjs-prometheus",
    "hot-shots",
    "node-statsd",
    "statsd-client",
    "lynx",
    "dd-trace",
    "datadog-metrics",
    "@datadog/",
    "newrelic",
    "elastic-apm-node",
    "koa-prometheus-adv",
    // Python
    "prometheus_client",
    "prometheus_flask_exporter",
    "starlette_exporter",
    "prometheus_fastapi_instrumentator",
    "opentelemetry",
    "statsd",
    "datadog",
    "ddtrace",
    "django_prometheus",
    "aioprometheus",
    "elasticapm",
    "starlette_prometheus",
    // Go
    "github.com/prometheus/client_golang",
    "go.opentelemetry.io/otel",
    "github.com/DataDog/",
    "gopkg.in/DataDog/dd-trace-go.v1",
    "github.com/cactus/go-statsd-client",
    "expvar",
    "github.com/armon/go-metrics",
    "github.com/rcrowley/go-metrics",
    "github.com/newrelic/go-agent",
    "github.com/zsais/go-gin-prometheus",
    "github.com/labstack/echo-contrib/prometheus",
];

/// Wrappers in start commands that instrument the process.
const WRAPPERS: &[&str] = &[
    "ddtrace-run",
    "opentelemetry-instrument",
    "newrelic-admin",
    "dd-trace",
    "@opentelemetry/auto-instrumentations-node",
];

impl Rule for NoAppMetrics {
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
            let route = code.modules_of(s).any(|m| {
                m.routes
                    .iter()
                    .any(|r| r.path.trim_end_matches('/').ends_with("/metrics"))
            });
            let wrapped = production_commands(code, s).iter().any(|c| {
                c.words
                    .iter()
                    .any(|w| WRAPPERS.iter().any(|x| w.contains(x)))
            });
            if route || wrapped {
                continue;
            }
            cx.report(service_absence(
                repo,
                s,
                format!(
                    "service `{}` ({}) exposes no application metrics (no Prometheus/OpenTelemetry/StatsD client, no /metrics route)",
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
const PY_FIX: &str = "from prometheus_flask_exporter import PrometheusMetrics
metrics = PrometheusMetrics(app)  # /metrics with request count and latency per route";

const GO_FIX: &str =
    "http.Handle(\"/metrics\", promhttp.Handler()) // github.com/prometheus/client_golang
// and count/time requests with prometheus.NewHistogramVec(...) middleware";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const APP: &str =
        "import Fastify from 'fastify';\nconst app = Fastify();\napp.listen({ port: 3000 });\n";

    #[test]
    fn flags_service_without_metrics() {
        let f = check(
            &NoAppMetrics,
            &[
                (
                    "package.json",
                    r#"{"dependencies": {"fastify": "4", "prom-client": "15"}}"#,
                ),
                ("index.ts", APP),
            ],
        );
        assert_eq!(f.len(), 1, "declared but never imported: {f:?}");
        assert_eq!(f[0].line, Some(2));
    }

    #[test]
    fn otel_import_or_metrics_route_passes() {
        let otel = format!("import {{ metrics }} from '@opentelemetry/api';\n{APP}");
        assert!(check(
            &NoAppMetrics,
            &[
                ("package.json", r#"{"dependencies": {"fastify": "4"}}"#),
                ("index.ts", &otel)
            ]
        )
        .is_empty());
        let route = format!("{APP}app.get('/metrics', async () => registry.metrics());\n");
        assert!(check(
            &NoAppMetrics,
            &[
                ("package.json", r#"{"dependencies": {"fastify": "4"}}"#),
                ("index.ts", &route)
            ]
        )
        .is_empty());
    }

    #[test]
    fn python_and_go() {
        let app = "from flask import Flask\napp = Flask(__name__)\n";
        assert_eq!(check(&NoAppMetrics, &[("app.py", app)]).len(), 1);
        let p = format!("from prometheus_flask_exporter import PrometheusMetrics\n{app}PrometheusMetrics(app)\n");
        assert!(check(&NoAppMetrics, &[("app.py", &p)]).is_empty());
        let go = "package main\n\nimport (\n\t\"net/http\"\n\t\"github.com/prometheus/client_golang/prometheus/promhttp\"\n)\n\nfunc main() {\n\thttp.Handle(\"/metrics\", promhttp.Handler())\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        assert!(check(&NoAppMetrics, &[("main.go", go)]).is_empty());
    }
}
