//! The HTML report: one self-contained file to attach to a ticket or open
//! from a CI artifact.
//!
//! - No network: CSS and JS are inline, the chart is inline SVG, and a
//!   Content-Security-Policy allows exactly our one style and one script
//!   (by SHA-256) and nothing else, as a second line of defence.
//! - Every piece of repository content (paths, resource names, messages,
//!   evidence lines) goes through [`esc`]; the only markup is ours.
//! - Works without JS: every finding is in the document; the category and
//!   severity filters are checkboxes that hide findings through CSS
//!   (`:checked` and the sibling combinator), and the script only adds the
//!   "showing n of m" count.

use crate::markdown::location;
use crate::text::SourceLookup;
use crate::{scoring, Report};
use shipshape_model::{Category, Finding, Severity};
use std::fmt::Write;

/// Escapes text for HTML text nodes and double- or single-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL and other C0 controls are parse errors in HTML.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;
--blocker:#a40e26;--high:#bc4c00;--medium:#9a6700;--low:#0969da;--go:#1a7f37}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1100px;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{border-bottom:1px solid var(--line);padding-bottom:.3rem;margin-top:2.2rem}
h3{font-size:1.02rem;margin:.2rem 0}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;overflow-x:auto;white-space:pre}
table{border-collapse:collapse;margin:.6rem 0}th,td{border:1px solid var(--line);padding:.3rem .7rem;text-align:left}
td.num,th.num{text-align:right}
.verdict{display:flex;gap:1rem;flex-wrap:wrap;align-items:stretch}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem 1.1rem;min-width:9rem}
.tile .big{font-size:2rem;font-weight:700;line-height:1.1}
.tile .lbl{color:var(--muted);font-size:.85rem}
.decision-no-go{color:var(--blocker)}.decision-conditional{color:var(--high)}.decision-go{color:var(--go)}
.badge{display:inline-block;border-radius:4px;padding:0 .45rem;font-size:.78rem;font-weight:700;color:#fff;text-transform:uppercase;vertical-align:1px}
.b-blocker{background:var(--blocker)}.b-high{background:var(--high)}.b-medium{background:var(--medium)}.b-low{background:var(--low)}
.st-no-go{color:var(--blocker);font-weight:700}.st-conditional{color:var(--high);font-weight:700}.st-go{color:var(--go);font-weight:700}
.filters{display:flex;flex-wrap:wrap;gap:.3rem 1rem;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.6rem .9rem;margin:.8rem 0}
.filters .group{font-weight:600;margin-right:.2rem}
.filters label{cursor:pointer;white-space:nowrap}
input.filter{position:absolute;opacity:0;width:1px;height:1px}
.filters label::before{content:"\2611\00a0";}
ol.findings{list-style:none;padding:0;margin:0}
li.finding{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:.6rem .9rem;margin:.7rem 0}
li.sev-blocker{border-left-color:var(--blocker)}li.sev-high{border-left-color:var(--high)}
li.sev-medium{border-left-color:var(--medium)}li.sev-low{border-left-color:var(--low)}
.where{color:var(--muted);margin:.2rem 0}
.ln{color:var(--muted);user-select:none;display:inline-block;min-width:3.2em;text-align:right;margin-right:1em}
.muted{color:var(--muted)}
#shown{color:var(--muted);min-height:1.4em;margin:.2rem 0}
svg text{font:13px system-ui,sans-serif;fill:var(--fg)}
#chart{max-width:760px;display:block}
@media print{.filters,#shown{display:none}li.finding{break-inside:avoid}}
"#;

const SCRIPT: &str = r#"
(function () {
  var items = document.querySelectorAll("li.finding");
  var out = document.getElementById("shown");
  function update() {
    var n = 0;
    for (var i = 0; i < items.length; i++) {
      if (items[i].offsetParent !== null) { n++; }
    }
    out.textContent = "Showing " + n + " of " + items.length + " findings";
  }
  var inputs = document.querySelectorAll("input.filter");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("change", update);
  }
  update();
})();
"#;

/// Filter checkboxes: the CSS rules that hide what is unchecked. Made from
/// our own category and severity ids, never from repository content.
fn filter_css() -> String {
    let mut css = String::new();
    for s in Severity::DESCENDING {
        let _ = writeln!(
            css,
            "#f-sev-{0}:not(:checked)~ol.findings li.sev-{0}{{display:none}}\n#f-sev-{0}:not(:checked)~.filters label[for=f-sev-{0}]::before{{content:\"\\2610\\00a0\"}}\n#f-sev-{0}:focus-visible~.filters label[for=f-sev-{0}]{{outline:2px solid var(--low)}}",
            s.id()
        );
    }
    for c in Category::ALL {
        let _ = writeln!(
            css,
            "#f-cat-{0}:not(:checked)~ol.findings li.cat-{0}{{display:none}}\n#f-cat-{0}:not(:checked)~.filters label[for=f-cat-{0}]::before{{content:\"\\2610\\00a0\"}}\n#f-cat-{0}:focus-visible~.filters label[for=f-cat-{0}]{{outline:2px solid var(--low)}}",
            c.id()
        );
    }
    css
}

/// `sha256-<base64>` for a Content-Security-Policy source list.
fn csp_hash(content: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("'sha256-{}'", base64(&Sha256::digest(content.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn decision_title(d: &str) -> &'static str {
    match d {
        "no-go" => "NO-GO",
        "conditional" => "CONDITIONAL",
        _ => "GO",
    }
}

fn decision_class(d: &str) -> &'static str {
    match d {
        "no-go" => "no-go",
        "conditional" => "conditional",
        _ => "go",
    }
}

/// Bar colour by score, matching the grade bands.
fn bar_colour(score: u32) -> &'static str {
    match score {
        90.. => "#1a7f37",
        80..=89 => "#4d9a2a",
        70..=79 => "#9a6700",
        60..=69 => "#bc4c00",
        _ => "#a40e26",
    }
}

fn finding_id(f: &Finding) -> String {
    format!("f-{}", esc(&f.fingerprint))
}

pub fn render(r: &Report, sources: &dyn SourceLookup) -> String {
    let style = format!("{STYLE}{}", filter_css());
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(&style),
        csp_hash(SCRIPT)
    );
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"shipshape {}\">\n<title>Production readiness review: {}</title>\n<style>{style}</style>\n</head>\n<body>\n",
        // Ours only (keywords and base64 hashes), and needs its quotes as is.
        csp,
        esc(&r.tool.version),
        esc(&r.root)
    );
    let _ = writeln!(
        o,
        "<header>\n<h1>Production readiness review: <code>{}</code></h1>",
        esc(&r.root)
    );
    summary(&mut o, r);
    o.push_str("</header>\n<main>\n");
    if let Some(d) = &r.delta {
        delta(&mut o, r, d);
    }
    scorecard(&mut o, r);
    matrix(&mut o, r);
    findings(&mut o, r, sources);
    roadmap(&mut o, r);
    suppressed(&mut o, r);
    diagnostics(&mut o, r);
    let _ = write!(
        o,
        "</main>\n<footer class=\"muted\"><p>shipshape {} · profile {} · schema {}</p></footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(&r.tool.version),
        r.profile.id(),
        r.schema_version
    );
    o
}

