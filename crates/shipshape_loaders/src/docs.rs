//! Documents (Markdown, reStructuredText, AsciiDoc, plain text) classified
//! by what they say, not by their name: an incident runbook, a statement of
//! service level objectives, a restore procedure.
//!
//! A document is split into sections at its headings; each heading is scored
//! against keyword families (severity, escalation, diagnosis, resolution,
//! incident) and each section notes whether it holds concrete steps (a
//! numbered or bulleted list, or a code block). Thresholds:
//!
//! - **Runbook**: a diagnosis section *and* a resolution section that both
//!   hold steps; or one of them with steps and at least three of the five
//!   families present (severity/escalation/incident may come from body
//!   keywords such as `SEV1`, `PagerDuty`, "escalate to"); a path under
//!   `runbook`/`playbook`/`incident`/`on-call` lowers that to two families.
//!   A README that only mentions the word "runbook" scores nothing.
//! - **SLO targets**: at least one target statement (an availability or
//!   success-rate percentage of 90–99.999…%, or a latency percentile with a
//!   time bound) in a document that speaks of SLOs (`SLO`, "service level",
//!   "error budget", "objective", "target").
//! - **Restore procedure**: a section headed restore / disaster recovery /
//!   DR / recovery that holds steps and whose body speaks of restoring
//!   (`restore`, `pg_restore`, `restore-db-…`). Promoting a replica is a
//!   failover and does not count.

use crate::source::{FileKind, SourceFile};

/// What a document was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Runbook,
    SloTargets,
    RestoreProcedure,
}

/// One document recognised as one kind, with the lines that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMatch {
    pub path: String,
    pub kind: DocKind,
    /// Strength of the evidence (families or statements counted).
    pub score: u32,
    /// 1-based lines of the headings or statements that matched.
    pub lines: Vec<u32>,
}

/// Every classified document of the repository.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    pub matches: Vec<DocMatch>,
}

impl Documents {
    pub fn of(&self, kind: DocKind) -> impl Iterator<Item = &DocMatch> {
        self.matches.iter().filter(move |m| m.kind == kind)
    }
}

/// Classifies every document of the repository.
pub fn load(files: &[SourceFile]) -> Documents {
    use rayon::prelude::*;
    let mut matches: Vec<DocMatch> = files
        .par_iter()
        .filter(|f| f.kind == FileKind::Document)
        .flat_map_iter(classify)
        .collect();
    matches.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    Documents { matches }
}

/// A heading and the body that follows it up to the next heading.
#[derive(Debug, Default)]
struct Section {
    heading: String,
    line: u32,
    body: Vec<(u32, String)>,
    has_steps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Severity,
    Escalation,
    Diagnosis,
    Resolution,
    Incident,
}

const FAMILIES: [Family; 5] = [
    Family::Severity,
    Family::Escalation,
    Family::Diagnosis,
    Family::Resolution,
    Family::Incident,
];

/// Heading keywords per family (matched on lowercased words / phrases).
fn heading_family(heading: &str) -> Vec<Family> {
    let h = heading.to_ascii_lowercase();
    let words = words(&h);
    let has_word = |w: &str| words.iter().any(|x| x == w);
    let has_prefix = |p: &str| words.iter().any(|x| x.starts_with(p));
    let mut out = Vec::new();
    if has_prefix("severit")
        || words.iter().any(|w| is_sev_word(w))
        || h.contains("priority level")
        || h.contains("incident level")
        || h.contains("impact level")
    {
        out.push(Family::Severity);
    }
    if has_prefix("escalat")
        || h.contains("on-call")
        || h.contains("on call")
        || has_word("oncall")
        || has_word("paging")
        || has_word("contacts")
        || has_word("communication")
    {
        out.push(Family::Escalation);
    }
    if has_prefix("symptom")
        || has_prefix("diagnos")
        || has_prefix("investigat")
        || has_word("triage")
        || has_prefix("troubleshoot")
        || has_word("detection")
        || has_word("identify")
        || has_word("checks")
    {
        out.push(Family::Diagnosis);
    }
    if has_prefix("mitigat")
        || has_word("resolution")
        || has_word("resolve")
        || has_prefix("remediat")
        || has_word("recovery")
        || has_word("recover")
        || has_word("rollback")
        || h.contains("roll back")
        || has_word("workaround")
        || has_word("fix")
        || has_word("restore")
        || has_word("failover")
    {
        out.push(Family::Resolution);
    }
    if has_prefix("incident")
        || has_word("outage")
        || has_prefix("alert")
        || has_prefix("runbook")
        || has_prefix("playbook")
    {
        out.push(Family::Incident);
    }
    out
}

