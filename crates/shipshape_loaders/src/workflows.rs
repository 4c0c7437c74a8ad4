//! GitHub Actions workflows (`.github/workflows/*.yml`) on the spanned YAML
//! tree: triggers, env, permissions and jobs with their `needs` graph,
//! environments and steps. Each `run:` script is parsed with the shell
//! parser at its real lines in the YAML file, so rules read commands, not
//! text.

use crate::shell::{parse_script, ParseLimits, Script, ScriptRole, SetChange, ShellOption};
use crate::source::{FileKind, SourceFile};
use crate::yaml::Node;
use shipshape_model::LineSpan;
use std::collections::BTreeSet;

/// One workflow file.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub path: String,
    pub name: Option<String>,
    pub triggers: Vec<Trigger>,
    pub env: Vec<EnvEntry>,
    pub permissions: Option<Permissions>,
    pub jobs: Vec<Job>,
}

/// An event under `on:`, with its branch filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub event: String,
    pub branches: Vec<String>,
    pub span: LineSpan,
}

/// `NAME: value` under an `env:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub name: String,
    /// The value as written (`${{ secrets.X }}` kept as text); `None` when
    /// not a scalar.
    pub value: Option<String>,
    pub span: LineSpan,
}

impl EnvEntry {
    /// The value is an expression (`${{ … }}`), not a literal.
    pub fn is_expression(&self) -> bool {
        self.value.as_deref().is_some_and(|v| v.contains("${{"))
    }
}

/// `permissions:` as a scalar (`write-all`) or per-scope map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub all: Option<String>,
    pub scopes: Vec<(String, String)>,
    pub span: LineSpan,
}

impl Permissions {
    /// The access for a scope (`id-token`), considering `write-all`.
    pub fn scope(&self, name: &str) -> Option<&str> {
        self.scopes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .or(match self.all.as_deref() {
                Some("write-all") => Some("write"),
                Some("read-all") => Some("read"),
                _ => None,
            })
    }
}

/// `environment: production` or `environment: {name, url}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub url: Option<String>,
    pub span: LineSpan,
}

/// One job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    /// The line of the job's key (`  deploy:`).
    pub key_span: LineSpan,
    /// The whole job.
    pub span: LineSpan,
    pub name: Option<String>,
    pub needs: Vec<String>,
    pub environment: Option<Environment>,
    pub permissions: Option<Permissions>,
    pub runs_on: Option<String>,
    pub env: Vec<EnvEntry>,
    pub if_cond: Option<String>,
    /// A reusable workflow call (`uses:` on the job).
    pub uses: Option<Uses>,
    pub steps: Vec<Step>,
}

/// `uses: owner/repo[/path]@ref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uses {
    pub raw: String,
    /// `owner/repo` (lower case); empty for local (`./x`) and `docker://`.
    pub repo: String,
    pub git_ref: Option<String>,
    pub local: bool,
    pub docker: bool,
    pub span: LineSpan,
}

impl Uses {
    pub fn parse(raw: &str, span: LineSpan) -> Uses {
        let local = raw.starts_with("./") || raw.starts_with("../");
        let docker = raw.starts_with("docker://");
        let (path, git_ref) = match raw.rsplit_once('@') {
            Some((p, r)) if !local && !docker => (p, Some(r.to_string())),
            _ => (raw, None),
        };
        let repo = if local || docker {
            String::new()
        } else {
            path.split('/')
                .take(2)
                .collect::<Vec<_>>()
                .join("/")
                .to_ascii_lowercase()
        };
        Uses {
            raw: raw.to_string(),
            repo,
            git_ref,
            local,
            docker,
            span,
        }
    }

    /// `owner` of `owner/repo`.
    pub fn owner(&self) -> &str {
        self.repo.split('/').next().unwrap_or("")
    }
}

/// A `with:` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub key: String,
    pub value: Option<String>,
    pub span: LineSpan,
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    pub index: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub span: LineSpan,
    pub uses: Option<Uses>,
    pub with: Vec<Input>,
    pub env: Vec<EnvEntry>,
    pub if_cond: Option<String>,
    pub shell: Option<String>,
    /// The `run:` script, parsed (lines are the workflow file's).
    pub run: Option<Script>,
}

impl Step {
    pub fn input(&self, key: &str) -> Option<&Input> {
        self.with.iter().find(|i| i.key == key)
    }

