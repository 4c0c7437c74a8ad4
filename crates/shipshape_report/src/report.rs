//! The report model: exactly the JSON contract (schema_version 1), plus
//! extra fields renderers use.

use crate::scoring;
use serde::{Deserialize, Serialize};
use shipshape_model::{Category, Diagnostic, Finding, Profile, Severity};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryScore {
    pub id: Category,
    pub score: u32,
    pub grade: String,
    pub findings: usize,
}

/// What changed since a baseline review.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Delta {
    pub baseline_score: u32,
    pub baseline_grade: String,
    /// Open in the baseline, gone now.
    pub fixed: Vec<Finding>,
    /// Open now, not in the baseline.
    pub new: Vec<Finding>,
    /// Open in both.
    pub unchanged: usize,
    /// Category scores of the baseline, for the "what changed" table.
    #[serde(default)]
    pub baseline_categories: Vec<CategoryScore>,
    /// The baseline's decision (`no-go`, `conditional`, `go`).
    #[serde(default)]
    pub baseline_decision: String,
    /// Per category: score before and now.
    #[serde(default)]
    pub categories: Vec<CategoryDelta>,
    /// Open in the baseline, waived now: not fixed, accepted.
    #[serde(default)]
    pub accepted: Vec<Finding>,
    /// Open in the baseline, in a file this review could not read or
    /// parse: not known to be fixed.
    #[serde(default)]
    pub unevaluated: Vec<Finding>,
}

/// One category's score before and now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryDelta {
    pub id: Category,
    pub baseline_score: u32,
    pub baseline_grade: String,
    pub score: u32,
    pub grade: String,
    pub change: i64,
    /// Findings of the category fixed and new since the baseline.
    pub fixed: usize,
    pub new: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub root: String,
    pub profile: Profile,
    pub score: u32,
    pub grade: String,
    pub decision: String,
    pub categories: Vec<CategoryScore>,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub delta: Option<Delta>,
}

impl Report {
    /// Scores findings and assembles the report.
    pub fn new(
        root: &str,
        profile: Profile,
        mut findings: Vec<Finding>,
        suppressed: Vec<Finding>,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        shipshape_model::sort_findings(&mut findings);
        let categories = Category::ALL
            .iter()
            .map(|&c| {
                let sevs: Vec<Severity> = findings
                    .iter()
                    .filter(|f| f.category == c)
                    .map(|f| f.severity)
                    .collect();
                let score = scoring::category_score(&sevs);
                CategoryScore {
                    id: c,
                    score,
                    grade: scoring::grade(score).to_string(),
                    findings: sevs.len(),
                }
            })
            .collect::<Vec<_>>();
        let score = scoring::overall(
            &categories
                .iter()
                .map(|c| (c.id, c.score))
                .collect::<Vec<_>>(),
        );
        let decision = scoring::decision(findings.iter().map(|f| f.severity)).to_string();
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "shipshape".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            root: root.to_string(),
            profile,
            score,
            grade: scoring::grade(score).to_string(),
            decision,
            categories,
            findings,
            suppressed,
            diagnostics,
            delta: None,
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn category(&self, c: Category) -> Option<&CategoryScore> {
        self.categories.iter().find(|s| s.id == c)
    }
}
