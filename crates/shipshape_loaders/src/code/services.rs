//! The service model: which directories hold long-running HTTP services,
//! in which framework, started how, and which files belong to each.

use super::commands::CommandSource;
use super::manifest::ManifestKind;
use super::model::{Lang, Module};
use super::{dir_of, is_test_path, Code};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framework {
    Express,
    Fastify,
    Koa,
    Nest,
    Hapi,
    Restify,
    Flask,
    FastApi,
    Django,
    Starlette,
    Aiohttp,
    Sanic,
    Quart,
    Tornado,
    Falcon,
    Bottle,
    NetHttp,
    Gin,
    Echo,
    Chi,
    Fiber,
    GorillaMux,
}

/// (npm package, framework), in precedence order.
const NODE_FRAMEWORKS: &[(&str, Framework)] = &[
    ("@nestjs/core", Framework::Nest),
    ("fastify", Framework::Fastify),
    ("express", Framework::Express),
    ("koa", Framework::Koa),
    ("@hapi/hapi", Framework::Hapi),
    ("hapi", Framework::Hapi),
    ("restify", Framework::Restify),
];

/// (Python top-level module, framework), in precedence order.
const PY_FRAMEWORKS: &[(&str, Framework)] = &[
    ("fastapi", Framework::FastApi),
    ("flask", Framework::Flask),
    ("django", Framework::Django),
    ("starlette", Framework::Starlette),
    ("quart", Framework::Quart),
    ("sanic", Framework::Sanic),
    ("aiohttp", Framework::Aiohttp),
    ("tornado", Framework::Tornado),
    ("falcon", Framework::Falcon),
    ("bottle", Framework::Bottle),
];

/// (Go import path prefix, framework), in precedence order.
const GO_FRAMEWORKS: &[(&str, Framework)] = &[
    ("github.com/gin-gonic/gin", Framework::Gin),
    ("github.com/labstack/echo", Framework::Echo),
    ("github.com/go-chi/chi", Framework::Chi),
    ("github.com/gofiber/fiber", Framework::Fiber),
    ("github.com/gorilla/mux", Framework::GorillaMux),
    ("net/http", Framework::NetHttp),
];

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Express => "express",
            Framework::Fastify => "fastify",
            Framework::Koa => "koa",
            Framework::Nest => "nestjs",
            Framework::Hapi => "hapi",
            Framework::Restify => "restify",
            Framework::Flask => "flask",
            Framework::FastApi => "fastapi",
            Framework::Django => "django",
            Framework::Starlette => "starlette",
            Framework::Aiohttp => "aiohttp",
            Framework::Sanic => "sanic",
            Framework::Quart => "quart",
            Framework::Tornado => "tornado",
            Framework::Falcon => "falcon",
            Framework::Bottle => "bottle",
            Framework::NetHttp => "net/http",
            Framework::Gin => "gin",
            Framework::Echo => "echo",
            Framework::Chi => "chi",
            Framework::Fiber => "fiber",
            Framework::GorillaMux => "gorilla/mux",
        }
    }

    /// The module (npm package, Python module, Go import prefix) it comes from.
    pub fn module(self) -> &'static str {
        NODE_FRAMEWORKS
            .iter()
            .chain(PY_FRAMEWORKS)
            .chain(GO_FRAMEWORKS)
            .find(|(_, f)| *f == self)
            .map(|(m, _)| *m)
            .unwrap_or("")
    }
}

/// One long-running HTTP service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Its directory ("" for the repository root).
    pub dir: String,
    pub name: String,
    pub lang: Lang,
    pub framework: Framework,
    /// Index into `Code::manifests`.
    pub manifest: Option<usize>,
    /// Indices into `Code::modules`: the service's own non-test code.
    pub modules: Vec<usize>,
    /// The entry point module.
    pub entry: Option<usize>,
    /// Indices into `Code::commands` that start it (production ones first).
    pub commands: Vec<usize>,
    /// (module, call) where the app / router / server is created.
    pub app: Option<(usize, usize)>,
    /// (module, call) of the listen / run / serve call.
    pub listen: Option<(usize, usize)>,
}

