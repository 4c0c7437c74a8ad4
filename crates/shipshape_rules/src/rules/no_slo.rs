use crate::support::{repo_evidence, Missing};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::docs::DocKind;

declare_rule! {
    /// ### What it finds
    /// A repository that deploys something but defines no service level
    /// objectives: no OpenSLO, Sloth, Pyrra, Nobl9 or Google SLO generator
    /// file, no SLO resource in Terraform (`datadog_service_level_objective`,
    /// `google_monitoring_slo`, ...), and no document that states targets
    /// ("99.9% availability", "p99 latency < 300 ms", an error budget).
    ///
    /// ### Why it matters
    /// Without an objective nobody can say whether the service is healthy
    /// enough, alerts fire on causes rather than user pain, and there is no
    /// error budget to trade reliability work against features.
    ///
    /// ### How to fix
    /// ```yaml
    /// apiVersion: openslo/v1
    /// kind: SLO
    /// metadata:
    ///   name: api-availability
    /// spec:
    ///   service: api
    ///   budgetingMethod: Occurrences
    ///   timeWindow:
    ///     - duration: 28d
    ///       isRolling: true
    ///   objectives:
    ///     - displayName: 99.9% of requests succeed
    ///       target: 0.999
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: pick the user-facing indicators, write the objectives and
    /// agree them with the product owner.
    pub struct NoSlo {
        name: "no-slo",
        code: "OPS002",
        category: Operations,
        severity: Medium,
        effort: (2, 4),
    }
}

impl Rule for NoSlo {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let repo = cx.repo;
        let deploys = shipshape_loaders::operations::deploys_anything(repo);
        let has_slo =
            !repo.ops.slo_specs.is_empty() || repo.docs.of(DocKind::SloTargets).next().is_some();
        cx.facts::<Missing>().add(deploys, has_slo);
    }

    fn finish(&self, cx: &mut Context) {
        if cx.take_facts::<Missing>().missing() {
            cx.report(repo_evidence(
                "slo",
                "no service level objectives: no SLO file (OpenSLO, Sloth) and no document stating availability or latency targets",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM node:20\n");

    #[test]
    fn flags_a_service_without_objectives() {
        let f = check(
            &NoSlo,
            &[DOCKERFILE, ("README.md", "# API\n\nFast and reliable.\n")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file, None);
    }

    #[test]
    fn openslo_file_passes() {
        let slo = ("slo/api.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: api\nspec:\n  objectives:\n    - target: 0.999\n");
        assert!(check(&NoSlo, &[DOCKERFILE, slo]).is_empty());
    }

    #[test]
    fn a_document_with_targets_passes() {
        let doc = (
            "docs/slo.md",
            "# Service level objectives\n\n- Availability: 99.9% over 30 days\n",
        );
        assert!(check(&NoSlo, &[DOCKERFILE, doc]).is_empty());
    }

    #[test]
    fn a_percentage_that_is_not_an_objective_does_not_count() {
        let doc = (
            "docs/scaling.md",
            "# Scaling\n\nTarget tracking keeps CPU at 70%.\n",
        );
        assert_eq!(check(&NoSlo, &[DOCKERFILE, doc]).len(), 1);
    }

    #[test]
    fn objectives_in_another_part_count() {
        let app: &[(&str, &str)] = &[("app/Dockerfile", DOCKERFILE.1)];
        let slo: &[(&str, &str)] = &[(
            "docs/slo.md",
            "# Service level objectives\n\n- Availability: 99.9% over 30 days\n",
        )];
        assert!(check_in_parts(&NoSlo, &[app, slo]).is_empty());
        let lib: &[(&str, &str)] = &[("lib/README.md", "# lib\n")];
        assert_eq!(check_in_parts(&NoSlo, &[app, lib]).len(), 1);
        assert!(check_in_parts(&NoSlo, &[lib, slo]).is_empty());
    }
}
