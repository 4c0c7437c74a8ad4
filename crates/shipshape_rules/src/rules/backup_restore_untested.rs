use crate::support::{describe_unknown, repo_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::docs::DocKind;
use shipshape_loaders::operations::Hit;
use shipshape_loaders::terraform::{Cardinality, Resource, Value};

declare_rule! {
    /// ### What it finds
    /// Backups are configured but nothing in the repository shows how to
    /// restore them. Backups count when Terraform defines an
    /// `aws_db_instance` with `backup_retention_period` > 0 (unset means the
    /// RDS API default of 1 day; read replicas are skipped), an
    /// `aws_rds_cluster` / `aws_docdb_cluster` / `aws_neptune_cluster`
    /// (their retention cannot go below 1 day), an `aws_backup_plan` /
    /// `aws_backup_selection`, an enabled `aws_dlm_lifecycle_policy`,
    /// ElastiCache `snapshot_retention_limit` > 0, DynamoDB point-in-time
    /// recovery, an enabled `aws_efs_backup_policy`, or when a script runs
    /// `pg_dump`/`mysqldump`/`mongodump`/`aws rds create-db-snapshot`.
    /// A restore is shown by a document section on restore / disaster
    /// recovery with restore steps, a script that restores (`pg_restore`,
    /// `psql < dump`, `aws rds restore-db-instance-from-db-snapshot`,
    /// `restore-db-cluster-to-point-in-time`, `aws backup
    /// start-restore-job`), or Terraform that restores (`snapshot_identifier`,
    /// `restore_to_point_in_time`). Promoting a read replica is a failover,
    /// not a restore from backup, and does not count.
    ///
    /// ### Why it matters
    /// A backup nobody has restored is a hope. Restores fail on missing
    /// permissions, parameter groups, KMS keys or simply on time: learn the
    /// real recovery time in a drill, not during the outage.
    ///
    /// ### How to fix
    /// ```bash
    /// #!/usr/bin/env bash
    /// # scripts/restore-drill.sh: restore the latest snapshot and verify it.
    /// set -euo pipefail
    /// snap=$(aws rds describe-db-snapshots --db-instance-identifier app \
    ///   --query 'reverse(sort_by(DBSnapshots,&SnapshotCreateTime))[0].DBSnapshotIdentifier' --output text)
    /// aws rds restore-db-instance-from-db-snapshot \
    ///   --db-instance-identifier app-restore-drill --db-snapshot-identifier "$snap"
    /// aws rds wait db-instance-available --db-instance-identifier app-restore-drill
    /// psql "$DRILL_URL" -c 'select count(*) from users'   # verify
    /// aws rds delete-db-instance --db-instance-identifier app-restore-drill --skip-final-snapshot
    /// ```
    /// Write the steps and the measured restore time in a DR runbook, and
    /// run the drill on a schedule.
    ///
    /// ### Effort
    /// 4–8 hours: the restore script or runbook and a first timed drill.
    pub struct BackupRestoreUntested {
        name: "backup-restore-untested",
        code: "REC005",
        category: Recovery,
        severity: High,
        effort: (4, 8),
    }
}

impl Rule for BackupRestoreUntested {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let repo = cx.repo;
        let mut backups: Vec<(String, String)> = Vec::new();
        let mut restores = false;
        for r in repo.terraform.resources.iter().filter(|r| r.exists()) {
            if r.cardinality == Cardinality::Unknown && BACKUP_TYPES.contains(&r.rtype.as_str()) {
                cx.unevaluated(
                    Some(r.file()),
                    Some(r.block.span.start),
                    format!("`{}`: its count cannot be known statically", r.address),
                );
                continue;
            }
            match backed_up(r) {
                Backup::Yes(why) => {
                    backups.push((r.root_dir.clone(), format!("{} ({why})", r.address)))
                }
                Backup::No => {}
                Backup::Unknown(v) => cx.unevaluated(
                    Some(r.file()),
                    Some(r.block.span.start),
                    format!("`{}` backup setting: {}", r.address, describe_unknown(&v)),
                ),
            }
            restores |= restores_in_terraform(r);
        }
        let scripts = repo.ops.backup_scripts.iter().cloned();
        restores |= !repo.ops.restore_scripts.is_empty()
            || repo.docs.of(DocKind::RestoreProcedure).next().is_some();
        let facts = cx.facts::<Facts>();
        facts.in_terraform.extend(backups);
        facts.scripts.extend(scripts);
        facts.restores |= restores;
    }

    fn finish(&self, cx: &mut Context) {
        let Facts {
            in_terraform,
            scripts,
            restores,
        } = cx.take_facts::<Facts>();
        // In the whole review's order, however it was split: Terraform by
        // root module (stable: a root's resources keep their order), then
        // scripts by path and line.
        let mut in_terraform = in_terraform;
        in_terraform.sort_by(|a, b| a.0.cmp(&b.0));
        let mut scripts = scripts;
        scripts.sort();
        let mut backups: Vec<String> = in_terraform.into_iter().map(|(_, b)| b).collect();
        backups.extend(
            scripts
                .iter()
                .map(|h| format!("{} in {}:{}", h.what, h.path, h.line)),
        );
        if backups.is_empty() || restores {
            return;
        }
        let shown: Vec<&str> = backups.iter().take(3).map(String::as_str).collect();
        let more = if backups.len() > 3 {
            format!(" and {} more", backups.len() - 3)
        } else {
            String::new()
        };
        cx.report(repo_evidence(
            "restore",
            format!(
                "backups are configured ({}{more}) but no restore procedure or restore test exists (no DR runbook with restore steps, no restore script)",
                shown.join(", ")
            ),
        ));
    }
}

