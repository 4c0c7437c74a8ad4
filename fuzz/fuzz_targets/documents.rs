//! The operational-evidence loaders: the same text as a document, YAML,
//! shell, JavaScript, Python, a Makefile and a package.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::terraform::Terraform;
use shipshape_loaders::{docs, operations, shell, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = [
        SourceFile::new("docs/runbook.md", FileKind::Document, &*text),
        SourceFile::new("notes.txt", FileKind::Document, &*text),
        SourceFile::new(".github/workflows/ci.yml", FileKind::Yaml, &*text),
        SourceFile::new("scripts/run.sh", FileKind::Shell, &*text),
        SourceFile::new("load.js", FileKind::JavaScript, &*text),
        SourceFile::new("locustfile.py", FileKind::Python, &*text),
        SourceFile::new("Makefile", FileKind::Other, &*text),
        SourceFile::new("package.json", FileKind::Manifest, &*text),
    ];
    // A repository's files are sorted by path.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let tf = Terraform::default();
    let root = std::path::Path::new("/nonexistent-shipshape-fuzz");
    let (scripts, _) = shell::load(root, &files, &tf, shell::parse_files(&files));
    let _ = docs::load(&files);
    let _ = operations::load(operations::scan_files(&files), &files, &tf, &scripts);
});