    /// A line-free label: id, name, the action, or the position.
    pub fn label(&self) -> String {
        self.id
            .clone()
            .or_else(|| self.name.clone())
            .or_else(|| self.uses.as_ref().map(|u| u.raw.clone()))
            .unwrap_or_else(|| format!("step {}", self.index + 1))
    }
}

impl Job {
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

impl Workflow {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Every job `job` needs, directly or through others.
    pub fn needs_closure(&self, job: &Job) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<&str> = job.needs.iter().map(String::as_str).collect();
        while let Some(id) = todo.pop() {
            if out.insert(id.to_string()) {
                if let Some(j) = self.job(id) {
                    todo.extend(j.needs.iter().map(String::as_str));
                }
            }
        }
        out
    }

    /// Jobs that need `job`, directly or through others.
    pub fn dependents(&self, job: &Job) -> Vec<&Job> {
        self.jobs
            .iter()
            .filter(|j| j.id != job.id && self.needs_closure(j).contains(&job.id))
            .collect()
    }
}

/// Whether a path is a workflow file.
pub fn is_workflow_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let in_dir = lower.starts_with(".github/workflows/") || lower.contains("/.github/workflows/");
    in_dir && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

/// Whether a file is a GitHub Actions workflow (by path).
pub fn wants(f: &SourceFile) -> bool {
    f.kind == FileKind::Yaml && is_workflow_path(&f.path)
}

/// Reads a workflow document (`None` if it has no `jobs:` mapping).
pub fn from_doc(file: &SourceFile, doc: &Node) -> Option<Workflow> {
    let jobs_node = doc.get("jobs").filter(|j| j.is_map())?;
    let jobs = jobs_node
        .entries()
        .filter_map(|(k, v)| Some(job(file, k.text()?, k.span, v)))
        .collect();
    // YAML 1.1 readers turn `on` into `true`; saphyr keeps it a string, but
    // accept both spellings.
    let on = doc.get("on").or_else(|| doc.get("true"));
    Some(Workflow {
        path: file.path.clone(),
        name: doc.get("name").and_then(Node::text).map(str::to_string),
        triggers: on.map(triggers).unwrap_or_default(),
        env: doc.get("env").map(env).unwrap_or_default(),
        permissions: doc.get("permissions").map(permissions),
        jobs,
    })
}

fn triggers(on: &Node) -> Vec<Trigger> {
    if let Some(t) = on.text() {
        return vec![Trigger {
            event: t.to_string(),
            branches: vec![],
            span: on.span,
        }];
    }
    if on.is_seq() {
        return on
            .items()
            .iter()
            .filter_map(|i| {
                Some(Trigger {
                    event: i.text()?.to_string(),
                    branches: vec![],
                    span: i.span,
                })
            })
            .collect();
    }
    on.entries()
        .filter_map(|(k, v)| {
            Some(Trigger {
                event: k.text()?.to_string(),
                branches: v
                    .get("branches")
                    .or_else(|| v.get("tags"))
                    .map(strings)
                    .unwrap_or_default(),
                span: LineSpan::new(k.span.start, v.span.end.max(k.span.end)),
            })
        })
        .collect()
}

/// A scalar or a sequence of scalars, as strings.
fn strings(n: &Node) -> Vec<String> {
    match n.text() {
        Some(t) => vec![t.to_string()],
        None => n
            .items()
            .iter()
            .filter_map(|i| i.text().map(str::to_string))
            .collect(),
    }
}

fn env(n: &Node) -> Vec<EnvEntry> {
    n.entries()
        .filter_map(|(k, v)| {
            Some(EnvEntry {
                name: k.text()?.to_string(),
                value: v.text().map(str::to_string),
                span: LineSpan::new(k.span.start, v.span.end.max(k.span.end)),
            })
        })
        .collect()
}

fn permissions(n: &Node) -> Permissions {
    Permissions {
        all: n.text().map(str::to_string),
        scopes: n
            .entries()
            .filter_map(|(k, v)| Some((k.text()?.to_string(), v.text()?.to_string())))
            .collect(),
        span: n.span,
    }
}

