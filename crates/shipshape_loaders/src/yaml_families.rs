//! The YAML families: compose files, Kubernetes manifests (and kustomize
//! image overrides), GitHub Actions workflows, the container commands
//! and probes that service assembly reads from YAML, and the operational
//! evidence of any YAML file (SLO specifications, load tests, CI steps).
//!
//! Each YAML file is parsed once and handed to every family that wants it.
//! A manifest is both Kubernetes objects and container commands, and
//! parsing it once per family cost a few percent of a monorepo review.

use crate::code::containers::{self, Found};
use crate::compose::{self, ComposeFile};
use crate::kubernetes::{self, ImageOverride, Kubernetes, Object};
use crate::operations::{self, OpsEvidence};
use crate::source::{FileKind, SourceFile};
use crate::workflows::{self, Workflow};
use crate::yaml;
use rayon::prelude::*;
use shipshape_model::Diagnostic;

/// What the YAML files hold, family by family, each in file order.
#[derive(Debug, Default)]
pub struct YamlFamilies {
    pub compose: Vec<ComposeFile>,
    pub kubernetes: Kubernetes,
    pub workflows: Vec<Workflow>,
    /// Container commands and probes, for service assembly.
    pub containers: Found,
    /// Operational evidence, for `operations::load`.
    pub ops: OpsEvidence,
    pub diagnostics: Vec<Diagnostic>,
}

/// One file's share of every family.
#[derive(Default)]
struct PerFile {
    compose: Option<Result<Option<ComposeFile>, Diagnostic>>,
    workflow: Option<Result<Option<Workflow>, Diagnostic>>,
    kubernetes: Option<(Vec<Object>, Option<Diagnostic>)>,
    images: Vec<ImageOverride>,
    containers: Found,
    ops: OpsEvidence,
}

pub fn load(files: &[SourceFile]) -> YamlFamilies {
    let per_file: Vec<PerFile> = files
        .par_iter()
        // Every YAML file is parsed: operational evidence may be in any of
        // them. Each family reads the ones it wants.
        .filter(|f| f.kind == FileKind::Yaml)
        .map(|f| {
            let parsed = yaml::parse(&f.text);
            let mut out = PerFile::default();
            if compose::wants(f) {
                out.compose = Some(first_doc(f, &parsed, |d| compose::from_doc(&f.path, d)));
            }
            if workflows::wants(f) {
                out.workflow = Some(first_doc(f, &parsed, |d| workflows::from_doc(f, d)));
            }
            if kubernetes::wants(f) {
                out.kubernetes = Some(kubernetes::objects_from_parsed(f, &parsed));
            }
            if let Ok(parsed) = &parsed {
                if kubernetes::is_kustomization(f) {
                    out.images = kubernetes::image_overrides_from(f, parsed);
                }
                if containers::wants(f) {
                    containers::from_parsed(f, parsed, &mut out.containers);
                }
                out.ops = operations::yaml_evidence(f, parsed);
            }
            out
        })
        .collect();
    let mut families = YamlFamilies::default();
    let mut objects = Vec::new();
    let mut images = Vec::new();
    for file in per_file {
        match file.compose {
            Some(Ok(Some(c))) => families.compose.push(c),
            Some(Err(d)) => families.diagnostics.push(d),
            Some(Ok(None)) | None => {}
        }
        match file.workflow {
            Some(Ok(Some(w))) => families.workflows.push(w),
            Some(Err(d)) => families.diagnostics.push(d),
            Some(Ok(None)) | None => {}
        }
        objects.extend(file.kubernetes);
        images.extend(file.images);
        families
            .containers
            .commands
            .extend(file.containers.commands);
        families.containers.probes.extend(file.containers.probes);
        families.ops.extend(file.ops);
    }
    families.workflows.sort_by(|a, b| a.path.cmp(&b.path));
    let (k8s, k8s_diagnostics) = kubernetes::assemble(objects, images);
    families.kubernetes = k8s;
    families.diagnostics.extend(k8s_diagnostics);
    families
}

/// What a file's first document holds, for the families that read one
/// document; a file that does not parse is a diagnostic.
fn first_doc<T>(
    f: &SourceFile,
    parsed: &Result<yaml::YamlFile, yaml::YamlError>,
    read: impl FnOnce(&yaml::Node) -> Option<T>,
) -> Result<Option<T>, Diagnostic> {
    match parsed {
        Ok(parsed) => Ok(parsed.docs.first().and_then(read)),
        Err(e) => Err(e.to_diagnostic(&f.path)),
    }
}
