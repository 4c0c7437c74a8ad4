//! The tree-sitter walk that turns script text into a [`Script`].
//!
//! The walk carries a context down the tree (is the status consumed? in a
//! condition, loop, function, pipeline, substitution?) and records one
//! [`Command`] per simple command. Exit-status classification that depends
//! on options (`set -e`, `pipefail`) is done after the walk, when every
//! `set` line is known.

use super::words::{basename, program_index};
use super::{
    Command, Function, Heredoc, Loop, LoopKind, PipelinePos, Redirect, Script, ScriptRole,
    SetChange, ShellOption, Status, Trap,
};
use crate::code::parse::Field;
use shipshape_model::LineSpan;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use tree_sitter::{Node, Parser};

/// How much of a script is read when the whole does not parse in time.
const FALLBACK_PREFIX: usize = 256 * 1024;

/// Bounds per script.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Wall-clock budget for the tree-sitter parse.
    pub timeout: Duration,
    /// Commands recorded before the walk stops.
    pub max_commands: usize,
    /// Syntax nesting the walk follows.
    pub max_depth: usize,
    /// Nesting of scripts in strings (`ssh host "bash -c '…'"`).
    pub max_nested: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_commands: 200_000,
            max_depth: 200,
            max_nested: 4,
        }
    }
}

/// Parses `text`, whose first line is line `first_line` of `path`.
pub fn parse_script(
    path: &str,
    text: &str,
    first_line: u32,
    role: ScriptRole,
    limits: &ParseLimits,
) -> Script {
    let line_count = text.lines().count().max(1) as u32;
    let mut b = Builder {
        script: Script {
            path: path.to_string(),
            role,
            span: LineSpan::new(first_line, first_line + line_count - 1),
            shebang: None,
            sets: Vec::new(),
            traps: Vec::new(),
            commands: Vec::new(),
            loops: Vec::new(),
            functions: Vec::new(),
            heredocs: Vec::new(),
            has_errors: false,
            truncated: false,
        },
        explicit: Vec::new(),
        scopes: 0,
        pipelines: 0,
        limits: *limits,
        deadline: Instant::now() + limits.timeout,
        parser: None,
    };
    if let Some(first) = text.lines().next().filter(|l| l.starts_with("#!")) {
        b.script.shebang = Some(first.trim_end().to_string());
        let flags: Vec<String> = first
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect();
        b.record_sets(&flags, first_line, 0, true, true);
    }
    b.parse_text(text, first_line, 0, None, None);
    b.finish()
}

/// Walk state for one script (and its nested scripts).
struct Builder {
    script: Script,
    /// Per command: the status is consumed by syntax around it.
    explicit: Vec<bool>,
    scopes: usize,
    pipelines: usize,
    limits: ParseLimits,
    deadline: Instant,
    parser: Option<Parser>,
}

/// What the walk knows about the place a node is in.
#[derive(Clone, Default)]
struct Ctx {
    checked: bool,
    condition: bool,
    loops: Vec<usize>,
    function: Option<usize>,
    pipeline: Option<PipelinePos>,
    substitution: bool,
    redirects: Vec<Redirect>,
    heredoc: Option<usize>,
    scope: usize,
    nested: Option<String>,
    nested_depth: usize,
    depth: usize,
    /// Added to tree-sitter's 0-based row to get the file line.
    line_base: u32,
}

impl Ctx {
    fn line(&self, node: Node) -> u32 {
        node.start_position().row as u32 + 1 + self.line_base
    }

    fn end_line(&self, node: Node) -> u32 {
        let end = node.end_position();
        // A node ending at column 0 ends on the previous line (its newline).
        let row = if end.column == 0 && end.row > node.start_position().row {
            end.row - 1
        } else {
            end.row
        };
        row as u32 + 1 + self.line_base
    }

    fn deeper(&self) -> Ctx {
        let mut c = self.clone();
        c.depth += 1;
        c
    }
}

