//! SARIF 2.1.0, for GitHub code scanning and every tool that reads it.
//!
//! Built with `serde_json` directly rather than serde-sarif: we write a
//! small subset of the format, serde-sarif's generated types pull in a code
//! generator (schemafy, syn 1), chrono and futures, and its builders would
//! not catch more than the test that validates our output against the
//! official schema (`tests/data/sarif-schema-2.1.0.json`).
//!
//! Mapping: one `reportingDescriptor` per rule (id = code, name = rule
//! name, descriptions and help from the rule's doc sections), one result per
//! finding (the ones in `suppressed` carry a `suppressions` entry), the
//! fingerprint as a partial fingerprint, and the review's diagnostics as
//! tool execution notifications (what the review could not evaluate).

use crate::Report;
use serde_json::{json, Map, Value};
use shipshape_model::{Category, Diagnostic, DiagnosticKind, Finding, Severity, Suppression};
use shipshape_rules::RuleMeta;

/// The key under which our fingerprint goes in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "shipshape/v1";

/// The SARIF level for a severity: only blockers are `error` (they make
/// the decision no-go), as in the terminal report.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "error",
        Severity::High => "warning",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` (0.1–10.0; 9+ critical, 7+ high, 4+ medium).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

pub fn render(report: &Report) -> String {
    let rules: Vec<&'static RuleMeta> = shipshape_rules::all_rules()
        .into_iter()
        .map(|r| r.meta())
        .collect();
    let mut s = serde_json::to_string_pretty(&document(report, &rules))
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The SARIF log as a JSON value, with `rules` as the tool's descriptors.
pub fn document(report: &Report, rules: &[&RuleMeta]) -> Value {
    let descriptors: Vec<Value> = rules.iter().map(|m| descriptor(m)).collect();
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rules, None))
        .collect();
    results.extend(report.suppressed.iter().map(|f| {
        let waiver = f
            .suppressed_by
            .as_deref()
            .cloned()
            .unwrap_or_else(|| Suppression {
                reason: "waived".into(),
                owner: None,
                expires: None,
                source: "shipshape.toml".into(),
                inline: false,
            });
        result(f, rules, Some(&waiver))
    }));
    let notifications: Vec<Value> = report.diagnostics.iter().map(notification).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": descriptors,
                }
            },
            "automationDetails": { "id": format!("shipshape/{}/", report.profile.id()) },
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The root of the reviewed repository." } }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "score": report.score,
                "grade": report.grade,
                "decision": report.decision,
                "profile": report.profile.id(),
                "categories": report.categories.iter().map(|c| json!({
                    "id": c.id.id(), "score": c.score, "grade": c.grade, "findings": c.findings,
                })).collect::<Vec<_>>(),
            },
        }]
    })
}

fn descriptor(m: &RuleMeta) -> Value {
    let docs = m.docs();
    let what = flatten(docs.section("What it finds").unwrap_or(""));
    let why = flatten(docs.section("Why it matters").unwrap_or(""));
    let full = if why.is_empty() {
        what.clone()
    } else {
        format!("{what} {why}")
    };
    let mut markdown = String::new();
    let mut text = String::new();
    for (title, body) in &docs.sections {
        markdown.push_str(&format!("## {title}\n\n{body}\n\n"));
        text.push_str(&format!("{title}:\n{body}\n\n"));
    }
    markdown.push_str(&format!(
        "Category: {} · Default severity: {} · Effort per finding: {}–{} hours\n",
        m.category.id(),
        m.severity.id(),
        m.effort[0],
        m.effort[1]
    ));
    let tags = vec![
        Value::from(m.category.id()),
        Value::from("production-readiness"),
    ];
    let mut properties = Map::new();
    if m.category == Category::Security {
        // GitHub only treats results as security alerts with the
        // `security` tag, which the category already is.
        properties.insert(
            "security-severity".into(),
            Value::from(security_severity(m.severity)),
        );
    }
    properties.insert("tags".into(), Value::from(tags));
    properties.insert("precision".into(), Value::from("high"));
    properties.insert("category".into(), Value::from(m.category.id()));
    properties.insert("severity".into(), Value::from(m.severity.id()));
    json!({
        "id": m.code,
        "name": m.name,
        "shortDescription": { "text": non_empty(docs.summary(), m.name) },
        "fullDescription": { "text": non_empty(full, m.name) },
        "help": { "text": text.trim_end(), "markdown": markdown.trim_end() },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": properties,
    })
}

fn result(f: &Finding, rules: &[&RuleMeta], suppressed_by: Option<&Suppression>) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), Value::from(f.code.as_str()));
    if let Some(i) = rules.iter().position(|m| m.code == f.code) {
        r.insert("ruleIndex".into(), Value::from(i));
    }
    r.insert("level".into(), Value::from(level(f.severity)));
    r.insert("message".into(), json!({ "text": f.message }));
    let mut location = Map::new();
    location.insert("physicalLocation".into(), physical(f));
    if let Some(res) = &f.resource {
        location.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": res, "kind": "resource" }]),
        );
    }
    r.insert("locations".into(), json!([location]));
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: f.fingerprint }),
    );
    if let Some(w) = suppressed_by {
        // A waiver in shipshape.toml is external; a `shipshape:ignore`
        // comment beside the code is in source.
        let kind = if w.inline { "inSource" } else { "external" };
        let mut props = Map::new();
        props.insert("source".into(), Value::from(w.source.as_str()));
        if let Some(owner) = &w.owner {
            props.insert("owner".into(), Value::from(owner.as_str()));
        }
        if let Some(expires) = &w.expires {
            props.insert("expires".into(), Value::from(expires.as_str()));
        }
        r.insert(
            "suppressions".into(),
            json!([{
                "kind": kind,
                "status": "accepted",
                "justification": w.reason,
                "properties": props,
            }]),
        );
    }
    r.insert(
        "properties".into(),
        json!({
            "rule": f.rule,
            "category": f.category.id(),
            "severity": f.severity.id(),
            "effort_hours": f.effort_hours,
            "remediation": f.remediation,
        }),
    );
    Value::Object(r)
}

/// A finding's file and lines; a repository-level finding points at the
/// repository root (uri `.`), because code scanning needs a location.
fn physical(f: &Finding) -> Value {
    let uri = f
        .file
        .as_deref()
        .map(uri_path)
        .unwrap_or_else(|| ".".into());
    let mut p = Map::new();
    p.insert(
        "artifactLocation".into(),
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" }),
    );
    if let (Some(_), Some(line)) = (&f.file, f.line) {
        let line = line.max(1);
        let end = f.end_line.unwrap_or(line).max(line);
        p.insert(
            "region".into(),
            json!({ "startLine": line, "endLine": end }),
        );
    }
    Value::Object(p)
}

fn notification(d: &Diagnostic) -> Value {
    let level = match d.kind {
        DiagnosticKind::ParseError | DiagnosticKind::Skipped | DiagnosticKind::Waiver => "warning",
        DiagnosticKind::Unevaluated => "note",
    };
    let mut n = Map::new();
    n.insert("level".into(), Value::from(level));
    n.insert("message".into(), json!({ "text": d.message }));
    n.insert(
        "descriptor".into(),
        json!({ "id": format!("shipshape/{}", d.kind.id()) }),
    );
    if let Some(file) = &d.file {
        let mut p = Map::new();
        p.insert(
            "artifactLocation".into(),
            json!({ "uri": uri_path(file), "uriBaseId": "%SRCROOT%" }),
        );
        if let Some(line) = d.line {
            p.insert("region".into(), json!({ "startLine": line.max(1) }));
        }
        n.insert("locations".into(), json!([{ "physicalLocation": p }]));
    }
    if let Some(rule) = &d.rule {
        n.insert("properties".into(), json!({ "rule": rule }));
    }
    Value::Object(n)
}

/// A relative path as a URI reference: every byte outside the unreserved
/// set and `/` is percent-encoded (file names may hold spaces, `#`, `%`...).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn flatten(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(s: String, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("infra/main.tf"), "infra/main.tf");
        assert_eq!(uri_path("a b/#1%.tf"), "a%20b/%231%25.tf");
        assert_eq!(uri_path("é.tf"), "%C3%A9.tf");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Blocker), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
    }
}
