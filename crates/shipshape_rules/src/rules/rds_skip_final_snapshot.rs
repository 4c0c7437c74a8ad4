use crate::support::BoolSetting;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` or `aws_rds_cluster` with
    /// `skip_final_snapshot = true`.
    ///
    /// ### Why it matters
    /// A `terraform destroy`, a rename that forces replacement, or a module
    /// refactor deletes the database without a last snapshot: the data is
    /// gone for good.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   # ...
    ///   skip_final_snapshot       = false
    ///   final_snapshot_identifier = "main-final"
    ///   deletion_protection       = true
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct RdsSkipFinalSnapshot {
        name: "rds-skip-final-snapshot",
        code: "REC002",
        category: Recovery,
        severity: High,
        effort: (1, 1),
    }
}

impl Rule for RdsSkipFinalSnapshot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let setting = BoolSetting {
            types: &["aws_db_instance", "aws_rds_cluster"],
            attribute: "skip_final_snapshot",
            default: false,
            wanted: false,
            at_attribute: true,
        };
        setting.check(
            cx,
            |_| true,
            |db| {
                format!(
                    "`{}` skips its final snapshot: deleting it loses the data",
                    db.address
                )
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn true_is_flagged_default_is_not() {
        let f = check(
            &RdsSkipFinalSnapshot,
            &[(
                "main.tf",
                "resource \"aws_rds_cluster\" \"c\" {\n  skip_final_snapshot = true\n}\n",
            )],
        );
        assert_eq!((f.len(), f[0].line), (1, Some(2)));
        assert!(check(
            &RdsSkipFinalSnapshot,
            &[("main.tf", "resource \"aws_db_instance\" \"d\" {}\n")]
        )
        .is_empty());
    }
}
