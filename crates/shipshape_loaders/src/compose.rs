//! Docker Compose files (`compose.y*ml`, `docker-compose*.y*ml`): services
//! with their image, build, command, ports, environment, healthcheck and
//! deploy settings, each with its lines.
//!
//! `${VAR:-default}` / `${VAR-default}` interpolation is applied with the
//! default; a variable without default stays as written and the value is
//! marked as not fully known.

use crate::source::{FileKind, SourceFile};
use crate::yaml::Node;
use shipshape_model::LineSpan;

/// One compose file.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub path: String,
    pub services: Vec<Service>,
}

/// A string value with its lines and whether interpolation fully resolved it.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: LineSpan,
    /// `false` when a `${VAR}` without default remains in `value`.
    pub known: bool,
}

/// A `ports:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// `None` = all interfaces.
    pub host_ip: Option<String>,
    /// Host port or range; `None` = an ephemeral port is chosen.
    pub published: Option<String>,
    /// Container port or range.
    pub target: String,
    pub protocol: Option<String>,
    /// As written (short syntax) or a summary (long syntax).
    pub raw: String,
    pub span: LineSpan,
    /// `false` when an interpolation without default remains.
    pub known: bool,
}

impl Port {
    /// Container ports covered by `target` (a range expands; capped).
    pub fn target_ports(&self) -> Vec<u16> {
        port_range(&self.target)
    }

    /// Whether the port is bound on every host interface.
    pub fn all_interfaces(&self) -> bool {
        match self.host_ip.as_deref() {
            None => true,
            Some(ip) => matches!(ip, "0.0.0.0" | "::" | "[::]" | ""),
        }
    }
}

/// Parses `6379` or `6379-6380` into the ports it covers (at most 1024).
pub fn port_range(s: &str) -> Vec<u16> {
    let s = s.trim();
    match s.split_once('-') {
        Some((a, b)) => match (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
            (Ok(a), Ok(b)) if a <= b => (a..=b).take(1024).collect(),
            _ => vec![],
        },
        None => s.parse::<u16>().map(|p| vec![p]).unwrap_or_default(),
    }
}

/// An `environment:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// `None` when only the name is given (taken from the shell).
    pub value: Option<String>,
    /// The value as written, before interpolation.
    pub raw: Option<String>,
    pub span: LineSpan,
}

/// A service's `healthcheck:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Healthcheck {
    /// `disable: true` or `test: ["NONE"]`.
    pub disabled: bool,
    pub test: Vec<String>,
    pub span: LineSpan,
}

/// One service.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// From the service's key line to its last line.
    pub span: LineSpan,
    pub image: Option<Text>,
    /// Lines of `build:` when present.
    pub build: Option<LineSpan>,
    /// `command:` as argv (a string is split into words).
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub ports: Vec<Port>,
    pub expose: Vec<String>,
    pub environment: Vec<EnvVar>,
    pub env_files: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    /// `deploy.update_config.order` (`start-first` / `stop-first`).
    pub update_order: Option<Text>,
    pub replicas: Option<i64>,
    pub stop_grace_period: Option<Text>,
    pub restart: Option<Text>,
    /// `profiles:` (services only started on demand).
    pub profiles: Vec<String>,
    /// The raw service node, for anything not modelled here.
    pub node: Node,
}

impl Service {
    /// The Dockerfile `build:` names, relative to the repository root
    /// (`compose_path` is the compose file's path): `context` and
    /// `dockerfile` default to `.` and `Dockerfile`.
    pub fn build_dockerfile(&self, compose_path: &str) -> Option<String> {
        self.build?;
        let (context, dockerfile) = match self.node.get("build") {
            Some(b) if b.is_map() => (
                b.get("context").and_then(|c| c.text()).unwrap_or("."),
                b.get("dockerfile")
                    .and_then(|d| d.text())
                    .unwrap_or("Dockerfile"),
            ),
            Some(b) => (b.text().unwrap_or("."), "Dockerfile"),
            None => return None,
        };
        let dir = compose_path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut parts: Vec<&str> = Vec::new();
        for seg in [dir, context, dockerfile].iter().flat_map(|p| p.split('/')) {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        Some(parts.join("/"))
    }
}

/// Whether a file name is a compose file name.
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    stem == "compose"
        || stem.starts_with("compose.")
        || stem == "docker-compose"
        || stem.starts_with("docker-compose.")
        || stem.starts_with("docker-compose-")
}

