//! The parsers' floor: walks and reads a tree as a review does, then runs
//! only the parsers a review runs on each file (hcl-edit, tree-sitter,
//! saphyr), building no model and running no rule. No review with these
//! parsers can be faster; `scripts/bench` measures it beside the I/O floor
//! and the review, so the report shows how much of a review's time is
//! parsing and how much is ours.
//!
//!     cargo run --release -p shipshape_loaders --example parse_floor -- TREE

use rayon::prelude::*;
use shipshape_loaders::code::parse::{parse, Grammar};
use shipshape_loaders::terraform::syntax::parse_body_guarded;
use shipshape_loaders::{code, discovery, yaml, FileKind, LoadOptions, SourceFile};

/// The same allocator as the shipshape binary, so the two compare.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parses one file with the parser the review uses for it; returns whether
/// it parsed.
fn parse_one(f: &SourceFile) -> bool {
    let tree = |g| parse(g, &f.text).is_ok();
    let code = matches!(
        f.kind,
        FileKind::TypeScript | FileKind::JavaScript | FileKind::Python | FileKind::Go
    );
    // The review skips these code files; so does its floor.
    if code && (code::is_vendored(&f.path) || f.path.ends_with(".d.ts")) {
        return false;
    }
    match f.kind {
        FileKind::Terraform | FileKind::Tfvars => parse_body_guarded(&f.text).is_ok(),
        FileKind::TypeScript if f.path.ends_with(".tsx") => tree(Grammar::Tsx),
        FileKind::TypeScript => tree(Grammar::TypeScript),
        FileKind::JavaScript => tree(Grammar::JavaScript),
        FileKind::Python => tree(Grammar::Python),
        FileKind::Go => tree(Grammar::Go),
        FileKind::Shell => tree(Grammar::Bash),
        FileKind::Yaml => yaml::parse(&f.text).is_ok(),
        FileKind::Dockerfile => tree(Grammar::Containerfile),
        _ => false,
    }
}

fn main() {
    let Some(root) = std::env::args_os().nth(1) else {
        eprintln!("usage: parse_floor TREE");
        std::process::exit(2);
    };
    let root = std::path::PathBuf::from(root);
    let options = LoadOptions::default();
    let paths = discovery::walk(&root, options.threads, &[]);
    let files = discovery::read(&paths, options.max_file_size).files;
    let parsed = files.par_iter().filter(|f| parse_one(f)).count();
    println!("{} files read, {parsed} parsed", files.len());
}
