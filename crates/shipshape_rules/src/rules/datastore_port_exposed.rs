use crate::support::{describe_unknown, tf_evidence};
use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::compose::{ComposeFile, Port, Service};
use shipshape_loaders::dockerfile::split_image_ref;
use shipshape_loaders::terraform::{Resource, Value};
use shipshape_model::LineSpan;

declare_rule! {
    /// ### What it finds
    /// A datastore reachable from anywhere:
    /// - a docker-compose port published on every host interface (no host
    ///   IP, or `0.0.0.0` / `::`) whose container port is a datastore port
    ///   (Redis 6379, PostgreSQL 5432, MySQL/MariaDB 3306, MongoDB 27017,
    ///   Memcached 11211), or any published port of a datastore image
    ///   (`redis`, `valkey`, `postgres`, `postgis`, `timescaledb`, `mysql`,
    ///   `mariadb`, `mongo`, `memcached`, including `bitnami/*` variants).
    ///   Ports bound to `127.0.0.1`, `::1` or a specific private address
    ///   are fine. A datastore image on `network_mode: host` is reported too.
    /// - a Terraform `aws_security_group` ingress block,
    ///   `aws_security_group_rule` (type `ingress`) or
    ///   `aws_vpc_security_group_ingress_rule` whose port range covers one
    ///   of those ports for `0.0.0.0/0` or `::/0` (wide ranges and
    ///   all-protocol rules only count on a group that an RDS, ElastiCache,
    ///   MemoryDB or DocumentDB resource uses, for that engine's port). A CIDR or port that
    ///   cannot be evaluated is reported as unevaluated, never as a finding.
    ///
    /// ### Why it matters
    /// Redis, Memcached and many MongoDB setups have no authentication by
    /// default; internet scanners find an open 6379 within minutes, and a
    /// Docker-published port bypasses host firewalls such as ufw.
    ///
    /// ### How to fix
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7-alpine
    ///     # reachable by other services on the compose network without publishing;
    ///     # if the host needs it, bind to loopback only:
    ///     ports:
    ///       - "127.0.0.1:6379:6379"
    /// ```
    /// In Terraform, allow the port only from the application's security
    /// group (`security_groups = [aws_security_group.app.id]`).
    ///
    /// ### Effort
    /// 1 hour.
    pub struct DatastorePortExposed {
        name: "datastore-port-exposed",
        code: "SEC004",
        category: Security,
        severity: High,
        effort: (1, 1),
    }
}

/// Well-known datastore ports and their product.
const DATASTORE_PORTS: &[(u16, &str)] = &[
    (6379, "Redis"),
    (5432, "PostgreSQL"),
    (3306, "MySQL"),
    (27017, "MongoDB"),
    (11211, "Memcached"),
];

/// The datastore an image runs, by its repository name.
fn datastore_image(image: &str) -> Option<&'static str> {
    let (name, _, _) = split_image_ref(image);
    let last = name
        .rsplit('/')
        .next()
        .unwrap_or(&name)
        .to_ascii_lowercase();
    let table: &[(&[&str], &str)] = &[
        (
            &[
                "redis",
                "redis-stack",
                "redis-stack-server",
                "valkey",
                "keydb",
            ],
            "Redis",
        ),
        (
            &[
                "postgres",
                "postgresql",
                "postgis",
                "timescaledb",
                "pgvector",
            ],
            "PostgreSQL",
        ),
        (&["mysql", "mariadb", "percona", "percona-server"], "MySQL"),
        (&["mongo", "mongodb", "mongodb-community-server"], "MongoDB"),
        (&["memcached"], "Memcached"),
    ];
    table
        .iter()
        .find(|(names, _)| names.contains(&last.as_str()))
        .map(|(_, product)| *product)
}

fn datastore_port(port: u16) -> Option<&'static str> {
    DATASTORE_PORTS
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, n)| *n)
}

impl Rule for DatastorePortExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for file in &cx.repo.compose {
            for svc in &file.services {
                check_service(cx, file, svc);
            }
        }
        check_terraform(cx);
    }
}

// ---------------------------------------------------------------- compose

