//! The review as a pull-request comment (`--format pr-comment`).
//!
//! A separate format rather than the default `markdown`, because the two
//! serve different readers: `markdown` is the full review document (every
//! finding, nothing cut), while a comment must fit GitHub's 65,536-character
//! limit and stay short on screen. So: the verdict, the scorecard, what is
//! new since the baseline, blockers and high findings in the open; every
//! category, the roadmap and the diagnostics folded into `<details>`; and
//! when even that is too long, whole items are dropped from the end of each
//! section (never cut mid-element, so no fence or tag is left open) with a
//! note saying how many and where to find the full review.

use crate::markdown::{code, escape, location};
use crate::Report;
use shipshape_model::{Category, Finding, Severity};
use std::fmt::Write;

/// GitHub refuses comment bodies longer than this many characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// Room kept for the closing note and footer, so they always fit.
const RESERVE: usize = 600;

pub fn render(r: &Report) -> String {
    render_with_limit(r, GITHUB_COMMENT_LIMIT)
}

/// Renders within `limit` bytes (bytes bound characters from above).
pub fn render_with_limit(r: &Report, limit: usize) -> String {
    let mut c = Comment {
        out: String::new(),
        budget: limit.saturating_sub(RESERVE),
        omitted: 0,
    };
    c.out.push_str(&head(r));
    if let Some(d) = &r.delta {
        if !d.new.is_empty() {
            let new: Vec<String> = d.new.iter().map(line_item).collect();
            c.section(
                &format!("### New since the baseline ({})\n\n", d.new.len()),
                new,
                "\n",
            );
        }
        if !d.fixed.is_empty() {
            let fixed: Vec<String> = d.fixed.iter().map(line_item).collect();
            c.section(
                &format!(
                    "<details><summary>Fixed since the baseline ({})</summary>\n\n",
                    d.fixed.len()
                ),
                fixed,
                "\n</details>\n\n",
            );
        }
    }
    for (sev, title) in [
        (Severity::Blocker, "Blockers"),
        (Severity::High, "High priority"),
    ] {
        let items: Vec<String> = r
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .map(line_item)
            .collect();
        if !items.is_empty() {
            c.section(&format!("### {title} ({})\n\n", items.len()), items, "\n");
        }
    }
    for cat in Category::ALL {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| f.category == cat).collect();
        if list.is_empty() {
            continue;
        }
        let score = r
            .category(cat)
            .map(|s| format!("{} ({})", s.score, s.grade))
            .unwrap_or_default();
        let open = format!(
            "<details><summary><b>{}</b>: {score}, {} finding{}</summary>\n\n",
            html(cat.title()),
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        let items = list.iter().map(|f| detailed_item(f)).collect();
        c.section(&open, items, "\n</details>\n\n");
    }
    roadmap(&mut c, r);
    if !r.suppressed.is_empty() {
        let items = r
            .suppressed
            .iter()
            .map(|f| {
                format!(
                    "- {} {}: {}. Reason: {}\n",
                    escape(&f.rule),
                    code(&location(f)),
                    escape(&f.message),
                    escape(f.suppressed_by.as_ref().map_or("waived", |s| &s.reason))
                )
            })
            .collect();
        c.section(
            &format!(
                "<details><summary>Accepted risks ({})</summary>\n\n",
                r.suppressed.len()
            ),
            items,
            "\n</details>\n\n",
        );
    }
    if !r.diagnostics.is_empty() {
        let items = r
            .diagnostics
            .iter()
            .map(|d| {
                let place = match (&d.file, d.line) {
                    (Some(f), Some(l)) => code(&format!("{f}:{l}")),
                    (Some(f), None) => code(f),
                    _ => "repository".to_string(),
                };
                format!("- {} {place}: {}\n", d.kind.id(), escape(&d.message))
            })
            .collect();
        c.section(
            &format!(
                "<details><summary>Not evaluated ({})</summary>\n\n",
                r.diagnostics.len()
            ),
            items,
            "\n</details>\n\n",
        );
    }
    let mut out = c.out;
    if c.omitted > 0 {
        let _ = writeln!(
            out,
            "> [!NOTE]\n> Shortened to fit a comment: {} item{} not shown. Run `shipshape review --format markdown` (or `--format html`) for the full review.\n",
            c.omitted,
            if c.omitted == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "<sub>shipshape {} · profile {}</sub>",
        escape(&r.tool.version),
        r.profile.id()
    );
    out
}

struct Comment {
    out: String,
    budget: usize,
    omitted: usize,
}

impl Comment {
    /// Appends `open`, as many whole `items` as fit, a count of the rest,
    /// and `close`; a section whose frame does not fit is left out whole.
    fn section(&mut self, open: &str, items: Vec<String>, close: &str) {
        let more_note = 80;
        if self.out.len() + open.len() + close.len() + more_note > self.budget {
            self.omitted += items.len();
            return;
        }
        self.out.push_str(open);
        let total = items.len();
        let mut shown = 0;
        for item in items {
            if self.out.len() + item.len() + close.len() + more_note > self.budget {
                break;
            }
            self.out.push_str(&item);
            shown += 1;
        }
        if shown < total {
            let _ = writeln!(self.out, "\n_… and {} more not shown._", total - shown);
            self.omitted += total - shown;
        }
        self.out.push_str(close);
    }
}

fn head(r: &Report) -> String {
    let mut o = String::new();
    let verdict = match r.decision.as_str() {
        "no-go" => "🛑 **NO-GO**: blockers remain",
        "conditional" => "⚠️ **CONDITIONAL**: no blockers, high-severity findings remain",
        _ => "✅ **GO**",
    };
    let _ = writeln!(
        o,
        "## shipshape review: {} ({} / 100)\n\n{verdict}\n",
        r.grade, r.score
    );
    let _ = writeln!(
        o,
        "{} blocker · {} high · {} medium · {} low{}\n",
        r.count(Severity::Blocker),
        r.count(Severity::High),
        r.count(Severity::Medium),
        r.count(Severity::Low),
        if r.suppressed.is_empty() {
            String::new()
        } else {
            format!(" · {} waived", r.suppressed.len())
        }
    );
    if let Some(d) = &r.delta {
        let diff = r.score as i64 - d.baseline_score as i64;
        let _ = writeln!(
            o,
            "Since the baseline: {} ({}) → {} ({}), {diff:+}; {} fixed, {} new, {} still open.\n",
            d.baseline_grade,
            d.baseline_score,
            r.grade,
            r.score,
            d.fixed.len(),
            d.new.len(),
            d.unchanged
        );
    }
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
    o.push('\n');
    o
}

fn line_item(f: &Finding) -> String {
    format!(
        "- **{}** `{}` {}: {} ({})\n",
        f.severity.id(),
        f.code,
        escape(&f.rule),
        escape(&f.message),
        code(&location(f))
    )
}

fn detailed_item(f: &Finding) -> String {
    let mut o = line_item(f);
    if let Some(res) = &f.resource {
        let _ = writeln!(o, "  - Resource: {}", code(res));
    }
    let _ = writeln!(
        o,
        "  - Effort: {}–{} h\n\n  <details><summary>How to fix</summary>\n",
        f.effort_hours[0], f.effort_hours[1]
    );
    // Indented so the remediation (and its fenced snippet) stays inside
    // the list item.
    for line in f.remediation.trim().lines() {
        if line.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "  {line}");
        }
    }
    o.push_str("\n  </details>\n\n");
    o
}