fn job(file: &SourceFile, id: &str, key_span: LineSpan, n: &Node) -> Job {
    let environment = n.get("environment").and_then(|e| {
        let (name, url) = match e.text() {
            Some(t) => (t.to_string(), None),
            None => (
                e.get("name")?.text()?.to_string(),
                e.get("url").and_then(Node::text).map(str::to_string),
            ),
        };
        Some(Environment {
            name,
            url,
            span: e.span,
        })
    });
    let steps = n
        .get("steps")
        .map(|s| {
            s.items()
                .iter()
                .enumerate()
                .map(|(i, st)| step(file, i, st))
                .collect()
        })
        .unwrap_or_default();
    Job {
        id: id.to_string(),
        key_span,
        span: LineSpan::new(key_span.start, n.span.end.max(key_span.end)),
        name: n.get("name").and_then(Node::text).map(str::to_string),
        needs: n.get("needs").map(strings).unwrap_or_default(),
        environment,
        permissions: n.get("permissions").map(permissions),
        runs_on: n.get("runs-on").map(|r| strings(r).join(",")),
        env: n.get("env").map(env).unwrap_or_default(),
        if_cond: n.get("if").and_then(Node::text).map(str::to_string),
        uses: n
            .get("uses")
            .and_then(|u| Some(Uses::parse(u.text()?, u.span))),
        steps,
    }
}

