//! Dockerfiles (and Containerfiles) parsed with tree-sitter-containerfile into
//! build stages: base image, USER, HEALTHCHECK, CMD/ENTRYPOINT, ENV/ARG,
//! EXPOSE and RUN, each with its lines.
//!
//! The grammar is error tolerant: a file with syntax errors still yields the
//! instructions it could read, plus a parse-error diagnostic.

use crate::code::{
    self,
    parse::{Field, Grammar},
};
use crate::source::{FileKind, SourceFile};
use rayon::prelude::*;
use shipshape_model::{Diagnostic, DiagnosticKind, LineSpan};
use std::collections::HashMap;

/// One Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    pub path: String,
    /// `ARG`s before the first `FROM` (usable in `FROM` lines), with defaults.
    pub global_args: Vec<KeyValue>,
    pub stages: Vec<Stage>,
}

/// A `NAME=value` pair of `ENV`, `ARG` or `LABEL`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub name: String,
    /// `None` for an `ARG` without default.
    pub value: Option<String>,
    pub line: u32,
}

/// The image a stage starts from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BaseImage {
    /// As written, e.g. `${BASE}` or `node:20-alpine`.
    pub raw: String,
    /// Image name with global `ARG` defaults substituted (no tag or digest).
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// Whether an `ARG` without default is still in the reference.
    pub unresolved: bool,
}

impl BaseImage {
    /// The full reference, `name[:tag][@digest]`.
    pub fn reference(&self) -> String {
        let mut s = self.name.clone();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// `CMD`, `ENTRYPOINT` or a `HEALTHCHECK` command.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Exec form (`["a", "b"]`) or shell form (`a b`).
    pub exec_form: bool,
    /// Exec form: the JSON strings. Shell form: the command's words (split
    /// on white space, quotes removed), without the implicit `/bin/sh -c`.
    pub argv: Vec<String>,
    /// The command text as written (after the instruction keyword).
    pub text: String,
    pub span: LineSpan,
}

/// A `USER` instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub user: String,
    pub group: Option<String>,
    pub line: u32,
}

impl User {
    /// `root`, `0` or `0:...`: the user is root.
    pub fn is_root(&self) -> bool {
        self.user == "root" || self.user == "0"
    }
}

/// A `HEALTHCHECK` instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Healthcheck {
    /// `HEALTHCHECK NONE`: disables a check inherited from the base image.
    pub none: bool,
    pub command: Option<Command>,
    pub span: LineSpan,
}

/// A `RUN` instruction.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Shell text (continuations kept), heredoc bodies appended; exec form
    /// as its strings joined by spaces.
    pub text: String,
    pub span: LineSpan,
}

/// An `EXPOSE` port, e.g. `8080` or `53/udp`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposed {
    pub port: String,
    pub line: u32,
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub index: usize,
    pub base: BaseImage,
    /// `AS name`.
    pub alias: Option<String>,
    /// Line of the `FROM`.
    pub line: u32,
    /// From the `FROM` to the last instruction of the stage.
    pub span: LineSpan,
    pub users: Vec<User>,
    pub healthchecks: Vec<Healthcheck>,
    pub cmd: Option<Command>,
    pub entrypoint: Option<Command>,
    pub env: Vec<KeyValue>,
    pub args: Vec<KeyValue>,
    pub expose: Vec<Exposed>,
    pub runs: Vec<Run>,
}

/// What a stage ends up running: its (possibly inherited) ENTRYPOINT and CMD.
#[derive(Debug, Clone, PartialEq)]
pub struct Runs {
    /// ENTRYPOINT argv followed by CMD argv (the CMD is dropped when the
    /// ENTRYPOINT is in shell form, as Docker does).
    pub argv: Vec<String>,
    /// Whether any part is in shell form (run through `/bin/sh -c`).
    pub shell_form: bool,
    /// The instructions it comes from, in the file (ENTRYPOINT first).
    pub spans: Vec<LineSpan>,
}

