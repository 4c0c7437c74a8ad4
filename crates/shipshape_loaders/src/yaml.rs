//! A spanned YAML tree for every YAML loader (compose, Kubernetes, CI).
//!
//! Built straight from saphyr-parser events, with saphyr's core-schema scalar
//! resolution, rather than through `MarkedYaml`, because loaders need what
//! `MarkedYaml` drops or gets wrong for a reviewer:
//! - the scalar text as written (`3.10` must not become `3.1`, `"6379"` must
//!   stay a string) next to its resolved kind;
//! - merge keys `<<` applied (compose `x-` anchors rely on them);
//! - duplicate keys tolerated (last wins, as PyYAML does) and recorded,
//!   instead of failing the whole file;
//! - container end lines that stop at the last child, not at the next token;
//! - hard bounds checked while the events stream in, before any subtree is
//!   copied: nesting deeper than [`MAX_DEPTH`], alias expansion beyond
//!   [`MAX_ALIAS_NODES`] copied nodes (billion laughs), and more than
//!   [`MAX_NODES`] nodes in total. The first exceeded bound stops the parse
//!   and yields a [`YamlError`], which loaders turn into a parse-error
//!   diagnostic.
//!
//! Lines are the parser's 1-based line numbers (its markers count characters,
//! not bytes, so byte offsets are never mixed with them).

use saphyr::{Scalar as CoreScalar, ScalarStyle};
use saphyr_parser::{Event, Parser, Span};
use shipshape_model::{Diagnostic, DiagnosticKind, LineSpan};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 256;
/// Most nodes that aliases may copy in one file.
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Most nodes in one file (bounds memory for pathological inputs).
pub const MAX_NODES: usize = 4_000_000;

/// What a scalar resolves to under the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    String,
    Int,
    Float,
    Bool,
    Null,
}

/// A scalar: the text as written (after unquoting) and what it resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub kind: ScalarKind,
    /// Quoted or block scalars are always strings.
    pub quoted: bool,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in document order (merged entries follow the explicit ones).
    Map(Vec<(Node, Node)>),
}

/// A YAML node with the lines it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: LineSpan,
    pub value: Value,
}

/// One parsed YAML file.
#[derive(Debug, Clone, Default)]
pub struct YamlFile {
    /// One root per document (an empty document is a null scalar).
    pub docs: Vec<Node>,
    /// Keys that appeared twice in one mapping: (line of the later one, key).
    pub duplicate_keys: Vec<(u32, String)>,
}

/// Why a file could not be turned into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for YamlError {}

impl YamlError {
    /// The parse-error diagnostic for `path`.
    pub fn to_diagnostic(&self, path: &str) -> Diagnostic {
        Diagnostic::new(
            DiagnosticKind::ParseError,
            Some(path.to_string()),
            self.line,
            format!("invalid YAML: {}", self.message),
        )
    }
}

static NULL_NODE: Node = Node {
    span: LineSpan { start: 1, end: 1 },
    value: Value::Scalar(Scalar {
        text: String::new(),
        kind: ScalarKind::Null,
        quoted: false,
    }),
};

impl Node {
    /// The value for `key` in a mapping (scalar keys compared by text).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .find(|(k, _)| k.scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The entry (key node and value) for `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .find(|(k, _)| k.scalar().is_some_and(|s| s.text == key))
    }

    /// Mapping entries in order; empty for anything else.
    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Node)> {
        let slice: &[(Node, Node)] = match &self.value {
            Value::Map(m) => m,
            _ => &[],
        };
        slice.iter().map(|(k, v)| (k, v))
    }

    /// Mapping entries with scalar keys, as (key text, value).
    pub fn string_entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.entries()
            .filter_map(|(k, v)| k.scalar().map(|s| (s.text.as_str(), v)))
    }

    /// Sequence items; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        self.scalar()
            .filter(|s| s.kind == ScalarKind::String)
            .map(|s| s.text.as_str())
    }

    /// The text of any non-null scalar (`8080`, `true` and `"x"` alike).
    pub fn text(&self) -> Option<&str> {
        self.scalar()
            .filter(|s| s.kind != ScalarKind::Null)
            .map(|s| s.text.as_str())
    }

    pub fn as_bool(&self) -> Option<bool> {
        self.scalar()
            .filter(|s| s.kind == ScalarKind::Bool)
            .and_then(|s| match s.text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            })
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.scalar() {
            Some(s) if s.kind == ScalarKind::Int => {
                match CoreScalar::parse_from_cow(Cow::Borrowed(s.text.as_str())) {
                    CoreScalar::Integer(i) => Some(i),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.scalar().is_some_and(|s| s.kind == ScalarKind::Null)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// A shared null node, for callers that want a default.
    pub fn null() -> &'static Node {
        &NULL_NODE
    }
}

/// Parses every document of `text`.
pub fn parse(text: &str) -> Result<YamlFile, YamlError> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: Some(e.marker().line() as u32),
            message: e.info().to_string(),
        })?;
        builder.on_event(event, span)?;
    }
    Ok(YamlFile {
        docs: builder.docs,
        duplicate_keys: builder.duplicate_keys,
    })
}