fn summary(o: &mut String, r: &Report) {
    let d = decision_class(&r.decision);
    let _ = writeln!(
        o,
        "<section id=\"summary\" aria-label=\"Executive summary\">\n<div class=\"verdict\">\n<div class=\"tile\"><div class=\"lbl\">Grade</div><div class=\"big\" id=\"grade\">{}</div><div class=\"lbl\">score <span id=\"score\">{}</span> / 100</div></div>\n<div class=\"tile\"><div class=\"lbl\">Decision</div><div class=\"big decision-{d}\" id=\"decision\" data-decision=\"{d}\">{}</div><div class=\"lbl\">profile {}</div></div>",
        esc(&r.grade),
        r.score,
        decision_title(&r.decision),
        r.profile.id()
    );
    for s in Severity::DESCENDING {
        let _ = writeln!(
            o,
            "<div class=\"tile\"><div class=\"lbl\">{}</div><div class=\"big\" id=\"count-{}\">{}</div><div class=\"lbl\">findings</div></div>",
            title_case(s.id()),
            s.id(),
            r.count(s)
        );
    }
    o.push_str("</div>\n");
    let blockers = r.count(Severity::Blocker);
    let high = r.count(Severity::High);
    let text = match r.decision.as_str() {
        "no-go" => format!(
            "Not ready for production: {blockers} blocker{} must be fixed first{}.",
            plural(blockers),
            if high > 0 {
                format!(", and {high} high-severity finding{} should be", plural(high))
            } else {
                String::new()
            }
        ),
        "conditional" => format!(
            "No blockers; ready for production on condition that the {high} high-severity finding{} {} fixed or accepted.",
            plural(high),
            if high == 1 { "is" } else { "are" }
        ),
        _ => "Ready for production: no blocker and no high-severity finding remains.".to_string(),
    };
    let _ = writeln!(o, "<p>{}</p>", esc(&text));
    let weakest: Vec<String> = {
        let mut cats: Vec<_> = r.categories.iter().filter(|c| c.findings > 0).collect();
        cats.sort_by_key(|c| c.score);
        cats.iter()
            .take(3)
            .map(|c| format!("{} ({}, {})", c.id.title(), c.score, c.grade))
            .collect()
    };
    if !weakest.is_empty() {
        let _ = writeln!(o, "<p>Weakest areas: {}.</p>", esc(&weakest.join(", ")));
    }
    let top: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::High)
        .take(5)
        .collect();
    if !top.is_empty() {
        o.push_str("<p>Top risks:</p>\n<ul>\n");
        for f in top {
            let _ = writeln!(
                o,
                "<li><span class=\"badge b-{}\">{}</span> <a href=\"#{}\">{}</a></li>",
                f.severity.id(),
                f.severity.id(),
                finding_id(f),
                esc(&f.message)
            );
        }
        o.push_str("</ul>\n");
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"muted\">{} thing{} could not be evaluated: see <a href=\"#diagnostics\">Not evaluated</a>.</p>",
            r.diagnostics.len(),
            plural(r.diagnostics.len())
        );
    }
    o.push_str("</section>\n");
}

