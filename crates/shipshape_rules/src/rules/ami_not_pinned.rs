use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::expr::Expr;
use shipshape_loaders::terraform::{refers_to, Mode, Value};
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// An `aws_instance` (or launch template) whose AMI comes from a
    /// `data "aws_ami"` with `most_recent = true`, directly or through
    /// locals, variables and module outputs, without
    /// `lifecycle { ignore_changes = [ami] }`.
    ///
    /// ### Why it matters
    /// The next `terraform apply` after a new image is published replaces
    /// the server: a routine change to a tag becomes a rebuild, with the
    /// data on its root volume gone.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_instance" "app" {
    ///   ami = data.aws_ami.base.id
    ///   # ...
    ///   lifecycle {
    ///     ignore_changes = [ami]
    ///   }
    /// }
    /// ```
    /// Or pin the image id in a variable and roll it forward deliberately.
    ///
    /// ### Effort
    /// 1 hour.
    pub struct AmiNotPinned {
        name: "ami-not-pinned",
        code: "REL010",
        category: Reliability,
        severity: Medium,
        effort: (1, 1),
    }
}

impl Rule for AmiNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        // `most_recent` AMI lookups by root: an instance only reads its own.
        let mut latest: HashMap<&str, Vec<_>> = HashMap::new();
        for d in tf.data_of("aws_ami").filter(|d| {
            d.mode == Mode::Data && d.get(&["most_recent"]).and_then(Value::as_bool) == Some(true)
        }) {
            latest.entry(d.root_dir.as_str()).or_default().push(d);
        }
        for (t, attr) in [("aws_instance", "ami"), ("aws_launch_template", "image_id")] {
            for res in tf.resources_of(t) {
                let ignored = res
                    .block
                    .blocks_of("lifecycle")
                    .filter_map(|l| l.attr("ignore_changes"))
                    .any(|a| ignores(&a.expr, attr));
                if ignored {
                    continue;
                }
                let deps = res.attr_refs(attr);
                let in_root = latest
                    .get(res.root_dir.as_str())
                    .map_or(&[][..], Vec::as_slice);
                if let Some(ami) = in_root
                    .iter()
                    .find(|d| deps.iter().any(|dep| refers_to(dep, &d.address)))
                {
                    cx.report(tf_evidence(
                        res,
                        &[],
                        format!(
                            "`{}` takes its AMI from `{}` (most_recent = true): the next apply after a new image replaces the server",
                            res.address, ami.address
                        ),
                    ));
                }
            }
        }
    }
}

/// Whether an `ignore_changes` expression names `attr` (or is `all`).
fn ignores(expr: &Expr, attr: &str) -> bool {
    match expr {
        Expr::Variable(v) | Expr::String(v) => &**v == "all" || &**v == attr,
        Expr::Array(a) => a.iter().any(|e| ignores(e, attr)),
        Expr::Traversal(t) => ignores(&t.expr, attr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const DATA: &str =
        "data \"aws_ami\" \"base\" {\n  most_recent = true\n  owners      = [\"amazon\"]\n}\n";

    #[test]
    fn most_recent_through_a_local_is_flagged() {
        let tf = format!("{DATA}locals {{\n  ami = data.aws_ami.base.id\n}}\nresource \"aws_instance\" \"a\" {{\n  ami = local.ami\n}}\n");
        assert_eq!(check(&AmiNotPinned, &[("main.tf", tf.as_str())]).len(), 1);
    }

    #[test]
    fn ignore_changes_or_pinned_id_pass() {
        let tf = format!("{DATA}resource \"aws_instance\" \"a\" {{\n  ami = data.aws_ami.base.id\n  lifecycle {{\n    ignore_changes = [ami]\n  }}\n}}\nresource \"aws_instance\" \"b\" {{\n  ami = \"ami-123\"\n}}\n");
        assert!(check(&AmiNotPinned, &[("main.tf", tf.as_str())]).is_empty());
    }
}
