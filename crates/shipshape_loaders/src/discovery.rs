//! Discovery: a parallel walk of the reviewed tree (the `ignore` crate, so
//! `.gitignore` is honoured) that reads every file a loader wants, once.
//!
//! Symlinks are never followed, so nothing outside the root is read. The walk
//! only reads: nothing is ever written inside the reviewed tree.

use crate::source::{classify, FileKind, SourceFile};
use rayon::prelude::*;
use shipshape_model::{Diagnostic, DiagnosticKind};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directories that hold dependencies or tool state, never the system's own
/// configuration.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".terraform",
    "vendor",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
];

/// What discovery found: the files loaders will parse, and what it skipped.
pub struct Discovered {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Walks `root` and reads every file whose kind a loader knows.
pub fn discover(
    root: &Path,
    max_file_size: u64,
    threads: usize,
    extra_ignores: &[String],
) -> Discovered {
    read(&walk(root, threads, extra_ignores), max_file_size)
}

/// Reads the walked files. A file can vanish or change between the walk and
/// the read (a checkout in progress, a build writing beside the review):
/// that is a `skipped` diagnostic, never an error of the review.
pub fn read(paths: &[(String, PathBuf)], max_file_size: u64) -> Discovered {
    let read: Vec<Result<Option<SourceFile>, Diagnostic>> = paths
        .par_iter()
        .map(|(rel, path)| read_file(rel, path, max_file_size))
        .collect();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for item in read {
        match item {
            Ok(Some(f)) => files.push(f),
            Ok(None) => {}
            Err(d) => diagnostics.push(d),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    diagnostics.sort();
    Discovered { files, diagnostics }
}

/// The files under `root` that discovery may read (by name: a file no
/// loader wants is never opened), as (path relative to the root, path),
/// sorted by the relative path.
pub fn walk(root: &Path, threads: usize, extra_ignores: &[String]) -> Vec<(String, PathBuf)> {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(false)
        .require_git(false)
        .ignore(true)
        .parents(false)
        .threads(threads)
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && e.depth() > 0
                && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        });
    if !extra_ignores.is_empty() {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for glob in extra_ignores {
            // An override glob with `!` excludes; invalid globs are ignored
            // here because configuration validates them first.
            let _ = overrides.add(&format!("!{glob}"));
        }
        if let Ok(o) = overrides.build() {
            builder.overrides(o);
        }
    }
    let found = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            if let Ok(entry) = entry {
                // Only regular files: symlinks, FIFOs and sockets are never opened.
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    let wanted = entry.file_name().to_str().is_none_or(may_read);
                    if let (true, Ok(rel)) = (wanted, entry.path().strip_prefix(root)) {
                        let rel = rel
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/");
                        if let Ok(mut v) = found.lock() {
                            v.push((rel, entry.path().to_path_buf()));
                        }
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort();
    found
}

/// Whether a file of this name may be one a loader wants: a known kind, or
/// a name without extension that may be a script (decided by its first line).
fn may_read(name: &str) -> bool {
    classify(name, "").is_some() || !name.contains('.')
}

fn read_file(rel: &str, path: &Path, max: u64) -> Result<Option<SourceFile>, Diagnostic> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    // Classified by name first so files no loader wants are never opened.
    if !may_read(name) {
        return Ok(None);
    }
    let by_name = classify(name, "");
    let skipped =
        |why: String| Diagnostic::new(DiagnosticKind::Skipped, Some(rel.to_string()), None, why);
    let file = std::fs::File::open(path).map_err(|e| skipped(format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| skipped(format!("cannot read: {e}")))?;
    if meta.len() > max {
        if by_name.is_none() || by_name == Some(FileKind::Other) {
            return Ok(None);
        }
        return Err(skipped(format!(
            "{} bytes is over the {} byte size limit",
            meta.len(),
            max
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| skipped(format!("cannot read: {e}")))?;
    // The file grew past the limit after its size was checked: still skip.
    if bytes.len() as u64 > max {
        return Err(skipped(format!("over the {max} byte size limit")));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return match by_name {
            Some(kind) if kind != FileKind::Other => Err(Diagnostic::new(
                DiagnosticKind::ParseError,
                Some(rel.to_string()),
                None,
                "binary content (NUL bytes) where text was expected",
            )),
            _ => Ok(None),
        };
    }
    let text = crate::source::decode(bytes);
    let first_line = text.lines().next().unwrap_or("");
    let kind = match classify(name, first_line) {
        Some(k) => k,
        None => return Ok(None),
    };
    Ok(Some(SourceFile::new(rel, kind, text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_deleted_between_walk_and_read_is_skipped_and_the_rest_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.tf"), "locals {}\n").expect("write");
        std::fs::write(dir.path().join("gone.tf"), "locals {}\n").expect("write");
        let paths = walk(dir.path(), 1, &[]);
        assert_eq!(paths.len(), 2);
        std::fs::remove_file(dir.path().join("gone.tf")).expect("remove");
        let found = read(&paths, 1 << 20);
        let read: Vec<&str> = found.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(read, ["main.tf"]);
        assert_eq!(found.diagnostics.len(), 1, "{:?}", found.diagnostics);
        let d = &found.diagnostics[0];
        assert_eq!(d.kind, DiagnosticKind::Skipped);
        assert_eq!(d.file.as_deref(), Some("gone.tf"));
        assert!(d.message.contains("cannot read"), "{}", d.message);
    }

    #[test]
    fn a_file_that_grows_past_the_limit_after_the_walk_is_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.tf"), "locals {}\n").expect("write");
        let paths = walk(dir.path(), 1, &[]);
        std::fs::write(dir.path().join("main.tf"), "#".repeat(4096)).expect("grow");
        let found = read(&paths, 1024);
        assert!(found.files.is_empty());
        assert_eq!(found.diagnostics.len(), 1);
        assert_eq!(found.diagnostics[0].kind, DiagnosticKind::Skipped);
    }
}
