//! Terraform: parse every `.tf` file, assemble modules (local sources and
//! those `terraform init` left in `.terraform/modules`), and evaluate what can
//! be known statically into [`Resource`]s that rules query.

mod eval;
pub mod expr;
pub use eval::{is_local_source, join_rel};
mod functions;
pub mod literals;
pub mod sorted;
pub mod syntax;
pub mod value;

use crate::source::{FileKind, SourceFile};
use shipshape_model::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
pub use syntax::{Attr, Block, TfFile};
pub use value::Value;

/// `resource` or `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Managed,
    Data,
}

/// How many instances a `count` / `for_each` produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// No count/for_each: exactly one.
    Single,
    Known(usize),
    Unknown,
}

/// One resource or data block in one module instance, evaluated.
#[derive(Debug, Clone)]
pub struct Resource {
    pub mode: Mode,
    /// e.g. `aws_instance`.
    pub rtype: String,
    pub name: String,
    /// Module instance path: "" for a root module, else `module.app`.
    pub module: String,
    /// Address relative to its root: `module.app.aws_ecs_cluster.main`
    /// (`data.` prefix for data sources).
    pub address: String,
    /// Directory of the root module this instance belongs to.
    pub root_dir: String,
    /// Directory of the module that declares the block.
    pub module_dir: String,
    pub block: Arc<Block>,
    pub cardinality: Cardinality,
    /// Evaluated attributes and nested blocks, one object per instance
    /// (nested blocks are lists of objects). Empty when count is 0.
    pub instances: Vec<Value>,
    /// Every address the configuration depends on, computed once.
    deps: value::Refs,
}

impl Resource {
    pub fn file(&self) -> &str {
        &self.block.file
    }

    /// The first instance's value (the usual case: no count).
    pub fn values(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.instances.first().unwrap_or(&NULL)
    }

    /// Attribute (or nested block path) of the first instance; `None` when unset.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        self.values()
            .path(path)
            .filter(|v| !matches!(v, Value::Null))
    }

    /// Whether the resource exists in the evaluated configuration (count 0
    /// or an empty for_each remove it).
    pub fn exists(&self) -> bool {
        !matches!(self.cardinality, Cardinality::Known(0))
    }

    /// Every address this resource's configuration depends on (through
    /// locals, variables and module outputs too).
    pub fn refs(&self) -> &value::Refs {
        &self.deps
    }

    /// Collects the dependencies from the evaluated instances: the
    /// unknowns' references and the `__deps` entries the evaluator records.
    fn collect_deps(instances: &[Value]) -> value::Refs {
        let mut out: Vec<String> = instances.iter().flat_map(|v| v.refs()).collect();
        for inst in instances {
            if let Some(Value::Object(deps)) = inst.get("__deps") {
                for list in deps.values() {
                    out.extend(
                        list.as_list()
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|d| d.as_str().map(str::to_string)),
                    );
                }
            }
        }
        out.into_iter().collect()
    }

    /// Builds a resource and caches what it depends on.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        mode: Mode,
        rtype: String,
        name: String,
        module: String,
        address: String,
        root_dir: String,
        module_dir: String,
        block: Arc<Block>,
        cardinality: Cardinality,
        instances: Vec<Value>,
    ) -> Self {
        let deps = Self::collect_deps(&instances);
        Self {
            mode,
            rtype,
            name,
            module,
            address,
            root_dir,
            module_dir,
            block,
            cardinality,
            instances,
            deps,
        }
    }

    /// The addresses one top-level attribute or nested block kind references.
    pub fn attr_refs(&self, attr: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for inst in &self.instances {
            if let Some(v) = inst.get(attr) {
                out.extend(v.refs());
            }
            if let Some(list) = inst.path(&["__deps", attr]).and_then(Value::as_list) {
                out.extend(list.iter().filter_map(|d| d.as_str().map(str::to_string)));
            }
        }
        out
    }

    /// Whether this resource's `attr` references `target`.
    pub fn attr_refers_to(&self, attr: &str, target: &Resource) -> bool {
        self.root_dir == target.root_dir
            && self
                .attr_refs(attr)
                .iter()
                .any(|d| refers_to(d, &target.address))
    }

    /// Fully qualified, for comparing with references: `<root_dir>::<address>`.
    pub fn global_address(&self) -> String {
        format!("{}::{}", self.root_dir, self.address)
    }
}

