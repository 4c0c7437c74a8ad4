//! Python front end.

use super::model::{Arg, Assign, Call, Function, Import, Lang, Module, Prop};
use super::parse::{
    self, compact, each_named_child, named_children, short, span, text, Field, Grammar,
};
use super::walker::Walker;
use tree_sitter::Node;

pub fn extract(path: &str, src: &str) -> Result<Module, String> {
    let tree = parse::parse(Grammar::Python, src)?;
    let mut ex = Walker::new(path, Lang::Python, src);
    ex.m.has_errors = tree.root_node().has_error();
    walk(&mut ex, tree.root_node(), 0);
    Ok(ex.finish())
}

fn walk(ex: &mut Walker, node: Node, depth: usize) {
    if depth > parse::MAX_DEPTH {
        return;
    }
    match node.kind() {
        "import_statement" => return import_statement(ex, node),
        "import_from_statement" => return import_from(ex, node),
        "call" => {
            let c = ex.call(node, depth, walk, arg);
            ex.m.calls.push(c);
            return;
        }
        "decorated_definition" => {
            let mut decorators = vec![];
            for d in named_children(node) {
                if d.kind() != "decorator" {
                    continue;
                }
                if let Some(expr) = d.named_child(0) {
                    if expr.kind() == "call" {
                        let c = ex.call(expr, depth, walk, arg);
                        decorators.push(c.clone());
                        ex.m.calls.push(c);
                    } else {
                        decorators.push(Call {
                            callee: compact(text(expr, ex.src), 160),
                            args: vec![],
                            span: span(expr),
                            is_new: false,
                            in_function: !ex.at_top_level(),
                        });
                    }
                }
            }
            if let Some(def) = node.field("definition") {
                if def.kind() == "function_definition" {
                    function(ex, def, decorators, depth);
                } else {
                    walk(ex, def, depth + 1);
                }
            }
            return;
        }
        "function_definition" => return function(ex, node, vec![], depth),
        "assignment" if ex.at_top_level() => {
            if let (Some(l), Some(r)) = (node.field("left"), node.field("right")) {
                ex.m.assigns.push(Assign {
                    name: compact(text(l, ex.src), 120),
                    value: short(text(r, ex.src), 400),
                    span: span(node),
                });
            }
        }
        "string" => {
            let v = string_value(node, ex.src);
            ex.string(v);
            return;
        }
        _ => {}
    }
    each_named_child(node, |c| walk(ex, c, depth + 1));
}

fn function(ex: &mut Walker, node: Node, decorators: Vec<Call>, depth: usize) {
    let name = node
        .field("name")
        .map(|n| text(n, ex.src).to_string())
        .unwrap_or_default();
    let mut params = vec![];
    if let Some(ps) = node.field("parameters") {
        params = param_names(ps, ex.src);
    }
    ex.enter_function(Function {
        name,
        span: span(node),
        params,
        decorators,
        callees: vec![],
    });
    if let Some(body) = node.field("body") {
        walk(ex, body, depth + 1);
    }
    ex.leave_function();
}

fn param_names(ps: Node, src: &str) -> Vec<String> {
    let mut out = vec![];
    for p in named_children(ps) {
        let n = match p.kind() {
            "identifier" => Some(p),
            _ => p.field("name").or_else(|| {
                named_children(p)
                    .into_iter()
                    .find(|c| c.kind() == "identifier")
            }),
        };
        if let Some(n) = n {
            out.push(text(n, src).to_string());
        }
    }
    out
}

fn import_statement(ex: &mut Walker, node: Node) {
    let mut cursor = node.walk();
    let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
    for n in names {
        let (module, local) = match n.kind() {
            "aliased_import" => {
                let module = n
                    .field("name")
                    .map(|x| text(x, ex.src).to_string())
                    .unwrap_or_default();
                let alias = n
                    .field("alias")
                    .map(|x| text(x, ex.src).to_string())
                    .unwrap_or_default();
                (module, alias)
            }
            _ => {
                let module = text(n, ex.src).to_string();
                let first = module.split('.').next().unwrap_or("").to_string();
                (module, first)
            }
        };
        ex.m.imports.push(Import {
            module,
            bindings: vec![("*".to_string(), local)],
            line: span(node).start,
        });
    }
}

