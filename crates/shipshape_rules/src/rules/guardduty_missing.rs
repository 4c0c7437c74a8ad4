use crate::support::{is_aws, repo_evidence, Missing};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// An AWS deployment (Terraform that manages AWS resources) that enables
    /// no `aws_guardduty_detector` (and no organisation-wide GuardDuty
    /// administration).
    ///
    /// ### Why it matters
    /// GuardDuty is the cheap alarm for stolen credentials, crypto-mining and
    /// instances talking to known-bad hosts. Without it a compromise is found
    /// on the bill.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_guardduty_detector" "main" {
    ///   enable = true
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours, plus routing its findings to the on-call channel.
    pub struct GuarddutyMissing {
        name: "guardduty-missing",
        code: "GOV002",
        category: Governance,
        severity: Medium,
        effort: (1, 2),
    }
}

impl Rule for GuarddutyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let uses_aws = tf.resources.iter().any(|r| r.exists() && is_aws(&r.rtype));
        let enabled = tf
            .resources_of("aws_guardduty_detector")
            .any(|d| d.get(&["enable"]).and_then(Value::as_bool) != Some(false))
            || tf
                .resources_of("aws_guardduty_organization_admin_account")
                .next()
                .is_some()
            || tf
                .resources_of("aws_guardduty_organization_configuration")
                .next()
                .is_some();
        cx.facts::<Missing>().add(uses_aws, enabled);
    }

    fn finish(&self, cx: &mut Context) {
        if cx.take_facts::<Missing>().missing() {
            cx.report(repo_evidence(
                "aws",
                "no aws_guardduty_detector is enabled: threats in this AWS account go undetected",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    #[test]
    fn detector_enabled_or_not() {
        assert_eq!(
            check(
                &GuarddutyMissing,
                &[("main.tf", "resource \"aws_instance\" \"a\" {}\n")]
            )
            .len(),
            1
        );
        assert!(check(
            &GuarddutyMissing,
            &[(
                "main.tf",
                "resource \"aws_guardduty_detector\" \"d\" {\n  enable = true\n}\n"
            )]
        )
        .is_empty());
        assert_eq!(
            check(
                &GuarddutyMissing,
                &[(
                    "main.tf",
                    "resource \"aws_guardduty_detector\" \"d\" {\n  enable = false\n}\n"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_detector_in_another_part_counts() {
        let account: &[(&str, &str)] = &[("app/main.tf", "resource \"aws_instance\" \"a\" {}\n")];
        let security: &[(&str, &str)] = &[(
            "security/main.tf",
            "resource \"aws_guardduty_detector\" \"d\" {\n  enable = true\n}\n",
        )];
        assert!(check_in_parts(&GuarddutyMissing, &[account, security]).is_empty());
        assert_eq!(check_in_parts(&GuarddutyMissing, &[account]).len(), 1);
    }
}
