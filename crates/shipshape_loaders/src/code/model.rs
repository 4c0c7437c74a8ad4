//! What the code front ends extract from one source file: a flat, language
//! neutral summary (imports, calls, functions, routes) that rules query.

use shipshape_model::LineSpan;

/// The language of a code module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    JavaScript,
    TypeScript,
    Python,
    Go,
}

impl Lang {
    pub fn name(self) -> &'static str {
        match self {
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Python => "python",
            Lang::Go => "go",
        }
    }

    /// JavaScript and TypeScript share one ecosystem (npm, Node).
    pub fn is_node(self) -> bool {
        matches!(self, Lang::JavaScript | Lang::TypeScript)
    }
}

/// One import: `import x, {a as b} from 'm'`, `const x = require('m')`,
/// `import('m')`, `from m import a as b`, `import "net/http"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module as written (`fastify`, `./routes/health.js`, `.db`, `net/http`).
    pub module: String,
    /// (imported name, local name). `default` and `*` stand for default and
    /// namespace imports (Python `import a.b` and Go imports are `*`).
    pub bindings: Vec<(String, String)>,
    pub line: u32,
}

/// A `key: value` / `key=value` pair inside an argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub key: String,
    /// Source text of the value (bounded).
    pub value: String,
    pub span: LineSpan,
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// Source text (bounded).
    pub text: String,
    /// The value when the argument is a plain string literal.
    pub string: Option<String>,
    /// The name when the argument is an identifier or a member path (`a.b`).
    pub ident: Option<String>,
    /// Python keyword argument name (`debug=True` → `debug`).
    pub keyword: Option<String>,
    /// Top-level pairs of an object / dict / composite literal argument.
    pub props: Vec<Prop>,
    /// Callees of every call nested inside the argument (callbacks).
    pub callees: Vec<String>,
    /// Identifiers referenced inside the argument when it is a function.
    pub params: Vec<String>,
    /// Whether the argument is a function literal (arrow, lambda, func).
    pub is_function: bool,
    pub span: LineSpan,
}

impl Default for Arg {
    fn default() -> Self {
        Arg {
            text: String::new(),
            string: None,
            ident: None,
            keyword: None,
            props: vec![],
            callees: vec![],
            params: vec![],
            is_function: false,
            span: LineSpan::line(1),
        }
    }
}

/// A call or a construction (`new X()` has `is_new`).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The callee as text with whitespace removed: `app.register`,
    /// `process.on`, `signal.Notify`, `new Date().toISOString`.
    pub callee: String,
    pub args: Vec<Arg>,
    pub span: LineSpan,
    pub is_new: bool,
    /// Whether the call sits in a function body (false at module level).
    pub in_function: bool,
}

impl Call {
    /// The last segment of the callee (`register` for `app.register`).
    pub fn method(&self) -> &str {
        last_segment(&self.callee)
    }

    /// The leading identifier of the callee (`app` for `app.register`,
    /// `Date` for `new Date().toISOString`).
    pub fn root(&self) -> &str {
        root_ident(&self.callee)
    }

    /// The value of the first string literal argument.
    pub fn first_string(&self) -> Option<&str> {
        self.args.first().and_then(|a| a.string.as_deref())
    }

    /// Every callee nested in the arguments.
    pub fn inner_callees(&self) -> impl Iterator<Item = &str> {
        self.args
            .iter()
            .flat_map(|a| a.callees.iter().map(String::as_str))
    }

    /// A keyword argument or a top-level property of an object argument.
    pub fn option(&self, key: &str) -> Option<(&str, LineSpan)> {
        for a in &self.args {
            if a.keyword.as_deref() == Some(key) {
                return Some((a.text.as_str(), a.span));
            }
            if let Some(p) = a.props.iter().find(|p| p.key == key) {
                return Some((p.value.as_str(), p.span));
            }
        }
        None
    }
}

