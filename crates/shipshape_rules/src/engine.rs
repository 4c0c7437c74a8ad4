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
    let mut out = Outcome::default();
    for (f, d) in parts {
        out.findings.extend(f);
        out.diagnostics.extend(d);
    }
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // The same problem reached twice by one rule is one finding.
    let mut seen = std::collections::HashSet::new();
    out.findings.retain(|f| seen.insert(f.fingerprint.clone()));
    out.diagnostics.sort();
    out.diagnostics.dedup();
    out
}
