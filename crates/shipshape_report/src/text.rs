//! The terminal report: a summary, then each finding in rustc's style with
//! a snippet of the evidence (annotate-snippets), coloured on a terminal.

use crate::Report;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use shipshape_model::{Finding, Severity};
use std::fmt::Write;

/// Reads a file's text for snippets (the review's in-memory copy).
pub trait SourceLookup {
    /// The file's text (shared: a report shows many snippets of one file).
    fn text(&self, path: &str) -> Option<std::sync::Arc<str>>;
}

/// Replaces control characters in repository-derived text (file names,
/// messages, snippets) so an escape sequence in the reviewed tree cannot
/// drive the reader's terminal; `keep_lines` keeps newlines and tabs.
fn clean(s: &str, keep_lines: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' if keep_lines => c,
            '\n' | '\r' => ' ',
            '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

pub fn render(r: &Report, sources: &dyn SourceLookup, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut o = String::new();
    if let Some(d) = &r.delta {
        write_delta(&mut o, r, d);
    }
    for f in &r.findings {
        o.push_str(&render_finding(f, sources, &renderer));
        o.push('\n');
    }
    for d in &r.diagnostics {
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!("{}:{l}: ", clean(f, false)),
            (Some(f), None) => format!("{}: ", clean(f, false)),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "note[{}]: {place}{}",
            d.kind.id(),
            clean(&d.message, false)
        );
    }
    if !r.diagnostics.is_empty() {
        o.push('\n');
    }
    let _ = writeln!(o, "shipshape review of {}", clean(&r.root, false));
    let _ = writeln!(o, "  score    {} / 100 ({})", r.score, r.grade);
    let _ = writeln!(o, "  decision {}", r.decision);
    let _ = writeln!(
        o,
        "  findings {} blocker, {} high, {} medium, {} low{}",
        r.count(Severity::Blocker),
        r.count(Severity::High),
        r.count(Severity::Medium),
        r.count(Severity::Low),
        if r.suppressed.is_empty() {
            String::new()
        } else {
            format!(", {} waived", r.suppressed.len())
        }
    );
    for c in &r.categories {
        let _ = writeln!(
            o,
            "  {:<14} {:>3} {:<2}  {} findings",
            c.id.id(),
            c.score,
            c.grade,
            c.findings
        );
    }
    o
}

/// The opening section of a follow-up review.
fn write_delta(o: &mut String, r: &Report, d: &crate::Delta) {
    let _ = writeln!(o, "What changed since the last review");
    let _ = writeln!(
        o,
        "  score    {} ({}) -> {} ({}), {:+}",
        d.baseline_score,
        d.baseline_grade,
        r.score,
        r.grade,
        i64::from(r.score) - i64::from(d.baseline_score)
    );
    if !d.baseline_decision.is_empty() {
        let _ = writeln!(o, "  decision {} -> {}", d.baseline_decision, r.decision);
    }
    let _ = writeln!(
        o,
        "  findings {} fixed, {} new, {} still open{}",
        d.fixed.len(),
        d.new.len(),
        d.unchanged,
        if d.accepted.is_empty() {
            String::new()
        } else {
            format!(", {} accepted as risks", d.accepted.len())
        }
    );
    if !d.unevaluated.is_empty() {
        let _ = writeln!(
            o,
            "  {} not re-evaluated: their files could not be read or parsed",
            d.unevaluated.len()
        );
    }
    for c in d
        .categories
        .iter()
        .filter(|c| c.change != 0 || c.new > 0 || c.fixed > 0)
    {
        let _ = writeln!(
            o,
            "  {:<14} {:>3} -> {:>3} ({:+})",
            c.id.id(),
            c.baseline_score,
            c.score,
            c.change
        );
    }
    for (mark, list) in [
        ("fixed", &d.fixed),
        ("new  ", &d.new),
        ("accepted", &d.accepted),
    ] {
        for f in list {
            let place = match (&f.file, f.line) {
                (Some(file), Some(l)) => format!(" ({file}:{l})"),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  {mark} {} {}: {}{place}",
                f.severity, f.rule, f.message
            );
        }
    }
    o.push('\n');
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Blocker => Level::ERROR,
        Severity::High => Level::WARNING,
        Severity::Medium => Level::NOTE,
        Severity::Low => Level::HELP,
    }
}

fn render_finding(f: &Finding, sources: &dyn SourceLookup, renderer: &Renderer) -> String {
    let title = format!("{}: {}", f.severity.id(), clean(&f.message, false));
    let label = clean(f.resource.as_deref().unwrap_or(""), false);
    let lvl = level(f.severity);
    let help = format!(
        "effort {}–{} h; `shipshape explain {}` for the fix",
        f.effort_hours[0], f.effort_hours[1], f.rule
    );
    let snippet = match (&f.file, f.line, f.end_line) {
        (Some(path), Some(line), Some(end)) => sources.text(path).and_then(|text| {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let start = (line as usize).saturating_sub(1);
            // Long blocks are shown by their first lines only.
            let end = (end as usize).min(lines.len()).min(start + 12);
            if start >= end {
                return None;
            }
            let body: String = clean(&lines[start..end].concat(), true);
            let trimmed = body.trim_end_matches(['\n', '\r']).len();
            Some((clean(path, false), line as usize, body, trimmed))
        }),
        _ => None,
    };
    let group = match &snippet {
        Some((path, line, body, len)) => Group::with_title(lvl.primary_title(&title).id(&f.rule))
            .element(
                Snippet::source(body.as_str())
                    .line_start(*line)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(0..*len).label(label.as_str())),
            ),
        None => Group::with_title(lvl.primary_title(&title).id(&f.rule)),
    };
    let group = group.element(Level::HELP.message(help.as_str()));
    let mut s = renderer.render(&[group]);
    if snippet.is_none() {
        let place = clean(f.file.as_deref().unwrap_or("repository"), false);
        let _ = write!(s, "\n  --> {place}");
    }
    s.push('\n');
    s
}
