//! Arbitrary text as a compose file, a Kubernetes manifest and a GitHub
//! workflow at once: the YAML tree, the three loaders built on it, and the
//! service model's scan of container commands and probes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::{code, compose, kubernetes, workflows, yaml, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = yaml::parse(&text);
    // Sorted by path, as a repository's files are.
    let files = [
        SourceFile::new(".github/workflows/deploy.yml", FileKind::Yaml, &*text),
        SourceFile::new("docker-compose.yml", FileKind::Yaml, &*text),
        SourceFile::new("k8s/app.yaml", FileKind::Yaml, &*text),
    ];
    let _ = compose::load(&files);
    let _ = kubernetes::load(&files);
    let _ = workflows::load(&files);
    let _ = code::load(&files);
});
