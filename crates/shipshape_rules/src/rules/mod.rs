//! The registry: every rule, declared once. Adding a rule takes its file
//! here, one `mod` line and one entry in [`registry`] (`scripts/new-rule`
//! writes all three).

use crate::Rule;

// Terraform / AWS
mod cloudtrail_missing;
mod rds_not_multi_az;

// Containers, compose, Kubernetes
mod compose_no_healthcheck;
mod container_runs_as_root;
mod datastore_port_exposed;
mod hardcoded_secret;
mod image_tag_latest;
mod k8s_no_hpa;
mod k8s_no_network_policy;
mod k8s_no_pdb;
mod k8s_no_probes;
mod k8s_no_resource_limits;
mod k8s_runs_as_root;

/// Every rule, in the order `shipshape rules` lists them.
pub fn registry() -> Vec<&'static dyn Rule> {
    vec![
        // Terraform / AWS
        &cloudtrail_missing::CloudtrailMissing,
        &rds_not_multi_az::RdsNotMultiAz,
        // Containers, compose, Kubernetes
        &compose_no_healthcheck::ComposeNoHealthcheck,
        &container_runs_as_root::ContainerRunsAsRoot,
        &datastore_port_exposed::DatastorePortExposed,
        &hardcoded_secret::HardcodedSecret,
        &image_tag_latest::ImageTagLatest,
        &k8s_no_hpa::K8sNoHpa,
        &k8s_no_network_policy::K8sNoNetworkPolicy,
        &k8s_no_pdb::K8sNoPdb,
        &k8s_no_probes::K8sNoProbes,
        &k8s_no_resource_limits::K8sNoResourceLimits,
        &k8s_runs_as_root::K8sRunsAsRoot,
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
