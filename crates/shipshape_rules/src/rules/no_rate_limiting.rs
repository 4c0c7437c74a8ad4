use crate::service_support::{calls, display_dir, imported, service_absence};
use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// An HTTP service that registers no rate limiting: no
    /// `express-rate-limit`, `@fastify/rate-limit`, `koa-ratelimit`,
    /// `@nestjs/throttler`, `flask-limiter`, `slowapi`, `django-ratelimit`,
    /// `golang.org/x/time/rate`, `tollbooth`, `httprate`… imported in its
    /// code, and no AWS WAF rate-based rule (or API Gateway throttling) in
    /// the Terraform in front of it. A limiter only declared in
    /// package.json but never imported does not count.
    ///
    /// ### Why it matters
    /// One misbehaving client, scraper or retry storm can exhaust the
    /// database pool and take the API down for everyone; credential
    /// stuffing on login routes goes unthrottled.
    ///
    /// ### How to fix
    /// ```ts
    /// import rateLimit from '@fastify/rate-limit';
    /// await app.register(rateLimit, { max: 100, timeWindow: '1 minute' });
    /// ```
    /// or a WAF `rate_based_statement` rule on the load balancer.
    ///
    /// ### Effort
    /// 1–3 hours: the middleware, limits per route, a shared store (Redis)
    /// when there is more than one instance.
    pub struct NoRateLimiting {
        name: "no-rate-limiting",
        code: "SEC008",
        category: Security,
        severity: High,
        effort: (1, 3),
    }
}

const LIMITERS: &[&str] = &[
    // Node
    "express-rate-limit",
    "rate-limiter-flexible",
    "@fastify/rate-limit",
    "fastify-rate-limit",
    "koa-ratelimit",
    "koa2-ratelimit",
    "@nestjs/throttler",
    "express-slow-down",
    "express-brute",
    "@upstash/ratelimit",
    "hono-rate-limiter",
    "express-limiter",
    // Python
    "flask_limiter",
    "slowapi",
    "django_ratelimit",
    "ratelimit",
    "ratelimiter",
    "limits",
    "fastapi_limiter",
    "aiohttp_ratelimiter",
    "rest_framework.throttling",
    // Go
    "golang.org/x/time/rate",
    "github.com/ulule/limiter",
    "github.com/didip/tollbooth",
    "github.com/go-chi/httprate",
    "github.com/throttled/throttled",
    "go.uber.org/ratelimit",
    "github.com/sethvargo/go-limiter",
    "github.com/gofiber/fiber/v2/middleware/limiter",
    "github.com/juju/ratelimit",
];

impl Rule for NoRateLimiting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        if cx.facts::<Facts>().edge || edge_rate_limit(cx) {
            // One rate limit at the edge fronts every service: nothing
            // from any part is reported.
            *cx.facts::<Facts>() = Facts {
                edge: true,
                unlimited: Vec::new(),
            };
            return;
        }
        let repo = cx.repo;
        let code = &repo.code;
        let mut unlimited = Vec::new();
        for s in &code.services {
            if imported(code, s, LIMITERS).is_some() {
                continue;
            }
            // Hand-written or framework middleware (`middleware.RateLimiter`,
            // `throttle()`, Django REST framework throttle classes).
            let custom = calls(code, s).any(|(_, c)| {
                let l = c.method().to_ascii_lowercase();
                l.contains("ratelimit")
                    || l.contains("rate_limit")
                    || l.contains("throttl")
                    || l.contains("limiter")
            }) || code.modules_of(s).any(|m| {
                m.strings
                    .iter()
                    .any(|x| x.contains("DEFAULT_THROTTLE_CLASSES") || x.contains("throttling."))
                    || m.assigns
                        .iter()
                        .any(|a| a.name == "REST_FRAMEWORK" && a.value.contains("THROTTLE"))
            });
            if custom {
                continue;
            }
            unlimited.push(service_absence(
                repo,
                s,
                format!(
                    "service `{}` ({}) registers no rate limiting and no WAF rate-based rule fronts it",
                    display_dir(s),
                    s.framework.name()
                ),
                PY_FIX,
                GO_FIX,
            ));
        }
        cx.facts::<Facts>().unlimited.extend(unlimited);
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        if !facts.edge {
            for ev in facts.unlimited {
                cx.report(ev);
            }
        }
    }
}

/// Whether any part limits rates at the edge, and the services that limit
/// nothing themselves.
#[derive(Default)]
struct Facts {
    edge: bool,
    unlimited: Vec<Evidence>,
}

