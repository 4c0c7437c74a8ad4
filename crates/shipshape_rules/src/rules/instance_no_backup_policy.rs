use crate::aws::tags_match;
use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::{Resource, Value};

declare_rule! {
    /// ### What it finds
    /// An `aws_instance` that no snapshot policy covers: no
    /// `aws_dlm_lifecycle_policy` whose `target_tags` match the instance's
    /// tags (policies on `INSTANCE`) or its volumes' tags (`volume_tags`,
    /// `root_block_device.tags`; policies on `VOLUME`), and no
    /// `aws_backup_selection` that lists it or selects it by tag.
    ///
    /// ### Why it matters
    /// An instance holds state (uploads, a local database, configuration
    /// made by hand). Without snapshots, a deleted volume or a ransomware
    /// night is permanent.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_instance" "api" {
    ///   # ...
    ///   volume_tags = { Snapshot = "daily" }
    /// }
    ///
    /// resource "aws_dlm_lifecycle_policy" "daily" {
    ///   description        = "daily EBS snapshots"
    ///   execution_role_arn = aws_iam_role.dlm.arn
    ///   state              = "ENABLED"
    ///   policy_details {
    ///     resource_types = ["VOLUME"]
    ///     target_tags    = { Snapshot = "daily" }
    ///     schedule {
    ///       name = "daily"
    ///       create_rule {
    ///         interval      = 24
    ///         interval_unit = "HOURS"
    ///         times         = ["03:00"]
    ///       }
    ///       retain_rule { count = 14 }
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours, plus a restore drill.
    pub struct InstanceNoBackupPolicy {
        name: "instance-no-backup-policy",
        code: "REC004",
        category: Recovery,
        severity: High,
        effort: (2, 4),
    }
}

/// Covered, not covered, or unknown (tags not known statically).
fn covered(inst: &Resource, policies: &[&Resource], selections: &[&Resource]) -> Option<bool> {
    let mut undecided = false;
    let tags = inst.get(&["tags"]).cloned().unwrap_or(Value::Null);
    let volume_tag_sets: Vec<Value> = [
        inst.get(&["volume_tags"]).cloned(),
        inst.get(&["root_block_device", "tags"]).cloned(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for p in policies {
        if p.get(&["state"]).and_then(Value::as_str) == Some("DISABLED") {
            continue;
        }
        let Some(target) = p.get(&["policy_details", "target_tags"]) else {
            continue;
        };
        let types: Vec<String> = p
            .get(&["policy_details", "resource_types"])
            .and_then(Value::as_list)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| vec!["VOLUME".to_string()]);
        let mut candidates: Vec<&Value> = Vec::new();
        if types.iter().any(|t| t == "INSTANCE") {
            candidates.push(&tags);
        }
        if types.iter().any(|t| t == "VOLUME") {
            candidates.extend(volume_tag_sets.iter());
        }
        for c in candidates {
            match tags_match(target, c) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => undecided = true,
            }
        }
    }
    for s in selections {
        if s.attr_refers_to("resources", inst) {
            return Some(true);
        }
        if let Some(Value::List(rs)) = s.get(&["resources"]) {
            if rs.iter().any(|r| {
                r.as_str()
                    .is_some_and(|a| a == "*" || a.ends_with(":instance/*"))
            }) {
                return Some(true);
            }
        }
        if let Some(Value::List(sel)) = s.get(&["selection_tag"]) {
            for st in sel {
                let (Some(k), Some(v)) = (st.get("key").and_then(Value::as_str), st.get("value"))
                else {
                    undecided = true;
                    continue;
                };
                let wanted = Value::Object([(k.to_string(), v.clone())].into_iter().collect());
                match tags_match(&wanted, &tags) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => undecided = true,
                }
            }
        }
    }
    if undecided {
        None
    } else {
        Some(false)
    }
}

impl Rule for InstanceNoBackupPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let policies: Vec<&Resource> = tf.resources_of("aws_dlm_lifecycle_policy").collect();
        let selections: Vec<&Resource> = tf.resources_of("aws_backup_selection").collect();
        // Policies and selections grouped by root module once.
        let mut by_root: std::collections::HashMap<&str, (Vec<&Resource>, Vec<&Resource>)> =
            std::collections::HashMap::new();
        for p in &policies {
            by_root.entry(p.root_dir.as_str()).or_default().0.push(p);
        }
        for s in &selections {
            by_root.entry(s.root_dir.as_str()).or_default().1.push(s);
        }
        let none = (Vec::new(), Vec::new());
        for inst in tf.resources_of("aws_instance") {
            let (local_policies, local_selections) =
                by_root.get(inst.root_dir.as_str()).unwrap_or(&none);
            match covered(inst, local_policies, local_selections) {
                Some(true) => {}
                Some(false) => cx.report(tf_evidence(
                    inst,
                    &[],
                    format!("instance `{}` is covered by no DLM snapshot policy or AWS Backup selection", inst.address),
                )),
                None => cx.unevaluated(
 Some(inst.file()), Some(inst.block.span.start), format!("`{}`: tags of the instance or a policy are not known statically", inst.address)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const DLM: &str = "resource \"aws_dlm_lifecycle_policy\" \"p\" {\n  state = \"ENABLED\"\n  policy_details {\n    resource_types = [\"VOLUME\"]\n    target_tags = {\n      Snapshot = \"daily\"\n    }\n  }\n}\n";

    #[test]
    fn volume_tags_matching_a_dlm_policy_cover_the_instance() {
        let tf = format!("{DLM}resource \"aws_instance\" \"a\" {{\n  volume_tags = {{\n    Snapshot = \"daily\"\n  }}\n}}\n");
        assert!(check(&InstanceNoBackupPolicy, &[("main.tf", tf.as_str())]).is_empty());
    }

    #[test]
    fn instance_tags_do_not_satisfy_a_volume_policy() {
        let tf = format!("{DLM}resource \"aws_instance\" \"a\" {{\n  tags = {{\n    Snapshot = \"daily\"\n  }}\n}}\n");
        assert_eq!(
            check(&InstanceNoBackupPolicy, &[("main.tf", tf.as_str())]).len(),
            1
        );
    }

    #[test]
    fn backup_selection_listing_the_instance_covers_it() {
        let tf = "resource \"aws_instance\" \"a\" {}\nresource \"aws_backup_selection\" \"s\" {\n  resources = [aws_instance.a.arn]\n}\n";
        assert!(check(&InstanceNoBackupPolicy, &[("main.tf", tf)]).is_empty());
    }
}