fn lang_family(a: Lang, b: Lang) -> bool {
    a == b || (a.is_node() && b.is_node())
}

fn is_py_manifest(k: ManifestKind) -> bool {
    matches!(
        k,
        ManifestKind::Requirements | ManifestKind::Pyproject | ManifestKind::Pipfile
    )
}

pub fn detect(code: &Code) -> Vec<Service> {
    let mut found: Vec<(String, Lang, Framework, Option<usize>)> = vec![];
    let by_dir = manifests_by_dir(code);
    // Every directory that holds TypeScript somewhere below it.
    let mut ts_dirs: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for x in code.modules.iter().filter(|x| x.lang == Lang::TypeScript) {
        let mut d = dir_of(&x.path);
        while ts_dirs.insert(d) && !d.is_empty() {
            d = dir_of(d);
        }
        ts_dirs.insert("");
    }
    // Node: a package.json that depends on a server framework.
    for (i, m) in code.manifests.iter().enumerate() {
        if m.kind != ManifestKind::PackageJson {
            continue;
        }
        if let Some((_, fw)) = NODE_FRAMEWORKS.iter().find(|(p, _)| m.declares(p)) {
            let lang = if ts_dirs.contains(m.dir()) {
                Lang::TypeScript
            } else {
                Lang::JavaScript
            };
            found.push((m.dir().to_string(), lang, *fw, Some(i)));
        }
    }
    // Python: code importing a web framework, grouped by its nearest manifest.
    for m in &code.modules {
        if m.lang != Lang::Python || is_test_path(&m.path) {
            continue;
        }
        let Some(fw) = PY_FRAMEWORKS.iter().find_map(|(name, fw)| {
            m.imports_module(|x| x == *name || x.starts_with(&format!("{name}.")))
                .map(|_| *fw)
        }) else {
            continue;
        };
        let manifest = nearest_manifest(code, &by_dir, dir_of(&m.path), is_py_manifest);
        let dir = manifest
            .map(|i| code.manifests[i].dir().to_string())
            .unwrap_or_else(|| dir_of(&m.path).to_string());
        merge(&mut found, dir, Lang::Python, fw, manifest, PY_FRAMEWORKS);
    }
    // Go: a main package that serves HTTP.
    for m in &code.modules {
        if m.lang != Lang::Go || m.package.as_deref() != Some("main") || is_test_path(&m.path) {
            continue;
        }
        let Some(fw) = GO_FRAMEWORKS
            .iter()
            .find_map(|(p, fw)| m.imports_module(|x| x.starts_with(p)).map(|_| *fw))
        else {
            continue;
        };
        if !m.calls.iter().any(|c| is_go_serve(c.method())) {
            continue;
        }
        let manifest =
            nearest_manifest(code, &by_dir, dir_of(&m.path), |k| k == ManifestKind::GoMod);
        let dir = manifest
            .map(|i| code.manifests[i].dir().to_string())
            .unwrap_or_else(|| dir_of(&m.path).to_string());
        merge(&mut found, dir, Lang::Go, fw, manifest, GO_FRAMEWORKS);
    }
    // Each module belongs to the deepest service directory above it (a
    // nested service owns its own tree): one walk up per module.
    let dirs: std::collections::HashSet<String> = found.iter().map(|f| f.0.clone()).collect();
    let mut owned: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (i, m) in code.modules.iter().enumerate() {
        if is_test_path(&m.path) {
            continue;
        }
        let mut d = dir_of(&m.path);
        loop {
            if dirs.contains(d) {
                owned.entry(d.to_string()).or_default().push(i);
                break;
            }
            if d.is_empty() {
                break;
            }
            d = dir_of(d);
        }
    }
    let command_index = CommandIndex::new(code, &dirs);
    found
        .into_iter()
        .map(|(dir, lang, framework, manifest)| {
            let modules: Vec<usize> = owned
                .get(&dir)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| lang_family(code.modules[i].lang, lang))
                .collect();
            let mut s = Service {
                name: if dir.is_empty() {
                    "root".to_string()
                } else {
                    dir.rsplit('/').next().unwrap_or(&dir).to_string()
                },
                dir,
                lang,
                framework,
                manifest,
                modules,
                entry: None,
                commands: vec![],
                app: None,
                listen: None,
            };
            s.commands = commands_of(code, &command_index, &s);
            s.app = find_app(code, &s);
            s.entry = find_entry(code, &s);
            s.listen = find_listen(code, &s);
            if s.entry.is_none() {
                s.entry = s.listen.or(s.app).map(|(m, _)| m);
            }
            s
        })
        // A library that imports a framework (a plugin, an extension) is not
        // a service: a service creates its app, listens, or is a Django project.
        .filter(|s| s.app.is_some() || s.listen.is_some() || is_django_project(code, s))
        .collect()
}