/// A collection being built.
struct Frame {
    node: Node,
    anchor: usize,
    /// Mappings: the key waiting for its value.
    pending_key: Option<Node>,
    /// Mappings: index of each scalar key, to replace duplicates in O(1).
    index: HashMap<String, usize>,
    /// Mappings: values of `<<` keys, applied when the mapping ends.
    merges: Vec<Node>,
    /// Nodes in this subtree (for alias accounting).
    count: usize,
    /// Height of the deepest finished child.
    height: usize,
    /// End line of the collection's closing event (flow collections).
    end_event_line: u32,
}

/// An anchored subtree: the node, its size and height.
struct Anchored {
    node: Node,
    count: usize,
    height: usize,
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    duplicate_keys: Vec<(u32, String)>,
    alias_nodes: usize,
    total_nodes: usize,
    doc_has_root: bool,
}

fn start_line(span: &Span) -> u32 {
    span.start.line() as u32
}

/// The last line a span covers: an end marker at column 0 of a later line
/// (block scalars end after their final line break) belongs to the line before.
fn end_line(span: &Span) -> u32 {
    let start = span.start.line();
    let end = span.end.line();
    if end > start && span.end.col() == 0 {
        (end - 1) as u32
    } else {
        end.max(start) as u32
    }
}

fn error_at(line: u32, message: impl Into<String>) -> YamlError {
    YamlError {
        line: Some(line),
        message: message.into(),
    }
}

