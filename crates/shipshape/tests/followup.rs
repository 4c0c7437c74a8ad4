//! The review flow end to end, running the built binary: configuration,
//! waivers, baselines, the history and `init`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_shipshape");

const DB: &str = "resource \"aws_db_instance\" \"orders\" {\n  engine = \"postgres\"\n  instance_class = \"db.t3.micro\"\n}\n";

/// The two rules these tests lean on; every other rule is disabled through
/// the configuration, so rules landing later do not change the fixture.
const USED: [&str; 2] = ["rds-not-multi-az", "cloudtrail-missing"];

/// A repository with two findings: rds-not-multi-az on `infra/main.tf`
/// line 1, and cloudtrail-missing (repository level, high).
fn repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "infra/main.tf", DB);
    config(t.path(), &[], "");
    t
}

/// `disable = [every rule but USED, and also `also`]` then `rest`.
fn config_text(also: &[&str], rest: &str) -> String {
    let out = Command::new(BIN).arg("rules").output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    let disabled: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|r| !USED.contains(r) || also.contains(r))
        .map(|r| format!("\"{r}\""))
        .collect();
    assert!(!list.is_empty());
    format!("disable = [{}]\n{rest}", disabled.join(", "))
}

fn config(root: &Path, also: &[&str], rest: &str) {
    write(root, "shipshape.toml", &config_text(also, rest));
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Runs shipshape with a private data directory (nothing touches $HOME).
fn run(args: &[&str], data: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_DATA_HOME", data)
        .env("HOME", data)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn review_json(root: &Path, data: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "review",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, data);
    let v = json(&out);
    (out, v)
}

fn rules_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn config_errors_are_exit_2_with_file_line_and_suggestion() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "shipshape.toml",
        "profile = \"prod\"\n\n[sevrity]\nrds-not-multi-az = \"low\"\n",
    );
    let out = run(&["review", t.path().to_str().unwrap()], data.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("shipshape.toml:3:"), "{err}");
    assert!(err.contains("did you mean `severity`?"), "{err}");
    assert!(out.stdout.is_empty());

    write(
        t.path(),
        "shipshape.toml",
        "disable = [\"rds-not-multiaz\"]\n",
    );
    let out = run(&["review", t.path().to_str().unwrap()], data.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `rds-not-multi-az`?"),
        "{}",
        stderr(&out)
    );

    let out = run(
        &[
            "review",
            t.path().to_str().unwrap(),
            "--config",
            "/nonexistent/shipshape.toml",
        ],
        data.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/shipshape.toml"));
}

#[test]
fn config_sets_profile_severity_disable_and_ignore_and_flags_win() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    write(t.path(), "legacy/db.tf", &DB.replace("orders", "vendored"));
    config(
        t.path(),
        &["cloudtrail-missing"],
        "profile = \"staging\"\nignore = [\"legacy/**\"]\n\n[severity]\nrds-not-multi-az = \"blocker\"\n",
    );
    let (_, v) = review_json(t.path(), data.path(), &[]);
    assert_eq!(v["profile"], "staging");
    assert_eq!(rules_of(&v["findings"]), ["rds-not-multi-az"]);
    assert_eq!(v["findings"][0]["file"], "infra/main.tf");
    assert_eq!(v["findings"][0]["severity"], "blocker");
    assert_eq!(v["decision"], "no-go");
    // The flag beats the file.
    let (_, v) = review_json(t.path(), data.path(), &["--profile", "dev"]);
    assert_eq!(v["profile"], "dev");
    // An explicit --config replaces the root's file.
    let other = tempfile::tempdir().unwrap();
    write(
        other.path(),
        "custom.toml",
        &config_text(&[], "profile = \"dev\"\n"),
    );
    let cfg = other.path().join("custom.toml");
    let (_, v) = review_json(t.path(), data.path(), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(v["profile"], "dev");
    assert_eq!(v["findings"].as_array().unwrap().len(), 3, "{v}");
}

