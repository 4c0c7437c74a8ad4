//! Arbitrary tfvars (HCL, or JSON when the first byte is odd) applied to a
//! root module that declares and uses variables.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::terraform::{self, TfOptions};
use shipshape_loaders::{FileKind, SourceFile};

const MAIN: &str = r#"
variable "a" {}
variable "b" { default = 1 }
variable "m" { default = {} }
locals { x = [for k, v in var.m : "${k}=${v}"] }
resource "aws_db_instance" "db" {
  count                   = var.b
  multi_az                = var.a
  backup_retention_period = lookup(var.m, "days", 7)
  tags                    = merge(var.m, { n = local.x })
}
"#;

fuzz_target!(|data: &[u8]| {
    let Some((flag, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let main = SourceFile::new("main.tf", FileKind::Terraform, MAIN);
    let (files, options) = if flag % 2 == 1 {
        (
            vec![main],
            TfOptions {
                var_files: vec![("fuzz.tfvars.json".to_string(), text)],
            },
        )
    } else {
        (
            vec![
                main,
                SourceFile::new("terraform.tfvars", FileKind::Tfvars, text),
            ],
            TfOptions::default(),
        )
    };
    let _ = terraform::load(
        std::path::Path::new("/nonexistent-shipshape-fuzz"),
        &files,
        &options,
    );
});
