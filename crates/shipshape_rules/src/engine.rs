//! Runs rules in parallel over a loaded repository and merges their output
//! in a deterministic order.

use crate::{Context, Rule};
use rayon::prelude::*;
use shipshape_loaders::Repository;
use shipshape_model::{Diagnostic, Finding, Profile};

/// What the rules said.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn run(repo: &Repository, profile: Profile, rules: &[&'static dyn Rule]) -> Outcome {
    let parts: Vec<(Vec<Finding>, Vec<Diagnostic>)> = rules
        .par_iter()
        .map(|rule| {
            let mut cx = Context::new(repo, profile, rule.meta());
            rule.check(&mut cx);
            (cx.findings, cx.diagnostics)
        })
        .collect();
    // Sized once: on a monorepo this is the largest vector of the review,
    // and growing it by doubling would hold two copies at the peak.
    let mut out = Outcome {
        findings: Vec::with_capacity(parts.iter().map(|(f, _)| f.len()).sum()),
        diagnostics: Vec::new(),
    };
    for (f, d) in parts {
        out.findings.extend(f);
        out.diagnostics.extend(d);
    }
    // Stable, so equal keys keep rule order; in parallel, as a monorepo
    // review sorts hundreds of thousands of findings here.
    out.findings
        .par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // The same problem reached twice by one rule is one finding.
    let mut seen = std::collections::HashSet::with_capacity(out.findings.len());
    let first: Vec<bool> = out
        .findings
        .iter()
        .map(|f| seen.insert(f.fingerprint.as_str()))
        .collect();
    drop(seen);
    let mut first = first.into_iter();
    out.findings.retain(|_| first.next().unwrap_or(true));
    out.diagnostics.sort();
    out.diagnostics.dedup();
    out
}
