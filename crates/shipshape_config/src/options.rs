//! The file as written: every key optional, unknown keys refused, spans
//! kept so that errors point at `file:line`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// Every top-level key, for "did you mean" on a misspelt one.
pub(crate) const TOP_KEYS: &[&str] = &[
    "profile",
    "severity",
    "disable",
    "ignore",
    "max_file_size",
    "inline_waivers",
    "waiver",
];

/// Every key of a `[[waiver]]` table.
pub(crate) const WAIVER_KEYS: &[&str] = &["rule", "path", "resource", "reason", "owner", "expires"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// `prod`, `staging` or `dev`.
    pub profile: Option<Spanned<String>>,
    /// Rule name to severity (`blocker`, `high`, `medium`, `low`).
    pub severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// Rules not to run.
    pub disable: Option<Vec<Spanned<String>>>,
    /// Globs of paths (relative to the root) not to read.
    pub ignore: Option<Vec<Spanned<String>>>,
    /// Files larger than this many bytes are skipped (a diagnostic says so).
    pub max_file_size: Option<Spanned<i64>>,
    /// Whether `shipshape:ignore` comments are honoured (default true).
    pub inline_waivers: Option<bool>,
    #[serde(default, rename = "waiver")]
    pub waivers: Vec<Spanned<WaiverOptions>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverOptions {
    pub rule: Spanned<String>,
    pub path: Option<Spanned<String>>,
    pub resource: Option<String>,
    pub reason: Spanned<String>,
    pub owner: Option<String>,
    /// A TOML date (`2027-01-31`) or a string in that form.
    pub expires: Option<Spanned<toml::Value>>,
}
