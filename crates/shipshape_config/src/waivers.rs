//! Waivers: accepted risks, from `[[waiver]]` entries in `shipshape.toml`
//! and from inline comments next to the evidence:
//!
//! ```text
//! # shipshape:ignore rds-not-multi-az until=2027-03-31 -- reporting copy, rebuilt nightly
//! resource "aws_db_instance" "reporting" {
//! ```
//!
//! An inline waiver covers the line it ends (a trailing comment) or, on a
//! line of its own, the first line of code below it (other comment lines
//! in between are skipped). A waived finding moves to `suppressed`; an
//! expired waiver hides nothing and says so; a waiver that matches nothing
//! is reported as stale; so is every problem with a waiver. Waiver problems
//! are diagnostics of kind `waiver`, never errors of the run.

use crate::suggest::hint;
use crate::{Date, Settings};
use shipshape_model::{Diagnostic, DiagnosticKind, Finding, Suppression};
use std::collections::HashMap;

const DIRECTIVE: &str = "shipshape:ignore";

/// Findings after waivers, the suppressed ones, and what was wrong with
/// the waivers.
#[derive(Debug, Default)]
pub struct Applied {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A `shipshape:ignore` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineWaiver {
    pub file: String,
    /// Line of the comment.
    pub line: u32,
    /// The line of code it covers.
    pub target: u32,
    pub rules: Vec<String>,
    pub until: Option<Date>,
    pub reason: String,
}

/// Whether a file's text may hold an inline waiver (`apply` reads only
/// those texts).
pub fn mentions_waiver(text: &str) -> bool {
    text.contains(DIRECTIVE)
}

/// Applies the configured and inline waivers to `findings`. `files` are
/// the reviewed files (path relative to the root, text); `rules` the
/// known rule names.
pub fn apply(
    findings: Vec<Finding>,
    settings: &Settings,
    files: &[(&str, &str)],
    rules: &[&str],
    today: Date,
) -> Applied {
    let mut out = Applied::default();
    let mut inline = Vec::new();
    for (path, text) in files {
        if !mentions_waiver(text) {
            continue;
        }
        for parsed in scan(path, text) {
            match parsed {
                Ok(w) => {
                    if !settings.inline_waivers {
                        out.diagnostics.push(diag(
                            &w.file,
                            w.line,
                            format!(
                                "inline waiver of {} not honoured: `inline_waivers = false` in {}; \
                                 add a [[waiver]] there instead",
                                w.rules.join(", "),
                                crate::FILE_NAME
                            ),
                        ));
                        continue;
                    }
                    let unknown: Vec<&String> = w
                        .rules
                        .iter()
                        .filter(|r| !rules.contains(&r.as_str()))
                        .collect();
                    if let Some(r) = unknown.first() {
                        out.diagnostics.push(diag(
                            &w.file,
                            w.line,
                            format!(
                                "inline waiver names no known rule `{r}`{}",
                                hint(r, rules.iter().copied())
                            ),
                        ));
                        continue;
                    }
                    inline.push(w);
                }
                Err((line, message)) => out.diagnostics.push(diag(path, line, message)),
            }
        }
    }

    let config_source = |w: &crate::ConfigWaiver| settings.waiver_source(w);
    let config_file = settings
        .file
        .as_deref()
        .and_then(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| crate::FILE_NAME.to_string());
    let mut config_used = vec![false; settings.waivers.len()];
    let mut inline_used = vec![vec![false; 0]; inline.len()];
    for (i, w) in inline.iter().enumerate() {
        inline_used[i] = vec![false; w.rules.len()];
    }

    // Inline waivers by the (file, line) they cover: a finding looks up
    // its own line instead of scanning every waiver of the repository.
    let mut inline_at: HashMap<(&str, u32), Vec<usize>> = HashMap::new();
    for (i, w) in inline.iter().enumerate() {
        inline_at
            .entry((w.file.as_str(), w.target))
            .or_default()
            .push(i);
    }
    // Decided in place: the findings vector is the largest of a monorepo
    // review, so it is not copied; only suppressed findings move out.
    let mut findings = findings;
    let mut suppressions: Vec<(usize, Suppression)> = Vec::new();
    for (index, f) in findings.iter().enumerate() {
        let mut suppression = None;
        for (i, w) in settings.waivers.iter().enumerate() {
            if !config_matches(w, f) {
                continue;
            }
            config_used[i] = true;
            if w.expires.is_some_and(|d| d < today) {
                out.diagnostics.push(diag(
                    &config_file,
                    w.line,
                    format!(
                        "waiver of {} expired on {}: the finding `{}` is reported again",
                        w.rule,
                        w.expires.map(|d| d.to_string()).unwrap_or_default(),
                        f.message
                    ),
                ));
                continue;
            }
            suppression = Some(Suppression {
                reason: w.reason.clone(),
                owner: w.owner.clone(),
                expires: w.expires.map(|d| d.to_string()),
                source: config_source(w),
                inline: false,
            });
            break;
        }
        let candidates = match (suppression.is_none(), f.file.as_deref(), f.line) {
            (true, Some(file), Some(line)) => inline_at.get(&(file, line)),
            _ => None,
        };
        for &i in candidates.into_iter().flatten() {
            let w = &inline[i];
            let Some(k) = w.rules.iter().position(|r| *r == f.rule) else {
                continue;
            };
            inline_used[i][k] = true;
            if w.until.is_some_and(|d| d < today) {
                out.diagnostics.push(diag(
                    &w.file,
                    w.line,
                    format!(
                        "inline waiver of {} expired on {}: the finding is reported again",
                        f.rule,
                        w.until.map(|d| d.to_string()).unwrap_or_default()
                    ),
                ));
                continue;
            }
            suppression = Some(Suppression {
                reason: w.reason.clone(),
                owner: None,
                expires: w.until.map(|d| d.to_string()),
                source: format!("{}:{}", w.file, w.line),
                inline: true,
            });
            break;
        }
        if let Some(s) = suppression {
            suppressions.push((index, s));
        }
    }
    let waived: Vec<usize> = suppressions.iter().map(|(i, _)| *i).collect();
    for (i, s) in suppressions {
        let mut f = findings[i].clone();
        f.suppressed_by = Some(Box::new(s));
        out.suppressed.push(f);
    }
    let mut waived = waived.into_iter().peekable();
    let mut index = 0;
    findings.retain(|_| {
        let keep = waived.next_if_eq(&index).is_none();
        index += 1;
        keep
    });
    out.findings = findings;

    let why_stale = |rule: &str| {
        if settings.disabled.contains(rule) {
            " (the rule is disabled)"
        } else {
            ""
        }
    };
    for (w, used) in settings.waivers.iter().zip(&config_used) {
        if !used {
            out.diagnostics.push(diag(
                &config_file,
                w.line,
                format!(
                    "stale waiver: {} matches no finding{}; remove it",
                    describe_config(w),
                    why_stale(&w.rule)
                ),
            ));
        }
    }
    for (w, used) in inline.iter().zip(&inline_used) {
        for (rule, used) in w.rules.iter().zip(used) {
            if !used {
                // The usual slip: the comment sits above a block whose
                // evidence is a line inside it. Point at that line.
                let nearest = out
                    .findings
                    .iter()
                    .filter(|f| f.rule == *rule && f.file.as_deref() == Some(w.file.as_str()))
                    .filter_map(|f| f.line)
                    .filter(|&l| l > w.target)
                    .min();
                let advice = match nearest {
                    Some(l) => format!(
                        "; the {rule} finding in this file is on line {l}: put the comment there or on the line above it"
                    ),
                    None => "; remove it".to_string(),
                };
                out.diagnostics.push(diag(
                    &w.file,
                    w.line,
                    format!(
                        "stale inline waiver: no {rule} finding on line {}{}{advice}",
                        w.target,
                        why_stale(rule)
                    ),
                ));
            }
        }
    }
    out
}

fn describe_config(w: &crate::ConfigWaiver) -> String {
    let mut s = format!("[[waiver]] rule = \"{}\"", w.rule);
    if let Some((p, _)) = &w.path {
        s.push_str(&format!(", path = \"{p}\""));
    }
    if let Some(r) = &w.resource {
        s.push_str(&format!(", resource = \"{r}\""));
    }
    s
}

fn config_matches(w: &crate::ConfigWaiver, f: &Finding) -> bool {
    if w.rule != f.rule {
        return false;
    }
    if let Some((_, glob)) = &w.path {
        match &f.file {
            Some(file) if glob.is_match(file) => {}
            _ => return false,
        }
    }
    if let Some(want) = &w.resource {
        match &f.resource {
            Some(r) if wildcard(want, r) => {}
            _ => return false,
        }
    }
    true
}

/// `*` matches any run of characters; nothing else is special (resource
/// addresses hold `[`, `]` and `"`, which globs would interpret).
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn diag(file: &str, line: u32, message: String) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::Waiver,
        Some(file.to_string()),
        Some(line),
        message,
    )
}

