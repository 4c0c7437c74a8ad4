//! The syntax layer: `.tf` files parsed with hcl-edit into blocks and
//! attributes that keep their line spans and their expressions.
//!
//! Expressions are converted to the compact [`Expr`] tree; the hcl-edit
//! tree is dropped once the file is converted.

use super::expr::Expr;
use crate::source::SourceFile;
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;
use shipshape_model::{Diagnostic, DiagnosticKind, LineIndex, LineSpan};
use std::sync::Arc;

/// An attribute `name = expr`.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub expr: Expr,
    pub span: LineSpan,
}

/// A block `kind "label" "label" { ... }` with its attributes and children.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    /// Path of the file (relative to the reviewed root).
    pub file: Arc<str>,
    pub span: LineSpan,
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

impl Block {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// Child blocks of one kind.
    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    pub fn label(&self, i: usize) -> &str {
        self.labels.get(i).map(String::as_str).unwrap_or("")
    }

    /// The span of the attribute at `path` (nested block kinds, then the
    /// attribute name), or of the deepest block found on the way. Dynamic
    /// blocks are looked through (`dynamic "ingress" { content { ... } }`).
    pub fn span_of(&self, path: &[&str]) -> LineSpan {
        let mut block = self;
        for (i, step) in path.iter().enumerate() {
            if i + 1 == path.len() {
                if let Some(a) = block.attr(step) {
                    return a.span;
                }
            }
            let next = block.blocks_of(step).next().or_else(|| {
                block
                    .blocks_of("dynamic")
                    .find(|d| d.label(0) == *step)
                    .and_then(|d| d.blocks_of("content").next())
            });
            match next {
                Some(b) => block = b,
                None => return block.span,
            }
        }
        block.span
    }
}

/// One parsed `.tf` file.
#[derive(Debug, Clone)]
pub struct TfFile {
    pub path: Arc<str>,
    /// Directory of the file: the module it belongs to.
    pub dir: String,
    pub blocks: Vec<Block>,
}

/// Parses one file; a syntax error becomes a parse-error diagnostic.
pub fn parse_file(file: &SourceFile) -> Result<TfFile, Diagnostic> {
    let path: Arc<str> = Arc::from(file.path.as_str());
    let body = parse_body_guarded(&file.text).map_err(|(line, msg)| {
        Diagnostic::new(
            DiagnosticKind::ParseError,
            Some(file.path.clone()),
            line,
            msg,
        )
    })?;
    let blocks = convert_body(&body, &path, &file.lines).1;
    Ok(TfFile {
        path,
        dir: file.dir().to_string(),
        blocks,
    })
}

/// Nesting depth at which a file is refused before parsing: hcl-edit's
/// recursive descent would otherwise exhaust the stack.
const MAX_NESTING: usize = 128;

/// Parses HCL text, refusing pathological nesting first.
pub fn parse_body_guarded(text: &str) -> Result<Body, (Option<u32>, String)> {
    if let Some(line) = too_deep(text) {
        return Err((
            Some(line),
            format!("nesting deeper than {MAX_NESTING} levels; file not parsed"),
        ));
    }
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let loc = e.location();
        (
            Some(loc.line() as u32),
            format!(
                "HCL syntax error at {}:{}: {}",
                loc.line(),
                loc.column(),
                e.message()
            ),
        )
    })
}

/// The line at which bracket nesting exceeds the limit, if it does.
fn too_deep(text: &str) -> Option<u32> {
    // Most files open fewer brackets in all than the limit: a count (which
    // the compiler vectorises) settles them without the line-by-line walk.
    let opens = text
        .bytes()
        .filter(|b| matches!(b, b'{' | b'[' | b'('))
        .count();
    if opens <= MAX_NESTING {
        return None;
    }
    let mut depth = 0usize;
    let mut line = 1u32;
    for b in text.bytes() {
        match b {
            b'\n' => line += 1,
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(line);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn convert_body(body: &Body, file: &Arc<str>, lines: &LineIndex) -> (Vec<Attr>, Vec<Block>) {
    // Sized up front: a monorepo holds millions of these vectors, and
    // growth by doubling would leave a third of them empty.
    let n_attrs = body.iter().filter(|s| s.is_attribute()).count();
    let mut attrs = Vec::with_capacity(n_attrs);
    let mut blocks = Vec::with_capacity(body.len() - n_attrs);
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => attrs.push(Attr {
                name: a.key.as_str().to_string(),
                expr: Expr::from_hcl(&a.value, lines),
                span: span_lines(a.span(), lines),
            }),
            Structure::Block(b) => {
                let (child_attrs, child_blocks) = convert_body(&b.body, file, lines);
                blocks.push(Block {
                    kind: b.ident.as_str().to_string(),
                    labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
                    file: file.clone(),
                    span: span_lines(b.span(), lines),
                    attrs: child_attrs,
                    blocks: child_blocks,
                });
            }
        }
    }
    (attrs, blocks)
}

fn span_lines(range: Option<std::ops::Range<usize>>, lines: &LineIndex) -> LineSpan {
    match range {
        Some(r) => lines.span(r),
        None => LineSpan::line(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_refused_past_the_limit_and_many_shallow_brackets_are_not() {
        let nested = |n: usize| format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep(&nested(MAX_NESTING)), None);
        assert_eq!(too_deep(&nested(MAX_NESTING + 1)), Some(1));
        // More brackets than the limit in all, none deeper than two.
        let shallow = "a = [(1)]\n".repeat(MAX_NESTING);
        assert_eq!(too_deep(&shallow), None);
        let late = format!("{shallow}{}", nested(MAX_NESTING + 1));
        assert_eq!(too_deep(&late), Some(MAX_NESTING as u32 + 1));
    }
}
