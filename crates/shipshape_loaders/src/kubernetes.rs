//! Kubernetes manifests: any YAML document with `apiVersion` and `kind`
//! (compose files and CI workflows aside; `kind: List` items included).
//! Workloads with their pod template and containers, and the objects that
//! select them: PodDisruptionBudget, HorizontalPodAutoscaler,
//! NetworkPolicy, Service; plus Secrets (for literal secret data).

use crate::source::{FileKind, SourceFile};
use crate::yaml::{self, Node};
use shipshape_model::{Diagnostic, DiagnosticKind, LineSpan};
use std::collections::BTreeMap;

/// Everything read from the manifests.
#[derive(Debug, Clone, Default)]
pub struct Kubernetes {
    pub workloads: Vec<Workload>,
    pub pdbs: Vec<Pdb>,
    pub hpas: Vec<Hpa>,
    pub network_policies: Vec<NetworkPolicy>,
    pub services: Vec<K8sService>,
    pub secrets: Vec<Secret>,
    /// ConfigMaps with their literal `data` entries.
    pub config_maps: Vec<Secret>,
    /// `images:` of kustomization files, which retag images at build time.
    pub image_overrides: Vec<ImageOverride>,
}

/// A kustomization `images:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageOverride {
    pub file: String,
    /// The image name as written in the manifests.
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// What every object has.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub file: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace`, `"default"` when unset.
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// The object's lines (the whole document, or the `List` item).
    pub span: LineSpan,
}

impl Meta {
    /// `Kind/namespace/name`, a stable identity.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }

    /// (namespace, kind, name): what an autoscaler's target names.
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.namespace, &self.kind, &self.name)
    }
}