/// The comment openers of a file's language, by its name.
fn comment_markers(path: &str) -> &'static [&'static str] {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if lower.starts_with("dockerfile")
        || lower.starts_with("containerfile")
        || lower.ends_with(".dockerfile")
    {
        return &["#"];
    }
    match ext {
        "tf" | "hcl" | "tfvars" => &["#", "//", "/*"],
        "yml" | "yaml" | "sh" | "bash" | "zsh" | "py" | "toml" | "rb" | "conf" | "cfg" | "ini"
        | "env" => &["#"],
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "go" | "java" | "kt"
        | "rs" | "c" | "cc" | "cpp" | "h" | "cs" | "swift" | "scala" => &["//", "/*"],
        "sql" => &["--", "/*"],
        "json" => &[],
        _ => &["#", "//"],
    }
}

/// Where the comment that holds the directive starts, if the directive is
/// in a comment (not in a string or in code).
fn comment_start(line: &str, at: usize, markers: &[&str]) -> Option<usize> {
    let before = &line[..at];
    // The directive must directly follow the comment opener.
    let trimmed = before.trim_end();
    let marker = markers
        .iter()
        .filter(|m| trimmed.ends_with(**m))
        .max_by_key(|m| m.len())?;
    let start = trimmed.len() - marker.len();
    // An opener inside a string literal is not a comment.
    let quotes = line[..start].bytes().filter(|&b| b == b'"').count();
    (quotes % 2 == 0).then_some(start)
}