impl Builder {
    fn on_event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.doc_has_root = false;
            }
            Event::DocumentEnd => {
                if !self.doc_has_root {
                    // An empty document is a null.
                    let line = start_line(&span);
                    let mut node = Node::null().clone();
                    node.span = LineSpan::line(line);
                    self.docs.push(node);
                }
                self.doc_has_root = true;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let line = start_line(&span);
                if self.stack.len() >= MAX_DEPTH {
                    return Err(error_at(
                        line,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
                self.count_node(line)?;
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                self.stack.push(Frame {
                    node: Node {
                        span: LineSpan::line(line),
                        value,
                    },
                    anchor,
                    pending_key: None,
                    index: HashMap::new(),
                    merges: Vec::new(),
                    count: 1,
                    height: 0,
                    end_event_line: line,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(mut frame) = self.stack.pop() else {
                    return Ok(());
                };
                frame.end_event_line = start_line(&span);
                let is_flow_end = self.is_flow_close(&span);
                let merges = std::mem::take(&mut frame.merges);
                apply_merges(&mut frame, merges);
                let mut node = frame.node;
                let last_child_end = match &node.value {
                    Value::Seq(items) => items.iter().map(|n| n.span.end).max(),
                    Value::Map(entries) => entries
                        .iter()
                        .filter(|(k, _)| k.span.start >= node.span.start)
                        .map(|(k, v)| k.span.end.max(v.span.end))
                        .max(),
                    Value::Scalar(_) => None,
                };
                let mut end = last_child_end.unwrap_or(node.span.start);
                if is_flow_end {
                    end = end.max(frame.end_event_line);
                }
                node.span = LineSpan::new(node.span.start, end);
                self.finish_node(node, frame.anchor, frame.count, frame.height + 1)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let line = start_line(&span);
                self.count_node(line)?;
                let quoted = style != ScalarStyle::Plain;
                let kind = match CoreScalar::parse_from_cow_and_metadata(
                    Cow::Borrowed(text.as_ref()),
                    style,
                    tag.as_ref(),
                ) {
                    Some(CoreScalar::Null) => ScalarKind::Null,
                    Some(CoreScalar::Boolean(_)) => ScalarKind::Bool,
                    Some(CoreScalar::Integer(_)) => ScalarKind::Int,
                    Some(CoreScalar::FloatingPoint(_)) => ScalarKind::Float,
                    Some(CoreScalar::String(_)) | None => ScalarKind::String,
                };
                let node = Node {
                    span: LineSpan::new(line, end_line(&span)),
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        kind,
                        quoted,
                    }),
                };
                self.finish_node(node, anchor, 1, 1)?;
            }
            Event::Alias(id) => {
                let line = start_line(&span);
                let Some(anchored) = self.anchors.get(&id) else {
                    return Err(error_at(line, "alias to an unknown anchor"));
                };
                self.alias_nodes += anchored.count;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(error_at(
                        line,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes (alias bomb?)"
                        ),
                    ));
                }
                if self.stack.len() + anchored.height > MAX_DEPTH {
                    return Err(error_at(
                        line,
                        format!("nesting deeper than {MAX_DEPTH} levels through an alias"),
                    ));
                }
                let (count, height) = (anchored.count, anchored.height);
                let mut node = anchored.node.clone();
                self.total_nodes += count;
                if self.total_nodes > MAX_NODES {
                    return Err(error_at(line, format!("more than {MAX_NODES} nodes")));
                }
                // The alias itself is where the value is used: point there;
                // the copied children keep the lines of their definition.
                node.span = LineSpan::line(line);
                self.finish_node(node, 0, count, height)?;
            }
        }
        Ok(())
    }

    /// A flow collection closes with `]` or `}` where its end event points.
    fn is_flow_close(&self, span: &Span) -> bool {
        span.end.index() == span.start.index() + 1
    }

    fn count_node(&mut self, line: u32) -> Result<(), YamlError> {
        self.total_nodes += 1;
        if self.total_nodes > MAX_NODES {
            return Err(error_at(line, format!("more than {MAX_NODES} nodes")));
        }
        Ok(())
    }

    /// Hands a completed node to its parent (or makes it a document root).
    fn finish_node(
        &mut self,
        node: Node,
        anchor: usize,
        count: usize,
        height: usize,
    ) -> Result<(), YamlError> {
        if anchor > 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    count,
                    height,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.docs.push(node);
            self.doc_has_root = true;
            return Ok(());
        };
        parent.count += count;
        parent.height = parent.height.max(height);
        if let Value::Seq(items) = &mut parent.node.value {
            items.push(node);
            return Ok(());
        }
        let Some(key) = parent.pending_key.take() else {
            parent.pending_key = Some(node);
            return Ok(());
        };
        let key_text = key.scalar().map(|s| (s.text.clone(), s.quoted));
        if let Some((text, false)) = &key_text {
            if text == "<<" {
                parent.merges.push(node);
                return Ok(());
            }
        }
        let Value::Map(entries) = &mut parent.node.value else {
            return Ok(());
        };
        match key_text {
            Some((text, _)) => match parent.index.get(&text) {
                Some(&i) => {
                    self.duplicate_keys.push((key.span.start, text));
                    if let Some(slot) = entries.get_mut(i) {
                        *slot = (key, node);
                    }
                }
                None => {
                    parent.index.insert(text, entries.len());
                    entries.push((key, node));
                }
            },
            None => entries.push((key, node)),
        }
        Ok(())
    }
}

