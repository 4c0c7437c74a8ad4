use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::expr::{Expr, Operator};
use shipshape_loaders::terraform::{join_rel, Block, Terraform};
use shipshape_model::Evidence;
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// A Terraform `variable` that sizes or places infrastructure (its name
    /// names an instance type or class, a node or machine type, a region, an
    /// availability zone or a CIDR) and has no `validation` block.
    ///
    /// ### Why it matters
    /// A typo such as `t3.mirco` or `10.0.0.0/33` fails late, in the middle
    /// of an apply, with half the resources changed; a region typo can
    /// create a second copy of the stack somewhere nobody looks.
    ///
    /// ### How to fix
    /// ```hcl
    /// variable "instance_type" {
    ///   type = string
    ///   validation {
    ///     condition     = can(regex("^(t3|m6i|c6i)\\.", var.instance_type))
    ///     error_message = "instance_type must be a t3, m6i or c6i type."
    ///   }
    /// }
    ///
    /// variable "vpc_cidr" {
    ///   type = string
    ///   validation {
    ///     condition     = can(cidrhost(var.vpc_cidr, 0))
    ///     error_message = "vpc_cidr must be a valid CIDR block."
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1 hour for a module's variables.
    pub struct VariableNoValidation {
        name: "variable-no-validation",
        code: "REL018",
        category: Reliability,
        severity: Low,
        effort: (1, 1),
    }
}

/// Whether a variable's name says it sizes or places infrastructure.
fn sizes_or_places(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let parts: Vec<&str> = n.split(['_', '-']).collect();
    n.contains("instance_type")
        || n.contains("instance_class")
        || n.contains("node_type")
        || n.contains("machine_type")
        || n.contains("vm_size")
        || n.contains("cidr")
        || n.contains("availability_zone")
        || parts.contains(&"region")
        || (parts.last() == Some(&"class") && parts.len() > 1)
}

/// Module directory → the calls (caller directory, call block) that use it.
type Callers<'a> = HashMap<String, Vec<(&'a str, &'a Block)>>;

fn callers(tf: &Terraform) -> Callers<'_> {
    let mut out: Callers = HashMap::new();
    for caller in tf.modules.values() {
        for call in &caller.module_calls {
            let source = call
                .attr("source")
                .and_then(|a| a.expr.as_str())
                .unwrap_or("");
            if !(source.starts_with("./") || source.starts_with("../")) {
                continue;
            }
            if let Some(dir) = join_rel(&caller.dir, source) {
                out.entry(dir)
                    .or_default()
                    .push((caller.dir.as_str(), call));
            }
        }
    }
    out
}

/// Whether variable `name` of the module in `dir` is validated: by its own
/// `validation` block, or because every caller passes a literal or a
/// variable of its own that is validated (a pass-through needs no second
/// check).
fn validated(tf: &Terraform, callers: &Callers, dir: &str, name: &str, depth: usize) -> bool {
    let Some(module) = tf.modules.get(dir) else {
        return false;
    };
    let Some(var) = module.variables.iter().find(|v| v.label(0) == name) else {
        return false;
    };
    if var.blocks_of("validation").next().is_some() {
        return true;
    }
    if depth > 8 {
        return false;
    }
    let calls = callers.get(dir).map(Vec::as_slice).unwrap_or(&[]);
    !calls.is_empty()
        && calls.iter().all(
            |(caller_dir, call)| match call.attr(name).map(|a| &a.expr) {
                Some(Expr::String(_)) | Some(Expr::Number(_)) => true,
                Some(Expr::Traversal(t)) => match (t.expr.as_variable(), t.operators.first()) {
                    (Some("var"), Some(Operator::GetAttr(arg))) if t.operators.len() == 1 => {
                        validated(tf, callers, caller_dir, arg, depth + 1)
                    }
                    _ => false,
                },
                _ => false,
            },
        )
}

impl Rule for VariableNoValidation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let callers = callers(tf);
        for module in tf.modules.values() {
            for var in &module.variables {
                let name = var.label(0);
                if sizes_or_places(name) && !validated(tf, &callers, &module.dir, name, 0) {
                    cx.report(Evidence {
                        file: Some(var.file.to_string()),
                        lines: Some(var.span),
                        resource: Some(format!("var.{name}")),
                        key: format!("{}::var.{name}", module.dir),
                        message: format!("variable `{name}` sizes or places infrastructure but has no validation block"),
                        remediation: None,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn names_that_size_or_place() {
        for n in [
            "instance_type",
            "db_instance_class",
            "region",
            "vpc_cidr",
            "aws_region",
        ] {
            assert!(sizes_or_places(n), "{n}");
        }
        for n in ["regional_name", "classic", "os_type", "customer_domain"] {
            assert!(!sizes_or_places(n), "{n}");
        }
    }

    #[test]
    fn validated_variable_passes() {
        let tf = "variable \"region\" {\n  validation {\n    condition     = startswith(var.region, \"eu-\")\n    error_message = \"EU only.\"\n  }\n}\nvariable \"instance_type\" {}\n";
        let f = check(&VariableNoValidation, &[("variables.tf", tf)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource.as_deref(), Some("var.instance_type"));
        assert_eq!(f[0].line, Some(7));
    }

    #[test]
    fn pass_through_of_a_validated_variable_is_validated() {
        let root = "variable \"vpc_cidr\" {\n  validation {\n    condition     = can(cidrhost(var.vpc_cidr, 0))\n    error_message = \"CIDR\"\n  }\n}\nvariable \"region\" {}\nmodule \"net\" {\n  source   = \"./net\"\n  vpc_cidr = var.vpc_cidr\n  region   = var.region\n}\n";
        let child = "variable \"vpc_cidr\" {}\nvariable \"region\" {}\n";
        let f = check(
            &VariableNoValidation,
            &[("main.tf", root), ("net/main.tf", child)],
        );
        let names: Vec<_> = f
            .iter()
            .map(|f| {
                (
                    f.file.clone().unwrap_or_default(),
                    f.resource.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("main.tf".to_string(), "var.region".to_string()),
                ("net/main.tf".to_string(), "var.region".to_string())
            ]
        );
    }
}
