use crate::support::{describe_unknown, tf_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// An `aws_cloudwatch_metric_alarm` with no `alarm_actions`, or an empty
    /// list of them.
    ///
    /// ### Why it matters
    /// An alarm without an action changes colour in the console and tells
    /// nobody. It gives the comfort of monitoring without any of its use.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_sns_topic" "alerts" {
    ///   name = "alerts"
    /// }
    ///
    /// resource "aws_sns_topic_subscription" "oncall" {
    ///   topic_arn = aws_sns_topic.alerts.arn
    ///   protocol  = "email"
    ///   endpoint  = "oncall@example.com"
    /// }
    ///
    /// resource "aws_cloudwatch_metric_alarm" "cpu_high" {
    ///   # ...
    ///   alarm_actions = [aws_sns_topic.alerts.arn]
    ///   ok_actions    = [aws_sns_topic.alerts.arn]
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: a topic, a subscription, and the actions on every alarm.
    pub struct AlarmNoAction {
        name: "alarm-no-action",
        code: "OBS001",
        category: Observability,
        severity: High,
        effort: (1, 2),
    }
}

impl Rule for AlarmNoAction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for alarm in cx
            .repo
            .terraform
            .resources_of("aws_cloudwatch_metric_alarm")
        {
            match alarm.get(&["alarm_actions"]) {
                None => cx.report(tf_evidence(
                    alarm,
                    &[],
                    format!(
                        "alarm `{}` fires into the void: no alarm_actions",
                        alarm.address
                    ),
                )),
                Some(Value::List(l)) if l.is_empty() => cx.report(tf_evidence(
                    alarm,
                    &[],
                    format!(
                        "alarm `{}` fires into the void: alarm_actions is empty",
                        alarm.address
                    ),
                )),
                Some(v) if !v.is_known() => cx.unevaluated(
                    Some(alarm.file()),
                    Some(alarm.block.span.start),
                    format!("`{}` alarm_actions: {}", alarm.address, describe_unknown(v)),
                ),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_with_diagnostics};

    #[test]
    fn alarm_without_actions() {
        let f = check(&AlarmNoAction, &[("main.tf", "resource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  metric_name = \"CPUUtilization\"\n}\n")]);
        assert_eq!(f.len(), 1);
        let f = check(
            &AlarmNoAction,
            &[(
                "main.tf",
                "resource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  alarm_actions = []\n}\n",
            )],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn actions_to_a_topic_pass_and_disabled_alarms_are_ignored() {
        let ok = [("main.tf", "resource \"aws_sns_topic\" \"a\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  alarm_actions = [aws_sns_topic.a.arn]\n}\nresource \"aws_cloudwatch_metric_alarm\" \"off\" {\n  count = 0\n}\n")];
        assert!(check(&AlarmNoAction, &ok).is_empty());
    }

    #[test]
    fn unknown_actions_are_unevaluated() {
        let files = [("main.tf", "variable \"actions\" {}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  alarm_actions = var.actions\n}\n")];
        let (f, d) = check_with_diagnostics(&AlarmNoAction, &files);
        assert!(f.is_empty());
        assert_eq!(d.len(), 1);
    }
}