fn step(file: &SourceFile, index: usize, n: &Node) -> Step {
    let shell = n.get("shell").and_then(Node::text).map(str::to_string);
    let run = n.get("run").and_then(|r| {
        let text = r.text()?;
        let shell_ok = shell
            .as_deref()
            .is_none_or(|s| matches!(s.split_whitespace().next(), Some("bash" | "sh")));
        shell_ok.then(|| run_script(file, text, r.span))
    });
    Step {
        index,
        id: n.get("id").and_then(Node::text).map(str::to_string),
        name: n.get("name").and_then(Node::text).map(str::to_string),
        span: n.span,
        uses: n
            .get("uses")
            .and_then(|u| Some(Uses::parse(u.text()?, u.span))),
        with: n
            .get("with")
            .map(|w| {
                w.entries()
                    .filter_map(|(k, v)| {
                        Some(Input {
                            key: k.text()?.to_string(),
                            value: v.text().map(str::to_string),
                            span: LineSpan::new(k.span.start, v.span.end.max(k.span.end)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        env: n.get("env").map(env).unwrap_or_default(),
        if_cond: n.get("if").and_then(Node::text).map(str::to_string),
        shell,
        run,
    }
}

/// Parses a `run:` value at its lines: a block scalar (`run: |`) starts
/// on the line after its indicator.
fn run_script(file: &SourceFile, text: &str, span: LineSpan) -> Script {
    let indicator = file.line_text(span.start).trim_end();
    let block = indicator
        .rsplit(':')
        .next()
        .map(|rest| {
            let rest = rest.split(" #").next().unwrap_or("").trim();
            rest.starts_with('|') || rest.starts_with('>')
        })
        .unwrap_or(false);
    let first_line = if block { span.start + 1 } else { span.start };
    let (text, table) = mask_expressions(text);
    let mut s = parse_script(
        &file.path,
        &text,
        first_line,
        ScriptRole::CiStep,
        &ParseLimits::default(),
    );
    unmask_script(&mut s, &table);
    // The runner starts bash with `-e` (and `-o pipefail` for `shell: bash`).
    s.sets.insert(
        0,
        SetChange {
            line: first_line,
            option: ShellOption::Errexit,
            on: true,
            scope: 0,
            top_level: true,
            from_shebang: true,
        },
    );
    s
}

/// Replaces each `${{ expr }}` with a shell-safe word (`_GHA0_`), so the
/// shell grammar does not read it as a broken `${…}` expansion; returns the
/// originals to put back. Lines are kept.
pub fn mask_expressions(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut table = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        match after.find("}}") {
            Some(end) if !after[..end].contains('\n') => {
                out.push_str(&format!("_GHA{}_", table.len()));
                table.push(rest[start..start + 3 + end + 2].to_string());
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("${{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, table)
}

/// Puts the `${{ … }}` expressions back into a parsed script's words.
fn unmask_script(s: &mut Script, table: &[String]) {
    if table.is_empty() {
        return;
    }
    let unmask = |w: &mut String| {
        if w.contains("_GHA") {
            // Highest index first, so `_GHA1_` does not eat `_GHA12_`.
            for (i, expr) in table.iter().enumerate().rev() {
                let placeholder = format!("_GHA{i}_");
                if w.contains(&placeholder) {
                    *w = w.replace(&placeholder, expr);
                }
            }
        }
    };
    for c in &mut s.commands {
        c.words.iter_mut().for_each(unmask);
        unmask(&mut c.program);
        for r in &mut c.redirects {
            unmask(&mut r.target);
        }
    }
    for h in &mut s.heredocs {
        unmask(&mut h.body);
    }
    for l in &mut s.loops {
        l.values.iter_mut().for_each(unmask);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = r#"name: Deploy
on:
  push:
    branches: [main]
env:
  REGION: us-east-1
permissions:
  id-token: write
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm test
  deploy:
    needs: [test]
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://x
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::1:role/x
      - name: Deploy
        run: |
          ssh -o StrictHostKeyChecking=no ec2-user@${{ secrets.HOST }} \
            "cd /opt && docker compose up -d"
          echo done
"#;

    fn load_one(text: &str) -> Workflow {
        let f = SourceFile::new(".github/workflows/deploy.yml", FileKind::Yaml, text);
        let yaml = crate::yaml_families::load(std::slice::from_ref(&f));
        assert!(yaml.diagnostics.is_empty(), "{:?}", yaml.diagnostics);
        yaml.workflows.into_iter().next().unwrap()
    }

    #[test]
    fn reads_jobs_steps_and_scripts_at_their_lines() {
        let w = load_one(WF);
        assert_eq!(w.triggers[0].event, "push");
        assert_eq!(w.triggers[0].branches, vec!["main"]);
        assert_eq!(
            w.permissions.as_ref().unwrap().scope("id-token"),
            Some("write")
        );
        let deploy = w.job("deploy").unwrap();
        assert_eq!(deploy.key_span.start, 16);
        assert_eq!(deploy.needs, vec!["test"]);
        assert_eq!(deploy.environment.as_ref().unwrap().name, "production");
        let aws = &deploy.steps[0];
        assert_eq!(
            aws.uses.as_ref().unwrap().repo,
            "aws-actions/configure-aws-credentials"
        );
        assert_eq!(aws.uses.as_ref().unwrap().git_ref.as_deref(), Some("v4"));
        assert_eq!(aws.input("role-to-assume").unwrap().span.start, 25);
        let run = deploy.steps[1].run.as_ref().unwrap();
        let ssh = run.commands.iter().find(|c| c.program == "ssh").unwrap();
        assert_eq!(ssh.line, 28);
        assert_eq!(ssh.args()[2], "ec2-user@${{ secrets.HOST }}");
        let up = run.commands.iter().find(|c| c.program == "docker").unwrap();
        assert_eq!(up.nested.as_deref(), Some("ssh"));
        assert_eq!(up.line, 29);
        assert_eq!(
            run.commands
                .iter()
                .find(|c| c.program == "echo")
                .unwrap()
                .line,
            30
        );
        assert_eq!(
            w.needs_closure(deploy).into_iter().collect::<Vec<_>>(),
            vec!["test"]
        );
        assert_eq!(w.dependents(w.job("test").unwrap()).len(), 1);
    }

    #[test]
    fn single_line_run_and_string_environment() {
        let w = load_one("on: push\njobs:\n  a:\n    environment: staging\n    steps:\n      - run: cargo test --all\n");
        assert_eq!(w.triggers[0].event, "push");
        let a = &w.jobs[0];
        assert_eq!(a.environment.as_ref().unwrap().name, "staging");
        let c = &a.steps[0].run.as_ref().unwrap().commands[0];
        assert_eq!((c.program.as_str(), c.line), ("cargo", 6));
    }

    #[test]
    fn uses_references() {
        let u = Uses::parse("some-org/action/sub@main", LineSpan::line(1));
        assert_eq!(
            (u.repo.as_str(), u.git_ref.as_deref()),
            ("some-org/action", Some("main"))
        );
        assert!(Uses::parse("./.github/actions/x", LineSpan::line(1)).local);
        assert!(Uses::parse("docker://alpine:3", LineSpan::line(1)).docker);
        assert_eq!(Uses::parse("x/y", LineSpan::line(1)).git_ref, None);
    }

    #[test]
    fn masks_expressions_keeping_lines() {
        let (masked, table) = mask_expressions("a ${{ secrets.X }} b\nc ${{ env.Y }}");
        assert_eq!(masked, "a _GHA0_ b\nc _GHA1_");
        assert_eq!(table, vec!["${{ secrets.X }}", "${{ env.Y }}"]);
        assert_eq!(mask_expressions("${{ open\n").0, "${{ open\n");
    }

    #[test]
    fn broken_yaml_is_a_diagnostic() {
        let f = SourceFile::new(".github/workflows/x.yml", FileKind::Yaml, "jobs: [\n");
        let yaml = crate::yaml_families::load(&[f]);
        assert!(yaml.workflows.is_empty());
        assert_eq!(yaml.diagnostics.len(), 1);
    }
}