impl Dockerfile {
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The earlier stage a stage builds `FROM`, if its base names one.
    pub fn parent_stage(&self, stage: &Stage) -> Option<&Stage> {
        let name = &stage.base.name;
        if stage.base.tag.is_some() || stage.base.digest.is_some() {
            return None;
        }
        self.stages[..stage.index.min(self.stages.len())]
            .iter()
            .rev()
            .find(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(name))
                    || s.index.to_string() == *name
            })
    }

    /// The chain of stages a stage builds on, itself first; the last one
    /// starts from an external image.
    pub fn ancestry<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(parent) = self.parent_stage(current) {
            if chain.iter().any(|s| s.index == parent.index) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// The external image a stage ultimately starts from.
    pub fn root_image<'a>(&'a self, stage: &'a Stage) -> &'a BaseImage {
        let chain = self.ancestry(stage);
        &chain[chain.len() - 1].base
    }

    /// The `USER` in effect at the end of a stage: its own last `USER`, or
    /// one inherited from the stage it builds on. `None` when only the
    /// external base image could say (see [`Dockerfile::root_image`]).
    pub fn effective_user<'a>(&'a self, stage: &'a Stage) -> Option<&'a User> {
        self.ancestry(stage)
            .into_iter()
            .find_map(|s| s.users.last())
    }

    /// What the final stage runs: the container's argv from ENTRYPOINT and
    /// CMD, following Docker's rules (a stage built `FROM` an earlier stage
    /// inherits both; setting ENTRYPOINT resets an inherited CMD; a shell
    /// form ENTRYPOINT ignores CMD). `None` when neither is set in this
    /// file (the external base image decides).
    ///
    /// Used for dev-server detection (`flask run`, `npm run dev`, …).
    pub fn final_runs(&self) -> Option<Runs> {
        self.final_stage().and_then(|s| self.stage_runs(s))
    }

    /// Like [`Dockerfile::final_runs`] for any stage.
    pub fn stage_runs(&self, stage: &Stage) -> Option<Runs> {
        let mut entrypoint: Option<&Command> = None;
        let mut cmd: Option<&Command> = None;
        for s in self.ancestry(stage) {
            if cmd.is_none() {
                cmd = s.cmd.as_ref();
            }
            if let Some(e) = &s.entrypoint {
                // An ENTRYPOINT resets any CMD from the stages below it.
                entrypoint = Some(e);
                break;
            }
        }
        if entrypoint.is_none() && cmd.is_none() {
            return None;
        }
        let mut argv = Vec::new();
        let mut spans = Vec::new();
        let mut shell_form = false;
        if let Some(e) = entrypoint {
            argv.extend(e.argv.iter().cloned());
            spans.push(e.span);
            shell_form |= !e.exec_form;
        }
        if let Some(c) = cmd {
            if entrypoint.is_none_or(|e| e.exec_form) {
                argv.extend(c.argv.iter().cloned());
                spans.push(c.span);
                shell_form |= !c.exec_form;
            }
        }
        Some(Runs {
            argv,
            shell_form,
            spans,
        })
    }
}

/// Parses every Dockerfile in parallel; files with syntax errors still give
/// what could be read, plus a diagnostic.
pub fn load(files: &[SourceFile]) -> (Vec<Dockerfile>, Vec<Diagnostic>) {
    let results: Vec<(Dockerfile, Option<Diagnostic>)> = files
        .par_iter()
        .filter(|f| f.kind == FileKind::Dockerfile)
        .map(parse)
        .collect();
    let mut dockerfiles = Vec::new();
    let mut diagnostics = Vec::new();
    for (d, diag) in results {
        dockerfiles.push(d);
        diagnostics.extend(diag);
    }
    (dockerfiles, diagnostics)
}

/// Parses one Dockerfile (with the thread's parser, see [`code::parse`]).
pub fn parse(file: &SourceFile) -> (Dockerfile, Option<Diagnostic>) {
    let mut out = Dockerfile {
        path: file.path.clone(),
        ..Default::default()
    };
    let diag = |line: Option<u32>, msg: &str| {
        Some(Diagnostic::new(
            DiagnosticKind::ParseError,
            Some(file.path.clone()),
            line,
            msg,
        ))
    };
    let tree = match code::parse::parse(Grammar::Containerfile, &file.text) {
        Ok(tree) => tree,
        Err(why) => {
            return (
                out,
                diag(None, &format!("Dockerfile could not be parsed: {why}")),
            )
        }
    };
    let root = tree.root_node();
    let reader = Reader { src: &file.text };
    let mut cursor = root.walk();
    for node in root.named_children(&mut cursor) {
        reader.instruction(node, &mut out);
    }
    let error = if root.has_error() {
        first_error_line(root).map(|line| {
            Diagnostic::new(
                DiagnosticKind::ParseError,
                Some(file.path.clone()),
                Some(line),
                "Dockerfile syntax error; instructions around it may be missed",
            )
        })
    } else {
        None
    };
    (out, error)
}

