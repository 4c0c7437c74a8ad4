use crate::support::k8s_workload_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::kubernetes::{Hpa, Workload};
use std::collections::HashSet;

declare_rule! {
    /// ### What it finds
    /// A Deployment that no HorizontalPodAutoscaler (or KEDA ScaledObject)
    /// in its namespace targets through `scaleTargetRef`.
    ///
    /// ### Why it matters
    /// A fixed replica count is either paid for at idle or too small at
    /// peak; an autoscaler follows load and absorbs spikes without a page.
    ///
    /// ### How to fix
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours, plus load testing to choose the target.
    pub struct K8sNoHpa {
        name: "k8s-no-hpa",
        code: "REL016",
        category: Reliability,
        severity: Low,
        effort: (1, 2),
    }
}

impl Rule for K8sNoHpa {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let k8s = &cx.repo.kubernetes;
        let unscaled: Vec<Workload> = k8s
            .workloads
            .iter()
            .filter(|w| w.meta.kind == "Deployment" && k8s.hpas_for(w).next().is_none())
            .map(Workload::identity)
            .collect();
        let hpas = k8s.hpas.clone();
        let facts = cx.facts::<Facts>();
        facts.unscaled.extend(unscaled);
        facts.hpas.extend(hpas);
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        // Indexed once: a monorepo has thousands of each.
        let targeted: HashSet<_> = facts.hpas.iter().map(Hpa::target).collect();
        for w in &facts.unscaled {
            if targeted.contains(&w.meta.key()) {
                continue;
            }
            cx.report(k8s_workload_evidence(
                w,
                format!(
                    "Deployment `{}` has a fixed replica count: no HorizontalPodAutoscaler targets it",
                    w.meta.name
                ),
            ));
        }
    }
}

/// Deployments no autoscaler of their own part targets, and every part's
/// autoscalers (one in another part may target them).
#[derive(Default)]
struct Facts {
    unscaled: Vec<Workload>,
    hpas: Vec<Hpa>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - {name: web, image: web:1.0}\n";

    #[test]
    fn flags_deployment_without_hpa() {
        let wrong = format!("{DEPLOY}---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: api}}\n");
        let f = check(&K8sNoHpa, &[("k8s/web.yaml", &wrong)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].end_line), (Some(1), Some(9)));
    }

    #[test]
    fn hpa_targeting_it_passes() {
        let ok = format!("{DEPLOY}---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: web}}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  minReplicas: 2\n  maxReplicas: 5\n");
        assert!(check(&K8sNoHpa, &[("k8s/web.yaml", &ok)]).is_empty());
    }

    #[test]
    fn an_hpa_in_another_part_targets_it() {
        let deploy: &[(&str, &str)] = &[("apps/web.yaml", DEPLOY)];
        let hpa: &[(&str, &str)] = &[("scaling/web.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 5\n")];
        assert!(check_in_parts(&K8sNoHpa, &[deploy, hpa]).is_empty());
        assert_eq!(check_in_parts(&K8sNoHpa, &[deploy, &[]]).len(), 1);
    }
}