/// `sev1`, `sev-2`, `p1` … as a word.
fn is_sev_word(w: &str) -> bool {
    let digits = w
        .strip_prefix("sev")
        .map(|r| r.trim_start_matches('-'))
        .or_else(|| w.strip_prefix('p'));
    digits.is_some_and(|d| d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && d != "9")
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('-').to_string())
        .collect()
}

/// Body keywords that show a family even without a heading.
fn body_families(text: &str) -> Vec<Family> {
    let lower = text.to_ascii_lowercase();
    let ws = words(&lower);
    let mut out = Vec::new();
    let sev = ws
        .iter()
        .filter(|w| w.starts_with("sev") && is_sev_word(w))
        .count();
    let p_levels = ["p1", "p2", "p3"]
        .iter()
        .filter(|p| ws.iter().any(|w| w == *p))
        .count();
    if sev > 0 || p_levels >= 2 {
        out.push(Family::Severity);
    }
    if lower.contains("escalate to")
        || lower.contains("page the on-call")
        || lower.contains("pagerduty")
        || lower.contains("opsgenie")
        || lower.contains("incident commander")
    {
        out.push(Family::Escalation);
    }
    out
}

/// Splits a document into sections. Headings: Markdown ATX (`## x`) and
/// setext, reStructuredText/AsciiDoc underlines, AsciiDoc `== x`, and in
/// plain text a short line ending with `:`. Code fences are skipped.
fn sections(file: &SourceFile) -> Vec<Section> {
    let lines: Vec<&str> = file.text.lines().collect();
    let plain = file.name().to_ascii_lowercase().ends_with(".txt");
    let mut out = vec![Section::default()];
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        let n = i as u32 + 1;
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            if let Some(s) = out.last_mut() {
                s.has_steps = true;
            }
            i += 1;
            continue;
        }
        if in_fence {
            if let Some(s) = out.last_mut() {
                s.body.push((n, line.to_string()));
            }
            i += 1;
            continue;
        }
        let next = lines.get(i + 1).map(|l| l.trim_end()).unwrap_or("");
        let heading = if let Some(h) = atx_heading(line) {
            Some((h, 1))
        } else if !trimmed.is_empty()
            && !is_list_item(trimmed)
            && is_underline(next)
            && next.trim().len() + 1 >= trimmed.len().min(3)
        {
            Some((trimmed.to_string(), 2))
        } else if plain
            && trimmed.ends_with(':')
            && trimmed.len() < 60
            && !is_list_item(trimmed)
            && line == trimmed
        {
            Some((trimmed.trim_end_matches(':').to_string(), 1))
        } else {
            None
        };
        if let Some((h, consumed)) = heading {
            out.push(Section {
                heading: h,
                line: n,
                ..Section::default()
            });
            i += consumed;
            continue;
        }
        if let Some(s) = out.last_mut() {
            if is_list_item(trimmed) || line.starts_with("    ") || line.starts_with('\t') {
                s.has_steps |= !trimmed.is_empty();
            }
            s.body.push((n, line.to_string()));
        }
        i += 1;
    }
    out
}

fn atx_heading(line: &str) -> Option<String> {
    for marker in ['#', '='] {
        let rest = line.trim_start_matches(marker);
        let level = line.len() - rest.len();
        if (1..=6).contains(&level) && rest.starts_with(' ') {
            let text = rest.trim().trim_end_matches(marker).trim();
            if !text.is_empty() {
                return Some(text.to_string());
            }
        }
    }
    None
}

fn is_underline(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3
        && t.chars()
            .next()
            .is_some_and(|c| t.chars().all(|x| x == c) && "=-~^*+#".contains(c))
}