fn is_django_project(code: &Code, s: &Service) -> bool {
    s.framework == Framework::Django
        && code.modules_of(s).any(|m| {
            m.path.ends_with("manage.py")
                || m.assigns
                    .iter()
                    .any(|a| a.name == "ROOT_URLCONF" || a.name == "WSGI_APPLICATION")
        })
}

fn merge(
    found: &mut Vec<(String, Lang, Framework, Option<usize>)>,
    dir: String,
    lang: Lang,
    fw: Framework,
    manifest: Option<usize>,
    order: &[(&str, Framework)],
) {
    let rank = |f: Framework| {
        order
            .iter()
            .position(|(_, x)| *x == f)
            .unwrap_or(usize::MAX)
    };
    if let Some(e) = found.iter_mut().find(|e| e.0 == dir) {
        if e.1 == lang && rank(fw) < rank(e.2) {
            e.2 = fw;
        }
        return;
    }
    found.push((dir, lang, fw, manifest));
}

/// Manifests by directory, so "the nearest manifest" costs the depth of
/// the path, not the number of manifests.
type ManifestsByDir<'a> = std::collections::HashMap<&'a str, Vec<usize>>;

fn manifests_by_dir(code: &Code) -> ManifestsByDir<'_> {
    let mut out: ManifestsByDir = std::collections::HashMap::new();
    for (i, m) in code.manifests.iter().enumerate() {
        out.entry(m.dir()).or_default().push(i);
    }
    out
}

fn nearest_manifest(
    code: &Code,
    by_dir: &ManifestsByDir,
    dir: &str,
    pred: impl Fn(ManifestKind) -> bool,
) -> Option<usize> {
    let mut d = dir.to_string();
    loop {
        if let Some(i) = by_dir
            .get(d.as_str())
            .and_then(|list| list.iter().copied().find(|&i| pred(code.manifests[i].kind)))
        {
            return Some(i);
        }
        if d.is_empty() {
            return None;
        }
        d = d
            .rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default();
    }
}

pub fn is_go_serve(method: &str) -> bool {
    matches!(
        method,
        "ListenAndServe"
            | "ListenAndServeTLS"
            | "Serve"
            | "ServeTLS"
            | "Run"
            | "RunTLS"
            | "Start"
            | "StartTLS"
            | "Listen"
    )
}

/// Which commands may belong to which service directory, computed once so
/// that assigning commands costs the commands near a service, not every
/// command of the repository for every service.
struct CommandIndex {
    /// Directory → commands in it or below it.
    under: HashMap<String, Vec<usize>>,
    /// Build context → container commands that build from it.
    by_context: HashMap<String, Vec<usize>>,
    /// Service directory → container commands without a build context
    /// whose manifest is nearest to that service (closest common ancestor).
    nearby: HashMap<String, Vec<usize>>,
}