fn is_comment_only(line: &str, markers: &[&str]) -> bool {
    let t = line.trim_start();
    !t.is_empty()
        && (markers.iter().any(|m| t.starts_with(m))
            || (markers.contains(&"/*") && (t.starts_with('*'))))
}

/// Every `shipshape:ignore` comment of a file; errors are (line, message).
pub fn scan(path: &str, text: &str) -> Vec<Result<InlineWaiver, (u32, String)>> {
    let markers = comment_markers(path);
    if markers.is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(DIRECTIVE) else {
            continue;
        };
        let Some(start) = comment_start(line, at, markers) else {
            continue;
        };
        let lineno = i as u32 + 1;
        let own_line = line[..start].trim().is_empty();
        let target = if own_line {
            // The first line of code below the comment block.
            match lines[i + 1..]
                .iter()
                .position(|l| !is_comment_only(l, markers))
            {
                Some(k) if !lines[i + 1 + k].trim().is_empty() => (i + 1 + k) as u32 + 1,
                _ => {
                    out.push(Err((
                        lineno,
                        "inline waiver is not followed by a line of code it could cover".into(),
                    )));
                    continue;
                }
            }
        } else {
            lineno
        };
        let mut body = &line[at + DIRECTIVE.len()..];
        if let Some(end) = body.find("*/") {
            body = &body[..end];
        }
        out.push(
            parse_body(body)
                .map_err(|m| (lineno, m))
                .map(|(rules, until, reason)| InlineWaiver {
                    file: path.to_string(),
                    line: lineno,
                    target,
                    rules,
                    until,
                    reason,
                }),
        );
    }
    out
}

