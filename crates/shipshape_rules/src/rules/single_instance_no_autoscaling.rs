use crate::aws::is_bastion;
use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Cardinality;

declare_rule! {
    /// ### What it finds
    /// A service that runs on one `aws_instance` (no `count`/`for_each`, or
    /// one that evaluates to 1) rather than in an Auto Scaling group or
    /// another self-healing group. Bastion and jump hosts (by name or `Name`
    /// tag) are left out: they are single by design and hold no service.
    ///
    /// ### Why it matters
    /// One host is one failure away from a full outage: a hardware fault, a
    /// kernel panic or a bad deploy takes the whole service down, and it
    /// stays down until someone rebuilds it by hand.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_launch_template" "api" {
    ///   image_id      = var.ami_id
    ///   instance_type = "t3.small"
    ///   metadata_options { http_tokens = "required" }
    /// }
    ///
    /// resource "aws_autoscaling_group" "api" {
    ///   min_size            = 2
    ///   max_size            = 4
    ///   vpc_zone_identifier = aws_subnet.private[*].id
    ///   target_group_arns   = [aws_lb_target_group.api.arn]
    ///   health_check_type   = "ELB"
    ///   launch_template {
    ///     id      = aws_launch_template.api.id
    ///     version = "$Latest"
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 8–24 hours: make the host disposable (state off the box), then the
    /// launch template, the group and a load balancer.
    pub struct SingleInstanceNoAutoscaling {
        name: "single-instance-no-autoscaling",
        code: "REL001",
        category: Reliability,
        severity: Blocker,
        effort: (8, 24),
    }
}

impl Rule for SingleInstanceNoAutoscaling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for inst in cx.repo.terraform.resources_of("aws_instance") {
            if is_bastion(inst) {
                continue;
            }
            match inst.cardinality {
                Cardinality::Single | Cardinality::Known(1) => cx.report(tf_evidence(
                    inst,
                    &[],
                    format!("`{}` is a single EC2 instance outside any Auto Scaling group: one host failure is a full outage", inst.address),
                )),
                Cardinality::Unknown => cx.unevaluated(
 Some(inst.file()), Some(inst.block.span.start), format!("`{}`: its count is not known statically", inst.address)),
                Cardinality::Known(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn single_instance_is_flagged_fleet_and_bastion_are_not() {
        assert_eq!(
            check(
                &SingleInstanceNoAutoscaling,
                &[("main.tf", "resource \"aws_instance\" \"api\" {}\n")]
            )
            .len(),
            1
        );
        assert!(check(
            &SingleInstanceNoAutoscaling,
            &[(
                "main.tf",
                "resource \"aws_instance\" \"api\" {\n  count = 3\n}\n"
            )]
        )
        .is_empty());
        assert!(check(
            &SingleInstanceNoAutoscaling,
            &[("main.tf", "resource \"aws_instance\" \"bastion\" {}\n")]
        )
        .is_empty());
    }

    #[test]
    fn count_from_a_variable_default() {
        let files = [("main.tf", "variable \"n\" {\n  default = 1\n}\nresource \"aws_instance\" \"api\" {\n  count = var.n\n}\n")];
        assert_eq!(check(&SingleInstanceNoAutoscaling, &files).len(), 1);
    }
}
