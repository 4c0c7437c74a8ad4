use crate::support::k8s_workload_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::kubernetes::{NetworkPolicy, Workload};
use std::collections::{BTreeMap, HashMap};

declare_rule! {
    /// ### What it finds
    /// A namespace whose workloads no NetworkPolicy selects: either the
    /// namespace has no NetworkPolicy at all, or its policies'
    /// `podSelector`s miss some workloads (`podSelector: {}` selects every
    /// pod of the namespace). One finding per namespace, pointing at the
    /// first workload left unselected.
    ///
    /// ### Why it matters
    /// Without a policy every pod accepts traffic from every other pod in
    /// the cluster: one compromised pod can reach the databases and internal
    /// APIs of every team.
    ///
    /// ### How to fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: default-deny-ingress
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress]
    /// ```
    /// then allow what each workload needs with one policy per workload.
    ///
    /// ### Effort
    /// 2–6 hours: map the real traffic first, or the deny breaks things.
    pub struct K8sNoNetworkPolicy {
        name: "k8s-no-network-policy",
        code: "SEC013",
        category: Security,
        severity: Medium,
        effort: (2, 6),
    }
}

impl Rule for K8sNoNetworkPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let k8s = &cx.repo.kubernetes;
        let unselected: Vec<Workload> = k8s
            .workloads
            .iter()
            .filter(|w| k8s.network_policies_for(w).next().is_none())
            .map(Workload::identity)
            .collect();
        let policies = k8s.network_policies.clone();
        let facts = cx.facts::<Facts>();
        facts.unselected.extend(unselected);
        facts.policies.extend(policies);
    }

    fn finish(&self, cx: &mut Context) {
        let mut facts = cx.take_facts::<Facts>();
        // In file order, as the whole review lists them, however it was
        // split (stable: a file's workloads keep their order).
        facts
            .unselected
            .sort_by(|a, b| a.meta.file.cmp(&b.meta.file));
        // Indexed once: a monorepo has thousands of each.
        let mut by_namespace: HashMap<&str, Vec<&NetworkPolicy>> = HashMap::new();
        let mut cluster_wide = Vec::new();
        for n in &facts.policies {
            if n.cluster_wide {
                cluster_wide.push(n);
            }
            by_namespace
                .entry(n.meta.namespace.as_str())
                .or_default()
                .push(n);
        }
        let mut unselected: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
        for w in &facts.unselected {
            let namespaced = by_namespace.get(w.meta.namespace.as_str());
            let selected = namespaced
                .into_iter()
                .flatten()
                .chain(&cluster_wide)
                .any(|n| n.selects(w));
            if !selected {
                unselected
                    .entry(w.meta.namespace.as_str())
                    .or_default()
                    .push(w);
            }
        }
        for (ns, workloads) in unselected {
            let Some(first) = workloads.first() else {
                continue;
            };
            let any_policy = by_namespace.contains_key(ns);
            let names: Vec<String> = workloads
                .iter()
                .map(|w| format!("{} `{}`", w.meta.kind, w.meta.name))
                .collect();
            let mut ev = k8s_workload_evidence(
                first,
                format!(
                    "namespace `{ns}` {}: {} accept{} traffic from any pod",
                    if any_policy {
                        "has NetworkPolicies that select none of these workloads"
                    } else {
                        "has no NetworkPolicy"
                    },
                    names.join(", "),
                    if names.len() == 1 { "s" } else { "" }
                ),
            );
            ev.key = format!("namespace:{ns}");
            ev.resource = Some(format!("namespace/{ns}"));
            cx.report(ev);
        }
    }
}

/// Workloads no policy of their own part selects, and every part's
/// policies (one finding per namespace gathers workloads of every part).
#[derive(Default)]
struct Facts {
    unselected: Vec<Workload>,
    policies: Vec<NetworkPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - {name: web, image: web:1.0}\n";

    #[test]
    fn flags_namespace_without_policy() {
        let f = check(&K8sNoNetworkPolicy, &[("k8s/web.yaml", DEPLOY)]);
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .message
            .contains("namespace `shop` has no NetworkPolicy"));
        // A policy in another namespace, or selecting other pods, does not count.
        let other = format!("{DEPLOY}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec:\n  podSelector:\n    matchLabels: {{app: api}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: q}}\nspec:\n  podSelector: {{}}\n");
        assert_eq!(
            check(&K8sNoNetworkPolicy, &[("k8s/web.yaml", &other)]).len(),
            1
        );
    }

    #[test]
    fn empty_pod_selector_selects_all() {
        let ok = format!("{DEPLOY}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n");
        assert!(check(&K8sNoNetworkPolicy, &[("k8s/web.yaml", &ok)]).is_empty());
    }

    #[test]
    fn one_finding_per_namespace_across_parts() {
        let web: &[(&str, &str)] = &[("apps/web.yaml", DEPLOY)];
        let api_yaml = DEPLOY.replace("web", "api");
        let api: &[(&str, &str)] = &[("apps2/api.yaml", &api_yaml)];
        let f = check_in_parts(&K8sNoNetworkPolicy, &[web, api]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("Deployment `web`, Deployment `api`"),
            "{}",
            f[0].message
        );
        let deny: &[(&str, &str)] = &[("policy/deny.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n")];
        assert!(check_in_parts(&K8sNoNetworkPolicy, &[web, api, deny]).is_empty());
    }
}