fn import_from(ex: &mut Walker, node: Node) {
    let module = node
        .field("module_name")
        .map(|x| text(x, ex.src).to_string())
        .unwrap_or_default();
    let mut bindings = vec![];
    let mut cursor = node.walk();
    let names: Vec<Node> = node.children_by_field_name("name", &mut cursor).collect();
    for n in names {
        match n.kind() {
            "aliased_import" => {
                let name = n
                    .field("name")
                    .map(|x| text(x, ex.src).to_string())
                    .unwrap_or_default();
                let alias = n
                    .field("alias")
                    .map(|x| text(x, ex.src).to_string())
                    .unwrap_or_default();
                bindings.push((name, alias));
            }
            _ => {
                let name = text(n, ex.src).to_string();
                bindings.push((name.clone(), name));
            }
        }
    }
    ex.m.imports.push(Import {
        module,
        bindings,
        line: span(node).start,
    });
}

fn arg(src: &str, a: Node, callees: Vec<String>) -> Arg {
    let (keyword, value) = if a.kind() == "keyword_argument" {
        (
            a.field("name").map(|n| text(n, src).to_string()),
            a.field("value").unwrap_or(a),
        )
    } else {
        (None, a)
    };
    let mut out = Arg {
        text: short(text(value, src), 200),
        keyword,
        span: span(a),
        callees,
        ..Arg::default()
    };
    match value.kind() {
        "string" => out.string = Some(string_value(value, src)),
        "identifier" | "attribute" => out.ident = Some(compact(text(value, src), 120)),
        "dictionary" => {
            for p in named_children(value) {
                if p.kind() != "pair" {
                    continue;
                }
                if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                    let key = if k.kind() == "string" {
                        string_value(k, src)
                    } else {
                        text(k, src).to_string()
                    };
                    out.props.push(Prop {
                        key,
                        value: short(text(v, src), 200),
                        span: span(p),
                    });
                }
            }
        }
        "lambda" => {
            out.is_function = true;
            if let Some(ps) = value.field("parameters") {
                out.params = param_names(ps, src);
            }
        }
        _ => {}
    }
    out
}

fn string_value(node: Node, src: &str) -> String {
    let mut out = String::new();
    for c in named_children(node) {
        if c.kind() == "string_content" {
            out.push_str(text(c, src));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_flask_app() {
        let src = r#"import os, signal
import logging as lg
from flask import Flask, jsonify
from .db import ping as db_ping

app = Flask(__name__)

@app.route("/health")
def health():
    db_ping()
    return jsonify({"status": "ok"})

signal.signal(signal.SIGTERM, lambda s, f: shutdown())

if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
"#;
        let m = extract("app.py", src).unwrap();
        assert_eq!(m.callee_module("signal.signal"), Some("signal"));
        assert_eq!(m.callee_module("lg.info"), Some("logging"));
        assert_eq!(m.import_of("db_ping").unwrap().0.module, ".db");
        assert_eq!(m.callee_module("Flask"), Some("flask"));
        let run = m.calls.iter().find(|c| c.callee == "app.run").unwrap();
        assert_eq!(run.option("debug").unwrap().0, "True");
        assert_eq!(run.span.start, 16);
        let r = &m.routes[0];
        assert_eq!(
            (r.path.as_str(), r.span.start, r.span.end),
            ("/health", 8, 11)
        );
        let h = m.function("health").unwrap();
        assert_eq!(h.callees, ["db_ping", "jsonify"]);
        let sig = m
            .calls
            .iter()
            .find(|c| c.callee == "signal.signal")
            .unwrap();
        assert_eq!(sig.args[0].text, "signal.SIGTERM");
        assert!(sig.inner_callees().any(|c| c == "shutdown"));
        assert!(m.assigns.iter().any(|a| a.name == "app"));
    }
}
