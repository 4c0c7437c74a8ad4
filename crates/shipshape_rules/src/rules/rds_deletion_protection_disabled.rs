use crate::support::BoolSetting;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` or `aws_rds_cluster` whose
    /// `deletion_protection` is unset or `false`. Read replicas are left out.
    ///
    /// ### Why it matters
    /// Nothing but a confirmation prompt stands between a mistaken
    /// `terraform destroy` (or a console click) and the production database.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   # ...
    ///   deletion_protection = true
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct RdsDeletionProtectionDisabled {
        name: "rds-deletion-protection-disabled",
        code: "REC003",
        category: Recovery,
        severity: Medium,
        effort: (1, 1),
    }
}

impl Rule for RdsDeletionProtectionDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let setting = BoolSetting {
            types: &["aws_db_instance", "aws_rds_cluster"],
            attribute: "deletion_protection",
            default: false,
            wanted: true,
            at_attribute: false,
        };
        setting.check(
            cx,
            |db| db.get(&["replicate_source_db"]).is_none(),
            |db| format!("`{}` has no deletion protection", db.address),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn unset_is_flagged_true_passes() {
        assert_eq!(
            check(
                &RdsDeletionProtectionDisabled,
                &[("main.tf", "resource \"aws_db_instance\" \"d\" {}\n")]
            )
            .len(),
            1
        );
        let files = [("main.tf", "variable \"env\" {\n  default = \"prod\"\n}\nresource \"aws_db_instance\" \"d\" {\n  deletion_protection = var.env == \"prod\"\n}\n")];
        assert!(check(&RdsDeletionProtectionDisabled, &files).is_empty());
    }
}
