//! The commands that start a service's process: Dockerfile CMD/ENTRYPOINT
//! (final stage), Procfile processes, package.json scripts.

use super::manifest::{Manifest, ManifestKind};
use shipshape_model::LineSpan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandSource {
    /// The final stage's ENTRYPOINT + CMD.
    Dockerfile,
    Procfile(String),
    PackageScript(String),
    /// A Kubernetes container or compose service `command`/`args`.
    Container(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub file: String,
    pub span: LineSpan,
    pub source: CommandSource,
    /// The words of the command (exec form) or the shell line split on blanks.
    pub words: Vec<String>,
    /// The directory the command runs (compose `build` context), when known.
    pub context: Option<String>,
}

/// A command word that names a shell script the command runs
/// (`./start.sh`, `/app/docker-entrypoint.sh`), as a relative path.
pub fn script_word(word: &str) -> Option<&str> {
    let rel = word.trim_start_matches("./").trim_start_matches("/app/");
    let name = rel.rsplit('/').next().unwrap_or(rel);
    (name.ends_with(".sh") || name.contains("entrypoint") || name == "start").then_some(rel)
}

impl Command {
    pub fn dir(&self) -> &str {
        super::dir_of(&self.file)
    }

    pub fn text(&self) -> String {
        self.words.join(" ")
    }

    /// Whether the production process starts with this command
    /// (Dockerfile, Procfile web/worker, npm `start`).
    pub fn is_production(&self) -> bool {
        match &self.source {
            CommandSource::Dockerfile | CommandSource::Container(_) => true,
            CommandSource::Procfile(n) => n != "release",
            CommandSource::PackageScript(n) => n == "start" || n == "serve" || n == "prod",
        }
    }
}

/// Splits a shell line into words (quotes removed; no expansion).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() || any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || any {
        out.push(cur);
    }
    out
}

/// The final stage's ENTRYPOINT + CMD of a Dockerfile.
pub fn from_dockerfile(df: &crate::dockerfile::Dockerfile) -> Option<Command> {
    let stage = df.final_stage()?;
    let mut words: Vec<String> = vec![];
    let mut sp: Option<LineSpan> = None;
    for c in [&stage.entrypoint, &stage.cmd].into_iter().flatten() {
        words.extend(c.argv.iter().cloned());
        sp = Some(match sp {
            None => c.span,
            Some(s) => LineSpan::new(s.start.min(c.span.start), s.end.max(c.span.end)),
        });
    }
    if words.is_empty() {
        return None;
    }
    Some(Command {
        file: df.path.clone(),
        span: sp.unwrap_or(LineSpan::line(1)),
        source: CommandSource::Dockerfile,
        words,
        context: None,
    })
}

pub fn from_manifests(manifests: &[Manifest]) -> Vec<Command> {
    let mut out = vec![];
    for m in manifests {
        for (name, cmd, sp) in &m.scripts {
            let source = match m.kind {
                ManifestKind::Procfile => CommandSource::Procfile(name.clone()),
                ManifestKind::PackageJson => CommandSource::PackageScript(name.clone()),
                _ => continue,
            };
            out.push(Command {
                file: m.path.clone(),
                span: *sp,
                source,
                words: shell_words(cmd),
                context: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn dockerfile(f: &SourceFile) -> Option<Command> {
        let (dfs, _) = crate::dockerfile::load(std::slice::from_ref(f));
        from_dockerfile(dfs.first()?)
    }

    #[test]
    fn dockerfile_final_stage_command() {
        let f = SourceFile::new(
            "svc/Dockerfile",
            crate::FileKind::Dockerfile,
            "FROM node AS build\nCMD [\"npm\", \"run\", \"dev\"]\nFROM python:3.11\nWORKDIR /app\nENTRYPOINT [\"gunicorn\"]\nCMD [\"-b\", \"0.0.0.0:8080\", \"app:app\"]\n",
        );
        let c = dockerfile(&f).unwrap();
        assert_eq!(c.words, ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]);
        assert_eq!(c.span, LineSpan::new(5, 6));
        let f = SourceFile::new(
            "Dockerfile",
            crate::FileKind::Dockerfile,
            "FROM x\nCMD python app.py\n",
        );
        assert_eq!(dockerfile(&f).unwrap().words, ["python", "app.py"]);
    }

    #[test]
    fn splits_shell_words() {
        assert_eq!(
            shell_words("node --watch 'a b.js' \"\""),
            ["node", "--watch", "a b.js", ""]
        );
    }
}