fn scorecard(o: &mut String, r: &Report) {
    o.push_str("<section id=\"scorecard\">\n<h2>Scorecard</h2>\n");
    // Inline SVG: presentation attributes only (no style attributes), so
    // the CSP needs no 'unsafe-inline'.
    let row = 30;
    let label_w = 170;
    let bar_w = 400;
    let height = row * r.categories.len() + 10;
    let _ = writeln!(
        o,
        "<svg id=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"chart-title\">Score per category, 0 to 100</title>",
        label_w + bar_w + 90
    );
    for (i, c) in r.categories.iter().enumerate() {
        let y = i * row + 5;
        let w = (c.score.min(100) as usize * bar_w) / 100;
        let _ = writeln!(
            o,
            "<g class=\"bar\" data-category=\"{id}\"><text x=\"0\" y=\"{ty}\">{title}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"20\" rx=\"3\" fill=\"#eaeef2\"/><rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"20\" rx=\"3\" fill=\"{col}\"/><text x=\"{tx}\" y=\"{ty}\">{score} {grade}</text></g>",
            id = c.id.id(),
            ty = y + 15,
            title = esc(c.id.title()),
            col = bar_colour(c.score),
            tx = label_w + bar_w + 8,
            score = c.score,
            grade = esc(&c.grade),
        );
    }
    o.push_str("</svg>\n");
    o.push_str("<table>\n<thead><tr><th>Category</th><th class=\"num\">Score</th><th>Grade</th><th class=\"num\">Findings</th></tr></thead>\n<tbody>\n");
    for c in &r.categories {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(c.id.title()),
            c.score,
            esc(&c.grade),
            c.findings
        );
    }
    let _ = writeln!(
        o,
        "<tr><th>Overall</th><th class=\"num\">{}</th><th>{}</th><th class=\"num\">{}</th></tr>\n</tbody>\n</table>\n<p class=\"muted\">Each finding takes a share of its category's remaining score (blocker 25%, high 12%, medium 6%, low 2%); the overall score weighs security and reliability 20, observability and recovery 15, the rest 10.</p>\n</section>",
        r.score,
        esc(&r.grade),
        r.findings.len()
    );
}

