//! The registry: every rule, declared once. Adding a rule takes its file
//! here, one `mod` line and one entry in [`registry`] (`scripts/new-rule`
//! writes all three).

use crate::Rule;

// Terraform / AWS
mod cloudtrail_missing;
mod rds_not_multi_az;

// Operational evidence
mod backup_restore_untested;
mod no_load_test;
mod no_runbook;
mod no_slo;

/// Every rule, in the order `shipshape rules` lists them.
pub fn registry() -> Vec<&'static dyn Rule> {
    vec![
        // Terraform / AWS
        &cloudtrail_missing::CloudtrailMissing,
        &rds_not_multi_az::RdsNotMultiAz,
        // Operational evidence
        &no_runbook::NoRunbook,
        &no_slo::NoSlo,
        &no_load_test::NoLoadTest,
        &backup_restore_untested::BackupRestoreUntested,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_codes_are_unique_and_well_formed() {
        let mut names = HashSet::new();
        let mut codes = HashSet::new();
        for r in registry() {
            let m = r.meta();
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{}",
                m.name
            );
            assert!(m.effort[0] <= m.effort[1], "{} effort", m.name);
        }
    }

    #[test]
    fn every_rule_documents_every_section_with_a_snippet() {
        for r in registry() {
            let docs = r.meta().docs();
            for section in crate::SECTIONS {
                let body = docs
                    .section(section)
                    .unwrap_or_else(|| panic!("{} lacks `### {section}`", r.meta().name));
                assert!(
                    !body.trim().is_empty(),
                    "{}: empty `{section}`",
                    r.meta().name
                );
            }
            assert!(
                docs.fix_snippet().is_some(),
                "{}: `How to fix` has no fenced snippet",
                r.meta().name
            );
        }
    }
}
