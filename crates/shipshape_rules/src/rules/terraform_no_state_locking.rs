use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Block;
use shipshape_model::{Evidence, LineSpan};

declare_rule! {
    /// ### What it finds
    /// A Terraform root module (one that manages resources) without a
    /// remote backend that locks: no `backend` or `cloud` block, a `local`
    /// backend, or an `s3` backend with neither `dynamodb_table` nor
    /// `use_lockfile = true`.
    ///
    /// ### Why it matters
    /// Two applies at once (a CI run and a laptop) race on the same state
    /// and corrupt it, or a local state file is the only record of what
    /// exists, and it lives on one engineer's disk.
    ///
    /// ### How to fix
    /// ```hcl
    /// terraform {
    ///   backend "s3" {
    ///     bucket       = "acme-terraform-state"
    ///     key          = "prod/terraform.tfstate"
    ///     region       = "eu-west-1"
    ///     encrypt      = true
    ///     use_lockfile = true # or dynamodb_table = "terraform-locks"
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: the bucket (versioned, encrypted), `terraform init
    /// -migrate-state`, and CI credentials.
    pub struct TerraformNoStateLocking {
        name: "terraform-no-state-locking",
        code: "REL011",
        category: Reliability,
        severity: High,
        effort: (2, 4),
    }
}

/// Backends that lock state on their own.
const LOCKING_BACKENDS: [&str; 8] = [
    "remote",
    "gcs",
    "azurerm",
    "consul",
    "pg",
    "kubernetes",
    "oss",
    "cos",
];

/// Why the backend does not lock, or `None` when it does.
fn problem(backend: Option<&Block>) -> Option<String> {
    let Some(b) = backend else {
        return Some("has no backend: state is a local file with no locking".to_string());
    };
    let kind = b.label(0);
    if b.kind == "cloud" || LOCKING_BACKENDS.contains(&kind) {
        return None;
    }
    match kind {
        "s3" => {
            let lockfile = b.attr("use_lockfile").and_then(|a| a.expr.as_bool()) == Some(true);
            if lockfile || b.attr("dynamodb_table").is_some() {
                None
            } else {
                Some("uses an s3 backend without dynamodb_table or use_lockfile: concurrent applies race".to_string())
            }
        }
        "http" if b.attr("lock_address").is_some() => None,
        "local" => Some("uses the local backend: no shared state and no locking".to_string()),
        other => Some(format!(
            "uses the `{other}` backend, which does not lock state"
        )),
    }
}

impl Rule for TerraformNoStateLocking {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        let managing: std::collections::HashSet<&str> = tf
            .resources
            .iter()
            .filter(|r| r.mode == shipshape_loaders::terraform::Mode::Managed)
            .map(|r| r.root_dir.as_str())
            .collect();
        for root in tf.root_modules() {
            if !managing.contains(root.dir.as_str()) {
                continue;
            }
            let backend = root
                .terraform_blocks
                .iter()
                .flat_map(|t| t.blocks.iter())
                .find(|b| b.kind == "backend" || b.kind == "cloud");
            let Some(why) = problem(backend) else {
                continue;
            };
            // Point at the backend, else the `terraform {}` block that
            // should carry one, else the first line of the module.
            let (file, lines) = match (backend, root.terraform_blocks.first()) {
                (Some(b), _) => (b.file.to_string(), b.span),
                (None, Some(t)) => (t.file.to_string(), t.span),
                (None, None) => (
                    root.files
                        .first()
                        .map(|f| f.to_string())
                        .unwrap_or_default(),
                    LineSpan::line(1),
                ),
            };
            let name = if root.dir.is_empty() {
                "."
            } else {
                root.dir.as_str()
            };
            cx.report(Evidence {
                file: Some(file),
                lines: Some(lines),
                resource: Some(format!("root module {name}")),
                key: format!("{}::backend", root.dir),
                message: format!("root module `{name}` {why}"),
                remediation: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn no_backend_points_at_the_terraform_block() {
        let f = check(&TerraformNoStateLocking, &[("main.tf", "terraform {\n  required_version = \">= 1.5\"\n}\nresource \"aws_s3_bucket\" \"b\" {}\n")]);
        assert_eq!((f.len(), f[0].line, f[0].end_line), (1, Some(1), Some(3)));
    }

    #[test]
    fn locking_backends_pass_and_child_modules_are_not_roots() {
        let s3 = "terraform {\n  backend \"s3\" {\n    bucket       = \"b\"\n    use_lockfile = true\n  }\n}\nmodule \"m\" {\n  source = \"./m\"\n}\n";
        assert!(check(
            &TerraformNoStateLocking,
            &[
                ("main.tf", s3),
                ("m/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")
            ]
        )
        .is_empty());
        let bad = "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n  }\n}\nresource \"aws_s3_bucket\" \"b\" {}\n";
        assert_eq!(
            check(&TerraformNoStateLocking, &[("main.tf", bad)]).len(),
            1
        );
    }
}
