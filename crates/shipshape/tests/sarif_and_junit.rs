//! SARIF (validated against the official 2.1.0 schema) and JUnit XML.

mod common;

use common::*;
use sha2::{Digest, Sha256};
use shipshape_report::{junit, sarif};

/// The vendored schema, after checking it is the file we recorded.
fn sarif_schema() -> serde_json::Value {
    let path = manifest_dir().join("tests/data/sarif-schema-2.1.0.json");
    let bytes = std::fs::read(&path).expect("read SARIF schema");
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest, "af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea",
        "tests/data/sarif-schema-2.1.0.json is not the vendored OASIS schema (see tests/data/README.md)"
    );
    let mut schema: serde_json::Value = serde_json::from_slice(&bytes).expect("parse SARIF schema");
    // The 2.1.0 schema's `language` patterns (run, toolComponent) have a
    // stray `]` that strict regex engines refuse when compiling the schema;
    // use the corrected pattern of later schema revisions (shipshape never
    // writes `language`, so this relaxes nothing we emit).
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    let mut fixed = 0;
    for at in [
        "/definitions/run/properties/language/pattern",
        "/definitions/toolComponent/properties/language/pattern",
    ] {
        let pattern = schema.pointer_mut(at).expect("language pattern");
        if pattern == BAD {
            *pattern = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
            fixed += 1;
        }
    }
    assert_eq!(fixed, 2, "the vendored schema is the one we patch");
    schema
}

#[test]
fn sarif_of_every_corpus_repository_is_valid() {
    let schema = sarif_schema();
    let repos = corpus_repos();
    assert!(!repos.is_empty(), "the corpus is beside the workspace");
    for repo in repos {
        let path = repo.to_string_lossy().into_owned();
        let (_, out) = run_cli(&["review", &path, "--format", "sarif", "--fail-on", "none"]);
        let log: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
        assert_valid(&schema, &log, &path);
        let (_, json) = run_cli(&["review", &path, "--format", "json", "--fail-on", "none"]);
        let report: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(
            log["runs"][0]["results"].as_array().map(Vec::len),
            report["findings"].as_array().map(Vec::len),
            "{path}: one result per finding"
        );
    }
}

#[test]
fn sarif_describes_every_rule_and_locates_every_result() {
    let schema = sarif_schema();
    let review = review(&fixture("small-repo"), "small-repo");
    let report = waive_repository_findings(&review.report);
    let log = sarif::document(
        &report,
        &shipshape_rules::all_rules()
            .iter()
            .map(|r| r.meta())
            .collect::<Vec<_>>(),
    );
    assert_valid(&schema, &log, "fixture SARIF");
    // The schema check has teeth: a level SARIF does not know is refused.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = serde_json::json!("critical");
    assert!(!jsonschema::validator_for(&schema)
        .expect("schema compiles")
        .is_valid(&bad));
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), shipshape_rules::all_rules().len());
    for (d, r) in rules.iter().zip(shipshape_rules::all_rules()) {
        let m = r.meta();
        assert_eq!(d["id"], m.code);
        assert_eq!(d["name"], m.name);
        assert_eq!(d["defaultConfiguration"]["level"], sarif::level(m.severity));
        assert!(d["help"]["markdown"]
            .as_str()
            .is_some_and(|h| h.contains("## How to fix") && h.contains("```")));
        let tags = d["properties"]["tags"].as_array().expect("tags");
        assert!(tags.contains(&serde_json::json!(m.category.id())));
        let sec = &d["properties"]["security-severity"];
        assert_eq!(
            sec.is_string(),
            m.category == shipshape_model::Category::Security,
            "{}: security-severity only on security rules",
            m.name
        );
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        report.findings.len() + report.suppressed.len()
    );
    for res in results {
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        assert!(res["partialFingerprints"][sarif::FINGERPRINT_KEY].is_string());
    }
    // The file finding has a region; the waived repository-level one sits
    // on the root and carries its suppression.
    let db = results
        .iter()
        .find(|r| r["ruleId"] == "REL004")
        .expect("REL004");
    let region = &db["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        db["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/main.tf"
    );
    assert!(region["startLine"].as_u64() < region["endLine"].as_u64());
    let trail = results
        .iter()
        .find(|r| r["ruleId"] == "GOV001")
        .expect("GOV001");
    assert_eq!(
        trail["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "."
    );
    assert_eq!(trail["suppressions"][0]["status"], "accepted");
    assert!(db.get("suppressions").is_none());
    // What could not be evaluated is said, as notifications.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), report.diagnostics.len());
}

#[test]
fn junit_has_a_suite_per_category_and_a_case_per_rule() {
    let review = review(&fixture("small-repo"), "small-repo");
    let metas: Vec<_> = shipshape_rules::all_rules()
        .iter()
        .map(|r| r.meta())
        .filter(|m| SNAPSHOT_RULES.contains(&m.name))
        .collect();
    let xml = junit::render(&review.report, &metas);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    // A case per rule, plus one listing what could not be evaluated.
    assert_eq!(
        xml.matches("classname=\"shipshape.diagnostics\"").count(),
        1
    );
    assert_eq!(xml.matches("<testcase ").count(), metas.len() + 1);
    assert_eq!(xml.matches("<testsuite ").count(), 3);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(xml.contains("infra/main.tf:11 [medium] database `aws_db_instance.orders`"));
    insta::assert_snapshot!("junit", xml);
}

#[test]
fn junit_escapes_repository_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_db_instance\" \"a<b>&\\\"c\" {\n  engine = \"postgres\"\n}\n",
    )
    .expect("write");
    let review = review(dir.path(), "hostile");
    let metas: Vec<_> = shipshape_rules::all_rules()
        .iter()
        .map(|r| r.meta())
        .collect();
    let xml = junit::render(&review.report, &metas);
    assert!(xml.contains("a&lt;b&gt;&amp;&quot;c"), "{xml}");
    assert!(!xml.contains("a<b>"));
}
