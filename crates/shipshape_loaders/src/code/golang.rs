//! Go front end.

use super::model::{Arg, Function, Import, Lang, Module, Prop};
use super::parse::{self, compact, named_children, short, span, text, Field, Grammar};
use super::walker::Walker;
use tree_sitter::Node;

pub fn extract(path: &str, src: &str) -> Result<Module, String> {
    let tree = parse::parse(Grammar::Go, src)?;
    let mut ex = Walker::new(path, Lang::Go, src);
    ex.m.has_errors = tree.root_node().has_error();
    walk(&mut ex, tree.root_node(), 0);
    Ok(ex.finish())
}

fn walk(ex: &mut Walker, node: Node, depth: usize) {
    if depth > parse::MAX_DEPTH {
        return;
    }
    match node.kind() {
        "package_clause" => {
            if let Some(id) = node.named_child(0) {
                ex.m.package = Some(text(id, ex.src).to_string());
            }
            return;
        }
        "import_spec" => {
            let Some(path) = node.field("path") else {
                return;
            };
            let module = unquote(text(path, ex.src));
            let local = node
                .field("name")
                .map(|n| text(n, ex.src).to_string())
                .unwrap_or_else(|| default_name(&module));
            ex.m.imports.push(Import {
                module,
                bindings: vec![("*".to_string(), local)],
                line: span(node).start,
            });
            return;
        }
        "call_expression" => {
            let c = ex.call(node, depth, walk, arg);
            ex.m.calls.push(c);
            return;
        }
        "function_declaration" | "method_declaration" => {
            let name = node
                .field("name")
                .map(|n| text(n, ex.src).to_string())
                .unwrap_or_default();
            let params = node
                .field("parameters")
                .map(|p| param_names(p, ex.src))
                .unwrap_or_default();
            ex.enter_function(Function {
                name,
                span: span(node),
                params,
                decorators: vec![],
                callees: vec![],
            });
            if let Some(body) = node.field("body") {
                walk(ex, body, depth + 1);
            }
            ex.leave_function();
            return;
        }
        "interpreted_string_literal" | "raw_string_literal" => {
            let v = unquote(text(node, ex.src));
            ex.string(v);
            return;
        }
        _ => {}
    }
    for c in named_children(node) {
        walk(ex, c, depth + 1);
    }
}

/// The package name an import path binds by default (`github.com/go-chi/chi/v5` → `chi`).
fn default_name(module: &str) -> String {
    let mut parts = module.rsplit('/');
    let last = parts.next().unwrap_or(module);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    let name = if is_version {
        parts.next().unwrap_or(last)
    } else {
        last
    };
    name.trim_start_matches("go-").replace(['-', '.'], "_")
}

fn param_names(ps: Node, src: &str) -> Vec<String> {
    let mut out = vec![];
    for p in named_children(ps) {
        let mut cursor = p.walk();
        for n in p.children_by_field_name("name", &mut cursor) {
            out.push(text(n, src).to_string());
        }
    }
    out
}

fn arg(src: &str, a: Node, callees: Vec<String>) -> Arg {
    let mut out = Arg {
        text: short(text(a, src), 200),
        span: span(a),
        callees,
        ..Arg::default()
    };
    let mut lit = a;
    if lit.kind() == "unary_expression" {
        if let Some(op) = lit.field("operand") {
            lit = op;
        }
    }
    match lit.kind() {
        "interpreted_string_literal" | "raw_string_literal" => {
            out.string = Some(unquote(text(lit, src)))
        }
        "identifier" | "selector_expression" => out.ident = Some(compact(text(lit, src), 120)),
        "func_literal" => {
            out.is_function = true;
            out.params = lit
                .field("parameters")
                .map(|p| param_names(p, src))
                .unwrap_or_default();
        }
        "composite_literal" => {
            if let Some(body) = lit.field("body") {
                for e in named_children(body) {
                    if e.kind() != "keyed_element" {
                        continue;
                    }
                    let kids = named_children(e);
                    let key = e.field("key").or_else(|| kids.first().copied());
                    let value = e.field("value").or_else(|| kids.get(1).copied());
                    if let (Some(k), Some(v)) = (key, value) {
                        out.props.push(Prop {
                            key: text(k, src).trim().to_string(),
                            value: short(text(v, src), 200),
                            span: span(e),
                        });
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn unquote(t: &str) -> String {
    let t = t.trim();
    for q in ['"', '`'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_go_server() {
        let src = r#"package main

import (
	"net/http"
	"os/signal"
	chi "github.com/go-chi/chi/v5"
)

func health(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(200)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", health)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { db.PingContext(r.Context()) })
	srv := &http.Server{Addr: ":8080", Handler: mux}
	signal.Notify(ch, syscall.SIGTERM)
	srv.ListenAndServe()
}
"#;
        let m = extract("main.go", src).unwrap();
        assert_eq!(m.package.as_deref(), Some("main"));
        assert_eq!(m.callee_module("signal.Notify"), Some("os/signal"));
        assert_eq!(
            m.callee_module("chi.NewRouter"),
            Some("github.com/go-chi/chi/v5")
        );
        assert_eq!(m.routes.len(), 2);
        assert_eq!(m.routes[0].path, "/healthz");
        assert_eq!(m.routes[1].path, "/readyz");
        assert!(
            matches!(&m.routes[1].handler, super::super::model::Handler::Inline { callees, .. } if callees.iter().any(|c| c == "db.PingContext"))
        );
        assert_eq!(m.function("health").unwrap().params, ["w", "r"]);
        assert!(m.calls.iter().any(|c| c.callee == "srv.ListenAndServe"));
    }
}
