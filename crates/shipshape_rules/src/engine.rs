//! Runs rules in parallel over a loaded repository, or over its parts one
//! after another, and merges their output in a deterministic order.

use crate::{Context, Rule};
use rayon::prelude::*;
use shipshape_loaders::Repository;
use shipshape_model::{Diagnostic, Finding, Profile};
use std::any::Any;

/// What the rules said.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reviews the repository as one part.
pub fn run(repo: &Repository, profile: Profile, rules: &[&'static dyn Rule]) -> Outcome {
    let mut review = Review::new(profile, rules);
    review.check(repo);
    review.finish()
}

/// A review in parts: [`Review::check`] each part in path order, then
/// [`Review::finish`]. The outcome is the one a review of the whole
/// repository gives, as long as no loader resolves anything across parts.
pub struct Review<'r> {
    profile: Profile,
    rules: &'r [&'static dyn Rule],
    /// Each rule's facts so far, by rule index.
    facts: Vec<Option<Box<dyn Any + Send>>>,
    findings: Vec<Vec<Finding>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'r> Review<'r> {
    pub fn new(profile: Profile, rules: &'r [&'static dyn Rule]) -> Self {
        Self {
            profile,
            rules,
            facts: rules.iter().map(|_| None).collect(),
            findings: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Runs every rule over one part.
    pub fn check(&mut self, part: &Repository) {
        let profile = self.profile;
        let said: Vec<_> = self
            .rules
            .par_iter()
            .zip(self.facts.par_iter_mut())
            .map(|(rule, facts)| {
                let mut cx = Context::new(part, profile, rule.meta());
                cx.facts = facts.take();
                rule.check(&mut cx);
                *facts = cx.facts;
                (cx.findings, cx.diagnostics)
            })
            .collect();
        self.absorb(said);
    }

    /// Lets every rule decide what needs the whole repository, then sorts
    /// and deduplicates everything that was said.
    pub fn finish(mut self) -> Outcome {
        let profile = self.profile;
        let said: Vec<_> = self
            .rules
            .par_iter()
            .zip(std::mem::take(&mut self.facts))
            .filter_map(|(rule, facts)| {
                let mut cx = Context::finishing(profile, rule.meta(), facts?);
                rule.finish(&mut cx);
                Some((cx.findings, cx.diagnostics))
            })
            .collect();
        self.absorb(said);
        // Sized once: on a monorepo this is the largest vector of the review,
        // and growing it by doubling would hold two copies at the peak.
        let mut out = Outcome {
            findings: Vec::with_capacity(self.findings.iter().map(Vec::len).sum()),
            diagnostics: self.diagnostics,
        };
        for f in self.findings {
            out.findings.extend(f);
        }
        shipshape_model::sort_findings(&mut out.findings);
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

    fn absorb(&mut self, said: Vec<(Vec<Finding>, Vec<Diagnostic>)>) {
        for (f, d) in said {
            if !f.is_empty() {
                self.findings.push(f);
            }
            self.diagnostics.extend(d);
        }
    }
}