/// What is backed up, in Terraform and by scripts, and whether anything
/// restores.
#[derive(Default)]
struct Facts {
    /// (root module directory, what and why).
    in_terraform: Vec<(String, String)>,
    scripts: Vec<Hit>,
    restores: bool,
}

/// Resource types that may configure backups (for the unknown-count check).
const BACKUP_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_backup_plan",
    "aws_backup_selection",
    "aws_dlm_lifecycle_policy",
    "aws_elasticache_replication_group",
    "aws_elasticache_cluster",
    "aws_dynamodb_table",
    "aws_efs_backup_policy",
];

enum Backup {
    Yes(String),
    No,
    Unknown(Value),
}

fn backed_up(r: &Resource) -> Backup {
    match r.rtype.as_str() {
        "aws_db_instance" => {
            match r.get(&["backup_retention_period"]) {
                // The RDS API creates primaries with 1 day of automated
                // backups when the provider sends none; replicas with 0.
                None if r.get(&["replicate_source_db"]).is_some() => Backup::No,
                None => Backup::Yes("automated backups, default 1-day retention".into()),
                Some(v) => positive(v, "backup_retention_period"),
            }
        }
        // Aurora, DocumentDB and Neptune keep at least 1 day of backups.
        "aws_rds_cluster" | "aws_docdb_cluster" | "aws_neptune_cluster" => {
            match r.get(&["backup_retention_period"]) {
                None => Backup::Yes("automated backups, default 1-day retention".into()),
                Some(v) => positive(v, "backup_retention_period"),
            }
        }
        "aws_backup_plan" | "aws_backup_selection" => Backup::Yes("AWS Backup".into()),
        "aws_dlm_lifecycle_policy" => match r.get(&["state"]).map(|v| (v.as_str(), v)) {
            Some((Some("DISABLED"), _)) => Backup::No,
            Some((None, v)) if !v.is_known() => Backup::Unknown(v.clone()),
            _ => Backup::Yes("EBS snapshot lifecycle policy".into()),
        },
        "aws_elasticache_replication_group" | "aws_elasticache_cluster" => {
            match r.get(&["snapshot_retention_limit"]) {
                None => Backup::No,
                Some(v) => positive(v, "snapshot_retention_limit"),
            }
        }
        "aws_dynamodb_table" => match r.get(&["point_in_time_recovery", "enabled"]) {
            None => Backup::No,
            Some(v) => match v.as_bool() {
                Some(true) => Backup::Yes("point-in-time recovery".into()),
                Some(false) => Backup::No,
                None => Backup::Unknown(v.clone()),
            },
        },
        "aws_efs_backup_policy" => match r.get(&["backup_policy", "status"]) {
            Some(v) => match v.as_str() {
                Some("ENABLED") => Backup::Yes("EFS backup policy".into()),
                Some(_) => Backup::No,
                None => Backup::Unknown(v.clone()),
            },
            None => Backup::No,
        },
        _ => Backup::No,
    }
}

fn positive(v: &Value, attr: &str) -> Backup {
    match v.as_f64() {
        Some(n) if n > 0.0 => Backup::Yes(format!("{attr} = {n}")),
        Some(_) => Backup::No,
        None => Backup::Unknown(v.clone()),
    }
}

