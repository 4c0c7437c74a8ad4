//! The evaluator: module instances, variables (defaults, tfvars, var files,
//! caller inputs), locals, outputs, count/for_each, conditionals, templates,
//! for-expressions, dynamic blocks and the common functions.
//!
//! Evaluation is lazy and memoised per module instance, so locals and
//! outputs are evaluated once whatever the order of declaration, and a
//! reference cycle yields an unknown instead of a hang. Every evaluation
//! records the resources it touched (through locals, variables and module
//! outputs too): that is the reference graph rules query.

use super::expr::{BinaryOperator, Element, Expr, ObjectKey, Operator, Template, UnaryOperator};
use super::functions;
use super::syntax::{Attr, Block, TfFile};
use super::value::{format_number, merge_unknown, Value};
use super::{Cardinality, FileRead, Mode, ModuleDir, Resource, Terraform, TfOptions};
use crate::source::{FileKind, SourceFile};
use shipshape_model::{Diagnostic, DiagnosticKind, LineIndex};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// Marks a value that is an evaluation error (for `try` / `can`).
pub const ERROR_REF: &str = "!error";
/// Bounds that keep a hostile configuration from exhausting time or memory.
const MAX_DEPTH: usize = 200;
const MAX_INSTANCES: usize = 64;
const MAX_MODULE_DEPTH: usize = 12;
const MAX_COLLECTION: usize = 100_000;

/// A memoised value and the resources its evaluation touched.
type Memo = (Value, BTreeSet<String>);

/// The blocks of one module directory, indexed.
#[derive(Default)]
struct ModuleSrc {
    dir: String,
    files: Vec<Arc<str>>,
    locals: HashMap<String, Attr>,
    variables: BTreeMap<String, Arc<Block>>,
    outputs: BTreeMap<String, Arc<Block>>,
    resources: Vec<Arc<Block>>,
    calls: Vec<Arc<Block>>,
    terraform: Vec<Arc<Block>>,
    providers: Vec<Arc<Block>>,
}

/// One instance of a module: a root, or a module call (with its key when
/// the call has count/for_each).
struct Inst {
    /// `""` for a root, `module.app`, `module.app["x"].module.db` ...
    path: String,
    dir: String,
    root_dir: String,
    parent: Option<usize>,
    call: Option<Arc<Block>>,
    /// count.index / each.key / each.value for the call's arguments.
    call_scope: HashMap<String, Value>,
    /// Values set for a root's variables by tfvars and var files.
    root_vars: HashMap<String, Value>,
    /// Module call name → instances (with their keys).
    children: HashMap<String, Vec<(Option<Value>, usize)>>,
    /// Calls whose source could not be followed.
    opaque_calls: HashSet<String>,
}

/// Evaluates the module tree of one root. Roots are independent, so each
/// gets its own evaluator (and thread); the parsed modules are shared.
struct Evaluator<'a> {
    root: &'a Path,
    modules: &'a HashMap<String, ModuleSrc>,
    /// Modules `terraform init` downloaded, loaded when a call needs them.
    downloaded: HashMap<String, ModuleSrc>,
    insts: Vec<Inst>,
    files: &'a HashMap<&'a str, &'a SourceFile>,
    memo: RefCell<HashMap<(usize, String), Memo>>,
    active: RefCell<HashSet<(usize, String)>>,
    /// One set per evaluation in progress: the resources it touched.
    deps: RefCell<Vec<BTreeSet<String>>>,
    depth: RefCell<usize>,
    /// The resource attribute being evaluated, for file reads.
    current: RefCell<Option<(String, String, String)>>,
    file_reads: RefCell<Vec<FileRead>>,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

/// Local names in scope: count, each, for-expression and template variables.
#[derive(Clone, Default)]
struct Scope {
    inst: usize,
    vars: HashMap<String, Value>,
}

impl Scope {
    fn with(&self, name: &str, v: Value) -> Scope {
        let mut s = self.clone();
        s.vars.insert(name.to_string(), v);
        s
    }
}

pub fn evaluate(
    root: &Path,
    parsed: Vec<TfFile>,
    files: &[SourceFile],
    options: &TfOptions,
) -> Terraform {
    let mut modules: HashMap<String, ModuleSrc> = HashMap::new();
    for f in parsed {
        index_file(modules.entry(f.dir.clone()).or_default(), f);
    }
    for (dir, m) in modules.iter_mut() {
        m.dir = dir.clone();
    }
    let roots = root_dirs(&modules);
    let files_by_path: HashMap<&str, &SourceFile> =
        files.iter().map(|f| (f.path.as_str(), f)).collect();
    // Variable files grouped by directory once, not scanned per root.
    let mut tfvars: HashMap<&str, Vec<&SourceFile>> = HashMap::new();
    for f in files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Tfvars | FileKind::TfvarsJson))
    {
        tfvars.entry(f.dir()).or_default().push(f);
    }
    let per_root: Vec<RootOutput> = {
        use rayon::prelude::*;
        roots
            .par_iter()
            .map(|dir| {
                let mut ev = Evaluator::new(root, &modules, &files_by_path);
                let vars = ev.root_vars(dir, &tfvars, options);
                ev.insts.push(Inst {
                    path: String::new(),
                    dir: dir.clone(),
                    root_dir: dir.clone(),
                    parent: None,
                    call: None,
                    call_scope: HashMap::new(),
                    root_vars: vars,
                    children: HashMap::new(),
                    opaque_calls: HashSet::new(),
                });
                ev.expand(0, 0);
                RootOutput {
                    resources: ev.resources(),
                    file_reads: ev.file_reads.take(),
                    diagnostics: ev.diagnostics.take(),
                    downloaded: ev.downloaded,
                }
            })
            .collect()
    };
    let mut out = Terraform::default();
    let mut downloaded: HashMap<String, ModuleSrc> = HashMap::new();
    for r in per_root {
        out.resources.extend(r.resources);
        out.file_reads.extend(r.file_reads);
        out.diagnostics.extend(r.diagnostics);
        // Two roots may load the same downloaded module: one copy is kept.
        for (dir, m) in r.downloaded {
            downloaded.entry(dir).or_insert(m);
        }
    }
    out.index_references();
    let roots: HashSet<&String> = roots.iter().collect();
    for (dir, m) in modules.iter().chain(&downloaded) {
        out.modules.insert(
            dir.clone(),
            ModuleDir {
                dir: dir.clone(),
                files: m.files.clone(),
                terraform_blocks: m.terraform.clone(),
                variables: m.variables.values().cloned().collect(),
                outputs: m.outputs.values().cloned().collect(),
                module_calls: m.calls.clone(),
                providers: m.providers.clone(),
                is_root: roots.contains(dir),
            },
        );
    }
    out.file_reads
        .sort_by(|a, b| (&a.path, &a.resource).cmp(&(&b.path, &b.resource)));
    out.file_reads.dedup();
    out
}