impl Builder {
    /// Parses `text` into the script; a nested script inherits the loops
    /// and function of the command that carries it (`outer`).
    fn parse_text(
        &mut self,
        text: &str,
        first_line: u32,
        scope: usize,
        nested: Option<(String, usize)>,
        outer: Option<&Ctx>,
    ) {
        if self.parser.is_none() {
            let mut p = Parser::new();
            if p.set_language(&tree_sitter_bash::LANGUAGE.into()).is_err() {
                self.script.has_errors = true;
                return;
            }
            self.parser = Some(p);
        }
        let Some(parser) = self.parser.as_mut() else {
            return;
        };
        let deadline = self.deadline;
        let bytes = text.as_bytes();
        let mut timed_out = false;
        let mut progress = |_: &tree_sitter::ParseState| {
            if Instant::now() > deadline {
                timed_out = true;
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(
            &mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] },
            None,
            Some(options),
        );
        if timed_out {
            self.script.truncated = true;
        }
        let Some(tree) = tree else {
            self.script.truncated = true;
            // Out of time: read the beginning of the script, which is
            // where its options and bootstrap steps are, with a fresh budget.
            if text.len() > FALLBACK_PREFIX && scope == 0 {
                let cut = text[..FALLBACK_PREFIX].rfind('\n').unwrap_or(0);
                if cut > 0 {
                    self.deadline = Instant::now() + self.limits.timeout;
                    self.parse_text(&text[..cut], first_line, scope, nested, outer);
                }
            }
            return;
        };
        let root = tree.root_node();
        if root.has_error() {
            self.script.has_errors = true;
        }
        let (label, depth) = nested
            .clone()
            .map(|(l, d)| (Some(l), d))
            .unwrap_or((None, 0));
        let ctx = Ctx {
            scope,
            nested: label,
            nested_depth: depth,
            line_base: first_line.saturating_sub(1),
            loops: outer.map(|o| o.loops.clone()).unwrap_or_default(),
            function: outer.and_then(|o| o.function),
            ..Ctx::default()
        };
        self.sequence(root, text, &ctx);
    }

    fn full(&mut self) -> bool {
        if self.script.commands.len() >= self.limits.max_commands {
            self.script.truncated = true;
            return true;
        }
        false
    }

    /// The statements among a node's named children, walked in order; a
    /// statement followed by one that reads `$?` has its status checked.
    fn sequence(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let stmts: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .collect();
        self.statements(&stmts, src, ctx);
    }

    fn statements(&mut self, stmts: &[Node], src: &str, ctx: &Ctx) {
        for (i, s) in stmts.iter().enumerate() {
            let mut c = ctx.clone();
            if stmts.get(i + 1).is_some_and(|n| reads_status(*n, src)) {
                c.checked = true;
            }
            self.statement(*s, src, &c);
        }
    }

    fn statement(&mut self, node: Node, src: &str, ctx: &Ctx) {
        if ctx.depth > self.limits.max_depth {
            self.script.truncated = true;
            return;
        }
        if self.full() {
            return;
        }
        let ctx = &ctx.deeper();
        match node.kind() {
            "command" => self.command(node, src, ctx),
            "declaration_command" => self.declaration(node, src, ctx),
            "test_command" => self.test_command(node, src, ctx),
            "redirected_statement" => self.redirected(node, src, ctx),
            "list" => self.list(node, src, ctx),
            "pipeline" => {
                let parts: Vec<Node> = named_children(node)
                    .into_iter()
                    .filter(|n| n.kind() != "comment")
                    .collect();
                self.pipeline(&parts, src, ctx);
            }
            "if_statement" | "elif_clause" => self.if_statement(node, src, ctx),
            "else_clause" | "do_group" | "compound_statement" | "subshell" | "program" => {
                self.sequence(node, src, ctx)
            }
            "while_statement" => self.while_loop(node, src, ctx),
            "for_statement" | "c_style_for_statement" => self.for_loop(node, src, ctx),
            "case_statement" => {
                for child in named_children(node) {
                    if child.kind() == "case_item" {
                        let stmts: Vec<Node> = children_with_fields(child)
                            .into_iter()
                            .filter(|(f, n)| f.is_none() && n.is_named() && n.kind() != "comment")
                            .map(|(_, n)| n)
                            .collect();
                        self.statements(&stmts, src, ctx);
                    } else {
                        self.substitutions(child, src, ctx);
                    }
                }
            }
            "function_definition" => self.function(node, src, ctx),
            "negated_command" => {
                for child in named_children(node) {
                    self.statement(child, src, ctx);
                }
            }
            "variable_assignment" | "variable_assignments" | "unset_command" => {
                self.substitutions(node, src, ctx)
            }
            "ERROR" => self.sequence(node, src, ctx),
            _ => self.substitutions(node, src, ctx),
        }
    }

