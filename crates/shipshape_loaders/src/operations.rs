//! Operational evidence outside documents: load tests, SLO specifications,
//! backup and restore scripts, and whether the repository deploys a service.
//!
//! How things are recognised (each with the file and line that shows it):
//!
//! - Shell commands come from tree-sitter-bash, wherever shell lives: shell
//!   scripts, Makefile recipe lines, CI `run:`/`script:` values and
//!   package.json `scripts`. Only the command position and its arguments
//!   are looked at, so a comment or an `echo "pg_restore"` never counts.
//! - k6 scripts: a JS/TS import or `require` of `k6` / `k6/...` (tree-sitter);
//!   Locust: a Python `import locust` / `from locust import` (tree-sitter).
//!   Files are only parsed when their text mentions `k6` / `locust`.
//! - Artillery: a YAML document whose top-level keys include `config` and
//!   `scenarios`. JMeter: a `.jmx` holding `<jmeterTestPlan`. Gatling: a
//!   `*Simulation.{scala,java,kt}` importing `io.gatling`. vegeta targets:
//!   a `*target*` file whose lines are `METHOD http(s)://...`.
//! - SLO specifications: YAML top-level `apiVersion`/`kind` (OpenSLO,
//!   Sloth, Pyrra, Nobl9, Google SLO generator) or Sloth's
//!   `version: prometheus/v1` + `slos`, read from the YAML tree the YAML
//!   families already parsed (`yaml_families`): each YAML file is parsed
//!   once, and a file that does not parse (an alias bomb included) shows
//!   nothing.

use crate::code::parse::Field;
use crate::shell::Script;
use crate::source::{FileKind, SourceFile};
use crate::terraform::Terraform;
use crate::yaml::{self, YamlFile};
use tree_sitter::Node;

/// A piece of evidence: where, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub path: String,
    pub line: u32,
    pub what: String,
}

/// Everything operational the repository shows outside its documents.
#[derive(Debug, Clone, Default)]
pub struct OpsEvidence {
    pub load_tests: Vec<Hit>,
    pub slo_specs: Vec<Hit>,
    /// Scripts that restore a database or volume from a backup.
    pub restore_scripts: Vec<Hit>,
    /// Scripts that take backups (pg_dump, snapshots...).
    pub backup_scripts: Vec<Hit>,
    /// What shows that the repository deploys a service.
    pub services: Vec<Hit>,
}

impl OpsEvidence {
    /// Adds `other`'s evidence (`load` sorts it all at the end).
    pub fn extend(&mut self, other: OpsEvidence) {
        self.load_tests.extend(other.load_tests);
        self.slo_specs.extend(other.slo_specs);
        self.restore_scripts.extend(other.restore_scripts);
        self.backup_scripts.extend(other.backup_scripts);
        self.services.extend(other.services);
    }
}

/// The evidence files show by themselves (documents and YAML aside: YAML
/// comes from [`yaml_evidence`]). It needs nothing from the other loaders,
/// so it runs beside them.
pub fn scan_files(files: &[SourceFile]) -> OpsEvidence {
    use rayon::prelude::*;
    let per_file: Vec<OpsEvidence> = files.par_iter().map(scan_file).collect();
    let mut out = OpsEvidence::default();
    for e in per_file {
        out.extend(e);
    }
    out
}

/// Completes [`scan_files`]' evidence with Terraform and the shell model
/// (shell files are read from their parsed scripts, not parsed again).
pub fn load(
    mut out: OpsEvidence,
    files: &[SourceFile],
    terraform: &Terraform,
    scripts: &[Script],
) -> OpsEvidence {
    for script in scripts.iter().filter(|s| is_shell_file(files, &s.path)) {
        scan_commands(&script.path, &script_commands(script), &mut out);
    }
    for r in terraform.resources.iter().filter(|r| r.exists()) {
        let hit = || Hit {
            path: r.file().to_string(),
            line: r.block.span.start,
            what: format!("{} {}", r.rtype, r.address),
        };
        if SLO_RESOURCES.contains(&r.rtype.as_str()) {
            out.slo_specs.push(hit());
        }
        if COMPUTE_RESOURCES.contains(&r.rtype.as_str()) {
            out.services.push(hit());
        }
    }
    for v in [
        &mut out.load_tests,
        &mut out.slo_specs,
        &mut out.restore_scripts,
        &mut out.backup_scripts,
        &mut out.services,
    ] {
        v.sort();
        v.dedup();
    }
    out
}

