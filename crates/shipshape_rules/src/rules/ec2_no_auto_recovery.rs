use crate::aws::AlarmIndex;
use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// A standalone `aws_instance` (not in an Auto Scaling group) that no
    /// CloudWatch alarm recovers: no alarm watching it has an action
    /// `arn:aws:automate:<region>:ec2:recover` (or `:ec2:reboot`). An
    /// explicit `maintenance_options { auto_recovery = "default" }` counts.
    ///
    /// ### Why it matters
    /// When the underlying host fails, EC2 can move the instance to healthy
    /// hardware with its IP, volumes and metadata, but only if something
    /// asks. Otherwise the server stays down until a human notices.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_cloudwatch_metric_alarm" "api_recover" {
    ///   namespace           = "AWS/EC2"
    ///   metric_name         = "StatusCheckFailed_System"
    ///   comparison_operator = "GreaterThanThreshold"
    ///   threshold           = 0
    ///   evaluation_periods  = 2
    ///   period              = 60
    ///   statistic           = "Maximum"
    ///   dimensions          = { InstanceId = aws_instance.api.id }
    ///   alarm_actions = [
    ///     "arn:aws:automate:${var.region}:ec2:recover",
    ///     aws_sns_topic.alerts.arn,
    ///   ]
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct Ec2NoAutoRecovery {
        name: "ec2-no-auto-recovery",
        code: "REL002",
        category: Reliability,
        severity: High,
        effort: (1, 1),
    }
}

/// Whether an action ARN asks EC2 to recover or reboot the instance.
fn is_recovery_action(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.contains(":automate:") && (s.ends_with(":ec2:recover") || s.ends_with(":ec2:reboot"))
    })
}

impl Rule for Ec2NoAutoRecovery {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let index = AlarmIndex::new(tf);
        for inst in tf.resources_of("aws_instance") {
            if inst
                .get(&["maintenance_options", "auto_recovery"])
                .and_then(Value::as_str)
                == Some("default")
            {
                continue;
            }
            let mut recovers = false;
            let mut undecided = false;
            for alarm in index.on(tf, inst) {
                match alarm.res.get(&["alarm_actions"]) {
                    Some(Value::List(actions)) => {
                        recovers |= actions.iter().any(is_recovery_action);
                        undecided |= actions.iter().any(|a| !a.is_known());
                    }
                    Some(v) if !v.is_known() => undecided = true,
                    _ => {}
                }
            }
            if recovers {
                continue;
            }
            if undecided {
                cx.unevaluated(
                    Some(inst.file()),
                    Some(inst.block.span.start),
                    format!(
                        "`{}`: an alarm's actions are not known statically",
                        inst.address
                    ),
                );
                continue;
            }
            cx.report(tf_evidence(
                inst,
                &[],
                format!("instance `{}` has no alarm with the EC2 recover action: a host failure leaves it down", inst.address),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn status_alarm_without_recover_action_is_not_recovery() {
        let files = [("main.tf", "resource \"aws_instance\" \"api\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"s\" {\n  metric_name   = \"StatusCheckFailed\"\n  dimensions    = { InstanceId = aws_instance.api.id }\n  alarm_actions = [\"arn:aws:sns:us-east-1:1:x\"]\n}\n")];
        assert_eq!(check(&Ec2NoAutoRecovery, &files).len(), 1);
    }

    #[test]
    fn recover_action_with_interpolated_region_passes() {
        let files = [("main.tf", "variable \"region\" {\n  default = \"eu-west-1\"\n}\nresource \"aws_instance\" \"api\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"s\" {\n  metric_name   = \"StatusCheckFailed_System\"\n  dimensions    = { InstanceId = aws_instance.api.id }\n  alarm_actions = [\"arn:aws:automate:${var.region}:ec2:recover\"]\n}\n")];
        assert!(check(&Ec2NoAutoRecovery, &files).is_empty());
    }
}