    /// `a && b || c`: the left side's status is consumed; the right side
    /// inherits the list's context.
    fn list(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let parts: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .collect();
        let n = parts.len();
        for (i, p) in parts.into_iter().enumerate() {
            let mut c = ctx.clone();
            if i + 1 < n {
                c.checked = true;
            }
            self.statement(p, src, &c);
        }
    }

    fn pipeline(&mut self, parts: &[Node], src: &str, ctx: &Ctx) {
        let id = self.pipelines;
        self.pipelines += 1;
        let len = parts.len();
        for (index, p) in parts.iter().enumerate() {
            let mut c = ctx.clone();
            c.pipeline = Some(PipelinePos { id, index, len });
            // The heredoc feeds the first command only.
            if index > 0 {
                c.heredoc = None;
            }
            self.statement(*p, src, &c);
        }
    }

    fn if_statement(&mut self, node: Node, src: &str, ctx: &Ctx) {
        // Statements before `then` are conditions (the `condition` field of
        // `if`; unlabelled in `elif`).
        let mut before_then = true;
        let mut body = Vec::new();
        for (field, child) in children_with_fields(node) {
            if !child.is_named() {
                if child.kind() == "then" {
                    before_then = false;
                }
                continue;
            }
            match child.kind() {
                "comment" => {}
                "elif_clause" | "else_clause" => {
                    self.statements(&std::mem::take(&mut body), src, ctx);
                    self.statement(child, src, ctx);
                }
                _ if field == Some("condition") || before_then => {
                    let mut c = ctx.clone();
                    c.checked = true;
                    c.condition = true;
                    self.statement(child, src, &c);
                }
                _ => body.push(child),
            }
        }
        self.statements(&body, src, ctx);
    }

    fn while_loop(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let kind = if node.child(0).is_some_and(|k| k.kind() == "until") {
            LoopKind::Until
        } else {
            LoopKind::While
        };
        let id = self.new_loop(kind, node, ctx, Vec::new());
        let mut inner = ctx.clone();
        inner.loops.push(id);
        for (field, child) in children_with_fields(node) {
            if !child.is_named() || child.kind() == "comment" {
                continue;
            }
            if field == Some("condition") {
                let mut c = inner.clone();
                c.checked = true;
                c.condition = true;
                self.statement(child, src, &c);
            } else {
                self.statement(child, src, &inner);
            }
        }
    }

    fn for_loop(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let mut values = Vec::new();
        for (field, child) in children_with_fields(node) {
            if field == Some("value") {
                values.push(word_text(child, src));
                self.substitutions(child, src, ctx);
            }
        }
        let id = self.new_loop(LoopKind::For, node, ctx, values);
        let mut inner = ctx.clone();
        inner.loops.push(id);
        for (field, child) in children_with_fields(node) {
            if field == Some("body") {
                self.statement(child, src, &inner);
            }
        }
    }

    fn new_loop(&mut self, kind: LoopKind, node: Node, ctx: &Ctx, values: Vec<String>) -> usize {
        self.script.loops.push(Loop {
            kind,
            line: ctx.line(node),
            end_line: ctx.end_line(node),
            values,
            has_sleep: false,
            has_break: false,
        });
        self.script.loops.len() - 1
    }

    fn function(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let name = node
            .field("name")
            .map(|n| text(n, src).to_string())
            .unwrap_or_default();
        self.script.functions.push(Function {
            name,
            line: ctx.line(node),
            end_line: ctx.end_line(node),
        });
        let mut inner = ctx.clone();
        inner.function = Some(self.script.functions.len() - 1);
        // A function's body runs when called: nothing around the definition
        // consumes its status.
        inner.checked = false;
        inner.condition = false;
        inner.pipeline = None;
        if let Some(body) = node.field("body") {
            self.statement(body, src, &inner);
        }
    }

