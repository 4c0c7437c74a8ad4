//! Arbitrary text as a Dockerfile (tree-sitter-containerfile and the stage model).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::{dockerfile, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = dockerfile::load(&[SourceFile::new("Dockerfile", FileKind::Dockerfile, &*text)]);
});