fn check_service(cx: &mut Context, file: &ComposeFile, svc: &Service) {
    let image_product = svc
        .image
        .as_ref()
        .filter(|i| i.known || !i.value.starts_with('$'))
        .and_then(|i| datastore_image(&i.value));
    // Host networking puts the datastore's own listener on every host
    // interface, ports or not.
    if let Some(product) = image_product {
        if let Some((key, mode)) = svc.node.entry("network_mode") {
            if mode.text() == Some("host") {
                cx.report(Evidence {
                    file: Some(file.path.clone()),
                    lines: Some(LineSpan::new(key.span.start, mode.span.end)),
                    resource: Some(format!("service.{}", svc.name)),
                    key: format!("{}|service.{}|network_mode", file.path, svc.name),
                    message: format!(
                        "{product} service `{}` uses `network_mode: host`, so it listens on every host interface",
                        svc.name
                    ),
                    remediation: Some(
                        "Use the default bridge network and publish nothing, or bind to loopback:\n\n```yaml\n    ports:\n      - \"127.0.0.1:6379:6379\"\n```".to_string(),
                    ),
                });
            }
        }
    }
    for port in &svc.ports {
        let product = port
            .target_ports()
            .into_iter()
            .find_map(datastore_port)
            .or(image_product);
        let Some(product) = product else {
            continue;
        };
        if port.host_ip.as_deref().is_some_and(|h| h.contains('$')) {
            cx.unevaluated(
                Some(&file.path),
                Some(port.span.start),
                format!(
                    "service `{}` port `{}`: host address is an unset variable",
                    svc.name, port.raw
                ),
            );
            continue;
        }
        if !port.all_interfaces() {
            continue;
        }
        cx.report(compose_evidence(file, svc, port, product));
    }
}

fn compose_evidence(file: &ComposeFile, svc: &Service, port: &Port, product: &str) -> Evidence {
    let published = match port.published.as_deref() {
        Some(p) => format!("host port {p}"),
        None => "an ephemeral host port".to_string(),
    };
    Evidence {
        file: Some(file.path.clone()),
        lines: Some(port.span),
        resource: Some(format!("service.{}", svc.name)),
        key: format!("{}|service.{}|{}", file.path, svc.name, port.target),
        message: format!(
            "{product} port {} of compose service `{}` is published as {published} on all host interfaces",
            port.target, svc.name
        ),
        remediation: Some(format!(
            "Remove the `ports:` entry (services reach `{}` over the compose network), or bind it to loopback:\n\n```yaml\n    ports:\n      - \"127.0.0.1:{}:{}\"\n```",
            svc.name,
            port.published.as_deref().unwrap_or(&port.target),
            port.target
        )),
    }
}

// ---------------------------------------------------------------- terraform

/// One ingress permission, from any of the three resource shapes.
struct Ingress<'a> {
    from: Option<&'a Value>,
    to: Option<&'a Value>,
    protocol: Option<&'a Value>,
    cidrs: Vec<&'a Value>,
    lines: LineSpan,
    path: &'static str,
    /// Datastores that use the security group (RDS, ElastiCache, …):
    /// (port, product, address).
    attached: Vec<(u16, &'static str, String)>,
}

/// Datastore resource types and the port their engine listens on.
fn datastore_resource_port(res: &Resource) -> Option<(u16, &'static str)> {
    if let Some(port) = res.get(&["port"]).and_then(Value::as_f64) {
        if (1.0..=65535.0).contains(&port) {
            let product = datastore_port(port as u16).unwrap_or("database");
            return Some((port as u16, product));
        }
    }
    let engine = res
        .get(&["engine"])
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let by_engine = |e: &str| -> Option<(u16, &'static str)> {
        if e.contains("postgres") {
            Some((5432, "PostgreSQL"))
        } else if e.contains("mysql") || e.contains("mariadb") {
            Some((3306, "MySQL"))
        } else if e.contains("memcached") {
            Some((11211, "Memcached"))
        } else if e.contains("redis") || e.contains("valkey") {
            Some((6379, "Redis"))
        } else {
            None
        }
    };
    match res.rtype.as_str() {
        "aws_db_instance" | "aws_rds_cluster" => by_engine(&engine),
        "aws_elasticache_cluster" => by_engine(&engine),
        "aws_elasticache_replication_group" | "aws_memorydb_cluster" => {
            by_engine(&engine).or(Some((6379, "Redis")))
        }
        "aws_docdb_cluster" => Some((27017, "MongoDB")),
        _ => None,
    }
}