impl CommandIndex {
    fn new(code: &Code, service_dirs: &HashSet<String>) -> Self {
        let mut under: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_context: HashMap<String, Vec<usize>> = HashMap::new();
        let mut nearby: HashMap<String, Vec<usize>> = HashMap::new();
        // Ancestor directory → service directories below (or at) it.
        let mut services_below: HashMap<&str, Vec<&str>> = HashMap::new();
        for d in service_dirs {
            let mut a = d.as_str();
            loop {
                services_below.entry(a).or_default().push(d);
                if a.is_empty() {
                    break;
                }
                a = dir_of(a);
            }
        }
        for (i, c) in code.commands.iter().enumerate() {
            if let CommandSource::Container(_) = c.source {
                match &c.context {
                    Some(ctx) => by_context.entry(ctx.clone()).or_default().push(i),
                    None => {
                        let mut a = c.dir();
                        loop {
                            if let Some(list) = services_below.get(a) {
                                for d in list {
                                    nearby.entry(d.to_string()).or_default().push(i);
                                }
                                break;
                            }
                            if a.is_empty() {
                                break;
                            }
                            a = dir_of(a);
                        }
                    }
                }
                continue;
            }
            let mut a = c.dir();
            loop {
                if service_dirs.contains(a) {
                    under.entry(a.to_string()).or_default().push(i);
                }
                if a.is_empty() {
                    break;
                }
                a = dir_of(a);
            }
        }
        Self {
            under,
            by_context,
            nearby,
        }
    }
}

fn commands_of(code: &Code, index: &CommandIndex, s: &Service) -> Vec<usize> {
    let get = |m: &HashMap<String, Vec<usize>>| m.get(&s.dir).cloned().unwrap_or_default();
    let mut idx: Vec<usize> = get(&index.under)
        .into_iter()
        .filter(|&i| {
            let c = &code.commands[i];
            let d = c.dir();
            let mine = d == s.dir || !is_test_path(&c.file);
            let kind_ok = match &c.source {
                CommandSource::PackageScript(_) => s.lang.is_node() && d == s.dir,
                _ => true,
            };
            mine && kind_ok
        })
        .collect();
    // Kubernetes / compose commands belong to the service they build from
    // or whose files they name.
    idx.extend(get(&index.by_context));
    idx.extend(
        get(&index.nearby)
            .into_iter()
            .filter(|&i| entry_of_words(code, s, &code.commands[i].words, 0).is_some()),
    );
    idx.sort_by_key(|i| {
        let c = &code.commands[*i];
        (
            !c.is_production(),
            !matches!(c.source, CommandSource::Dockerfile),
            c.file.clone(),
        )
    });
    idx
}

/// The app / router / server creation call.
fn find_app(code: &Code, s: &Service) -> Option<(usize, usize)> {
    for &mi in &s.modules {
        let m = &code.modules[mi];
        for (ci, c) in m.calls.iter().enumerate() {
            if is_app_creation(m, c, s.framework) {
                return Some((mi, ci));
            }
        }
    }
    None
}

pub fn is_app_creation(m: &Module, c: &super::Call, fw: Framework) -> bool {
    let Some(module) = m.callee_module(&c.callee) else {
        return false;
    };
    let fw_module = fw.module();
    let from_fw = module == fw_module
        || module.starts_with(&format!("{fw_module}."))
        || (m.lang == Lang::Go && module.starts_with(fw_module));
    if !from_fw {
        return false;
    }
    let method = c.method();
    match m.lang {
        Lang::JavaScript | Lang::TypeScript => {
            !c.callee.contains('.')
                || matches!(method, "create" | "server" | "Server" | "createServer")
        }
        Lang::Python => matches!(
            method,
            "Flask"
                | "FastAPI"
                | "Starlette"
                | "Quart"
                | "Sanic"
                | "Application"
                | "App"
                | "Bottle"
                | "get_wsgi_application"
                | "get_asgi_application"
        ),
        Lang::Go => matches!(
            method,
            "NewServeMux"
                | "Default"
                | "New"
                | "NewRouter"
                | "ListenAndServe"
                | "ListenAndServeTLS"
        ),
    }
}

