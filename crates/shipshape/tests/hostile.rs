//! Hostile repositories: each test builds a tree in a tempdir and runs the
//! real binary on it (`review <dir> --format json`). Whatever the input, the
//! review must finish in bounded time, exit 0 or 1 (never 3, never a
//! signal), print JSON that parses, and say in `diagnostics` what it skipped.

use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than any sane review of these trees, short enough to fail fast.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    stdout: String,
    json: Value,
    elapsed: Duration,
}

fn review(dir: &Path, extra: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipshape"))
        .arg("review")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn shipshape");
    // Drain the pipes on threads so a large report cannot block the child.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("review of {} did not finish in {TIMEOUT:?}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8(out_t.join().expect("stdout thread")).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&err_t.join().expect("stderr thread")).into_owned();
    let code = match status.code() {
        Some(c) => c,
        None => panic!("review killed by a signal ({status:?}); stderr:\n{stderr}"),
    };
    assert!(
        code == 0 || code == 1,
        "exit {code} (want 0 or 1); stderr:\n{stderr}"
    );
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("output is not JSON ({e}); stderr:\n{stderr}"));
    Run {
        code,
        stdout,
        json,
        elapsed,
    }
}

fn diagnostics(run: &Run) -> Vec<(String, String, String)> {
    run.json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or("").to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has_diag(run: &Run, kind: &str, file: &str) -> bool {
    diagnostics(run)
        .iter()
        .any(|(k, f, _)| k == kind && f == file)
}

fn findings(run: &Run) -> Vec<&Value> {
    run.json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .collect()
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

const DB: &str = "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n}\n";

fn finding_line(run: &Run, rule: &str, file: &str) -> Option<u64> {
    findings(run)
        .into_iter()
        .find(|f| f["rule"] == rule && f["file"] == file)
        .and_then(|f| f["line"].as_u64())
}

#[test]
fn invalid_utf8_is_read_lossily_and_the_review_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tf = b"# \xff\xfe broken comment\n".to_vec();
    tf.extend_from_slice(DB.as_bytes());
    write(dir.path(), "main.tf", &tf);
    write(
        dir.path(),
        "k8s/app.yaml",
        b"apiVersion: v1\nkind: \xc3\x28Pod\n",
    );
    write(dir.path(), "scripts/run.sh", b"#!/bin/bash\necho \xff\n");
    write(dir.path(), "src/app.py", b"x = '\xff'\n");
    let run = review(dir.path(), &[]);
    // The broken comment does not hide the database after it.
    assert_eq!(finding_line(&run, "rds-not-multi-az", "main.tf"), Some(2));
}

#[test]
fn nul_bytes_in_a_tf_are_a_parse_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut tf = DB.as_bytes().to_vec();
    tf.extend_from_slice(b"\0\0\0resource \"x\" \"y\" {}\n");
    write(dir.path(), "bad.tf", &tf);
    write(dir.path(), "good.tf", DB.replace("\"db\"", "\"other\""));
    let run = review(dir.path(), &[]);
    assert!(
        has_diag(&run, "parse-error", "bad.tf"),
        "{:?}",
        diagnostics(&run)
    );
    assert!(finding_line(&run, "rds-not-multi-az", "good.tf").is_some());
}

#[test]
fn bom_and_crlf_keep_lines_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bom.tf", format!("\u{feff}{DB}"));
    let crlf = format!("# one\n# two\n{DB}").replace('\n', "\r\n");
    write(dir.path(), "crlf.tf", crlf.replace("\"db\"", "\"crlf\""));
    write(dir.path(), "ci.yml", "\u{feff}on: push\r\njobs: {}\r\n");
    let run = review(dir.path(), &[]);
    assert_eq!(finding_line(&run, "rds-not-multi-az", "bom.tf"), Some(1));
    assert_eq!(finding_line(&run, "rds-not-multi-az", "crlf.tf"), Some(3));
    assert!(
        !diagnostics(&run)
            .iter()
            .any(|(_, f, _)| f == "bom.tf" || f == "crlf.tf"),
        "{:?}",
        diagnostics(&run)
    );
}

#[test]
fn a_100_mb_file_is_skipped_by_the_size_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Sparse: instant to create, no disk used.
    let f = std::fs::File::create(dir.path().join("huge.tf")).expect("create");
    f.set_len(100 * 1024 * 1024).expect("set_len");
    write(dir.path(), "main.tf", DB);
    let run = review(dir.path(), &[]);
    assert!(
        has_diag(&run, "skipped", "huge.tf"),
        "{:?}",
        diagnostics(&run)
    );
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
}

