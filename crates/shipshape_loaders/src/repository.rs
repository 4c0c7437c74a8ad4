//! The repository model: every file family loaded, ready for rules.

use crate::code::{self, Code};
use crate::compose::ComposeFile;
use crate::discovery;
use crate::dockerfile::{self, Dockerfile};
use crate::kubernetes::Kubernetes;
use crate::shell::{self, Script};
use crate::source::SourceFile;
use crate::terraform::{self, Terraform};
use crate::workflows::Workflow;
use shipshape_model::Diagnostic;
use std::path::{Path, PathBuf};

/// How to load a repository.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub max_file_size: u64,
    pub threads: usize,
    /// `--var-file` paths (read from disk: they may live outside the root).
    pub var_files: Vec<PathBuf>,
    /// Extra ignore globs from configuration.
    pub ignore: Vec<String>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            max_file_size: 10 * 1024 * 1024,
            threads: 0,
            var_files: Vec::new(),
            ignore: Vec::new(),
        }
    }
}

/// Everything a review knows about the repository.
#[derive(Debug, Default)]
pub struct Repository {
    pub root: PathBuf,
    /// Every file that was read, sorted by path.
    pub files: Vec<SourceFile>,
    pub terraform: Terraform,
    /// Sorted by path.
    pub dockerfiles: Vec<Dockerfile>,
    /// Docker Compose files.
    pub compose: Vec<ComposeFile>,
    pub kubernetes: Kubernetes,
    /// Documents recognised by content: runbooks, SLO targets, restore procedures.
    pub docs: crate::docs::Documents,
    /// Load tests, SLO specifications, backup/restore scripts, deployed services.
    pub ops: crate::operations::OpsEvidence,
    /// Service code: modules, manifests, start commands and services.
    pub code: Code,
    /// Shell scripts: shell files, user-data files and inline user data.
    pub scripts: Vec<Script>,
    /// GitHub Actions workflows.
    pub workflows: Vec<Workflow>,
    /// What could not be read or parsed.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the `--var-file`s (path, text): they may live outside the root.
pub fn read_var_files(options: &LoadOptions) -> Result<Vec<(String, String)>, LoadError> {
    options
        .var_files
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.to_string_lossy().into_owned(), text))
                .map_err(|e| LoadError(format!("--var-file {}: {e}", path.display())))
        })
        .collect()
}

/// A `--var-file` that cannot be read is a usage error, not a diagnostic.
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

impl Repository {
    pub fn load(root: &Path, options: &LoadOptions) -> Result<Repository, LoadError> {
        let var_files = read_var_files(options)?;
        let discovered = discovery::discover(
            root,
            options.max_file_size,
            options.threads,
            &options.ignore,
        );
        Ok(Self::from_files(
            root,
            discovered.files,
            discovered.diagnostics,
            var_files,
        ))
    }

    /// Loads discovered files (all of a repository's, or one part's) with
    /// discovery's diagnostics about them and the `--var-file` texts.
    pub fn from_files(
        root: &Path,
        files: Vec<SourceFile>,
        mut diagnostics: Vec<Diagnostic>,
        var_files: Vec<(String, String)>,
    ) -> Repository {
        // The file families are independent: each loader runs as its own
        // task (and parallelises over its own files too).
        let mut terraform = None;
        let mut docker = None;
        let mut yaml = None;
        let mut code = None;
        let mut shell_files = None;
        let mut docs = None;
        let mut ops = None;
        rayon::scope(|s| {
            s.spawn(|_| {
                terraform = Some(terraform::load(
                    root,
                    &files,
                    &terraform::TfOptions { var_files },
                ))
            });
            s.spawn(|_| docker = Some(dockerfile::load(&files)));
            s.spawn(|_| yaml = Some(crate::yaml_families::load(&files)));
            s.spawn(|_| code = Some(code::parse(&files)));
            s.spawn(|_| shell_files = Some(shell::parse_files(&files)));
            s.spawn(|_| docs = Some(crate::docs::load(&files)));
            s.spawn(|_| ops = Some(crate::operations::scan_files(&files)));
        });

        let terraform = terraform.unwrap_or_default();
        let (dockerfiles, docker_diags) = docker.unwrap_or_default();
        let yaml = yaml.unwrap_or_default();
        diagnostics.extend(yaml.diagnostics);
        let mut ops = ops.unwrap_or_default();
        ops.extend(yaml.ops);
        // What needs more than one family: the service model (code and
        // Dockerfiles), and scripts then operational evidence (both need
        // Terraform). The two chains are independent.
        let (code, ((scripts, shell_diagnostics), ops)) = rayon::join(
            || {
                code::assemble(
                    code.unwrap_or_default(),
                    &files,
                    &dockerfiles,
                    yaml.containers,
                )
            },
            || {
                let shell = shell::load(root, &files, &terraform, shell_files.unwrap_or_default());
                let ops = crate::operations::load(ops, &files, &terraform, &shell.0);
                (shell, ops)
            },
        );
        diagnostics.extend(terraform.diagnostics.iter().cloned());
        diagnostics.extend(docker_diags);
        diagnostics.extend(code.diagnostics.iter().cloned());
        diagnostics.extend(shell_diagnostics);
        diagnostics.sort();
        diagnostics.dedup();
        let docs = docs.unwrap_or_default();
        Repository {
            root: root.to_path_buf(),
            files,
            terraform,
            dockerfiles,
            compose: yaml.compose,
            kubernetes: yaml.kubernetes,
            docs,
            ops,
            code,
            scripts,
            workflows: yaml.workflows,
            diagnostics,
        }
    }

    /// Releases the text of every file `keep` does not want: once loaded, a
    /// file is facts and spans, and only a few rules read texts again.
    pub fn release_texts(&mut self, keep: impl Fn(&SourceFile) -> bool + Sync) {
        use rayon::prelude::*;
        self.files
            .par_iter_mut()
            .filter(|f| !keep(f))
            .for_each(SourceFile::release_text);
    }

    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        crate::source::find(&self.files, path)
    }

    /// The Dockerfile at `path` (Dockerfiles come in file order, which is
    /// path order).
    pub fn dockerfile(&self, path: &str) -> Option<&Dockerfile> {
        self.dockerfiles
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.dockerfiles[i])
    }
}
