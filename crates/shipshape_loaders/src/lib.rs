//! Discovery and loaders: turn a directory into a [`Repository`] model that
//! rules can query without touching the file system.
//!
//! Each file family has its own module; a loader never fails the review: a
//! file it cannot read or parse becomes a [`Diagnostic`] and the walk goes on.
#![forbid(unsafe_code)]

pub mod code;
pub mod compose;
pub mod discovery;
pub mod dockerfile;
pub mod docs;
pub mod kubernetes;
pub mod operations;
pub mod parts;
pub mod repository;
pub mod shell;
pub mod source;
pub mod terraform;
pub mod workflows;
pub mod yaml;
pub mod yaml_families;

pub use repository::{LoadOptions, Repository};
pub use shipshape_model::{Diagnostic, DiagnosticKind, LineIndex, LineSpan};
pub use source::{FileKind, SourceFile};

/// Reads a file under `root` by a relative path that stays inside it and
/// passes through no symlink; `None` otherwise or when larger than `max`.
pub fn read_inside(root: &std::path::Path, rel: &str, max: u64) -> Option<String> {
    String::from_utf8(read_bytes_inside(root, rel, max)?).ok()
}

/// [`read_inside`] without decoding.
fn read_bytes_inside(root: &std::path::Path, rel: &str, max: u64) -> Option<Vec<u8>> {
    let path = checked_path(root, rel)?;
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    std::fs::read(&path).ok()
}

/// The text of a file whose text the review released
/// ([`Repository::release_texts`]), read again and decoded as discovery
/// decoded it; `None` when it is gone or now over `max` bytes.
pub fn reread(root: &std::path::Path, file: &SourceFile, max: u64) -> Option<String> {
    read_bytes_inside(root, &file.path, max).map(source::decode)
}

/// Names of the regular files of a directory under `root` (same checks).
pub fn list_dir_inside(root: &std::path::Path, rel: &str) -> Vec<String> {
    let Some(path) = checked_path(root, rel) else {
        return vec![];
    };
    let mut names: Vec<String> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

fn checked_path(root: &std::path::Path, rel: &str) -> Option<std::path::PathBuf> {
    let mut path = root.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg == ".." || seg.contains('\\') {
            return None;
        }
        path.push(seg);
        // No component may be a symlink: that is how a tree points outside.
        if std::fs::symlink_metadata(&path)
            .ok()?
            .file_type()
            .is_symlink()
        {
            return None;
        }
    }
    Some(path)
}