fn is_list_item(t: &str) -> bool {
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return true;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

/// Classifies one document (empty for other files).
pub fn classify(file: &SourceFile) -> Vec<DocMatch> {
    if file.kind != FileKind::Document {
        return Vec::new();
    }
    let secs = sections(file);
    let mut out = Vec::new();
    if let Some(m) = runbook(file, &secs) {
        out.push(m);
    }
    if let Some(m) = slo_targets(file) {
        out.push(m);
    }
    if let Some(m) = restore_procedure(file, &secs) {
        out.push(m);
    }
    out
}

fn runbook(file: &SourceFile, secs: &[Section]) -> Option<DocMatch> {
    let mut present = Vec::new();
    let mut lines = Vec::new();
    let (mut diag_steps, mut res_steps) = (false, false);
    for s in secs.iter().filter(|s| s.line > 0) {
        let fams = heading_family(&s.heading);
        if !fams.is_empty() {
            lines.push(s.line);
        }
        // Steps may sit in sub-sections: count the section and the ones
        // nested under it only through its own body.
        diag_steps |= s.has_steps && fams.contains(&Family::Diagnosis);
        res_steps |= s.has_steps && fams.contains(&Family::Resolution);
        present.extend(fams);
    }
    present.extend(body_families(&file.text));
    let families = FAMILIES.iter().filter(|f| present.contains(f)).count() as u32;
    let path = file.path.to_ascii_lowercase();
    let path_hint = ["runbook", "playbook", "incident", "on-call", "oncall"]
        .iter()
        .any(|h| path.contains(h));
    let needed = if path_hint { 2 } else { 3 };
    let is_runbook = (diag_steps && res_steps) || ((diag_steps || res_steps) && families >= needed);
    is_runbook.then(|| DocMatch {
        path: file.path.clone(),
        kind: DocKind::Runbook,
        score: families,
        lines,
    })
}

fn slo_targets(file: &SourceFile) -> Option<DocMatch> {
    let lower = file.text.to_ascii_lowercase();
    let ws = words(&lower);
    let speaks_of_slos = ws.iter().any(|w| {
        matches!(
            w.as_str(),
            "slo" | "slos" | "sli" | "slis" | "objective" | "objectives" | "target" | "targets"
        )
    }) || lower.contains("service level")
        || lower.contains("service-level")
        || lower.contains("error budget");
    if !speaks_of_slos {
        return None;
    }
    let lines: Vec<u32> = file
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| is_target_statement(&l.to_ascii_lowercase()))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    (!lines.is_empty()).then(|| DocMatch {
        path: file.path.clone(),
        kind: DocKind::SloTargets,
        score: lines.len() as u32,
        lines,
    })
}

/// "99.9% availability", "success rate >= 99.5 %", "p99 latency < 300 ms",
/// "error budget of 0.1%".
pub fn is_target_statement(l: &str) -> bool {
    let availability = [
        "availab",
        "uptime",
        "success",
        "error rate",
        "successful",
        "error budget",
    ]
    .iter()
    .any(|k| l.contains(k));
    if availability && percentages(l).iter().any(|p| (90.0..100.0).contains(p)) {
        return true;
    }
    if l.contains("error budget") && !percentages(l).is_empty() {
        return true;
    }
    let ws = words(l);
    let percentile = ws.iter().any(|w| {
        w.strip_prefix('p')
            .is_some_and(|d| !d.is_empty() && d.len() <= 4 && d.chars().all(|c| c.is_ascii_digit()))
            || w == "percentile"
            || w == "median"
    }) || l.contains("p99.9");
    let latency = l.contains("latency") || l.contains("response time") || l.contains("duration");
    percentile && latency && has_time_bound(l)
}

