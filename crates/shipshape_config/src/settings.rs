//! Validated, resolved settings, and configuration errors as `file:line`.

use crate::options::{Options, TOP_KEYS, WAIVER_KEYS};
use crate::suggest::hint;
use crate::Date;
use globset::{Glob, GlobMatcher};
use shipshape_model::{Profile, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration problem: exit status 2, shown as `file:line: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A `[[waiver]]` from the file, ready to match findings.
#[derive(Debug, Clone)]
pub struct ConfigWaiver {
    pub rule: String,
    /// The glob as written, and its matcher.
    pub path: Option<(String, GlobMatcher)>,
    pub resource: Option<String>,
    pub reason: String,
    pub owner: Option<String>,
    pub expires: Option<Date>,
    /// Line of the `[[waiver]]` entry in the file.
    pub line: u32,
}

/// What a review uses: the file's options, validated. Command-line flags
/// are applied on top by the caller (they win).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file these settings came from (`None`: defaults).
    pub file: Option<PathBuf>,
    pub profile: Option<Profile>,
    pub severity: BTreeMap<String, Severity>,
    pub disabled: BTreeSet<String>,
    pub ignore: Vec<String>,
    pub max_file_size: Option<u64>,
    pub inline_waivers: bool,
    pub waivers: Vec<ConfigWaiver>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            file: None,
            profile: None,
            severity: BTreeMap::new(),
            disabled: BTreeSet::new(),
            ignore: Vec::new(),
            max_file_size: None,
            inline_waivers: true,
            waivers: Vec::new(),
        }
    }
}

/// Configuration files are small; a huge one is a mistake.
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

impl Settings {
    /// Reads and validates a configuration file against the known rules.
    pub fn load(path: &Path, rules: &[&str]) -> Result<Settings, ConfigError> {
        let err = |message: String| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
        if meta.len() > MAX_CONFIG_SIZE {
            return Err(err(format!("larger than {MAX_CONFIG_SIZE} bytes")));
        }
        let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| err("not UTF-8 text".into()))?;
        Settings::parse(&text, path, rules)
    }

    /// Parses and validates configuration text (`file` names it in errors).
    pub fn parse(text: &str, file: &Path, rules: &[&str]) -> Result<Settings, ConfigError> {
        let at = |span: Option<Range<usize>>, message: String| ConfigError {
            file: file.to_path_buf(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let options: Options = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            at(e.span(), improve_serde_message(&message))
        })?;

        let mut s = Settings {
            file: Some(file.to_path_buf()),
            ..Settings::default()
        };
        let known_rule =
            |name: &toml::Spanned<String>, what: &str| -> Result<String, ConfigError> {
                let n = name.get_ref();
                if rules.contains(&n.as_str()) {
                    Ok(n.clone())
                } else {
                    Err(at(
                        Some(name.span()),
                        format!(
                            "{what}: no rule named `{n}`{}",
                            hint(n, rules.iter().copied())
                        ),
                    ))
                }
            };
        if let Some(p) = &options.profile {
            s.profile = Some(Profile::parse(p.get_ref()).ok_or_else(|| {
                at(
                    Some(p.span()),
                    format!(
                        "profile: `{}` is not a profile (expected `prod`, `staging` or `dev`){}",
                        p.get_ref(),
                        hint(p.get_ref(), ["prod", "staging", "dev"])
                    ),
                )
            })?);
        }
        for (rule, sev) in options.severity.iter().flatten() {
            let rule = known_rule(rule, "[severity]")?;
            let level = Severity::parse(sev.get_ref()).ok_or_else(|| {
                at(
                    Some(sev.span()),
                    format!(
                        "[severity] {rule}: `{}` is not a severity (expected `blocker`, `high`, `medium` or `low`){}",
                        sev.get_ref(),
                        hint(sev.get_ref(), ["blocker", "high", "medium", "low"])
                    ),
                )
            })?;
            s.severity.insert(rule, level);
        }
        for rule in options.disable.iter().flatten() {
            s.disabled.insert(known_rule(rule, "disable")?);
        }
        for g in options.ignore.iter().flatten() {
            Glob::new(g.get_ref()).map_err(|e| {
                at(
                    Some(g.span()),
                    format!("ignore: bad glob `{}`: {}", g.get_ref(), e.kind()),
                )
            })?;
            s.ignore.push(g.get_ref().clone());
        }
        if let Some(m) = &options.max_file_size {
            let v = *m.get_ref();
            if v <= 0 {
                return Err(at(
                    Some(m.span()),
                    format!("max_file_size: {v} is not a positive number of bytes"),
                ));
            }
            s.max_file_size = Some(v as u64);
        }
        if let Some(b) = options.inline_waivers {
            s.inline_waivers = b;
        }
        for w in &options.waivers {
            let line = line_of(text, w.span().start);
            let w = w.get_ref();
            let rule = known_rule(&w.rule, "[[waiver]] rule")?;
            let reason = w.reason.get_ref().trim();
            if reason.is_empty() {
                return Err(at(
                    Some(w.reason.span()),
                    "[[waiver]] reason: say why the risk is accepted".into(),
                ));
            }
            let path = match &w.path {
                Some(p) => {
                    let glob = Glob::new(p.get_ref()).map_err(|e| {
                        at(
                            Some(p.span()),
                            format!("[[waiver]] path: bad glob `{}`: {}", p.get_ref(), e.kind()),
                        )
                    })?;
                    Some((p.get_ref().clone(), glob.compile_matcher()))
                }
                None => None,
            };
            let expires = match &w.expires {
                None => None,
                Some(v) => Some(parse_expiry(v.get_ref()).ok_or_else(|| {
                    at(
                        Some(v.span()),
                        "[[waiver]] expires: expected a date `YYYY-MM-DD`".into(),
                    )
                })?),
            };
            s.waivers.push(ConfigWaiver {
                rule,
                path,
                resource: w.resource.clone(),
                reason: reason.to_string(),
                owner: w.owner.clone(),
                expires,
                line,
            });
        }
        Ok(s)
    }

    /// Where a waiver from this file is written, for reports.
    pub fn waiver_source(&self, w: &ConfigWaiver) -> String {
        let name = self
            .file
            .as_deref()
            .and_then(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| crate::FILE_NAME.to_string());
        format!("{name}:{}", w.line)
    }
}

fn parse_expiry(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::String(s) => Date::parse(s.trim()),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            Date::parse(&dt.to_string())
        }
        _ => None,
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

/// serde's "unknown field `x`, expected one of ..." gains a did-you-mean.
fn improve_serde_message(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.replace("expected i64", "expected an integer");
    };
    let Some((field, _)) = rest.split_once('`') else {
        return message.to_string();
    };
    // The waiver table's keys are distinct from the top-level ones.
    let waiver_only = WAIVER_KEYS
        .iter()
        .any(|k| message.contains(&format!("`{k}`")))
        && message.contains("`reason`");
    let keys = if waiver_only { WAIVER_KEYS } else { TOP_KEYS };
    let expected = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "unknown key `{field}`{} (expected one of {expected})",
        hint(field, keys.iter().copied())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["rds-not-multi-az", "cloudtrail-missing"];

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, Path::new("shipshape.toml"), RULES)
    }

    #[test]
    fn full_file_resolves() {
        let s = parse(
            r#"
profile = "staging"
disable = ["cloudtrail-missing"]
ignore = ["vendor/**", "**/*.generated.tf"]
max_file_size = 2048
inline_waivers = false

[severity]
rds-not-multi-az = "medium"

[[waiver]]
rule = "rds-not-multi-az"
path = "infra/**"
resource = "aws_db_instance.main"
reason = "single-AZ accepted for the staging copy"
owner = "platform-team"
expires = 2027-03-31

[[waiver]]
rule = "rds-not-multi-az"
reason = "string dates work too"
expires = "2027-04-01"
"#,
        )
        .unwrap();
        assert_eq!(s.profile, Some(Profile::Staging));
        assert!(s.disabled.contains("cloudtrail-missing"));
        assert_eq!(s.ignore.len(), 2);
        assert_eq!(s.max_file_size, Some(2048));
        assert!(!s.inline_waivers);
        assert_eq!(s.severity["rds-not-multi-az"], Severity::Medium);
        assert_eq!(s.waivers.len(), 2);
        let w = &s.waivers[0];
        assert_eq!(w.line, 11);
        assert_eq!(w.expires.unwrap().to_string(), "2027-03-31");
        assert!(w.path.as_ref().unwrap().1.is_match("infra/db/main.tf"));
        assert_eq!(s.waivers[1].expires, Date::parse("2027-04-01"));
        assert_eq!(s.waiver_source(w), "shipshape.toml:11");
    }

    #[test]
    fn empty_file_is_defaults() {
        let s = parse("# nothing yet\n").unwrap();
        assert!(s.inline_waivers && s.waivers.is_empty() && s.profile.is_none());
    }

    #[test]
    fn misspelt_key_names_line_and_suggests() {
        let e = parse("profile = \"prod\"\n\n[sevrity]\nrds-not-multi-az = \"low\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("did you mean `severity`?"), "{e}");
        assert!(e.to_string().starts_with("shipshape.toml:3: "), "{e}");

        let e = parse("[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \"x\"\nowners = \"me\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("did you mean `owner`?"), "{e}");
    }

    #[test]
    fn misspelt_rule_names_suggest() {
        let e = parse("disable = [\n  \"cloudtrial-missing\",\n]\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(
            e.message.contains("did you mean `cloudtrail-missing`?"),
            "{e}"
        );
        let e = parse("[severity]\nrds-multi-az = \"low\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("`rds-not-multi-az`"), "{e}");
        let e = parse("[[waiver]]\nrule = \"nope\"\nreason = \"r\"\n").unwrap_err();
        assert!(e.message.contains("no rule named `nope`"), "{e}");
    }

    #[test]
    fn bad_values_are_errors_with_lines() {
        for (text, line, needle) in [
            ("profile = \"prd\"\n", 1, "did you mean `prod`"),
            ("[severity]\nrds-not-multi-az = \"critical\"\n", 2, "not a severity"),
            ("max_file_size = -1\n", 1, "positive"),
            ("max_file_size = \"big\"\n", 1, "integer"),
            ("ignore = [\"a/[b\"]\n", 1, "bad glob"),
            ("inline_waivers = \"no\"\n", 1, "bool"),
            ("[[waiver]]\nrule = \"rds-not-multi-az\"\n", 1, "reason"),
            ("[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \" \"\n", 3, "say why"),
            ("[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \"r\"\nexpires = \"31/12/2027\"\n", 4, "YYYY-MM-DD"),
            ("[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \"r\"\nexpires = 2027-01-01T10:00:00Z\n", 4, "YYYY-MM-DD"),
            ("profile = \n", 1, ""),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn starter_file_is_valid() {
        let s = Settings::parse(crate::STARTER, Path::new("shipshape.toml"), RULES).unwrap();
        assert!(s.inline_waivers);
    }
}
