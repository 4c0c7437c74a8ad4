use crate::support::k8s_workload_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::kubernetes::{Container, Workload};

declare_rule! {
    /// ### What it finds
    /// A Kubernetes workload with a container (or init container) that may
    /// run as root: neither its own nor the pod's `securityContext` sets
    /// `runAsNonRoot: true` or a non-zero `runAsUser`, or one of them sets
    /// `runAsUser: 0` or `runAsNonRoot: false` (container settings override
    /// the pod's). An explicit non-zero `runAsUser` is accepted: the process
    /// does not run as root even without `runAsNonRoot`.
    ///
    /// ### Why it matters
    /// The image's default user is often root; a compromised root process
    /// is one kernel bug or hostPath mount away from the node. With
    /// `runAsNonRoot: true` the kubelet refuses to start a root container.
    ///
    /// ### How to fix
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: app
    ///       securityContext:
    ///         allowPrivilegeEscalation: false
    /// ```
    ///
    /// ### Effort
    /// 1–3 hours: the image must work as a non-root user (file ownership,
    /// ports above 1024).
    pub struct K8sRunsAsRoot {
        name: "k8s-runs-as-root",
        code: "SEC012",
        category: Security,
        severity: High,
        effort: (1, 3),
    }
}

/// Whether the container is guaranteed not to run as root.
fn non_root(w: &Workload, c: &Container) -> bool {
    let pod = w.pod_security.as_ref();
    let own = c.security.as_ref();
    let user = own
        .and_then(|s| s.run_as_user)
        .or_else(|| pod.and_then(|s| s.run_as_user));
    let non_root = own
        .and_then(|s| s.run_as_non_root)
        .or_else(|| pod.and_then(|s| s.run_as_non_root));
    match user {
        Some(0) => false,
        Some(_) => true,
        None => non_root == Some(true),
    }
}

impl Rule for K8sRunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.kubernetes.workloads {
            let root: Vec<&str> = w
                .all_containers()
                .filter(|c| !non_root(w, c))
                .map(|c| c.name.as_str())
                .collect();
            if root.is_empty() {
                continue;
            }
            let mut ev = k8s_workload_evidence(
                w,
                format!(
                    "{} `{}`: container{} `{}` may run as root (no runAsNonRoot: true or non-zero runAsUser)",
                    w.meta.kind,
                    w.meta.name,
                    if root.len() > 1 { "s" } else { "" },
                    root.join("`, `")
                ),
            );
            // Point at the pod spec, where the securityContext belongs.
            ev.lines = Some(w.pod_span);
            cx.report(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    fn deploy(pod_sc: &str, container_sc: &str) -> String {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n{pod_sc}      containers:\n        - name: web\n          image: web:1.0\n{container_sc}")
    }

    #[test]
    fn flags_missing_or_root_security_context() {
        assert_eq!(
            check(&K8sRunsAsRoot, &[("k.yaml", &deploy("", ""))]).len(),
            1
        );
        let uid0 = deploy(
            "      securityContext: {runAsNonRoot: true}\n",
            "          securityContext: {runAsUser: 0}\n",
        );
        assert_eq!(check(&K8sRunsAsRoot, &[("k.yaml", &uid0)]).len(), 1);
        let overridden = deploy(
            "      securityContext: {runAsNonRoot: true}\n",
            "          securityContext: {runAsNonRoot: false}\n",
        );
        assert_eq!(check(&K8sRunsAsRoot, &[("k.yaml", &overridden)]).len(), 1);
    }

    #[test]
    fn pod_or_container_non_root_passes() {
        let pod = deploy("      securityContext: {runAsNonRoot: true}\n", "");
        assert!(check(&K8sRunsAsRoot, &[("k.yaml", &pod)]).is_empty());
        let container = deploy("", "          securityContext: {runAsNonRoot: true}\n");
        assert!(check(&K8sRunsAsRoot, &[("k.yaml", &container)]).is_empty());
        let uid = deploy("      securityContext: {runAsUser: 1000}\n", "");
        assert!(check(&K8sRunsAsRoot, &[("k.yaml", &uid)]).is_empty());
    }
}
