//! The registry: every rule, declared once. Adding a rule takes its file
//! here, one `mod` line and one entry in [`registry`] (`scripts/new-rule`
//! writes all three).

use crate::Rule;

// Terraform / AWS
mod alarm_no_action;
mod ami_not_pinned;
mod cloudtrail_missing;
mod ec2_no_auto_recovery;
mod ecs_container_insights_disabled;
mod guardduty_missing;
mod imds_v1_allowed;
mod instance_no_backup_policy;
mod lb_http_without_https;
mod missing_cpu_alarm;
mod missing_disk_alarm;
mod missing_memory_alarm;
mod missing_rds_storage_alarm;
mod missing_status_check_alarm;
mod rds_backup_retention_missing;
mod rds_deletion_protection_disabled;
mod rds_not_multi_az;
mod rds_performance_insights_disabled;
mod rds_skip_final_snapshot;
mod secrets_no_rotation;
mod sg_ssh_open_world;
mod single_instance_no_autoscaling;
mod single_nat_gateway;
mod terraform_no_state_locking;
mod variable_no_validation;

// Operational evidence
mod backup_restore_untested;
mod no_load_test;
mod no_runbook;
mod no_slo;

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
// Service code
mod cors_wildcard;
mod dev_server_in_production;
mod health_check_shallow;
mod no_app_metrics;
mod no_graceful_shutdown;
mod no_rate_limiting;
mod no_security_headers;
mod no_structured_logging;
// Shell scripts and user data
mod provisioning_no_rollback;
mod script_support;
mod shell_download_no_retry;
mod shell_no_strict_mode;
mod ssh_not_hardened;
mod userdata_heavy_install;
mod userdata_not_idempotent;

// CI workflows
mod ci_action_unpinned;
mod ci_no_approval_gate;
mod ci_no_smoke_test;
mod ci_no_tests_before_deploy;
mod ci_static_cloud_credentials;
mod ci_support;
mod deploy_causes_downtime;

/// Every rule, in the order `shipshape rules` lists them.
pub fn registry() -> Vec<&'static dyn Rule> {
    vec![
        // Terraform / AWS
        &single_nat_gateway::SingleNatGateway,
        &lb_http_without_https::LbHttpWithoutHttps,
        &guardduty_missing::GuarddutyMissing,
        &secrets_no_rotation::SecretsNoRotation,
        &sg_ssh_open_world::SgSshOpenWorld,
        &terraform_no_state_locking::TerraformNoStateLocking,
        &variable_no_validation::VariableNoValidation,
        &ecs_container_insights_disabled::EcsContainerInsightsDisabled,
        &rds_performance_insights_disabled::RdsPerformanceInsightsDisabled,
        &rds_deletion_protection_disabled::RdsDeletionProtectionDisabled,
        &rds_skip_final_snapshot::RdsSkipFinalSnapshot,
        &rds_backup_retention_missing::RdsBackupRetentionMissing,
        &instance_no_backup_policy::InstanceNoBackupPolicy,
        &ami_not_pinned::AmiNotPinned,
        &imds_v1_allowed::ImdsV1Allowed,
        &single_instance_no_autoscaling::SingleInstanceNoAutoscaling,
        &ec2_no_auto_recovery::Ec2NoAutoRecovery,
        &alarm_no_action::AlarmNoAction,
        &cloudtrail_missing::CloudtrailMissing,
        &missing_cpu_alarm::MissingCpuAlarm,
        &missing_memory_alarm::MissingMemoryAlarm,
        &missing_disk_alarm::MissingDiskAlarm,
        &missing_status_check_alarm::MissingStatusCheckAlarm,
        &missing_rds_storage_alarm::MissingRdsStorageAlarm,
        &rds_not_multi_az::RdsNotMultiAz,
        // Operational evidence
        &no_runbook::NoRunbook,
        &no_slo::NoSlo,
        &no_load_test::NoLoadTest,
        &backup_restore_untested::BackupRestoreUntested,
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
        // Service code
        &cors_wildcard::CorsWildcard,
        &dev_server_in_production::DevServerInProduction,
        &health_check_shallow::HealthCheckShallow,
        &no_app_metrics::NoAppMetrics,
        &no_graceful_shutdown::NoGracefulShutdown,
        &no_rate_limiting::NoRateLimiting,
        &no_security_headers::NoSecurityHeaders,
        &no_structured_logging::NoStructuredLogging,
        // Shell scripts and user data
        &shell_no_strict_mode::ShellNoStrictMode,
        &shell_download_no_retry::ShellDownloadNoRetry,
        &provisioning_no_rollback::ProvisioningNoRollback,
        &userdata_heavy_install::UserdataHeavyInstall,
        &userdata_not_idempotent::UserdataNotIdempotent,
        &ssh_not_hardened::SshNotHardened,
        // CI workflows
        &ci_no_tests_before_deploy::CiNoTestsBeforeDeploy,
        &ci_no_smoke_test::CiNoSmokeTest,
        &ci_no_approval_gate::CiNoApprovalGate,
        &ci_static_cloud_credentials::CiStaticCloudCredentials,
        &ci_action_unpinned::CiActionUnpinned,
        &deploy_causes_downtime::DeployCausesDowntime,
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
