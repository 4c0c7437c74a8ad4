//! Findings and diagnostics: what a review says, and what it could not do.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The review's chapters. The order is the order of the scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Security,
    Reliability,
    Observability,
    Recovery,
    Delivery,
    Operations,
    Governance,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Security,
        Category::Reliability,
        Category::Observability,
        Category::Recovery,
        Category::Delivery,
        Category::Operations,
        Category::Governance,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Reliability => "reliability",
            Category::Observability => "observability",
            Category::Recovery => "recovery",
            Category::Delivery => "delivery",
            Category::Operations => "operations",
            Category::Governance => "governance",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::Security => "Security",
            Category::Reliability => "Reliability",
            Category::Observability => "Observability",
            Category::Recovery => "Backup & recovery",
            Category::Delivery => "Delivery (CI/CD)",
            Category::Operations => "Operations",
            Category::Governance => "Governance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Blocker,
}

impl Severity {
    /// Most severe first: the order reports list findings in.
    pub const DESCENDING: [Severity; 4] = [
        Severity::Blocker,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Blocker => "blocker",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::DESCENDING.into_iter().find(|v| v.id() == s)
    }

    /// One step less severe (low stays low).
    pub fn lowered(self) -> Self {
        match self {
            Severity::Blocker => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What the review holds the system to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Prod,
    Staging,
    Dev,
}

impl Profile {
    pub fn id(self) -> &'static str {
        match self {
            Profile::Prod => "prod",
            Profile::Staging => "staging",
            Profile::Dev => "dev",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Profile::Prod, Profile::Staging, Profile::Dev]
            .into_iter()
            .find(|p| p.id() == s)
    }
}

/// Where a finding points and what it names; what a rule hands to the
/// engine, which adds the rule's metadata and the fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Path relative to the reviewed root; `None` for repository-level findings.
    pub file: Option<String>,
    pub lines: Option<crate::LineSpan>,
    /// Resource, service, container, job or step address.
    pub resource: Option<String>,
    /// What identifies this problem independent of line numbers and file
    /// layout (e.g. the module directory plus the resource address).
    pub key: String,
    pub message: String,
    /// Overrides the rule's generic remediation when set.
    pub remediation: Option<String>,
}

/// One problem the review reports. Field names follow the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub code: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub end_line: Option<u32>,
    pub resource: Option<String>,
    pub fingerprint: String,
    /// Shared: findings of one rule mostly carry the same few remediations,
    /// and a monorepo review holds hundreds of thousands of findings.
    pub remediation: std::sync::Arc<str>,
    pub effort_hours: [u32; 2],
    /// The waiver that suppresses the finding (only in the report's
    /// `suppressed` list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<Box<Suppression>>,
}

/// Why a finding was accepted as a risk: the waiver that hides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `YYYY-MM-DD` after which the waiver no longer holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the waiver is written: `shipshape.toml:12` or
    /// `main.tf:40` for an inline `shipshape:ignore` comment.
    pub source: String,
    /// Whether it is an inline comment in the reviewed code (SARIF's
    /// `inSource`) rather than an entry in `shipshape.toml` (`external`).
    #[serde(default)]
    pub inline: bool,
}

impl Finding {
    /// Sort key that makes output independent of thread scheduling.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            self.category,
            self.rule.as_str(),
            self.file.as_deref(),
            self.line,
            self.resource.as_deref(),
            self.fingerprint.as_str(),
        )
    }
}

/// What kind of thing the review could not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    ParseError,
    Skipped,
    Unevaluated,
    /// A waiver that expired, matches nothing, or is not allowed (an
    /// extension of the contract's kinds).
    Waiver,
}

impl DiagnosticKind {
    pub fn id(self) -> &'static str {
        match self {
            DiagnosticKind::ParseError => "parse-error",
            DiagnosticKind::Skipped => "skipped",
            DiagnosticKind::Unevaluated => "unevaluated",
            DiagnosticKind::Waiver => "waiver",
        }
    }
}

/// Something the review could not do, said out loud.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
    /// The rule that could not decide, for `unevaluated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Diagnostic {
    pub fn new(
        kind: DiagnosticKind,
        file: Option<String>,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            file,
            line,
            message: message.into(),
            rule: None,
        }
    }
}

/// Sorts findings by their key, stably (equal keys keep the order rules
/// reported them in). A monorepo review sorts hundreds of thousands of
/// findings, twice (the report sorts again once severities are final):
/// the sort orders their indices, then moves each finding once, in place,
/// instead of merging through a second copy of them.
pub fn sort_findings(findings: &mut [Finding]) {
    let Ok(n) = u32::try_from(findings.len()) else {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        return;
    };
    let mut order: Vec<u32> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&findings[a as usize], &findings[b as usize]);
        x.sort_key().cmp(&y.sort_key()).then(a.cmp(&b))
    });
    // `order[i]` is the index of the finding that belongs at `i`: follow
    // each cycle of the permutation, swapping each finding into place.
    const PLACED: u32 = u32::MAX;
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != PLACED {
            let from = order[at] as usize;
            order[at] = PLACED;
            if from == start {
                break;
            }
            findings.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(i: u64) -> Finding {
        // Few distinct keys, so that many findings tie and stability shows.
        let pick = |m: u64| (i.wrapping_mul(2654435761) >> 7) % m;
        Finding {
            rule: format!("rule-{}", pick(3)),
            code: "X001".into(),
            category: Category::Security,
            severity: if pick(2) == 0 {
                Severity::High
            } else {
                Severity::Low
            },
            message: format!("finding {i}"),
            file: (pick(5) > 0).then(|| format!("f{}.tf", pick(4))),
            line: Some(pick(3) as u32),
            end_line: None,
            resource: None,
            fingerprint: format!("{:016x}", pick(7)),
            remediation: "fix".into(),
            effort_hours: [1, 2],
            suppressed_by: None,
        }
    }

    #[test]
    fn sorting_in_place_is_the_stable_sort() {
        for n in [0, 1, 2, 7, 100, 5000] {
            let mut ours: Vec<Finding> = (0..n).map(finding).collect();
            let mut stable = ours.clone();
            stable.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            sort_findings(&mut ours);
            assert_eq!(ours, stable, "{n} findings");
        }
    }
}