/// What evaluating one root yields.
struct RootOutput {
    resources: Vec<Resource>,
    file_reads: Vec<FileRead>,
    diagnostics: Vec<Diagnostic>,
    downloaded: HashMap<String, ModuleSrc>,
}

/// Directories with `.tf` files that no local module call points at.
fn root_dirs(modules: &HashMap<String, ModuleSrc>) -> Vec<String> {
    let mut called = HashSet::new();
    for m in modules.values() {
        for call in &m.calls {
            if let Some(src) = call.attr("source").and_then(|a| a.expr.as_str()) {
                if is_local_source(src) {
                    if let Some(d) = join_rel(&m.dir, src) {
                        if d != m.dir {
                            called.insert(d);
                        }
                    }
                }
            }
        }
    }
    let mut roots: Vec<String> = modules
        .keys()
        .filter(|d| !called.contains(*d))
        .cloned()
        .collect();
    roots.sort();
    roots
}

fn index_file(m: &mut ModuleSrc, f: TfFile) {
    m.files.push(f.path.clone());
    for b in f.blocks {
        if b.kind == "locals" {
            // Each local is evaluated on its own: keep the attributes (moved,
            // not cloned), not the block.
            for a in b.attrs {
                m.locals.insert(a.name.clone(), a);
            }
            continue;
        }
        let b = Arc::new(b);
        match b.kind.as_str() {
            "resource" | "data" => m.resources.push(b),
            "variable" => {
                m.variables.insert(b.label(0).to_string(), b);
            }
            "output" => {
                m.outputs.insert(b.label(0).to_string(), b);
            }
            "module" => m.calls.push(b),
            "terraform" => m.terraform.push(b),
            "provider" => m.providers.push(b),
            _ => {}
        }
    }
}

