use crate::aws::{alarm_snippet, report_missing_alarm, COMPUTE};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A compute resource (`aws_instance`, `aws_autoscaling_group`,
    /// `aws_ecs_service`) with no alarm on memory: `mem_used_percent` from
    /// the CloudWatch agent for instances, `MemoryUtilization` for ECS.
    ///
    /// ### Why it matters
    /// EC2 publishes no memory metric by itself. A leak ends in the OOM
    /// killer taking the service down, and nobody saw it coming.
    ///
    /// ### How to fix
    /// Install the CloudWatch agent (it publishes `CWAgent/mem_used_percent`)
    /// and alarm on it:
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_memory" {
    ///   namespace           = "CWAgent"
    ///   metric_name         = "mem_used_percent"
    ///   comparison_operator = "GreaterThanThreshold"
    ///   threshold           = 85
    ///   evaluation_periods  = 2
    ///   period              = 300
    ///   statistic           = "Average"
    ///   alarm_actions       = [aws_sns_topic.alerts.arn]
    ///   dimensions          = { InstanceId = aws_instance.api.id }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: the agent configuration and the alarm.
    pub struct MissingMemoryAlarm {
        name: "missing-memory-alarm",
        code: "OBS003",
        category: Observability,
        severity: High,
        effort: (2, 4),
    }
}

fn is_memory(_ns: &str, metric: &str) -> bool {
    let m = metric.to_ascii_lowercase();
    m.starts_with("mem") || m.contains("memory")
}

impl Rule for MissingMemoryAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        report_missing_alarm(cx, &COMPUTE, is_memory, "memory", |r| {
            match r.rtype.as_str() {
                "aws_ecs_service" => alarm_snippet(
                    r,
                    "AWS/ECS",
                    "MemoryUtilization",
                    "GreaterThanThreshold",
                    "85",
                ),
                _ => alarm_snippet(
                    r,
                    "CWAgent",
                    "mem_used_percent",
                    "GreaterThanThreshold",
                    "85",
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn cpu_alarm_is_not_a_memory_alarm() {
        let files = [("main.tf", "resource \"aws_instance\" \"api\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  metric_name = \"CPUUtilization\"\n  dimensions  = { InstanceId = aws_instance.api.id }\n}\n")];
        assert_eq!(check(&MissingMemoryAlarm, &files).len(), 1);
    }

    #[test]
    fn ecs_memory_utilization_counts() {
        let files = [("main.tf", "resource \"aws_ecs_service\" \"api\" {\n  name = \"api\"\n}\nresource \"aws_cloudwatch_metric_alarm\" \"mem\" {\n  namespace   = \"AWS/ECS\"\n  metric_name = \"MemoryUtilization\"\n  dimensions  = { ServiceName = aws_ecs_service.api.name }\n}\n")];
        assert!(check(&MissingMemoryAlarm, &files).is_empty());
    }
}
