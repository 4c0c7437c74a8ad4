use crate::support::k8s_workload_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::kubernetes::{Hpa, Pdb, Workload};
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// A Deployment or StatefulSet with more than one replica (or scaled by
    /// an autoscaler with `minReplicas` above one) that no
    /// PodDisruptionBudget in its namespace selects (`matchLabels` and
    /// `matchExpressions` are evaluated against the pod template labels).
    ///
    /// ### Why it matters
    /// Node drains during upgrades and autoscaler scale-downs may evict
    /// every replica at once; a PDB keeps a minimum serving while nodes
    /// are recycled.
    ///
    /// ### How to fix
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: web
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct K8sNoPdb {
        name: "k8s-no-pdb",
        code: "REL015",
        category: Reliability,
        severity: Medium,
        effort: (1, 1),
    }
}

impl Rule for K8sNoPdb {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let k8s = &cx.repo.kubernetes;
        // Replicated or not is decided at the end: an autoscaler in another
        // part may raise the minimum.
        let unbudgeted: Vec<Workload> = k8s
            .workloads
            .iter()
            .filter(|w| {
                matches!(w.meta.kind.as_str(), "Deployment" | "StatefulSet")
                    && k8s.pdbs_for(w).next().is_none()
            })
            .map(Workload::identity)
            .collect();
        let (pdbs, hpas) = (k8s.pdbs.clone(), k8s.hpas.clone());
        let facts = cx.facts::<Facts>();
        facts.unbudgeted.extend(unbudgeted);
        facts.pdbs.extend(pdbs);
        facts.hpas.extend(hpas);
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        // Indexed once: a monorepo has thousands of each.
        let mut hpa_min: HashMap<_, Option<i64>> = HashMap::new();
        for h in &facts.hpas {
            let min = hpa_min.entry(h.target()).or_default();
            *min = (*min).max(h.min_replicas);
        }
        let mut pdbs: HashMap<&str, Vec<&Pdb>> = HashMap::new();
        for p in &facts.pdbs {
            pdbs.entry(p.meta.namespace.as_str()).or_default().push(p);
        }
        for w in &facts.unbudgeted {
            let min = hpa_min.get(&w.meta.key()).copied().flatten();
            let replicas = w.effective_replicas().max(min.unwrap_or(0));
            let budgeted = pdbs
                .get(w.meta.namespace.as_str())
                .is_some_and(|ps| ps.iter().any(|p| p.selects(w)));
            if replicas <= 1 || budgeted {
                continue;
            }
            cx.report(k8s_workload_evidence(
                w,
                format!(
                    "{} `{}` runs {replicas} replicas but no PodDisruptionBudget selects its pods",
                    w.meta.kind, w.meta.name
                ),
            ));
        }
    }
}

/// Deployments and StatefulSets no budget of their own part covers, and
/// every part's budgets and autoscalers.
#[derive(Default)]
struct Facts {
    unbudgeted: Vec<Workload>,
    pdbs: Vec<Pdb>,
    hpas: Vec<Hpa>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n  template:\n    metadata:\n      labels: {app: web, tier: front}\n    spec:\n      containers:\n        - {name: web, image: web:1.0}\n";

    #[test]
    fn flags_replicated_deployment_without_pdb() {
        let f = check(&K8sNoPdb, &[("k8s/web.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(1));
        // A PDB in another namespace or with a non-matching selector does not count.
        let other = format!("{DEPLOY}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web}}\nspec:\n  selector:\n    matchLabels: {{app: web}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: x, namespace: shop}}\nspec:\n  selector:\n    matchExpressions:\n      - {{key: app, operator: NotIn, values: [web]}}\n");
        assert_eq!(check(&K8sNoPdb, &[("k8s/web.yaml", &other)]).len(), 1);
    }

    #[test]
    fn pdb_by_match_expressions_and_single_replica_pass() {
        let pdb = format!("{DEPLOY}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: web, namespace: shop}}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchExpressions:\n      - {{key: app, operator: In, values: [web, api]}}\n      - {{key: tier, operator: Exists}}\n");
        assert!(check(&K8sNoPdb, &[("k8s/web.yaml", &pdb)]).is_empty());
        let single = DEPLOY.replace("replicas: 3", "replicas: 1");
        assert!(check(&K8sNoPdb, &[("k8s/web.yaml", &single)]).is_empty());
    }

    #[test]
    fn budgets_and_autoscalers_in_other_parts_count() {
        let single = DEPLOY.replace("replicas: 3", "replicas: 1");
        let deploy: &[(&str, &str)] = &[("apps/web.yaml", &single)];
        let hpa: &[(&str, &str)] = &[("scaling/web.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 5\n")];
        let pdb: &[(&str, &str)] = &[("policy/web.yaml", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: web}\n")];
        assert!(check_in_parts(&K8sNoPdb, &[deploy]).is_empty());
        // An autoscaler elsewhere makes it replicated...
        let f = check_in_parts(&K8sNoPdb, &[deploy, hpa]);
        assert!(f[0].message.contains("runs 2 replicas"), "{}", f[0].message);
        // ...and a budget elsewhere covers it.
        assert!(check_in_parts(&K8sNoPdb, &[deploy, pdb, hpa]).is_empty());
    }
}
