//! The JSON contract and the Markdown reports: the published schema
//! (docs/report.schema.json) holds for real reports, and snapshots of the
//! small fixture show every format's shape.

mod common;

use common::*;
use shipshape_report::{delta, json, markdown, pr_comment};

fn report_schema() -> serde_json::Value {
    load_json(&manifest_dir().join("../../docs/report.schema.json"))
}

#[test]
fn real_reports_match_the_published_schema() {
    let schema = report_schema();
    let mut repos = corpus_repos();
    repos.push(fixture("small-repo"));
    assert!(repos.len() > 1, "the corpus is beside the workspace");
    for repo in &repos {
        let path = repo.to_string_lossy().into_owned();
        let (_, out) = run_cli(&["review", &path, "--format", "json", "--fail-on", "none"]);
        let report: serde_json::Value = serde_json::from_str(&out).expect("json output");
        assert_valid(&schema, &report, &path);
    }
}

#[test]
fn reports_with_delta_waivers_and_diagnostics_match_the_schema() {
    let schema = report_schema();
    // End to end: v2 against v1 as the baseline gives a delta.
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("v1.json");
    let v1 = corpus("ratemyunit-v1").to_string_lossy().into_owned();
    let v2 = corpus("ratemyunit-v2").to_string_lossy().into_owned();
    let base_s = base.to_string_lossy().into_owned();
    run_cli(&[
        "review",
        &v1,
        "--format",
        "json",
        "-o",
        &base_s,
        "--fail-on",
        "none",
    ]);
    let (_, out) = run_cli(&[
        "review",
        &v2,
        "--format",
        "json",
        "--baseline",
        &base_s,
        "--fail-on",
        "none",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(report["delta"].is_object(), "a baseline gives a delta");
    assert_valid(&schema, &report, "v2 with baseline");

    // In-process: waived findings and both kinds of diagnostics.
    let r = review(&fixture("small-repo"), "small-repo").report;
    let waived = waive_repository_findings(&r);
    assert_eq!(waived.suppressed.len(), 1);
    assert!(waived.diagnostics.len() >= 2);
    let value: serde_json::Value = serde_json::from_str(&json::render(&waived)).expect("json");
    assert_valid(&schema, &value, "waived report");
}

#[test]
fn the_schema_rejects_what_the_contract_forbids() {
    let schema = report_schema();
    let r = review(&fixture("small-repo"), "small-repo").report;
    let good: serde_json::Value = serde_json::from_str(&json::render(&r)).expect("json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    assert!(validator.is_valid(&good));
    let broken = [
        ("/decision", serde_json::json!("maybe")),
        ("/findings/0/severity", serde_json::json!("critical")),
        ("/findings/1/line", serde_json::json!(0)),
        ("/findings/1/file", serde_json::json!("/abs/main.tf")),
        ("/categories/0/grade", serde_json::json!("E")),
        ("/diagnostics/0/kind", serde_json::json!("oops")),
    ];
    for (pointer, value) in broken {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).expect(pointer) = value;
        assert!(!validator.is_valid(&bad), "{pointer} should be rejected");
    }
    // A repository-level finding has no lines.
    let mut bad = good.clone();
    bad["findings"][0]["line"] = serde_json::json!(3);
    assert!(bad["findings"][0]["file"].is_null());
    assert!(!validator.is_valid(&bad));
}

#[test]
fn json_snapshot() {
    let r = review(&fixture("small-repo"), "small-repo").report;
    insta::assert_snapshot!("json", json::render(&r));
}

#[test]
fn markdown_snapshot() {
    let r = review(&fixture("small-repo"), "small-repo").report;
    insta::assert_snapshot!("markdown", markdown::render(&r));
}

#[test]
fn pr_comment_snapshot_with_baseline_and_waiver() {
    let current = review(&fixture("small-repo"), "small-repo").report;
    // The baseline had one more finding (since fixed) and lacked one.
    let mut baseline = current.clone();
    let mut fixed = baseline.findings[1].clone();
    fixed.message = "database `aws_db_instance.ledger` runs in a single availability zone".into();
    fixed.resource = Some("aws_db_instance.ledger".into());
    fixed.fingerprint = "0000000000000001".into();
    baseline.findings.remove(0);
    baseline.findings.push(fixed);
    let mut r = waive_repository_findings(&current);
    r.delta = Some(delta::compare(&baseline, &r));
    insta::assert_snapshot!("pr_comment", pr_comment::render(&r));
}

#[test]
fn every_format_renders_end_to_end() {
    let repo = fixture("small-repo").to_string_lossy().into_owned();
    let expect = [
        ("text", "shipshape review of"),
        ("json", "\"schema_version\": 1"),
        ("markdown", "# Production readiness review"),
        ("pr-comment", "## shipshape review: "),
        ("sarif", "\"version\": \"2.1.0\""),
        ("junit", "<testsuites name=\"shipshape review of"),
        ("html", "<!DOCTYPE html>"),
    ];
    for (format, marker) in expect {
        // The fixture has a high finding and no blocker: exit 0 by default,
        // 1 with --fail-on high, whatever the format.
        let (code, out) = run_cli(&["review", &repo, "--format", format]);
        assert_eq!(code, 0, "{format}");
        assert!(out.contains(marker), "{format}: {out}");
        let (code, _) = run_cli(&["review", &repo, "--format", format, "--fail-on", "high"]);
        assert_eq!(code, 1, "{format} --fail-on high");
    }
}
