//! Dependency manifests (package.json, requirements*.txt, pyproject.toml,
//! Pipfile, go.mod) and process files (Procfile).

use crate::source::SourceFile;
use shipshape_model::LineSpan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    PackageJson,
    Requirements,
    Pyproject,
    Pipfile,
    GoMod,
    Procfile,
}

/// One manifest: the dependencies it declares and, for package.json, its
/// scripts and main; for a Procfile, its process lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub path: String,
    pub kind: ManifestKind,
    /// Normalised names (lower case for Python, `_` → `-`).
    pub dependencies: Vec<String>,
    pub dev_dependencies: Vec<String>,
    /// (name, command, line span): package.json scripts, Procfile processes.
    pub scripts: Vec<(String, String, LineSpan)>,
    pub main: Option<String>,
    /// go.mod `module` path.
    pub module_path: Option<String>,
}

impl Manifest {
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    }

    pub fn declares(&self, dep: &str) -> bool {
        self.dependencies.iter().any(|d| d == dep)
    }

    pub fn script(&self, name: &str) -> Option<&(String, String, LineSpan)> {
        self.scripts.iter().find(|s| s.0 == name)
    }
}

pub fn kind_of(name: &str) -> Option<ManifestKind> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "package.json" => ManifestKind::PackageJson,
        "pyproject.toml" => ManifestKind::Pyproject,
        "pipfile" => ManifestKind::Pipfile,
        "go.mod" => ManifestKind::GoMod,
        "procfile" => ManifestKind::Procfile,
        _ if lower.starts_with("requirements") && lower.ends_with(".txt") => {
            ManifestKind::Requirements
        }
        _ => return None,
    })
}

/// Parses a manifest; `Err` is a parse-error message.
pub fn parse(file: &SourceFile) -> Option<Result<Manifest, String>> {
    let kind = kind_of(file.name())?;
    let mut m = Manifest {
        path: file.path.clone(),
        kind,
        dependencies: vec![],
        dev_dependencies: vec![],
        scripts: vec![],
        main: None,
        module_path: None,
    };
    let text: &str = &file.text;
    let res = match kind {
        ManifestKind::PackageJson => package_json(file, &mut m),
        ManifestKind::Requirements => {
            for line in text.lines() {
                if let Some(n) = requirement_name(line) {
                    m.dependencies.push(n);
                }
            }
            Ok(())
        }
        ManifestKind::Pyproject => pyproject(text, &mut m),
        ManifestKind::Pipfile => pipfile(text, &mut m),
        ManifestKind::GoMod => {
            go_mod(text, &mut m);
            Ok(())
        }
        ManifestKind::Procfile => {
            for (i, line) in text.lines().enumerate() {
                if let Some((name, cmd)) = line.split_once(':') {
                    let name = name.trim();
                    if !name.is_empty() && !name.starts_with('#') && !name.contains(' ') {
                        let l = i as u32 + 1;
                        m.scripts.push((
                            name.to_string(),
                            cmd.trim().to_string(),
                            LineSpan::line(l),
                        ));
                    }
                }
            }
            Ok(())
        }
    };
    Some(res.map(|_| m))
}

