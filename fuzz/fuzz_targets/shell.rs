//! Arbitrary text as a shell script (tree-sitter-bash and the command model).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::terraform::Terraform;
use shipshape_loaders::{shell, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = [SourceFile::new("deploy.sh", FileKind::Shell, &*text)];
    let _ = shell::load(
        std::path::Path::new("/nonexistent-shipshape-fuzz"),
        &files,
        &Terraform::default(),
        shell::parse_files(&files),
    );
});