/// A label selector; `matchLabels` and `matchExpressions` are ANDed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<Requirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    /// An empty selector (`{}`) selects everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether a set of labels satisfies the selector. An unknown operator
    /// matches nothing, as the API server would reject it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => value.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }

    fn from_node(node: &Node) -> LabelSelector {
        LabelSelector {
            match_labels: string_map(node.get("matchLabels")),
            match_expressions: node
                .get("matchExpressions")
                .map(|e| {
                    e.items()
                        .iter()
                        .map(|r| Requirement {
                            key: r.get("key").and_then(Node::text).unwrap_or("").to_string(),
                            operator: r
                                .get("operator")
                                .and_then(Node::text)
                                .unwrap_or("")
                                .to_string(),
                            values: r
                                .get("values")
                                .map(|v| {
                                    v.items()
                                        .iter()
                                        .filter_map(|n| n.text().map(str::to_string))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A `securityContext` (pod or container level).
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityContext {
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub span: LineSpan,
}

impl SecurityContext {
    fn from_node(node: &Node) -> SecurityContext {
        let b = |k: &str| node.get(k).and_then(Node::as_bool);
        SecurityContext {
            run_as_non_root: b("runAsNonRoot"),
            run_as_user: node.get("runAsUser").and_then(Node::as_i64),
            privileged: b("privileged"),
            allow_privilege_escalation: b("allowPrivilegeEscalation"),
            read_only_root_filesystem: b("readOnlyRootFilesystem"),
            span: node.span,
        }
    }
}

/// `resources.requests` / `resources.limits`, quantities as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
    pub span: Option<LineSpan>,
}

/// A probe: where it is and its handler kind (`httpGet`, `tcpSocket`, `exec`, `grpc`).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub handler: Option<String>,
    pub span: LineSpan,
}

/// A container `env:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    /// `value:` as written.
    pub value: Option<String>,
    /// Set by `valueFrom:` (secretKeyRef, configMapKeyRef, fieldRef, ...).
    pub value_from: bool,
    pub span: LineSpan,
}

/// A container or init container.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub image_span: Option<LineSpan>,
    pub init: bool,
    pub resources: Resources,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub security: Option<SecurityContext>,
    pub env: Vec<EnvVar>,
    /// The container's list item.
    pub span: LineSpan,
}

/// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub meta: Meta,
    /// `spec.replicas` as written (`None` when unset: the API default is 1).
    pub replicas: Option<i64>,
    /// The workload's own selector (`spec.selector`).
    pub selector: Option<LabelSelector>,
    pub pod_labels: BTreeMap<String, String>,
    pub pod_security: Option<SecurityContext>,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    /// Lines of the pod spec.
    pub pod_span: LineSpan,
}

impl Workload {
    /// The workload without its pod security and containers: what matching
    /// by namespace, name and pod labels needs, small enough to keep from
    /// one part of a review to the end.
    pub fn identity(&self) -> Workload {
        Workload {
            meta: self.meta.clone(),
            replicas: self.replicas,
            selector: self.selector.clone(),
            pod_labels: self.pod_labels.clone(),
            pod_security: None,
            containers: Vec::new(),
            init_containers: Vec::new(),
            pod_span: self.pod_span,
        }
    }

    /// Replicas in effect (unset = 1; DaemonSets, Jobs and Pods report 1).
    pub fn effective_replicas(&self) -> i64 {
        self.replicas.unwrap_or(1)
    }

    /// Jobs and CronJobs run to completion.
    pub fn is_batch(&self) -> bool {
        matches!(self.meta.kind.as_str(), "Job" | "CronJob")
    }

    /// Containers then init containers.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers.iter().chain(self.init_containers.iter())
    }
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, PartialEq)]
pub struct Pdb {
    pub meta: Meta,
    /// `None` when unset (selects nothing).
    pub selector: Option<LabelSelector>,
}

impl Pdb {
    /// Whether the budget covers the workload's pods: same namespace, and
    /// the selector matches its pod labels.
    pub fn selects(&self, w: &Workload) -> bool {
        self.meta.namespace == w.meta.namespace
            && self
                .selector
                .as_ref()
                .is_some_and(|s| s.matches(&w.pod_labels))
    }
}

/// A HorizontalPodAutoscaler (or a KEDA ScaledObject, which drives one).
#[derive(Debug, Clone, PartialEq)]
pub struct Hpa {
    pub meta: Meta,
    pub target_kind: String,
    pub target_name: String,
    pub min_replicas: Option<i64>,
}

impl Hpa {
    /// Whether its `scaleTargetRef` names the object (in its namespace).
    pub fn targets(&self, object: &Meta) -> bool {
        self.target() == object.key()
    }

    /// (namespace, kind, name) of the object it scales, as [`Meta::key`].
    pub fn target(&self) -> (&str, &str, &str) {
        (&self.meta.namespace, &self.target_kind, &self.target_name)
    }
}

/// A NetworkPolicy: Kubernetes', Cilium's (`endpointSelector`) or
/// Calico's (whose selector expressions are taken to select every pod, so
/// that an unread policy never causes a finding). Cluster-wide kinds
/// (`CiliumClusterwideNetworkPolicy`, Calico `GlobalNetworkPolicy`) apply to
/// every namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPolicy {
    pub meta: Meta,
    pub cluster_wide: bool,
    /// `podSelector` (`{}` = every pod of the namespace).
    pub pod_selector: Option<LabelSelector>,
}

impl NetworkPolicy {
    /// Whether the policy applies to the workload's pods.
    pub fn selects(&self, w: &Workload) -> bool {
        (self.cluster_wide || self.meta.namespace == w.meta.namespace)
            && self
                .pod_selector
                .as_ref()
                .is_some_and(|s| s.matches(&w.pod_labels))
    }
}

/// A Service.
#[derive(Debug, Clone, PartialEq)]
pub struct K8sService {
    pub meta: Meta,
    pub selector: BTreeMap<String, String>,
    pub service_type: Option<String>,
}

/// A Secret (or ConfigMap) with its literal `data` / `stringData` keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    pub meta: Meta,
    /// (key, value as written, lines); `data` values are base64 as written.
    pub entries: Vec<(String, String, LineSpan)>,
    pub string_data: bool,
}

