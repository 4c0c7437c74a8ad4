//! Follow-up reviews: what changed since a baseline report, matched by
//! fingerprint (which never depends on line numbers, see
//! docs/fingerprints.md).
//!
//! A baseline finding that is gone is `fixed`, unless it is now waived
//! (then it is `accepted`: the risk was accepted, not removed). A finding
//! that was waived in the baseline and is open again (the waiver expired
//! or was removed) counts as `new`. A baseline finding in a file this
//! review skipped or could not parse is `unevaluated`: silence about a
//! file shipshape could not read is not a fix.

use crate::{CategoryDelta, Delta, Report};
use shipshape_model::{DiagnosticKind, Finding};
use std::collections::HashSet;

pub fn compare(baseline: &Report, current: &Report) -> Delta {
    let prints = |list: &[Finding]| -> HashSet<String> {
        list.iter().map(|f| f.fingerprint.clone()).collect()
    };
    let before = prints(&baseline.findings);
    let now = prints(&current.findings);
    let waived_now = prints(&current.suppressed);

    let unreadable: HashSet<&str> = current
        .diagnostics
        .iter()
        .filter(|d| matches!(d.kind, DiagnosticKind::ParseError | DiagnosticKind::Skipped))
        .filter_map(|d| d.file.as_deref())
        .collect();
    let (accepted, gone): (Vec<Finding>, Vec<Finding>) = baseline
        .findings
        .iter()
        .filter(|f| !now.contains(&f.fingerprint))
        .cloned()
        .partition(|f| waived_now.contains(&f.fingerprint));
    let (unevaluated, fixed): (Vec<Finding>, Vec<Finding>) = gone
        .into_iter()
        .partition(|f| f.file.as_deref().is_some_and(|p| unreadable.contains(p)));
    let new: Vec<Finding> = current
        .findings
        .iter()
        .filter(|f| !before.contains(&f.fingerprint))
        .cloned()
        .collect();
    let categories = current
        .categories
        .iter()
        .map(|c| {
            let base = baseline.categories.iter().find(|b| b.id == c.id);
            let baseline_score = base.map_or(100, |b| b.score);
            CategoryDelta {
                id: c.id,
                baseline_score,
                baseline_grade: base.map_or_else(
                    || crate::scoring::grade(100).to_string(),
                    |b| b.grade.clone(),
                ),
                score: c.score,
                grade: c.grade.clone(),
                change: i64::from(c.score) - i64::from(baseline_score),
                fixed: fixed.iter().filter(|f| f.category == c.id).count(),
                new: new.iter().filter(|f| f.category == c.id).count(),
            }
        })
        .collect();
    Delta {
        baseline_score: baseline.score,
        baseline_grade: baseline.grade.clone(),
        unchanged: current
            .findings
            .iter()
            .filter(|f| before.contains(&f.fingerprint))
            .count(),
        fixed,
        new,
        baseline_categories: baseline.categories.clone(),
        baseline_decision: baseline.decision.clone(),
        categories,
        accepted,
        unevaluated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipshape_model::{Category, Profile, Severity, Suppression};

    fn f(rule: &str, cat: Category, sev: Severity, fp: &str) -> Finding {
        Finding {
            rule: rule.into(),
            code: "X001".into(),
            category: cat,
            severity: sev,
            message: format!("{rule} {fp}"),
            file: Some("main.tf".into()),
            line: Some(1),
            end_line: Some(2),
            resource: None,
            fingerprint: fp.into(),
            remediation: "".into(),
            effort_hours: [1, 2],
            suppressed_by: None,
        }
    }

    #[test]
    fn fixed_new_unchanged_accepted_and_categories() {
        let a = f(
            "rds-not-multi-az",
            Category::Reliability,
            Severity::High,
            "a",
        );
        let b = f(
            "cloudtrail-missing",
            Category::Governance,
            Severity::High,
            "b",
        );
        let c = f("other", Category::Security, Severity::Blocker, "c");
        let d = f("more", Category::Security, Severity::Medium, "d");
        let base = Report::new(
            ".",
            Profile::Prod,
            vec![a.clone(), b.clone(), c],
            vec![],
            vec![],
        );
        let mut waived = a.clone();
        waived.suppressed_by = Some(Box::new(Suppression {
            reason: "accepted".into(),
            owner: None,
            expires: None,
            source: "shipshape.toml:1".into(),
            inline: false,
        }));
        let now = Report::new(".", Profile::Prod, vec![b, d], vec![waived], vec![]);
        let delta = compare(&base, &now);
        assert_eq!(delta.baseline_score, base.score);
        assert_eq!(delta.baseline_decision, "no-go");
        assert_eq!(delta.unchanged, 1);
        assert_eq!(
            delta
                .fixed
                .iter()
                .map(|f| f.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(
            delta
                .accepted
                .iter()
                .map(|f| f.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["a"]
        );
        assert_eq!(
            delta
                .new
                .iter()
                .map(|f| f.fingerprint.as_str())
                .collect::<Vec<_>>(),
            ["d"]
        );
        let sec = delta
            .categories
            .iter()
            .find(|c| c.id == Category::Security)
            .unwrap();
        assert_eq!((sec.fixed, sec.new), (1, 1));
        assert!(sec.change > 0, "a blocker fixed, a medium added: {sec:?}");
        let rel = delta
            .categories
            .iter()
            .find(|c| c.id == Category::Reliability)
            .unwrap();
        assert_eq!(rel.score, 100);
        assert_eq!(rel.change, 100 - i64::from(rel.baseline_score));
        assert_eq!(delta.categories.len(), Category::ALL.len());
    }

    #[test]
    fn findings_in_unreadable_files_are_not_fixed() {
        let a = f(
            "rds-not-multi-az",
            Category::Reliability,
            Severity::High,
            "a",
        );
        let base = Report::new(".", Profile::Prod, vec![a], vec![], vec![]);
        let broken = shipshape_model::Diagnostic::new(
            DiagnosticKind::ParseError,
            Some("main.tf".into()),
            Some(3),
            "unexpected token",
        );
        let now = Report::new(".", Profile::Prod, vec![], vec![], vec![broken]);
        let d = compare(&base, &now);
        assert!(d.fixed.is_empty());
        assert_eq!(d.unevaluated.len(), 1);
    }

    #[test]
    fn identical_reviews_change_nothing() {
        let a = f(
            "rds-not-multi-az",
            Category::Reliability,
            Severity::High,
            "a",
        );
        let r = Report::new(".", Profile::Prod, vec![a], vec![], vec![]);
        let d = compare(&r, &r);
        assert!(d.fixed.is_empty() && d.new.is_empty() && d.accepted.is_empty());
        assert_eq!(d.unchanged, 1);
        assert!(d.categories.iter().all(|c| c.change == 0));
    }
}
