//! Test helpers: load a small repository written inline and run one rule.

use crate::Rule;
use shipshape_loaders::{LoadOptions, Repository};
use shipshape_model::{Finding, Profile};

/// Writes `files` (path, text) into a temporary directory and loads it.
pub fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let repo = Repository::load(dir.path(), &LoadOptions::default()).expect("load");
    (dir, repo)
}

/// Runs one rule on inline files and returns its findings.
pub fn check(rule: &'static dyn Rule, files: &[(&str, &str)]) -> Vec<Finding> {
    check_with_diagnostics(rule, files).0
}

/// Runs one rule and returns its findings and its diagnostics' messages.
pub fn check_with_diagnostics(
    rule: &'static dyn Rule,
    files: &[(&str, &str)],
) -> (Vec<Finding>, Vec<String>) {
    let (_dir, repo) = load(files);
    let out = crate::run(&repo, Profile::Prod, &[rule]);
    (
        out.findings,
        out.diagnostics.into_iter().map(|d| d.message).collect(),
    )
}

/// Runs one rule over `parts`, each loaded as a repository of its own and
/// checked in order, and returns its findings. Asserts first that the
/// review of every part's files together reports the same: how a review in
/// parts must behave.
pub fn check_in_parts(rule: &'static dyn Rule, parts: &[&[(&str, &str)]]) -> Vec<Finding> {
    let loaded: Vec<_> = parts.iter().map(|files| load(files)).collect();
    let mut review = crate::Review::new(Profile::Prod, std::slice::from_ref(&rule));
    for (_dir, repo) in &loaded {
        review.check(repo);
    }
    let split = review.finish().findings;
    let whole: Vec<(&str, &str)> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    assert_eq!(
        render(&split),
        render(&check(rule, &whole)),
        "a review in parts must report what the whole review reports"
    );
    split
}

/// Renders findings compactly for snapshots: `rule file:line-end resource: message`.
pub fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}-{} {}: {}",
                f.rule,
                f.file.as_deref().unwrap_or("-"),
                f.line.unwrap_or(0),
                f.end_line.unwrap_or(0),
                f.resource.as_deref().unwrap_or("-"),
                f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
