//! The Markdown report, shaped like the reference reviews: executive
//! summary, scorecard, blockers, high priority, findings by category with
//! evidence and remediation, go/no-go matrix and a phased roadmap.
//!
//! Every piece of repository content is escaped: a resource name cannot
//! open a link, an HTML tag or a table cell.

use crate::Report;
use shipshape_model::{Category, Finding, Severity};
use std::fmt::Write;

/// Escapes text from the reviewed repository for inline Markdown.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            // Terminal escape sequences and other controls from file names
            // or content must not reach a reader's terminal or renderer.
            c if c.is_control() => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// An inline code span that cannot be broken out of.
pub fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let s: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

pub fn location(f: &Finding) -> String {
    match (&f.file, f.line, f.end_line) {
        (Some(file), Some(l), Some(e)) if e > l => format!("{file}:{l}-{e}"),
        (Some(file), Some(l), _) => format!("{file}:{l}"),
        (Some(file), None, _) => file.clone(),
        _ => "repository".to_string(),
    }
}

fn decision_text(d: &str) -> &'static str {
    match d {
        "no-go" => "NO-GO: blockers remain",
        "conditional" => "CONDITIONAL: no blockers, but high-severity findings remain",
        _ => "GO",
    }
}

fn effort(findings: &[&Finding]) -> (u32, u32) {
    findings.iter().fold((0, 0), |(a, b), f| {
        (a + f.effort_hours[0], b + f.effort_hours[1])
    })
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Production readiness review: {}\n", escape(&r.root));
    if let Some(d) = &r.delta {
        write_delta(&mut o, r, d);
    }
    let _ = writeln!(o, "## Executive summary\n");
    let _ = writeln!(o, "| | |\n|---|---|");
    let _ = writeln!(o, "| **Score** | {} / 100 ({}) |", r.score, r.grade);
    let _ = writeln!(o, "| **Decision** | {} |", decision_text(&r.decision));
    let _ = writeln!(o, "| **Profile** | {} |", r.profile.id());
    let _ = writeln!(
        o,
        "| **Findings** | {} blocker, {} high, {} medium, {} low |",
        r.count(Severity::Blocker),
        r.count(Severity::High),
        r.count(Severity::Medium),
        r.count(Severity::Low)
    );
    if !r.suppressed.is_empty() {
        let _ = writeln!(o, "| **Accepted risks** | {} |", r.suppressed.len());
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(
            o,
            "| **Not evaluated** | {} (see Diagnostics) |",
            r.diagnostics.len()
        );
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "## Scorecard\n");
    let _ = writeln!(
        o,
        "| Category | Score | Grade | Findings |\n|---|---:|:---:|---:|"
    );
    for c in &r.categories {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            c.id.title(),
            c.score,
            c.grade,
            c.findings
        );
    }
    let _ = writeln!(
        o,
        "| **Overall** | **{}** | **{}** | **{}** |\n",
        r.score,
        r.grade,
        r.findings.len()
    );

    for (sev, title) in [
        (Severity::Blocker, "Blockers (must fix before production)"),
        (Severity::High, "High priority"),
    ] {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "## {title}\n");
        for (i, f) in list.iter().enumerate() {
            let _ = writeln!(
                o,
                "{}. **{}** ({}): {} ({})",
                i + 1,
                escape(&f.rule),
                f.category,
                escape(&f.message),
                code(&location(f))
            );
        }
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "## Findings by category\n");
    for c in Category::ALL {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.category == c).collect();
        if list.is_empty() {
            continue;
        }
        let score = r
            .category(c)
            .map(|s| format!("{} ({})", s.score, s.grade))
            .unwrap_or_default();
        let _ = writeln!(o, "### {}: {score}\n", c.title());
        for f in list {
            write_finding(&mut o, f);
        }
    }

    let _ = writeln!(o, "## Go / no-go matrix\n");
    let _ = writeln!(
        o,
        "| Category | Blockers | High | Status |\n|---|---:|---:|---|"
    );
    for c in Category::ALL {
        let b = r
            .findings
            .iter()
            .filter(|f| f.category == c && f.severity == Severity::Blocker)
            .count();
        let h = r
            .findings
            .iter()
            .filter(|f| f.category == c && f.severity == Severity::High)
            .count();
        let status = if b > 0 {
            "NO-GO"
        } else if h > 0 {
            "CONDITIONAL"
        } else {
            "GO"
        };
        let _ = writeln!(o, "| {} | {b} | {h} | {status} |", c.title());
    }
    let _ = writeln!(
        o,
        "| **Overall** | {} | {} | **{}** |\n",
        r.count(Severity::Blocker),
        r.count(Severity::High),
        r.decision.to_uppercase()
    );

    write_roadmap(&mut o, r);

    if !r.suppressed.is_empty() {
        let _ = writeln!(o, "## Accepted risks and disputed findings\n");
        for f in &r.suppressed {
            let _ = write!(
                o,
                "- **{}** {}: {}. Reason: {}",
                escape(&f.rule),
                code(&location(f)),
                escape(&f.message),
                escape(f.suppressed_by.as_ref().map_or("waived", |s| &s.reason))
            );
            if let Some(s) = &f.suppressed_by {
                if let Some(owner) = &s.owner {
                    let _ = write!(o, " Owner: {}.", escape(owner));
                }
                if let Some(exp) = &s.expires {
                    let _ = write!(o, " Expires {}.", escape(exp));
                }
                let _ = write!(o, " Waiver: {}", code(&s.source));
            }
            let _ = writeln!(o);
        }
        let _ = writeln!(o);
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o, "## Diagnostics (what this review could not evaluate)\n");
        for d in &r.diagnostics {
            let place = match (&d.file, d.line) {
                (Some(f), Some(l)) => code(&format!("{f}:{l}")),
                (Some(f), None) => code(f),
                _ => "repository".to_string(),
            };
            let _ = writeln!(o, "- {} {place}: {}", d.kind.id(), escape(&d.message));
        }
        let _ = writeln!(o);
    }
    o
}