impl Kubernetes {
    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty()
            && self.pdbs.is_empty()
            && self.hpas.is_empty()
            && self.network_policies.is_empty()
            && self.services.is_empty()
    }

    /// PDBs in the workload's namespace whose selector matches its pods.
    pub fn pdbs_for<'a>(&'a self, w: &'a Workload) -> impl Iterator<Item = &'a Pdb> + 'a {
        self.pdbs.iter().filter(move |p| p.selects(w))
    }

    /// HPAs in the workload's namespace whose `scaleTargetRef` names it.
    pub fn hpas_for<'a>(&'a self, w: &'a Workload) -> impl Iterator<Item = &'a Hpa> + 'a {
        self.hpas.iter().filter(move |h| h.targets(&w.meta))
    }

    /// NetworkPolicies in the workload's namespace selecting its pods.
    pub fn network_policies_for<'a>(
        &'a self,
        w: &'a Workload,
    ) -> impl Iterator<Item = &'a NetworkPolicy> + 'a {
        self.network_policies.iter().filter(move |n| n.selects(w))
    }
}

/// Whether a path is a CI workflow (GitHub Actions, GitLab CI), which is
/// never a manifest.
pub fn is_ci_workflow(path: &str) -> bool {
    path.starts_with(".github/") || path.contains("/.github/") || path.ends_with(".gitlab-ci.yml")
}

/// Whether a YAML file may hold Kubernetes objects: any that is neither a
/// compose file nor CI configuration.
pub fn wants(f: &SourceFile) -> bool {
    f.kind == FileKind::Yaml
        && !crate::compose::is_compose_name(f.name())
        && !is_ci_workflow(&f.path)
}

/// Whether a file is a kustomization (whose `images:` retag images).
pub fn is_kustomization(f: &SourceFile) -> bool {
    f.kind == FileKind::Yaml
        && matches!(
            f.name(),
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        )
}

/// What one parsed YAML file gives: its objects, or why a file that looks
/// like a manifest could not be read. [`crate::yaml_families`] parses it.
pub fn objects_from_parsed(
    f: &SourceFile,
    parsed: &Result<yaml::YamlFile, yaml::YamlError>,
) -> (Vec<Object>, Option<Diagnostic>) {
    match parsed {
        Ok(parsed) => {
            let mut objects = Vec::new();
            for doc in &parsed.docs {
                collect(&f.path, doc, &mut objects);
            }
            (objects, None)
        }
        Err(e) if looks_like_manifest(&f.text) => {
            let diag = if f.text.contains("{{") {
                Diagnostic::new(
                    DiagnosticKind::Skipped,
                    Some(f.path.clone()),
                    None,
                    "templated manifest (Helm / Go template) is not rendered; not reviewed",
                )
            } else {
                e.to_diagnostic(&f.path)
            };
            (vec![], Some(diag))
        }
        // A YAML that is neither compose nor Kubernetes: not ours.
        Err(_) => (vec![], None),
    }
}

/// The `images:` entries of a parsed kustomization.
pub fn image_overrides_from(f: &SourceFile, parsed: &yaml::YamlFile) -> Vec<ImageOverride> {
    parsed
        .docs
        .iter()
        .flat_map(|d| d.get("images").map(Node::items).unwrap_or_default())
        .filter_map(|i| {
            let text = |k: &str| i.get(k).and_then(Node::text).map(str::to_string);
            Some(ImageOverride {
                file: f.path.clone(),
                name: text("name")?,
                new_name: text("newName"),
                new_tag: text("newTag"),
                digest: text("digest"),
            })
        })
        .collect()
}

/// The manifests' model from each file's objects, in file order.
pub fn assemble(
    per_file: Vec<(Vec<Object>, Option<Diagnostic>)>,
    image_overrides: Vec<ImageOverride>,
) -> (Kubernetes, Vec<Diagnostic>) {
    let mut k8s = Kubernetes {
        image_overrides,
        ..Kubernetes::default()
    };
    let mut diagnostics = Vec::new();
    for (objects, diag) in per_file {
        diagnostics.extend(diag);
        for o in objects {
            match o {
                Object::Workload(w) => k8s.workloads.push(w),
                Object::Pdb(p) => k8s.pdbs.push(p),
                Object::Hpa(h) => k8s.hpas.push(h),
                Object::NetworkPolicy(n) => k8s.network_policies.push(n),
                Object::Service(s) => k8s.services.push(s),
                Object::Secret(s) if s.meta.kind == "ConfigMap" => k8s.config_maps.push(s),
                Object::Secret(s) => k8s.secrets.push(s),
            }
        }
    }
    (k8s, diagnostics)
}