fn matrix(o: &mut String, r: &Report) {
    o.push_str("<section id=\"matrix\">\n<h2>Go / no-go matrix</h2>\n<table>\n<thead><tr><th>Category</th><th class=\"num\">Blockers</th><th class=\"num\">High</th><th>Status</th></tr></thead>\n<tbody>\n");
    for c in Category::ALL {
        let sevs = r
            .findings
            .iter()
            .filter(|f| f.category == c)
            .map(|f| f.severity);
        let b = sevs.clone().filter(|s| *s == Severity::Blocker).count();
        let h = sevs.clone().filter(|s| *s == Severity::High).count();
        let status = scoring::decision(sevs);
        let _ = writeln!(
            o,
            "<tr data-category=\"{}\"><td>{}</td><td class=\"num\">{b}</td><td class=\"num\">{h}</td><td class=\"st-{}\">{}</td></tr>",
            c.id(),
            esc(c.title()),
            decision_class(status),
            decision_title(status)
        );
    }
    let _ = writeln!(
        o,
        "<tr><th>Overall</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"st-{}\">{}</th></tr>\n</tbody>\n</table>\n</section>",
        r.count(Severity::Blocker),
        r.count(Severity::High),
        decision_class(&r.decision),
        decision_title(&r.decision)
    );
}

fn findings(o: &mut String, r: &Report, sources: &dyn SourceLookup) {
    let _ = writeln!(
        o,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        r.findings.len()
    );
    if r.findings.is_empty() {
        o.push_str("<p>No findings.</p>\n</section>\n");
        return;
    }
    // The checkboxes precede the filter labels and the list as siblings:
    // that is what lets `#f-x:not(:checked) ~ ol li.x` hide findings
    // without any script.
    for s in Severity::DESCENDING {
        let _ = writeln!(
            o,
            "<input type=\"checkbox\" class=\"filter\" id=\"f-sev-{}\" checked>",
            s.id()
        );
    }
    for c in Category::ALL {
        let _ = writeln!(
            o,
            "<input type=\"checkbox\" class=\"filter\" id=\"f-cat-{}\" checked>",
            c.id()
        );
    }
    o.push_str(
        "<div class=\"filters\" role=\"group\" aria-label=\"Filter findings\"><span class=\"group\">Severity:</span>",
    );
    for s in Severity::DESCENDING {
        let _ = write!(
            o,
            "<label for=\"f-sev-{0}\">{1} ({2})</label>",
            s.id(),
            title_case(s.id()),
            r.count(s)
        );
    }
    o.push_str("<span class=\"group\">Category:</span>");
    for c in Category::ALL {
        let n = r.findings.iter().filter(|f| f.category == c).count();
        let _ = write!(
            o,
            "<label for=\"f-cat-{}\">{} ({n})</label>",
            c.id(),
            esc(c.title())
        );
    }
    o.push_str("</div>\n<p id=\"shown\" aria-live=\"polite\"></p>\n<ol class=\"findings\">\n");
    for f in &r.findings {
        finding(o, f, sources);
    }
    o.push_str("</ol>\n</section>\n");
}

fn finding(o: &mut String, f: &Finding, sources: &dyn SourceLookup) {
    let _ = writeln!(
        o,
        "<li class=\"finding sev-{sev} cat-{cat}\" id=\"{id}\" data-fingerprint=\"{fp}\" data-severity=\"{sev}\" data-category=\"{cat}\">\n<h3><span class=\"badge b-{sev}\">{sev}</span> <code>{code}</code> {rule}</h3>\n<p class=\"msg\">{msg}</p>",
        sev = f.severity.id(),
        cat = f.category.id(),
        id = finding_id(f),
        fp = esc(&f.fingerprint),
        code = esc(&f.code),
        rule = esc(&f.rule),
        msg = esc(&f.message),
    );
    let _ = write!(
        o,
        "<p class=\"where\">{} · <code>{}</code>",
        esc(f.category.title()),
        esc(&location(f))
    );
    if let Some(res) = &f.resource {
        let _ = write!(o, " · <code>{}</code>", esc(res));
    }
    let _ = writeln!(
        o,
        " · effort {}–{} h</p>",
        f.effort_hours[0], f.effort_hours[1]
    );
    if let Some(snippet) = evidence(f, sources) {
        o.push_str(&snippet);
    }
    let _ = writeln!(
        o,
        "<details><summary>How to fix</summary>\n{}</details>\n</li>",
        remediation(&f.remediation)
    );
}

