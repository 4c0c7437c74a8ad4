//! Service code: tree-sitter front ends for JavaScript/TypeScript, Python
//! and Go that summarise each source file ([`Module`]), the dependency
//! manifests, the commands that start processes (Dockerfile CMD, Procfile,
//! package.json scripts) and a service model tying them together.

pub mod commands;
pub mod containers;
pub mod golang;
pub mod js;
pub mod manifest;
pub mod model;
pub mod parse;
pub mod python;
mod routes;
pub mod services;
mod walker;

pub use commands::{Command, CommandSource};
pub use manifest::{Manifest, ManifestKind};
pub use model::{
    last_segment, root_ident, Arg, Assign, Call, Function, Handler, Import, Lang, Module, Prop,
    Route,
};
pub use services::{Framework, Service};

use crate::source::{FileKind, SourceFile};
use rayon::prelude::*;
use shipshape_model::{Diagnostic, DiagnosticKind};
use std::collections::HashMap;

/// Everything known about the repository's service code.
#[derive(Debug, Default)]
pub struct Code {
    /// One per parsed code file, sorted by path.
    pub modules: Vec<Module>,
    pub manifests: Vec<Manifest>,
    pub commands: Vec<Command>,
    pub services: Vec<Service>,
    /// (probe kind, path) of Kubernetes HTTP probes: `liveness`, `readiness`, `startup`.
    pub probes: Vec<(String, String)>,
    pub diagnostics: Vec<Diagnostic>,
    by_path: HashMap<String, usize>,
}

/// Loads every code file, manifest and start command (parsing Dockerfiles
/// and YAML itself; `Repository::load` uses [`parse`] and [`assemble`]).
pub fn load(files: &[SourceFile]) -> Code {
    let (dockerfiles, _) = crate::dockerfile::load(files);
    let yaml = crate::yaml_families::load(files);
    assemble(parse(files), files, &dockerfiles, yaml.containers)
}

/// The parsed code files, before the service model is built.
#[derive(Debug, Default)]
pub struct Parsed {
    modules: Vec<Module>,
    diagnostics: Vec<Diagnostic>,
}

/// Parses every code file (the expensive part, run beside the other loaders).
pub fn parse(files: &[SourceFile]) -> Parsed {
    let parsed: Vec<Result<Module, Diagnostic>> = files
        .par_iter()
        .filter_map(|f| {
            let lang = match f.kind {
                FileKind::JavaScript => Lang::JavaScript,
                FileKind::TypeScript => Lang::TypeScript,
                FileKind::Python => Lang::Python,
                FileKind::Go => Lang::Go,
                _ => return None,
            };
            if is_vendored(&f.path) || f.path.ends_with(".d.ts") {
                return None;
            }
            let res = match lang {
                Lang::JavaScript | Lang::TypeScript => js::extract(&f.path, lang, &f.text),
                Lang::Python => python::extract(&f.path, &f.text),
                Lang::Go => golang::extract(&f.path, &f.text),
            };
            Some(res.map_err(|why| {
                Diagnostic::new(DiagnosticKind::ParseError, Some(f.path.clone()), None, why)
            }))
        })
        .collect();
    let mut out = Parsed::default();
    for r in parsed {
        match r {
            Ok(m) => out.modules.push(m),
            Err(d) => out.diagnostics.push(d),
        }
    }
    out.modules.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Builds manifests, start commands and services around the parsed code.
pub fn assemble(
    parsed: Parsed,
    files: &[SourceFile],
    dockerfiles: &[crate::dockerfile::Dockerfile],
    containers: containers::Found,
) -> Code {
    let mut code = Code {
        modules: parsed.modules,
        diagnostics: parsed.diagnostics,
        ..Code::default()
    };
    code.commands.extend(
        dockerfiles
            .iter()
            .filter(|d| !is_vendored(&d.path))
            .filter_map(commands::from_dockerfile),
    );
    // Manifests, file by file in parallel, merged in file order. (The
    // container commands and probes of YAML files come from the YAML
    // families, which parse each file once.)
    let per_file: Vec<Option<Result<manifest::Manifest, String>>> = {
        use rayon::prelude::*;
        files
            .par_iter()
            .filter(|f| !is_vendored(&f.path))
            .map(manifest::parse)
            .collect()
    };
    for (f, manifest) in files.iter().filter(|f| !is_vendored(&f.path)).zip(per_file) {
        match manifest {
            Some(Ok(m)) => code.manifests.push(m),
            Some(Err(why)) => code.diagnostics.push(Diagnostic::new(
                DiagnosticKind::ParseError,
                Some(f.path.clone()),
                None,
                why,
            )),
            None => {}
        }
    }
    code.commands.extend(containers.commands);
    code.probes = containers.probes;
    code.commands
        .extend(commands::from_manifests(&code.manifests));
    code.by_path = code
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.clone(), i))
        .collect();
    code.services = services::detect(&code);
    code
}