/// Whether the repository deploys anything an operator answers for: a
/// service, or any managed Terraform resource.
pub fn deploys_anything(repo: &crate::Repository) -> bool {
    !repo.ops.services.is_empty()
        || repo
            .terraform
            .resources
            .iter()
            .any(|r| r.mode == crate::terraform::Mode::Managed && r.exists())
}

/// Terraform resources that define SLOs in a monitoring service.
const SLO_RESOURCES: &[&str] = &[
    "datadog_service_level_objective",
    "google_monitoring_slo",
    "newrelic_service_level",
    "grafana_slo",
];

/// Terraform resources that run a service.
const COMPUTE_RESOURCES: &[&str] = &[
    "aws_instance",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_autoscaling_group",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_lambda_function",
    "aws_apprunner_service",
    "aws_elastic_beanstalk_environment",
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_lightsail_instance",
    "google_compute_instance",
    "google_compute_instance_template",
    "google_cloud_run_service",
    "google_cloud_run_v2_service",
    "google_container_cluster",
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_container_app",
    "azurerm_linux_web_app",
    "azurerm_kubernetes_cluster",
    "kubernetes_deployment",
    "kubernetes_deployment_v1",
    "helm_release",
];

/// Web frameworks whose presence in a manifest means a server is run.
const SERVER_PACKAGES: &[&str] = &[
    "express",
    "fastify",
    "koa",
    "@nestjs/core",
    "@hapi/hapi",
    "hapi",
    "next",
    "nuxt",
    "restify",
    "hono",
    "flask",
    "django",
    "fastapi",
    "starlette",
    "gunicorn",
    "uvicorn",
    "aiohttp",
];

/// Workload kinds in Kubernetes manifests.
const K8S_WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Rollout",
    "DeploymentConfig",
];

fn scan_file(f: &SourceFile) -> OpsEvidence {
    let mut out = OpsEvidence::default();
    let hit = |line: u32, what: String| Hit {
        path: f.path.clone(),
        line,
        what,
    };
    let name = f.name().to_ascii_lowercase();
    match f.kind {
        // Shell files come from the shell model (see `load`).
        FileKind::Dockerfile => out.services.push(hit(1, "Dockerfile".into())),
        FileKind::JavaScript | FileKind::TypeScript if f.text.contains("k6") => {
            if let Some(line) = imports_module(f, &["k6"]) {
                out.load_tests.push(hit(line, "k6 script".into()));
            }
        }
        FileKind::Python if f.text.contains("locust") => {
            if let Some(line) = imports_module(f, &["locust"]) {
                out.load_tests.push(hit(line, "Locust locustfile".into()));
            }
        }
        FileKind::Manifest => scan_manifest(f, &mut out),
        FileKind::Other | FileKind::Document => {
            if name == "makefile" || name == "gnumakefile" || name.ends_with(".mk") {
                scan_makefile(f, &mut out);
            } else if name.ends_with(".jmx") {
                if f.text.contains("<jmeterTestPlan") {
                    out.load_tests.push(hit(1, "JMeter test plan".into()));
                }
            } else if is_gatling_name(&name) {
                if let Some(line) = f
                    .text
                    .lines()
                    .position(|l| l.trim_start().starts_with("import io.gatling"))
                {
                    out.load_tests
                        .push(hit(line as u32 + 1, "Gatling simulation".into()));
                }
            } else if name.contains("target") {
                if let Some(line) = vegeta_targets(&f.text) {
                    out.load_tests.push(hit(line, "vegeta targets file".into()));
                }
            }
        }
        _ => {}
    }
    out
}

/// Gatling simulations are named `*Simulation.scala` (or `.java`, `.kt`).
pub fn is_gatling_name(lower_name: &str) -> bool {
    ["simulation.scala", "simulation.java", "simulation.kt"]
        .iter()
        .any(|s| lower_name.ends_with(s))
}

/// First line of a vegeta targets file: lines like `GET https://host/path`.
fn vegeta_targets(text: &str) -> Option<u32> {
    let mut first = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let mut parts = t.split_whitespace();
        let method = parts.next().unwrap_or("");
        let url = parts.next().unwrap_or("");
        let is_request = matches!(
            method,
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) && (url.starts_with("http://") || url.starts_with("https://"));
        if is_request {
            first.get_or_insert(i as u32 + 1);
        } else if first.is_none() {
            // The first meaningful line must be a request.
            return None;
        }
    }
    first
}

// ---------------------------------------------------------------- shell

/// A simple command with what follows it.
#[derive(Debug, Clone, Default)]
pub struct Command {
    pub name: String,
    pub args: Vec<String>,
    /// 1-based line in the file.
    pub line: u32,
    /// Reads stdin from a file (`< dump.sql`).
    pub stdin_from_file: bool,
    /// Name of the command piped into this one.
    pub piped_from: Option<String>,
}