/// A `terraform {}` block, `provider`, `variable`, `output` and other
/// module-level blocks, kept for rules that look at them.
#[derive(Debug, Clone, Default)]
pub struct ModuleDir {
    pub dir: String,
    pub files: Vec<Arc<str>>,
    pub terraform_blocks: Vec<Arc<Block>>,
    pub variables: Vec<Arc<Block>>,
    pub outputs: Vec<Arc<Block>>,
    pub module_calls: Vec<Arc<Block>>,
    pub providers: Vec<Arc<Block>>,
    /// Whether this directory is a root module (no module calls it).
    pub is_root: bool,
}

/// Everything Terraform in the repository.
#[derive(Debug, Clone, Default)]
pub struct Terraform {
    pub modules: BTreeMap<String, ModuleDir>,
    pub resources: Vec<Resource>,
    /// Files read by `file()` / `templatefile()` from an attribute, keyed by
    /// the resource address, with the attribute name: user-data scripts.
    pub file_reads: Vec<FileRead>,
    pub diagnostics: Vec<Diagnostic>,
    /// The reference graph, built once so that "who refers to this?" is a
    /// lookup, not a scan: (hash of root and referenced address, referrer,
    /// position of the dependency in its `refs()`), sorted. Hashes and
    /// indices, not `root::address` strings: on a monorepo this index has
    /// hundreds of thousands of entries. Lookups compare the strings.
    referrer_index: Vec<(u64, u32, u32)>,
    /// (hash of root and address, index in `resources`), sorted.
    address_index: Vec<(u64, u32)>,
    /// Resource type → indices in `resources`, in order.
    type_index: std::collections::HashMap<String, Vec<usize>>,
}

/// A file that an attribute reads through `file()` or `templatefile()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRead {
    /// Path relative to the reviewed root.
    pub path: String,
    pub resource: String,
    pub attribute: String,
    pub root_dir: String,
}

