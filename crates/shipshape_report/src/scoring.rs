//! Scores, grades and the decision (see docs/scoring.md for the why).
//!
//! Each finding multiplies its category's score by `1 - penalty(severity)`,
//! so a category never drops below zero, the tenth medium costs less than
//! the first, and removing a finding can only raise a score (monotonic).
//! The overall score is the weighted mean of the category scores.

use shipshape_model::{Category, Severity};

/// The share of a category's remaining score one finding takes.
pub fn penalty(s: Severity) -> f64 {
    match s {
        Severity::Blocker => 0.25,
        Severity::High => 0.12,
        Severity::Medium => 0.06,
        Severity::Low => 0.02,
    }
}

/// How much each category weighs in the overall score (sums to 100).
pub fn weight(c: Category) -> u32 {
    match c {
        Category::Security => 20,
        Category::Reliability => 20,
        Category::Observability => 15,
        Category::Recovery => 15,
        Category::Delivery => 10,
        Category::Operations => 10,
        Category::Governance => 10,
    }
}

pub fn category_score(severities: &[Severity]) -> u32 {
    let s = severities
        .iter()
        .fold(100.0, |acc, s| acc * (1.0 - penalty(*s)));
    s.round() as u32
}

pub fn overall(categories: &[(Category, u32)]) -> u32 {
    let total: u32 = categories.iter().map(|(c, _)| weight(*c)).sum();
    if total == 0 {
        return 100;
    }
    let sum: u32 = categories.iter().map(|(c, s)| weight(*c) * s).sum();
    ((sum as f64) / (total as f64)).round() as u32
}

/// Letter grades, as US schools give them.
pub fn grade(score: u32) -> &'static str {
    match score {
        97.. => "A+",
        93..=96 => "A",
        90..=92 => "A-",
        87..=89 => "B+",
        83..=86 => "B",
        80..=82 => "B-",
        77..=79 => "C+",
        73..=76 => "C",
        70..=72 => "C-",
        67..=69 => "D+",
        63..=66 => "D",
        60..=62 => "D-",
        _ => "F",
    }
}

/// `no-go` while a blocker remains, `conditional` while a high remains.
pub fn decision(severities: impl IntoIterator<Item = Severity>) -> &'static str {
    let worst = severities.into_iter().max();
    match worst {
        Some(Severity::Blocker) => "no-go",
        Some(Severity::High) => "conditional",
        _ => "go",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sev() -> impl Strategy<Value = Severity> {
        prop_oneof![
            Just(Severity::Low),
            Just(Severity::Medium),
            Just(Severity::High),
            Just(Severity::Blocker)
        ]
    }

    proptest! {
        #[test]
        fn removing_a_finding_never_lowers_a_score(sevs in proptest::collection::vec(sev(), 1..40), drop in 0usize..40) {
            let drop = drop % sevs.len();
            let mut fewer = sevs.clone();
            fewer.remove(drop);
            prop_assert!(category_score(&fewer) >= category_score(&sevs));
        }

        #[test]
        fn overall_is_monotonic_in_each_category(scores in proptest::collection::vec(0u32..=100, 7), i in 0usize..7, bump in 0u32..50) {
            let cats: Vec<(Category, u32)> = Category::ALL.iter().copied().zip(scores.iter().copied()).collect();
            let mut better = cats.clone();
            better[i].1 = (better[i].1 + bump).min(100);
            prop_assert!(overall(&better) >= overall(&cats));
        }
    }

    #[test]
    fn grades_and_decisions() {
        assert_eq!(grade(100), "A+");
        assert_eq!(grade(78), "C+");
        assert_eq!(grade(59), "F");
        assert_eq!(category_score(&[]), 100);
        assert_eq!(decision([Severity::Low, Severity::High]), "conditional");
        assert_eq!(decision([Severity::Blocker]), "no-go");
        assert_eq!(decision([]), "go");
    }
}
