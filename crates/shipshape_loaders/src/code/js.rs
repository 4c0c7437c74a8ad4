//! JavaScript / TypeScript front end.

use super::model::{Arg, Assign, Call, Function, Import, Lang, Module, Prop};
use super::parse::{
    self, compact, each_named_child, named_children, short, span, text, Field, Grammar,
};
use tree_sitter::Node;

pub fn extract(path: &str, lang: Lang, src: &str) -> Result<Module, String> {
    let grammar = if lang == Lang::JavaScript {
        Grammar::JavaScript
    } else if path.ends_with(".tsx") {
        Grammar::Tsx
    } else {
        Grammar::TypeScript
    };
    let tree = parse::parse(grammar, src)?;
    let mut ex = super::walker::Walker::new(path, lang, src);
    ex.m.has_errors = tree.root_node().has_error();
    walk(&mut ex, tree.root_node(), 0);
    Ok(ex.finish())
}

type Ex<'a> = super::walker::Walker<'a>;

fn walk(ex: &mut Ex, node: Node, depth: usize) {
    if depth > parse::MAX_DEPTH {
        return;
    }
    match node.kind() {
        "import_statement" => {
            import_statement(ex, node);
            return;
        }
        "export_statement" => {
            // `export { x } from './y'` re-exports are imports too.
            if let Some(source) = node.field("source") {
                let module = string_value(source, ex.src);
                ex.m.imports.push(Import {
                    module,
                    bindings: vec![],
                    line: span(node).start,
                });
            }
        }
        "call_expression" | "new_expression" => {
            call(ex, node, depth);
            return;
        }
        "function_declaration" | "generator_function_declaration" | "method_definition" => {
            if let Some(name) = node.field("name") {
                let name = text(name, ex.src).to_string();
                function(ex, node, name, depth);
                return;
            }
        }
        "variable_declarator" if variable_declarator(ex, node, depth) => return,
        "assignment_expression" => {
            // `module.exports.x = function () {}` / `x = () => {}`
            if let (Some(left), Some(right)) = (node.field("left"), node.field("right")) {
                if is_function(right) {
                    let name = super::model::last_segment(text(left, ex.src)).to_string();
                    function(ex, right, name, depth);
                    return;
                }
            }
        }
        "pair" => {
            // `{ handler: async () => {} }` and `{ shutdown() {} }` name functions.
            if let (Some(key), Some(value)) = (node.field("key"), node.field("value")) {
                if is_function(value) {
                    let name = unquote(text(key, ex.src));
                    function(ex, value, name, depth);
                    return;
                }
            }
        }
        "class_declaration" | "class" | "abstract_class_declaration" => {
            class(ex, node, depth);
            return;
        }
        "string" => {
            let v = string_value(node, ex.src);
            ex.string(v);
            return;
        }
        "template_string" => {
            let t = text(node, ex.src);
            ex.string(t.trim_matches('`').to_string());
        }
        _ => {}
    }
    each_named_child(node, |child| walk(ex, child, depth + 1));
}

/// NestJS controllers: `@Controller('health')` on the class and `@Get('ready')`
/// on methods become decorators whose first argument is the full route path.
fn class(ex: &mut Ex, node: Node, depth: usize) {
    let mut class_decorators = field_nodes(node, "decorator");
    if let Some(parent) = node.parent() {
        if parent.kind() == "export_statement" {
            class_decorators.extend(field_nodes(parent, "decorator"));
        }
    }
    let mut prefix = String::new();
    for d in &class_decorators {
        if let Some(c) = decorator_call(ex, *d, depth) {
            if c.method() == "Controller" {
                prefix = c
                    .first_string()
                    .map(str::to_string)
                    .or_else(|| c.option("path").map(|(v, _)| unquote(v)))
                    .unwrap_or_default();
            }
        }
    }
    for child in named_children(node) {
        if child.kind() != "class_body" {
            if child.kind() != "decorator" {
                walk(ex, child, depth + 1);
            }
            continue;
        }
        let mut pending = vec![];
        for member in named_children(child) {
            match member.kind() {
                "decorator" => {
                    if let Some(mut c) = decorator_call(ex, member, depth) {
                        if ROUTE_DECORATORS.contains(&c.method()) {
                            let sub = c.first_string().unwrap_or("").to_string();
                            let path = join_route(&prefix, &sub);
                            if c.args.is_empty() {
                                c.args.push(Arg::default());
                            }
                            c.args[0].string = Some(path);
                        }
                        pending.push(c);
                    }
                }
                "method_definition" => {
                    let name = member
                        .field("name")
                        .map(|n| text(n, ex.src).to_string())
                        .unwrap_or_default();
                    let params = params_of(member, ex.src);
                    ex.enter_function(Function {
                        name,
                        span: span(member),
                        params,
                        decorators: std::mem::take(&mut pending),
                        callees: vec![],
                    });
                    for c in named_children(member) {
                        walk(ex, c, depth + 2);
                    }
                    ex.leave_function();
                }
                _ => {
                    pending.clear();
                    walk(ex, member, depth + 2);
                }
            }
        }
    }
}

