use crate::support::BoolSetting;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` whose `multi_az` is unset or `false`.
    ///
    /// ### Why it matters
    /// A single-AZ database is down for the whole of an AZ outage, a host
    /// failure or a maintenance reboot; Multi-AZ fails over to a synchronous
    /// standby in one to two minutes.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   # ...
    ///   multi_az = true
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: one attribute, applied in a maintenance window (the
    /// conversion causes a short I/O pause).
    pub struct RdsNotMultiAz {
        name: "rds-not-multi-az",
        code: "REL004",
        category: Reliability,
        severity: Medium,
        effort: (1, 2),
    }
}

impl Rule for RdsNotMultiAz {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let setting = BoolSetting {
            types: &["aws_db_instance"],
            attribute: "multi_az",
            default: false,
            wanted: true,
            at_attribute: false,
        };
        setting.check(
            cx,
            |_| true,
            |db| {
                format!(
                    "database `{}` runs in a single availability zone (multi_az is not true)",
                    db.address
                )
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_with_diagnostics};

    #[test]
    fn flags_single_az_database() {
        let f = check(
            &RdsNotMultiAz,
            &[(
                "main.tf",
                "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n}\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource.as_deref(), Some("aws_db_instance.db"));
        assert_eq!((f[0].line, f[0].end_line), (Some(1), Some(3)));
    }

    #[test]
    fn multi_az_from_tfvars_passes() {
        let files = [
            ("main.tf", "variable \"ha\" {}\nresource \"aws_db_instance\" \"db\" {\n  multi_az = var.ha\n}\n"),
            ("terraform.tfvars", "ha = true\n"),
        ];
        assert!(check(&RdsNotMultiAz, &files).is_empty());
    }

    #[test]
    fn unknown_multi_az_is_a_diagnostic_not_a_finding() {
        let files = [(
            "main.tf",
            "variable \"ha\" {}\nresource \"aws_db_instance\" \"db\" {\n  multi_az = var.ha\n}\n",
        )];
        let (f, d) = check_with_diagnostics(&RdsNotMultiAz, &files);
        assert!(f.is_empty());
        assert!(d[0].contains("var.ha"), "{d:?}");
    }
}
