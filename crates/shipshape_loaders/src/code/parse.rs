//! One tree-sitter parser per language per thread, with a time budget so a
//! huge minified file cannot stall the review.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use tree_sitter::{Language, Node, ParseOptions, Parser, Tree};

/// Parse budget per file.
pub const PARSE_BUDGET: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    JavaScript,
    TypeScript,
    Tsx,
    Python,
    Go,
    /// For shell embedded in other files (the operations scan); shell
    /// scripts themselves have the shell model's parser.
    Bash,
    Containerfile,
}

impl Grammar {
    fn language(self) -> Language {
        match self {
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
            Grammar::Bash => tree_sitter_bash::LANGUAGE.into(),
            Grammar::Containerfile => tree_sitter_containerfile::LANGUAGE.into(),
        }
    }
}

thread_local! {
    static PARSERS: RefCell<Vec<(Grammar, Parser)>> = const { RefCell::new(Vec::new()) };
}

/// Parses `text`; `Err` says why not (grammar load failure, time budget).
pub fn parse(grammar: Grammar, text: &str) -> Result<Tree, String> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let idx = match parsers.iter().position(|(g, _)| *g == grammar) {
            Some(i) => i,
            None => {
                let mut p = Parser::new();
                p.set_language(&grammar.language())
                    .map_err(|e| format!("grammar: {e}"))?;
                parsers.push((grammar, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[idx].1;
        let deadline = Instant::now() + PARSE_BUDGET;
        let mut progress = |_: &tree_sitter::ParseState| {
            if Instant::now() > deadline {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let bytes = text.as_bytes();
        let tree = parser.parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or(&[]),
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        // A cancelled parse leaves state behind; the next parse must start clean.
        parser.reset();
        tree.ok_or_else(|| {
            format!(
                "not parsed within {} s (file too large or too complex)",
                PARSE_BUDGET.as_secs()
            )
        })
    })
}

/// A grammar's field ids already looked up, by the address of the field
/// name (names are literals): see [`Field::field`].
type FieldIds = HashMap<usize, Option<u16>>;

thread_local! {
    static FIELD_IDS: RefCell<Vec<(Language, FieldIds)>> = const { RefCell::new(Vec::new()) };
}

/// `node.field("name")`: the child in a field, like tree-sitter's
/// `child_by_field_name`. That compares the name with each of the grammar's
/// field names on every call, and the walks ask at most nodes (it was 2% of
/// a review); the id is looked up once per thread, grammar and name.
pub trait Field<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>>;
}

impl<'t> Field<'t> for Node<'t> {
    fn field(&self, name: &'static str) -> Option<Node<'t>> {
        let id = FIELD_IDS.with(|cell| {
            let mut grammars = cell.borrow_mut();
            let language = self.language();
            let at = match grammars.iter().position(|(l, _)| *l == *language) {
                Some(at) => at,
                None => {
                    grammars.push(((*language).clone(), HashMap::new()));
                    grammars.len() - 1
                }
            };
            *grammars[at]
                .1
                .entry(name.as_ptr() as usize)
                .or_insert_with(|| language.field_id_for_name(name).map(|id| id.get()))
        })?;
        self.child_by_field_id(id)
    }
}

/// Text of a node (empty on invalid UTF-8 boundaries).
pub fn text<'a>(node: Node, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// Bounded text with whitespace runs collapsed (for callee paths and values).
pub fn short(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() >= max {
            break;
        }
        out.push(c);
    }
    out
}

/// Callee text: whitespace removed, bounded.
pub fn compact(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut prev_alnum = false;
    let mut pending_space = false;
    for c in s.chars() {
        if out.len() >= max {
            break;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        // Keep one space where it separates words (`new Date`).
        if pending_space && prev_alnum && (c.is_alphanumeric() || c == '_') {
            out.push(' ');
        }
        pending_space = false;
        prev_alnum = c.is_alphanumeric() || c == '_' || c == '$';
        out.push(c);
    }
    out
}

/// The 1-based line span of a node.
pub fn span(node: Node) -> shipshape_model::LineSpan {
    shipshape_model::LineSpan::new(
        node.start_position().row as u32 + 1,
        node.end_position().row as u32 + 1,
    )
}

/// Named children of a node, collected (the cursor API borrows).
pub fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Calls `f` on each named child of `node`, in order, without collecting
/// them: the walks visit every node of every file, and a vector per node
/// was a measurable share of extraction.
pub fn each_named_child<'t>(node: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = node.walk();
    if !cursor.goto_first_child() {
        return;
    }
    loop {
        let child = cursor.node();
        if child.is_named() {
            f(child);
        }
        if !cursor.goto_next_sibling() {
            return;
        }
    }
}

/// Longest string literal kept in `Module::strings`.
pub const MAX_STRING: usize = 160;
/// Most string literals kept per module.
pub const MAX_STRINGS: usize = 4000;
/// Deepest syntax nesting walked; deeper subtrees (minified bundles) are skipped.
pub const MAX_DEPTH: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;

    /// Cached field ids agree with tree-sitter's lookup by name, in each
    /// grammar, though one name has different ids in different grammars.
    #[test]
    fn cached_fields_match_lookup_by_name_across_grammars() {
        let ts = parse(Grammar::TypeScript, "function f(a) { return g(a); }").unwrap();
        let py = parse(Grammar::Python, "def f(a):\n    return g(a)\n").unwrap();
        for tree in [&ts, &py] {
            let mut stack = vec![tree.root_node()];
            while let Some(n) = stack.pop() {
                for name in ["name", "parameters", "body", "function", "arguments"] {
                    assert_eq!(
                        n.field(name),
                        n.child_by_field_name(name),
                        "{name} of {}",
                        n.kind()
                    );
                }
                let mut cursor = n.walk();
                stack.extend(n.children(&mut cursor));
            }
        }
        let f = ts.root_node().named_child(0).unwrap();
        assert_eq!(f.field("name").map(|n| n.kind()), Some("identifier"));
        assert_eq!(f.field("no_such_field"), None);
    }
}
