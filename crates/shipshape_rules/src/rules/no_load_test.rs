use crate::support::repo_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::operations::Hit;

declare_rule! {
    /// ### What it finds
    /// A repository that deploys a service (a Dockerfile, compose services,
    /// Kubernetes workloads, Terraform compute, a web framework in
    /// package.json / requirements) but holds no load test: no k6 script
    /// (JS/TS importing `k6`), Locust file (`from locust import`), Artillery
    /// YAML, Gatling simulation, JMeter plan, vegeta targets, and no
    /// `wrk`/`hey`/`ab`/`vegeta attack`/`k6 run` in scripts, Makefiles, CI
    /// steps or package.json scripts. Imports and commands are read with
    /// tree-sitter, so a comment or a string mentioning k6 does not count.
    ///
    /// ### Why it matters
    /// Capacity you have never measured is a guess: the first traffic spike
    /// finds the connection-pool limit, the memory ceiling or the slow query
    /// for you, in production.
    ///
    /// ### How to fix
    /// ```javascript
    /// // tests/perf/api.js — run with `k6 run tests/perf/api.js`
    /// import http from 'k6/http';
    /// import { check, sleep } from 'k6';
    ///
    /// export const options = {
    ///   stages: [{ duration: '2m', target: 50 }, { duration: '5m', target: 50 }],
    ///   thresholds: { http_req_duration: ['p(99)<500'], http_req_failed: ['rate<0.01'] },
    /// };
    ///
    /// export default function () {
    ///   const res = http.get(`${__ENV.BASE_URL}/health`);
    ///   check(res, { 'status 200': (r) => r.status === 200 });
    ///   sleep(1);
    /// }
    /// ```
    ///
    /// ### Effort
    /// 4–8 hours: a script for the main user journeys, a staging run, and
    /// recording the numbers.
    pub struct NoLoadTest {
        name: "no-load-test",
        code: "OPS003",
        category: Operations,
        severity: High,
        effort: (4, 8),
    }
}

impl Rule for NoLoadTest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let ops = &cx.repo.ops;
        let first = ops.services.first().cloned();
        let tested = !ops.load_tests.is_empty();
        let facts = cx.facts::<Facts>();
        // Services are sorted by path: the repository's first is the least.
        facts.first_service = match (facts.first_service.take(), first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        facts.load_tested |= tested;
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        let Some(service) = facts.first_service else {
            return;
        };
        if !facts.load_tested {
            cx.report(repo_evidence(
                "load-test",
                format!(
                    "no load test (k6, Locust, Artillery, Gatling, JMeter, vegeta, wrk) for the service deployed here ({} in {})",
                    service.what, service.path
                ),
            ));
        }
    }
}

/// The first deployed service, to name, and whether any part load-tests.
#[derive(Default)]
struct Facts {
    first_service: Option<Hit>,
    load_tested: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const PKG: (&str, &str) = (
        "api/package.json",
        "{\"dependencies\": {\"fastify\": \"^4\"}, \"scripts\": {\"start\": \"node index.js\"}}",
    );

    #[test]
    fn flags_a_server_without_load_test() {
        let f = check(&NoLoadTest, &[PKG]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file, None);
        assert!(f[0].message.contains("fastify"), "{}", f[0].message);
    }

    #[test]
    fn k6_script_under_tests_perf_passes() {
        let k6 = (
            "tests/perf/load.js",
            "import http from 'k6/http';\nexport default function () { http.get('http://x'); }\n",
        );
        assert!(check(&NoLoadTest, &[PKG, k6]).is_empty());
    }

    #[test]
    fn a_comment_about_k6_is_not_a_load_test() {
        let js = (
            "api/todo.js",
            "// TODO: k6 load tests\nmodule.exports = 'k6/http';\n",
        );
        assert_eq!(check(&NoLoadTest, &[PKG, js]).len(), 1);
    }

    #[test]
    fn wrk_in_a_makefile_passes() {
        let mk = (
            "Makefile",
            "bench:\n\twrk -t2 -c50 -d30s http://localhost:3000/\n",
        );
        assert!(check(&NoLoadTest, &[PKG, mk]).is_empty());
    }

    #[test]
    fn no_service_no_finding() {
        assert!(check(&NoLoadTest, &[("lib/util.py", "def f():\n    return 1\n")]).is_empty());
    }

    #[test]
    fn a_load_test_in_another_part_counts() {
        let api: &[(&str, &str)] = &[PKG];
        let perf: &[(&str, &str)] = &[(
            "tests/perf/load.js",
            "import http from 'k6/http';\nexport default function () { http.get('http://x'); }\n",
        )];
        assert!(check_in_parts(&NoLoadTest, &[api, perf]).is_empty());
        let web: &[(&str, &str)] = &[("web/Dockerfile", "FROM nginx:1.27\n")];
        let f = check_in_parts(&NoLoadTest, &[api, web]);
        assert!(
            f[0].message.contains("api/package.json"),
            "{}",
            f[0].message
        );
    }
}
