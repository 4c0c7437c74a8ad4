use crate::aws::{alarm_snippet, report_missing_alarm};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` with no alarm on `FreeStorageSpace`.
    ///
    /// ### Why it matters
    /// An RDS instance that runs out of storage goes into `storage-full` and
    /// stops accepting writes; growing it then takes time the outage does
    /// not have (unless storage autoscaling is on and has headroom).
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "db_storage" {
    ///   namespace           = "AWS/RDS"
    ///   metric_name         = "FreeStorageSpace"
    ///   comparison_operator = "LessThanThreshold"
    ///   threshold           = 2147483648 # 2 GiB
    ///   evaluation_periods  = 1
    ///   period              = 300
    ///   statistic           = "Minimum"
    ///   alarm_actions       = [aws_sns_topic.alerts.arn]
    ///   dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct MissingRdsStorageAlarm {
        name: "missing-rds-storage-alarm",
        code: "OBS006",
        category: Observability,
        severity: High,
        effort: (1, 1),
    }
}

fn is_free_storage(_ns: &str, metric: &str) -> bool {
    metric == "FreeStorageSpace"
}

impl Rule for MissingRdsStorageAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        report_missing_alarm(
            cx,
            &["aws_db_instance"],
            is_free_storage,
            "FreeStorageSpace",
            |r| {
                alarm_snippet(
                    r,
                    "AWS/RDS",
                    "FreeStorageSpace",
                    "LessThanThreshold",
                    "2147483648",
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
    fn alarm_by_identifier_reference_counts() {
        let ok = [("main.tf", "resource \"aws_db_instance\" \"db\" {\n  identifier = \"prod\"\n}\nresource \"aws_cloudwatch_metric_alarm\" \"s\" {\n  metric_name = \"FreeStorageSpace\"\n  dimensions  = { DBInstanceIdentifier = aws_db_instance.db.identifier }\n}\n")];
        assert!(check(&MissingRdsStorageAlarm, &ok).is_empty());
        let bad = [("main.tf", "resource \"aws_db_instance\" \"db\" {\n  identifier = \"prod\"\n}\nresource \"aws_cloudwatch_metric_alarm\" \"s\" {\n  metric_name = \"CPUUtilization\"\n  dimensions  = { DBInstanceIdentifier = aws_db_instance.db.identifier }\n}\n")];
        assert_eq!(check(&MissingRdsStorageAlarm, &bad).len(), 1);
    }
}