#[test]
fn a_100_kb_single_line_in_every_family() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "a".repeat(100 * 1024);
    write(
        dir.path(),
        "main.tf",
        format!("locals {{ x = \"{long}\" }}\n{DB}"),
    );
    write(dir.path(), "values.yaml", format!("k: {long}\n"));
    write(dir.path(), "run.sh", format!("#!/bin/sh\necho {long}\n"));
    write(dir.path(), "app.js", format!("const x = '{long}';\n"));
    write(dir.path(), "README.md", format!("# {long}\n"));
    write(
        dir.path(),
        "Dockerfile",
        format!("FROM alpine\nRUN echo {long}\n"),
    );
    let run = review(dir.path(), &[]);
    assert_eq!(finding_line(&run, "rds-not-multi-az", "main.tf"), Some(2));
}

#[test]
fn nesting_10000_deep() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 10_000;
    let tf = format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(n), "]".repeat(n));
    write(dir.path(), "deep_list.tf", tf);
    let obj = format!(
        "locals {{\n  y = {}1{}\n}}\n",
        "{a = ".repeat(n),
        "}".repeat(n)
    );
    write(dir.path(), "deep_obj.tf", obj);
    let expr = format!("locals {{\n  z = {}1{}\n}}\n", "(".repeat(n), ")".repeat(n));
    write(dir.path(), "deep_paren.tf", expr);
    let blocks = format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n));
    write(dir.path(), "deep_blocks.tf", blocks);
    write(dir.path(), "main.tf", DB);
    // tfvars are read for roots that declare variables.
    write(dir.path(), "vars.tf", "variable \"v\" {}\n");
    write(
        dir.path(),
        "terraform.tfvars",
        format!("v = {}1{}\n", "[".repeat(n), "]".repeat(n)),
    );
    write(
        dir.path(),
        "deep.auto.tfvars.json",
        format!("{{\"v\": {}1{}}}", "[".repeat(n), "]".repeat(n)),
    );
    write(
        dir.path(),
        "flow.yaml",
        format!("k: {}1{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let block_yaml: String = (0..2_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    write(dir.path(), "block.yaml", block_yaml);
    write(
        dir.path(),
        "package.json",
        format!("{{\"a\": {}1{}}}", "[".repeat(n), "]".repeat(n)),
    );
    write(
        dir.path(),
        "deep.sh",
        format!(
            "#!/bin/sh\n{}true{}\n",
            "$(".repeat(2_000),
            ")".repeat(2_000)
        ),
    );
    write(
        dir.path(),
        "deep.js",
        format!("const x = {}1{};\n", "[".repeat(n), "]".repeat(n)),
    );
    write(
        dir.path(),
        "deep.py",
        format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let run = review(dir.path(), &[]);
    // The shallow file is still reviewed.
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
    // What could not be parsed says so.
    for f in [
        "deep_list.tf",
        "deep_obj.tf",
        "deep_paren.tf",
        "deep_blocks.tf",
        "terraform.tfvars",
        "deep.auto.tfvars.json",
    ] {
        assert!(
            diagnostics(&run).iter().any(|(_, file, _)| file == f),
            "{f}: {:?}",
            diagnostics(&run)
        );
    }
    // The JSON error is the real one (recursion limit), not a shape complaint.
    assert!(
        diagnostics(&run)
            .iter()
            .any(|(_, f, m)| f == "deep.auto.tfvars.json" && m.contains("recursion")),
        "{:?}",
        diagnostics(&run)
    );
}

#[test]
fn yaml_alias_bomb() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut y = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = "a".to_string();
    for i in 0..12 {
        let name = format!("l{i}");
        let refs = vec![format!("*{prev}"); 9].join(",");
        y.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    write(
        dir.path(),
        "docker-compose.yml",
        format!("services:\n  web:\n    image: x\n{y}"),
    );
    write(
        dir.path(),
        "k8s/bomb.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\n{y}"),
    );
    write(
        dir.path(),
        ".github/workflows/bomb.yml",
        format!("on: push\n{y}"),
    );
    let run = review(dir.path(), &[]);
    assert!(run.elapsed < TIMEOUT);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", DB);
    symlink("b.tf", dir.path().join("a.tf")).expect("symlink");
    symlink("a.tf", dir.path().join("b.tf")).expect("symlink");
    symlink(".", dir.path().join("self")).expect("symlink");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    symlink("..", dir.path().join("sub/up")).expect("symlink");
    let run = review(dir.path(), &[]);
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
    // Reported once: the loops did not make the tree appear twice.
    let n = findings(&run)
        .iter()
        .filter(|f| f["rule"] == "rds-not-multi-az")
        .count();
    assert_eq!(n, 1);
}

#[cfg(unix)]
#[test]
fn symlinks_pointing_outside_the_root_are_not_read() {
    use std::os::unix::fs::symlink;
    let outer = tempfile::tempdir().expect("tempdir");
    let outside = outer.path().join("outside");
    write(
        &outside,
        "secret.tf",
        "resource \"aws_db_instance\" \"outside_marker\" {\n  password = \"hunter2-OUTSIDE-SECRET\"\n}\n",
    );
    write(&outside, "notes.md", "OUTSIDE-SECRET runbook\n");
    let root = outer.path().join("repo");
    write(&root, "main.tf", DB);
    symlink(outside.join("secret.tf"), root.join("linked.tf")).expect("symlink");
    symlink(&outside, root.join("linked_dir")).expect("symlink");
    symlink("../outside/secret.tf", root.join("relative.tf")).expect("symlink");
    let run = review(&root, &[]);
    assert!(
        !run.stdout.contains("outside_marker") && !run.stdout.contains("OUTSIDE-SECRET"),
        "content from outside the root leaked into the report:\n{}",
        run.stdout
    );
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", DB);
    write(dir.path(), "locked.tf", DB.replace("\"db\"", "\"locked\""));
    let locked = dir.path().join("locked.tf");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root (as in many CI containers) reads it anyway: then it is reviewed.
    let readable = std::fs::read(&locked).is_ok();
    let run = review(dir.path(), &[]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
    if readable {
        assert!(finding_line(&run, "rds-not-multi-az", "locked.tf").is_some());
    } else {
        assert!(
            has_diag(&run, "skipped", "locked.tf"),
            "{:?}",
            diagnostics(&run)
        );
    }
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
}

#[cfg(unix)]
#[test]
fn a_fifo_does_not_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", DB);
    for name in ["pipe.tf", "Dockerfile", "run.sh", "README.md"] {
        let status = Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .expect("mkfifo");
        assert!(status.success());
    }
    let run = review(dir.path(), &[]);
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
}

/// `count` empty files over 100 directories, plus one real finding.
fn many_empty_files(count: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let exts = ["tf", "yaml", "sh", "md", "js", "py", "txt", "json"];
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d}"));
        std::fs::create_dir(&sub).expect("mkdir");
        for i in 0..count / 100 {
            let ext = exts[i % exts.len()];
            std::fs::File::create(sub.join(format!("f{i}.{ext}"))).expect("create");
        }
    }
    write(dir.path(), "main.tf", DB);
    let run = review(dir.path(), &[]);
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
    eprintln!("{count} empty files reviewed in {:?}", run.elapsed);
}