#[test]
fn max_file_size_skips_and_the_delta_does_not_call_it_fixed() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let (out, _) = review_json(t.path(), data.path(), &[]);
    std::fs::write(&base, &out.stdout).unwrap();
    config(t.path(), &[], "max_file_size = 16\n");
    let (_, v) = review_json(
        t.path(),
        data.path(),
        &["--baseline", base.to_str().unwrap()],
    );
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "skipped" && d["file"] == "infra/main.tf"),
        "{v}"
    );
    let d = &v["delta"];
    assert_eq!(d["unevaluated"][0]["rule"], "rds-not-multi-az", "{d}");
    assert!(d["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "rds-not-multi-az"));
}

#[test]
fn waivers_move_findings_to_suppressed_and_leave_the_decision() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let base = |extra: &[&str]| {
        let mut a = vec![
            "review",
            t.path().to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "high",
        ];
        a.extend_from_slice(extra);
        run(&a, data.path())
    };
    let before = base(&[]);
    assert_eq!(before.status.code(), Some(1), "cloudtrail-missing is high");
    let before = json(&before);

    config(
        t.path(),
        &[],
        "[[waiver]]\nrule = \"cloudtrail-missing\"\nreason = \"org trail in the management account\"\nowner = \"security\"\n",
    );
    write(
        t.path(),
        "infra/main.tf",
        &format!(
            "# shipshape:ignore rds-not-multi-az -- batch database, restored from snapshots\n{DB}"
        ),
    );
    let out = base(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    let mut waived = rules_of(&v["suppressed"]);
    waived.sort();
    assert_eq!(waived, ["cloudtrail-missing", "rds-not-multi-az"]);
    let by_rule = |r: &str| {
        v["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == r)
            .unwrap()["suppressed_by"]
            .clone()
    };
    assert_eq!(by_rule("cloudtrail-missing")["owner"], "security");
    assert_eq!(by_rule("cloudtrail-missing")["source"], "shipshape.toml:2");
    assert_eq!(by_rule("rds-not-multi-az")["source"], "infra/main.tf:1");
    assert_eq!(by_rule("rds-not-multi-az")["inline"], true);
    assert_eq!(by_rule("cloudtrail-missing")["inline"], false);

    // SARIF: inline waivers are `inSource`, shipshape.toml ones `external`.
    let sarif = json(&run(
        &["review", t.path().to_str().unwrap(), "--format", "sarif"],
        data.path(),
    ));
    let kinds: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let k = r["suppressions"][0]["kind"].as_str()?;
            Some((
                r["ruleId"].as_str().unwrap_or("").to_string(),
                k.to_string(),
            ))
        })
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        kinds.iter().any(|(_, k)| k == "inSource") && kinds.iter().any(|(_, k)| k == "external"),
        "{kinds:?}"
    );
    assert_eq!(v["decision"], "go");
    assert!(v["score"].as_u64() > before["score"].as_u64());

    let md = run(
        &["review", t.path().to_str().unwrap(), "--format", "markdown"],
        data.path(),
    );
    let md = String::from_utf8_lossy(&md.stdout);
    let accepted = md
        .split("## Accepted risks and disputed findings")
        .nth(1)
        .unwrap();
    assert!(
        accepted.contains("org trail in the management account"),
        "{md}"
    );
    assert!(accepted.contains("Owner: security"), "{md}");
}