/// The last `.`-separated segment of a callee path.
pub fn last_segment(callee: &str) -> &str {
    let trimmed = callee.trim_end_matches(['(', ')']);
    trimmed.rsplit(['.', '>']).next().unwrap_or(trimmed)
}

/// The leading identifier of an expression path, past `new`/`await`.
pub fn root_ident(callee: &str) -> &str {
    let mut s = callee.trim_start();
    for prefix in ["new", "await"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if rest.starts_with(|c: char| c.is_whitespace() || c == '(') || rest.is_empty() {
                s = rest.trim_start();
            }
        }
    }
    let s = s.trim_start_matches(['(', '&', '*']);
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(s.len());
    &s[..end]
}

/// A named function or method, with its decorators (Python) and the
/// callees of every call in its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub span: LineSpan,
    pub params: Vec<String>,
    pub decorators: Vec<Call>,
    pub callees: Vec<String>,
}

/// What handles a route.
#[derive(Debug, Clone, PartialEq)]
pub enum Handler {
    /// A function literal: the callees in its body and its parameters.
    Inline {
        callees: Vec<String>,
        params: Vec<String>,
    },
    /// A function referenced by name (`health`, `handlers.health`).
    Named(String),
    /// Not known (no handler argument, or an expression).
    Unknown,
}

/// A route registration: `app.get('/health', h)`, `@app.route("/health")`,
/// `http.HandleFunc("/healthz", h)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub registrar: String,
    pub handler: Handler,
    pub span: LineSpan,
}

/// A module-level assignment `NAME = value` (Python settings, JS consts).
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: String,
    pub value: String,
    pub span: LineSpan,
}

/// Everything extracted from one code file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub path: String,
    pub lang: Lang,
    pub imports: Vec<Import>,
    pub calls: Vec<Call>,
    pub functions: Vec<Function>,
    pub routes: Vec<Route>,
    pub assigns: Vec<Assign>,
    /// Short string literals of the file (deduplicated, bounded).
    pub strings: std::collections::BTreeSet<String>,
    /// Go package name.
    pub package: Option<String>,
    /// Whether the parse hit syntax errors (the extraction is partial).
    pub has_errors: bool,
}

impl Module {
    /// Drops the spare capacity the extraction's pushes left: the models of
    /// every code file stay in memory for the whole review.
    pub fn shrink_to_fit(&mut self) {
        self.imports.shrink_to_fit();
        self.calls.shrink_to_fit();
        for c in &mut self.calls {
            c.args.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        for f in &mut self.functions {
            f.callees.shrink_to_fit();
        }
        self.routes.shrink_to_fit();
        self.assigns.shrink_to_fit();
    }

    pub fn new(path: &str, lang: Lang) -> Self {
        Module {
            path: path.to_string(),
            lang,
            imports: vec![],
            calls: vec![],
            functions: vec![],
            routes: vec![],
            assigns: vec![],
            strings: Default::default(),
            package: None,
            has_errors: false,
        }
    }

    /// The module a local name was imported from, with the imported name
    /// appended for named imports (`from psycopg2 import pool` → `psycopg2.pool`
    /// for `pool`; `import Fastify from 'fastify'` → `fastify`).
    pub fn import_of(&self, local: &str) -> Option<(&Import, &str)> {
        for imp in &self.imports {
            for (name, alias) in &imp.bindings {
                if alias == local {
                    return Some((imp, name.as_str()));
                }
            }
        }
        None
    }

    /// The module the root of a callee comes from (`fastify` for `Fastify(`).
    pub fn callee_module(&self, callee: &str) -> Option<&str> {
        self.import_of(root_ident(callee))
            .map(|(imp, _)| imp.module.as_str())
    }

    /// Whether a module (or a submodule / scoped path of it) is imported.
    pub fn imports_module(&self, pred: impl Fn(&str) -> bool) -> Option<&Import> {
        self.imports.iter().find(|i| pred(&i.module))
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }
}
