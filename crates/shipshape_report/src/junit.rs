//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins,
//! Azure DevOps, CircleCI).
//!
//! One `<testsuite>` per category and one `<testcase>` per rule that ran;
//! a rule with findings fails, and its `<failure>` lists each finding as
//! `file:line: message`. Hand-written rather than with quick-junit: the
//! format is five elements, and the one subtle part, escaping repository
//! text (including characters XML 1.0 cannot carry at all), is done and
//! tested here.

use crate::Report;
use shipshape_model::{Category, Finding};
use shipshape_rules::RuleMeta;
use std::fmt::Write;

/// Escapes text for an XML attribute value or text node, replacing the
/// characters XML 1.0 forbids (most control characters) with U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn place(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => "(repository)".to_string(),
    }
}

/// Renders the report; `rules` are the rules that ran (one testcase each).
pub fn render(report: &Report, rules: &[&RuleMeta]) -> String {
    let mut suites = String::new();
    let (mut total, mut failed) = (0usize, 0usize);
    for category in Category::ALL {
        let in_cat: Vec<&&RuleMeta> = rules.iter().filter(|m| m.category == category).collect();
        if in_cat.is_empty() {
            continue;
        }
        let mut cases = String::new();
        let mut cat_failed = 0;
        for m in &in_cat {
            let findings: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.code == m.code)
                .collect();
            let waived = report
                .suppressed
                .iter()
                .filter(|f| f.code == m.code)
                .count();
            let notes: Vec<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.rule.as_deref() == Some(m.name))
                .map(|d| match (&d.file, d.line) {
                    (Some(f), Some(l)) => format!("{f}:{l}: {}", d.message),
                    (Some(f), None) => format!("{f}: {}", d.message),
                    _ => d.message.clone(),
                })
                .collect();
            let _ = write!(
                cases,
                "    <testcase name=\"{} {}\" classname=\"shipshape.{}\" time=\"0\"",
                escape(m.code),
                escape(m.name),
                category.id()
            );
            if findings.is_empty() && waived == 0 && notes.is_empty() {
                cases.push_str("/>\n");
                continue;
            }
            cases.push_str(">\n");
            if !findings.is_empty() {
                cat_failed += 1;
                let worst = findings
                    .iter()
                    .map(|f| f.severity)
                    .max()
                    .unwrap_or(m.severity);
                let summary = if findings.len() == 1 {
                    format!("{}: {}", place(findings[0]), findings[0].message)
                } else {
                    format!("{} findings, worst {}", findings.len(), worst.id())
                };
                let mut body = String::new();
                for f in &findings {
                    let _ = writeln!(body, "{} [{}] {}", place(f), f.severity.id(), f.message);
                    if let Some(res) = &f.resource {
                        let _ = writeln!(body, "  resource: {res}");
                    }
                }
                let _ = writeln!(body, "How to fix: shipshape explain {}", m.name);
                let _ = writeln!(
                    cases,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(&summary),
                    worst.id(),
                    escape(&body)
                );
            }
            if waived > 0 || !notes.is_empty() {
                let mut out = String::new();
                if waived > 0 {
                    let _ = writeln!(out, "{waived} finding(s) waived by configuration");
                }
                for n in &notes {
                    let _ = writeln!(out, "not evaluated: {n}");
                }
                let _ = writeln!(cases, "      <system-out>{}</system-out>", escape(&out));
            }
            cases.push_str("    </testcase>\n");
        }
        total += in_cat.len();
        failed += cat_failed;
        let score = report
            .category(category)
            .map(|c| format!("{} ({})", c.score, c.grade))
            .unwrap_or_default();
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{cat_failed}\" errors=\"0\" skipped=\"0\" time=\"0\">\n    <properties>\n      <property name=\"score\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
            category.id(),
            in_cat.len(),
            escape(&score)
        );
    }
    // The diagnostics suite below adds one (passing) case.
    total += usize::from(!report.diagnostics.is_empty());
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"shipshape review of {}: {} ({}), {}\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"0\">",
        escape(&report.root),
        report.score,
        escape(&report.grade),
        escape(&report.decision)
    );
    o.push_str(&suites);
    if !report.diagnostics.is_empty() {
        // Files the review could not read stay visible in CI: one passing
        // case whose output says what was not evaluated.
        let mut out = String::new();
        for d in &report.diagnostics {
            let where_ = match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            let _ = writeln!(out, "{} {where_}{}", d.kind.id(), d.message);
        }
        let _ = write!(
            o,
            "  <testsuite name=\"diagnostics\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n    <testcase name=\"what the review could not evaluate\" classname=\"shipshape.diagnostics\" time=\"0\">\n      <system-out>{}</system-out>\n    </testcase>\n  </testsuite>\n",
            escape(&out)
        );
    }
    o.push_str("</testsuites>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_forbidden_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}\u{0}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\u{FFFD}\u{FFFD}"
        );
        assert_eq!(escape("tab\tnew\nline"), "tab\tnew\nline");
    }
}