/// Terraform that itself restores from a backup (a DR or drill environment).
fn restores_in_terraform(r: &Resource) -> bool {
    matches!(r.rtype.as_str(), "aws_db_instance" | "aws_rds_cluster")
        && (r.get(&["snapshot_identifier"]).is_some()
            || r.get(&["restore_to_point_in_time"]).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts, check_with_diagnostics};

    const DB: (&str, &str) = (
        "main.tf",
        "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n  backup_retention_period = 7\n}\n",
    );

    #[test]
    fn flags_backups_without_restore() {
        let f = check(&BackupRestoreUntested, &[DB]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file, None);
        assert!(
            f[0].message.contains("aws_db_instance.db"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn unset_retention_is_the_one_day_default() {
        let db = (
            "main.tf",
            "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n}\n",
        );
        assert_eq!(check(&BackupRestoreUntested, &[db]).len(), 1);
    }

    #[test]
    fn backups_off_means_the_rule_does_not_apply() {
        let db = (
            "main.tf",
            "resource \"aws_db_instance\" \"db\" {\n  backup_retention_period = 0\n}\n",
        );
        assert!(check(&BackupRestoreUntested, &[db]).is_empty());
    }

    #[test]
    fn replica_promotion_is_not_a_restore() {
        let sh = (
            "scripts/failover.sh",
            "#!/bin/bash\naws rds promote-read-replica --db-instance-identifier r\n",
        );
        assert_eq!(check(&BackupRestoreUntested, &[DB, sh]).len(), 1);
    }

    #[test]
    fn a_restore_script_passes() {
        let sh = ("scripts/restore.sh", "#!/bin/bash\nset -euo pipefail\naws rds restore-db-instance-from-db-snapshot --db-instance-identifier drill --db-snapshot-identifier \"$SNAP\"\npsql \"$URL\" -c 'select 1'\n");
        assert!(check(&BackupRestoreUntested, &[DB, sh]).is_empty());
    }

    #[test]
    fn a_dr_runbook_with_restore_steps_passes() {
        let md = ("docs/dr.md", "# Disaster recovery\n\n## Restore the database\n\n1. Pick the snapshot\n2. Run pg_restore -d app latest.dump\n3. Check row counts\n");
        assert!(check(&BackupRestoreUntested, &[DB, md]).is_empty());
    }

    #[test]
    fn dump_script_is_a_backup() {
        let sh = (
            "backup.sh",
            "#!/bin/bash\npg_dump app | gzip > /backups/app.gz\n",
        );
        let f = check(&BackupRestoreUntested, &[sh]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("pg_dump"));
    }

    #[test]
    fn dlm_behind_a_false_flag_does_not_count() {
        let tf = ("main.tf", "variable \"on\" {\n  default = false\n}\nresource \"aws_dlm_lifecycle_policy\" \"p\" {\n  count = var.on ? 1 : 0\n}\n");
        assert!(check(&BackupRestoreUntested, &[tf]).is_empty());
        let tf_on = ("main.tf", "variable \"on\" {\n  default = true\n}\nresource \"aws_dlm_lifecycle_policy\" \"p\" {\n  count = var.on ? 1 : 0\n}\n");
        assert_eq!(check(&BackupRestoreUntested, &[tf_on]).len(), 1);
    }

    #[test]
    fn unknown_retention_is_a_diagnostic() {
        let tf = ("main.tf", "variable \"days\" {}\nresource \"aws_db_instance\" \"db\" {\n  backup_retention_period = var.days\n}\n");
        let (f, d) = check_with_diagnostics(&BackupRestoreUntested, &[tf]);
        assert!(f.is_empty());
        assert!(d.iter().any(|m| m.contains("var.days")), "{d:?}");
    }

    #[test]
    fn parts_combine_backups_and_restores() {
        let db: &[(&str, &str)] = &[("infra/main.tf", DB.1)];
        let dump: &[(&str, &str)] = &[(
            "ops/backup.sh",
            "#!/bin/bash\nset -euo pipefail\npg_dump \"$URL\" > /backups/app.sql\n",
        )];
        let restore: &[(&str, &str)] = &[(
            "scripts/restore.sh",
            "#!/bin/bash\nset -euo pipefail\naws rds restore-db-instance-from-db-snapshot --db-instance-identifier drill --db-snapshot-identifier \"$SNAP\"\n",
        )];
        let f = check_in_parts(&BackupRestoreUntested, &[db, dump]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ops/backup.sh"), "{}", f[0].message);
        assert!(check_in_parts(&BackupRestoreUntested, &[db, dump, restore]).is_empty());
        // Parts may come in another order than paths (the root's files
        // first): the message keeps the whole review's order.
        let db2: &[(&str, &str)] = &[("infra2/main.tf", &DB.1.replace("\"db\" {", "\"db2\" {"))];
        let f = check_in_parts(&BackupRestoreUntested, &[dump, db2, db]);
        assert!(
            f[0].message
                .starts_with("backups are configured (aws_db_instance.db ("),
            "{}",
            f[0].message
        );
    }
}