/// Dependencies and build output are not the service's own code.
pub fn is_vendored(path: &str) -> bool {
    path.split('/').any(|seg| {
        matches!(
            seg,
            "node_modules"
                | "vendor"
                | "dist"
                | "build"
                | ".venv"
                | "venv"
                | "site-packages"
                | "__pycache__"
                | ".next"
                | "coverage"
        )
    })
}

/// Test code runs in CI, not at 3 a.m.
pub fn is_test_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.split('/').any(|s| {
        matches!(
            s,
            "test" | "tests" | "__tests__" | "testdata" | "e2e" | "fixtures" | "__mocks__"
        )
    }) || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.go")
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
}

impl Code {
    pub fn module(&self, path: &str) -> Option<&Module> {
        self.by_path.get(path).map(|i| &self.modules[*i])
    }

    pub fn module_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// The modules of a service.
    pub fn modules_of<'a>(&'a self, s: &'a Service) -> impl Iterator<Item = &'a Module> + 'a {
        s.modules.iter().map(move |i| &self.modules[*i])
    }

    /// The manifest of a service, if any.
    pub fn manifest_of(&self, s: &Service) -> Option<&Manifest> {
        s.manifest.map(|i| &self.manifests[i])
    }

    /// The file a local import specifier of `from` refers to.
    pub fn resolve_import(&self, from: &Module, spec: &str) -> Option<usize> {
        import_candidates(from, spec).find_map(|c| self.module_index(&c))
    }

    /// Go: the modules of the local package an import path names.
    pub fn go_package_dir(&self, s: &Service, import: &str) -> Option<String> {
        let mp = self.manifest_of(s)?.module_path.as_ref()?;
        let rest = import.strip_prefix(mp.as_str())?;
        let rel = rest.trim_start_matches('/');
        let base = self.manifest_of(s)?.dir();
        Some(match (base.is_empty(), rel.is_empty()) {
            (true, _) => rel.to_string(),
            (false, true) => base.to_string(),
            (false, false) => format!("{base}/{rel}"),
        })
    }

    /// The function a callee in module `mi` names, following local imports:
    /// `foo()`, `ns.foo()`, `this.foo()`, an imported `foo`, a Go function of
    /// the same package or of a local package.
    pub fn resolve_function(
        &self,
        s: &Service,
        mi: usize,
        callee: &str,
    ) -> Option<(usize, &Function)> {
        let m = &self.modules[mi];
        let callee = callee.trim_start_matches("await ").trim();
        let parts: Vec<&str> = callee.split('.').collect();
        let simple = |s: &str| {
            s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        };
        if !parts.iter().all(|p| simple(p)) || parts.is_empty() {
            return None;
        }
        match parts.as_slice() {
            [name] => {
                if let Some(f) = m.function(name) {
                    return Some((mi, f));
                }
                if m.lang == Lang::Go {
                    let dir = dir_of(&m.path);
                    for &j in &s.modules {
                        let o = &self.modules[j];
                        if j != mi && dir_of(&o.path) == dir {
                            if let Some(f) = o.function(name) {
                                return Some((j, f));
                            }
                        }
                    }
                    return None;
                }
                let (imp, imported) = m.import_of(name)?;
                let target = self.resolve_import(m, &imp.module)?;
                let t = &self.modules[target];
                let fname = if imported == "default" || imported == "*" {
                    *name
                } else {
                    imported
                };
                t.function(fname).map(|f| (target, f))
            }
            ["this" | "self", name] => m.function(name).map(|f| (mi, f)),
            [ns, name] => {
                let (imp, _) = m.import_of(ns)?;
                if m.lang == Lang::Go {
                    let dir = self.go_package_dir(s, &imp.module)?;
                    for &j in &s.modules {
                        let o = &self.modules[j];
                        if dir_of(&o.path) == dir {
                            if let Some(f) = o.function(name) {
                                return Some((j, f));
                            }
                        }
                    }
                    return None;
                }
                // `import x from './x'`, or Python `from . import views`.
                let target = self.resolve_import(m, &imp.module).or_else(|| {
                    let (_, imported) = m.import_of(ns)?;
                    let sep = if imp.module.ends_with('.') { "" } else { "." };
                    (m.lang == Lang::Python)
                        .then(|| self.resolve_import(m, &format!("{}{sep}{imported}", imp.module)))
                        .flatten()
                })?;
                self.modules[target].function(name).map(|f| (target, f))
            }
            _ => None,
        }
    }

    /// Every callee reachable from `callees` (in module `mi`) through local
    /// functions, up to `depth` hops, with the module each was called from.
    pub fn reachable_callees(
        &self,
        s: &Service,
        mi: usize,
        callees: &[String],
        depth: usize,
    ) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = vec![];
        let mut seen = std::collections::HashSet::new();
        let mut frontier: Vec<(usize, String, usize)> =
            callees.iter().map(|c| (mi, c.clone(), 0)).collect();
        while let Some((m, c, d)) = frontier.pop() {
            if !seen.insert((m, c.clone())) || out.len() > 2000 {
                continue;
            }
            if d < depth {
                if let Some((fm, f)) = self.resolve_function(s, m, &c) {
                    for inner in &f.callees {
                        frontier.push((fm, inner.clone(), d + 1));
                    }
                }
            }
            out.push((m, c));
        }
        out
    }
}