fn first_error_line(node: tree_sitter::Node) -> Option<u32> {
    if node.is_error() || node.is_missing() {
        return Some(node.start_position().row as u32 + 1);
    }
    let mut cursor = node.walk();
    let children: Vec<_> = node.children(&mut cursor).collect();
    children
        .into_iter()
        .filter(|c| c.has_error())
        .find_map(first_error_line)
}

struct Reader<'a> {
    src: &'a str,
}

fn span_of(node: tree_sitter::Node) -> LineSpan {
    let start = node.start_position().row as u32 + 1;
    let end_pos = node.end_position();
    // A node ending at column 0 ends with the previous line's newline.
    let end = if end_pos.column == 0 && end_pos.row > node.start_position().row {
        end_pos.row as u32
    } else {
        end_pos.row as u32 + 1
    };
    LineSpan::new(start, end)
}

fn named_children(node: tree_sitter::Node) -> Vec<tree_sitter::Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

impl Reader<'_> {
    fn text(&self, node: tree_sitter::Node) -> &str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn instruction(&self, node: tree_sitter::Node, out: &mut Dockerfile) {
        let span = span_of(node);
        let line = span.start;
        if node.kind() == "from_instruction" {
            let stage = self.from(node, out);
            out.stages.push(stage);
            return;
        }
        if node.kind() == "arg_instruction" && out.stages.is_empty() {
            out.global_args.extend(self.pairs(node, "arg_pair"));
            return;
        }
        let Some(stage) = out.stages.last_mut() else {
            return;
        };
        stage.span = LineSpan::new(stage.span.start, span.end.max(stage.span.end));
        match node.kind() {
            "user_instruction" => {
                let parts: Vec<String> = named_children(node)
                    .into_iter()
                    .map(|c| unquote(self.text(c)))
                    .collect();
                if let Some(user) = parts.first() {
                    stage.users.push(User {
                        user: user.clone(),
                        group: parts.get(1).cloned(),
                        line,
                    });
                }
            }
            "healthcheck_instruction" => {
                let command = named_children(node)
                    .into_iter()
                    .find(|c| c.kind() == "cmd_instruction")
                    .and_then(|c| self.command(c));
                let none = command.is_none()
                    && self
                        .text(node)
                        .split_whitespace()
                        .nth(1)
                        .is_some_and(|w| w.eq_ignore_ascii_case("none"));
                stage.healthchecks.push(Healthcheck {
                    none,
                    command,
                    span,
                });
            }
            "cmd_instruction" => stage.cmd = self.command(node),
            "entrypoint_instruction" => stage.entrypoint = self.command(node),
            "env_instruction" => stage.env.extend(self.pairs(node, "env_pair")),
            "arg_instruction" => stage.args.extend(self.pairs(node, "arg_pair")),
            "expose_instruction" => {
                for port in named_children(node) {
                    if port.kind() == "expose_port" {
                        stage.expose.push(Exposed {
                            port: self.text(port).to_string(),
                            line: span_of(port).start,
                        });
                    }
                }
            }
            "run_instruction" => {
                let mut text = String::new();
                for child in named_children(node) {
                    match child.kind() {
                        "shell_command" => text.push_str(self.text(child)),
                        "json_string_array" => text.push_str(&self.json_array(child).join(" ")),
                        "heredoc_block" => {
                            for part in named_children(child) {
                                if part.kind() == "heredoc_content" {
                                    text.push('\n');
                                    text.push_str(self.text(part));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                stage.runs.push(Run { text, span });
            }
            _ => {}
        }
    }

    fn from(&self, node: tree_sitter::Node, out: &Dockerfile) -> Stage {
        let span = span_of(node);
        let mut stage = Stage {
            index: out.stages.len(),
            base: BaseImage::default(),
            alias: None,
            line: span.start,
            span,
            users: Vec::new(),
            healthchecks: Vec::new(),
            cmd: None,
            entrypoint: None,
            env: Vec::new(),
            args: Vec::new(),
            expose: Vec::new(),
            runs: Vec::new(),
        };
        if let Some(alias) = node.field("as") {
            stage.alias = Some(self.text(alias).to_string());
        }
        let Some(spec) = named_children(node)
            .into_iter()
            .find(|c| c.kind() == "image_spec")
        else {
            return stage;
        };
        let args: HashMap<&str, Option<&str>> = out
            .global_args
            .iter()
            .map(|a| (a.name.as_str(), a.value.as_deref()))
            .collect();
        stage.base.raw = self.text(spec).to_string();
        let (resolved, unresolved) = substitute(&stage.base.raw, &args);
        stage.base.unresolved = unresolved;
        // Split the resolved text: an ARG may carry a tag or digest itself.
        let (name, tag, digest) = split_image_ref(&resolved);
        stage.base.name = name;
        stage.base.tag = tag;
        stage.base.digest = digest;
        stage
    }

    fn pairs(&self, node: tree_sitter::Node, kind: &str) -> Vec<KeyValue> {
        named_children(node)
            .into_iter()
            .filter(|c| c.kind() == kind)
            .filter_map(|pair| {
                let name = pair.field("name")?;
                let value = pair
                    .field("value")
                    .or_else(|| pair.field("default"))
                    .map(|v| unquote(self.text(v)));
                Some(KeyValue {
                    name: self.text(name).to_string(),
                    value,
                    line: span_of(pair).start,
                })
            })
            .collect()
    }

    fn json_array(&self, node: tree_sitter::Node) -> Vec<String> {
        named_children(node)
            .into_iter()
            .filter(|c| c.kind() == "json_string")
            .map(|c| {
                let raw = self.text(c);
                serde_json::from_str::<String>(raw).unwrap_or_else(|_| unquote(raw))
            })
            .collect()
    }

    fn command(&self, node: tree_sitter::Node) -> Option<Command> {
        let span = span_of(node);
        for child in named_children(node) {
            match child.kind() {
                "json_string_array" => {
                    return Some(Command {
                        exec_form: true,
                        argv: self.json_array(child),
                        text: self.text(child).to_string(),
                        span,
                    })
                }
                "shell_command" => {
                    let text = self.text(child).to_string();
                    return Some(Command {
                        exec_form: false,
                        argv: shell_words(&text),
                        text,
                        span,
                    });
                }
                _ => {}
            }
        }
        None
    }
}

/// Splits an image reference into name, tag and digest:
/// `registry:5000/team/app:1.2@sha256:…` → (`registry:5000/team/app`,
/// `1.2`, `sha256:…`). A registry port is not a tag.
pub fn split_image_ref(reference: &str) -> (String, Option<String>, Option<String>) {
    let reference = reference.trim();
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string()).filter(|d| !d.is_empty())),
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    match rest[last_slash..].rfind(':') {
        Some(i) => (
            rest[..last_slash + i].to_string(),
            Some(rest[last_slash + i + 1..].to_string()).filter(|t| !t.is_empty()),
            digest,
        ),
        None => (rest.to_string(), None, digest),
    }
}

/// Removes one level of matching quotes.
fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// Splits shell text into words: white space separates, quotes group,
/// backslash-newline continues. Operators stay inside words; this is for
/// reading what a command starts, not for executing it.
pub fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => match chars.next() {
                Some('\n') => {}
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some('\r') => {}
                Some(other) => {
                    current.push(other);
                    in_word = true;
                }
                None => {}
            },
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// Substitutes `$NAME` / `${NAME}` / `${NAME:-default}` from `args`;
/// reports whether a name without a value remained.
fn substitute(text: &str, args: &HashMap<&str, Option<&str>>) -> (String, bool) {
    let mut out = String::new();
    let mut unresolved = false;
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    let body = &inner[..end];
                    let (n, d) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    (n, d, end + 2)
                }
                None => (inner, None, after.len()),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        match args.get(name).copied().flatten().or(default) {
            Some(v) => out.push_str(v),
            None => {
                unresolved = true;
                out.push_str(&rest[i..i + 1 + consumed]);
            }
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    (out, unresolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn df(text: &str) -> Dockerfile {
        let (d, diag) = parse(&SourceFile::new("Dockerfile", FileKind::Dockerfile, text));
        assert!(diag.is_none(), "{diag:?}");
        d
    }

    #[test]
    fn multi_stage_build() {
        let d = df("\
# syntax=docker/dockerfile:1
ARG NODE=20
FROM node:${NODE}-alpine AS build
USER node
ENV A=1 B=\"two words\"
RUN npm ci && \\
    npm run build
FROM gcr.io/distroless/nodejs20-debian12:nonroot@sha256:abc AS run
COPY --from=build /app /app
EXPOSE 8080 9090/udp
HEALTHCHECK --interval=30s CMD [\"/nodejs/bin/node\", \"health.js\"]
CMD [\"dist/index.js\"]
");
        assert_eq!(d.stages.len(), 2);
        let build = &d.stages[0];
        assert_eq!(build.base.name, "node");
        assert_eq!(build.base.tag.as_deref(), Some("20-alpine"));
        assert_eq!(build.alias.as_deref(), Some("build"));
        assert_eq!(build.line, 3);
        assert_eq!(build.span, LineSpan::new(3, 7));
        assert_eq!(build.users[0].user, "node");
        assert_eq!(build.env[1].value.as_deref(), Some("two words"));
        assert_eq!(build.runs[0].span, LineSpan::new(6, 7));
        let run = d.final_stage().unwrap();
        assert_eq!(run.base.name, "gcr.io/distroless/nodejs20-debian12");
        assert_eq!(run.base.tag.as_deref(), Some("nonroot"));
        assert_eq!(run.base.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(run.expose.len(), 2);
        assert_eq!(run.healthchecks[0].command.as_ref().unwrap().argv.len(), 2);
        // USER in the build stage does not carry into the final stage.
        assert!(d.effective_user(run).is_none());
        assert_eq!(d.final_runs().unwrap().argv, ["dist/index.js"]);
    }

    #[test]
    fn registry_port_is_not_a_tag() {
        let d = df("FROM registry.example.com:5000/team/app\n");
        assert_eq!(d.stages[0].base.name, "registry.example.com:5000/team/app");
        assert_eq!(d.stages[0].base.tag, None);
    }

    #[test]
    fn final_stage_from_earlier_stage_inherits_user_and_command() {
        let d = df("\
FROM python:3.12-slim AS base
USER 10001
ENTRYPOINT [\"gunicorn\"]
CMD [\"app:app\"]
FROM base
COPY . .
");
        let last = d.final_stage().unwrap();
        assert_eq!(d.effective_user(last).unwrap().user, "10001");
        assert_eq!(d.root_image(last).name, "python");
        assert_eq!(d.final_runs().unwrap().argv, ["gunicorn", "app:app"]);
    }

    #[test]
    fn entrypoint_resets_inherited_cmd_and_shell_form_words() {
        let d = df("\
FROM node:20 AS base
CMD [\"node\", \"server.js\"]
FROM base
ENTRYPOINT [\"npm\", \"run\"]
");
        assert_eq!(d.final_runs().unwrap().argv, ["npm", "run"]);
        let d = df("FROM python:3.11\nCMD flask run --host=0.0.0.0 \"--port\" 5000\n");
        let runs = d.final_runs().unwrap();
        assert!(runs.shell_form);
        assert_eq!(
            runs.argv,
            ["flask", "run", "--host=0.0.0.0", "--port", "5000"]
        );
        assert_eq!(runs.spans, vec![LineSpan::line(2)]);
    }

    #[test]
    fn user_root_healthcheck_none_and_heredoc_run() {
        let d =
            df("FROM ubuntu:24.04\nUSER 0:0\nHEALTHCHECK NONE\nRUN <<EOT\napt-get update\nEOT\n");
        let s = &d.stages[0];
        assert!(s.users[0].is_root());
        assert_eq!(s.users[0].group.as_deref(), Some("0"));
        assert!(s.healthchecks[0].none);
        assert!(s.runs[0].text.contains("apt-get update"));
        assert_eq!(s.runs[0].span, LineSpan::new(4, 6));
    }

    #[test]
    fn unresolved_arg_in_from() {
        let d = df("ARG BASE\nFROM ${BASE}\n");
        assert!(d.stages[0].base.unresolved);
        let d = df("ARG BASE=alpine:3.20\nFROM $BASE\n");
        assert_eq!(d.stages[0].base.name, "alpine");
        assert_eq!(d.stages[0].base.tag.as_deref(), Some("3.20"));
    }

    #[test]
    fn broken_file_gives_a_diagnostic_and_what_it_could_read() {
        let (d, diag) = parse(&SourceFile::new(
            "Dockerfile",
            FileKind::Dockerfile,
            "FROM alpine:3\nUSER app\n}}}{{ garbage ((\n",
        ));
        assert!(diag.is_some());
        assert_eq!(d.stages.len(), 1);
    }
}
