use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::{Cardinality, Resource, Value};
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ### What it finds
    /// A root module whose private subnets span several availability zones
    /// (or number more than one) but route through a single
    /// `aws_nat_gateway` (one block with no count, or a count that evaluates
    /// to 1 for the variables under review).
    ///
    /// ### Why it matters
    /// A NAT gateway lives in one AZ. When that AZ fails, every private
    /// subnet loses egress: tasks cannot pull images, call APIs or reach
    /// Secrets Manager, even in the AZs that are healthy.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_nat_gateway" "main" {
    ///   count         = length(aws_subnet.public)
    ///   allocation_id = aws_eip.nat[count.index].id
    ///   subnet_id     = aws_subnet.public[count.index].id
    /// }
    ///
    /// resource "aws_route_table" "private" {
    ///   count  = length(aws_subnet.private)
    ///   vpc_id = aws_vpc.main.id
    ///   route {
    ///     cidr_block     = "0.0.0.0/0"
    ///     nat_gateway_id = aws_nat_gateway.main[count.index].id
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours (and about $32 a month per extra gateway).
    pub struct SingleNatGateway {
        name: "single-nat-gateway",
        code: "REL003",
        category: Reliability,
        severity: High,
        effort: (2, 4),
    }
}

fn instances(r: &Resource) -> Option<usize> {
    match r.cardinality {
        Cardinality::Single => Some(1),
        Cardinality::Known(n) => Some(n),
        Cardinality::Unknown => None,
    }
}

impl Rule for SingleNatGateway {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        // One pass over NAT gateways and subnets, grouped by root module.
        let mut nats_by_root: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
        for r in tf.resources_of("aws_nat_gateway") {
            nats_by_root.entry(r.root_dir.as_str()).or_default().push(r);
        }
        let mut subnets_by_root: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
        for r in tf.resources_of("aws_subnet") {
            subnets_by_root
                .entry(r.root_dir.as_str())
                .or_default()
                .push(r);
        }
        for (root, nats) in nats_by_root {
            let Some(total) = nats.iter().map(|n| instances(n)).sum::<Option<usize>>() else {
                cx.unevaluated(
                    Some(nats[0].file()),
                    Some(nats[0].block.span.start),
                    format!(
                        "`{}`: the number of NAT gateways is not known statically",
                        nats[0].address
                    ),
                );
                continue;
            };
            if total != 1 {
                continue;
            }
            let mut private = 0usize;
            let mut zones = BTreeSet::new();
            let mut undecided = false;
            for subnet in subnets_by_root.get(root).map(Vec::as_slice).unwrap_or(&[]) {
                for inst in &subnet.instances {
                    if inst.get("map_public_ip_on_launch").and_then(Value::as_bool) == Some(true) {
                        continue;
                    }
                    private += 1;
                    if let Some(z) = inst.get("availability_zone").and_then(Value::as_str) {
                        zones.insert(z.to_string());
                    }
                }
                undecided |= subnet.cardinality == Cardinality::Unknown;
            }
            let nat = nats[0];
            if private >= 2 || zones.len() >= 2 {
                cx.report(tf_evidence(
                    nat,
                    &[],
                    format!("{private} private subnets route through the single NAT gateway `{}`: an AZ failure cuts their egress", nat.address),
                ));
            } else if undecided {
                cx.unevaluated(
                    Some(nat.file()),
                    Some(nat.block.span.start),
                    "the number of private subnets is not known statically".to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    fn tf(nat_count: &str) -> String {
        format!("variable \"azs\" {{\n  default = 3\n}}\nresource \"aws_subnet\" \"private\" {{\n  count = var.azs\n}}\nresource \"aws_nat_gateway\" \"main\" {{\n  count = {nat_count}\n}}\n")
    }

    #[test]
    fn one_nat_for_three_private_subnets() {
        assert_eq!(
            check(&SingleNatGateway, &[("main.tf", tf("1").as_str())]).len(),
            1
        );
        assert!(check(&SingleNatGateway, &[("main.tf", tf("var.azs").as_str())]).is_empty());
    }

    #[test]
    fn one_private_subnet_is_fine() {
        let t = "resource \"aws_subnet\" \"private\" {}\nresource \"aws_subnet\" \"public\" {\n  map_public_ip_on_launch = true\n}\nresource \"aws_nat_gateway\" \"main\" {}\n";
        assert!(check(&SingleNatGateway, &[("main.tf", t)]).is_empty());
    }
}