const ROUTE_DECORATORS: &[&str] = &[
    "Get", "Post", "Put", "Delete", "Patch", "All", "Head", "Options",
];

fn join_route(prefix: &str, sub: &str) -> String {
    let p = prefix.trim_matches('/');
    let s = sub.trim_matches('/');
    match (p.is_empty(), s.is_empty()) {
        (true, true) => "/".to_string(),
        (true, false) => format!("/{s}"),
        (false, true) => format!("/{p}"),
        (false, false) => format!("/{p}/{s}"),
    }
}

fn field_nodes<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}

/// The call of a `@Decorator(...)` (a bare `@Decorator` has no arguments).
fn decorator_call(ex: &mut Ex, d: Node, depth: usize) -> Option<Call> {
    let expr = d.named_child(0)?;
    if expr.kind() == "call_expression" {
        let before = ex.m.calls.len();
        call(ex, expr, depth + 1);
        if ex.m.calls.len() > before {
            return ex.m.calls.last().cloned();
        }
        return None;
    }
    Some(Call {
        callee: compact(text(expr, ex.src), 160),
        args: vec![],
        span: span(d),
        is_new: false,
        in_function: false,
    })
}

fn is_function(node: Node) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

fn function(ex: &mut Ex, node: Node, name: String, depth: usize) {
    let params = params_of(node, ex.src);
    let f = Function {
        name,
        span: span(node),
        params,
        decorators: vec![],
        callees: vec![],
    };
    ex.enter_function(f);
    each_named_child(node, |child| walk(ex, child, depth + 1));
    ex.leave_function();
}

fn params_of(node: Node, src: &str) -> Vec<String> {
    let mut out = vec![];
    if let Some(p) = node.field("parameter") {
        out.push(text(p, src).to_string());
    }
    if let Some(ps) = node.field("parameters") {
        collect_identifiers(ps, src, &mut out, 0);
    }
    out
}

fn collect_identifiers(node: Node, src: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 8 || out.len() > 32 {
        return;
    }
    match node.kind() {
        "identifier" | "shorthand_property_identifier_pattern" => {
            out.push(text(node, src).to_string());
        }
        // Type annotations name types, not parameters.
        "type_annotation" => {}
        _ => {
            for c in named_children(node) {
                collect_identifiers(c, src, out, depth + 1);
            }
        }
    }
}

