//! Which scripts the repository has: shell files, files Terraform reads
//! into `user_data`, and `user_data` heredocs written inline in `.tf`
//! files (their lines mapped back to the `.tf` file).

use super::parse::{parse_script, ParseLimits};
use super::{Script, ScriptRole, PROVISIONING_PROGRAMS};
use crate::source::{FileKind, SourceFile};
use crate::terraform::expr::Expr;
use crate::terraform::Terraform;
use rayon::prelude::*;
use shipshape_model::{Diagnostic, DiagnosticKind, LineSpan};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Attributes whose value is an instance's boot script.
pub const USER_DATA_ATTRS: &[&str] = &[
    "user_data",
    "user_data_base64",
    "metadata_startup_script",
    "custom_data",
];

/// Resource types whose user data runs on a machine at boot.
pub const USER_DATA_RESOURCES: &[&str] = &[
    "aws_instance",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_spot_instance_request",
    "google_compute_instance",
    "google_compute_instance_template",
    "azurerm_linux_virtual_machine",
    "azurerm_linux_virtual_machine_scale_set",
];

/// A script to parse: path, text, first line, user-data owner.
struct Pending {
    path: String,
    text: String,
    first_line: u32,
    user_data: Option<(String, String)>,
    /// A template (Terraform interpolations): syntax errors are expected.
    template: bool,
}

/// Shell files parsed before Terraform is known (see [`parse_files`]).
#[derive(Debug, Default)]
pub struct ParsedFiles(Vec<Script>);

/// Parses every shell file of the repository. It needs nothing from
/// Terraform, so it runs beside the other loaders; [`load`] then gives the
/// files Terraform feeds into user data their role.
pub fn parse_files(files: &[SourceFile]) -> ParsedFiles {
    let limits = ParseLimits::default();
    let mut scripts: Vec<Script> = files
        .par_iter()
        .filter(|f| f.kind == FileKind::Shell)
        .map(|f| parse_pending(plain(f), &limits).0)
        .collect();
    scripts.sort_by(|a, b| a.path.cmp(&b.path));
    ParsedFiles(scripts)
}

fn plain(f: &SourceFile) -> Pending {
    Pending {
        path: f.path.clone(),
        text: f.text.to_string(),
        first_line: 1,
        user_data: None,
        template: f.name().ends_with(".tpl"),
    }
}

/// Loads every script of the repository: the shell files parsed by
/// [`parse_files`], the files Terraform reads into user data, and inline
/// user data.
pub fn load(
    root: &Path,
    files: &[SourceFile],
    tf: &Terraform,
    parsed_files: ParsedFiles,
) -> (Vec<Script>, Vec<Diagnostic>) {
    let mut pending: Vec<Pending> = Vec::new();
    // (script, template) pairs already parsed.
    let mut done: Vec<(Script, bool)> = Vec::new();
    let mut by_path: BTreeMap<String, Script> = parsed_files
        .0
        .into_iter()
        .map(|s| (s.path.clone(), s))
        .collect();

    // Files read into user data, first: they carry their role.
    let mut reads: BTreeMap<&str, (String, String)> = BTreeMap::new();
    for r in &tf.file_reads {
        if USER_DATA_ATTRS.contains(&r.attribute.as_str()) {
            reads
                .entry(r.path.as_str())
                .or_insert_with(|| (r.resource.clone(), r.root_dir.clone()));
        }
    }
    for (path, (resource, root_dir)) in reads {
        let text = match crate::source::find(files, path) {
            Some(f) => Some(f.text.to_string()),
            None => crate::read_inside(root, path, 10 << 20),
        };
        let Some(text) = text else { continue };
        if !looks_like_shell(&text) {
            continue;
        }
        match by_path.remove(path) {
            // A shell file already parsed: the same script, another role.
            Some(mut script) => {
                script.role = ScriptRole::UserData { resource, root_dir };
                done.push((script, true));
            }
            None => pending.push(Pending {
                path: path.to_string(),
                text,
                first_line: 1,
                user_data: Some((resource, root_dir)),
                template: true,
            }),
        }
    }
    done.extend(by_path.into_values().map(|s| {
        let template = s.path.ends_with(".tpl");
        (s, template)
    }));
    pending.extend(inline_user_data(files, tf));

    let limits = ParseLimits::default();
    done.extend(
        pending
            .into_par_iter()
            .map(|p| parse_pending(p, &limits))
            .collect::<Vec<_>>(),
    );

    let mut diagnostics = Vec::new();
    let mut scripts = Vec::with_capacity(done.len());
    for (s, template) in done {
        if s.truncated {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::Skipped,
                Some(s.path.clone()),
                Some(s.span.start),
                "shell script too large or too deeply nested: only its beginning was read",
            ));
        } else if s.has_errors && !template {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::ParseError,
                Some(s.path.clone()),
                Some(s.span.start),
                "shell syntax error: the commands around it may be missed",
            ));
        }
        scripts.push(s);
    }
    scripts.sort_by(|a, b| (&a.path, a.span.start).cmp(&(&b.path, b.span.start)));
    (scripts, diagnostics)
}

