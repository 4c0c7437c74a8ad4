use crate::support::BoolSetting;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_db_instance` or Aurora `aws_rds_cluster_instance` that does
    /// not set `performance_insights_enabled = true`.
    ///
    /// ### Why it matters
    /// When the database is slow at 3 a.m., Performance Insights shows which
    /// queries and waits are to blame; without it the on-call engineer
    /// guesses. Seven days of history are free on most instance classes.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_rds_cluster_instance" "main" {
    ///   # ...
    ///   performance_insights_enabled          = true
    ///   performance_insights_retention_period = 7
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour.
    pub struct RdsPerformanceInsightsDisabled {
        name: "rds-performance-insights-disabled",
        code: "OBS010",
        category: Observability,
        severity: Low,
        effort: (1, 1),
    }
}

impl Rule for RdsPerformanceInsightsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let setting = BoolSetting {
            types: &["aws_db_instance", "aws_rds_cluster_instance"],
            attribute: "performance_insights_enabled",
            default: false,
            wanted: true,
            at_attribute: false,
        };
        setting.check(
            cx,
            |_| true,
            |db| format!("`{}` does not enable Performance Insights", db.address),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn cluster_instance_without_insights() {
        assert_eq!(
            check(
                &RdsPerformanceInsightsDisabled,
                &[(
                    "main.tf",
                    "resource \"aws_rds_cluster_instance\" \"i\" {}\n"
                )]
            )
            .len(),
            1
        );
        assert!(check(&RdsPerformanceInsightsDisabled, &[("main.tf", "resource \"aws_rds_cluster_instance\" \"i\" {\n  performance_insights_enabled = true\n}\n")]).is_empty());
    }
}
