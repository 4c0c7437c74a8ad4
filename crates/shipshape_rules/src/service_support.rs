//! Helpers the service-code rules share: where a service's evidence points,
//! which libraries it really imports, how it is started in production.

use shipshape_loaders::code::{Code, Command, Lang, Module, Service};
use shipshape_loaders::Repository;
use shipshape_model::{Evidence, LineSpan};

/// Whether an imported module is `name` or a submodule / subpath of it
/// (`@opentelemetry/api` for `@opentelemetry/`, `flask_limiter.util` for
/// `flask_limiter`, `github.com/rs/zerolog/log` for `github.com/rs/zerolog`).
pub fn module_is(module: &str, name: &str) -> bool {
    if let Some(prefix) = name.strip_suffix('/') {
        return module.starts_with(prefix) && module[prefix.len()..].starts_with('/');
    }
    module == name
        || module
            .strip_prefix(name)
            .is_some_and(|r| r.starts_with('/') || r.starts_with('.'))
}

/// The first import in the service of one of `names`: (module, line, name).
pub fn imported<'a>(
    code: &'a Code,
    s: &'a Service,
    names: &[&str],
) -> Option<(&'a Module, u32, String)> {
    for m in code.modules_of(s) {
        for imp in &m.imports {
            if let Some(n) = names.iter().find(|n| module_is(&imp.module, n)) {
                return Some((m, imp.line, (*n).to_string()));
            }
        }
    }
    None
}

/// Every call of the service with its module.
pub fn calls<'a>(
    code: &'a Code,
    s: &'a Service,
) -> impl Iterator<Item = (&'a Module, &'a shipshape_loaders::code::Call)> + 'a {
    code.modules_of(s)
        .flat_map(|m| m.calls.iter().map(move |c| (m, c)))
}

/// Evidence for a finding about a whole service: where the app is created,
/// else where it listens, else its manifest, else its entry file.
pub fn service_evidence(repo: &Repository, s: &Service, message: String) -> Evidence {
    let code = &repo.code;
    let (file, lines) = if let Some((mi, ci)) = s.app.or(s.listen) {
        let m = &code.modules[mi];
        (m.path.clone(), m.calls[ci].span)
    } else if let Some(m) = code.manifest_of(s) {
        (m.path.clone(), LineSpan::line(1))
    } else if let Some(e) = s.entry {
        (code.modules[e].path.clone(), LineSpan::line(1))
    } else {
        (format!("{}/", s.dir), LineSpan::line(1))
    };
    Evidence {
        file: Some(file),
        lines: Some(lines),
        resource: Some(service_label(s)),
        key: service_key(s),
        message,
        remediation: None,
    }
}

/// `api (fastify)`.
pub fn service_label(s: &Service) -> String {
    format!("{} ({})", display_dir(s), s.framework.name())
}

pub fn display_dir(s: &Service) -> &str {
    if s.dir.is_empty() {
        "."
    } else {
        &s.dir
    }
}

/// A fingerprint key that survives edits: the service directory.
pub fn service_key(s: &Service) -> String {
    format!("service:{}", s.dir)
}

/// The commands that start the service in production (Dockerfile CMD,
/// Procfile processes; npm scripts only when those run `npm start`).
pub fn production_commands<'a>(code: &'a Code, s: &Service) -> Vec<&'a Command> {
    let cmds: Vec<&Command> = s.commands.iter().map(|i| &code.commands[*i]).collect();
    let primary: Vec<&Command> = cmds
        .iter()
        .copied()
        .filter(|c| {
            !matches!(
                c.source,
                shipshape_loaders::code::CommandSource::PackageScript(_)
            ) && c.is_production()
        })
        .collect();
    let mut out = primary.clone();
    // Follow `npm start` / `npm run x` into package.json.
    for c in &primary {
        if let Some(script) = npm_script(&c.words) {
            if let Some(sc) = cmds.iter().find(|x| {
                matches!(&x.source, shipshape_loaders::code::CommandSource::PackageScript(n) if n == script)
            }) {
                out.push(sc);
            }
        }
    }
    out
}

/// The script an `npm start` / `yarn run x` command runs.
pub fn npm_script(words: &[String]) -> Option<&str> {
    let prog = words.first()?.rsplit('/').next()?;
    if !matches!(prog, "npm" | "yarn" | "pnpm") {
        return None;
    }
    match words.get(1).map(String::as_str) {
        Some("run" | "run-script") => words.get(2).map(String::as_str),
        Some(x) if !x.starts_with('-') => Some(x),
        _ => None,
    }
}

/// Whether any production command runs one of `programs` (as the program,
/// or via `python -m`).
pub fn runs_program<'a>(cmds: &[&'a Command], programs: &[&str]) -> Option<&'a Command> {
    cmds.iter().copied().find(|c| {
        c.words.iter().take(4).enumerate().any(|(i, w)| {
            let base = w.rsplit('/').next().unwrap_or(w);
            programs.contains(&base)
                && (i == 0
                    || c.words[..i].iter().all(|p| {
                        let b = p.rsplit('/').next().unwrap_or(p);
                        b.starts_with("python")
                            || b == "-m"
                            || b == "exec"
                            || b == "poetry"
                            || b == "run"
                            || b == "pipenv"
                            || b == "uv"
                    }))
        })
    })
}

/// Whether the service's manifest declares a dependency.
pub fn declares(code: &Code, s: &Service, dep: &str) -> bool {
    code.manifest_of(s).is_some_and(|m| m.declares(dep))
}

/// Whether a module is Node code.
pub fn is_node(m: &Module) -> bool {
    m.lang.is_node()
}

/// Whether a module is Python.
pub fn is_python(m: &Module) -> bool {
    m.lang == Lang::Python
}