fn write_finding(o: &mut String, f: &Finding) {
    let _ = writeln!(
        o,
        "#### {} `{}`: {}\n",
        f.severity.id().to_uppercase(),
        f.code,
        escape(&f.rule)
    );
    let _ = writeln!(o, "- **What**: {}", escape(&f.message));
    let _ = writeln!(o, "- **Where**: {}", code(&location(f)));
    if let Some(res) = &f.resource {
        let _ = writeln!(o, "- **Resource**: {}", code(res));
    }
    let _ = writeln!(
        o,
        "- **Effort**: {}–{} h\n",
        f.effort_hours[0], f.effort_hours[1]
    );
    let _ = writeln!(o, "**Fix**:\n");
    // Remediation comes from rule docs (ours), and may hold fenced snippets.
    let _ = writeln!(o, "{}\n", f.remediation.trim());
}

fn write_roadmap(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Roadmap\n");
    let phases = [
        ("Phase 1: blockers", Severity::Blocker, Severity::Blocker),
        ("Phase 2: high priority", Severity::High, Severity::High),
        ("Phase 3: hardening", Severity::Low, Severity::Medium),
    ];
    for (title, lo, hi) in phases {
        let list: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.severity >= lo && f.severity <= hi)
            .collect();
        let (lo, hi) = effort(&list);
        let _ = writeln!(o, "### {title} ({} items, {lo}–{hi} h)\n", list.len());
        if list.is_empty() {
            let _ = writeln!(o, "Nothing to do.\n");
            continue;
        }
        for f in list {
            let _ = writeln!(
                o,
                "- [ ] {}: {} ({}–{} h)",
                escape(&f.rule),
                escape(&f.message),
                f.effort_hours[0],
                f.effort_hours[1]
            );
        }
        let _ = writeln!(o);
    }
}

fn write_delta(o: &mut String, r: &Report, d: &crate::Delta) {
    let _ = writeln!(o, "## What changed since the last review\n");
    let diff = r.score as i64 - d.baseline_score as i64;
    let _ = writeln!(
        o,
        "Previous grade {} ({}) → current {} ({}), {diff:+}.",
        d.baseline_grade, d.baseline_score, r.grade, r.score
    );
    if !d.baseline_decision.is_empty() && d.baseline_decision != r.decision {
        let _ = writeln!(
            o,
            "Decision: {} → **{}**.",
            d.baseline_decision.to_uppercase(),
            r.decision.to_uppercase()
        );
    }
    let _ = writeln!(o);
    if !d.categories.is_empty() {
        let _ = writeln!(
            o,
            "| Category | Before | Now | Change | Fixed | New |\n|---|---:|---:|---:|---:|---:|"
        );
        for c in &d.categories {
            let _ = writeln!(
                o,
                "| {} | {} ({}) | {} ({}) | {:+} | {} | {} |",
                c.id.title(),
                c.baseline_score,
                c.baseline_grade,
                c.score,
                c.grade,
                c.change,
                c.fixed,
                c.new
            );
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(o, "- **Fixed**: {}", d.fixed.len());
    for f in &d.fixed {
        let _ = writeln!(
            o,
            "  - {} ({}): {}",
            escape(&f.rule),
            f.severity,
            escape(&f.message)
        );
    }
    let _ = writeln!(o, "- **New**: {}", d.new.len());
    for f in &d.new {
        let _ = writeln!(
            o,
            "  - {} ({}): {} ({})",
            escape(&f.rule),
            f.severity,
            escape(&f.message),
            code(&location(f))
        );
    }
    if !d.accepted.is_empty() {
        let _ = writeln!(
            o,
            "- **Accepted as risks** (waived, not fixed): {}",
            d.accepted.len()
        );
        for f in &d.accepted {
            let _ = writeln!(o, "  - {}: {}", escape(&f.rule), escape(&f.message));
        }
    }
    if !d.unevaluated.is_empty() {
        let _ = writeln!(
            o,
            "- **Not re-evaluated** (the file could not be read or parsed this time): {}",
            d.unevaluated.len()
        );
        for f in &d.unevaluated {
            let _ = writeln!(
                o,
                "  - {}: {} ({})",
                escape(&f.rule),
                escape(&f.message),
                code(&location(f))
            );
        }
    }
    let _ = writeln!(o, "- **Still open**: {}\n", d.unchanged);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_repository_content() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)\\>"
        );
        assert_eq!(code("a`b"), "``a`b``");
        // Terminal control sequences never pass through.
        assert_eq!(escape("a\u{1b}[31m\nb"), "a\u{fffd}\\[31m b");
        assert_eq!(code("x\u{7}y"), "`x\u{fffd}y`");
    }
}
