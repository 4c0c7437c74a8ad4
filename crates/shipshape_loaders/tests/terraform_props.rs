//! Property tests: no input makes the Terraform loader panic.

use proptest::prelude::*;
use shipshape_loaders::{FileKind, SourceFile};

fn review(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let f = SourceFile::new("main.tf", FileKind::Terraform, text);
    let _ = shipshape_loaders::terraform::load(dir.path(), &[f], &Default::default());
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("resource \"aws_instance\" \"a\" {".to_string()),
        Just("}".to_string()),
        Just("count = ".to_string()),
        Just("var.x".to_string()),
        Just("local.y".to_string()),
        Just("module.m.out".to_string()),
        Just("locals { y = local.y }".to_string()),
        Just("variable \"x\" { default = [1, 2] }".to_string()),
        Just("${".to_string()),
        Just("[for k, v in var.x : v if k]".to_string()),
        Just("cidrsubnet(\"10.0.0.0/16\", 40, 9999999)".to_string()),
        Just("module \"m\" { source = \"./\" }".to_string()),
        Just("\"".to_string()),
        Just("\n".to_string()),
        "[a-z_\\.\\[\\]\\(\\)\\{\\}=\" 0-9\\*\\?:]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_configs_never_panic(parts in proptest::collection::vec(fragment(), 0..40)) {
        review(&parts.join(" "));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        review(&String::from_utf8_lossy(&bytes));
    }
}