/// Parses shell text with tree-sitter-bash and returns its simple commands.
/// `line_offset` is added to lines (for scripts embedded in other files).
pub fn shell_commands(text: &str, line_offset: u32) -> Vec<Command> {
    let Ok(tree) = crate::code::parse::parse(crate::code::parse::Grammar::Bash, text) else {
        return Vec::new();
    };
    let src = text.as_bytes();
    let node_text = |n: Node| n.utf8_text(src).unwrap_or("").to_string();
    let mut out = Vec::new();
    // An explicit stack: deeply nested input must not overflow ours.
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "command" {
            let mut cmd = Command {
                line: node.start_position().row as u32 + 1 + line_offset,
                ..Command::default()
            };
            if let Some(n) = node.field("name") {
                cmd.name = unquote(&node_text(n));
            }
            let mut cursor = node.walk();
            for a in node.children_by_field_name("argument", &mut cursor) {
                cmd.args.push(unquote(&node_text(a)));
            }
            if let Some(parent) = node.parent() {
                if parent.kind() == "redirected_statement" {
                    let mut c = parent.walk();
                    cmd.stdin_from_file = parent.children(&mut c).any(|r| {
                        r.kind() == "file_redirect" && node_text(r).trim_start().starts_with('<')
                    });
                }
                let in_pipe = if parent.kind() == "pipeline" {
                    Some(node)
                } else if parent.kind() == "redirected_statement"
                    && parent.parent().is_some_and(|p| p.kind() == "pipeline")
                {
                    Some(parent)
                } else {
                    None
                };
                if let Some(prev) = in_pipe.and_then(|n| n.prev_named_sibling()) {
                    let prev_cmd = if prev.kind() == "command" {
                        Some(prev)
                    } else {
                        prev.named_child(0).filter(|c| c.kind() == "command")
                    };
                    cmd.piped_from = prev_cmd
                        .and_then(|c| c.field("name"))
                        .map(|n| unquote(&node_text(n)));
                }
            }
            out.push(cmd);
        }
        let mut c = node.walk();
        let children: Vec<Node> = node.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|c| c.line);
    out
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '"' || c == '\'').to_string()
}

