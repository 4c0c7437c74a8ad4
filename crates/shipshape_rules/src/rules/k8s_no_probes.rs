use crate::support::k8s_container_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A container of a long-running Kubernetes workload (Deployment,
    /// StatefulSet, DaemonSet, ReplicaSet, bare Pod) without a
    /// `readinessProbe` or without a `livenessProbe`. Jobs, CronJobs and
    /// init containers run to completion and are not checked.
    ///
    /// ### Why it matters
    /// Without a readiness probe, traffic reaches pods before they can serve
    /// it and rolling updates proceed on pods that never became healthy;
    /// without a liveness probe a deadlocked process is never restarted.
    ///
    /// ### How to fix
    /// ```yaml
    /// readinessProbe:
    ///   httpGet: {path: /ready, port: 8080}
    ///   periodSeconds: 5
    /// livenessProbe:
    ///   httpGet: {path: /healthz, port: 8080}
    ///   initialDelaySeconds: 10
    ///   periodSeconds: 10
    /// ```
    ///
    /// ### Effort
    /// 1–3 hours: add cheap health endpoints and tune the timings.
    pub struct K8sNoProbes {
        name: "k8s-no-probes",
        code: "REL014",
        category: Reliability,
        severity: High,
        effort: (1, 3),
    }
}

impl Rule for K8sNoProbes {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.kubernetes.workloads {
            if w.is_batch() {
                continue;
            }
            for c in &w.containers {
                let mut missing = Vec::new();
                if c.readiness.is_none() {
                    missing.push("readinessProbe");
                }
                if c.liveness.is_none() {
                    missing.push("livenessProbe");
                }
                if missing.is_empty() {
                    continue;
                }
                cx.report(k8s_container_evidence(
                    w,
                    c,
                    format!(
                        "container `{}` of {} `{}` has no {}",
                        c.name,
                        w.meta.kind,
                        w.meta.name,
                        missing.join(" and no ")
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
    fn flags_missing_probes() {
        let f = check(&K8sNoProbes, &[("k8s/web.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("readinessProbe and no livenessProbe"));
        let only_ready =
            format!("{DEPLOY}          readinessProbe:\n            tcpSocket: {{port: 80}}\n");
        let f = check(&K8sNoProbes, &[("k8s/web.yaml", &only_ready)]);
        assert!(f[0].message.ends_with("no livenessProbe"));
    }

    #[test]
    fn probes_present_or_batch_pass() {
        let both = format!("{DEPLOY}          readinessProbe:\n            tcpSocket: {{port: 80}}\n          livenessProbe:\n            tcpSocket: {{port: 80}}\n");
        assert!(check(&K8sNoProbes, &[("k8s/web.yaml", &both)]).is_empty());
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: m, image: m:1}\n";
        assert!(check(&K8sNoProbes, &[("k8s/job.yaml", job)]).is_empty());
    }
}