fn variable_declarator(ex: &mut Ex, node: Node, depth: usize) -> bool {
    let (Some(name), Some(value)) = (node.field("name"), node.field("value")) else {
        return false;
    };
    let name_text = text(name, ex.src);
    if is_function(value) {
        function(ex, value, name_text.to_string(), depth);
        return true;
    }
    // `const x = require('m')` / `const { a, b: c } = require('m')`
    let mut inner = value;
    if inner.kind() == "await_expression" {
        if let Some(c) = inner.named_child(0) {
            inner = c;
        }
    }
    if inner.kind() == "call_expression" {
        let callee = inner
            .field("function")
            .map(|f| text(f, ex.src))
            .unwrap_or("");
        let first = inner.field("arguments").and_then(|a| a.named_child(0));
        let is_import = callee == "require"
            || inner
                .field("function")
                .is_some_and(|f| f.kind() == "import");
        if let (true, Some(first)) = (is_import, first) {
            if first.kind() == "string" {
                let module = string_value(first, ex.src);
                let mut bindings = vec![];
                if name.kind() == "identifier" {
                    bindings.push(("default".to_string(), name_text.to_string()));
                } else {
                    for c in named_children(name) {
                        match c.kind() {
                            "shorthand_property_identifier_pattern" => {
                                let n = text(c, ex.src).to_string();
                                bindings.push((n.clone(), n));
                            }
                            "pair_pattern" => {
                                if let (Some(k), Some(v)) = (c.field("key"), c.field("value")) {
                                    bindings.push((
                                        unquote(text(k, ex.src)),
                                        text(v, ex.src).to_string(),
                                    ));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                ex.m.imports.push(Import {
                    module,
                    bindings,
                    line: span(node).start,
                });
            }
        }
    }
    if ex.at_top_level() {
        ex.m.assigns.push(Assign {
            name: name_text.to_string(),
            value: short(text(value, ex.src), 200),
            span: span(node),
        });
    }
    false
}

fn import_statement(ex: &mut Ex, node: Node) {
    let Some(source) = node.field("source") else {
        return;
    };
    let module = string_value(source, ex.src);
    let mut bindings = vec![];
    for c in named_children(node) {
        if c.kind() != "import_clause" {
            continue;
        }
        for part in named_children(c) {
            match part.kind() {
                "identifier" => {
                    bindings.push(("default".to_string(), text(part, ex.src).to_string()));
                }
                "namespace_import" => {
                    if let Some(id) = named_children(part)
                        .into_iter()
                        .find(|n| n.kind() == "identifier")
                    {
                        bindings.push(("*".to_string(), text(id, ex.src).to_string()));
                    }
                }
                "named_imports" => {
                    for spec in named_children(part) {
                        if spec.kind() != "import_specifier" {
                            continue;
                        }
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let name = unquote(text(name, ex.src));
                        let alias = spec
                            .field("alias")
                            .map(|a| text(a, ex.src).to_string())
                            .unwrap_or_else(|| name.clone());
                        bindings.push((name, alias));
                    }
                }
                _ => {}
            }
        }
    }
    ex.m.imports.push(Import {
        module,
        bindings,
        line: span(node).start,
    });
}

fn call(ex: &mut Ex, node: Node, depth: usize) {
    let is_new = node.kind() == "new_expression";
    let func = node.field(if is_new { "constructor" } else { "function" });
    let args_node = node.field("arguments");
    let Some(func) = func else {
        for child in named_children(node) {
            walk(ex, child, depth + 1);
        }
        return;
    };
    let callee = if func.kind() == "import" {
        "import".to_string()
    } else {
        compact(text(func, ex.src), 160)
    };
    // Dynamic `import('./plugins/security')` is an import edge.
    if callee == "import" {
        if let Some(first) = args_node.and_then(|a| a.named_child(0)) {
            if first.kind() == "string" {
                let module = string_value(first, ex.src);
                ex.m.imports.push(Import {
                    module,
                    bindings: vec![],
                    line: span(node).start,
                });
            }
        }
    }
    ex.callee(&callee);
    // A chained call's receiver (`a().b()`) holds calls too.
    walk(ex, func, depth + 1);
    let mut args = vec![];
    if let Some(an) = args_node {
        let nodes = if an.kind() == "arguments" {
            named_children(an)
        } else {
            // Tagged template: sql`SELECT 1`
            vec![an]
        };
        for a in nodes {
            if a.kind() == "comment" {
                continue;
            }
            ex.push_collector();
            walk(ex, a, depth + 1);
            let callees = ex.pop_collector();
            args.push(arg(ex, a, callees));
        }
    }
    let c = Call {
        callee,
        args,
        span: span(node),
        is_new,
        in_function: !ex.at_top_level(),
    };
    ex.m.calls.push(c);
}

fn arg(ex: &Ex, a: Node, callees: Vec<String>) -> Arg {
    let src = ex.src;
    let mut out = Arg {
        text: short(text(a, src), 200),
        span: span(a),
        callees,
        ..Arg::default()
    };
    match a.kind() {
        "string" => out.string = Some(string_value(a, src)),
        "template_string" if !text(a, src).contains("${") => {
            out.string = Some(text(a, src).trim_matches('`').to_string())
        }
        "identifier" | "member_expression" => out.ident = Some(compact(text(a, src), 120)),
        "object" => {
            for p in named_children(a) {
                match p.kind() {
                    "pair" => {
                        if let (Some(k), Some(v)) = (p.field("key"), p.field("value")) {
                            out.props.push(Prop {
                                key: unquote(text(k, src)),
                                value: short(text(v, src), 200),
                                span: span(p),
                            });
                        }
                    }
                    "shorthand_property_identifier" => {
                        let n = text(p, src).to_string();
                        out.props.push(Prop {
                            key: n.clone(),
                            value: n,
                            span: span(p),
                        });
                    }
                    _ => {}
                }
            }
        }
        _ if is_function(a) => {
            out.is_function = true;
            out.params = params_of(a, src);
        }
        _ => {}
    }
    out
}

/// The value of a string literal node (fragments and escapes joined).
fn string_value(node: Node, src: &str) -> String {
    let t = text(node, src);
    unquote(t)
}

fn unquote(t: &str) -> String {
    let t = t.trim();
    for q in ['\'', '"', '`'] {
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
    fn extracts_imports_calls_routes_and_functions() {
        let src = r#"
import Fastify from 'fastify';
import cors, { a as b } from '@fastify/cors';
import * as ns from './ns.js';
const helmet = require('helmet');
const { Pool } = require('pg');

export function buildApp() {
  const app = Fastify({ logger: true });
  app.register(cors, { origin: true });
  app.register(import('./plugins/security'));
  app.get('/health', async (req, reply) => {
    await pool.query('SELECT 1');
    return { ok: true };
  });
  process.on('SIGTERM', () => { app.close().then(() => process.exit(0)); });
  return app;
}
const shutdown = async () => { await server.close(); };
"#;
        let m = extract("src/app.ts", Lang::TypeScript, src).unwrap();
        let mods: Vec<&str> = m.imports.iter().map(|i| i.module.as_str()).collect();
        assert_eq!(
            mods,
            [
                "fastify",
                "@fastify/cors",
                "./ns.js",
                "helmet",
                "pg",
                "./plugins/security"
            ]
        );
        assert_eq!(m.import_of("b").unwrap().1, "a");
        assert_eq!(m.import_of("Pool").unwrap().0.module, "pg");
        assert_eq!(m.callee_module("Fastify"), Some("fastify"));
        let reg = m.calls.iter().find(|c| c.callee == "app.register").unwrap();
        assert_eq!(reg.option("origin").unwrap().0, "true");
        let on = m.calls.iter().find(|c| c.callee == "process.on").unwrap();
        assert_eq!(on.first_string(), Some("SIGTERM"));
        assert!(on.inner_callees().any(|c| c == "app.close().then"));
        assert!(on.inner_callees().any(|c| c == "app.close"));
        let f = m.function("buildApp").unwrap();
        assert!(f.callees.iter().any(|c| c == "pool.query"));
        assert_eq!(f.span.start, 8);
        assert!(m
            .function("shutdown")
            .unwrap()
            .callees
            .contains(&"server.close".to_string()));
        let get = m.calls.iter().find(|c| c.callee == "app.get").unwrap();
        assert_eq!(get.span.start, 12);
        assert!(get.args[1].is_function);
        assert_eq!(get.args[1].params, ["req", "reply"]);
        assert!(m.strings.contains("SELECT 1"));
    }

    #[test]
    fn nest_controller_routes() {
        let src = "@Controller('health')\nexport class HealthController {\n  constructor(private db: DataSource) {}\n  @Get()\n  check() { return { ok: true }; }\n  @Get('ready')\n  async ready() { await this.db.query('SELECT 1'); }\n}\n";
        let m = extract("h.ts", Lang::TypeScript, src).unwrap();
        let paths: Vec<(&str, u32)> = m
            .routes
            .iter()
            .map(|r| (r.path.as_str(), r.span.start))
            .collect();
        assert_eq!(paths, [("/health", 4), ("/health/ready", 6)]);
        assert!(
            matches!(&m.routes[1].handler, super::super::model::Handler::Inline { callees, .. } if callees.iter().any(|c| c == "this.db.query"))
        );
    }

    #[test]
    fn new_expressions_and_tagged_templates() {
        let m = extract(
            "a.js",
            Lang::JavaScript,
            "const r = new Redis(url);\nasync function h(){ await sql`SELECT 1`; }\n",
        )
        .unwrap();
        assert!(m.calls.iter().any(|c| c.is_new && c.callee == "Redis"));
        assert!(m
            .function("h")
            .unwrap()
            .callees
            .contains(&"sql".to_string()));
    }
}
