//! A `.tf` file of arbitrary text through the HCL parser and the evaluator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::terraform::{self, TfOptions};
use shipshape_loaders::{FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = [SourceFile::new("main.tf", FileKind::Terraform, &*text)];
    // The root does not exist: file()/templatefile() reads find nothing.
    let _ = terraform::load(
        std::path::Path::new("/nonexistent-shipshape-fuzz"),
        &files,
        &TfOptions::default(),
    );
});