/// The evidence lines, numbered; long blocks show their first lines.
fn evidence(f: &Finding, sources: &dyn SourceLookup) -> Option<String> {
    const MAX_LINES: usize = 15;
    let (path, line) = (f.file.as_deref()?, f.line?);
    let text = sources.text(path)?;
    let start = (line as usize).checked_sub(1)?;
    let end = f.end_line.unwrap_or(line).max(line) as usize;
    let lines: Vec<&str> = text.lines().skip(start).take(end - start).collect();
    if lines.is_empty() {
        return None;
    }
    let mut o = String::from("<pre class=\"evidence\"><code>");
    for (i, l) in lines.iter().take(MAX_LINES).enumerate() {
        let shown = if SECRET_RULES.contains(&f.rule.as_str()) {
            redact(l)
        } else {
            (*l).to_string()
        };
        let _ = writeln!(
            o,
            "<span class=\"ln\">{}</span>{}",
            start + i + 1,
            esc(&shown)
        );
    }
    if lines.len() > MAX_LINES {
        let _ = writeln!(
            o,
            "<span class=\"ln\">…</span>{} more line{}",
            lines.len() - MAX_LINES,
            plural(lines.len() - MAX_LINES)
        );
    }
    o.push_str("</code></pre>\n");
    Some(o)
}

/// Rules whose evidence is a secret: the report is attached to tickets
/// and CI artifacts, so it must not republish the value.
const SECRET_RULES: [&str; 1] = ["hardcoded-secret"];

/// Keeps a line's key and hides its value: everything after the first
/// `=` or `:` (HCL, YAML, env files, Dockerfile ENV).
fn redact(line: &str) -> String {
    match line.find(['=', ':']) {
        Some(i) => format!(
            "{} \u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022} (redacted)",
            &line[..=i]
        ),
        None => "\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022} (redacted)".to_string(),
    }
}

/// Remediation is Markdown (prose and fenced snippets): fences become
/// `<pre>`, prose paragraphs become `<p>`, all of it escaped.
fn remediation(md: &str) -> String {
    let mut o = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut fence: Option<Vec<&str>> = None;
    let flush = |o: &mut String, para: &mut Vec<&str>| {
        if !para.is_empty() {
            let _ = writeln!(o, "<p>{}</p>", esc(&para.join(" ")));
            para.clear();
        }
    };
    for line in md.lines() {
        let is_fence = line.trim_start().starts_with("```");
        match (&mut fence, is_fence) {
            (Some(body), true) => {
                let _ = writeln!(o, "<pre><code>{}</code></pre>", esc(&body.join("\n")));
                fence = None;
            }
            (Some(body), false) => body.push(line),
            (None, true) => {
                flush(&mut o, &mut para);
                fence = Some(Vec::new());
            }
            (None, false) if line.trim().is_empty() => flush(&mut o, &mut para),
            (None, false) => para.push(line.trim()),
        }
    }
    if let Some(body) = fence {
        let _ = writeln!(o, "<pre><code>{}</code></pre>", esc(&body.join("\n")));
    }
    flush(&mut o, &mut para);
    o
}

