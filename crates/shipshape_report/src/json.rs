//! The JSON report: the contract's schema_version 1.

use crate::Report;

pub fn render(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
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
