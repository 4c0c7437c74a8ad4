//! Arbitrary text as TypeScript, JavaScript, Python and Go service code,
//! with a package.json: the front ends and the service model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::{code, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let files = [
        SourceFile::new("api/package.json", FileKind::Manifest, "{\"dependencies\":{\"express\":\"4\"}}"),
        SourceFile::new("api/src/index.ts", FileKind::TypeScript, &*text),
        SourceFile::new("api/src/app.js", FileKind::JavaScript, &*text),
        SourceFile::new("svc/app.py", FileKind::Python, &*text),
        SourceFile::new("go/main.go", FileKind::Go, &*text),
    ];
    let _ = code::load(&files);
});
