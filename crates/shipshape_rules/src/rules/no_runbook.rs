use crate::support::{repo_evidence, Missing};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::docs::DocKind;

declare_rule! {
    /// ### What it finds
    /// A repository that deploys something (a service, or any Terraform
    /// resources) but holds no incident-response runbook. Runbooks are
    /// recognised by their content, not their name: a Markdown,
    /// reStructuredText, AsciiDoc or text document with incident scenarios
    /// whose diagnosis and resolution sections hold concrete steps, or one
    /// of those plus severity levels / escalation / on-call sections. A
    /// README that only mentions "runbook" does not count.
    ///
    /// ### Why it matters
    /// At 03:00 the on-call engineer needs to know how bad "bad" is, whom to
    /// wake, and the first five commands to run. Without a runbook that
    /// knowledge lives in one person's head, and every incident starts with
    /// twenty minutes of rediscovery.
    ///
    /// ### How to fix
    /// ```markdown
    /// # API incident runbook
    ///
    /// ## Severity levels
    /// | Level | Meaning                      | Response          |
    /// |-------|------------------------------|-------------------|
    /// | SEV1  | API down for all users       | page on-call, 15m |
    /// | SEV2  | degraded, errors > 5%        | page on-call, 1h  |
    ///
    /// ## Escalation
    /// On-call (PagerDuty "api") -> team lead -> CTO after 30 minutes of SEV1.
    ///
    /// ## API returns 5xx
    /// **Symptoms**
    /// - 5xx alarm on the load balancer fires
    /// **Diagnosis**
    /// 1. Check target health: `aws elbv2 describe-target-health ...`
    /// **Resolution**
    /// 1. Roll back: redeploy the previous image tag
    /// ```
    ///
    /// ### Effort
    /// 4–8 hours: severity levels, escalation, and the five most likely
    /// incidents with their diagnosis and resolution steps.
    pub struct NoRunbook {
        name: "no-runbook",
        code: "OPS001",
        category: Operations,
        severity: High,
        effort: (4, 8),
    }
}

impl Rule for NoRunbook {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let repo = cx.repo;
        let deploys = shipshape_loaders::operations::deploys_anything(repo);
        let has_runbook = repo.docs.of(DocKind::Runbook).next().is_some();
        cx.facts::<Missing>().add(deploys, has_runbook);
    }

    fn finish(&self, cx: &mut Context) {
        if cx.take_facts::<Missing>().missing() {
            cx.report(repo_evidence(
                "runbook",
                "no incident-response runbook: no document describes severity levels, escalation, or incidents with diagnosis and resolution steps",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const DOCKERFILE: (&str, &str) = ("Dockerfile", "FROM node:20\nCMD [\"node\", \"a.js\"]\n");

    #[test]
    fn flags_a_service_without_runbook() {
        let readme = (
            "README.md",
            "# API\n\nIncidents: see the runbook (to be written).\n",
        );
        let f = check(&NoRunbook, &[DOCKERFILE, readme]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file, None);
    }

    #[test]
    fn a_runbook_by_content_passes() {
        let rb = ("docs/ops.md", "# Incidents\n\n## Severity\n\nSEV1: outage\n\n## Database down\n\n### Symptoms\n\n- 500s\n\n### Diagnosis\n\n1. check connections\n\n### Resolution\n\n1. fail over\n");
        assert!(check(&NoRunbook, &[DOCKERFILE, rb]).is_empty());
    }

    #[test]
    fn nothing_deployed_nothing_reported() {
        assert!(check(
            &NoRunbook,
            &[("README.md", "# lib\n"), ("src/lib.py", "x = 1\n")]
        )
        .is_empty());
    }

    #[test]
    fn a_runbook_beside_another_project_counts() {
        let app: &[(&str, &str)] = &[("app/Dockerfile", DOCKERFILE.1)];
        let docs: &[(&str, &str)] = &[(
            "docs/ops.md",
            "# Incidents\n\n## Severity\n\nSEV1: outage\n\n## Database down\n\n### Symptoms\n\n- 500s\n\n### Diagnosis\n\n1. check connections\n\n### Resolution\n\n1. fail over\n",
        )];
        assert!(check_in_parts(&NoRunbook, &[app, docs]).is_empty());
        let readme: &[(&str, &str)] = &[("docs/README.md", "# lib\n")];
        assert_eq!(check_in_parts(&NoRunbook, &[app, readme]).len(), 1);
    }
}