/// The paths a local import specifier of `from` may name, in the order
/// they are tried: JS and TS relative specifiers with their extensions and
/// index files; Python relative imports, and absolute ones from the file's
/// directory or any parent. Go imports name packages, not files: none.
pub fn import_candidates(from: &Module, spec: &str) -> Box<dyn Iterator<Item = String>> {
    let dir = dir_of(&from.path);
    match from.lang {
        Lang::JavaScript | Lang::TypeScript => {
            let Some(base) = spec.starts_with('.').then(|| join(dir, spec)).flatten() else {
                return Box::new(std::iter::empty());
            };
            let stem = base
                .strip_suffix(".js")
                .or_else(|| base.strip_suffix(".mjs"))
                .or_else(|| base.strip_suffix(".cjs"))
                .or_else(|| base.strip_suffix(".jsx"))
                .unwrap_or(&base);
            let mut candidates = vec![base.clone()];
            for ext in ["ts", "tsx", "js", "mjs", "cjs", "jsx", "mts"] {
                candidates.push(format!("{stem}.{ext}"));
            }
            for ext in ["ts", "tsx", "js"] {
                candidates.push(format!("{base}/index.{ext}"));
            }
            Box::new(candidates.into_iter())
        }
        Lang::Python => {
            let dots = spec.chars().take_while(|c| *c == '.').count();
            let rel = spec[dots..].replace('.', "/");
            let parent = |d: &str| dir_of(d).to_string();
            let bases: Box<dyn Iterator<Item = String>> = if dots > 0 {
                let mut d = dir.to_string();
                for _ in 1..dots {
                    d = parent(&d);
                }
                Box::new(std::iter::once(d))
            } else {
                // Absolute imports resolve from the file's directory or any parent.
                Box::new(std::iter::successors(Some(dir.to_string()), move |d| {
                    (!d.is_empty()).then(|| parent(d))
                }))
            };
            Box::new(bases.flat_map(move |b| {
                let p = if b.is_empty() {
                    rel.clone()
                } else {
                    format!("{b}/{rel}")
                };
                [format!("{p}.py"), format!("{p}/__init__.py")]
            }))
        }
        Lang::Go => Box::new(std::iter::empty()),
    }
}