fn base(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Commands that only wrap another one (`sudo pg_restore`, `docker exec -i
/// db psql`): the wrapped tool appears among the arguments.
const WRAPPERS: &[&str] = &[
    "sudo", "env", "time", "nohup", "exec", "docker", "kubectl", "podman", "npx", "timeout",
];

/// The tool names a command runs: its name, and for wrappers its arguments.
fn tools(cmd: &Command) -> Vec<&str> {
    let mut out = vec![base(&cmd.name)];
    if WRAPPERS.contains(&base(&cmd.name)) {
        out.extend(cmd.args.iter().map(|a| base(a)));
    }
    out
}

const AWS_RESTORE: &[&str] = &[
    "restore-db-instance-from-db-snapshot",
    "restore-db-instance-to-point-in-time",
    "restore-db-instance-from-s3",
    "restore-db-cluster-from-snapshot",
    "restore-db-cluster-to-point-in-time",
    "restore-db-cluster-from-s3",
    "start-restore-job",
    "restore-table-from-backup",
    "restore-table-to-point-in-time",
    "restore-from-cluster-snapshot",
];

const AWS_BACKUP: &[&str] = &[
    "create-db-snapshot",
    "create-db-cluster-snapshot",
    "create-snapshot",
    "create-snapshots",
    "start-backup-job",
    "create-backup",
];

/// Tools that restore a dump by themselves.
const RESTORE_TOOLS: &[&str] = &["pg_restore", "mongorestore", "gbak"];
/// Database clients, which restore when fed a dump.
const DUMP_CLIENTS: &[&str] = &["psql", "mysql", "mariadb"];
/// Tools that take a dump.
const DUMP_TOOLS: &[&str] = &[
    "pg_dump",
    "pg_dumpall",
    "pg_basebackup",
    "mysqldump",
    "mariadb-dump",
    "mongodump",
];
/// Backup programs, which back up with a `backup` or `create` subcommand.
const BACKUP_PROGRAMS: &[&str] = &["restic", "borg"];
/// Load generators trusted in command position.
const LOAD_GENERATORS: &[&str] = &[
    "wrk",
    "wrk2",
    "hey",
    "ab",
    "oha",
    "bombardier",
    "ghz",
    "jmeter",
    "gatling.sh",
];
/// Load-test runners, recognised with their subcommand (or wrapped).
const VEGETA: &str = "vegeta";
const K6: &str = "k6";
const LOCUST: &str = "locust";
const ARTILLERY: &str = "artillery";
/// A load generator run from package scripts.
const AUTOCANNON: &str = "autocannon";

/// Why a command restores from a backup, if it does.
pub fn restores(cmd: &Command) -> Option<String> {
    let t = tools(cmd);
    if let Some(tool) = t.iter().find(|n| RESTORE_TOOLS.contains(n)) {
        return Some((*tool).to_string());
    }
    if t.contains(&"aws") {
        if let Some(sub) = cmd.args.iter().find(|a| AWS_RESTORE.contains(&a.as_str())) {
            return Some(format!("aws {sub}"));
        }
    }
    // A client fed a dump: `psql db < dump.sql`, `gunzip -c x.gz | mysql`.
    let client = t.iter().find(|n| DUMP_CLIENTS.contains(n));
    let fed = cmd.stdin_from_file
        || cmd.piped_from.as_deref().is_some_and(|p| {
            matches!(
                base(p),
                "gunzip" | "zcat" | "gzip" | "cat" | "xz" | "zstd" | "aws" | "bunzip2" | "openssl"
            )
        });
    if let (Some(c), true) = (client, fed) {
        return Some(format!("{c} fed a dump"));
    }
    None
}

/// Why a command takes a backup, if it does.
pub fn backs_up(cmd: &Command) -> Option<String> {
    let t = tools(cmd);
    if let Some(tool) = t.iter().find(|n| DUMP_TOOLS.contains(n)) {
        return Some((*tool).to_string());
    }
    if t.contains(&"aws") {
        if let Some(sub) = cmd.args.iter().find(|a| AWS_BACKUP.contains(&a.as_str())) {
            return Some(format!("aws {sub}"));
        }
    }
    let name = base(&cmd.name);
    if BACKUP_PROGRAMS.contains(&name) && cmd.args.iter().any(|a| a == "backup" || a == "create") {
        return Some(name.to_string());
    }
    None
}

/// Which load-testing tool a command runs, if any.
pub fn load_tests(cmd: &Command) -> Option<String> {
    let name = base(&cmd.name);
    // `ab` is only trusted in command position: as an argument it is a word.
    if LOAD_GENERATORS.contains(&name) {
        return Some(name.to_string());
    }
    let t = tools(cmd);
    let has = |a: &str| cmd.args.iter().any(|x| x == a);
    if t.contains(&VEGETA) && has("attack") {
        return Some("vegeta attack".into());
    }
    if (t.contains(&K6)
        || cmd
            .args
            .iter()
            .any(|a| a.ends_with("/k6") || a.contains("/k6:")))
        && (has("run") || has("cloud"))
    {
        return Some("k6 run".into());
    }
    if t.contains(&LOCUST) {
        return Some("locust".into());
    }
    if t.contains(&ARTILLERY) && (has("run") || has("quick")) {
        return Some("artillery".into());
    }
    None
}

/// Every name the scan recognises a command by: tools, runners, and AWS
/// subcommands.
const KNOWN_TOOLS: [&[&str]; 8] = [
    RESTORE_TOOLS,
    DUMP_CLIENTS,
    DUMP_TOOLS,
    BACKUP_PROGRAMS,
    LOAD_GENERATORS,
    &[VEGETA, K6, LOCUST, ARTILLERY, AUTOCANNON],
    AWS_RESTORE,
    AWS_BACKUP,
];

/// Whether shell text can hold a command this scan recognises, so that
/// text without one is not parsed (CI files hold many `run:` steps, and
/// the workflow loader has parsed them once already).
///
/// Exact, not a guess: a tool is recognised by a word's last `/` segment
/// (quotes trimmed) or by an argument, so it stands in the text as a whole
/// token between characters that cannot be part of a word's segment.
fn may_run_known_tools(text: &str) -> bool {
    let known = |t: &str| KNOWN_TOOLS.iter().any(|list| list.contains(&t));
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .any(known)
}

/// The commands of shell text embedded in another file (`line_offset` is
/// added to lines), when it can hold a command this scan recognises.
fn tool_commands(text: &str, line_offset: u32) -> Vec<Command> {
    if may_run_known_tools(text) {
        shell_commands(text, line_offset)
    } else {
        Vec::new()
    }
}

fn scan_commands(path: &str, cmds: &[Command], out: &mut OpsEvidence) {
    for c in cmds {
        let hit = |what: String| Hit {
            path: path.to_string(),
            line: c.line,
            what,
        };
        if let Some(w) = restores(c) {
            out.restore_scripts.push(hit(w));
        }
        if let Some(w) = backs_up(c) {
            out.backup_scripts.push(hit(w));
        }
        if let Some(w) = load_tests(c) {
            out.load_tests.push(hit(w));
        }
    }
}

/// Whether `path` is one of the shell files discovery read.
fn is_shell_file(files: &[SourceFile], path: &str) -> bool {
    crate::source::find(files, path).is_some_and(|f| f.kind == FileKind::Shell)
}

/// A script's commands as this module's simple commands: the first word
/// (wrappers included, `tools` looks through them), the rest, a `<` on
/// stdin and the command piped into it.
fn script_commands(script: &Script) -> Vec<Command> {
    let stages: std::collections::HashMap<(usize, usize, usize), &str> = script
        .commands
        .iter()
        .filter_map(|c| {
            let p = c.pipeline?;
            Some(((c.scope, p.id, p.index), c.words.first()?.as_str()))
        })
        .collect();
    script
        .commands
        .iter()
        .map(|c| {
            let piped_from = c
                .pipeline
                .filter(|p| p.index > 0)
                .and_then(|p| stages.get(&(c.scope, p.id, p.index - 1)))
                .map(|w| w.to_string());
            Command {
                name: c.words.first().cloned().unwrap_or_default(),
                args: c.words.iter().skip(1).cloned().collect(),
                line: c.line,
                stdin_from_file: c.redirects.iter().any(|r| r.op == "<"),
                piped_from,
            }
        })
        .collect()
}

fn scan_shell(f: &SourceFile, text: &str, line_offset: u32, out: &mut OpsEvidence) {
    scan_commands(&f.path, &tool_commands(text, line_offset), out);
}

/// Makefile recipes: each tab-indented line is a shell command line.
fn scan_makefile(f: &SourceFile, out: &mut OpsEvidence) {
    for (i, l) in f.text.lines().enumerate() {
        if let Some(recipe) = l.strip_prefix('\t') {
            let recipe = recipe.trim_start_matches(['@', '-', '+']);
            scan_shell(f, recipe, i as u32, out);
        }
    }
}

// ---------------------------------------------------------------- code

/// Line of the first import of one of `modules` (or a submodule) in JS, TS
/// or Python, found with tree-sitter.
fn imports_module(f: &SourceFile, modules: &[&str]) -> Option<u32> {
    use crate::code::parse::{parse, Grammar};
    let grammar = match f.kind {
        FileKind::JavaScript => Grammar::JavaScript,
        FileKind::TypeScript if f.name().ends_with('x') => Grammar::Tsx,
        FileKind::TypeScript => Grammar::TypeScript,
        FileKind::Python => Grammar::Python,
        _ => return None,
    };
    let tree = parse(grammar, &f.text).ok()?;
    let src = f.text.as_bytes();
    let text = |n: Node| n.utf8_text(src).unwrap_or("");
    let wanted = |m: &str| {
        let m = m.trim_matches(|c| c == '"' || c == '\'' || c == '`');
        modules
            .iter()
            .any(|w| m == *w || m.strip_prefix(w).is_some_and(|r| r.starts_with(['/', '.'])))
    };
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        let found = match node.kind() {
            // JS/TS: import ... from 'k6/http'
            "import_statement" if f.kind != FileKind::Python => {
                node.field("source").is_some_and(|s| wanted(text(s)))
            }
            // JS/TS: require('k6/http')
            "call_expression" => {
                node.field("function")
                    .is_some_and(|fun| text(fun) == "require")
                    && node
                        .field("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(|s| s.kind() == "string" && wanted(text(s)))
            }
            // Python: from locust import HttpUser
            "import_from_statement" => node.field("module_name").is_some_and(|m| wanted(text(m))),
            // Python: import locust / import locust.env as e
            "import_statement" => {
                let mut c = node.walk();
                let names: Vec<Node> = node.children_by_field_name("name", &mut c).collect();
                names.iter().any(|n| {
                    let n = n.field("name").unwrap_or(*n);
                    wanted(text(n))
                })
            }
            _ => false,
        };
        if found {
            return Some(node.start_position().row as u32 + 1);
        }
        // Imports sit at the top levels; do not descend into large bodies
        // beyond what is needed for `require` calls.
        let mut c = node.walk();
        let children: Vec<Node> = node.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

// ---------------------------------------------------------------- manifests

fn scan_manifest(f: &SourceFile, out: &mut OpsEvidence) {
    let name = f.name().to_ascii_lowercase();
    let hit = |line: u32, what: String| Hit {
        path: f.path.clone(),
        line,
        what,
    };
    let line_of = |needle: &str| {
        f.text
            .find(needle)
            .map(|off| f.lines.line_of(off))
            .unwrap_or(1)
    };
    if name == "package.json" {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&f.text) else {
            return;
        };
        for deps in ["dependencies", "devDependencies"] {
            if let Some(obj) = json.get(deps).and_then(|d| d.as_object()) {
                for pkg in SERVER_PACKAGES {
                    if obj.contains_key(*pkg) && deps == "dependencies" {
                        out.services
                            .push(hit(line_of(&format!("\"{pkg}\"")), format!("{pkg} server")));
                    }
                }
            }
        }
        if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
            for (key, v) in scripts {
                if let Some(s) = v.as_str() {
                    let line = line_of(&format!("\"{key}\""));
                    let mut cmds = tool_commands(s, 0);
                    for c in &mut cmds {
                        c.line = line;
                    }
                    scan_commands(&f.path, &cmds, out);
                    if cmds.iter().any(|c| base(&c.name) == AUTOCANNON) {
                        out.load_tests.push(hit(line, "autocannon".into()));
                    }
                }
            }
        }
    } else if name.starts_with("requirements") || name == "pyproject.toml" || name == "pipfile" {
        for (i, l) in f.text.lines().enumerate() {
            let l = l.trim().to_ascii_lowercase();
            let pkg: String = l
                .trim_start_matches('"')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if SERVER_PACKAGES.contains(&pkg.as_str()) && !l.starts_with('#') {
                out.services
                    .push(hit(i as u32 + 1, format!("{pkg} server")));
            }
        }
    } else if name == "procfile" {
        if let Some(i) = f.text.lines().position(|l| l.starts_with("web:")) {
            out.services
                .push(hit(i as u32 + 1, "Procfile web process".into()));
        }
    }
}

// ---------------------------------------------------------------- YAML

/// A scalar value with the mapping key it belongs to.
#[derive(Debug, Clone)]
struct YamlScalar {
    /// Depth of the mapping holding the key (1 = top level of a document).
    depth: usize,
    key: String,
    value: String,
    line: u32,
    doc: usize,
}

/// Keys of the top-level mapping of each document, and every scalar value
/// with the key it sits under (a sequence's items sit under the key of the
/// sequence).
fn yaml_scalars(parsed: &YamlFile) -> (Vec<Vec<(String, u32)>>, Vec<YamlScalar>) {
    let mut docs = Vec::with_capacity(parsed.docs.len());
    let mut scalars = Vec::new();
    for (doc, root) in parsed.docs.iter().enumerate() {
        docs.push(
            root.entries()
                .filter_map(|(k, _)| Some((k.scalar()?.text.clone(), k.span.start)))
                .collect(),
        );
        collect_scalars(root, None, 0, doc, &mut scalars);
    }
    (docs, scalars)
}

/// `depth` counts the mappings around `node`; `key` is the key of the
/// innermost entry holding it (none under a complex key).
fn collect_scalars(
    node: &yaml::Node,
    key: Option<&str>,
    depth: usize,
    doc: usize,
    out: &mut Vec<YamlScalar>,
) {
    match &node.value {
        yaml::Value::Scalar(s) => {
            if let Some(key) = key {
                out.push(YamlScalar {
                    depth,
                    key: key.to_string(),
                    value: s.text.clone(),
                    line: node.span.start,
                    doc,
                });
            }
        }
        yaml::Value::Seq(items) => {
            for item in items {
                collect_scalars(item, key, depth, doc, out);
            }
        }
        yaml::Value::Map(entries) => {
            for (k, v) in entries {
                let key = k.scalar().map(|s| s.text.as_str());
                collect_scalars(v, key, depth + 1, doc, out);
            }
        }
    }
}

/// The evidence of one parsed YAML file: SLO specifications, Artillery
/// scripts, services, and the tools CI steps run.
pub(crate) fn yaml_evidence(f: &SourceFile, parsed: &YamlFile) -> OpsEvidence {
    let mut out = OpsEvidence::default();
    scan_yaml(f, parsed, &mut out);
    out
}

fn scan_yaml(f: &SourceFile, parsed: &YamlFile, out: &mut OpsEvidence) {
    let (docs, scalars) = yaml_scalars(parsed);
    let name = f.name().to_ascii_lowercase();
    let hit = |line: u32, what: &str| Hit {
        path: f.path.clone(),
        line,
        what: what.to_string(),
    };
    for (i, keys) in docs.iter().enumerate() {
        let top = |k: &str| {
            scalars
                .iter()
                .find(|s| s.doc == i && s.depth == 1 && s.key == k)
                .map(|s| (s.value.as_str(), s.line))
        };
        let has_key = |k: &str| keys.iter().find(|(x, _)| x == k).map(|(_, l)| *l);
        let first_line = keys.first().map(|(_, l)| *l).unwrap_or(1);
        let api = top("apiVersion").map(|(v, _)| v).unwrap_or("");
        let kind = top("kind").map(|(v, _)| v).unwrap_or("");
        // SLO specifications.
        let slo = (api.starts_with("openslo/") && kind == "SLO")
            || api.starts_with("sloth.slok.dev/")
            || (api.starts_with("pyrra.dev/") && kind == "ServiceLevelObjective")
            || (api.starts_with("sre.google.com/") && kind == "ServiceLevelObjective")
            || (api.starts_with("n9/") && kind == "SLO")
            || (top("version").is_some_and(|(v, _)| v.starts_with("prometheus/"))
                && has_key("slos").is_some())
            || (has_key("slo_name").is_some() && has_key("slo_target").is_some());
        if slo {
            out.slo_specs.push(hit(first_line, "SLO specification"));
        }
        // Artillery: `config:` (with a target or phases) and `scenarios:`.
        if has_key("config").is_some() && has_key("scenarios").is_some() {
            let artillery_config = scalars.iter().any(|s| {
                s.doc == i
                    && s.depth == 2
                    && (s.key == "target" || s.key == "arrivalRate" || s.key == "duration")
            });
            if artillery_config {
                out.load_tests.push(hit(first_line, "Artillery script"));
            }
        }
        // Services: Kubernetes workloads, compose services, Serverless.
        if !api.is_empty() && K8S_WORKLOADS.contains(&kind) {
            out.services
                .push(hit(first_line, &format!("Kubernetes {kind}")));
        }
        if (name.starts_with("docker-compose") || name.starts_with("compose"))
            && has_key("services").is_some()
        {
            out.services
                .push(hit(has_key("services").unwrap_or(1), "compose services"));
        }
        if name.starts_with("serverless")
            && has_key("provider").is_some()
            && has_key("functions").is_some()
        {
            out.services.push(hit(first_line, "Serverless functions"));
        }
    }
    // CI steps: shell in `run:` (GitHub Actions) or `script:` (GitLab),
    // and the k6 actions.
    let is_ci = f.path.contains(".github/workflows/")
        || name == ".gitlab-ci.yml"
        || f.path.contains(".circleci/")
        || name == "azure-pipelines.yml"
        || name == "bitbucket-pipelines.yml"
        || name == ".drone.yml"
        || name == "buildspec.yml";
    if is_ci {
        for s in &scalars {
            if matches!(
                s.key.as_str(),
                "run" | "script" | "command" | "before_script" | "after_script"
            ) {
                // saphyr-parser places a block scalar at its first content line.
                let offset = s.line.saturating_sub(1);
                let mut cmds = tool_commands(&s.value, offset);
                if !s.value.contains('\n') {
                    for c in &mut cmds {
                        c.line = s.line;
                    }
                }
                scan_commands(&f.path, &cmds, out);
            } else if s.key == "uses"
                && (s.value.starts_with("grafana/k6-action")
                    || s.value.starts_with("grafana/run-k6-action")
                    || s.value.starts_with("k6io/action"))
            {
                out.load_tests.push(hit(s.line, "k6 action"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evidence of one file, through the shell model as in a review.
    fn scan(path: &str, kind: FileKind, text: &str) -> OpsEvidence {
        let files = [SourceFile::new(path, kind, text)];
        let tf = Terraform::default();
        let (scripts, _) = crate::shell::load(
            std::path::Path::new("."),
            &files,
            &tf,
            crate::shell::parse_files(&files),
        );
        let mut ops = scan_files(&files);
        ops.extend(crate::yaml_families::load(&files).ops);
        load(ops, &files, &tf, &scripts)
    }

    #[test]
    fn text_without_a_known_tool_is_not_parsed_and_every_tool_is_seen() {
        assert!(!may_run_known_tools("npm ci && npm test -- --coverage"));
        assert!(!may_run_known_tools(
            "echo enable table labels; k6x run; ./gatling"
        ));
        for tool in KNOWN_TOOLS.iter().flat_map(|list| list.iter()) {
            for text in [
                format!("{tool} x"),
                format!("sudo /usr/local/bin/{tool}"),
                format!("docker run grafana/{tool}:latest run"),
                format!("x=$({tool}); '{tool}' | \"{tool}\"\\\n"),
            ] {
                assert!(may_run_known_tools(&text), "{text}");
            }
        }
        // Through the scan: a step with a tool still counts.
        let wf = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: |\n          npm ci\n          PGPASSWORD=x pg_restore -d db dump.bin\n";
        let e = scan(".github/workflows/restore.yml", FileKind::Yaml, wf);
        assert_eq!(e.restore_scripts.len(), 1, "{e:?}");
    }

    #[test]
    fn k6_script_is_a_load_test() {
        let js = "import http from 'k6/http';\nimport { sleep } from 'k6';\nexport default function () { http.get('https://x'); }\n";
        let e = scan("tests/perf/load.js", FileKind::JavaScript, js);
        assert_eq!(e.load_tests.len(), 1);
        assert_eq!(e.load_tests[0].line, 1);
        // Mentioning k6 in a string or comment is not an import.
        let near = "// TODO: write k6 tests\nconst tool = 'k6/http';\n";
        assert!(scan("src/a.js", FileKind::JavaScript, near)
            .load_tests
            .is_empty());
        let req = "const http = require('k6/http');\n";
        assert_eq!(scan("a.js", FileKind::JavaScript, req).load_tests.len(), 1);
    }

    #[test]
    fn locust_import() {
        let py = "from locust import HttpUser, task\n\nclass U(HttpUser):\n    pass\n";
        assert_eq!(
            scan("locustfile.py", FileKind::Python, py).load_tests.len(),
            1
        );
        let near = "# locust would be nice\nimport requests\n";
        assert!(scan("x.py", FileKind::Python, near).load_tests.is_empty());
    }

    #[test]
    fn shell_tools_in_command_position() {
        let sh = "#!/bin/bash\necho 'run wrk later'\nwrk -t4 -c100 -d30s https://api\nvegeta attack -rate=50 < targets.txt\n";
        let e = scan("scripts/bench.sh", FileKind::Shell, sh);
        let lines: Vec<u32> = e.load_tests.iter().map(|h| h.line).collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn restore_versus_failover() {
        let restore = "#!/bin/bash\naws s3 cp s3://b/dump.gz - | gunzip | psql \"$DB\"\npg_restore -d app dump.bin\n";
        let e = scan("scripts/restore.sh", FileKind::Shell, restore);
        assert_eq!(e.restore_scripts.len(), 2, "{e:?}");
        let failover = "#!/bin/bash\naws rds promote-read-replica --db-instance-identifier r\n";
        assert!(scan("f.sh", FileKind::Shell, failover)
            .restore_scripts
            .is_empty());
        let redirect = "docker exec -i db psql -U app app < backup.sql\n";
        assert_eq!(
            scan("r.sh", FileKind::Shell, redirect)
                .restore_scripts
                .len(),
            1
        );
        let snap = "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier n --db-snapshot-identifier s\n";
        assert_eq!(scan("r.sh", FileKind::Shell, snap).restore_scripts.len(), 1);
        let dump = "pg_dump app | gzip > /backup/app.sql.gz\n";
        let e = scan("b.sh", FileKind::Shell, dump);
        assert_eq!(e.backup_scripts.len(), 1);
        assert!(e.restore_scripts.is_empty());
    }

    #[test]
    fn yaml_specs_and_services() {
        let openslo = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: api\nspec:\n  objectives:\n    - target: 0.999\n";
        assert_eq!(
            scan("slo/api.yaml", FileKind::Yaml, openslo)
                .slo_specs
                .len(),
            1
        );
        let sloth = "version: \"prometheus/v1\"\nservice: api\nslos:\n  - name: availability\n";
        assert_eq!(scan("sloth.yml", FileKind::Yaml, sloth).slo_specs.len(), 1);
        let artillery = "config:\n  target: https://api\n  phases:\n    - duration: 60\n      arrivalRate: 5\nscenarios:\n  - flow:\n      - get:\n          url: /\n";
        assert_eq!(
            scan("load.yml", FileKind::Yaml, artillery).load_tests.len(),
            1
        );
        let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n";
        assert_eq!(scan("k8s/a.yaml", FileKind::Yaml, deploy).services.len(), 1);
        let wf = "on: push\njobs:\n  perf:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          npm ci\n          k6 run tests/perf/load.js\n";
        let e = scan(".github/workflows/perf.yml", FileKind::Yaml, wf);
        assert_eq!(e.load_tests.len(), 1);
        assert_eq!(e.load_tests[0].line, 8);
    }

    #[test]
    fn yaml_alias_bomb_is_not_expanded() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..30 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            y.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let start = std::time::Instant::now();
        let _ = scan("bomb.yaml", FileKind::Yaml, &y);
        assert!(start.elapsed().as_secs() < 5);
    }
}
