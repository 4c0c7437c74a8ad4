//! What the report-format tests share: the fixture repositories, a review
//! made in-process with a fixed set of rules (so snapshots do not change
//! each time a rule is added), and the binary for end-to-end runs.
#![allow(dead_code)]

use shipshape_loaders::{LoadOptions, Repository};
use shipshape_model::Profile;
use shipshape_report::text::SourceLookup;
use shipshape_report::Report;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The rules the snapshots run: the fixture is written for them.
pub const SNAPSHOT_RULES: [&str; 2] = ["rds-not-multi-az", "cloudtrail-missing"];

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/fixtures").join(name)
}

/// `../shared/corpus/<name>` beside the workspace.
pub fn corpus(name: &str) -> PathBuf {
    manifest_dir().join("../../../shared/corpus").join(name)
}

pub fn corpus_repos() -> Vec<PathBuf> {
    let dir = manifest_dir().join("../../../shared/corpus");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    repos
}

pub struct Review {
    pub repo: Repository,
    pub report: Report,
}

impl SourceLookup for Review {
    fn text(&self, path: &str) -> Option<std::sync::Arc<str>> {
        self.repo.file(path).map(|f| f.text.clone())
    }
}

/// Reviews `root` with [`SNAPSHOT_RULES`]; the report names it `label` and
/// carries a placeholder version, so snapshots hold no absolute path and
/// survive releases.
pub fn review(root: &Path, label: &str) -> Review {
    let repo = Repository::load(root, &LoadOptions::default()).expect("load fixture");
    let rules: Vec<_> = shipshape_rules::all_rules()
        .into_iter()
        .filter(|r| SNAPSHOT_RULES.contains(&r.meta().name))
        .collect();
    assert_eq!(rules.len(), SNAPSHOT_RULES.len(), "snapshot rules exist");
    let outcome = shipshape_rules::run(&repo, Profile::Prod, &rules);
    let mut diagnostics = repo.diagnostics.clone();
    diagnostics.extend(outcome.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    let mut report = Report::new(label, Profile::Prod, outcome.findings, vec![], diagnostics);
    report.tool.version = "[version]".into();
    Review { repo, report }
}

/// The same review with the repository-level finding waived.
pub fn waive_repository_findings(report: &Report) -> Report {
    let (mut waived, kept): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .cloned()
        .partition(|f| f.file.is_none());
    for f in &mut waived {
        f.suppressed_by = Some(Box::new(shipshape_model::Suppression {
            reason: "accepted: the organisation trail lives in the landing-zone repository".into(),
            owner: Some("platform-team".into()),
            expires: Some("2027-06-30".into()),
            source: "shipshape.toml:3".into(),
            inline: false,
        }));
    }
    let mut r = Report::new(
        &report.root,
        report.profile,
        kept,
        waived,
        report.diagnostics.clone(),
    );
    r.tool = report.tool.clone();
    r
}

/// Runs the shipshape binary; returns (exit code, stdout).
pub fn run_cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shipshape"))
        .args(args)
        .output()
        .expect("run shipshape");
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "shipshape {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 output"),
    )
}

pub fn load_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read json");
    serde_json::from_str(&text).expect("parse json")
}

/// Validates `instance` against `schema`; panics listing every error.
pub fn assert_valid(schema: &serde_json::Value, instance: &serde_json::Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the schema:\n{}",
        errors.join("\n")
    );
}