pub(crate) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Joins a relative specifier onto a directory; `None` when it climbs out.
fn join(dir: &str, spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir.is_empty() {
        vec![]
    } else {
        dir.split('/').collect()
    };
    for seg in spec.split('/') {
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

/// Whether a path lies in a directory ("" is the root).
pub fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, FileKind, String)]) -> Vec<SourceFile> {
        list.iter()
            .map(|(p, k, t)| SourceFile::new(*p, *k, t.as_str()))
            .collect()
    }

    #[test]
    fn deeply_nested_and_huge_files_stay_bounded() {
        let deep_js = format!("{}1{}", "f(".repeat(20_000), ")".repeat(20_000));
        let deep_py = format!("x = {}1{}\n", "[".repeat(20_000), "]".repeat(20_000));
        // ~5 MB of minified-looking code on one line.
        let chunk = "var a=function(b,c){return b.map(function(d){return d+c})},e={x:1,y:'s'};";
        let minified = chunk.repeat(5 * 1024 * 1024 / chunk.len());
        let start = std::time::Instant::now();
        let code = load(&files(&[
            ("deep.js", FileKind::JavaScript, deep_js),
            ("deep.py", FileKind::Python, deep_py),
            ("bundle.min.js", FileKind::JavaScript, minified),
        ]));
        // Parse budget per file plus walking; generous for debug builds.
        assert!(start.elapsed() < std::time::Duration::from_secs(60));
        assert_eq!(code.modules.len() + code.diagnostics.len(), 3);
    }

    #[test]
    fn libraries_that_import_a_framework_are_not_services() {
        let code = load(&files(&[
            (
                "ext/flask/middleware.py",
                FileKind::Python,
                "from flask import request\n\ndef before():\n    return request.path\n".into(),
            ),
            (
                "mw/package.json",
                FileKind::Manifest,
                r#"{"peerDependencies": {"express": "4"}}"#.into(),
            ),
            (
                "mw/index.js",
                FileKind::JavaScript,
                "module.exports = function mw(req, res, next) { next(); };\n".into(),
            ),
            (
                "site/settings.py",
                FileKind::Python,
                "from django.conf import global_settings\nROOT_URLCONF = 'site.urls'\n".into(),
            ),
        ]));
        let dirs: Vec<&str> = code.services.iter().map(|s| s.dir.as_str()).collect();
        assert_eq!(dirs, ["site"], "only the Django project is a service");
    }

    #[test]
    fn detects_services_and_resolves_entry_points() {
        let code = load(&files(&[
            (
                "apps/api/package.json",
                FileKind::Manifest,
                r#"{"main": "dist/index.js", "dependencies": {"express": "4"}}"#.into(),
            ),
            (
                "apps/api/src/index.ts",
                FileKind::TypeScript,
                "import express from 'express';\nimport { ping } from './db';\nconst app = express();\napp.get('/health', async (req, res) => { await ping(); res.send('ok'); });\napp.listen(3000);\n".into(),
            ),
            (
                "apps/api/src/db.ts",
                FileKind::TypeScript,
                "export async function ping() { await pool.query('SELECT 1'); }\n".into(),
            ),
            (
                "apps/api/src/index.test.ts",
                FileKind::TypeScript,
                "app.listen(1);\n".into(),
            ),
            ("svc/requirements.txt", FileKind::Manifest, "flask\n".into()),
            (
                "svc/app.py",
                FileKind::Python,
                "from flask import Flask\nfrom . import views\napp = Flask(__name__)\n".into(),
            ),
            (
                "svc/views.py",
                FileKind::Python,
                "def health(request):\n    return 1\n".into(),
            ),
            ("tools/go.mod", FileKind::Manifest, "module x\n".into()),
            (
                "tools/cli/main.go",
                FileKind::Go,
                "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n".into(),
            ),
        ]));
        assert_eq!(code.services.len(), 2, "{:?}", code.services);
        let api = &code.services[0];
        assert_eq!(
            (api.dir.as_str(), api.framework),
            ("apps/api", Framework::Express)
        );
        assert_eq!(api.modules.len(), 2, "tests are not service code");
        let entry = &code.modules[api.entry.unwrap()];
        assert_eq!(entry.path, "apps/api/src/index.ts");
        let (lm, lc) = api.listen.unwrap();
        assert_eq!(code.modules[lm].calls[lc].span.start, 5);
        let ei = api.entry.unwrap();
        let reach = code.reachable_callees(api, ei, &["ping".to_string()], 3);
        assert!(reach.iter().any(|(_, c)| c == "pool.query"), "{reach:?}");
        let py = &code.services[1];
        assert_eq!((py.dir.as_str(), py.framework), ("svc", Framework::Flask));
        let app = code.module_index("svc/app.py").unwrap();
        assert!(code.resolve_function(py, app, "views.health").is_some());
    }
}
