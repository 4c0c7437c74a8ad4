//! The JSON report: the contract's schema_version 1.

use crate::Report;
use serde::Serialize;
use shipshape_model::Finding;

pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and a Report always serialises.
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the report to `out`: a monorepo's report runs to hundreds of
/// megabytes, which need not be held as one string. The findings, nearly
/// all of those bytes, are formatted in parallel, a batch at a time; the
/// bytes are exactly serde_json's pretty printing of the whole report.
pub fn write(report: &Report, mut out: impl std::io::Write) -> std::io::Result<()> {
    let head = serde_json::to_string_pretty(&Outline::of(report)).map_err(std::io::Error::other)?;
    // The marker is the first string a NUL can be in: the fields before
    // the findings are numbers, names and a path.
    let (before, after) = head.split_once(FINDINGS_MARKER).ok_or_else(|| {
        std::io::Error::other("the findings marker is missing from the report outline")
    })?;
    out.write_all(before.as_bytes())?;
    write_findings(&report.findings, &mut out)?;
    out.write_all(after.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Findings printed per batch: enough for every thread to print runs in
/// parallel, few enough that two batches of text stay a few megabytes.
const BATCH: usize = 2048;

/// The findings array at the nesting of a report field, as serde_json's
/// pretty printer writes it: each element two levels in.
///
/// Batches are printed in parallel, and the next batch is printed while
/// this thread writes the last one: a monorepo's findings are hundreds of
/// megabytes, and writing them is not free.
fn write_findings(findings: &[Finding], out: &mut impl std::io::Write) -> std::io::Result<()> {
    if findings.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let mut batches = findings.chunks(BATCH);
    let mut printed = batches.next().map(print_batch).transpose()?;
    let mut first = true;
    while let Some(texts) = printed.take() {
        let mut next = None;
        rayon::in_place_scope(|s| {
            if let Some(batch) = batches.next() {
                s.spawn(|_| next = Some(print_batch(batch)));
            }
            for text in &texts {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(text)?;
            }
            Ok::<(), std::io::Error>(())
        })?;
        printed = next.transpose()?;
    }
    out.write_all(b"\n  ]")
}

/// One batch of findings, printed in runs in parallel.
fn print_batch(batch: &[Finding]) -> std::io::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    const CHUNK: usize = 256;
    batch.par_chunks(CHUNK).map(elements).collect()
}

/// A run of findings as elements of a report field, comma-separated, each
/// after its line break and indentation. serde_json prints them inside a
/// one-field object, which puts them at exactly that nesting; the object's
/// own opening and closing lines are cut off.
fn elements(findings: &[Finding]) -> std::io::Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Field<'a> {
        f: &'a [Finding],
    }
    const OPEN: &[u8] = b"{\n  \"f\": [";
    const CLOSE: &[u8] = b"\n  ]\n}";
    let mut printed = serde_json::to_vec_pretty(&Field { f: findings })?;
    if !(printed.starts_with(OPEN) && printed.ends_with(CLOSE))
        || printed.len() < OPEN.len() + CLOSE.len()
    {
        return Err(std::io::Error::other(
            "unexpected shape of a printed findings run",
        ));
    }
    // Cut in place: the run is most of the buffer.
    printed.truncate(printed.len() - CLOSE.len());
    printed.drain(..OPEN.len());
    Ok(printed)
}

const FINDINGS_MARKER: &str = "\"\\u0000findings\\u0000\"";

/// The report with a marker in place of its findings, field for field in
/// the order of [`Report`] (a test holds the two together).
#[derive(Serialize)]
struct Outline<'a> {
    schema_version: u32,
    tool: &'a crate::report::Tool,
    root: &'a str,
    profile: shipshape_model::Profile,
    score: u32,
    grade: &'a str,
    decision: &'a str,
    categories: &'a [crate::report::CategoryScore],
    findings: &'static str,
    suppressed: &'a [Finding],
    diagnostics: &'a [shipshape_model::Diagnostic],
    delta: &'a Option<crate::report::Delta>,
}

impl<'a> Outline<'a> {
    fn of(r: &'a Report) -> Self {
        Outline {
            schema_version: r.schema_version,
            tool: &r.tool,
            root: &r.root,
            profile: r.profile,
            score: r.score,
            grade: &r.grade,
            decision: &r.decision,
            categories: &r.categories,
            findings: "\0findings\0",
            suppressed: &r.suppressed,
            diagnostics: &r.diagnostics,
            delta: &r.delta,
        }
    }
}

/// Reads a JSON report (for `--baseline`).
pub fn parse(text: &str) -> Result<Report, String> {
    let report: Report = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if report.schema_version != crate::SCHEMA_VERSION {
        return Err(format!(
            "schema_version {} is not supported (expected {})",
            report.schema_version,
            crate::SCHEMA_VERSION
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_model::{Category, Diagnostic, DiagnosticKind, Profile, Severity, Suppression};

    fn finding(i: usize) -> Finding {
        Finding {
            rule: "rds-not-multi-az".into(),
            code: "REL001".into(),
            category: Category::Reliability,
            severity: Severity::High,
            // Quotes, backslashes, a newline and non-ASCII: escaped in JSON.
            message: format!("`db{i}` \"single\" AZ\\ — line\nbreak"),
            file: (i & 3 != 0).then(|| format!("infra/{i}/main.tf")),
            line: Some(i as u32),
            end_line: None,
            resource: Some(format!("aws_db_instance.db{i}")),
            fingerprint: format!("{i:016x}"),
            remediation: "multi_az = true\n".into(),
            effort_hours: [1, 4],
            suppressed_by: None,
        }
    }

    fn report(findings: usize) -> Report {
        let mut waived = finding(999_999);
        waived.suppressed_by = Some(Box::new(Suppression {
            reason: "batch copy".into(),
            owner: Some("data".into()),
            expires: None,
            source: "shipshape.toml".into(),
            inline: false,
        }));
        let mut r = Report::new(
            "/repo/with \"quotes\"",
            Profile::Prod,
            (0..findings).map(finding).collect(),
            vec![waived],
            vec![Diagnostic::new(
                DiagnosticKind::ParseError,
                Some("bad.tf".into()),
                Some(3),
                "unexpected `}`",
            )],
        );
        let base = r.clone();
        r.delta = Some(crate::delta::compare(&base, &r));
        r
    }

    /// The streamed report is byte for byte serde_json's pretty printing
    /// of the whole report: with no findings, a few, and across batches.
    #[test]
    fn streamed_report_is_serde_json_pretty_output() {
        for n in [0, 1, 3, BATCH + 5] {
            let r = report(n);
            let mut streamed = Vec::new();
            write(&r, &mut streamed).unwrap();
            let mut whole = serde_json::to_vec_pretty(&r).unwrap();
            whole.push(b'\n');
            assert!(streamed == whole, "{n} findings: the streamed JSON differs");
            let back = parse(std::str::from_utf8(&streamed).unwrap()).unwrap();
            assert_eq!(back, r);
        }
    }
}