fn roadmap(c: &mut Comment, r: &Report) {
    if r.findings.is_empty() {
        return;
    }
    let mut items = Vec::new();
    for (title, lo, hi) in [
        ("Phase 1: blockers", Severity::Blocker, Severity::Blocker),
        ("Phase 2: high priority", Severity::High, Severity::High),
        ("Phase 3: hardening", Severity::Low, Severity::Medium),
    ] {
        let list: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.severity >= lo && f.severity <= hi)
            .collect();
        let (a, b) = list.iter().fold((0, 0), |(a, b), f| {
            (a + f.effort_hours[0], b + f.effort_hours[1])
        });
        items.push(format!(
            "- **{title}**: {} item{}, {a}–{b} h\n",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        ));
    }
    c.section(
        "<details><summary>Roadmap</summary>\n\n",
        items,
        "\n</details>\n\n",
    );
}

/// Escapes our own text for an HTML context (`<summary>`).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_model::Profile;

    fn finding(i: usize, sev: Severity) -> Finding {
        Finding {
            rule: "rds-not-multi-az".into(),
            code: "REL004".into(),
            category: Category::Reliability,
            severity: sev,
            message: format!("database `db{i}` runs in a single availability zone"),
            file: Some(format!("infra/db{i}.tf")),
            line: Some(1),
            end_line: Some(3),
            resource: Some(format!("aws_db_instance.db{i}")),
            fingerprint: format!("fp{i}"),
            remediation:
                "```hcl\nresource \"aws_db_instance\" \"main\" {\n  multi_az = true\n}\n```".into(),
            effort_hours: [1, 2],
            suppressed_by: None,
        }
    }

    #[test]
    fn a_huge_review_fits_a_comment_and_says_what_it_left_out() {
        let findings = (0..2000)
            .map(|i| {
                finding(
                    i,
                    if i % 3 == 0 {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                )
            })
            .collect();
        let r = Report::new("repo", Profile::Prod, findings, vec![], vec![]);
        let out = render(&r);
        assert!(out.chars().count() <= GITHUB_COMMENT_LIMIT, "{}", out.len());
        assert!(out.contains("Shortened to fit a comment"));
        assert!(out.contains("more not shown"));
        // Every opened <details> is closed: nothing cut mid-element.
        assert_eq!(
            out.matches("<details>").count(),
            out.matches("</details>").count()
        );
        assert_eq!(out.matches("```").count() % 2, 0);
    }

    #[test]
    fn a_small_review_is_whole_and_folds_categories() {
        let r = Report::new(
            "repo",
            Profile::Prod,
            vec![finding(1, Severity::High)],
            vec![],
            vec![],
        );
        let out = render(&r);
        assert!(!out.contains("Shortened"));
        assert!(out.contains("### High priority (1)"));
        assert!(out.contains("<details><summary><b>Reliability</b>: 88 (B+), 1 finding</summary>"));
    }
}