fn is_listen(m: &Module, c: &super::Call) -> bool {
    match m.lang {
        Lang::JavaScript | Lang::TypeScript => c.method() == "listen",
        Lang::Python => {
            matches!(c.method(), "run" | "run_app" | "serve" | "run_simple") && !c.in_function
                || matches!(
                    c.callee.as_str(),
                    "uvicorn.run" | "waitress.serve" | "web.run_app"
                )
        }
        Lang::Go => is_go_serve(c.method()),
    }
}

fn find_listen(code: &Code, s: &Service) -> Option<(usize, usize)> {
    let order = s.entry.into_iter().chain(s.modules.iter().copied());
    for mi in order {
        let m = &code.modules[mi];
        if let Some(ci) = m.calls.iter().position(|c| is_listen(m, c)) {
            return Some((mi, ci));
        }
    }
    None
}

/// The file a start command runs, resolved in the service.
fn find_entry(code: &Code, s: &Service) -> Option<usize> {
    for &ci in &s.commands {
        let c = &code.commands[ci];
        if !c.is_production() {
            continue;
        }
        if let Some(e) = entry_of_words(code, s, &c.words, 0) {
            return Some(e);
        }
    }
    if let Some(main) = code.manifest_of(s).and_then(|m| m.main.clone()) {
        if let Some(e) = resolve_file(code, s, &main) {
            return Some(e);
        }
    }
    None
}

fn entry_of_words(code: &Code, s: &Service, words: &[String], depth: usize) -> Option<usize> {
    let prog = words.first()?.rsplit('/').next().unwrap_or("");
    // `npm start` / `npm run start` / `yarn start` → the start script.
    if matches!(prog, "npm" | "yarn" | "pnpm") && depth < 2 {
        let script = match words.get(1).map(String::as_str) {
            Some("run" | "run-script") => words.get(2)?.as_str(),
            Some(x) => x,
            None => return None,
        };
        let m = code.manifest_of(s)?;
        let (_, cmd, _) = m.script(script)?;
        let w = super::commands::shell_words(cmd);
        return entry_of_words(code, s, &w, depth + 1);
    }
    for w in words.iter().skip(1) {
        if w.starts_with('-') {
            continue;
        }
        // gunicorn/uvicorn `pkg.module:app`
        let target = if let Some((module, _)) = w.split_once(':') {
            if module.contains('/') || module.is_empty() {
                continue;
            }
            format!("{}.py", module.replace('.', "/"))
        } else {
            w.clone()
        };
        if let Some(e) = resolve_file(code, s, &target) {
            return Some(e);
        }
    }
    None
}

/// A path as a command names it → a module of the service (compiled output
/// maps back to its source: `dist/index.js` → `src/index.ts`).
fn resolve_file(code: &Code, s: &Service, rel: &str) -> Option<usize> {
    let rel = rel.trim_start_matches("./");
    let rel = rel.strip_prefix("/app/").unwrap_or(rel);
    let join = |p: &str| {
        if s.dir.is_empty() {
            p.to_string()
        } else {
            format!("{}/{p}", s.dir)
        }
    };
    let mut candidates = vec![rel.to_string()];
    let stem = rel
        .strip_suffix(".js")
        .or_else(|| rel.strip_suffix(".mjs"))
        .or_else(|| rel.strip_suffix(".cjs"))
        .unwrap_or(rel);
    for out in ["dist/", "build/", "lib/", "out/"] {
        if let Some(rest) = stem.strip_prefix(out) {
            for ext in ["ts", "js", "mts"] {
                candidates.push(format!("src/{rest}.{ext}"));
                candidates.push(format!("{rest}.{ext}"));
            }
        }
    }
    for ext in ["ts", "js"] {
        candidates.push(format!("{stem}.{ext}"));
    }
    candidates
        .iter()
        .filter_map(|c| code.module_index(&join(c)))
        .find(|i| s.modules.binary_search(i).is_ok())
}