/// Applies `<<` values: entries of the merged mappings are added where the
/// mapping has no such key; with a sequence of mappings, earlier ones win.
fn apply_merges(frame: &mut Frame, merges: Vec<Node>) {
    let Value::Map(entries) = &mut frame.node.value else {
        return;
    };
    for merge in merges {
        let sources = match merge.value {
            Value::Map(_) => vec![merge],
            Value::Seq(items) => items,
            Value::Scalar(_) => vec![],
        };
        for source in sources {
            let Value::Map(source_entries) = source.value else {
                continue;
            };
            for (k, v) in source_entries {
                match k.scalar().map(|s| s.text.clone()) {
                    Some(text) => {
                        if let Entry::Vacant(slot) = frame.index.entry(text) {
                            slot.insert(entries.len());
                            entries.push((k, v));
                        }
                    }
                    None => entries.push((k, v)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut file = parse(text).expect("parses");
        assert_eq!(file.docs.len(), 1);
        file.docs.remove(0)
    }

    #[test]
    fn multi_document_with_spans() {
        let text = "a: 1\nb:\n  c: x\n  d: [1,\n    2]\n---\n- one\n- two\n---\n";
        let file = parse(text).unwrap();
        assert_eq!(file.docs.len(), 3);
        let first = &file.docs[0];
        assert_eq!(first.span, LineSpan::new(1, 5));
        assert_eq!(first.get("b").unwrap().span, LineSpan::new(3, 5));
        assert_eq!(
            first.get_path(&["b", "d"]).unwrap().span,
            LineSpan::new(4, 5)
        );
        assert_eq!(first.get_path(&["b", "c"]).unwrap().as_str(), Some("x"));
        assert_eq!(file.docs[1].span, LineSpan::new(7, 8));
        assert_eq!(file.docs[1].items()[1].as_str(), Some("two"));
        assert!(file.docs[2].is_null());
    }

    #[test]
    fn scalars_keep_text_and_kind() {
        let doc = one(
            "s: \"6379\"\ni: 6379\nf: 3.10\nb: true\nn: null\ne:\nt: ~\nq: 'yes'\nhex: 0x1F\nport: 127.0.0.1:6379:6379\n",
        );
        assert_eq!(doc.get("s").unwrap().as_str(), Some("6379"));
        assert_eq!(doc.get("i").unwrap().as_i64(), Some(6379));
        assert_eq!(doc.get("i").unwrap().as_str(), None);
        assert_eq!(doc.get("i").unwrap().text(), Some("6379"));
        let f = doc.get("f").unwrap().scalar().unwrap();
        assert_eq!((f.text.as_str(), f.kind), ("3.10", ScalarKind::Float));
        assert_eq!(doc.get("b").unwrap().as_bool(), Some(true));
        assert!(doc.get("n").unwrap().is_null());
        assert!(doc.get("e").unwrap().is_null());
        assert!(doc.get("t").unwrap().is_null());
        // YAML 1.2: `yes` is a string, quoted or not.
        assert_eq!(doc.get("q").unwrap().as_str(), Some("yes"));
        assert_eq!(doc.get("hex").unwrap().as_i64(), Some(31));
        assert_eq!(
            doc.get("port").unwrap().as_str(),
            Some("127.0.0.1:6379:6379")
        );
    }

    #[test]
    fn keys_keep_document_order() {
        let doc = one("z: 1\na: 2\nm: 3\n");
        let keys: Vec<&str> = doc.string_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn lines_count_characters_not_bytes() {
        // Multi-byte characters and CRLF line ends must not shift lines.
        let text = "name: \"héllo wörld ✓\"\r\nnext: ✓✓✓✓\r\nlast:\r\n  - ü\r\n";
        let doc = one(text);
        assert_eq!(doc.get("next").unwrap().span, LineSpan::line(2));
        assert_eq!(doc.get("last").unwrap().items()[0].span, LineSpan::line(4));
        assert_eq!(doc.span, LineSpan::new(1, 4));
    }

    #[test]
    fn block_scalar_span_ends_on_its_last_line() {
        let doc = one("run: |\n  echo a\n  echo b\nnext: 1\n");
        // The content starts on the line after the `|` indicator.
        assert_eq!(doc.get("run").unwrap().span, LineSpan::new(2, 3));
        assert_eq!(doc.get("next").unwrap().span, LineSpan::line(4));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "\
x-common: &common
  restart: always
  environment:
    A: 1
x-more: &more
  restart: never
  stop_grace_period: 30s
services:
  web:
    <<: [*common, *more]
    image: nginx
    restart: unless-stopped
  worker:
    <<: *common
    command: run
  img: *common
";
        let doc = one(text);
        let web = doc.get_path(&["services", "web"]).unwrap();
        // Explicit keys win over merged ones; earlier merges win over later.
        assert_eq!(web.get("restart").unwrap().as_str(), Some("unless-stopped"));
        assert_eq!(web.get("stop_grace_period").unwrap().as_str(), Some("30s"));
        assert!(web.get("<<").is_none());
        assert_eq!(
            web.get_path(&["environment", "A"]).unwrap().as_i64(),
            Some(1)
        );
        let worker = doc.get_path(&["services", "worker"]).unwrap();
        assert_eq!(worker.get("restart").unwrap().as_str(), Some("always"));
        // Merged entries keep the lines where they are written.
        assert_eq!(worker.get("restart").unwrap().span, LineSpan::line(2));
        let keys: Vec<&str> = worker.string_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["command", "restart", "environment"]);
        // An alias node points at the alias.
        assert_eq!(
            doc.get_path(&["services", "img"]).unwrap().span,
            LineSpan::line(16)
        );
        // A quoted "<<" is an ordinary key.
        let quoted = one("\"<<\": 1\n");
        assert_eq!(quoted.get("<<").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("alias"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // A modest fan-out stays within the budget.
        let ok = parse("a: &a [1, 2]\nb: [*a, *a, *a]\n").unwrap();
        assert_eq!(ok.docs[0].get("b").unwrap().items().len(), 3);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let started = std::time::Instant::now();
        let err = parse(&deep).unwrap_err();
        // Refused by our bound or by the parser's own recursion limit.
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let err = parse(&block).unwrap_err();
        assert!(err.message.contains("nesting"), "{err}");
        let block200: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(parse(&block200).is_ok());
        let flow300 = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(parse(&flow300).is_err());
        let flow200 = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&flow200).is_ok());
    }

    #[test]
    fn alias_cannot_smuggle_depth() {
        let inner = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let text = format!(
            "a: &a {inner}\nb: {}*a{}\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(parse(&text).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn duplicate_keys_last_wins_and_are_recorded() {
        let file = parse("a: 1\nb: 2\na: 3\n").unwrap();
        let doc = &file.docs[0];
        assert_eq!(doc.get("a").unwrap().as_i64(), Some(3));
        let keys: Vec<&str> = doc.string_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(file.duplicate_keys, vec![(3, "a".to_string())]);
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line.is_some());
        let d = err.to_diagnostic("x.yml");
        assert_eq!(d.kind, DiagnosticKind::ParseError);
        assert!(parse("a: *nope\n").is_err());
    }

    #[test]
    fn large_scalar_heavy_file_is_bounded() {
        // 5 MB in 100 long scalars. Time is linear in the text; 50 MB takes
        // ~16 s in a debug build (about 1 s in release), too slow for `cargo test`.
        let value = "x".repeat(50 * 1024);
        let text: String = (0..100).map(|i| format!("k{i}: {value}\n")).collect();
        let started = std::time::Instant::now();
        let file = parse(&text).unwrap();
        assert_eq!(file.docs[0].entries().count(), 100);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn many_small_scalars_are_bounded() {
        // 4 MB of short items (discovery caps files at 10 MB by default).
        let line = "- value-0123456789-abcdefghijklmnopqrstuvwxyz\n";
        let text = line.repeat(4 * 1024 * 1024 / line.len());
        let started = std::time::Instant::now();
        let file = parse(&text).unwrap();
        assert_eq!(file.docs[0].items().len(), text.len() / line.len());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Arbitrary YAML-ish text never panics the tree builder or the
        /// compose / Kubernetes readers, and spans stay ordered.
        #[test]
        fn never_panics(text in "[a-z:&*<\\-\\[\\]{}, \n\"'|>#!?0-9]{0,200}") {
            if let Ok(file) = super::parse(&text) {
                for doc in &file.docs {
                    prop_assert!(doc.span.start <= doc.span.end);
                    let _ = crate::compose::from_doc("compose.yml", doc);
                }
                let f = crate::SourceFile::new("k.yaml", crate::FileKind::Yaml, text.as_str());
                let _ = crate::yaml_families::load(std::slice::from_ref(&f));
            }
        }

        #[test]
        fn dockerfile_never_panics(text in "[A-Za-z :=$@{}\\[\\]\"\\\\\n/.-]{0,200}") {
            let f = crate::SourceFile::new("Dockerfile", crate::FileKind::Dockerfile, text.as_str());
            let (d, _) = crate::dockerfile::parse(&f);
            let _ = d.final_runs();
            if let Some(s) = d.final_stage() {
                let _ = d.effective_user(s);
            }
        }
    }
}