/// `a/b` joined with `../c` → `a/c`; `None` when it leaves the root.
pub fn join_rel(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir.is_empty() {
        vec![]
    } else {
        dir.split('/').collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// A module source in the repository (`./x`, `../x`), not a registry or remote one.
pub fn is_local_source(src: &str) -> bool {
    src.starts_with("./") || src.starts_with("../")
}

fn key_string(v: &Value) -> String {
    match v {
        Value::String(s) => format!("[\"{s}\"]"),
        Value::Number(n) => format!("[{}]", format_number(*n)),
        _ => "[?]".to_string(),
    }
}

impl<'a> Evaluator<'a> {
    fn new(
        root: &'a Path,
        modules: &'a HashMap<String, ModuleSrc>,
        files: &'a HashMap<&'a str, &'a SourceFile>,
    ) -> Self {
        Evaluator {
            root,
            modules,
            downloaded: HashMap::new(),
            insts: Vec::new(),
            files,
            memo: RefCell::new(HashMap::new()),
            active: RefCell::new(HashSet::new()),
            deps: RefCell::new(vec![BTreeSet::new()]),
            depth: RefCell::new(0),
            current: RefCell::new(None),
            file_reads: RefCell::new(Vec::new()),
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    /// The parsed module at `dir`: the repository's or a downloaded one.
    fn module(&self, dir: &str) -> Option<&ModuleSrc> {
        self.modules.get(dir).or_else(|| self.downloaded.get(dir))
    }

    /// Values from `terraform.tfvars`, `*.auto.tfvars(.json)` beside the
    /// root and then `--var-file`s, later ones winning, as Terraform does.
    fn root_vars(
        &self,
        dir: &str,
        tfvars: &HashMap<&str, Vec<&SourceFile>>,
        options: &TfOptions,
    ) -> HashMap<String, Value> {
        let mut vars = HashMap::new();
        let mut auto: Vec<&SourceFile> = tfvars
            .get(dir)
            .into_iter()
            .flatten()
            .copied()
            .filter(|f| {
                let n = f.name();
                n == "terraform.tfvars"
                    || n == "terraform.tfvars.json"
                    || n.ends_with(".auto.tfvars")
                    || n.ends_with(".auto.tfvars.json")
            })
            .collect();
        // terraform.tfvars first, then auto files in lexical order.
        auto.sort_by_key(|f| {
            (
                !f.name().starts_with("terraform.tfvars"),
                f.name().to_string(),
            )
        });
        for f in auto {
            self.read_tfvars(&f.path, &f.text, &mut vars);
        }
        for (path, text) in &options.var_files {
            self.read_tfvars(path, text, &mut vars);
        }
        vars
    }

    fn read_tfvars(&self, path: &str, text: &str, vars: &mut HashMap<String, Value>) {
        if path.ends_with(".json") {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(o)) => {
                    for (k, v) in o {
                        vars.insert(k, Value::from_json(&v));
                    }
                }
                Ok(_) => self.diag(
                    DiagnosticKind::ParseError,
                    path,
                    None,
                    "not a JSON object of variable values",
                ),
                // serde_json refuses nesting beyond 128 levels: say so,
                // with the line, instead of blaming the file's shape.
                Err(e) => self.diag(
                    DiagnosticKind::ParseError,
                    path,
                    u32::try_from(e.line()).ok().filter(|l| *l > 0),
                    &format!("invalid JSON: {e}"),
                ),
            }
            return;
        }
        match super::syntax::parse_body_guarded(text) {
            Ok(body) => {
                for s in body.iter() {
                    if let Some(a) = s.as_attribute() {
                        // Terraform only accepts constants in tfvars; a
                        // reference has no instance to resolve against
                        // (and used to index an empty instance list).
                        let value = Expr::from_hcl(&a.value, &LineIndex::new(text));
                        let v = if value.is_constant() {
                            self.eval(&value, &Scope::default())
                        } else {
                            self.diag(
                                DiagnosticKind::ParseError,
                                path,
                                None,
                                &format!(
                                    "`{}`: variables and functions are not allowed in tfvars",
                                    a.key.as_str()
                                ),
                            );
                            Value::unknown(format!("var.{}", a.key.as_str()))
                        };
                        vars.insert(a.key.as_str().to_string(), v);
                    }
                }
            }
            Err((line, msg)) => self.diag(DiagnosticKind::ParseError, path, line, &msg),
        }
    }

    fn diag(&self, kind: DiagnosticKind, file: &str, line: Option<u32>, msg: &str) {
        self.diagnostics.borrow_mut().push(Diagnostic::new(
            kind,
            Some(file.to_string()),
            line,
            msg,
        ));
    }

    /// Creates the child instances of a module instance, recursively.
    fn expand(&mut self, id: usize, depth: usize) {
        if depth >= MAX_MODULE_DEPTH {
            return;
        }
        let dir = self.insts[id].dir.clone();
        let calls = match self.module(&dir) {
            Some(m) => m.calls.clone(),
            None => return,
        };
        for call in calls {
            let name = call.label(0).to_string();
            let Some(child_dir) = self.resolve_source(id, &call) else {
                self.insts[id].opaque_calls.insert(name);
                continue;
            };
            let scope = Scope {
                inst: id,
                vars: HashMap::new(),
            };
            let keys = self.instance_keys(&call, &scope);
            let keys: Vec<(Option<Value>, HashMap<String, Value>)> = match keys {
                Some(k) => k,
                None => vec![(None, unknown_iteration())],
            };
            for (key, call_scope) in keys {
                let suffix = key.as_ref().map(key_string).unwrap_or_default();
                let parent_path = &self.insts[id].path;
                let path = if parent_path.is_empty() {
                    format!("module.{name}{suffix}")
                } else {
                    format!("{parent_path}.module.{name}{suffix}")
                };
                let child = self.insts.len();
                let root_dir = self.insts[id].root_dir.clone();
                self.insts.push(Inst {
                    path,
                    dir: child_dir.clone(),
                    root_dir,
                    parent: Some(id),
                    call: Some(call.clone()),
                    call_scope,
                    root_vars: HashMap::new(),
                    children: HashMap::new(),
                    opaque_calls: HashSet::new(),
                });
                self.insts[id]
                    .children
                    .entry(name.clone())
                    .or_default()
                    .push((key, child));
                self.expand(child, depth + 1);
            }
        }
    }

    /// The directory a module call's source points at, loading modules that
    /// `terraform init` downloaded when needed.
    fn resolve_source(&mut self, id: usize, call: &Block) -> Option<String> {
        let dir = self.insts[id].dir.clone();
        let src = call
            .attr("source")
            .and_then(|a| a.expr.as_str())
            .unwrap_or("");
        if is_local_source(src) {
            let d = join_rel(&dir, src)?;
            if self.module(&d).is_some() {
                return Some(d);
            }
            self.diag(
                DiagnosticKind::Unevaluated,
                &call.file,
                Some(call.span.start),
                &format!(
                    "module `{}`: source `{src}` has no .tf files in the repository",
                    call.label(0)
                ),
            );
            return None;
        }
        if let Some(d) = self.follow_modules_json(id, call) {
            return Some(d);
        }
        self.diag(
            DiagnosticKind::Unevaluated,
            &call.file,
            Some(call.span.start),
            &format!(
                "module `{}` (source `{src}`) is not local and `.terraform/modules/modules.json` does not list it: its resources are not reviewed (run `terraform init` or vendor the module)",
                call.label(0)
            ),
        );
        None
    }

    /// Follows `.terraform/modules/modules.json` under the root module.
    fn follow_modules_json(&mut self, id: usize, call: &Block) -> Option<String> {
        let root_dir = self.insts[id].root_dir.clone();
        let manifest_rel = join_rel(&root_dir, ".terraform/modules/modules.json")?;
        let text = crate::read_inside(self.root, &manifest_rel, 4 << 20)?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        // Keys are the call path without the `module.` prefixes: `app.db`.
        let mut key_parts: Vec<String> = Vec::new();
        let mut cur = Some(id);
        while let Some(i) = cur {
            if let Some(c) = &self.insts[i].call {
                key_parts.push(c.label(0).to_string());
            }
            cur = self.insts[i].parent;
        }
        key_parts.reverse();
        key_parts.push(call.label(0).to_string());
        let key = key_parts.join(".");
        let entry = json
            .get("Modules")?
            .as_array()?
            .iter()
            .find(|m| m.get("Key").and_then(|k| k.as_str()) == Some(key.as_str()))?;
        let rel = entry.get("Dir")?.as_str()?;
        let dir = join_rel(&root_dir, rel)?;
        if self.module(&dir).is_none() {
            let mut m = ModuleSrc {
                dir: dir.clone(),
                ..Default::default()
            };
            for name in crate::list_dir_inside(self.root, &dir) {
                if !name.ends_with(".tf") {
                    continue;
                }
                let path = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                let Some(text) = crate::read_inside(self.root, &path, 10 << 20) else {
                    continue;
                };
                let sf = SourceFile::new(path.clone(), FileKind::Terraform, text);
                match super::syntax::parse_file(&sf) {
                    Ok(f) => index_file(&mut m, f),
                    Err(d) => self.diagnostics.borrow_mut().push(d),
                }
            }
            self.downloaded.insert(dir.clone(), m);
        }
        Some(dir)
    }

    /// The instance keys of a block with count / for_each: `None` when the
    /// count is unknown; an empty list when it is zero.
    #[allow(clippy::type_complexity)]
    fn instance_keys(
        &self,
        block: &Block,
        scope: &Scope,
    ) -> Option<Vec<(Option<Value>, HashMap<String, Value>)>> {
        if let Some(c) = block.attr("count") {
            let n = self.eval(&c.expr, scope).as_f64()?;
            let n = (n.max(0.0) as usize).min(MAX_INSTANCES);
            return Some(
                (0..n)
                    .map(|i| {
                        let v = Value::Number(i as f64);
                        let mut s = HashMap::new();
                        s.insert("count".to_string(), obj([("index", v.clone())]));
                        (Some(v), s)
                    })
                    .collect(),
            );
        }
        if let Some(fe) = block.attr("for_each") {
            let v = self.eval(&fe.expr, scope);
            let pairs: Vec<(Value, Value)> = match v {
                Value::Object(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
                Value::List(items) if items.iter().all(Value::is_known) => items
                    .into_iter()
                    .map(|i| (Value::String(i.to_display_string().unwrap_or_default()), i))
                    .collect(),
                _ => return None,
            };
            return Some(
                pairs
                    .into_iter()
                    .take(MAX_INSTANCES)
                    .map(|(k, v)| {
                        let mut s = HashMap::new();
                        s.insert("each".to_string(), obj([("key", k.clone()), ("value", v)]));
                        (Some(k), s)
                    })
                    .collect(),
            );
        }
        Some(vec![(None, HashMap::new())])
    }

    /// Evaluates every resource and data block of every instance.
    fn resources(&self) -> Vec<Resource> {
        let mut out = Vec::new();
        for id in 0..self.insts.len() {
            let inst = &self.insts[id];
            let Some(m) = self.module(&inst.dir) else {
                continue;
            };
            for block in &m.resources {
                let mode = if block.kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                let rtype = block.label(0).to_string();
                let name = block.label(1).to_string();
                let local = match mode {
                    Mode::Data => format!("data.{rtype}.{name}"),
                    Mode::Managed => format!("{rtype}.{name}"),
                };
                let address = if inst.path.is_empty() {
                    local
                } else {
                    format!("{}.{local}", inst.path)
                };
                let scope = Scope {
                    inst: id,
                    vars: HashMap::new(),
                };
                let has_iteration =
                    block.attr("count").is_some() || block.attr("for_each").is_some();
                let (cardinality, keys) = match self.instance_keys(block, &scope) {
                    Some(keys) if !has_iteration => (Cardinality::Single, keys),
                    Some(keys) => (Cardinality::Known(keys.len()), keys),
                    None => (Cardinality::Unknown, vec![(None, unknown_iteration())]),
                };
                let instances = keys
                    .into_iter()
                    .map(|(_, vars)| {
                        *self.current.borrow_mut() =
                            Some((address.clone(), String::new(), inst.root_dir.clone()));
                        let v = self.eval_body(block, &Scope { inst: id, vars });
                        *self.current.borrow_mut() = None;
                        v
                    })
                    .collect();
                out.push(Resource::new(
                    mode,
                    rtype,
                    name,
                    inst.path.clone(),
                    address,
                    inst.root_dir.clone(),
                    inst.dir.clone(),
                    block.clone(),
                    cardinality,
                    instances,
                ));
            }
        }
        out
    }

    /// A block body as an object: attributes, nested blocks as lists of
    /// objects, dynamic blocks expanded. Each top-level attribute also gets
    /// a `__deps.<name>` entry listing the resources it references.
    fn eval_body(&self, block: &Block, scope: &Scope) -> Value {
        let mut m = BTreeMap::new();
        let mut deps_by_attr: BTreeMap<String, Value> = BTreeMap::new();
        for a in &block.attrs {
            if matches!(
                a.name.as_str(),
                "count" | "for_each" | "depends_on" | "provider"
            ) {
                continue;
            }
            if let Some(cur) = self.current.borrow_mut().as_mut() {
                cur.1 = a.name.clone();
            }
            let (v, deps) = self.with_deps(|| self.eval(&a.expr, scope));
            if !deps.is_empty() {
                deps_by_attr.insert(
                    a.name.clone(),
                    Value::List(deps.into_iter().map(Value::String).collect()),
                );
            }
            m.insert(a.name.clone(), v);
        }
        for b in &block.blocks {
            if b.kind == "dynamic" {
                let name = b.label(0).to_string();
                let iter_name = b
                    .attr("iterator")
                    .and_then(|a| a.expr.as_variable().map(str::to_string))
                    .unwrap_or_else(|| name.clone());
                let Some(content) = b.blocks_of("content").next() else {
                    continue;
                };
                let coll = b
                    .attr("for_each")
                    .map(|a| self.eval(&a.expr, scope))
                    .unwrap_or(Value::Null);
                let items = iteration(coll).unwrap_or_else(|other| vec![(other.clone(), other)]);
                let entry = m.entry(name).or_insert_with(|| Value::List(vec![]));
                for (k, v) in items.into_iter().take(MAX_INSTANCES) {
                    let s = scope.with(&iter_name, obj([("key", k), ("value", v)]));
                    let mut val = self.eval_body(content, &s);
                    mark_span(&mut val, content);
                    if let Value::List(list) = entry {
                        list.push(val);
                    }
                }
                continue;
            }
            let (mut val, deps) = self.with_deps(|| self.eval_body(b, scope));
            mark_span(&mut val, b);
            if !deps.is_empty() {
                let e = deps_by_attr
                    .entry(b.kind.clone())
                    .or_insert_with(|| Value::List(vec![]));
                if let Value::List(l) = e {
                    l.extend(deps.into_iter().map(Value::String));
                }
            }
            let entry = m
                .entry(b.kind.clone())
                .or_insert_with(|| Value::List(vec![]));
            if let Value::List(list) = entry {
                list.push(val);
            }
        }
        if !deps_by_attr.is_empty() {
            m.insert(
                "__deps".to_string(),
                Value::Object(deps_by_attr.into_iter().collect()),
            );
        }
        Value::Object(m.into_iter().collect())
    }

    /// Runs `f`, returning its value and the resources it touched (which
    /// are also added to the enclosing evaluation's set).
    fn with_deps(&self, f: impl FnOnce() -> Value) -> (Value, BTreeSet<String>) {
        self.deps.borrow_mut().push(BTreeSet::new());
        let v = f();
        let deps = self.deps.borrow_mut().pop().unwrap_or_default();
        if let Some(top) = self.deps.borrow_mut().last_mut() {
            top.extend(deps.iter().cloned());
        }
        (v, deps)
    }

    fn touch(&self, dep: String) {
        if let Some(top) = self.deps.borrow_mut().last_mut() {
            top.insert(dep);
        }
    }

    /// Memoised evaluation of a named value of an instance (`var.x`,
    /// `local.y`, `output.z`); a cycle gives an unknown.
    fn memoised(&self, inst: usize, key: String, f: impl FnOnce() -> Value) -> Value {
        if let Some((v, deps)) = self.memo.borrow().get(&(inst, key.clone())) {
            if let Some(top) = self.deps.borrow_mut().last_mut() {
                top.extend(deps.iter().cloned());
            }
            return v.clone();
        }
        if !self.active.borrow_mut().insert((inst, key.clone())) {
            return Value::unknown(format!("cycle:{key}"));
        }
        let (v, deps) = self.with_deps(f);
        self.active.borrow_mut().remove(&(inst, key.clone()));
        self.memo
            .borrow_mut()
            .insert((inst, key), (v.clone(), deps));
        v
    }

    fn prefixed(&self, inst: usize, local: &str) -> String {
        let p = &self.insts[inst].path;
        if p.is_empty() {
            local.to_string()
        } else {
            format!("{p}.{local}")
        }
    }

    fn var(&self, inst: usize, name: &str) -> Value {
        self.memoised(inst, format!("var.{name}"), || {
            let i = &self.insts[inst];
            let unknown = || Value::unknown(self.prefixed(inst, &format!("var.{name}")));
            let decl = self
                .module(&i.dir)
                .and_then(|m| m.variables.get(name))
                .cloned();
            let given = match (&i.call, i.parent) {
                (Some(call), Some(parent)) => call.attr(name).map(|a| {
                    let scope = Scope {
                        inst: parent,
                        vars: i.call_scope.clone(),
                    };
                    self.eval(&a.expr, &scope)
                }),
                _ => i.root_vars.get(name).cloned(),
            };
            match given {
                Some(Value::Null) | None => decl
                    .and_then(|d| {
                        d.attr("default").map(|a| {
                            self.eval(
                                &a.expr,
                                &Scope {
                                    inst,
                                    vars: HashMap::new(),
                                },
                            )
                        })
                    })
                    .filter(|v| !matches!(v, Value::Null) || given.is_some())
                    .unwrap_or_else(unknown),
                Some(v) => v,
            }
        })
    }

    fn local(&self, inst: usize, name: &str) -> Value {
        let Some(attr) = self
            .module(&self.insts[inst].dir)
            .and_then(|m| m.locals.get(name))
        else {
            return Value::unknown(ERROR_REF);
        };
        self.memoised(inst, format!("local.{name}"), || {
            self.eval(
                &attr.expr,
                &Scope {
                    inst,
                    vars: HashMap::new(),
                },
            )
        })
    }

    fn output(&self, inst: usize, name: &str) -> Value {
        let Some(block) = self
            .module(&self.insts[inst].dir)
            .and_then(|m| m.outputs.get(name))
        else {
            return Value::unknown(ERROR_REF);
        };
        let Some(attr) = block.attr("value") else {
            return Value::Null;
        };
        self.memoised(inst, format!("output.{name}"), || {
            self.eval(
                &attr.expr,
                &Scope {
                    inst,
                    vars: HashMap::new(),
                },
            )
        })
    }

    /// `module.NAME` as a value: an object of outputs (a list or map of
    /// them for count / for_each calls).
    fn module_value(&self, inst: usize, name: &str) -> Value {
        let Some(children) = self.insts[inst].children.get(name) else {
            return Value::unknown(self.prefixed(inst, &format!("module.{name}")));
        };
        let outputs = |child: usize| {
            let names: Vec<String> = self
                .module(&self.insts[child].dir)
                .map(|m| m.outputs.keys().cloned().collect())
                .unwrap_or_default();
            Value::Object(
                names
                    .into_iter()
                    .map(|n| {
                        let v = self.output(child, &n);
                        (n, v)
                    })
                    .collect(),
            )
        };
        match children.as_slice() {
            [(None, c)] => outputs(*c),
            many if many
                .iter()
                .all(|(k, _)| matches!(k, Some(Value::Number(_)))) =>
            {
                Value::List(many.iter().map(|(_, c)| outputs(*c)).collect())
            }
            many => Value::Object(
                many.iter()
                    .map(|(k, c)| {
                        (
                            k.as_ref()
                                .and_then(Value::to_display_string)
                                .unwrap_or_default(),
                            outputs(*c),
                        )
                    })
                    .collect(),
            ),
        }
    }

    /// A resource attribute: its configured value when the configuration
    /// sets it and it is known, otherwise unknown (computed at apply).
    fn resource_attr(&self, inst: usize, local_addr: &str, attr: Option<&str>) -> Value {
        let full = self.prefixed(inst, local_addr);
        self.touch(full.clone());
        let unknown = || Value::unknown(full.clone());
        let Some(attr) = attr else { return unknown() };
        let Some(m) = self.module(&self.insts[inst].dir) else {
            return unknown();
        };
        let (mode, rest) = match local_addr.strip_prefix("data.") {
            Some(r) => ("data", r),
            None => ("resource", local_addr),
        };
        let Some((t, n)) = rest.split_once('.') else {
            return unknown();
        };
        let Some(block) = m
            .resources
            .iter()
            .find(|b| b.kind == mode && b.label(0) == t && b.label(1) == n)
        else {
            return unknown();
        };
        let Some(a) = block.attr(attr) else {
            return unknown();
        };
        let key = format!("{local_addr}.{attr}");
        let v = self.memoised(inst, key, || {
            let vars = if block.attr("count").is_some() {
                HashMap::from([("count".to_string(), obj([("index", Value::Number(0.0))]))])
            } else if block.attr("for_each").is_some() {
                unknown_iteration()
            } else {
                HashMap::new()
            };
            self.eval(&a.expr, &Scope { inst, vars })
        });
        if v.is_known() {
            v
        } else {
            merge_unknown([&v, &unknown()])
        }
    }

    pub(super) fn eval(&self, e: &Expr, scope: &Scope) -> Value {
        {
            let mut d = self.depth.borrow_mut();
            if *d >= MAX_DEPTH {
                return Value::unknown("!too-deep");
            }
            *d += 1;
        }
        let v = self.eval_inner(e, scope);
        *self.depth.borrow_mut() -= 1;
        v
    }

    fn eval_inner(&self, e: &Expr, scope: &Scope) -> Value {
        match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Number(n) => Value::Number(*n),
            Expr::String(s) => Value::String(s.to_string()),
            Expr::Array(a) => Value::List(a.iter().map(|x| self.eval(x, scope)).collect()),
            Expr::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.to_string(),
                        ObjectKey::Expr(ke) => match self.eval(ke, scope) {
                            // A bare word used as a key is its name.
                            _ if ke.as_variable().is_some() => {
                                ke.as_variable().unwrap_or_default().to_string()
                            }
                            kv => match kv.to_display_string() {
                                Some(s) => s,
                                None => return merge_unknown([&kv]),
                            },
                        },
                    };
                    m.insert(key, self.eval(v, scope));
                }
                Value::Object(m.into_iter().collect())
            }
            Expr::Template(t) => self.eval_template(t, scope),
            Expr::Heredoc(h) => {
                let v = self.eval_template(&h.template, scope);
                match (v, h.indent) {
                    (Value::String(s), Some(indent)) if indent > 0 => {
                        Value::String(dedent(&s, indent))
                    }
                    (v, _) => v,
                }
            }
            Expr::Parenthesis(p) => self.eval(p, scope),
            Expr::Variable(v) => self.variable(v, scope),
            Expr::Conditional(c) => {
                let [cond_expr, true_expr, false_expr] = &**c;
                let cond = self.eval(cond_expr, scope);
                match cond.as_bool() {
                    Some(true) => self.eval(true_expr, scope),
                    Some(false) => self.eval(false_expr, scope),
                    None => {
                        let t = self.eval(true_expr, scope);
                        let f = self.eval(false_expr, scope);
                        if t == f && t.is_known() {
                            t
                        } else {
                            merge_unknown([&cond, &t, &f])
                        }
                    }
                }
            }
            Expr::FuncCall(f) => self.call(f, scope),
            Expr::Traversal(t) => self.traversal(&t.expr, &t.operators, scope),
            Expr::UnaryOp(op, inner) => {
                let v = self.eval(inner, scope);
                match op {
                    UnaryOperator::Not => v
                        .as_bool()
                        .map(|b| Value::Bool(!b))
                        .unwrap_or_else(|| merge_unknown([&v])),
                    UnaryOperator::Neg => v
                        .as_f64()
                        .map(|n| Value::Number(-n))
                        .unwrap_or_else(|| merge_unknown([&v])),
                }
            }
            Expr::BinaryOp(b) => self.binary(b.1, &b.0, &b.2, scope),
            Expr::ForExpr(f) => self.for_expr(f, scope),
        }
    }

    fn variable(&self, name: &str, scope: &Scope) -> Value {
        if let Some(v) = scope.vars.get(name) {
            return v.clone();
        }
        // A bare root like `var` or a resource type without attribute.
        Value::unknown(self.prefixed(scope.inst, name))
    }

    fn traversal(&self, base: &Expr, ops: &[Operator], scope: &Scope) -> Value {
        let getattr = |i: usize| match ops.get(i) {
            Some(Operator::GetAttr(id)) => Some(id.to_string()),
            _ => None,
        };
        let (start, used) = match base.as_variable() {
            Some(root) if !scope.vars.contains_key(root) => match root {
                "var" => match getattr(0) {
                    Some(n) => (self.var(scope.inst, &n), 1),
                    None => (Value::unknown(ERROR_REF), ops.len()),
                },
                "local" => match getattr(0) {
                    Some(n) => (self.local(scope.inst, &n), 1),
                    None => (Value::unknown(ERROR_REF), ops.len()),
                },
                "module" => match getattr(0) {
                    Some(n) => self.module_traversal(scope, &n, &ops[1..]),
                    None => (Value::unknown(ERROR_REF), ops.len()),
                },
                "path" => {
                    let inst = &self.insts[scope.inst];
                    let v = match getattr(0).as_deref() {
                        Some("module") => rel_from(&inst.root_dir, &inst.dir),
                        Some("root") | Some("cwd") => ".".to_string(),
                        _ => return Value::unknown(ERROR_REF),
                    };
                    (Value::String(v), 1)
                }
                "terraform" => (Value::String("default".into()), 1),
                "self" => (Value::unknown("self"), ops.len()),
                "data" => match (getattr(0), getattr(1)) {
                    (Some(t), Some(n)) => {
                        let (attr_at, skip) = attr_after_index(ops, 2);
                        let a = attr_at.and_then(&getattr);
                        (
                            self.resource_attr(scope.inst, &format!("data.{t}.{n}"), a.as_deref()),
                            skip.max(2) + usize::from(a.is_some()),
                        )
                    }
                    _ => (Value::unknown(ERROR_REF), ops.len()),
                },
                rtype if rtype.contains('_') => match getattr(0) {
                    Some(n) => {
                        let (attr_at, skip) = attr_after_index(ops, 1);
                        let a = attr_at.and_then(&getattr);
                        (
                            self.resource_attr(scope.inst, &format!("{rtype}.{n}"), a.as_deref()),
                            skip.max(1) + usize::from(a.is_some()),
                        )
                    }
                    None => (Value::unknown(self.prefixed(scope.inst, rtype)), ops.len()),
                },
                other => (Value::unknown(self.prefixed(scope.inst, other)), ops.len()),
            },
            _ => (self.eval(base, scope), 0),
        };
        let mut v = start;
        let mut i = used;
        while i < ops.len() {
            if !v.is_known() {
                return v;
            }
            v = match &ops[i] {
                Operator::GetAttr(id) => match &v {
                    Value::Object(m) => m
                        .get(&**id)
                        .cloned()
                        .unwrap_or_else(|| Value::unknown(ERROR_REF)),
                    Value::Null => Value::unknown(ERROR_REF),
                    _ => Value::unknown(ERROR_REF),
                },
                Operator::Index(ix) => {
                    let k = self.eval(ix, scope);
                    index(&v, &k)
                }
                Operator::LegacyIndex(n) => index(&v, &Value::Number(*n as f64)),
                Operator::AttrSplat | Operator::FullSplat => {
                    let items: Vec<Value> = match &v {
                        Value::List(l) => l.clone(),
                        Value::Null => vec![],
                        other => vec![other.clone()],
                    };
                    let rest = &ops[i + 1..];
                    let mapped = items
                        .into_iter()
                        .map(|item| self.apply_ops(item, rest, scope))
                        .collect();
                    return Value::List(mapped);
                }
            };
            i += 1;
        }
        v
    }

    fn apply_ops(&self, mut v: Value, ops: &[Operator], scope: &Scope) -> Value {
        for op in ops {
            if !v.is_known() {
                return v;
            }
            v = match op {
                Operator::GetAttr(id) => v
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| Value::unknown(ERROR_REF)),
                Operator::Index(ix) => index(&v, &self.eval(ix, scope)),
                Operator::LegacyIndex(n) => index(&v, &Value::Number(*n as f64)),
                Operator::AttrSplat | Operator::FullSplat => v,
            };
        }
        v
    }

    /// `module.NAME[key].OUTPUT`, evaluating only the output asked for.
    fn module_traversal(&self, scope: &Scope, name: &str, ops: &[Operator]) -> (Value, usize) {
        let inst = scope.inst;
        if self.insts[inst].opaque_calls.contains(name) {
            let dep = self.prefixed(inst, &format!("module.{name}"));
            self.touch(dep.clone());
            return (Value::unknown(dep), ops.len() + 1);
        }
        let Some(children) = self.insts[inst].children.get(name) else {
            return (
                Value::unknown(self.prefixed(inst, &format!("module.{name}"))),
                ops.len() + 1,
            );
        };
        match (children.as_slice(), ops.first()) {
            ([(None, child)], Some(Operator::GetAttr(out))) => (self.output(*child, out), 2),
            (_, Some(Operator::Index(ix))) => {
                let k = self.eval(ix, scope);
                let found = children
                    .iter()
                    .find(|(key, _)| key.as_ref().is_some_and(|key| key_eq(key, &k)));
                match (found, ops.get(1)) {
                    (Some((_, c)), Some(Operator::GetAttr(out))) => (self.output(*c, out), 3),
                    _ => (self.module_value(inst, name), 1),
                }
            }
            _ => (self.module_value(inst, name), 1),
        }
    }

    fn binary(&self, op: BinaryOperator, l: &Expr, r: &Expr, scope: &Scope) -> Value {
        let lv = self.eval(l, scope);
        // Short-circuit the logical operators where one side decides.
        match op {
            BinaryOperator::And if lv.as_bool() == Some(false) => return Value::Bool(false),
            BinaryOperator::Or if lv.as_bool() == Some(true) => return Value::Bool(true),
            _ => {}
        }
        let rv = self.eval(r, scope);
        match op {
            BinaryOperator::And if rv.as_bool() == Some(false) => return Value::Bool(false),
            BinaryOperator::Or if rv.as_bool() == Some(true) => return Value::Bool(true),
            _ => {}
        }
        if !lv.is_wholly_known() || !rv.is_wholly_known() {
            return merge_unknown([&lv, &rv]);
        }
        let num = |f: fn(f64, f64) -> f64| match (lv.as_f64(), rv.as_f64()) {
            (Some(a), Some(b)) => Value::Number(f(a, b)),
            _ => Value::unknown(ERROR_REF),
        };
        let cmp = |f: fn(f64, f64) -> bool| match (lv.as_f64(), rv.as_f64()) {
            (Some(a), Some(b)) => Value::Bool(f(a, b)),
            _ => Value::unknown(ERROR_REF),
        };
        match op {
            BinaryOperator::Eq => Value::Bool(loose_eq(&lv, &rv)),
            BinaryOperator::NotEq => Value::Bool(!loose_eq(&lv, &rv)),
            BinaryOperator::Plus => num(|a, b| a + b),
            BinaryOperator::Minus => num(|a, b| a - b),
            BinaryOperator::Mul => num(|a, b| a * b),
            BinaryOperator::Div => num(|a, b| a / b),
            BinaryOperator::Mod => num(|a, b| if b == 0.0 { f64::NAN } else { a % b }),
            BinaryOperator::Less => cmp(|a, b| a < b),
            BinaryOperator::LessEq => cmp(|a, b| a <= b),
            BinaryOperator::Greater => cmp(|a, b| a > b),
            BinaryOperator::GreaterEq => cmp(|a, b| a >= b),
            BinaryOperator::And | BinaryOperator::Or => match (lv.as_bool(), rv.as_bool()) {
                (Some(a), Some(b)) => Value::Bool(if op == BinaryOperator::And {
                    a && b
                } else {
                    a || b
                }),
                _ => Value::unknown(ERROR_REF),
            },
        }
    }

    fn for_expr(&self, f: &super::expr::ForExpr, scope: &Scope) -> Value {
        let coll = self.eval(&f.collection, scope);
        let items = match iteration(coll) {
            Ok(items) => items,
            Err(Value::Null) => vec![],
            Err(other) => return merge_unknown([&other]),
        };
        let kname = f.key_var.as_deref();
        let vname = &*f.value_var;
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in items.into_iter().take(MAX_COLLECTION) {
            let mut s = scope.with(vname, v);
            if let Some(kn) = kname {
                s = s.with(kn, k);
            }
            if let Some(c) = &f.cond {
                match self.eval(c, &s).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Value::unknown("!for-condition"),
                }
            }
            let val = self.eval(&f.value_expr, &s);
            match &f.key_expr {
                Some(ke) => {
                    let key = self.eval(ke, &s);
                    let Some(key) = key.to_display_string().filter(|_| key.is_known()) else {
                        return merge_unknown([&key]);
                    };
                    if f.grouping {
                        let e = map.entry(key).or_insert_with(|| Value::List(vec![]));
                        if let Value::List(l) = e {
                            l.push(val);
                        }
                    } else {
                        map.insert(key, val);
                    }
                }
                None => list.push(val),
            }
        }
        if f.key_expr.is_some() {
            Value::Object(map.into_iter().collect())
        } else {
            Value::List(list)
        }
    }

    fn eval_template(&self, t: &Template, scope: &Scope) -> Value {
        let mut out = String::new();
        let mut unknown: Option<Value> = None;
        let mut push = |v: Value, out: &mut String| match v.to_display_string() {
            Some(s) if v.is_known() => out.push_str(&s),
            _ => {
                let u = merge_unknown([&v]);
                unknown = Some(match unknown.take() {
                    Some(prev) => merge_unknown([&prev, &u]),
                    None => u,
                });
            }
        };
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(s),
                Element::Interpolation(e) => push(self.eval(e, scope), &mut out),
                Element::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = self.eval(cond, scope);
                    let chosen = match c.as_bool() {
                        Some(true) => Some(self.eval_template(then, scope)),
                        Some(false) => Some(
                            otherwise
                                .as_ref()
                                .map(|e| self.eval_template(e, scope))
                                .unwrap_or(Value::String(String::new())),
                        ),
                        None => None,
                    };
                    push(chosen.unwrap_or_else(|| merge_unknown([&c])), &mut out);
                }
                Element::For {
                    key_var,
                    value_var,
                    collection,
                    template,
                } => {
                    let coll = self.eval(collection, scope);
                    let items = match iteration(coll) {
                        Ok(items) => items,
                        Err(other) => {
                            push(merge_unknown([&other]), &mut out);
                            continue;
                        }
                    };
                    for (k, v) in items.into_iter().take(MAX_COLLECTION) {
                        let mut s = scope.with(value_var, v);
                        if let Some(kv) = key_var {
                            s = s.with(kv, k);
                        }
                        push(self.eval_template(template, &s), &mut out);
                    }
                }
            }
        }
        unknown.unwrap_or(Value::String(out))
    }

    fn call(&self, f: &super::expr::FuncCall, scope: &Scope) -> Value {
        let name = &*f.name;
        let args: Vec<&Expr> = f.args.iter().collect();
        match name {
            "try" => {
                let mut last = Value::unknown(ERROR_REF);
                for a in &args {
                    let v = self.eval(a, scope);
                    if !v.refs().contains(ERROR_REF) {
                        return v;
                    }
                    last = v;
                }
                return last;
            }
            "can" => {
                let v = args
                    .first()
                    .map(|a| self.eval(a, scope))
                    .unwrap_or(Value::Null);
                return if v.refs().contains(ERROR_REF) {
                    Value::Bool(false)
                } else if v.is_wholly_known() {
                    Value::Bool(true)
                } else {
                    merge_unknown([&v])
                };
            }
            "file" | "templatefile" | "filebase64" | "fileexists" => {
                return self.file_call(name, &args, scope);
            }
            _ => {}
        }
        let mut values: Vec<Value> = args.iter().map(|a| self.eval(a, scope)).collect();
        if f.expand_final {
            if let Some(Value::List(last)) = values.pop() {
                values.extend(last);
            }
        }
        functions::call(name, values)
    }

    /// `file()` / `templatefile()` read a file of the repository (never
    /// outside the root), and record the read for the rules on user data.
    fn file_call(&self, name: &str, args: &[&Expr], scope: &Scope) -> Value {
        let p = args
            .first()
            .map(|a| self.eval(a, scope))
            .unwrap_or(Value::Null);
        let Some(path) = p.as_str() else {
            return merge_unknown([&p]);
        };
        let root_dir = self.insts[scope.inst].root_dir.clone();
        let Some(rel) = join_rel(&root_dir, path) else {
            return Value::unknown("!outside-root");
        };
        let text = match self.files.get(rel.as_str()) {
            Some(f) => Some(f.text.to_string()),
            None => crate::read_inside(self.root, &rel, 10 << 20),
        };
        if name == "fileexists" {
            return Value::Bool(text.is_some());
        }
        let Some(text) = text else {
            return Value::unknown(ERROR_REF);
        };
        if let Some((res, attr, root)) = self.current.borrow().clone() {
            self.file_reads.borrow_mut().push(FileRead {
                path: rel.clone(),
                resource: res,
                attribute: attr,
                root_dir: root,
            });
        }
        match name {
            "templatefile" => {
                let vars = args
                    .get(1)
                    .map(|a| self.eval(a, scope))
                    .unwrap_or(Value::Object(Default::default()));
                let Some(tpl) = Template::parse(&text) else {
                    return Value::unknown(format!("templatefile:{rel}"));
                };
                let mut s = Scope {
                    inst: scope.inst,
                    vars: HashMap::new(),
                };
                match vars {
                    Value::Object(m) => s.vars.extend(m),
                    other => return merge_unknown([&other]),
                }
                self.eval_template(&tpl, &s)
            }
            "filebase64" => Value::unknown(format!("filebase64:{rel}")),
            _ => Value::String(text),
        }
    }
}