fn package_json(file: &SourceFile, m: &mut Manifest) -> Result<(), String> {
    let v: serde_json::Value =
        serde_json::from_str(&file.text).map_err(|e| format!("invalid JSON: {e}"))?;
    let keys = |k: &str| -> Vec<String> {
        v.get(k)
            .and_then(|d| d.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    // peerDependencies name what a library plugs into, not what it runs.
    m.dependencies = keys("dependencies");
    m.dev_dependencies = keys("devDependencies");
    m.main = v.get("main").and_then(|x| x.as_str()).map(str::to_string);
    if let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) {
        for (name, cmd) in scripts {
            if let Some(cmd) = cmd.as_str() {
                let line = key_line(file, name);
                m.scripts.push((name.clone(), cmd.to_string(), line));
            }
        }
    }
    Ok(())
}

/// The line of a JSON key (serde_json keeps no positions; the quoted key
/// followed by a colon is unambiguous enough for evidence).
fn key_line(file: &SourceFile, key: &str) -> LineSpan {
    let needle = format!("\"{key}\"");
    for (i, line) in file.text.lines().enumerate() {
        if let Some(pos) = line.find(&needle) {
            if line[pos + needle.len()..].trim_start().starts_with(':') {
                return LineSpan::line(i as u32 + 1);
            }
        }
    }
    LineSpan::line(1)
}

/// PEP 508 / pip requirement line → normalised project name.
pub fn requirement_name(line: &str) -> Option<String> {
    let line = line.split('#').next()?.trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let name = &line[..end];
    if name.is_empty() {
        return None;
    }
    Some(normalize(name))
}

pub fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

fn pyproject(text: &str, m: &mut Manifest) -> Result<(), String> {
    let v: toml::Table = text.parse().map_err(|e| format!("invalid TOML: {e}"))?;
    if let Some(deps) = v
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
    {
        for d in deps.iter().filter_map(|d| d.as_str()) {
            if let Some(n) = requirement_name(d) {
                m.dependencies.push(n);
            }
        }
    }
    if let Some(deps) = v
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        m.dependencies
            .extend(deps.keys().filter(|k| *k != "python").map(|k| normalize(k)));
    }
    Ok(())
}

fn pipfile(text: &str, m: &mut Manifest) -> Result<(), String> {
    let v: toml::Table = text.parse().map_err(|e| format!("invalid TOML: {e}"))?;
    if let Some(p) = v.get("packages").and_then(|p| p.as_table()) {
        m.dependencies.extend(p.keys().map(|k| normalize(k)));
    }
    if let Some(p) = v.get("dev-packages").and_then(|p| p.as_table()) {
        m.dev_dependencies.extend(p.keys().map(|k| normalize(k)));
    }
    Ok(())
}

/// go.mod is line oriented: `module x`, `require x v`, `require ( ... )`.
fn go_mod(text: &str, m: &mut Manifest) {
    let mut in_require = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("module ") {
            m.module_path = Some(rest.trim().trim_matches('"').to_string());
        } else if line.starts_with("require (") || line == "require(" {
            in_require = true;
        } else if in_require && line == ")" {
            in_require = false;
        } else if let Some(rest) = line.strip_prefix("require ") {
            if let Some(p) = rest.split_whitespace().next() {
                m.dependencies.push(p.to_string());
            }
        } else if in_require {
            if let Some(p) = line.split_whitespace().next() {
                m.dependencies.push(p.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sf(path: &str, text: &str) -> SourceFile {
        SourceFile::new(path, crate::FileKind::Manifest, text)
    }

    #[test]
    fn parses_each_manifest_kind() {
        let p = parse(&sf(
            "api/package.json",
            "{\n \"main\": \"dist/index.js\",\n \"scripts\": {\n  \"start\": \"node dist/index.js\"\n },\n \"dependencies\": {\"fastify\": \"4\"}\n}",
        ))
        .unwrap()
        .unwrap();
        assert!(p.declares("fastify"));
        assert_eq!(p.script("start").unwrap().2, LineSpan::line(4));
        assert_eq!(p.dir(), "api");
        let r = parse(&sf(
            "requirements.txt",
            "Flask==3.0\n# x\n-r base.txt\npython_json_logger>=2\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.dependencies, ["flask", "python-json-logger"]);
        let py = parse(&sf(
            "pyproject.toml",
            "[project]\ndependencies = [\"fastapi>=0.1\", \"uvicorn[standard]\"]\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(py.dependencies, ["fastapi", "uvicorn"]);
        let g = parse(&sf(
            "go.mod",
            "module example.com/svc\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.0\n)\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(g.module_path.as_deref(), Some("example.com/svc"));
        assert_eq!(g.dependencies, ["github.com/gin-gonic/gin"]);
        let pf = parse(&sf("Procfile", "web: gunicorn app:app\n"))
            .unwrap()
            .unwrap();
        assert_eq!(pf.scripts[0].1, "gunicorn app:app");
        assert!(parse(&sf("package.json", "{nope")).unwrap().is_err());
    }
}