/// Whether a file is a compose file (by name).
pub fn wants(f: &SourceFile) -> bool {
    f.kind == FileKind::Yaml && is_compose_name(f.name())
}

/// Reads a compose document (`None` if it has no `services:` mapping).
pub fn from_doc(path: &str, doc: &Node) -> Option<ComposeFile> {
    let services = doc.get("services").filter(|s| s.is_map())?;
    let services = services
        .entries()
        .filter_map(|(key, node)| {
            let name = key.text()?.to_string();
            Some(service(name, key.span, node))
        })
        .collect();
    Some(ComposeFile {
        path: path.to_string(),
        services,
    })
}

fn text(node: &Node) -> Option<Text> {
    let raw = node.text()?;
    let (value, known) = interpolate(raw);
    Some(Text {
        value,
        span: node.span,
        known,
    })
}

fn argv(node: &Node) -> Option<Vec<String>> {
    if node.is_seq() {
        return Some(
            node.items()
                .iter()
                .filter_map(|n| n.text().map(|t| interpolate(t).0))
                .collect(),
        );
    }
    node.text()
        .map(|t| crate::dockerfile::shell_words(&interpolate(t).0))
}

fn service(name: String, key_span: LineSpan, node: &Node) -> Service {
    let span = LineSpan::new(key_span.start, node.span.end.max(key_span.end));
    let healthcheck = node.get("healthcheck").map(|h| {
        let test = h.get("test").and_then(argv).unwrap_or_default();
        let disabled = h.get("disable").and_then(Node::as_bool) == Some(true)
            || test.first().is_some_and(|t| t.eq_ignore_ascii_case("NONE"));
        Healthcheck {
            disabled,
            test,
            span: h.span,
        }
    });
    Service {
        image: node.get("image").and_then(text),
        build: node
            .entry("build")
            .map(|(k, v)| LineSpan::new(k.span.start, v.span.end)),
        command: node.get("command").and_then(argv),
        entrypoint: node.get("entrypoint").and_then(argv),
        ports: node.get("ports").map(ports).unwrap_or_default(),
        expose: node
            .get("expose")
            .map(|e| {
                e.items()
                    .iter()
                    .filter_map(|n| n.text().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        environment: node.get("environment").map(environment).unwrap_or_default(),
        env_files: match node.get("env_file") {
            Some(n) if n.is_seq() => n
                .items()
                .iter()
                .filter_map(|i| i.text().or_else(|| i.get("path").and_then(Node::text)))
                .map(str::to_string)
                .collect(),
            Some(n) => n.text().map(|t| vec![t.to_string()]).unwrap_or_default(),
            None => vec![],
        },
        healthcheck,
        update_order: node
            .get_path(&["deploy", "update_config", "order"])
            .and_then(text),
        replicas: node
            .get_path(&["deploy", "replicas"])
            .or_else(|| node.get("scale"))
            .and_then(Node::as_i64),
        stop_grace_period: node.get("stop_grace_period").and_then(text),
        restart: node.get("restart").and_then(text),
        profiles: node
            .get("profiles")
            .map(|p| {
                p.items()
                    .iter()
                    .filter_map(|n| n.text().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        name,
        span,
        node: node.clone(),
    }
}

fn ports(node: &Node) -> Vec<Port> {
    node.items()
        .iter()
        .filter_map(|item| {
            if item.is_map() {
                long_port(item)
            } else {
                item.text().and_then(|raw| short_port(raw, item.span))
            }
        })
        .collect()
}

fn long_port(item: &Node) -> Option<Port> {
    let field = |k: &str| item.get(k).and_then(Node::text).map(interpolate);
    let (target, t_known) = field("target")?;
    let published = field("published");
    let host_ip = field("host_ip");
    let known =
        t_known && published.as_ref().is_none_or(|p| p.1) && host_ip.as_ref().is_none_or(|h| h.1);
    let raw = format!(
        "{}{}{}",
        host_ip
            .as_ref()
            .map(|h| format!("{}:", h.0))
            .unwrap_or_default(),
        published
            .as_ref()
            .map(|p| format!("{}:", p.0))
            .unwrap_or_default(),
        target
    );
    Some(Port {
        host_ip: host_ip.map(|h| h.0).filter(|h| !h.is_empty()),
        published: published.map(|p| p.0).filter(|p| !p.is_empty()),
        target,
        protocol: field("protocol").map(|p| p.0),
        raw,
        span: item.span,
        known,
    })
}

/// `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, IPv6 hosts in brackets.
fn short_port(raw: &str, span: LineSpan) -> Option<Port> {
    let (value, known) = interpolate(raw);
    let (rest, protocol) = match value.rsplit_once('/') {
        Some((r, p)) => (r.to_string(), Some(p.to_string())),
        None => (value.clone(), None),
    };
    let (host_ip, rest) = if let Some(after) = rest.strip_prefix('[') {
        let (ip, tail) = after.split_once(']')?;
        (
            Some(ip.to_string()),
            tail.trim_start_matches(':').to_string(),
        )
    } else {
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.len() {
            3 => (
                Some(parts[0].to_string()),
                format!("{}:{}", parts[1], parts[2]),
            ),
            // More than three parts: an unbracketed IPv6 host address.
            n if n > 3 => (
                Some(parts[..n - 2].join(":")),
                format!("{}:{}", parts[n - 2], parts[n - 1]),
            ),
            _ => (None, rest.clone()),
        }
    };
    let (published, target) = match rest.split_once(':') {
        Some((p, t)) => (Some(p.to_string()).filter(|p| !p.is_empty()), t.to_string()),
        None => (None, rest.clone()),
    };
    Some(Port {
        host_ip: host_ip.filter(|h| !h.is_empty()),
        published,
        target,
        protocol,
        raw: raw.to_string(),
        span,
        known,
    })
}

fn environment(node: &Node) -> Vec<EnvVar> {
    if node.is_seq() {
        return node
            .items()
            .iter()
            .filter_map(|item| {
                let raw = item.text()?;
                let (name, value) = match raw.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (raw, None),
                };
                Some(EnvVar {
                    name: name.trim().to_string(),
                    value: value.map(|v| interpolate(v).0),
                    raw: value.map(str::to_string),
                    span: item.span,
                })
            })
            .collect();
    }
    node.entries()
        .filter_map(|(k, v)| {
            let raw = v.text().map(str::to_string);
            Some(EnvVar {
                name: k.text()?.to_string(),
                value: raw.as_deref().map(|r| interpolate(r).0),
                raw,
                span: LineSpan::new(k.span.start, v.span.end.max(k.span.end)),
            })
        })
        .collect()
}

/// Applies compose interpolation with defaults: `${VAR:-d}`, `${VAR-d}`
/// become `d`; `$$` is a literal `$`; a variable without default is kept
/// as written and makes the result not fully known.
pub fn interpolate(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut known = true;
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        if let Some(inner) = after.strip_prefix('{') {
            if let Some(end) = inner.find('}') {
                let body = &inner[..end];
                let default = body
                    .split_once(":-")
                    .or_else(|| body.split_once('-'))
                    .map(|(_, d)| d);
                match default {
                    Some(d) => out.push_str(d),
                    None => {
                        known = false;
                        out.push_str(&rest[i..i + 2 + end + 1]);
                    }
                }
                rest = &inner[end + 1..];
                continue;
            }
        }
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if end > 0 {
            known = false;
        }
        out.push('$');
        out.push_str(&after[..end]);
        rest = &after[end..];
    }
    out.push_str(rest);
    (out, known)
}

/// Whether a value is a `${VAR}` / `$VAR` reference rather than a literal.
pub fn is_interpolated(raw: &str) -> bool {
    let (_, known) = interpolate(raw);
    !known || raw.contains("${")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compose(text: &str) -> ComposeFile {
        let parsed = crate::yaml::parse(text).unwrap();
        from_doc("docker-compose.yml", &parsed.docs[0]).unwrap()
    }

    #[test]
    fn names() {
        for n in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "docker-compose-dev.yml",
            "compose.override.yml",
        ] {
            assert!(is_compose_name(n), "{n}");
        }
        for n in ["compose.json", "mycompose.yml", "deploy.yml"] {
            assert!(!is_compose_name(n), "{n}");
        }
    }

    #[test]
    fn services_ports_and_environment() {
        let c = compose(
            "\
services:
  api:
    build: .
    command: node dist/index.js
    ports:
      - \"443:3000\"
      - \"127.0.0.1:6379:6379\"
      - \"6379\"
      - \"8000-8002:8000-8002/tcp\"
      - \"${REDIS_PORT:-6380}:6379\"
      - \"[::1]:5432:5432\"
      - target: 27017
        published: \"27017\"
        host_ip: 0.0.0.0
        protocol: tcp
      - target: 11211
        host_ip: 127.0.0.1
    environment:
      - NODE_ENV=production
      - FROM_SHELL
    env_file: .env
  worker:
    image: \"app:${TAG:-1.2}\"
    environment:
      DB_PASSWORD: ${DB_PASSWORD}
      LEVEL: debug
    healthcheck:
      disable: true
    deploy:
      replicas: 3
      update_config:
        order: start-first
    stop_grace_period: 30s
    restart: unless-stopped
",
        );
        let api = &c.services[0];
        assert_eq!(api.name, "api");
        assert_eq!(api.span, LineSpan::new(2, 21));
        assert!(api.build.is_some() && api.image.is_none());
        assert_eq!(api.command.as_deref().unwrap(), ["node", "dist/index.js"]);
        let p = &api.ports;
        assert_eq!(p[0].published.as_deref(), Some("443"));
        assert_eq!(p[0].target, "3000");
        assert!(p[0].all_interfaces());
        assert_eq!(p[1].host_ip.as_deref(), Some("127.0.0.1"));
        assert!(!p[1].all_interfaces());
        assert_eq!(
            (p[2].published.as_deref(), p[2].target.as_str()),
            (None, "6379")
        );
        assert_eq!(p[3].target_ports(), [8000, 8001, 8002]);
        assert_eq!(p[3].protocol.as_deref(), Some("tcp"));
        assert_eq!(p[4].published.as_deref(), Some("6380"));
        assert!(p[4].known);
        assert_eq!(p[5].host_ip.as_deref(), Some("::1"));
        assert_eq!(p[6].target, "27017");
        assert!(p[6].all_interfaces());
        assert_eq!(p[6].span, LineSpan::new(12, 15));
        assert!(!p[7].all_interfaces());
        assert_eq!(api.environment[0].value.as_deref(), Some("production"));
        assert_eq!(api.environment[1].value, None);
        assert_eq!(api.env_files, [".env"]);
        let worker = &c.services[1];
        assert_eq!(worker.image.as_ref().unwrap().value, "app:1.2");
        assert_eq!(worker.environment[0].raw.as_deref(), Some("${DB_PASSWORD}"));
        assert!(is_interpolated("${DB_PASSWORD}"));
        assert!(!is_interpolated("debug"));
        assert!(worker.healthcheck.as_ref().unwrap().disabled);
        assert_eq!(worker.replicas, Some(3));
        assert_eq!(worker.update_order.as_ref().unwrap().value, "start-first");
        assert_eq!(worker.stop_grace_period.as_ref().unwrap().value, "30s");
        assert_eq!(worker.restart.as_ref().unwrap().value, "unless-stopped");
    }

    #[test]
    fn interpolation() {
        assert_eq!(interpolate("${A:-x}-${B-y}"), ("x-y".to_string(), true));
        assert_eq!(interpolate("$${NOT}"), ("${NOT}".to_string(), true));
        assert!(!interpolate("${A}:1").1);
        assert!(!interpolate("$A").1);
        assert_eq!(interpolate("cost $").0, "cost $");
    }

    #[test]
    fn merge_keys_in_compose() {
        let c = compose(
            "\
x-base: &base
  restart: always
  healthcheck:
    test: [\"CMD\", \"true\"]
services:
  a:
    <<: *base
    image: a:1
",
        );
        assert!(c.services[0].healthcheck.is_some());
        assert_eq!(c.services[0].restart.as_ref().unwrap().value, "always");
    }
}
