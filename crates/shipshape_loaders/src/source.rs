//! A file of the reviewed repository, as read once by discovery.

use shipshape_model::LineIndex;
use std::sync::{Arc, LazyLock};

/// Which loader a file goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Terraform,
    /// `*.tfvars`; `.tfvars.json` is `TfvarsJson`.
    Tfvars,
    TfvarsJson,
    Dockerfile,
    Yaml,
    Shell,
    JavaScript,
    TypeScript,
    Python,
    Go,
    /// package.json, requirements*.txt, pyproject.toml, Pipfile, go.mod, Procfile.
    Manifest,
    /// Markdown, reStructuredText and plain text: runbooks, SLO documents.
    Document,
    /// Anything else that was read (e.g. a script without extension, a template).
    Other,
}

/// A file read into memory: its path relative to the root (with `/`), its
/// text and a line index.
///
/// Once the loaders have turned a file into facts, its text can be
/// released ([`SourceFile::release_text`]): a review keeps only the texts
/// rules still read, so memory does not grow with every file of a monorepo.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub kind: FileKind,
    pub text: Arc<str>,
    pub lines: Arc<LineIndex>,
    released: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, kind: FileKind, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let lines = Arc::new(LineIndex::new(&text));
        Self {
            path: path.into(),
            kind,
            text,
            lines,
            released: false,
        }
    }

    /// Drops the text and line index; the file keeps its path and kind.
    /// Reading the text afterwards gives "" (see [`SourceFile::is_released`]).
    pub fn release_text(&mut self) {
        // Shared: a monorepo review keeps a released entry per file.
        static EMPTY: LazyLock<(Arc<str>, Arc<LineIndex>)> =
            LazyLock::new(|| (Arc::from(""), Arc::new(LineIndex::new(""))));
        self.text = EMPTY.0.clone();
        self.lines = EMPTY.1.clone();
        self.released = true;
    }

    /// Whether the text was released after loading (re-read it from disk
    /// to show it).
    pub fn is_released(&self) -> bool {
        self.released
    }

    /// The file name (last path component).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The directory part of the path ("" for files at the root).
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    }

    /// Text of a 1-based line, without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        // A rule that reads lines of a released file would see nothing:
        // its kind belongs in `shipshape_rules::reads_text`.
        debug_assert!(!self.released, "line_text of released {}", self.path);
        let start = self.lines.line_start(line);
        let rest = &self.text[start.min(self.text.len())..];
        rest.split('\n').next().unwrap_or("").trim_end_matches('\r')
    }
}

/// The file at `path` among `files`, which discovery sorts by path.
pub fn find<'a>(files: &'a [SourceFile], path: &str) -> Option<&'a SourceFile> {
    files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|i| &files[i])
}

/// A file's bytes as text: invalid UTF-8 replaced, a byte-order mark dropped.
pub(crate) fn decode(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Decides a file's kind from its name, and for files without a telling
/// extension from the first line (a shell shebang).
pub fn classify(name: &str, first_line: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
    {
        return Some(FileKind::Dockerfile);
    }
    if lower.ends_with(".tfvars.json") {
        return Some(FileKind::TfvarsJson);
    }
    let kind = match ext {
        "tf" => FileKind::Terraform,
        "tfvars" => FileKind::Tfvars,
        "yml" | "yaml" => FileKind::Yaml,
        "sh" | "bash" => FileKind::Shell,
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "mts" | "cts" | "tsx" => FileKind::TypeScript,
        "py" => FileKind::Python,
        "go" => FileKind::Go,
        // Load-test plans: JMeter, and Gatling simulations by their
        // conventional name (other Java/Scala sources are never read).
        "jmx" => FileKind::Other,
        "scala" | "java" | "kt" if crate::operations::is_gatling_name(&lower) => FileKind::Other,
        "md" | "markdown" | "rst" | "txt" | "adoc" => {
            if lower.starts_with("requirements") {
                FileKind::Manifest
            } else {
                FileKind::Document
            }
        }
        "tpl" | "tftpl" | "tmpl" => {
            if is_shell_shebang(first_line) || lower.ends_with(".sh.tpl") {
                FileKind::Shell
            } else {
                FileKind::Other
            }
        }
        _ => match lower.as_str() {
            "package.json" | "pyproject.toml" | "pipfile" | "go.mod" | "procfile" => {
                FileKind::Manifest
            }
            _ if is_shell_shebang(first_line) => FileKind::Shell,
            _ if ext.is_empty() || ext == "json" || ext == "toml" || ext == "js6" => {
                FileKind::Other
            }
            _ => return None,
        },
    };
    Some(kind)
}

fn is_shell_shebang(first_line: &str) -> bool {
    let Some(rest) = first_line.strip_prefix("#!") else {
        return false;
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let program = match words.first() {
        Some(p) if p.ends_with("/env") => words.get(1).copied().unwrap_or(""),
        Some(p) => p,
        None => "",
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    matches!(base, "sh" | "bash" | "dash" | "ksh" | "zsh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_name_and_shebang() {
        assert_eq!(classify("main.tf", ""), Some(FileKind::Terraform));
        assert_eq!(classify("prod.tfvars", ""), Some(FileKind::Tfvars));
        assert_eq!(classify("x.tfvars.json", ""), Some(FileKind::TfvarsJson));
        assert_eq!(classify("Dockerfile", ""), Some(FileKind::Dockerfile));
        assert_eq!(classify("Dockerfile.prod", ""), Some(FileKind::Dockerfile));
        assert_eq!(classify("api.Dockerfile", ""), Some(FileKind::Dockerfile));
        assert_eq!(
            classify("deploy", "#!/usr/bin/env bash"),
            Some(FileKind::Shell)
        );
        assert_eq!(classify("cpanel.sh.tpl", ""), Some(FileKind::Shell));
        assert_eq!(
            classify("deploy", "#!/usr/bin/env python3"),
            Some(FileKind::Other)
        );
        assert_eq!(classify("requirements.txt", ""), Some(FileKind::Manifest));
        assert_eq!(classify("image.png", ""), None);
    }
}