fn looks_like_manifest(text: &str) -> bool {
    let starts = |p: &str| text.lines().any(|l| l.starts_with(p));
    starts("apiVersion:") && starts("kind:")
}

/// One object of a manifest, before [`assemble`] files it by kind.
pub enum Object {
    Workload(Workload),
    Pdb(Pdb),
    Hpa(Hpa),
    NetworkPolicy(NetworkPolicy),
    Service(K8sService),
    Secret(Secret),
}

/// Reads the objects of one document (recursing into `kind: List`).
fn collect(file: &str, doc: &Node, out: &mut Vec<Object>) {
    let (Some(api_version), Some(kind)) = (
        doc.get("apiVersion").and_then(Node::text),
        doc.get("kind").and_then(Node::text),
    ) else {
        return;
    };
    if kind == "List" || kind.ends_with("List") {
        for item in doc.get("items").map(Node::items).unwrap_or_default() {
            collect(file, item, out);
        }
        return;
    }
    let meta = Meta {
        file: file.to_string(),
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name: doc
            .get_path(&["metadata", "name"])
            .and_then(Node::text)
            .unwrap_or("")
            .to_string(),
        namespace: doc
            .get_path(&["metadata", "namespace"])
            .and_then(Node::text)
            .unwrap_or("default")
            .to_string(),
        labels: string_map(doc.get_path(&["metadata", "labels"])),
        span: doc.span,
    };
    let spec = doc.get("spec").unwrap_or(Node::null());
    let object = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            let Some(template) = spec.get("template") else {
                return;
            };
            let replicas = match kind {
                "Deployment" | "StatefulSet" | "ReplicaSet" => {
                    spec.get("replicas").and_then(Node::as_i64)
                }
                _ => None,
            };
            Object::Workload(workload(meta, replicas, spec.get("selector"), template))
        }
        "CronJob" => {
            let Some(template) = spec.get_path(&["jobTemplate", "spec", "template"]) else {
                return;
            };
            Object::Workload(workload(meta, None, None, template))
        }
        "Pod" => {
            let pod = Workload {
                pod_labels: meta.labels.clone(),
                replicas: None,
                selector: None,
                pod_security: spec.get("securityContext").map(SecurityContext::from_node),
                containers: containers(spec.get("containers"), false),
                init_containers: containers(spec.get("initContainers"), true),
                pod_span: spec.span,
                meta,
            };
            Object::Workload(pod)
        }
        "PodDisruptionBudget" => Object::Pdb(Pdb {
            selector: spec.get("selector").map(LabelSelector::from_node),
            meta,
        }),
        "HorizontalPodAutoscaler" | "ScaledObject" => Object::Hpa(Hpa {
            // KEDA's scaleTargetRef.kind defaults to Deployment.
            target_kind: spec
                .get_path(&["scaleTargetRef", "kind"])
                .and_then(Node::text)
                .unwrap_or("Deployment")
                .to_string(),
            min_replicas: spec
                .get("minReplicas")
                .or_else(|| spec.get("minReplicaCount"))
                .and_then(Node::as_i64),
            target_name: spec
                .get_path(&["scaleTargetRef", "name"])
                .and_then(Node::text)
                .unwrap_or("")
                .to_string(),
            meta,
        }),
        "NetworkPolicy" if api_version.starts_with("networking.k8s.io") => {
            Object::NetworkPolicy(NetworkPolicy {
                pod_selector: spec.get("podSelector").map(selector_or_all),
                cluster_wide: false,
                meta,
            })
        }
        "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" => {
            Object::NetworkPolicy(NetworkPolicy {
                pod_selector: Some(
                    spec.get("endpointSelector")
                        .map(selector_or_all)
                        .unwrap_or_default(),
                ),
                cluster_wide: kind == "CiliumClusterwideNetworkPolicy",
                meta,
            })
        }
        "NetworkPolicy" | "GlobalNetworkPolicy"
            if api_version.starts_with("crd.projectcalico.org")
                || api_version.starts_with("projectcalico.org") =>
        {
            Object::NetworkPolicy(NetworkPolicy {
                pod_selector: Some(LabelSelector::default()),
                cluster_wide: kind == "GlobalNetworkPolicy",
                meta,
            })
        }
        "Service" => Object::Service(K8sService {
            selector: string_map(spec.get("selector")),
            service_type: spec.get("type").and_then(Node::text).map(str::to_string),
            meta,
        }),
        "Secret" | "ConfigMap" => {
            let mut entries = Vec::new();
            let mut string_data = false;
            for key in ["stringData", "data"] {
                if let Some(map) = doc.get(key) {
                    string_data |= key == "stringData";
                    for (k, v) in map.string_entries() {
                        if let Some(t) = v.text() {
                            entries.push((k.to_string(), t.to_string(), v.span));
                        }
                    }
                }
            }
            Object::Secret(Secret {
                meta,
                entries,
                string_data,
            })
        }
        _ => return,
    };
    out.push(object);
}

