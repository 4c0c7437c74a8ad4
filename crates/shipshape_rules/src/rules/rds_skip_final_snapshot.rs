use crate::support::{bool_attr, tf_evidence, Tri};
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
        let tf = &cx.repo.terraform;
        let mut out = Vec::new();
        let mut unknown = Vec::new();
        for t in ["aws_db_instance", "aws_rds_cluster"] {
            for db in tf.resources_of(t) {
                match bool_attr(db, &["skip_final_snapshot"], false) {
                    Tri::True => out.push(tf_evidence(
                        db,
                        &["skip_final_snapshot"],
                        format!(
                            "`{}` skips its final snapshot: deleting it loses the data",
                            db.address
                        ),
                    )),
                    Tri::False => {}
                    Tri::Unknown(why) => unknown.push((
                        db.file().to_string(),
                        db.block.span.start,
                        format!("`{}` skip_final_snapshot: {why}", db.address),
                    )),
                }
            }
        }
        for ev in out {
            cx.report(ev);
        }
        for (f, l, m) in unknown {
            cx.unevaluated(Some(&f), Some(l), m);
        }
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
