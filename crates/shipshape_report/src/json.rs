//! The JSON report: the contract's schema_version 1.

use crate::Report;

pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and a Report always serialises.
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the report to `out`: a monorepo's report runs to hundreds of
/// megabytes, which need not be held as one string.
pub fn write(report: &Report, mut out: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
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
