//! Arbitrary text as a compose file, a Kubernetes manifest, a kustomization
//! and a GitHub workflow at once: the YAML tree, the YAML families built on
//! it (with the container commands and probes of the service model), and
//! the service model itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_loaders::{code, yaml, yaml_families, FileKind, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = yaml::parse(&text);
    // Sorted by path, as a repository's files are.
    let files = [
        SourceFile::new(".github/workflows/deploy.yml", FileKind::Yaml, &*text),
        SourceFile::new("docker-compose.yml", FileKind::Yaml, &*text),
        SourceFile::new("k8s/app.yaml", FileKind::Yaml, &*text),
        SourceFile::new("k8s/kustomization.yaml", FileKind::Yaml, &*text),
    ];
    let _ = yaml_families::load(&files);
    let _ = code::load(&files);
});
