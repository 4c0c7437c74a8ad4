use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// An `aws_ecs_cluster` without a `setting { name = "containerInsights" }`
    /// whose value is `enabled` or `enhanced`.
    ///
    /// ### Why it matters
    /// Without Container Insights there are no per-task CPU, memory and
    /// network metrics: a task that is OOM-killed in a loop is invisible.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_ecs_cluster" "main" {
    ///   name = "main"
    ///   setting {
    ///     name  = "containerInsights"
    ///     value = "enabled"
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour (Container Insights is billed as custom metrics).
    pub struct EcsContainerInsightsDisabled {
        name: "ecs-container-insights-disabled",
        code: "OBS009",
        category: Observability,
        severity: Low,
        effort: (1, 1),
    }
}

impl Rule for EcsContainerInsightsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for cluster in cx.repo.terraform.resources_of("aws_ecs_cluster") {
            let settings = cluster
                .get(&["setting"])
                .and_then(Value::as_list)
                .unwrap_or(&[]);
            let insights = settings
                .iter()
                .find(|s| s.get("name").and_then(Value::as_str) == Some("containerInsights"));
            match insights.and_then(|s| s.get("value")) {
                Some(v) if matches!(v.as_str(), Some("enabled") | Some("enhanced")) => {}
                Some(v) if !v.is_known() => cx.unevaluated(
                    Some(cluster.file()),
                    Some(cluster.block.span.start),
                    format!(
                        "`{}` containerInsights: {}",
                        cluster.address,
                        crate::support::describe_unknown(v)
                    ),
                ),
                _ => cx.report(tf_evidence(
                    cluster,
                    &[],
                    format!(
                        "ECS cluster `{}` does not enable Container Insights",
                        cluster.address
                    ),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn disabled_and_enabled() {
        assert_eq!(check(&EcsContainerInsightsDisabled, &[("main.tf", "resource \"aws_ecs_cluster\" \"c\" {\n  setting {\n    name  = \"containerInsights\"\n    value = \"disabled\"\n  }\n}\n")]).len(), 1);
        assert!(check(&EcsContainerInsightsDisabled, &[("main.tf", "resource \"aws_ecs_cluster\" \"c\" {\n  setting {\n    name  = \"containerInsights\"\n    value = \"enhanced\"\n  }\n}\n")]).is_empty());
    }
}
