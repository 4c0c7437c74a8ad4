use crate::aws::{alarm_snippet, report_missing_alarm};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_instance` with no alarm on disk usage (`disk_used_percent`
    /// from the CloudWatch agent, or another disk-space metric).
    ///
    /// ### Why it matters
    /// A full root volume stops databases, log writers and package managers
    /// at once, and EC2 has no built-in disk-space metric to warn first.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_disk" {
    ///   namespace           = "CWAgent"
    ///   metric_name         = "disk_used_percent"
    ///   comparison_operator = "GreaterThanThreshold"
    ///   threshold           = 80
    ///   evaluation_periods  = 1
    ///   period              = 300
    ///   statistic           = "Maximum"
    ///   alarm_actions       = [aws_sns_topic.alerts.arn]
    ///   dimensions = {
    ///     InstanceId = aws_instance.api.id
    ///     path       = "/"
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–3 hours with the CloudWatch agent already installed.
    pub struct MissingDiskAlarm {
        name: "missing-disk-alarm",
        code: "OBS004",
        category: Observability,
        severity: Medium,
        effort: (1, 3),
    }
}

fn is_disk(_ns: &str, metric: &str) -> bool {
    let m = metric.to_ascii_lowercase();
    m.contains("disk_used")
        || m.contains("diskspace")
        || m.contains("disk_free")
        || m == "disk_inodes_free"
}

impl Rule for MissingDiskAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        report_missing_alarm(cx, &["aws_instance"], is_disk, "disk usage", |r| {
            alarm_snippet(
                r,
                "CWAgent",
                "disk_used_percent",
                "GreaterThanThreshold",
                "80",
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_and_clears() {
        let bare = [("main.tf", "resource \"aws_instance\" \"api\" {}\n")];
        assert_eq!(check(&MissingDiskAlarm, &bare).len(), 1);
        let ok = [("main.tf", "resource \"aws_instance\" \"api\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"d\" {\n  namespace   = \"CWAgent\"\n  metric_name = \"disk_used_percent\"\n  dimensions  = { InstanceId = aws_instance.api.id, path = \"/\" }\n}\n")];
        assert!(check(&MissingDiskAlarm, &ok).is_empty());
    }
}
