//! AWS knowledge shared by the Terraform rules: which alarms watch what,
//! tag matching for snapshot policies, and the compute resources the
//! monitoring rules expect alarms on.

use shipshape_loaders::terraform::{Resource, Terraform, Value};

/// A CloudWatch metric alarm, read once.
pub struct Alarm<'a> {
    pub res: &'a Resource,
    /// (namespace, metric name) pairs: `metric_name` or `metric_query` metrics.
    pub metrics: Vec<(String, String)>,
}

impl Alarm<'_> {
    /// Whether the alarm's dimensions (or metric queries) reference `target`.
    pub fn watches(&self, target: &Resource) -> bool {
        self.res.attr_refers_to("dimensions", target)
            || self.res.attr_refers_to("metric_query", target)
    }

    pub fn on_metric(&self, pred: impl Fn(&str, &str) -> bool) -> bool {
        self.metrics.iter().any(|(ns, m)| pred(ns, m))
    }
}

pub fn alarms(tf: &Terraform) -> Vec<Alarm<'_>> {
    tf.resources_of("aws_cloudwatch_metric_alarm")
        .map(|res| {
            let mut metrics = Vec::new();
            let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
            if res.get(&["metric_name"]).is_some() {
                metrics.push((
                    text(res.get(&["namespace"])),
                    text(res.get(&["metric_name"])),
                ));
            }
            if let Some(queries) = res.get(&["metric_query"]).and_then(Value::as_list) {
                for q in queries {
                    if let Some(m) = q
                        .get("metric")
                        .and_then(Value::as_list)
                        .and_then(|l| l.first())
                    {
                        metrics.push((text(m.get("namespace")), text(m.get("metric_name"))));
                    }
                }
            }
            Alarm { res, metrics }
        })
        .collect()
}

/// Alarms by the resource that declares them, for lookups from the
/// reference graph.
pub struct AlarmIndex<'a> {
    by_res: std::collections::HashMap<*const Resource, Alarm<'a>>,
}

impl<'a> AlarmIndex<'a> {
    pub fn new(tf: &'a Terraform) -> Self {
        Self {
            by_res: alarms(tf)
                .into_iter()
                .map(|a| (a.res as *const Resource, a))
                .collect(),
        }
    }

    /// The alarms that watch `target`: found through the reference graph,
    /// so the cost is the number of resources referencing it, not all alarms.
    pub fn on<'b>(
        &'b self,
        tf: &'b Terraform,
        target: &'b Resource,
    ) -> impl Iterator<Item = &'b Alarm<'a>> + 'b {
        tf.referrers(target)
            .filter_map(move |r| self.by_res.get(&(r as *const Resource)))
            .filter(move |a| a.watches(target))
    }
}

/// Compute that the monitoring rules expect CPU and memory alarms on.
pub const COMPUTE: [&str; 3] = ["aws_instance", "aws_autoscaling_group", "aws_ecs_service"];

/// Whether every tag in `wanted` is present with the same value in `tags`;
/// `None` when either side is not known statically.
pub fn tags_match(wanted: &Value, tags: &Value) -> Option<bool> {
    let wanted = wanted.as_object()?;
    if wanted.is_empty() {
        return Some(false);
    }
    let tags = match tags {
        Value::Null => return Some(false),
        Value::Object(t) => t,
        _ => return None,
    };
    let mut all = true;
    for (k, v) in wanted {
        match tags.get(k) {
            Some(tv) if !tv.is_known() || !v.is_known() => return None,
            Some(tv) => all &= tv.to_display_string() == v.to_display_string(),
            None => all = false,
        }
    }
    Some(all)
}

/// Whether an instance is a bastion/jump host by its name or Name tag:
/// such hosts are deliberately single and stateless.
pub fn is_bastion(res: &Resource) -> bool {
    let name_tag = res
        .get(&["tags", "Name"])
        .and_then(Value::as_str)
        .unwrap_or("");
    [res.name.as_str(), name_tag].iter().any(|n| {
        let n = n.to_ascii_lowercase();
        n.contains("bastion") || n.contains("jumpbox") || n.contains("jump-host")
    })
}

/// Reports every resource of `types` that no alarm on a matching metric
/// watches. `what` names the metric family in the message.
pub fn report_missing_alarm(
    cx: &mut crate::Context,
    types: &[&str],
    metric: fn(&str, &str) -> bool,
    what: &str,
    remediation: impl Fn(&Resource) -> String,
) {
    let tf = &cx.repo.terraform;
    let index = AlarmIndex::new(tf);
    for t in types {
        for res in tf.resources_of(t) {
            if !index.on(tf, res).any(|a| a.on_metric(metric)) {
                let mut ev = crate::support::tf_evidence(
                    res,
                    &[],
                    format!("`{}` has no CloudWatch alarm on {what}", res.address),
                );
                ev.remediation = Some(remediation(res));
                cx.report(ev);
            }
        }
    }
}

/// The Terraform reference to a resource's id for alarm dimensions.
pub fn dimension_for(res: &Resource) -> (&'static str, String) {
    let local = match res.address.rsplit_once(".module.") {
        Some((_, tail)) => tail
            .split_once('.')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default(),
        None => res
            .address
            .strip_prefix(&format!("{}.", res.module))
            .unwrap_or(&res.address)
            .to_string(),
    };
    let local = if res.module.is_empty() {
        res.address.clone()
    } else {
        local
    };
    match res.rtype.as_str() {
        "aws_autoscaling_group" => ("AutoScalingGroupName", format!("{local}.name")),
        "aws_ecs_service" => ("ServiceName", format!("{local}.name")),
        "aws_db_instance" => ("DBInstanceIdentifier", format!("{local}.identifier")),
        _ => ("InstanceId", format!("{local}.id")),
    }
}