/// Nested block values carry their lines (`__line`, `__end`) so that a
/// rule can point at the very `ingress` block at fault.
fn mark_span(v: &mut Value, b: &Block) {
    if let Value::Object(m) = v {
        m.insert("__line".into(), Value::Number(f64::from(b.span.start)));
        m.insert("__end".into(), Value::Number(f64::from(b.span.end)));
    }
}

/// The (key, value) pairs a `for` expression, a template `%{ for }` or a
/// dynamic block iterates: list elements by index, object entries by key.
/// Any other value is given back for the caller to decide.
fn iteration(coll: Value) -> Result<Vec<(Value, Value)>, Value> {
    match coll {
        Value::List(v) => Ok(v
            .into_iter()
            .enumerate()
            .map(|(i, x)| (Value::Number(i as f64), x))
            .collect()),
        Value::Object(o) => Ok(o.into_iter().map(|(k, v)| (Value::String(k), v)).collect()),
        other => Err(other),
    }
}

fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// count.index / each for an iteration whose keys are unknown.
fn unknown_iteration() -> HashMap<String, Value> {
    HashMap::from([
        (
            "count".to_string(),
            obj([("index", Value::unknown("count.index"))]),
        ),
        (
            "each".to_string(),
            obj([
                ("key", Value::unknown("each.key")),
                ("value", Value::unknown("each.value")),
            ]),
        ),
    ])
}

