//! Commands and probes from Kubernetes manifests and compose files: a
//! container `command`/`args` that runs gunicorn is how a Python service is
//! served even when its Dockerfile says `python app.py`; a livenessProbe
//! path marks a route that is meant to be shallow.

use super::commands::{shell_words, Command, CommandSource};
use crate::source::SourceFile;
use crate::yaml::{self, Node};
use shipshape_model::LineSpan;

#[derive(Debug, Default)]
pub struct Found {
    pub commands: Vec<Command>,
    /// (probe kind, path): `liveness`, `readiness`, `startup`.
    pub probes: Vec<(String, String)>,
}

/// Whether a file's container commands and probes are read: YAML that is
/// the repository's own (not vendored), and not so large that it is data.
pub fn wants(file: &SourceFile) -> bool {
    file.kind == crate::FileKind::Yaml
        && !super::is_vendored(&file.path)
        && file.text.len() <= 2 * 1024 * 1024
}

/// The container commands and probes of a parsed YAML file (the guarded
/// tree, as for compose and Kubernetes files: [`crate::yaml_families`]
/// parses each file once for all of them).
pub fn from_parsed(file: &SourceFile, parsed: &yaml::YamlFile, out: &mut Found) {
    for d in &parsed.docs {
        walk(file, d, None, out, 0);
    }
}

fn words(v: &Node) -> Vec<String> {
    if let Some(s) = v.as_str() {
        return shell_words(s);
    }
    v.items()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

fn walk(file: &SourceFile, y: &Node, name: Option<&str>, out: &mut Found, depth: usize) {
    if depth > 24 {
        return;
    }
    if y.is_map() {
        let get = |k: &str| {
            y.entries()
                .find(|(key, _)| key.as_str() == Some(k))
                .map(|(_, v)| v)
        };
        let is_container = get("image").is_some() || get("build").is_some();
        if is_container {
            let mut w = vec![];
            for key in ["entrypoint", "command", "args"] {
                if let Some(v) = get(key) {
                    w.extend(words(v));
                }
            }
            if !w.is_empty() {
                let dir = super::dir_of(&file.path);
                let context = get("build").and_then(|b| {
                    b.as_str()
                        .or_else(|| b.get("context").and_then(Node::as_str))
                        .map(|c| join_dir(dir, c))
                });
                out.commands.push(Command {
                    file: file.path.clone(),
                    span: LineSpan::line(1),
                    source: CommandSource::Container(
                        get("name")
                            .and_then(|n| n.as_str())
                            .or(name)
                            .unwrap_or("")
                            .to_string(),
                    ),
                    words: w,
                    context,
                });
            }
            for (kind, key) in [
                ("liveness", "livenessProbe"),
                ("readiness", "readinessProbe"),
                ("startup", "startupProbe"),
            ] {
                if let Some(path) = get(key)
                    .and_then(|p| p.get_path(&["httpGet", "path"]))
                    .and_then(Node::as_str)
                {
                    out.probes.push((kind.to_string(), path.to_string()));
                }
            }
        }
        for (k, v) in y.entries() {
            walk(file, v, k.as_str(), out, depth + 1);
        }
    } else {
        for v in y.items() {
            walk(file, v, None, out, depth + 1);
        }
    }
}

fn join_dir(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if dir.is_empty() {
        vec![]
    } else {
        dir.split('/').collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k8s_and_compose_commands_and_probes() {
        let k8s = SourceFile::new(
            "k8s/api.yaml",
            crate::FileKind::Yaml,
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: x:1\n          command: [\"gunicorn\"]\n          args: [\"app:app\"]\n          livenessProbe:\n            httpGet:\n              path: /healthz\n",
        );
        let compose = SourceFile::new(
            "docker-compose.yml",
            crate::FileKind::Yaml,
            "services:\n  web:\n    build: ./services/web\n    command: uvicorn main:app --host 0.0.0.0\n",
        );
        let f = crate::yaml_families::load(&[compose, k8s]).containers;
        // In file order: the compose file sorts first.
        assert_eq!(f.commands[0].context.as_deref(), Some("services/web"));
        assert_eq!(f.commands[1].words, ["gunicorn", "app:app"]);
        assert_eq!(f.probes, [("liveness".to_string(), "/healthz".to_string())]);
    }
}