    /// `cmd > file`, `cmd <<EOF … EOF`, `cat <<EOF | sh`, `cat <<EOF && x`.
    fn redirected(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let mut c = ctx.clone();
        let mut rest_pipeline: Vec<Node> = Vec::new();
        let mut right: Vec<Node> = Vec::new();
        let mut body: Option<Node> = None;
        for (field, child) in children_with_fields(node) {
            match (field, child.kind()) {
                (Some("body"), _) => body = Some(child),
                (_, "file_redirect") | (_, "herestring_redirect") => {
                    if let Some(r) = redirect(child, src) {
                        c.redirects.push(r);
                    }
                    self.substitutions(child, src, ctx);
                }
                (_, "heredoc_redirect") => {
                    let h = self.heredoc(child, src, ctx);
                    c.heredoc = Some(h);
                    for (f, part) in children_with_fields(child) {
                        match (f, part.kind()) {
                            (Some("right"), _) => right.push(part),
                            (_, "pipeline") => rest_pipeline.extend(
                                named_children(part)
                                    .into_iter()
                                    .filter(|n| n.kind() != "comment"),
                            ),
                            (_, "file_redirect") => {
                                if let Some(r) = redirect(part, src) {
                                    c.redirects.push(r);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        let Some(body) = body else { return };
        if !right.is_empty() {
            c.checked = true;
        }
        if rest_pipeline.is_empty() {
            self.statement(body, src, &c);
        } else {
            let mut parts = vec![body];
            parts.extend(rest_pipeline);
            // Redirects written after `<<EOF` belong to the first command.
            self.pipeline(&parts, src, &c);
        }
        for r in right {
            self.statement(r, src, ctx);
        }
    }

    fn heredoc(&mut self, node: Node, src: &str, ctx: &Ctx) -> usize {
        let mut delimiter = String::new();
        let mut body = String::new();
        let mut span = LineSpan::line(ctx.line(node));
        for child in named_children(node) {
            match child.kind() {
                "heredoc_start" => delimiter = text(child, src).to_string(),
                "heredoc_body" => {
                    body = text(child, src).to_string();
                    span = LineSpan::new(ctx.line(child), ctx.end_line(child));
                }
                _ => {}
            }
        }
        self.script.heredocs.push(Heredoc {
            delimiter,
            span,
            body,
            command: None,
        });
        self.script.heredocs.len() - 1
    }

    /// Commands inside `$(…)`, backticks and `<(…)` anywhere under `node`.
    fn substitutions(&mut self, node: Node, src: &str, ctx: &Ctx) {
        // A substitution's text lies inside the node's text and opens with
        // one of these: most words and assignments need no walk.
        let t = text(node, src);
        if !(t.contains('`') || t.contains("$(") || t.contains("<(") || t.contains(">(")) {
            return;
        }
        let mut stack = vec![node];
        let mut seen = 0usize;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 100_000 {
                self.script.truncated = true;
                return;
            }
            match n.kind() {
                "command_substitution" | "process_substitution" => {
                    let mut c = ctx.clone();
                    c.substitution = true;
                    c.checked = false;
                    c.condition = false;
                    c.pipeline = None;
                    c.redirects.clear();
                    c.heredoc = None;
                    self.sequence(n, src, &c);
                }
                _ => {
                    // Children in reverse, so they pop in source order.
                    let at = stack.len();
                    let mut cursor = n.walk();
                    stack.extend(n.named_children(&mut cursor));
                    stack[at..].reverse();
                }
            }
        }
    }

    fn declaration(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let mut words = Vec::new();
        let mut lines = Vec::new();
        for child in children(node) {
            if child.kind() == "comment" {
                continue;
            }
            words.push(word_text(child, src));
            lines.push(ctx.line(child));
        }
        self.substitutions(node, src, ctx);
        self.push_command(words, lines, node, ctx);
    }

    fn test_command(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let raw = text(node, src);
        let program = if raw.starts_with("[[") { "[[" } else { "[" };
        let mut words = vec![program.to_string()];
        let mut lines = vec![ctx.line(node)];
        leaves(node, src, &mut |n, t| {
            if !matches!(t.as_str(), "[" | "]" | "[[" | "]]") {
                words.push(t);
                lines.push(ctx.line(n));
            }
        });
        self.substitutions(node, src, ctx);
        self.push_command(words, lines, node, ctx);
    }

    fn command(&mut self, node: Node, src: &str, ctx: &Ctx) {
        let mut words = Vec::new();
        let mut lines = Vec::new();
        let mut c = ctx.clone();
        let mut arg_nodes = Vec::new();
        for (field, child) in children_with_fields(node) {
            match (field, child.kind()) {
                (Some("name"), _) | (Some("argument"), _) => {
                    words.push(word_text(child, src));
                    lines.push(ctx.line(child));
                    arg_nodes.push(child);
                }
                (Some("redirect"), _) => {
                    if let Some(r) = redirect(child, src) {
                        c.redirects.push(r);
                    }
                }
                _ => {}
            }
        }
        self.substitutions(node, src, ctx);
        if words.is_empty() {
            return;
        }
        let idx = self.push_command(words.clone(), lines.clone(), node, &c);
        let Some(idx) = idx else { return };
        // Scripts inside this command's words.
        let (program, args_at) = {
            let cmd = &self.script.commands[idx];
            (cmd.program.clone(), cmd.args_start)
        };
        let heredoc = c.heredoc;
        self.nested_scripts(&program, &words[args_at..], &lines[args_at..], heredoc, &c);
    }

    /// Records a command; returns its index.
    fn push_command(
        &mut self,
        words: Vec<String>,
        lines: Vec<u32>,
        node: Node,
        ctx: &Ctx,
    ) -> Option<usize> {
        let pi = program_index(&words)?;
        let program = basename(&words[pi]).to_string();
        let args = &words[pi + 1..];
        let arg_lines: Vec<u32> = lines.get(pi + 1..).map(<[u32]>::to_vec).unwrap_or_default();
        let line = ctx.line(node);
        let top_level = ctx.function.is_none() && !ctx.substitution;
        match program.as_str() {
            "set" => self.record_sets(args, line, ctx.scope, top_level, false),
            "trap" => self.record_trap(args, line, ctx.scope),
            _ => {}
        }
        let idx = self.script.commands.len();
        if let Some(h) = ctx.heredoc {
            if let Some(hd) = self.script.heredocs.get_mut(h) {
                if hd.command.is_none() {
                    hd.command = Some(idx);
                }
            }
        }
        self.script.commands.push(Command {
            program,
            args_start: pi + 1,
            arg_lines,
            words,
            line,
            end_line: ctx.end_line(node).max(line),
            status: Status::Unchecked,
            condition: ctx.condition,
            loops: ctx.loops.clone(),
            function: ctx.function,
            pipeline: ctx.pipeline,
            substitution: ctx.substitution,
            scope: ctx.scope,
            nested: ctx.nested.clone(),
            redirects: ctx.redirects.clone(),
            heredoc: ctx.heredoc,
        });
        self.explicit.push(ctx.checked);
        Some(idx)
    }

    /// `ssh host "cmd"`, `bash -c "cmd"`, `su -c "cmd"`, `eval "cmd"`,
    /// `aws ssm send-command --parameters commands=[…]`, a heredoc fed to a
    /// shell or to `ssh host`.
    fn nested_scripts(
        &mut self,
        program: &str,
        args: &[String],
        lines: &[u32],
        heredoc: Option<usize>,
        ctx: &Ctx,
    ) {
        if ctx.nested_depth >= self.limits.max_nested {
            return;
        }
        let mut found: Vec<(String, u32, &str)> = Vec::new();
        match program {
            "ssh" => {
                let mut i = 0;
                while i < args.len() && args[i].starts_with('-') {
                    let a = &args[i];
                    i += 1;
                    if a.len() == 2 && "bcDEeFIiJLlmOopQRSWw".contains(&a[1..]) {
                        i += 1;
                    }
                }
                // args[i] is the host; the rest is the remote command.
                if i + 1 < args.len() {
                    found.push((args[i + 1..].join(" "), lines[i + 1], "ssh"));
                } else if i < args.len() {
                    if let Some(h) = heredoc {
                        self.heredoc_script(h, "ssh", ctx);
                    }
                }
            }
            "bash" | "sh" | "dash" | "zsh" | "ksh" | "su" => {
                let c_at = args
                    .iter()
                    .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'));
                match c_at {
                    Some(j) if j + 1 < args.len() => {
                        let label = if program == "su" { "su -c" } else { "bash -c" };
                        found.push((args[j + 1].clone(), lines[j + 1], label));
                    }
                    _ if program != "su" && !args.iter().any(|a| !a.starts_with('-')) => {
                        if let Some(h) = heredoc {
                            self.heredoc_script(h, "heredoc", ctx);
                        }
                    }
                    _ => {}
                }
            }
            "eval" if !args.is_empty() => found.push((args.join(" "), lines[0], "eval")),
            "aws" if args.iter().any(|a| a == "send-command") => {
                for (i, a) in args.iter().enumerate() {
                    let value = if a == "--parameters" {
                        args.get(i + 1).map(|v| (v.as_str(), lines[i + 1]))
                    } else {
                        a.strip_prefix("--parameters=").map(|v| (v, lines[i]))
                    };
                    if let Some((v, line)) = value {
                        for cmd in ssm_commands(v) {
                            found.push((cmd, line, "ssm"));
                        }
                    }
                }
            }
            _ => {}
        }
        for (text, line, label) in found {
            self.nested_text(&text, line, label, ctx);
        }
    }

    fn heredoc_script(&mut self, h: usize, label: &str, ctx: &Ctx) {
        let Some(hd) = self.script.heredocs.get(h) else {
            return;
        };
        let (body, line) = (hd.body.clone(), hd.span.start);
        self.nested_text(&body, line, label, ctx);
    }

    fn nested_text(&mut self, text: &str, line: u32, label: &str, ctx: &Ctx) {
        self.scopes += 1;
        let scope = self.scopes;
        self.parse_text(
            text,
            line,
            scope,
            Some((label.to_string(), ctx.nested_depth + 1)),
            Some(ctx),
        );
    }

    fn record_sets(
        &mut self,
        args: &[String],
        line: u32,
        scope: usize,
        top_level: bool,
        from_shebang: bool,
    ) {
        let mut push = |option, on| {
            self.script.sets.push(SetChange {
                line,
                option,
                on,
                scope,
                top_level,
                from_shebang,
            })
        };
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            let on = match a.chars().next() {
                Some('-') => true,
                Some('+') => false,
                _ => continue,
            };
            if a == "--" || a.starts_with("--") {
                continue;
            }
            for ch in a[1..].chars() {
                match ch {
                    'e' => push(ShellOption::Errexit, on),
                    'u' => push(ShellOption::Nounset, on),
                    'o' => {
                        let name = args.get(i).map(String::as_str).unwrap_or("");
                        i += 1;
                        match name {
                            "errexit" => push(ShellOption::Errexit, on),
                            "nounset" => push(ShellOption::Nounset, on),
                            "pipefail" => push(ShellOption::Pipefail, on),
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn record_trap(&mut self, args: &[String], line: u32, scope: usize) {
        let args: Vec<&String> = args.iter().filter(|a| *a != "--").collect();
        let Some((action, signals)) = args.split_first() else {
            return;
        };
        if action.starts_with('-') && action.len() > 1 {
            return; // `trap -p`, `trap -l`
        }
        self.script.traps.push(Trap {
            line,
            action: action.to_string(),
            signals: signals
                .iter()
                .map(|s| {
                    let up = s.to_ascii_uppercase();
                    up.strip_prefix("SIG").map(str::to_string).unwrap_or(up)
                })
                .collect(),
            scope,
        });
    }

    /// Classifies statuses now that every `set` is known, and fills in the
    /// loop facts.
    fn finish(mut self) -> Script {
        let statuses: Vec<Status> = self
            .script
            .commands
            .iter()
            .zip(&self.explicit)
            .map(|(c, &explicit)| {
                let opts = self.script.options_at(c.scope, c.line);
                let last_in_pipe = c.pipeline.is_none_or(|p| p.index + 1 == p.len);
                let pipe_ok = last_in_pipe || opts.pipefail;
                if explicit && pipe_ok {
                    Status::Explicit
                } else if opts.errexit && pipe_ok && !c.substitution && !c.condition {
                    Status::Errexit
                } else {
                    Status::Unchecked
                }
            })
            .collect();
        for (c, s) in self.script.commands.iter_mut().zip(statuses) {
            c.status = s;
        }
        for c in &self.script.commands {
            let (sleeps, breaks) = match c.program.as_str() {
                "sleep" => (true, false),
                "break" | "return" => (false, true),
                "exit" => (false, c.args().first().is_none_or(|a| a == "0")),
                _ => (false, false),
            };
            for l in &c.loops {
                if let Some(lp) = self.script.loops.get_mut(*l) {
                    lp.has_sleep |= sleeps;
                    lp.has_break |= breaks;
                }
            }
        }
        // The script models stay in memory for the whole review: drop the
        // spare capacity the builder's pushes left.
        let script = &mut self.script;
        for c in &mut script.commands {
            c.words.shrink_to_fit();
            c.arg_lines.shrink_to_fit();
            c.loops.shrink_to_fit();
        }
        script.commands.shrink_to_fit();
        script.sets.shrink_to_fit();
        script.traps.shrink_to_fit();
        script.loops.shrink_to_fit();
        script.functions.shrink_to_fit();
        script.heredocs.shrink_to_fit();
        self.script
    }
}

/// `aws ssm send-command --parameters` value: `commands=["a","b"]`,
/// `commands="a"`, or JSON `{"commands":["a"]}`.
fn ssm_commands(v: &str) -> Vec<String> {
    let v = v.trim();
    if v.starts_with('{') {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(v) {
            if let Some(serde_json::Value::Array(items)) = m.get("commands") {
                return items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect();
            }
        }
        return vec![];
    }
    let Some(list) = v.strip_prefix("commands=") else {
        return vec![];
    };
    if list.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<String>>(list) {
            return items;
        }
        // Not JSON (shell expansions spliced in): split on the separators.
        let inner = list.trim_start_matches('[').trim_end_matches(']');
        return inner
            .split("\",\"")
            .map(|s| s.trim_matches('"').to_string())
            .collect();
    }
    vec![list.trim_matches('"').to_string()]
}

fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// A word's static text: quotes removed, expansions kept as written.
fn word_text(node: Node, src: &str) -> String {
    match node.kind() {
        "raw_string" => strip(text(node, src), "'", "'"),
        "string" => strip(text(node, src), "\"", "\""),
        "ansi_c_string" => strip(text(node, src), "$'", "'"),
        "translated_string" => strip(text(node, src), "$\"", "\""),
        "command_name" => named_children(node)
            .into_iter()
            .map(|n| word_text(n, src))
            .collect(),
        "concatenation" => children(node)
            .into_iter()
            .map(|n| word_text(n, src))
            .collect(),
        "word" => unescape_word(text(node, src)),
        _ => text(node, src).to_string(),
    }
}

fn strip(s: &str, open: &str, close: &str) -> String {
    s.strip_prefix(open)
        .and_then(|s| s.strip_suffix(close))
        .unwrap_or(s)
        .to_string()
}

/// Backslash escapes in unquoted words (`\;` → `;`); line continuations go.
fn unescape_word(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(n) => out.push(n),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn redirect(node: Node, src: &str) -> Option<Redirect> {
    let mut op = String::new();
    let mut target = String::new();
    for (field, child) in children_with_fields(node) {
        match field {
            Some("descriptor") => op.push_str(text(child, src)),
            Some("destination") => target = word_text(child, src),
            _ if !child.is_named() => op.push_str(child.kind()),
            _ if target.is_empty() => target = word_text(child, src),
            _ => {}
        }
    }
    Some(Redirect { op, target })
}

/// Whether a statement reads `$?` (so the previous one's status is checked).
fn reads_status(node: Node, src: &str) -> bool {
    // `$?` lies inside the node's text: most statements need no walk.
    if !text(node, src).contains('?') {
        return false;
    }
    let mut stack = vec![node];
    let mut budget = 500;
    while let Some(n) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        if n.kind() == "special_variable_name" && text(n, src) == "?" {
            return true;
        }
        stack.extend(named_children(n));
    }
    false
}

/// Leaf texts of a test expression, with words and strings whole.
fn leaves(node: Node, src: &str, f: &mut dyn FnMut(Node, String)) {
    let mut stack = vec![node];
    let mut out = Vec::new();
    while let Some(n) = stack.pop() {
        match n.kind() {
            "word"
            | "string"
            | "raw_string"
            | "concatenation"
            | "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "number"
            | "test_operator"
            | "regex" => out.push(n),
            _ if n.child_count() == 0 => out.push(n),
            _ => {
                let mut kids = children(n);
                kids.reverse();
                stack.extend(kids);
            }
        }
    }
    for n in out {
        let t = word_text(n, src);
        f(n, t);
    }
}

fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

fn children_with_fields<'t>(node: Node<'t>) -> Vec<(Option<&'t str>, Node<'t>)> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    if cursor.goto_first_child() {
        loop {
            out.push((cursor.field_name(), cursor.node()));
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssm_parameters_yield_commands() {
        assert_eq!(
            ssm_commands(r#"commands=["cd /opt","docker-compose up -d"]"#),
            vec!["cd /opt", "docker-compose up -d"]
        );
        assert_eq!(
            ssm_commands(r#"{"commands":["systemctl restart app"]}"#),
            vec!["systemctl restart app"]
        );
        assert_eq!(ssm_commands("commands=uptime"), vec!["uptime"]);
        assert!(ssm_commands("executionTimeout=60").is_empty());
    }
}