/// Every number directly followed by `%` (spaces allowed).
fn percentages(l: &str) -> Vec<f64> {
    let b = l.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.')) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let num = &l[start..i];
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if j < b.len() && b[j] == b'%' {
                if let Ok(v) = num.trim_end_matches('.').parse::<f64>() {
                    out.push(v);
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A number followed by a time unit (`300ms`, `1.5 s`, `2 seconds`).
fn has_time_bound(l: &str) -> bool {
    let b = l.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let rest = l[i..].trim_start();
            let unit: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            if matches!(
                unit.as_str(),
                "ms" | "s" | "sec" | "secs" | "second" | "seconds" | "millisecond" | "milliseconds"
            ) {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

fn restore_procedure(file: &SourceFile, secs: &[Section]) -> Option<DocMatch> {
    let mut lines = Vec::new();
    for s in secs.iter().filter(|s| s.line > 0 && s.has_steps) {
        let h = s.heading.to_ascii_lowercase();
        let hw = words(&h);
        let recovery_heading = hw
            .iter()
            .any(|w| w.starts_with("restor") || w == "dr" || w.starts_with("recover"))
            || h.contains("disaster recovery");
        if !recovery_heading {
            continue;
        }
        let restoring = s.body.iter().find(|(_, l)| {
            let l = l.to_ascii_lowercase();
            l.contains("restore") || l.contains("mongorestore") || l.contains("restore-db-")
        });
        if let Some((n, _)) = restoring {
            lines.push(s.line);
            lines.push(*n);
        }
    }
    (!lines.is_empty()).then(|| DocMatch {
        path: file.path.clone(),
        kind: DocKind::RestoreProcedure,
        score: lines.len() as u32 / 2,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: &str) -> Vec<DocKind> {
        classify(&SourceFile::new(path, FileKind::Document, text))
            .into_iter()
            .map(|m| m.kind)
            .collect()
    }

    const RUNBOOK: &str = "# API incident runbook\n\n## Severity levels\n\n| SEV1 | outage |\n\n## Escalation\n\nPage the on-call via PagerDuty.\n\n## API returns 5xx\n\n### Symptoms\n\n- 5xx rate alarm fires\n\n### Diagnosis\n\n1. Check the target group health\n\n### Resolution\n\n1. Roll back the last deploy\n";

    #[test]
    fn recognises_a_runbook_by_content() {
        assert_eq!(doc("docs/ops/guide.md", RUNBOOK), vec![DocKind::Runbook]);
    }

    #[test]
    fn a_readme_mentioning_runbook_is_not_one() {
        let text =
            "# Service\n\nSee the runbook (TODO) for incidents.\n\n## Install\n\n1. npm ci\n";
        assert!(doc("README.md", text).is_empty());
    }

    #[test]
    fn an_architecture_doc_is_not_a_runbook() {
        let text = "# Architecture\n\nALB -> ECS -> Aurora.\n\n## Deployment\n\nThe circuit breaker rolls back a failed release.\n";
        assert!(doc("docs/architecture.md", text).is_empty());
    }

    #[test]
    fn a_runbook_directory_lowers_the_threshold() {
        let text =
            "# Queue backlog\n\n## Diagnosis\n\n- check depth\n\n## Escalation\n\nping #ops\n";
        assert_eq!(doc("docs/runbooks/queue.md", text), vec![DocKind::Runbook]);
        assert!(doc("docs/queue.md", text).is_empty());
    }

    #[test]
    fn rst_and_text_headings() {
        let rst = "Database down\n=============\n\nSymptoms\n--------\n\n- errors\n\nMitigation\n----------\n\n1. fail over\n";
        assert_eq!(doc("ops/db.rst", rst), vec![DocKind::Runbook]);
        let txt = "Symptoms:\n- errors\n\nResolution:\n1. restart\n";
        assert_eq!(doc("ops/db.txt", txt), vec![DocKind::Runbook]);
    }

    #[test]
    fn slo_targets() {
        let text = "# SLOs\n\n- Availability: 99.9% of requests succeed over 30 days\n- p99 latency < 300 ms\n";
        assert_eq!(doc("docs/slo.md", text), vec![DocKind::SloTargets]);
        // A percentage that is not a service objective.
        let near = "# Scaling\n\nCPU target tracking at 70%. S3 offers high durability.\n";
        assert!(doc("docs/scaling.md", near).is_empty());
        assert!(is_target_statement("p95 response time under 1.5 s"));
        assert!(!is_target_statement("we saw a p99 spike yesterday"));
    }

    #[test]
    fn restore_procedure_needs_restore_steps() {
        let text = "# DR\n\n## Restore from snapshot\n\n1. aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier x\n2. check row counts\n";
        assert_eq!(doc("docs/dr.md", text), vec![DocKind::RestoreProcedure]);
        let failover = "# DR\n\n## Disaster recovery\n\n1. aws rds promote-read-replica --db-instance-identifier x\n";
        assert!(doc("docs/dr.md", failover).is_empty());
    }
}
