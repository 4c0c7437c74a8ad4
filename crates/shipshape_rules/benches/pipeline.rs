//! Benchmarks of the review's hot paths, one per phase, on a real tree:
//! `../shared/corpus` beside the checkout when it is there (five fixture
//! repositories), else `examples/`. Another tree: `SHIPSHAPE_BENCH_TREE=DIR`.
//!
//!     cargo bench -p shipshape_rules --bench pipeline
//!
//! Throughput is in bytes of the files each phase reads, so the figures read
//! as MB/s and compare with the disk floor (`scripts/bench` measures whole
//! processes on generated monorepos).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shipshape_loaders::discovery::discover;
use shipshape_loaders::terraform::{self, TfOptions};
use shipshape_loaders::{code, dockerfile, shell, yaml_families};
use shipshape_loaders::{FileKind, LoadOptions, Repository, SourceFile};
use shipshape_model::Profile;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn tree() -> PathBuf {
    if let Some(dir) = std::env::var_os("SHIPSHAPE_BENCH_TREE") {
        return PathBuf::from(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = workspace.join("../shared/corpus");
    if corpus.is_dir() {
        corpus
    } else {
        workspace.join("examples")
    }
}

fn bytes_of(files: &[SourceFile], kinds: &[FileKind]) -> u64 {
    files
        .iter()
        .filter(|f| kinds.is_empty() || kinds.contains(&f.kind))
        .map(|f| f.text.len() as u64)
        .sum()
}

fn phases(c: &mut Criterion) {
    let root = tree();
    let files = discover(&root, 10 << 20, 0, &[]).files;
    let mut g = c.benchmark_group("phase");
    g.sample_size(20);

    g.throughput(Throughput::Bytes(bytes_of(&files, &[])));
    g.bench_function("discover", |b| {
        b.iter(|| discover(black_box(&root), 10 << 20, 0, &[]))
    });

    let tf = [FileKind::Terraform, FileKind::Tfvars, FileKind::TfvarsJson];
    g.throughput(Throughput::Bytes(bytes_of(&files, &tf)));
    g.bench_function("terraform", |b| {
        b.iter(|| terraform::load(&root, black_box(&files), &TfOptions::default()))
    });

    let code_kinds = [FileKind::JavaScript, FileKind::TypeScript, FileKind::Python];
    g.throughput(Throughput::Bytes(bytes_of(&files, &code_kinds)));
    g.bench_function("code", |b| b.iter(|| code::parse(black_box(&files))));

    let loaded = terraform::load(&root, &files, &TfOptions::default());
    g.throughput(Throughput::Bytes(bytes_of(&files, &[FileKind::Shell])));
    g.bench_function("shell", |b| {
        b.iter(|| {
            let parsed = shell::parse_files(black_box(&files));
            shell::load(&root, &files, &loaded, parsed)
        })
    });

    g.throughput(Throughput::Bytes(bytes_of(&files, &[FileKind::Yaml])));
    g.bench_function("yaml families", |b| {
        b.iter(|| yaml_families::load(black_box(&files)))
    });

    g.throughput(Throughput::Bytes(bytes_of(&files, &[FileKind::Dockerfile])));
    g.bench_function("dockerfile", |b| {
        b.iter(|| dockerfile::load(black_box(&files)))
    });

    g.throughput(Throughput::Bytes(bytes_of(&files, &[])));
    g.bench_function("load", |b| {
        b.iter(|| Repository::load(black_box(&root), &LoadOptions::default()))
    });

    let repo = Repository::load(&root, &LoadOptions::default()).expect("load");
    let rules = shipshape_rules::all_rules();
    g.bench_function("rules", |b| {
        b.iter(|| shipshape_rules::run(black_box(&repo), Profile::Prod, &rules))
    });
    g.finish();
}

criterion_group!(benches, phases);
criterion_main!(benches);
