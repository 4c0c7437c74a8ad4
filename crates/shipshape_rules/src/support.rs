//! Helpers rules share: evidence for Terraform resources, and the common
//! questions about values ("is this set and false?").

use shipshape_loaders::terraform::{Resource, Value};
use shipshape_model::{Evidence, LineSpan};

/// Evidence pointing at a resource block (or the attribute at `path` in it).
pub fn tf_evidence(res: &Resource, path: &[&str], message: impl Into<String>) -> Evidence {
    let lines = if path.is_empty() {
        res.block.span
    } else {
        res.block.span_of(path)
    };
    Evidence {
        file: Some(res.file().to_string()),
        lines: Some(lines),
        resource: Some(res.address.clone()),
        key: tf_key(res),
        message: message.into(),
        remediation: None,
    }
}

/// The fingerprint key of a resource: root module directory and address,
/// so it survives edits elsewhere and moves between files of the module.
pub fn tf_key(res: &Resource) -> String {
    format!("{}::{}", res.root_dir, res.address)
}

/// Facts of a rule that reports once for the repository when some part
/// needs a thing (it manages AWS resources, it deploys something) and no
/// part has it (a GuardDuty detector, a runbook).
#[derive(Default)]
pub struct Missing {
    needed: bool,
    present: bool,
}

impl Missing {
    /// Adds one part's answers.
    pub fn add(&mut self, needed: bool, present: bool) {
        self.needed |= needed;
        self.present |= present;
    }

    /// Whether the repository needs the thing and lacks it.
    pub fn missing(&self) -> bool {
        self.needed && !self.present
    }
}

/// Evidence for a repository-level finding (`file: null`).
pub fn repo_evidence(key: &str, message: impl Into<String>) -> Evidence {
    Evidence {
        file: None,
        lines: None,
        resource: None,
        key: key.to_string(),
        message: message.into(),
        remediation: None,
    }
}

/// Evidence for a file span with an explicit key.
pub fn file_evidence(
    file: &str,
    lines: LineSpan,
    resource: Option<String>,
    key: String,
    message: impl Into<String>,
) -> Evidence {
    Evidence {
        file: Some(file.to_string()),
        lines: Some(lines),
        resource,
        key,
        message: message.into(),
        remediation: None,
    }
}

/// A three-valued reading of a boolean setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Tri {
    True,
    False,
    /// Unknown statically; carries what it depends on.
    Unknown(String),
}

/// Reads a boolean attribute; unset counts as `default`.
pub fn bool_attr(res: &Resource, path: &[&str], default: bool) -> Tri {
    match res.get(path) {
        None => {
            if default {
                Tri::True
            } else {
                Tri::False
            }
        }
        Some(v) => match v.as_bool() {
            Some(true) => Tri::True,
            Some(false) => Tri::False,
            None => Tri::Unknown(describe_unknown(v)),
        },
    }
}

/// Why a value is unknown, for `unevaluated` diagnostics.
pub fn describe_unknown(v: &Value) -> String {
    let refs: Vec<String> = v
        .refs()
        .into_iter()
        .filter(|r| !r.starts_with('!'))
        .collect();
    if refs.is_empty() {
        "its value cannot be known statically".to_string()
    } else {
        format!("its value depends on {}", refs.join(", "))
    }
}

/// Whether a resource type is an AWS one.
pub fn is_aws(rtype: &str) -> bool {
    rtype.starts_with("aws_")
}

// ---------------------------------------------------------------- containers

/// Evidence pointing at a whole Kubernetes workload (its document).
pub fn k8s_workload_evidence(
    w: &shipshape_loaders::kubernetes::Workload,
    message: impl Into<String>,
) -> Evidence {
    Evidence {
        file: Some(w.meta.file.clone()),
        lines: Some(w.meta.span),
        resource: Some(w.meta.id()),
        key: format!("{}|{}", w.meta.file, w.meta.id()),
        message: message.into(),
        remediation: None,
    }
}

/// Evidence pointing at one container of a workload.
pub fn k8s_container_evidence(
    w: &shipshape_loaders::kubernetes::Workload,
    c: &shipshape_loaders::kubernetes::Container,
    message: impl Into<String>,
) -> Evidence {
    Evidence {
        file: Some(w.meta.file.clone()),
        lines: Some(c.span),
        resource: Some(format!("{}/{}", w.meta.id(), c.name)),
        key: format!("{}|{}|{}", w.meta.file, w.meta.id(), c.name),
        message: message.into(),
        remediation: None,
    }
}

/// Evidence pointing at a compose service.
pub fn compose_service_evidence(
    file: &str,
    svc: &shipshape_loaders::compose::Service,
    message: impl Into<String>,
) -> Evidence {
    Evidence {
        file: Some(file.to_string()),
        lines: Some(svc.span),
        resource: Some(format!("service.{}", svc.name)),
        key: format!("{file}|service.{}", svc.name),
        message: message.into(),
        remediation: None,
    }
}

/// A boolean setting that production wants one way, checked the same way
/// by several rules: unset counts as `default`, an unknown value is an
/// `unevaluated` diagnostic, never a finding.
pub struct BoolSetting<'a> {
    pub types: &'a [&'a str],
    pub attribute: &'a str,
    pub default: bool,
    /// The value production wants.
    pub wanted: bool,
    /// Point at the attribute (when set) rather than the whole block.
    pub at_attribute: bool,
}

impl BoolSetting<'_> {
    /// Reports every resource (for which `applies` holds) whose setting is
    /// not the wanted value, with `message` naming it.
    pub fn check(
        &self,
        cx: &mut crate::Context,
        applies: impl Fn(&Resource) -> bool,
        message: impl Fn(&Resource) -> String,
    ) {
        let repo = cx.repo;
        for t in self.types {
            for res in repo.terraform.resources_of(t).filter(|r| applies(r)) {
                let value = match bool_attr(res, &[self.attribute], self.default) {
                    Tri::True => true,
                    Tri::False => false,
                    Tri::Unknown(why) => {
                        cx.unevaluated(
                            Some(res.file()),
                            Some(res.block.span.start),
                            format!("`{}` {}: {why}", res.address, self.attribute),
                        );
                        continue;
                    }
                };
                if value != self.wanted {
                    let path: &[&str] = if self.at_attribute {
                        &[self.attribute]
                    } else {
                        &[]
                    };
                    cx.report(tf_evidence(res, path, message(res)));
                }
            }
        }
    }
}
