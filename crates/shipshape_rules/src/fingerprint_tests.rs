//! Fingerprints survive the edits a follow-up review sees: changes
//! elsewhere in the file, re-ordered blocks, a resource moved to another
//! file of the same module (docs/fingerprints.md).

use crate::testing::load;
use crate::{find_rule, Rule};
use shipshape_model::{Finding, Profile};
use std::collections::BTreeMap;

/// rule + resource (or "-") -> (fingerprint, file, line).
fn review(files: &[(&str, &str)]) -> BTreeMap<String, (String, Option<String>, Option<u32>)> {
    let (_dir, repo) = load(files);
    let out = crate::run(
        &repo,
        Profile::Prod,
        &[rule("rds-not-multi-az"), rule("cloudtrail-missing")],
    );
    out.findings
        .into_iter()
        .map(|f: Finding| {
            (
                format!("{} {}", f.rule, f.resource.as_deref().unwrap_or("-")),
                (f.fingerprint, f.file, f.line),
            )
        })
        .collect()
}

fn rule(name: &str) -> &'static dyn Rule {
    find_rule(name).expect("registered rule")
}

fn prints(m: &BTreeMap<String, (String, Option<String>, Option<u32>)>) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()
}

const DB_A: &str = "resource \"aws_db_instance\" \"orders\" {\n  engine         = \"postgres\"\n  instance_class = \"db.t3.micro\"\n}\n";
const DB_B: &str =
    "resource \"aws_db_instance\" \"reports\" {\n  engine   = \"mysql\"\n  multi_az = false\n}\n";
const VPC: &str = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";

#[test]
fn survive_edits_elsewhere_in_the_file() {
    let before = review(&[("infra/main.tf", &format!("{VPC}\n{DB_A}\n{DB_B}"))]);
    let edited = format!(
        "# Networking\n# (owned by the platform team)\n{}\n\nresource \"aws_subnet\" \"a\" {{\n  vpc_id = aws_vpc.main.id\n  cidr_block = \"10.0.1.0/24\"\n}}\n\n{}\n{}",
        VPC.replace("10.0.0.0/16", "10.1.0.0/16"),
        DB_A.replace("db.t3.micro", "db.t3.large"),
        DB_B
    );
    let after = review(&[("infra/main.tf", &edited)]);
    assert_eq!(before.len(), 3, "{before:?}");
    assert_eq!(prints(&before), prints(&after));
    // The evidence moved; the identity did not.
    let key = "rds-not-multi-az aws_db_instance.orders";
    assert_ne!(before[key].2, after[key].2);
}

#[test]
fn survive_reordered_blocks() {
    let before = review(&[("main.tf", &format!("{DB_A}\n{DB_B}\n{VPC}"))]);
    let after = review(&[("main.tf", &format!("{VPC}\n{DB_B}\n{DB_A}"))]);
    assert_eq!(before.len(), 3);
    assert_eq!(prints(&before), prints(&after));
}

#[test]
fn survive_a_move_between_files_of_the_module() {
    let before = review(&[("infra/main.tf", &format!("{VPC}\n{DB_A}\n{DB_B}"))]);
    let after = review(&[
        ("infra/main.tf", VPC),
        ("infra/database.tf", &format!("{DB_B}\n{DB_A}")),
    ]);
    assert_eq!(prints(&before), prints(&after));
    let key = "rds-not-multi-az aws_db_instance.reports";
    assert_eq!(after[key].1.as_deref(), Some("infra/database.tf"));
}

#[test]
fn differ_for_different_problems() {
    // Same address in two root modules: two problems, two fingerprints.
    let two_roots = review(&[("staging/main.tf", DB_A), ("prod/main.tf", DB_A)]);
    let prints_rds: Vec<&String> = two_roots
        .iter()
        .filter(|(k, _)| k.starts_with("rds-not-multi-az"))
        .map(|(_, v)| &v.0)
        .collect();
    // Keyed by rule + resource, the two collapse in the map: check the raw list.
    let (_dir, repo) = load(&[("staging/main.tf", DB_A), ("prod/main.tf", DB_A)]);
    let out = crate::run(&repo, Profile::Prod, &[rule("rds-not-multi-az")]);
    assert_eq!(out.findings.len(), 2);
    assert_ne!(out.findings[0].fingerprint, out.findings[1].fingerprint);
    assert_eq!(prints_rds.len(), 1);

    // A renamed resource is a different resource.
    let before = review(&[("main.tf", DB_A)]);
    let after = review(&[("main.tf", &DB_A.replace("\"orders\"", "\"orders_v2\""))]);
    let fp = |m: &BTreeMap<String, (String, Option<String>, Option<u32>)>, k: &str| m[k].0.clone();
    assert_ne!(
        fp(&before, "rds-not-multi-az aws_db_instance.orders"),
        fp(&after, "rds-not-multi-az aws_db_instance.orders_v2")
    );
    // Two rules on the same resource never share a fingerprint.
    let set: std::collections::HashSet<_> = before.values().map(|v| &v.0).collect();
    assert_eq!(set.len(), before.len());
}
