use crate::support::{repo_evidence, Missing};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An AWS deployment (Terraform that manages AWS resources) that defines
    /// no `aws_cloudtrail` and does not point at an organisation trail.
    ///
    /// ### Why it matters
    /// Without CloudTrail nobody can answer "who changed this security group
    /// at 02:14?" during an incident or an audit; API activity older than the
    /// 90-day event history is simply gone.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudtrail" "main" {
    ///   name                          = "account-trail"
    ///   s3_bucket_name                = aws_s3_bucket.trail.id
    ///   is_multi_region_trail         = true
    ///   include_global_service_events = true
    ///   enable_log_file_validation    = true
    /// }
    /// ```
    /// If an organisation trail already covers the account, reference it
    /// (e.g. a `data "aws_cloudtrail_service_account"` or a comment-free
    /// `aws_organizations_organization` with the trail) and waive this rule.
    ///
    /// ### Effort
    /// 2–4 hours: the trail, its bucket and bucket policy.
    pub struct CloudtrailMissing {
        name: "cloudtrail-missing",
        code: "GOV001",
        category: Governance,
        severity: High,
        effort: (2, 4),
    }
}

impl Rule for CloudtrailMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let uses_aws = tf
            .resources
            .iter()
            .any(|r| r.exists() && crate::support::is_aws(&r.rtype));
        let has_trail = tf.resources.iter().any(|r| {
            r.exists()
                && (r.rtype == "aws_cloudtrail"
                    || r.rtype == "aws_cloudtrail_organization_delegated_admin_account")
        });
        cx.facts::<Missing>().add(uses_aws, has_trail);
    }

    fn finish(&self, cx: &mut Context) {
        if cx.take_facts::<Missing>().missing() {
            cx.report(repo_evidence(
                "aws",
                "no aws_cloudtrail is defined: API activity in this AWS account is not audited",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    #[test]
    fn flags_aws_without_trail() {
        let f = check(
            &CloudtrailMissing,
            &[("main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file, None);
    }

    #[test]
    fn trail_in_a_module_counts() {
        let files = [
            ("main.tf", "module \"audit\" {\n  source = \"./audit\"\n}\nresource \"aws_s3_bucket\" \"b\" {}\n"),
            ("audit/main.tf", "resource \"aws_cloudtrail\" \"t\" {\n  name = \"t\"\n}\n"),
        ];
        assert!(check(&CloudtrailMissing, &files).is_empty());
    }

    #[test]
    fn no_aws_no_finding() {
        assert!(check(
            &CloudtrailMissing,
            &[("main.tf", "resource \"google_storage_bucket\" \"b\" {}\n")]
        )
        .is_empty());
    }

    #[test]
    fn a_trail_in_another_part_counts() {
        let app: &[(&str, &str)] = &[("app/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")];
        let audit: &[(&str, &str)] = &[(
            "audit/main.tf",
            "resource \"aws_cloudtrail\" \"t\" {\n  name = \"t\"\n}\n",
        )];
        assert!(check_in_parts(&CloudtrailMissing, &[app, audit]).is_empty());
        assert_eq!(check_in_parts(&CloudtrailMissing, &[app, &[]]).len(), 1);
    }
}