#[test]
fn hundred_thousand_empty_files() {
    many_empty_files(100_000);
}

/// Files deleted while the review walks and reads them (a checkout or a
/// build running beside it): whatever the timing, the review finishes, exits
/// 0 or 1, and what it could not read is a `skipped` diagnostic. The
/// deterministic case (deleted between walk and read) is a unit test of
/// discovery; this is the race.
#[test]
fn files_deleted_during_the_review() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut doomed = Vec::new();
    for d in 0..20 {
        for i in 0..200 {
            let rel = format!("d{d}/f{i}.tf");
            write(dir.path(), &rel, format!("locals {{ x{i} = {i} }}\n"));
            doomed.push(dir.path().join(rel));
        }
    }
    write(dir.path(), "main.tf", DB);
    let deleter = std::thread::spawn(move || {
        for path in doomed {
            let _ = std::fs::remove_file(path);
        }
    });
    let run = review(dir.path(), &[]);
    deleter.join().expect("deleter");
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
    for (kind, file, message) in diagnostics(&run) {
        assert_eq!(kind, "skipped", "{file}: {message}");
        assert!(message.contains("cannot read"), "{file}: {message}");
    }
}

#[test]
fn exit_code_follows_fail_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", DB);
    assert_eq!(review(dir.path(), &["--fail-on", "none"]).code, 0);
    assert_eq!(review(dir.path(), &["--fail-on", "low"]).code, 1);
}

