use crate::aws::{alarm_snippet, report_missing_alarm, COMPUTE};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A compute resource (`aws_instance`, `aws_autoscaling_group`,
    /// `aws_ecs_service`) that no `aws_cloudwatch_metric_alarm` watches on
    /// `CPUUtilization`. An alarm watches a resource when its dimensions
    /// reference it, directly or through locals, variables and module outputs.
    ///
    /// ### Why it matters
    /// CPU saturation is the first sign of a runaway process, a traffic spike
    /// or an undersized instance; without an alarm the first to notice are
    /// the users.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_cpu" {
    ///   namespace           = "AWS/EC2"
    ///   metric_name         = "CPUUtilization"
    ///   comparison_operator = "GreaterThanThreshold"
    ///   threshold           = 80
    ///   evaluation_periods  = 2
    ///   period              = 300
    ///   statistic           = "Average"
    ///   alarm_actions       = [aws_sns_topic.alerts.arn]
    ///   dimensions          = { InstanceId = aws_instance.api.id }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours per resource, including the SNS topic and a subscription.
    pub struct MissingCpuAlarm {
        name: "missing-cpu-alarm",
        code: "OBS002",
        category: Observability,
        severity: High,
        effort: (1, 2),
    }
}

pub(crate) fn is_cpu(_ns: &str, metric: &str) -> bool {
    metric.eq_ignore_ascii_case("CPUUtilization") || metric.eq_ignore_ascii_case("cpu_usage_active")
}

impl Rule for MissingCpuAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        report_missing_alarm(cx, &COMPUTE, is_cpu, "CPUUtilization", |r| {
            let ns = match r.rtype.as_str() {
                "aws_ecs_service" => "AWS/ECS",
                _ => "AWS/EC2",
            };
            alarm_snippet(r, ns, "CPUUtilization", "GreaterThanThreshold", "80")
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn instance_without_cpu_alarm() {
        let f = check(
            &MissingCpuAlarm,
            &[(
                "main.tf",
                "resource \"aws_instance\" \"api\" {\n  ami = \"ami-1\"\n}\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].remediation
                .contains("InstanceId = aws_instance.api.id"),
            "{}",
            f[0].remediation
        );
    }

    #[test]
    fn alarm_through_a_module_output_counts() {
        let files = [
            ("main.tf", "module \"mon\" {\n  source      = \"./mon\"\n  instance_id = aws_instance.api.id\n}\nresource \"aws_instance\" \"api\" {}\n"),
            ("mon/main.tf", "variable \"instance_id\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  namespace   = \"AWS/EC2\"\n  metric_name = \"CPUUtilization\"\n  dimensions  = { InstanceId = var.instance_id }\n}\n"),
        ];
        assert!(check(&MissingCpuAlarm, &files).is_empty());
    }

    #[test]
    fn alarm_on_another_instance_does_not_count() {
        let files = [("main.tf", "resource \"aws_instance\" \"a\" {}\nresource \"aws_instance\" \"b\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  metric_name = \"CPUUtilization\"\n  dimensions  = { InstanceId = aws_instance.a.id }\n}\n")];
        let f = check(&MissingCpuAlarm, &files);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource.as_deref(), Some("aws_instance.b"));
    }
}