/// An HCL snippet of an alarm on `metric` for `res`, with an action.
pub fn alarm_snippet(
    res: &Resource,
    namespace: &str,
    metric: &str,
    comparison: &str,
    threshold: &str,
) -> String {
    let (dim, reference) = dimension_for(res);
    format!(
        "Add an alarm that notifies someone:\n\n```hcl\nresource \"aws_cloudwatch_metric_alarm\" \"{name}_{short}\" {{\n  alarm_name          = \"{name}-{short}\"\n  namespace           = \"{namespace}\"\n  metric_name         = \"{metric}\"\n  comparison_operator = \"{comparison}\"\n  threshold           = {threshold}\n  evaluation_periods  = 2\n  period              = 300\n  statistic           = \"Average\"\n  alarm_actions       = [aws_sns_topic.alerts.arn]\n  ok_actions          = [aws_sns_topic.alerts.arn]\n\n  dimensions = {{\n    {dim} = {reference}\n  }}\n}}\n```",
        name = res.name,
        short = metric.to_ascii_lowercase().replace(['_', ' '], "-").chars().take(24).collect::<String>(),
    )
}

/// One ingress permission, from any of the three ways Terraform writes
/// them: `ingress` blocks of `aws_security_group`, `aws_security_group_rule`
/// of type ingress, and `aws_vpc_security_group_ingress_rule`.
pub struct Ingress<'a> {
    pub res: &'a Resource,
    /// The lines of the `ingress` block or of the rule resource.
    pub lines: shipshape_model::LineSpan,
    /// Port range; `None` when not known statically. All ports for `-1`.
    pub ports: Option<(f64, f64)>,
    /// Source CIDRs (IPv4 and IPv6), as values (may be unknown).
    pub cidrs: Vec<Value>,
}

impl Ingress<'_> {
    pub fn covers_port(&self, port: f64) -> Option<bool> {
        self.ports.map(|(from, to)| from <= port && port <= to)
    }

    /// `Some(true)` when open to the whole internet, `None` when unknown.
    pub fn open_to_world(&self) -> Option<bool> {
        let mut unknown = false;
        for c in &self.cidrs {
            match c {
                Value::String(s) if s == "0.0.0.0/0" || s == "::/0" => return Some(true),
                Value::List(l) => {
                    for x in l {
                        match x.as_str() {
                            Some("0.0.0.0/0") | Some("::/0") => return Some(true),
                            Some(_) => {}
                            None => unknown = true,
                        }
                    }
                }
                Value::Null | Value::String(_) => {}
                _ => unknown = true,
            }
        }
        if unknown {
            None
        } else {
            Some(false)
        }
    }
}

fn port_range(
    protocol: Option<&Value>,
    from: Option<&Value>,
    to: Option<&Value>,
) -> Option<(f64, f64)> {
    let proto = protocol
        .and_then(Value::to_display_string)
        .unwrap_or_default();
    if proto == "-1" || proto.eq_ignore_ascii_case("all") {
        return Some((0.0, 65535.0));
    }
    if !(proto.is_empty() || proto.eq_ignore_ascii_case("tcp") || proto == "6") {
        // UDP and ICMP permissions do not expose TCP services.
        return Some((-1.0, -1.0));
    }
    let from = from?.as_f64()?;
    let to = to.and_then(Value::as_f64).unwrap_or(from);
    Some((from, to))
}

pub fn ingress_rules(tf: &Terraform) -> Vec<Ingress<'_>> {
    let mut out = Vec::new();
    for sg in tf.resources_of("aws_security_group") {
        for block in sg.get(&["ingress"]).and_then(Value::as_list).unwrap_or(&[]) {
            out.push(Ingress {
                res: sg,
                lines: shipshape_loaders::terraform::value::block_lines(block)
                    .unwrap_or(sg.block.span),
                ports: port_range(
                    block.get("protocol"),
                    block.get("from_port"),
                    block.get("to_port"),
                ),
                cidrs: [block.get("cidr_blocks"), block.get("ipv6_cidr_blocks")]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
            });
        }
    }
    for rule in tf.resources_of("aws_security_group_rule") {
        if rule.get(&["type"]).and_then(Value::as_str) != Some("ingress") {
            continue;
        }
        out.push(Ingress {
            res: rule,
            lines: rule.block.span,
            ports: port_range(
                rule.get(&["protocol"]),
                rule.get(&["from_port"]),
                rule.get(&["to_port"]),
            ),
            cidrs: [rule.get(&["cidr_blocks"]), rule.get(&["ipv6_cidr_blocks"])]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        });
    }
    for rule in tf.resources_of("aws_vpc_security_group_ingress_rule") {
        out.push(Ingress {
            res: rule,
            lines: rule.block.span,
            ports: port_range(
                rule.get(&["ip_protocol"]),
                rule.get(&["from_port"]),
                rule.get(&["to_port"]),
            ),
            cidrs: [rule.get(&["cidr_ipv4"]), rule.get(&["cidr_ipv6"])]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        });
    }
    out
}