fn check_terraform(cx: &mut Context) {
    let tf = &cx.repo.terraform;
    let mut found: Vec<(&Resource, Ingress)> = Vec::new();
    for sg in tf.resources_of("aws_security_group") {
        let attached: Vec<(u16, &'static str, String)> = tf
            .referrers(sg)
            .filter_map(|r| datastore_resource_port(r).map(|(p, n)| (p, n, r.address.clone())))
            .collect();
        let blocks: Vec<_> = sg.block.blocks_of("ingress").collect();
        let rules = sg.get(&["ingress"]).and_then(Value::as_list).unwrap_or(&[]);
        for (i, rule) in rules.iter().enumerate() {
            found.push((
                sg,
                Ingress {
                    from: rule.get("from_port"),
                    to: rule.get("to_port"),
                    protocol: rule.get("protocol"),
                    cidrs: ["cidr_blocks", "ipv6_cidr_blocks"]
                        .iter()
                        .filter_map(|k| rule.get(k))
                        .collect(),
                    lines: blocks.get(i).map(|b| b.span).unwrap_or(sg.block.span),
                    path: "ingress",
                    attached: attached.clone(),
                },
            ));
        }
    }
    for r in tf.resources_of("aws_security_group_rule") {
        if r.get(&["type"]).and_then(Value::as_str) != Some("ingress") {
            continue;
        }
        found.push((
            r,
            Ingress {
                from: r.get(&["from_port"]),
                to: r.get(&["to_port"]),
                protocol: r.get(&["protocol"]),
                cidrs: ["cidr_blocks", "ipv6_cidr_blocks"]
                    .iter()
                    .filter_map(|k| r.get(&[k]))
                    .collect(),
                lines: r.block.span,
                path: "",
                attached: Vec::new(),
            },
        ));
    }
    for r in tf.resources_of("aws_vpc_security_group_ingress_rule") {
        found.push((
            r,
            Ingress {
                from: r.get(&["from_port"]),
                to: r.get(&["to_port"]),
                protocol: r.get(&["ip_protocol"]),
                cidrs: ["cidr_ipv4", "cidr_ipv6"]
                    .iter()
                    .filter_map(|k| r.get(&[k]))
                    .collect(),
                lines: r.block.span,
                path: "",
                attached: Vec::new(),
            },
        ));
    }
    for (res, ingress) in found {
        check_ingress(cx, res, &ingress);
    }
}

fn check_ingress(cx: &mut Context, res: &Resource, ing: &Ingress) {
    let protocol = ing
        .protocol
        .and_then(Value::to_display_string)
        .map(|p| p.to_ascii_lowercase());
    let all_protocols = matches!(protocol.as_deref(), Some("-1" | "all"));
    if !all_protocols && !matches!(protocol.as_deref(), None | Some("tcp" | "6")) {
        return;
    }
    let range = match (
        ing.from.and_then(Value::as_f64),
        ing.to.and_then(Value::as_f64),
    ) {
        _ if all_protocols => None,
        (Some(f), Some(t)) => Some((f as i64, t as i64)),
        _ => {
            if [ing.from, ing.to].iter().flatten().any(|v| !v.is_known()) {
                cx.unevaluated(
                    Some(res.file()),
                    Some(ing.lines.start),
                    format!("`{}` ingress ports are not known statically", res.address),
                );
            }
            return;
        }
    };
    let covers =
        |port: u16| range.is_none_or(|(f, t)| f <= i64::from(port) && i64::from(port) <= t);
    // On a group a datastore uses, any rule covering its port counts; on
    // other groups only a specific range with a well-known datastore port
    // (a rule that opens everything is an "open to the world" problem).
    let target = ing
        .attached
        .iter()
        .find(|(p, _, _)| covers(*p))
        .map(|(p, n, a)| (*p, *n, Some(a.clone())))
        .or_else(|| {
            let (from, to) = range?;
            if to - from > 1024 {
                return None;
            }
            DATASTORE_PORTS
                .iter()
                .find(|(p, _)| covers(*p))
                .map(|(p, n)| (*p, *n, None))
        });
    let Some((port, product, used_by)) = target else {
        return;
    };
    let mut world = false;
    for cidr in &ing.cidrs {
        let values: Vec<&Value> = match cidr {
            Value::List(items) => items.iter().collect(),
            other => vec![*other],
        };
        for v in values {
            match v {
                Value::String(s) if s == "0.0.0.0/0" || s == "::/0" => world = true,
                Value::Unknown(_) => cx.unevaluated(
                    Some(res.file()),
                    Some(ing.lines.start),
                    format!(
                        "`{}` ingress on port {port}: CIDR {}",
                        res.address,
                        describe_unknown(v)
                    ),
                ),
                _ => {}
            }
        }
    }
    if !world {
        return;
    }
    let path: &[&str] = if ing.path.is_empty() {
        &[]
    } else {
        &[ing.path]
    };
    let used = used_by
        .map(|a| format!(", and `{a}` uses this group"))
        .unwrap_or_default();
    let mut ev = tf_evidence(
        res,
        path,
        format!(
            "`{}` opens {product} port {port} to the whole internet (0.0.0.0/0 or ::/0){used}",
            res.address
        ),
    );
    ev.lines = Some(ing.lines);
    ev.key = format!("{}|{port}", ev.key);
    cx.report(ev);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_with_diagnostics};

    #[test]
    fn flags_published_redis_and_datastore_images() {
        let f = check(
            &DatastorePortExposed,
            &[(
                "docker-compose.yml",
                "services:\n  redis:\n    image: redis:7-alpine\n    ports:\n      - \"6379:6379\"\n  db:\n    image: postgres:16\n    ports:\n      - target: 5432\n        published: 15432\n  cache:\n    image: bitnami/memcached\n    ports: [\"0.0.0.0:21211:11211\"]\n",
            )],
        );
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(f[0].line, Some(5));
        let host = check(
            &DatastorePortExposed,
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: mongo:7\n    network_mode: host\n",
            )],
        );
        assert_eq!(host.len(), 1);
        assert_eq!(host[0].line, Some(4));
    }

    #[test]
    fn loopback_bound_and_non_datastore_ports_pass() {
        let files = [(
            "compose.yaml",
            "services:\n  redis:\n    image: redis:7\n    ports:\n      - \"127.0.0.1:6379:6379\"\n      - target: 6379\n        host_ip: \"::1\"\n  api:\n    image: api:1\n    ports: [\"443:3000\"]\n  pg:\n    image: postgres:16\n    expose: [\"5432\"]\n",
        )];
        assert!(check(&DatastorePortExposed, &files).is_empty());
    }

    #[test]
    fn flags_security_groups_open_to_the_world() {
        let tf = r#"
resource "aws_security_group" "db" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_vpc_security_group_ingress_rule" "redis" {
  security_group_id = aws_security_group.db.id
  from_port         = 6379
  to_port           = 6379
  ip_protocol       = "tcp"
  cidr_ipv6         = "::/0"
}
resource "aws_security_group_rule" "mysql" {
  type              = "ingress"
  from_port         = 3306
  to_port           = 3306
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = aws_security_group.db.id
}
"#;
        let f = check(&DatastorePortExposed, &[("main.tf", tf)]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().any(|f| f.line == Some(9)));
    }

    #[test]
    fn world_open_group_used_by_a_database() {
        let tf = r#"
resource "aws_security_group" "db" {
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "web" {
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "main" {
  engine                 = "postgres"
  vpc_security_group_ids = [aws_security_group.db.id]
}
"#;
        let f = check(&DatastorePortExposed, &[("main.tf", tf)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("aws_db_instance.main"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].line, Some(3));
    }

    #[test]
    fn unknown_cidr_is_unevaluated() {
        let tf = "variable \"cidrs\" {}\nresource \"aws_security_group_rule\" \"pg\" {\n  type = \"ingress\"\n  from_port = 5432\n  to_port = 5432\n  protocol = \"tcp\"\n  cidr_blocks = var.cidrs\n}\n";
        let (f, d) = check_with_diagnostics(&DatastorePortExposed, &[("main.tf", tf)]);
        assert!(f.is_empty());
        assert!(d.iter().any(|d| d.contains("var.cidrs")), "{d:?}");
    }
}
