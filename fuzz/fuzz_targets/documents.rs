//! The operational-evidence loaders: the same text as a document, YAML,
//! shell, JavaScript, Python, a Makefile and a package.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::terraform::Terraform;
use shipshape_loaders::{docs, operations, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = [
        SourceFile::new("docs/runbook.md", FileKind::Document, &*text),
        SourceFile::new("notes.txt", FileKind::Document, &*text),
        SourceFile::new(".github/workflows/ci.yml", FileKind::Yaml, &*text),
        SourceFile::new("scripts/run.sh", FileKind::Shell, &*text),
        SourceFile::new("load.js", FileKind::JavaScript, &*text),
        SourceFile::new("locustfile.py", FileKind::Python, &*text),
        SourceFile::new("Makefile", FileKind::Other, &*text),
        SourceFile::new("package.json", FileKind::Manifest, &*text),
    ];
    let _ = docs::load(&files);
    let _ = operations::load(&files, &Terraform::default());
});