impl Terraform {
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }

    /// Existing managed resources of one type.
    pub fn resources_of<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.of_type(rtype)
            .filter(|r| r.mode == Mode::Managed && r.exists())
    }

    /// Resources and data sources of one type, through the type index.
    fn of_type<'a>(&'a self, rtype: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.type_index
            .get(rtype)
            .into_iter()
            .flatten()
            .map(|&i| &self.resources[i])
    }

    /// Existing data sources of one type.
    pub fn data_of<'a>(&'a self, rtype: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.of_type(rtype)
            .filter(|r| r.mode == Mode::Data && r.exists())
    }

    pub fn root_modules(&self) -> impl Iterator<Item = &ModuleDir> {
        self.modules.values().filter(|m| m.is_root)
    }

    /// Resources whose configuration references `target` (same root).
    pub fn referrers<'a>(
        &'a self,
        target: &'a Resource,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        let key = (target.root_dir.as_str(), target.address.as_str());
        let mut last = None;
        with_hash(&self.referrer_index, key_hash(key), |e| e.0)
            .iter()
            .filter(move |&&(_, i, dep)| self.referrer_key(i, dep) == key)
            // One referrer may name the target twice (`x.a[0]` and `x.a`).
            .filter(move |&&(_, i, _)| last.replace(i) != Some(i))
            .map(|&(_, i, _)| &self.resources[i as usize])
            .filter(|r| r.exists())
    }

    /// (root, referenced address) of a dependency of resource `i`.
    fn referrer_key(&self, i: u32, dep: u32) -> (&str, &str) {
        let r = &self.resources[i as usize];
        (
            r.root_dir.as_str(),
            dep_base(&r.refs().as_slice()[dep as usize]),
        )
    }

    /// Indexes the reference graph (called once, after evaluation).
    pub(crate) fn index_references(&mut self) {
        let mut refs: Vec<(u64, u32, u32)> = Vec::new();
        for (i, r) in self.resources.iter().enumerate() {
            let (i, root) = (i as u32, r.root_dir.as_str());
            refs.extend(
                r.refs()
                    .iter()
                    .enumerate()
                    .map(|(dep, d)| (key_hash((root, dep_base(d))), i, dep as u32)),
            );
        }
        // Within one hash, referrers stay in resource order.
        refs.sort_unstable();
        self.referrer_index = refs;
        let mut types: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, r) in self.resources.iter().enumerate() {
            types.entry(r.rtype.clone()).or_default().push(i);
        }
        self.type_index = types;
        let mut addresses: Vec<(u64, u32)> = self
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (key_hash((&r.root_dir, &r.address)), i as u32))
            .collect();
        addresses.sort_unstable();
        self.address_index = addresses;
    }

    /// The resource at `address` in the root module at `root_dir` (the
    /// last one declared, should the configuration declare it twice).
    pub fn resource(&self, root_dir: &str, address: &str) -> Option<&Resource> {
        with_hash(&self.address_index, key_hash((root_dir, address)), |e| e.0)
            .iter()
            .rev()
            .map(|&(_, i)| &self.resources[i as usize])
            .find(|r| r.root_dir == root_dir && r.address == address)
    }

    /// The resources `res` references (that exist in the configuration).
    pub fn referenced_by<'a>(
        &'a self,
        res: &'a Resource,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        res.refs()
            .iter()
            .filter_map(move |d| self.resource(&res.root_dir, dep_base(d)))
    }
}

/// Hash of (root, address) for the indexes: deterministic, and only a
/// first cut (lookups compare the strings).
fn key_hash((root, address): (&str, &str)) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut h);
    address.hash(&mut h);
    h.finish()
}

/// The entries of a hash-sorted index with the hash `hash`.
fn with_hash<T>(index: &[T], hash: u64, hash_of: impl Fn(&T) -> u64) -> &[T] {
    let start = index.partition_point(|e| hash_of(e) < hash);
    let len = index[start..].partition_point(|e| hash_of(e) == hash);
    &index[start..start + len]
}

/// The resource a dependency names: `aws_instance.api[0]` and
/// `aws_instance.api` both name `aws_instance.api`.
fn dep_base(dep: &str) -> &str {
    match dep.rfind('[') {
        Some(at) if !dep[at..].contains('.') => &dep[..at],
        _ => dep,
    }
}

/// Whether a dependency address (maybe with an index or attribute,
/// `aws_instance.api[0].id`) names the resource at `addr`.
pub fn refers_to(dep: &str, addr: &str) -> bool {
    dep == addr
        || dep
            .strip_prefix(addr)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Options for evaluation.
#[derive(Debug, Clone, Default)]
pub struct TfOptions {
    /// `--var-file` contents (path, text), applied to every root module.
    pub var_files: Vec<(String, String)>,
}

/// Loads all Terraform of the repository.
pub fn load(root: &Path, files: &[SourceFile], options: &TfOptions) -> Terraform {
    let tf: Vec<&SourceFile> = files
        .iter()
        .filter(|f| f.kind == FileKind::Terraform)
        .collect();
    let parsed: Vec<Result<TfFile, Diagnostic>> = {
        use rayon::prelude::*;
        tf.par_iter().map(|f| syntax::parse_file(f)).collect()
    };
    let mut diagnostics = Vec::new();
    let mut ok = Vec::new();
    for p in parsed {
        match p {
            Ok(f) => ok.push(f),
            Err(d) => diagnostics.push(d),
        }
    }
    let mut out = eval::evaluate(root, ok, files, options);
    out.diagnostics.extend(diagnostics);
    out.diagnostics.sort();
    out.diagnostics.dedup();
    out
}
