use crate::aws::{alarm_snippet, report_missing_alarm};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_instance` with no alarm on `StatusCheckFailed` (or
    /// `StatusCheckFailed_System` / `StatusCheckFailed_Instance`).
    ///
    /// ### Why it matters
    /// Status checks are how AWS says the host or the guest OS is broken.
    /// Without an alarm, an unreachable server is found by its users.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_status" {
    ///   namespace           = "AWS/EC2"
    ///   metric_name         = "StatusCheckFailed"
    ///   comparison_operator = "GreaterThanThreshold"
    ///   threshold           = 0
    ///   evaluation_periods  = 2
    ///   period              = 60
    ///   statistic           = "Maximum"
    ///   alarm_actions       = [aws_sns_topic.alerts.arn]
    ///   dimensions          = { InstanceId = aws_instance.api.id }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct MissingStatusCheckAlarm {
        name: "missing-status-check-alarm",
        code: "OBS005",
        category: Observability,
        severity: High,
        effort: (1, 1),
    }
}

pub(crate) fn is_status_check(_ns: &str, metric: &str) -> bool {
    metric.starts_with("StatusCheckFailed")
}

impl Rule for MissingStatusCheckAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        report_missing_alarm(
            cx,
            &["aws_instance"],
            is_status_check,
            "StatusCheckFailed",
            |r| {
                alarm_snippet(
                    r,
                    "AWS/EC2",
                    "StatusCheckFailed",
                    "GreaterThanThreshold",
                    "0",
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
    fn system_status_check_counts() {
        let ok = [("main.tf", "resource \"aws_instance\" \"api\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"s\" {\n  metric_name = \"StatusCheckFailed_System\"\n  dimensions  = { InstanceId = aws_instance.api.id }\n}\n")];
        assert!(check(&MissingStatusCheckAlarm, &ok).is_empty());
        assert_eq!(
            check(
                &MissingStatusCheckAlarm,
                &[("main.tf", "resource \"aws_instance\" \"api\" {}\n")]
            )
            .len(),
            1
        );
    }
}