/// `rule[,rule] [until=YYYY-MM-DD] -- reason`.
fn parse_body(body: &str) -> Result<(Vec<String>, Option<Date>, String), String> {
    let (head, reason) = match body.find(" --") {
        Some(i) => (&body[..i], body[i + 3..].trim()),
        None => (body, ""),
    };
    let mut rules = Vec::new();
    let mut until = None;
    for tok in head.split([' ', '\t', ',']).filter(|t| !t.is_empty()) {
        if let Some(d) = tok.strip_prefix("until=") {
            until = Some(Date::parse(d).ok_or_else(|| {
                format!("inline waiver: `until={d}` is not a date `YYYY-MM-DD`; not honoured")
            })?);
        } else if tok
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            rules.push(tok.to_string());
        } else {
            return Err(format!(
                "inline waiver: `{tok}` is not a rule name; write `shipshape:ignore rule-name -- reason`"
            ));
        }
    }
    if rules.is_empty() {
        return Err(
            "inline waiver names no rule; write `shipshape:ignore rule-name -- reason`".into(),
        );
    }
    if reason.is_empty() {
        return Err(format!(
            "inline waiver of {} has no reason; write `-- why the risk is accepted`; not honoured",
            rules.join(", ")
        ));
    }
    Ok((rules, until, reason.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_model::{Category, Severity};
    use std::path::Path;

    const RULES: &[&str] = &["rds-not-multi-az", "cloudtrail-missing"];

    fn finding(rule: &str, file: Option<&str>, line: u32, resource: Option<&str>) -> Finding {
        Finding {
            rule: rule.into(),
            code: "X".into(),
            category: Category::Reliability,
            severity: Severity::High,
            message: format!("{rule} here"),
            file: file.map(str::to_string),
            line: file.map(|_| line),
            end_line: file.map(|_| line + 3),
            resource: resource.map(str::to_string),
            fingerprint: format!("{rule}{line}"),
            remediation: "".into(),
            effort_hours: [1, 2],
            suppressed_by: None,
        }
    }

    fn settings(text: &str) -> Settings {
        Settings::parse(text, Path::new("shipshape.toml"), RULES).unwrap()
    }

    fn today() -> Date {
        Date::parse("2026-12-02").unwrap()
    }

    #[test]
    fn scans_comment_syntaxes_and_targets() {
        let tf = "# shipshape:ignore rds-not-multi-az -- reporting copy\n# another comment\nresource \"aws_db_instance\" \"r\" {\n  multi_az = false // shipshape:ignore rds-not-multi-az until=2027-01-01 -- x\n  /* shipshape:ignore cloudtrail-missing -- block */\n  engine = \"pg\"\n}\n";
        let w: Vec<_> = scan("main.tf", tf)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].line, w[0].target), (1, 3));
        assert_eq!(w[0].reason, "reporting copy");
        assert_eq!((w[1].line, w[1].target), (4, 4));
        assert_eq!(w[1].until, Date::parse("2027-01-01"));
        assert_eq!(w[2].target, 6);
        assert_eq!(w[2].reason, "block");

        let js = "app.use(cors()); // shipshape:ignore cloudtrail-missing -- internal only\n";
        assert_eq!(scan("src/app.ts", js)[0].as_ref().unwrap().target, 1);
        // `#` is not a comment in JavaScript, `//` is not one in YAML.
        assert!(scan("src/app.js", "# shipshape:ignore x -- y\nfoo\n").is_empty());
        assert!(scan("a.yml", "k: v // shipshape:ignore x -- y\n").is_empty());
        assert_eq!(
            scan("Dockerfile", "# shipshape:ignore x -- y\nUSER root\n").len(),
            1
        );
    }

    #[test]
    fn directive_in_strings_or_without_reason_is_not_a_waiver() {
        assert!(scan("main.tf", "description = \"# shipshape:ignore x -- y\"\n").is_empty());
        let r = scan(
            "main.tf",
            "# shipshape:ignore rds-not-multi-az\nresource {}\n",
        );
        assert!(r[0].as_ref().unwrap_err().1.contains("no reason"));
        let r = scan(
            "main.tf",
            "# shipshape:ignore rds-not-multi-az until=tomorrow -- r\nx\n",
        );
        assert!(r[0].as_ref().unwrap_err().1.contains("until=tomorrow"));
        let r = scan(
            "main.tf",
            "x = 1\n# shipshape:ignore rds-not-multi-az -- r\n",
        );
        assert!(r[0].as_ref().unwrap_err().1.contains("not followed"));
    }

    #[test]
    fn inline_waiver_suppresses_only_its_line_and_rule() {
        let tf = "# shipshape:ignore rds-not-multi-az -- reporting copy\nresource \"aws_db_instance\" \"r\" {}\n";
        let applied = apply(
            vec![
                finding("rds-not-multi-az", Some("db.tf"), 2, None),
                finding("rds-not-multi-az", Some("db.tf"), 9, None),
                finding("cloudtrail-missing", Some("db.tf"), 2, None),
            ],
            &Settings::default(),
            &[("db.tf", tf)],
            RULES,
            today(),
        );
        assert_eq!(applied.suppressed.len(), 1);
        let s = applied.suppressed[0].suppressed_by.as_ref().unwrap();
        assert_eq!(s.reason, "reporting copy");
        assert_eq!(s.source, "db.tf:1");
        assert_eq!(applied.findings.len(), 2);
        assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    }

    #[test]
    fn waivers_across_many_files_keep_order_and_pick_the_first_live_waiver() {
        // Two directives on one line: the expired one is skipped (and said),
        // the next one waives. Kept findings stay in their order.
        let tf = "# shipshape:ignore rds-not-multi-az until=2020-01-01 -- old\n# shipshape:ignore rds-not-multi-az -- batch copy\nresource \"aws_db_instance\" \"r\" {}\n";
        let texts: Vec<(String, &str)> = (0..50).map(|i| (format!("m{i}/db.tf"), tf)).collect();
        let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        let mut findings = Vec::new();
        for (path, _) in &texts {
            findings.push(finding("rds-not-multi-az", Some(path), 2, None));
            findings.push(finding("rds-not-multi-az", Some(path), 3, None));
            findings.push(finding("cloudtrail-missing", Some(path), 3, None));
        }
        let applied = apply(findings, &Settings::default(), &files, RULES, today());
        assert_eq!(applied.suppressed.len(), 50);
        assert!(applied.suppressed.iter().all(|f| f.line == Some(3)
            && f.rule == "rds-not-multi-az"
            && f.suppressed_by.as_ref().unwrap().reason == "batch copy"));
        let kept: Vec<(&str, Option<u32>)> = applied
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.line))
            .collect();
        assert_eq!(kept.len(), 100);
        assert!(kept.chunks(2).all(|c| c
            == [
                ("rds-not-multi-az", Some(2)),
                ("cloudtrail-missing", Some(3))
            ]));
        let expired = applied
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("expired"))
            .count();
        assert_eq!(expired, 50);
    }

    #[test]
    fn config_waivers_match_rule_path_and_resource() {
        let s = settings(
            "[[waiver]]\nrule = \"rds-not-multi-az\"\npath = \"staging/**\"\nresource = \"aws_db_instance.*\"\nreason = \"staging\"\nowner = \"data\"\n",
        );
        let applied = apply(
            vec![
                finding(
                    "rds-not-multi-az",
                    Some("staging/db.tf"),
                    2,
                    Some("aws_db_instance.a"),
                ),
                finding(
                    "rds-not-multi-az",
                    Some("prod/db.tf"),
                    2,
                    Some("aws_db_instance.a"),
                ),
                finding(
                    "rds-not-multi-az",
                    Some("staging/db.tf"),
                    8,
                    Some("aws_rds_cluster.c"),
                ),
            ],
            &s,
            &[],
            RULES,
            today(),
        );
        assert_eq!(applied.suppressed.len(), 1);
        assert_eq!(applied.suppressed[0].file.as_deref(), Some("staging/db.tf"));
        let by = applied.suppressed[0].suppressed_by.as_ref().unwrap();
        assert_eq!(by.owner.as_deref(), Some("data"));
        assert_eq!(by.source, "shipshape.toml:1");
        assert_eq!(applied.findings.len(), 2);
    }

    #[test]
    fn expired_and_stale_waivers_are_diagnostics() {
        let s = settings(
            "[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \"old\"\nexpires = 2025-01-01\n\n[[waiver]]\nrule = \"cloudtrail-missing\"\nreason = \"never matches\"\n",
        );
        let tf = "x = 1 # shipshape:ignore rds-not-multi-az until=2026-12-01 -- yesterday\n";
        let applied = apply(
            vec![
                finding("rds-not-multi-az", Some("a.tf"), 1, None),
                finding("rds-not-multi-az", Some("b.tf"), 1, None),
            ],
            &s,
            &[("a.tf", tf)],
            RULES,
            today(),
        );
        assert_eq!(applied.findings.len(), 2, "expired waivers hide nothing");
        assert!(applied.suppressed.is_empty());
        let msgs: Vec<String> = applied
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{}: {}",
                    d.file.as_deref().unwrap(),
                    d.line.unwrap(),
                    d.message
                )
            })
            .collect();
        assert!(
            msgs.iter().any(|m| m
                .starts_with("shipshape.toml:1: waiver of rds-not-multi-az expired on 2025-01-01")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m
                .starts_with("a.tf:1: inline waiver of rds-not-multi-az expired on 2026-12-01")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("shipshape.toml:6: stale waiver")),
            "{msgs:?}"
        );
        assert!(applied
            .diagnostics
            .iter()
            .all(|d| d.kind == DiagnosticKind::Waiver));
        // The expiry day itself still holds.
        let s = settings(
            "[[waiver]]\nrule = \"rds-not-multi-az\"\nreason = \"r\"\nexpires = 2026-12-02\n",
        );
        let applied = apply(
            vec![finding("rds-not-multi-az", None, 0, None)],
            &s,
            &[],
            RULES,
            today(),
        );
        assert_eq!(applied.suppressed.len(), 1);
    }

    #[test]
    fn inline_waivers_can_be_forbidden_and_must_name_known_rules() {
        let s = settings("inline_waivers = false\n");
        let tf = "# shipshape:ignore rds-not-multi-az -- r\nresource {}\n# shipshape:ignore rds-multi-az -- r\nresource {}\n";
        let f = || vec![finding("rds-not-multi-az", Some("a.tf"), 2, None)];
        let applied = apply(f(), &s, &[("a.tf", tf)], RULES, today());
        assert_eq!(applied.findings.len(), 1);
        assert!(applied.diagnostics[0].message.contains("not honoured"));

        let applied = apply(f(), &Settings::default(), &[("a.tf", tf)], RULES, today());
        assert_eq!(applied.suppressed.len(), 1);
        assert_eq!(applied.diagnostics.len(), 1);
        assert!(applied.diagnostics[0]
            .message
            .contains("did you mean `rds-not-multi-az`"));
        // A waiver above a block whose evidence is a line inside it.
        let inside = "# shipshape:ignore rds-not-multi-az -- r\nresource \"aws_db_instance\" \"a\" {\n  multi_az = false\n}\n";
        let applied = apply(
            vec![finding("rds-not-multi-az", Some("a.tf"), 3, None)],
            &Settings::default(),
            &[("a.tf", inside)],
            RULES,
            today(),
        );
        assert_eq!(applied.findings.len(), 1);
        assert!(
            applied.diagnostics[0]
                .message
                .contains("is on line 3: put the comment there"),
            "{:?}",
            applied.diagnostics
        );
        // A stale inline waiver: nothing on its line.
        let applied = apply(
            vec![],
            &Settings::default(),
            &[("a.tf", &tf[..45])],
            RULES,
            today(),
        );
        assert!(
            applied.diagnostics[0]
                .message
                .contains("stale inline waiver"),
            "{:?}",
            applied.diagnostics
        );
    }

    #[test]
    fn wildcard_matches_addresses() {
        assert!(wildcard(
            "module.db.*",
            "module.db.aws_db_instance.main[\"a\"]"
        ));
        assert!(wildcard(
            "aws_db_instance.main[0]",
            "aws_db_instance.main[0]"
        ));
        assert!(!wildcard("aws_db_instance.main", "aws_db_instance.main2"));
        assert!(wildcard("*.main", "aws_db_instance.main"));
        assert!(!wildcard("a*b*c", "acb"));
    }
}
