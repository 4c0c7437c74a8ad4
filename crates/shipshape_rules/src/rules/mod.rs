//! The registry: every rule, declared once. Adding a rule takes its file
//! here, one `mod` line and one entry in [`registry`] (`scripts/new-rule`
//! writes all three).

use crate::Rule;

// Terraform / AWS
mod cloudtrail_missing;
mod rds_not_multi_az;

// Service code
mod cors_wildcard;
mod dev_server_in_production;
mod health_check_shallow;
mod no_app_metrics;
mod no_graceful_shutdown;
mod no_rate_limiting;
mod no_security_headers;
mod no_structured_logging;

/// Every rule, in the order `shipshape rules` lists them.
pub fn registry() -> Vec<&'static dyn Rule> {
    vec![
        // Terraform / AWS
        &cloudtrail_missing::CloudtrailMissing,
        &rds_not_multi_az::RdsNotMultiAz,
        // Service code
        &cors_wildcard::CorsWildcard,
        &dev_server_in_production::DevServerInProduction,
        &health_check_shallow::HealthCheckShallow,
        &no_app_metrics::NoAppMetrics,
        &no_graceful_shutdown::NoGracefulShutdown,
        &no_rate_limiting::NoRateLimiting,
        &no_security_headers::NoSecurityHeaders,
        &no_structured_logging::NoStructuredLogging,
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
