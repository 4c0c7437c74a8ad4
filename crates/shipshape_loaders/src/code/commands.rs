//! The commands that start a service's process: Dockerfile CMD/ENTRYPOINT
//! (final stage), Procfile processes, package.json scripts.

use super::manifest::{Manifest, ManifestKind};
use super::parse::{self, named_children, span, text, Grammar};
use crate::source::SourceFile;
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

pub fn from_dockerfile(file: &SourceFile) -> Option<Command> {
    let tree = parse::parse(Grammar::Containerfile, &file.text).ok()?;
    let src: &str = &file.text;
    let mut entry: Option<(Vec<String>, LineSpan)> = None;
    let mut cmd: Option<(Vec<String>, LineSpan)> = None;
    for inst in named_children(tree.root_node()) {
        match inst.kind() {
            // A new stage starts afresh (only the final stage runs).
            "from_instruction" => {
                entry = None;
                cmd = None;
            }
            "cmd_instruction" | "entrypoint_instruction" => {
                let words = instruction_words(inst, src);
                let v = Some((words, span(inst)));
                if inst.kind() == "cmd_instruction" {
                    cmd = v;
                } else {
                    entry = v;
                }
            }
            _ => {}
        }
    }
    let (mut words, mut sp) = entry.clone().unwrap_or((vec![], LineSpan::line(1)));
    if let Some((c, s)) = cmd {
        words.extend(c);
        sp = if entry.is_some() {
            LineSpan::new(sp.start.min(s.start), sp.end.max(s.end))
        } else {
            s
        };
    }
    if words.is_empty() {
        return None;
    }
    Some(Command {
        file: file.path.clone(),
        span: sp,
        source: CommandSource::Dockerfile,
        words,
        context: None,
    })
}

fn instruction_words(inst: tree_sitter::Node, src: &str) -> Vec<String> {
    for c in named_children(inst) {
        match c.kind() {
            "json_string_array" => {
                return named_children(c)
                    .into_iter()
                    .filter(|s| s.kind() == "json_string")
                    .map(|s| {
                        let t = text(s, src);
                        serde_json::from_str::<String>(t)
                            .unwrap_or_else(|_| t.trim_matches('"').to_string())
                    })
                    .collect();
            }
            "shell_command" => return shell_words(&text(c, src).replace("\\\n", " ")),
            _ => {}
        }
    }
    vec![]
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

    #[test]
    fn dockerfile_final_stage_command() {
        let f = SourceFile::new(
            "svc/Dockerfile",
            crate::FileKind::Dockerfile,
            "FROM node AS build\nCMD [\"npm\", \"run\", \"dev\"]\nFROM python:3.11\nWORKDIR /app\nENTRYPOINT [\"gunicorn\"]\nCMD [\"-b\", \"0.0.0.0:8080\", \"app:app\"]\n",
        );
        let c = from_dockerfile(&f).unwrap();
        assert_eq!(c.words, ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]);
        assert_eq!(c.span, LineSpan::new(5, 6));
        let f = SourceFile::new(
            "Dockerfile",
            crate::FileKind::Dockerfile,
            "FROM x\nCMD python app.py\n",
        );
        assert_eq!(from_dockerfile(&f).unwrap().words, ["python", "app.py"]);
    }

    #[test]
    fn splits_shell_words() {
        assert_eq!(
            shell_words("node --watch 'a b.js' \"\""),
            ["node", "--watch", "a b.js", ""]
        );
    }
}