#[test]
fn expired_stale_and_forbidden_waivers_are_reported() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    config(
        t.path(),
        &[],
        "inline_waivers = false\n\n[[waiver]]\nrule = \"cloudtrail-missing\"\nreason = \"was fine last year\"\nexpires = 2020-01-01\n\n[[waiver]]\nrule = \"rds-not-multi-az\"\npath = \"legacy/**\"\nreason = \"legacy\"\n",
    );
    write(
        t.path(),
        "infra/main.tf",
        &format!("# shipshape:ignore rds-not-multi-az -- please\n{DB}"),
    );
    let (_, v) = review_json(t.path(), data.path(), &[]);
    let mut open = rules_of(&v["findings"]);
    open.sort();
    assert_eq!(open, ["cloudtrail-missing", "rds-not-multi-az"]);
    let diags: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "waiver")
        .map(|d| {
            format!(
                "{}:{}: {}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(diags.len(), 3, "{diags:?}");
    assert!(
        diags.iter().any(|d| d
            .starts_with("shipshape.toml:4: waiver of cloudtrail-missing expired on 2020-01-01")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("shipshape.toml:9: stale waiver")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d
                .starts_with("infra/main.tf:1: inline waiver of rds-not-multi-az not honoured")),
        "{diags:?}"
    );
}

#[test]
fn baseline_delta_with_categories_and_reports_open_with_it() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let base = out_dir.path().join("base.json");
    let out = run(
        &[
            "review",
            t.path().to_str().unwrap(),
            "--format",
            "json",
            "-o",
            base.to_str().unwrap(),
            "--fail-on",
            "none",
        ],
        data.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    // Fix the database, and a new one appears in another file.
    write(
        t.path(),
        "infra/main.tf",
        &DB.replace("engine =", "multi_az = true\n  engine ="),
    );
    write(
        t.path(),
        "infra/reports.tf",
        &DB.replace("orders", "reports"),
    );
    let (_, v) = review_json(
        t.path(),
        data.path(),
        &["--baseline", base.to_str().unwrap()],
    );
    let d = &v["delta"];
    assert_eq!(d["unchanged"], 1, "{d}");
    let fixed = &d["fixed"].as_array().unwrap()[0];
    assert_eq!(fixed["resource"], "aws_db_instance.orders");
    assert_eq!(
        d["new"].as_array().unwrap()[0]["resource"],
        "aws_db_instance.reports"
    );
    let rel = d["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "reliability")
        .unwrap();
    assert_eq!(
        (rel["fixed"].as_u64(), rel["new"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(rel["change"], 0);

    for (format, heading) in [
        ("markdown", "## What changed since the last review"),
        ("text", "What changed since the last review"),
    ] {
        let out = run(
            &[
                "review",
                t.path().to_str().unwrap(),
                "--format",
                format,
                "--fail-on",
                "none",
                "--baseline",
                base.to_str().unwrap(),
            ],
            data.path(),
        );
        let s = String::from_utf8_lossy(&out.stdout);
        let first = s
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with("# "))
            .unwrap();
        assert_eq!(first, heading, "{s}");
        assert!(
            s.contains("aws_db_instance.reports") || s.contains("reports"),
            "{s}"
        );
    }
}

#[test]
fn malformed_baselines_are_exit_2_naming_the_file() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, text, needle) in [
        ("empty.json", "", "empty file"),
        ("junk.json", "{not json", "not a shipshape JSON report"),
        ("other.json", "{\"a\": 1}", "missing field"),
        ("future.json", "{\"schema_version\": 9}", "missing field"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = run(
            &[
                "review",
                t.path().to_str().unwrap(),
                "--baseline",
                p.to_str().unwrap(),
            ],
            data.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = run(
        &[
            "review",
            t.path().to_str().unwrap(),
            "--baseline",
            "/nonexistent/base.json",
        ],
        data.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/base.json"));
}

fn set_commit(root: &Path, commit: &str) {
    write(root, ".git/HEAD", "ref: refs/heads/main\n");
    write(root, ".git/refs/heads/main", &format!("{commit}\n"));
}

#[test]
fn history_records_reviews_and_baseline_last_compares_with_the_latest() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let db: PathBuf = data.path().join("reviews.db");
    let db_s = db.to_str().unwrap();
    let root = t.path().to_str().unwrap();
    let c1 = "1111111111111111111111111111111111111111";
    let c2 = "2222222222222222222222222222222222222222";
    set_commit(t.path(), c1);
    // No history yet: --baseline last reviews without a delta.
    let (out, v) = review_json(
        t.path(),
        data.path(),
        &["--save", "--history", db_s, "--baseline", "last"],
    );
    assert!(v["delta"].is_null());
    assert!(stderr(&out).contains("saved review #1"), "{}", stderr(&out));

    // A commit that fixes the database.
    write(
        t.path(),
        "infra/main.tf",
        &DB.replace("engine =", "multi_az = true\n  engine ="),
    );
    set_commit(t.path(), c2);
    let (_, v) = review_json(
        t.path(),
        data.path(),
        &["--save", "--history", db_s, "--baseline", "last"],
    );
    assert_eq!(
        v["delta"]["fixed"][0]["rule"], "rds-not-multi-az",
        "{}",
        v["delta"]
    );
    assert_eq!(v["delta"]["unchanged"], 1);

    let out = run(
        &["history", root, "--history", db_s, "--format", "json"],
        data.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let h = json(&out);
    let reviews = h["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["commit"], c1);
    assert_eq!(reviews[1]["commit"], c2);
    assert_eq!(reviews[0]["counts"]["medium"], 1);
    assert_eq!(reviews[1]["counts"]["medium"], 0);
    assert!(reviews[1]["score"].as_u64() >= reviews[0]["score"].as_u64());
    let out = run(&["history", root, "--history", db_s], data.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("11111111") && text.contains("22222222"),
        "{text}"
    );
    // Nothing was written into the reviewed tree.
    assert!(!t.path().join("reviews.db").exists());
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    // The default location is under XDG_DATA_HOME.
    let (_, _) = review_json(t.path(), data.path(), &["--save"]);
    assert!(data.path().join("shipshape/history.db").is_file());
}

#[test]
fn concurrent_saves_both_land() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("h.db");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(BIN)
                .args([
                    "review",
                    t.path().to_str().unwrap(),
                    "--format",
                    "json",
                    "--fail-on",
                    "none",
                    "--save",
                    "--history",
                    db.to_str().unwrap(),
                ])
                .env("XDG_DATA_HOME", data.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = run(
        &[
            "history",
            t.path().to_str().unwrap(),
            "--history",
            db.to_str().unwrap(),
            "--format",
            "json",
        ],
        data.path(),
    );
    assert_eq!(json(&out)["reviews"].as_array().unwrap().len(), 4);
}

#[test]
fn damaged_history_is_exit_2_naming_the_file() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("broken.db");
    let root = t.path().to_str().unwrap();
    // Garbage, then a real database cut short.
    std::fs::write(&db, b"this is not a database at all, just some text that is long enough to look like a header..").unwrap();
    for args in [
        vec!["review", root, "--save", "--history", db.to_str().unwrap()],
        vec![
            "review",
            root,
            "--baseline",
            "last",
            "--history",
            db.to_str().unwrap(),
        ],
        vec!["history", root, "--history", db.to_str().unwrap()],
    ] {
        let out = run(&args, data.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("broken.db") && err.contains("history database"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let good = data.path().join("good.db");
    for _ in 0..3 {
        let (out, _) = review_json(
            t.path(),
            data.path(),
            &["--save", "--history", good.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(0));
    }
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&db, &bytes[..bytes.len().min(1000)]).unwrap();
    let _ = std::fs::remove_file(data.path().join("broken.db-wal"));
    let _ = std::fs::remove_file(data.path().join("broken.db-shm"));
    let out = run(
        &["history", root, "--history", db.to_str().unwrap()],
        data.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr(&out).contains("broken.db"), "{}", stderr(&out));
}

#[test]
fn init_writes_a_starter_file_once() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let root = t.path().to_str().unwrap();
    std::fs::remove_file(t.path().join("shipshape.toml")).unwrap();
    let out = run(&["init", root], data.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(t.path().join("shipshape.toml")).unwrap();
    assert!(written.contains("[[waiver]]"));
    // The starter is a valid configuration.
    let (out, _) = review_json(t.path(), data.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::write(t.path().join("shipshape.toml"), "profile = \"dev\"\n").unwrap();
    let out = run(&["init", root], data.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(t.path().join("shipshape.toml")).unwrap(),
        "profile = \"dev\"\n"
    );
}

/// A review keeps only the file texts rules read again; the snippets of
/// text and HTML reports come from the files read again from disk.
#[test]
fn reports_show_snippets_of_files_whose_text_was_released() {
    let t = repo();
    let data = tempfile::tempdir().unwrap();
    let root = t.path().to_str().unwrap();
    for format in ["text", "html"] {
        let out = run(
            &[
                "review",
                root,
                "--format",
                format,
                "--fail-on",
                "none",
                "-q",
            ],
            data.path(),
        );
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let snippet = if format == "html" {
            "resource &quot;aws_db_instance&quot; &quot;orders&quot;"
        } else {
            "resource \"aws_db_instance\" \"orders\""
        };
        assert!(page.contains(snippet), "{format} has no snippet:\n{page}");
    }
}