/// A selector node; `{}` or an empty value selects everything.
fn selector_or_all(node: &Node) -> LabelSelector {
    if node.is_null() {
        LabelSelector::default()
    } else {
        LabelSelector::from_node(node)
    }
}

fn workload(
    meta: Meta,
    replicas: Option<i64>,
    selector: Option<&Node>,
    template: &Node,
) -> Workload {
    let pod = template.get("spec").unwrap_or(Node::null());
    Workload {
        replicas,
        selector: selector.map(LabelSelector::from_node),
        pod_labels: string_map(template.get_path(&["metadata", "labels"])),
        pod_security: pod.get("securityContext").map(SecurityContext::from_node),
        containers: containers(pod.get("containers"), false),
        init_containers: containers(pod.get("initContainers"), true),
        pod_span: pod.span,
        meta,
    }
}

fn containers(list: Option<&Node>, init: bool) -> Vec<Container> {
    let Some(list) = list else {
        return vec![];
    };
    list.items()
        .iter()
        .filter(|c| c.is_map())
        .map(|c| {
            let probe = |k: &str| {
                c.get(k).map(|p| Probe {
                    handler: ["httpGet", "tcpSocket", "exec", "grpc"]
                        .into_iter()
                        .find(|h| p.get(h).is_some())
                        .map(str::to_string),
                    span: p.span,
                })
            };
            let resources = c.get("resources");
            Container {
                name: c.get("name").and_then(Node::text).unwrap_or("").to_string(),
                image: c.get("image").and_then(Node::text).map(str::to_string),
                image_span: c.get("image").map(|n| n.span),
                init,
                resources: Resources {
                    requests: string_map(resources.and_then(|r| r.get("requests"))),
                    limits: string_map(resources.and_then(|r| r.get("limits"))),
                    span: resources.map(|r| r.span),
                },
                liveness: probe("livenessProbe"),
                readiness: probe("readinessProbe"),
                startup: probe("startupProbe"),
                security: c.get("securityContext").map(SecurityContext::from_node),
                env: c
                    .get("env")
                    .map(|e| {
                        e.items()
                            .iter()
                            .filter_map(|v| {
                                Some(EnvVar {
                                    name: v.get("name").and_then(Node::text)?.to_string(),
                                    value: v.get("value").and_then(Node::text).map(str::to_string),
                                    value_from: v.get("valueFrom").is_some(),
                                    span: v.span,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                span: c.span,
            }
        })
        .collect()
}

fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.string_entries()
            .filter_map(|(k, v)| v.text().map(|t| (k.to_string(), t.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[SourceFile]) -> (Kubernetes, Vec<Diagnostic>) {
        let yaml = crate::yaml_families::load(files);
        (yaml.kubernetes, yaml.diagnostics)
    }

    fn load_one(path: &str, text: &str) -> (Kubernetes, Vec<Diagnostic>) {
        load(&[SourceFile::new(path, FileKind::Yaml, text)])
    }

    const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
        tier: frontend
    spec:
      securityContext:
        runAsNonRoot: true
      initContainers:
        - name: migrate
          image: web:1.0
      containers:
        - name: web
          image: web:1.0
          resources:
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          env:
            - name: A
              value: \"1\"
            - name: B
              valueFrom:
                secretKeyRef: {name: s, key: k}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector:
    matchExpressions:
      - {key: app, operator: In, values: [web, api]}
      - {key: canary, operator: DoesNotExist}
---
apiVersion: v1
kind: List
items:
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web, namespace: shop}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: all, namespace: shop}
    spec:
      podSelector: {}
";

    #[test]
    fn reads_workloads_and_selectors() {
        let (k, d) = load_one("k8s/app.yaml", APP);
        assert!(d.is_empty());
        assert_eq!(k.workloads.len(), 1);
        let w = &k.workloads[0];
        assert_eq!(w.meta.id(), "Deployment/shop/web");
        assert_eq!(w.meta.span, LineSpan::new(1, 33));
        assert_eq!(w.replicas, Some(3));
        assert_eq!(w.pod_security.as_ref().unwrap().run_as_non_root, Some(true));
        assert_eq!(w.init_containers[0].name, "migrate");
        let c = &w.containers[0];
        assert_eq!(c.span, LineSpan::new(22, 33));
        assert_eq!(c.resources.limits["memory"], "256Mi");
        assert_eq!(
            c.readiness.as_ref().unwrap().handler.as_deref(),
            Some("httpGet")
        );
        assert!(c.liveness.is_none());
        assert_eq!(c.env[0].value.as_deref(), Some("1"));
        assert!(c.env[1].value_from);
        assert_eq!(k.pdbs_for(w).count(), 1);
        assert_eq!(k.hpas_for(w).count(), 1);
        assert_eq!(k.network_policies_for(w).count(), 1);
    }

    #[test]
    fn selector_operators() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())]
            .into_iter()
            .collect();
        let req = |op: &str, values: &[&str]| LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![Requirement {
                key: "app".into(),
                operator: op.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            }],
        };
        assert!(req("In", &["web"]).matches(&labels));
        assert!(!req("NotIn", &["web"]).matches(&labels));
        assert!(req("NotIn", &["api"]).matches(&labels));
        assert!(req("Exists", &[]).matches(&labels));
        assert!(!req("DoesNotExist", &[]).matches(&labels));
        assert!(!req("Bogus", &[]).matches(&labels));
        assert!(LabelSelector::default().matches(&labels));
    }

    #[test]
    fn other_yaml_is_skipped_and_broken_manifests_reported() {
        let (k, d) = load_one("config/app.yml", "port: 8080\nname: x\n");
        assert!(k.is_empty() && d.is_empty());
        let (_, d) = load_one("config/broken.yml", "a: [1,\n");
        assert!(d.is_empty());
        let (_, d) = load_one("k8s/broken.yaml", "apiVersion: v1\nkind: Pod\nspec: [\n");
        assert_eq!(d[0].kind, DiagnosticKind::ParseError);
        let (_, d) = load_one(
            "chart/templates/dep.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n  labels: {{- toYaml . | nindent 4 }}\n",
        );
        assert!(d.iter().all(|d| d.kind == DiagnosticKind::Skipped), "{d:?}");
        let (k, _) = load_one(
            ".github/workflows/ci.yml",
            "apiVersion: v1\nkind: Pod\nspec: {}\n",
        );
        assert!(k.is_empty());
    }

    #[test]
    fn kustomize_images_and_policy_variants() {
        let files = [
            SourceFile::new(
                "k8s/kustomization.yaml",
                FileKind::Yaml,
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\nimages:\n  - name: web\n    newTag: \"1.4.2\"\n",
            ),
            SourceFile::new(
                "k8s/policies.yaml",
                FileKind::Yaml,
                "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec:\n  endpointSelector:\n    matchLabels: {app: web}\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n  selector: all()\n",
            ),
        ];
        let (k, _) = load(&files);
        assert_eq!(
            k.image_overrides
                .iter()
                .find(|o| o.name == "web")
                .unwrap()
                .new_tag
                .as_deref(),
            Some("1.4.2")
        );
        assert_eq!(k.network_policies.len(), 2);
        assert!(k.network_policies[1].cluster_wide);
    }

    #[test]
    fn cronjob_and_pod() {
        let (k, _) = load_one(
            "k.yaml",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 0 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - {name: job, image: x:1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec:\n  containers: [{name: c, image: y}]\n",
        );
        assert_eq!(k.workloads.len(), 2);
        assert!(k.workloads[0].is_batch());
        assert_eq!(k.workloads[0].meta.namespace, "default");
        assert_eq!(k.workloads[1].pod_labels["a"], "b");
    }
}
