use crate::support::k8s_container_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A container or init container of a Kubernetes workload without a
    /// CPU and memory limit. Requests default to the limits when only
    /// limits are set, so a container with both limits is accepted; one
    /// with requests only is reported for its missing limits.
    ///
    /// ### Why it matters
    /// Without requests the scheduler packs pods blindly; without a memory
    /// limit one leaking container can push the node into memory pressure
    /// and get its neighbours evicted; without a CPU limit a busy pod
    /// starves the others on the node.
    ///
    /// ### How to fix
    /// ```yaml
    /// resources:
    ///   requests:
    ///     cpu: 250m
    ///     memory: 256Mi
    ///   limits:
    ///     cpu: "1"
    ///     memory: 256Mi
    /// ```
    ///
    /// ### Effort
    /// 1–4 hours: measure real usage (metrics-server, VPA recommendations)
    /// before picking numbers.
    pub struct K8sNoResourceLimits {
        name: "k8s-no-resource-limits",
        code: "REL013",
        category: Reliability,
        severity: High,
        effort: (1, 4),
    }
}

impl Rule for K8sNoResourceLimits {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.kubernetes.workloads {
            for c in w.all_containers() {
                let r = &c.resources;
                let has = |m: &std::collections::BTreeMap<String, String>, k: &str| {
                    m.get(k).is_some_and(|v| !v.is_empty())
                };
                let mut missing = Vec::new();
                for k in ["cpu", "memory"] {
                    if !has(&r.limits, k) {
                        missing.push(format!("limits.{k}"));
                    }
                }
                for k in ["cpu", "memory"] {
                    if !has(&r.requests, k) && !has(&r.limits, k) {
                        missing.push(format!("requests.{k}"));
                    }
                }
                if missing.is_empty() {
                    continue;
                }
                let what = if r.span.is_none() {
                    "has no resources".to_string()
                } else {
                    format!("has no {}", missing.join(", "))
                };
                cx.report(k8s_container_evidence(
                    w,
                    c,
                    format!(
                        "{}container `{}` of {} `{}` {what}",
                        if c.init { "init " } else { "" },
                        c.name,
                        w.meta.kind,
                        w.meta.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n";

    #[test]
    fn flags_container_without_resources() {
        let f = check(&K8sNoResourceLimits, &[("k8s/web.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].end_line), (Some(8), Some(9)));
        assert!(f[0].message.contains("has no resources"));
    }

    #[test]
    fn requests_without_limits_are_flagged() {
        let text = format!(
            "{DEPLOY}          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n"
        );
        let f = check(&K8sNoResourceLimits, &[("k8s/web.yaml", &text)]);
        assert!(
            f[0].message.contains("limits.cpu, limits.memory"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn limits_imply_requests() {
        let text = format!(
            "{DEPLOY}          resources:\n            limits: {{cpu: 500m, memory: 256Mi}}\n"
        );
        assert!(check(&K8sNoResourceLimits, &[("k8s/web.yaml", &text)]).is_empty());
    }
}