#[cfg(unix)]
#[test]
fn control_characters_in_names_and_content_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A file name with an escape sequence and a newline, and a resource
    // name that is not valid in Terraform but lands in messages anyway.
    let name = "evil\u{1b}[31m\nname.tf";
    write(dir.path(), name, DB);
    let run = review(dir.path(), &[]);
    assert!(!run.stdout.contains('\u{1b}'), "raw ESC in JSON output");
    let files: Vec<&str> = findings(&run)
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(files.contains(&name), "{files:?}");
    for format in ["text", "markdown"] {
        let out = Command::new(env!("CARGO_BIN_EXE_shipshape"))
            .arg("review")
            .arg(dir.path())
            .args(["--format", format])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("\u{1b}[31m"),
            "{format} output carries the file name's escape sequence raw"
        );
    }
}

#[test]
fn nothing_is_written_in_the_reviewed_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "main.tf", DB);
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  web:\n    image: x\n",
    );
    let before = listing(dir.path());
    let _ = review(dir.path(), &[]);
    assert_eq!(before, listing(dir.path()));
}

fn listing(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let meta = e.metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(e.path());
            }
            out.push((
                e.path().to_string_lossy().into_owned(),
                meta.len(),
                meta.modified().expect("mtime"),
            ));
        }
    }
    out.sort();
    out
}

/// The guarantees that hold by construction, checked so a change that
/// breaks one fails here: no networking crate in the dependency tree, and
/// outside tests no source spawns processes, opens sockets, or writes files
/// except the CLI's own `--output` and `docs --out`.
#[test]
fn no_network_no_exec_no_writes_by_construction() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let networking = [
        "reqwest",
        "hyper",
        "ureq",
        "curl",
        "isahc",
        "surf",
        "attohttpc",
        "h2",
        "rustls",
        "native-tls",
        "openssl",
        "tokio",
        "async-std",
        "mio",
    ];
    for line in lock.lines() {
        if let Some(name) = line.strip_prefix("name = ") {
            let name = name.trim_matches('"');
            assert!(
                !networking.contains(&name),
                "networking crate `{name}` in Cargo.lock"
            );
        }
    }
    let forbidden = [
        "process::Command",
        "Command::new",
        "std::net",
        "TcpStream",
        "UdpSocket",
    ];
    let writes = [
        "fs::write",
        "File::create",
        "OpenOptions",
        "create_dir",
        "fs::rename",
        "remove_file",
    ];
    // The only places that write: `review --output FILE`, `docs --out DIR`,
    // `init`, the history database, and the rules' test helper (a
    // `#[cfg(test)]` module).
    let may_write = [
        "shipshape/src/review.rs",
        "shipshape/src/docs_cmd.rs",
        "shipshape_rules/src/testing.rs",
        // `shipshape init` writes shipshape.toml (create_new, never over one).
        "shipshape/src/settings.rs",
        // The review history: a database outside the reviewed tree.
        "shipshape_history/src/store.rs",
    ];
    let mut stack = vec![root.join("crates")];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            let rel = p.to_string_lossy().replace('\\', "/");
            if p.is_dir() {
                // Integration tests and benches are not the reviewer.
                if !rel.ends_with("/tests")
                    && !rel.ends_with("/benches")
                    && !rel.ends_with("/target")
                {
                    stack.push(p);
                }
                continue;
            }
            if !rel.ends_with(".rs") || !rel.contains("/src/") {
                continue;
            }
            // Unit-test modules in their own files (`#[cfg(test)] mod tests;`).
            if rel.ends_with("/tests.rs") || rel.ends_with("_tests.rs") {
                continue;
            }
            seen += 1;
            let text = std::fs::read_to_string(&p).expect("read");
            // Unit tests live after `#[cfg(test)]` at the end of a file.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for pat in forbidden {
                assert!(!code.contains(pat), "{rel} uses `{pat}`");
            }
            if !may_write.iter().any(|m| rel.ends_with(m)) {
                for pat in writes {
                    assert!(!code.contains(pat), "{rel} writes files (`{pat}`)");
                }
            }
        }
    }
    assert!(seen > 10, "scanned only {seen} sources");
}

/// Found by the `tfvars` fuzz target: a reference in tfvars (`a = u`) was
/// evaluated before any module instance existed and indexed an empty list.
#[test]
fn references_in_tfvars_are_a_diagnostic_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "main.tf",
        format!("variable \"a\" {{}}\nvariable \"b\" {{}}\n{DB}"),
    );
    write(
        dir.path(),
        "terraform.tfvars",
        "a = u\nb = upper(\"x\")\nc = \"${var.a}\"\nd = 1\n",
    );
    let run = review(dir.path(), &[]);
    assert!(
        has_diag(&run, "parse-error", "terraform.tfvars"),
        "{:?}",
        diagnostics(&run)
    );
    assert!(finding_line(&run, "rds-not-multi-az", "main.tf").is_some());
}