/// A WAF rate-based rule or API Gateway throttling in the Terraform.
fn edge_rate_limit(cx: &Context) -> bool {
    let tf = &cx.repo.terraform;
    let waf = ["aws_wafv2_web_acl", "aws_wafv2_rule_group"]
        .iter()
        .any(|t| {
            tf.resources_of(t)
                .any(|r| r.exists() && has_key(r.values(), "rate_based_statement", 0))
        });
    let legacy = ["aws_waf_rate_based_rule", "aws_wafregional_rate_based_rule"]
        .iter()
        .any(|t| tf.resources_of(t).any(|r| r.exists()));
    let apigw = tf
        .resources_of("aws_api_gateway_method_settings")
        .any(|r| r.exists() && r.get(&["settings", "throttling_rate_limit"]).is_some())
        || tf.resources_of("aws_apigatewayv2_stage").any(|r| {
            r.exists()
                && r.get(&["default_route_settings", "throttling_rate_limit"])
                    .is_some()
        })
        || tf
            .resources_of("aws_api_gateway_usage_plan")
            .any(|r| r.exists() && r.get(&["throttle_settings"]).is_some());
    waf || legacy || apigw
}

fn has_key(v: &Value, key: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| k == key || has_key(x, key, depth + 1)),
        Value::List(items) => items.iter().any(|x| has_key(x, key, depth + 1)),
        _ => false,
    }
}

/// Remediation for Python and Go services (Node ones get "How to fix").
const PY_FIX: &str = "from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
limiter = Limiter(get_remote_address, app=app, default_limits=[\"100 per minute\"],
                  storage_uri=os.environ[\"REDIS_URL\"])";

const GO_FIX: &str = "limiter := rate.NewLimiter(rate.Limit(50), 100) // golang.org/x/time/rate
handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if !limiter.Allow() {
		http.Error(w, \"too many requests\", http.StatusTooManyRequests)
		return
	}
	mux.ServeHTTP(w, r)
})";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const APP: &str = "import Fastify from 'fastify';\nexport const app = Fastify();\napp.listen({ port: 3000 });\n";

    #[test]
    fn declared_but_never_registered_is_still_flagged() {
        let f = check(
            &NoRateLimiting,
            &[
                (
                    "api/package.json",
                    r#"{"dependencies": {"fastify": "4", "@fastify/rate-limit": "9"}}"#,
                ),
                ("api/src/index.ts", APP),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].file.as_deref(), f[0].line),
            (Some("api/src/index.ts"), Some(2))
        );
    }

    #[test]
    fn registered_limiter_passes() {
        let f = check(
            &NoRateLimiting,
            &[
                ("api/package.json", r#"{"dependencies": {"fastify": "4", "@fastify/rate-limit": "9"}}"#),
                ("api/src/index.ts", APP),
                ("api/src/plugins/limits.ts", "import rateLimit from '@fastify/rate-limit';\nexport default async (app) => { await app.register(rateLimit, { max: 100 }); };\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn flask_without_and_with_limiter() {
        let app = "from flask import Flask\napp = Flask(__name__)\n";
        assert_eq!(check(&NoRateLimiting, &[("app.py", app)]).len(), 1);
        let limited = format!("{app}from flask_limiter import Limiter\nlimiter = Limiter(app)\n");
        assert!(check(&NoRateLimiting, &[("app.py", &limited)]).is_empty());
    }

    #[test]
    fn go_x_time_rate_passes() {
        let src = "package main\n\nimport (\n\t\"net/http\"\n\t\"golang.org/x/time/rate\"\n)\n\nvar lim = rate.NewLimiter(10, 20)\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        assert!(check(&NoRateLimiting, &[("main.go", src)]).is_empty());
        let bare = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
        assert_eq!(check(&NoRateLimiting, &[("main.go", bare)]).len(), 1);
    }

    #[test]
    fn waf_rate_based_rule_in_front_passes() {
        let f = check(
            &NoRateLimiting,
            &[
                ("api/package.json", r#"{"dependencies": {"express": "4"}}"#),
                ("api/index.js", "const express = require('express');\nconst app = express();\napp.listen(3000);\n"),
                ("infra/waf.tf", "resource \"aws_wafv2_web_acl\" \"main\" {\n  rule {\n    statement {\n      rate_based_statement {\n        limit = 2000\n      }\n    }\n  }\n}\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_waf_rate_rule_in_another_part_fronts_the_services() {
        let api: &[(&str, &str)] = &[
            ("api/package.json", r#"{"dependencies": {"fastify": "4"}}"#),
            ("api/src/index.ts", APP),
        ];
        let edge: &[(&str, &str)] = &[(
            "infra/waf.tf",
            "resource \"aws_wafv2_web_acl\" \"edge\" {\n  rule {\n    statement {\n      rate_based_statement {\n        limit = 2000\n      }\n    }\n  }\n}\n",
        )];
        let web: &[(&str, &str)] = &[(
            "web/app.py",
            "from flask import Flask\napp = Flask(__name__)\n",
        )];
        assert_eq!(check_in_parts(&NoRateLimiting, &[api, web]).len(), 2);
        assert!(check_in_parts(&NoRateLimiting, &[api, edge, web]).is_empty());
    }
}
