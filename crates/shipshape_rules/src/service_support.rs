//! Helpers the service-code rules share: where a service's evidence points,
//! which libraries it really imports, how it is started in production.

use shipshape_loaders::code::commands::script_word;
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
    } else if let Some(e) = s.entry.or(s.modules.first().copied()) {
        (code.modules[e].path.clone(), LineSpan::line(1))
    } else {
        (String::new(), LineSpan::line(1))
    };
    // Services always have a module; an empty path would be a bug, not a file.
    let file = (!file.is_empty()).then_some(file);
    Evidence {
        lines: file.as_ref().map(|_| lines),
        file,
        resource: Some(service_label(s)),
        key: service_key(s),
        message,
        remediation: None,
    }
}

/// A service that lacks something: [`service_evidence`] with the fix in the
/// service's own language (JS/TS keep the rule's documented fix).
pub fn service_absence(
    repo: &Repository,
    s: &Service,
    message: String,
    python_fix: &str,
    go_fix: &str,
) -> Evidence {
    Evidence {
        remediation: lang_fix(s.lang, python_fix, go_fix),
        ..service_evidence(repo, s, message)
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

/// Whether any production command runs one of `programs`, also through
/// `sh -c "exec gunicorn ..."`, `python -m`, `poetry run`.
pub fn runs_program<'a>(cmds: &[&'a Command], programs: &[&str]) -> Option<&'a Command> {
    cmds.iter()
        .copied()
        .find(|c| tokens_run(c.words.iter().map(String::as_str), programs))
}

/// Whether a command line's tokens start one of `programs` (a token that is
/// the program itself, not an argument to something else like `pip install`).
pub fn tokens_run<'a>(words: impl Iterator<Item = &'a str>, programs: &[&str]) -> bool {
    let tokens: Vec<&str> = words.flat_map(|w| w.split_whitespace()).collect();
    tokens.iter().enumerate().any(|(i, t)| {
        let base = t.rsplit('/').next().unwrap_or(t);
        let prev = if i == 0 { "" } else { tokens[i - 1] };
        let prev = prev.rsplit('/').next().unwrap_or(prev);
        programs.contains(&base)
            && (i == 0
                || matches!(
                    prev,
                    "-c" | "exec" | "-m" | "run" | "&&" | ";" | "then" | "do" | "sh" | "bash"
                )
                || prev.starts_with("python")
                || prev.ends_with(';'))
    })
}

/// Whether a shell script that a production command runs (`./start.sh`,
/// `docker-entrypoint.sh`) starts one of `programs`.
pub fn script_runs(repo: &Repository, s: &Service, cmds: &[&Command], programs: &[&str]) -> bool {
    for c in cmds {
        for rel in c.words.iter().filter_map(|w| script_word(w)) {
            let candidates = [
                format!("{}/{rel}", c.dir()),
                format!("{}/{rel}", s.dir),
                rel.to_string(),
            ];
            for cand in candidates {
                let cand = cand.trim_start_matches('/');
                if let Some(f) = repo.file(cand) {
                    let hit = f
                        .text
                        .lines()
                        .filter(|l| !l.trim_start().starts_with('#'))
                        .any(|l| tokens_run(std::iter::once(l), programs));
                    if hit {
                        return true;
                    }
                }
            }
        }
    }
    false
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

/// A remediation snippet in the service's own language: Node services get
/// the rule's TypeScript "How to fix"; Python and Go ones get these.
pub fn lang_fix(lang: Lang, python: &str, go: &str) -> Option<String> {
    match lang {
        Lang::Python => Some(format!("```python\n{}\n```", python.trim())),
        Lang::Go => Some(format!("```go\n{}\n```", go.trim())),
        Lang::JavaScript | Lang::TypeScript => None,
    }
}