fn roadmap(o: &mut String, r: &Report) {
    o.push_str("<section id=\"roadmap\">\n<h2>Roadmap</h2>\n");
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
        let _ = writeln!(
            o,
            "<h3>{title}: {} item{}, {a}–{b} h</h3>",
            list.len(),
            plural(list.len())
        );
        if list.is_empty() {
            o.push_str("<p class=\"muted\">Nothing to do.</p>\n");
            continue;
        }
        o.push_str("<ul>\n");
        for f in list {
            let _ = writeln!(
                o,
                "<li><a href=\"#{}\">{}</a>: {} ({}–{} h)</li>",
                finding_id(f),
                esc(&f.rule),
                esc(&f.message),
                f.effort_hours[0],
                f.effort_hours[1]
            );
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn delta(o: &mut String, r: &Report, d: &crate::Delta) {
    let diff = r.score as i64 - d.baseline_score as i64;
    let _ = writeln!(
        o,
        "<section id=\"delta\">\n<h2>What changed since the last review</h2>\n<p>Previous grade <b>{}</b> ({}) → current <b>{}</b> ({}), {diff:+}. {} fixed, {} new, {} still open.</p>",
        esc(&d.baseline_grade),
        d.baseline_score,
        esc(&r.grade),
        r.score,
        d.fixed.len(),
        d.new.len(),
        d.unchanged
    );
    if !d.baseline_categories.is_empty() {
        o.push_str("<table>\n<thead><tr><th>Category</th><th class=\"num\">Before</th><th class=\"num\">Now</th><th class=\"num\">Change</th></tr></thead>\n<tbody>\n");
        for c in &r.categories {
            if let Some(b) = d.baseline_categories.iter().find(|b| b.id == c.id) {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:+}</td></tr>",
                    esc(c.id.title()),
                    b.score,
                    c.score,
                    c.score as i64 - b.score as i64
                );
            }
        }
        o.push_str("</tbody>\n</table>\n");
    }
    if !d.baseline_decision.is_empty() {
        let _ = writeln!(
            o,
            "<p>Decision: {} → <span class=\"st-{}\">{}</span>.</p>",
            decision_title(&d.baseline_decision),
            decision_class(&r.decision),
            decision_title(&r.decision)
        );
    }
    for (title, list, always) in [
        ("Fixed", &d.fixed, true),
        ("New", &d.new, true),
        ("Accepted (waived since)", &d.accepted, false),
        (
            "Not evaluated now (file unreadable or unparsable)",
            &d.unevaluated,
            false,
        ),
    ] {
        if list.is_empty() && !always {
            continue;
        }
        let _ = writeln!(o, "<h3>{title} ({})</h3>", list.len());
        if list.is_empty() {
            continue;
        }
        o.push_str("<ul>\n");
        for f in list {
            let _ = writeln!(
                o,
                "<li><span class=\"badge b-{}\">{}</span> {}: {} <code>{}</code></li>",
                f.severity.id(),
                f.severity.id(),
                esc(&f.rule),
                esc(&f.message),
                esc(&location(f))
            );
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn suppressed(o: &mut String, r: &Report) {
    if r.suppressed.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"suppressed\">\n<h2>Accepted risks ({})</h2>\n<ul>",
        r.suppressed.len()
    );
    for f in &r.suppressed {
        let _ = write!(
            o,
            "<li>{} <code>{}</code>: {}. Reason: {}",
            esc(&f.rule),
            esc(&location(f)),
            esc(&f.message),
            esc(f.suppressed_by.as_ref().map_or("waived", |s| &s.reason))
        );
        if let Some(s) = &f.suppressed_by {
            if let Some(owner) = &s.owner {
                let _ = write!(o, " Owner: {}.", esc(owner));
            }
            if let Some(exp) = &s.expires {
                let _ = write!(o, " Expires {}.", esc(exp));
            }
            let _ = write!(o, " Waiver: <code>{}</code>", esc(&s.source));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n</section>\n");
}

fn diagnostics(o: &mut String, r: &Report) {
    if r.diagnostics.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"diagnostics\">\n<h2>Not evaluated ({})</h2>\n<ul>",
        r.diagnostics.len()
    );
    for d in &r.diagnostics {
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.clone(),
            _ => "repository".into(),
        };
        let _ = writeln!(
            o,
            "<li>{} <code>{}</code>: {}</li>",
            d.kind.id(),
            esc(&place),
            esc(&d.message)
        );
    }
    o.push_str("</ul>\n</section>\n");
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_model::Profile;

    struct Files(Vec<(String, String)>);
    impl SourceLookup for Files {
        fn text(&self, path: &str) -> Option<std::sync::Arc<str>> {
            self.0
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.as_str().into())
        }
    }

    const PAYLOAD: &str = "<img src=x onerror=alert(1)>";

    fn hostile() -> (Report, Files) {
        let f = Finding {
            rule: "rds-not-multi-az".into(),
            code: "REL004".into(),
            category: Category::Reliability,
            severity: Severity::High,
            message: format!("database `{PAYLOAD}` runs in a single AZ"),
            file: Some(format!("{PAYLOAD}.tf")),
            line: Some(1),
            end_line: Some(2),
            resource: Some(format!("aws_db_instance.{PAYLOAD}")),
            fingerprint: "\"><script>alert(2)</script>".into(),
            remediation: format!("Set it.\n\n```hcl\n# {PAYLOAD}\n</pre><script>x</script>\n```")
                .into(),
            effort_hours: [1, 2],
            suppressed_by: None,
        };
        let r = Report::new(
            PAYLOAD,
            Profile::Prod,
            vec![f],
            vec![],
            vec![shipshape_model::Diagnostic::new(
                shipshape_model::DiagnosticKind::ParseError,
                Some(format!("{PAYLOAD}.yml")),
                Some(1),
                PAYLOAD,
            )],
        );
        let files = Files(vec![(
            format!("{PAYLOAD}.tf"),
            format!("resource \"aws_db_instance\" \"{PAYLOAD}\" {{\n}}\n"),
        )]);
        (r, files)
    }

    #[test]
    fn repository_content_is_inert() {
        let (r, files) = hostile();
        let html = render(&r, &files);
        assert!(!html.contains("<img"), "raw <img in output");
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        // The evidence snippet came from the file's text, escaped.
        assert!(html.contains(
            "<span class=\"ln\">1</span>resource &quot;aws_db_instance&quot; &quot;&lt;img"
        ));
    }

    #[test]
    fn csp_allows_exactly_the_inline_style_and_script() {
        let (r, files) = hostile();
        let html = render(&r, &files);
        let script = html
            .split("<script>")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .unwrap_or("");
        assert_eq!(script, SCRIPT);
        assert!(html.contains(&csp_hash(script)));
        assert!(html.contains("content=\"default-src 'none'; style-src 'sha256-"));
    }

    #[test]
    fn delta_waivers_and_diagnostics_have_their_sections() {
        let (mut r, files) = hostile();
        let mut waived = r.findings[0].clone();
        waived.suppressed_by = Some(Box::new(shipshape_model::Suppression {
            reason: format!("accepted by {PAYLOAD}"),
            owner: Some(PAYLOAD.into()),
            expires: None,
            source: format!("{PAYLOAD}.tf:1"),
            inline: false,
        }));
        r.suppressed.push(waived);
        let baseline = Report::new("old", Profile::Prod, vec![], vec![], vec![]);
        r.delta = Some(crate::delta::compare(&baseline, &r));
        let html = render(&r, &files);
        for id in [
            "summary",
            "delta",
            "scorecard",
            "matrix",
            "findings",
            "roadmap",
            "suppressed",
            "diagnostics",
        ] {
            assert!(html.contains(&format!("<section id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("Previous grade <b>A+</b> (100)"));
        assert!(html.contains("<h3>New (1)</h3>"));
        assert!(!html.contains("<img"));
    }

    #[test]
    fn secret_evidence_is_redacted() {
        let (mut r, _) = hostile();
        r.findings[0].rule = "hardcoded-secret".into();
        let files = Files(vec![(
            format!("{PAYLOAD}.tf"),
            "  password = \"phoenix123\"\n}\n".to_string(),
        )]);
        let html = render(&r, &files);
        assert!(!html.contains("phoenix123"));
        assert!(html.contains("  password = •••••• (redacted)"));
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn remediation_fences_become_pre_blocks() {
        let html = remediation("Do this.\n\n```hcl\na = \"<b>\"\n```\nthen that");
        assert_eq!(
            html,
            "<p>Do this.</p>\n<pre><code>a = &quot;&lt;b&gt;&quot;</code></pre>\n<p>then that</p>\n"
        );
    }
}
