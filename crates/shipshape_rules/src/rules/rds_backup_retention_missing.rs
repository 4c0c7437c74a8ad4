use crate::support::{describe_unknown, tf_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` or `aws_rds_cluster` with
    /// `backup_retention_period = 0`: automated backups and point-in-time
    /// recovery are off. Read replicas (`replicate_source_db`) are left out:
    /// they take no backups of their own by design.
    ///
    /// ### Why it matters
    /// Without automated backups there is no point-in-time restore: a bad
    /// migration or a `DELETE` without `WHERE` is permanent.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   # ...
    ///   backup_retention_period = 14
    ///   backup_window           = "03:00-04:00"
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour (enabling backups causes a brief I/O suspension on
    /// single-AZ instances).
    pub struct RdsBackupRetentionMissing {
        name: "rds-backup-retention-missing",
        code: "REC001",
        category: Recovery,
        severity: Blocker,
        effort: (1, 1),
    }
}

impl Rule for RdsBackupRetentionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        for t in ["aws_db_instance", "aws_rds_cluster"] {
            for db in tf.resources_of(t) {
                if db.get(&["replicate_source_db"]).is_some() {
                    continue;
                }
                match db.get(&["backup_retention_period"]) {
                    Some(v) if v.as_f64() == Some(0.0) => cx.report(tf_evidence(
                        db,
                        &["backup_retention_period"],
                        format!(
                            "`{}` has automated backups off (backup_retention_period = 0)",
                            db.address
                        ),
                    )),
                    Some(v) if !v.is_known() => cx.unevaluated(
                        Some(db.file()),
                        Some(db.block.span.start),
                        format!(
                            "`{}` backup_retention_period: {}",
                            db.address,
                            describe_unknown(v)
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn zero_retention_points_at_the_attribute() {
        let f = check(&RdsBackupRetentionMissing, &[("main.tf", "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n  backup_retention_period = 0\n}\n")]);
        assert_eq!((f.len(), f[0].line), (1, Some(3)));
    }

    #[test]
    fn replica_and_positive_retention_pass() {
        assert!(check(&RdsBackupRetentionMissing, &[("main.tf", "resource \"aws_db_instance\" \"r\" {\n  replicate_source_db = \"x\"\n  backup_retention_period = 0\n}\nresource \"aws_db_instance\" \"db\" {\n  backup_retention_period = 7\n}\n")]).is_empty());
    }
}