/// Parses one script; scripts that run infrastructure tooling are
/// `Provisioning`.
fn parse_pending(p: Pending, limits: &ParseLimits) -> (Script, bool) {
    let role = match &p.user_data {
        Some((resource, root_dir)) => ScriptRole::UserData {
            resource: resource.clone(),
            root_dir: root_dir.clone(),
        },
        None => ScriptRole::Plain,
    };
    let mut s = parse_script(&p.path, &p.text, p.first_line, role, limits);
    if s.role == ScriptRole::Plain
        && s.commands
            .iter()
            .any(|c| PROVISIONING_PROGRAMS.contains(&c.program.as_str()))
    {
        s.role = ScriptRole::Provisioning;
    }
    (s, p.template)
}

/// Whether a user-data text is a shell script (not cloud-config, not
/// PowerShell, not a MIME multipart, not another interpreter).
fn looks_like_shell(text: &str) -> bool {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if let Some(rest) = first.strip_prefix("#!") {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let program = match words.first() {
            Some(p) if p.ends_with("/env") => words
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-'))
                .copied()
                .unwrap_or(""),
            Some(p) => p,
            None => "",
        };
        let base = program.rsplit('/').next().unwrap_or(program);
        return matches!(base, "sh" | "bash" | "dash" | "ksh" | "zsh");
    }
    let lower = first.to_ascii_lowercase();
    !(lower.starts_with("#cloud-config")
        || lower.starts_with("<powershell>")
        || lower.starts_with("<script>")
        || lower.starts_with("content-type:")
        || lower.starts_with("mime-version:")
        || lower.starts_with("#include")
        || lower.starts_with('{'))
}

/// `user_data = <<-EOF … EOF` (maybe inside `base64encode(…)`), one script
/// per block (module instances share the block).
fn inline_user_data(files: &[SourceFile], tf: &Terraform) -> Vec<Pending> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for res in tf
        .resources
        .iter()
        .filter(|r| USER_DATA_RESOURCES.contains(&r.rtype.as_str()) && r.exists())
    {
        for attr in USER_DATA_ATTRS {
            let Some(a) = res.block.attr(attr) else {
                continue;
            };
            let Some(span) = heredoc_span(&a.expr, 0) else {
                continue;
            };
            let file = res.file();
            if !seen.insert((file.to_string(), span.start)) {
                continue;
            }
            let Some(src) = crate::source::find(files, file) else {
                continue;
            };
            // The body is between the `<<EOF` line and the delimiter line.
            let (first, last) = (span.start + 1, span.end.saturating_sub(1));
            if last < first {
                continue;
            }
            let text: String = (first..=last)
                .map(|l| format!("{}\n", src.line_text(l)))
                .collect();
            if !looks_like_shell(&text) {
                continue;
            }
            out.push(Pending {
                path: file.to_string(),
                text,
                first_line: first,
                user_data: Some((res.address.clone(), res.root_dir.clone())),
                template: true,
            });
        }
    }
    out
}

/// The lines of a heredoc in an expression, looking through function calls
/// (`base64encode(<<EOF …)`) and parentheses.
fn heredoc_span(expr: &Expr, depth: usize) -> Option<LineSpan> {
    if depth > 4 {
        return None;
    }
    match expr {
        Expr::Heredoc(h) => Some(h.span),
        Expr::FuncCall(f) => f.args.iter().find_map(|a| heredoc_span(a, depth + 1)),
        Expr::Parenthesis(p) => heredoc_span(p, depth + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_shell_from_other_user_data() {
        assert!(looks_like_shell("#!/bin/bash\nyum update -y\n"));
        assert!(looks_like_shell("#!/usr/bin/env bash\n"));
        assert!(looks_like_shell("yum install -y nginx\n"));
        assert!(!looks_like_shell("#cloud-config\npackages: [nginx]\n"));
        assert!(!looks_like_shell("<powershell>\nInstall-WindowsFeature\n"));
        assert!(!looks_like_shell("#!/usr/bin/env python3\nprint(1)\n"));
        assert!(!looks_like_shell("Content-Type: multipart/mixed\n"));
    }
}
