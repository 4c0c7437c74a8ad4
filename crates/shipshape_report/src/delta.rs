//! Follow-up reviews: what changed since a baseline report, matched by
//! fingerprint (which never depends on line numbers).

use crate::{Delta, Report};
use std::collections::HashSet;

pub fn compare(baseline: &Report, current: &Report) -> Delta {
    let before: HashSet<&str> = baseline
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let now: HashSet<&str> = current
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    Delta {
        baseline_score: baseline.score,
        baseline_grade: baseline.grade.clone(),
        fixed: baseline
            .findings
            .iter()
            .filter(|f| !now.contains(f.fingerprint.as_str()))
            .cloned()
            .collect(),
        new: current
            .findings
            .iter()
            .filter(|f| !before.contains(f.fingerprint.as_str()))
            .cloned()
            .collect(),
        unchanged: current
            .findings
            .iter()
            .filter(|f| before.contains(f.fingerprint.as_str()))
            .count(),
        baseline_categories: baseline.categories.clone(),
    }
}