/// After a resource's name, an optional index operator: where the attribute
/// name is and how many operators the address used.
fn attr_after_index(ops: &[Operator], at: usize) -> (Option<usize>, usize) {
    match ops.get(at) {
        Some(Operator::Index(_)) | Some(Operator::LegacyIndex(_)) => match ops.get(at + 1) {
            Some(Operator::GetAttr(_)) => (Some(at + 1), at + 1),
            _ => (None, at + 1),
        },
        Some(Operator::GetAttr(_)) => (Some(at), at),
        _ => (None, at),
    }
}

fn index(v: &Value, k: &Value) -> Value {
    if !k.is_known() {
        return merge_unknown([k]);
    }
    match v {
        Value::List(l) => k
            .as_f64()
            .and_then(|i| l.get(i as usize).cloned())
            .unwrap_or_else(|| Value::unknown(ERROR_REF)),
        Value::Object(m) => k
            .to_display_string()
            .and_then(|s| m.get(&s).cloned())
            .unwrap_or_else(|| Value::unknown(ERROR_REF)),
        _ => Value::unknown(ERROR_REF),
    }
}

fn key_eq(a: &Value, b: &Value) -> bool {
    loose_eq(a, b)
}

/// Equality with Terraform's number/string leniency for primitives.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.parse::<f64>().ok() == Some(*x)
        }
        _ => a == b,
    }
}

/// The path of `to` relative to `from` (both relative to the reviewed root).
fn rel_from(from: &str, to: &str) -> String {
    if from == to {
        return ".".to_string();
    }
    let f: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().map(|s| s.to_string()));
    parts.join("/")
}

/// Removes `n` columns of leading whitespace from every line (`<<-` heredocs).
fn dedent(s: &str, n: usize) -> String {
    s.split_inclusive('\n')
        .map(|line| {
            let strip = line
                .chars()
                .take(n)
                .take_while(|c| *c == ' ' || *c == '\t')
                .count();
            &line[strip..]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join_rel("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(join_rel("", "./modules/x").as_deref(), Some("modules/x"));
        assert_eq!(join_rel("", "../x"), None);
        assert_eq!(rel_from("", "modules/app"), "modules/app");
        assert_eq!(rel_from("envs/prod", "modules/app"), "../../modules/app");
    }
}
