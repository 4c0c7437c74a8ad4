//! The registry: every rule, declared once. Adding a rule takes its file
//! here, one `mod` line and one entry in [`registry`] (`scripts/new-rule`
//! writes all three).

use crate::Rule;

// Terraform / AWS
mod cloudtrail_missing;
mod rds_not_multi_az;

// Shell scripts and user data
mod provisioning_no_rollback;
mod script_support;
mod shell_download_no_retry;
mod shell_no_strict_mode;
mod ssh_not_hardened;
mod userdata_heavy_install;
mod userdata_not_idempotent;

/// Every rule, in the order `shipshape rules` lists them.
pub fn registry() -> Vec<&'static dyn Rule> {
    vec![
        // Terraform / AWS
        &cloudtrail_missing::CloudtrailMissing,
        &rds_not_multi_az::RdsNotMultiAz,
        // Shell scripts and user data
        &shell_no_strict_mode::ShellNoStrictMode,
        &shell_download_no_retry::ShellDownloadNoRetry,
        &provisioning_no_rollback::ProvisioningNoRollback,
        &userdata_heavy_install::UserdataHeavyInstall,
        &userdata_not_idempotent::UserdataNotIdempotent,
        &ssh_not_hardened::SshNotHardened,
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
