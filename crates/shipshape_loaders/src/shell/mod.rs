//! Shell scripts: every script of the repository (shell files, the files
//! Terraform feeds into `user_data`, inline `user_data` heredocs in `.tf`
//! files) parsed with tree-sitter-bash into a model rules can query: the
//! options in effect (`set -euo pipefail`), traps, and every simple command
//! with the word that actually runs, its arguments, its line in the file
//! that holds it, and whether anything looks at its exit status.
//!
//! Script text that hides inside another command (`ssh host "…"`,
//! `bash -c "…"`, `aws ssm send-command --parameters commands=[…]`, a
//! heredoc fed to `bash`) is parsed too, so rules see those commands with
//! the line of the string that holds them.

mod collect;
mod parse;
mod words;

pub use collect::{load, parse_files, ParsedFiles};
pub use parse::{parse_script, ParseLimits};
pub use words::{program_index, static_text_of_sed_replacements};

use shipshape_model::LineSpan;

/// Why a script exists, as far as the repository tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptRole {
    /// Instance user data: the resource (address) and its root module dir.
    UserData { resource: String, root_dir: String },
    /// Runs infrastructure or deployment tooling (terraform, aws, kubectl,
    /// ssh, docker, package managers…).
    Provisioning,
    /// The `run:` script of a CI step.
    CiStep,
    /// Anything else (build helpers, dev scripts).
    Plain,
}

/// One script.
#[derive(Debug, Clone)]
pub struct Script {
    /// The file whose lines the script's lines are (a `.sh`, or the `.tf`
    /// holding an inline heredoc, or a workflow file).
    pub path: String,
    pub role: ScriptRole,
    /// Lines of the file that the script occupies.
    pub span: LineSpan,
    /// The `#!` line, when the script has one.
    pub shebang: Option<String>,
    /// Option changes, in source order (shebang flags first).
    pub sets: Vec<SetChange>,
    pub traps: Vec<Trap>,
    /// Every simple command, in source order (nested scripts after the
    /// command that carries them).
    pub commands: Vec<Command>,
    pub loops: Vec<Loop>,
    pub functions: Vec<Function>,
    pub heredocs: Vec<Heredoc>,
    /// The parse had errors (the model holds what was recognised).
    pub has_errors: bool,
    /// Parsing stopped early (time or size bound).
    pub truncated: bool,
}

/// A shell option rules care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShellOption {
    Errexit,
    Nounset,
    Pipefail,
}

/// `set -e` / `set +o pipefail` / a shebang flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetChange {
    pub line: u32,
    pub option: ShellOption,
    pub on: bool,
    /// 0 for the script itself, another number for a nested script.
    pub scope: usize,
    /// At the script's top level (not in a function or substitution), so
    /// it holds for everything after it.
    pub top_level: bool,
    pub from_shebang: bool,
}

/// `trap 'action' SIGNAL...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub line: u32,
    pub action: String,
    /// Upper-case signal names without `SIG` (`ERR`, `EXIT`, `INT`).
    pub signals: Vec<String>,
    pub scope: usize,
}

/// How a command's exit status is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `cmd || …`, `cmd && …`, an `if`/`while` condition, a `$?` test next.
    Explicit,
    /// Not tested, but errexit stops the script when it fails.
    Errexit,
    Unchecked,
}

/// Position of a command in a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelinePos {
    pub id: usize,
    pub index: usize,
    pub len: usize,
}

/// A redirection: operator (`>`, `>>`, `&>`, `<`…) and target text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub op: String,
    pub target: String,
}

/// One simple command.
#[derive(Debug, Clone)]
pub struct Command {
    /// The word that runs, without its directory: `curl` for
    /// `sudo -E /usr/bin/curl …`. See [`program_index`].
    pub program: String,
    /// Where the arguments start in `words` (see [`Command::args`]): they
    /// are not stored twice.
    args_start: usize,
    /// Line of each argument.
    pub arg_lines: Vec<u32>,
    /// Every word of the command, wrappers included.
    pub words: Vec<String>,
    pub line: u32,
    pub end_line: u32,
    pub status: Status,
    /// In an `if`/`while`/`until` condition.
    pub condition: bool,
    /// Enclosing loops (indices into [`Script::loops`]), innermost last.
    pub loops: Vec<usize>,
    /// Enclosing function (index into [`Script::functions`]).
    pub function: Option<usize>,
    pub pipeline: Option<PipelinePos>,
    /// Inside `$(…)` or `<(…)`.
    pub substitution: bool,
    /// Scope: 0 for the script itself, else a nested script.
    pub scope: usize,
    /// For commands of nested scripts: where the text came from
    /// (`ssh`, `bash -c`, `ssm`, `heredoc`, `eval`).
    pub nested: Option<String>,
    pub redirects: Vec<Redirect>,
    /// A heredoc on this command's stdin (index into [`Script::heredocs`]).
    pub heredoc: Option<usize>,
}

impl Command {
    /// The words after the program word, as written (quotes removed,
    /// expansions kept as text).
    pub fn args(&self) -> &[String] {
        self.words.get(self.args_start..).unwrap_or_default()
    }

    pub fn checked(&self) -> bool {
        self.status != Status::Unchecked
    }

    /// Whether an argument is exactly `flag`, or `flag=value`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args().iter().any(|a| {
            a == flag
                || a.strip_prefix(flag)
                    .is_some_and(|rest| rest.starts_with('='))
        })
    }

    /// Whether a short option cluster (`-fsSL`) holds `c`. Long options do
    /// not count.
    pub fn has_short_flag(&self, c: char) -> bool {
        self.args()
            .iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a[1..].contains(c))
    }

    /// The first positional argument that is a subcommand (`apply` in
    /// `terraform -chdir=x apply`): the first argument not starting with `-`.
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }

    /// The command line as a span.
    pub fn span(&self) -> LineSpan {
        LineSpan::new(self.line, self.end_line)
    }

    /// The argument after `flag` (`-o out`), or the value of `flag=value`.
    pub fn flag_value(&self, flag: &str) -> Option<&str> {
        let mut it = self.args().iter();
        while let Some(a) = it.next() {
            if a == flag {
                return it.next().map(String::as_str);
            }
            if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
        None
    }
}

/// What kind of loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    Until,
}

/// A loop, with the facts retry logic shows.
#[derive(Debug, Clone)]
pub struct Loop {
    pub kind: LoopKind,
    pub line: u32,
    pub end_line: u32,
    /// The words a `for` loop iterates over.
    pub values: Vec<String>,
    /// The body (or condition) runs `sleep`.
    pub has_sleep: bool,
    /// The body runs `break` (or `return`/`exit 0`, leaving on success).
    pub has_break: bool,
}

impl Loop {
    /// A loop shaped like a retry: it sleeps or breaks out, or an `until`
    /// (runs until something succeeds), or counts (`for i in 1 2 3`,
    /// `$(seq 5)`, `{1..5}`).
    pub fn looks_like_retry(&self) -> bool {
        let counted = self.kind == LoopKind::For
            && !self.values.is_empty()
            && self.values.iter().all(|v| {
                v.chars().all(|c| c.is_ascii_digit())
                    || v.contains("seq ")
                    || (v.starts_with('{') && v.contains(".."))
            });
        self.has_sleep || self.has_break || self.kind == LoopKind::Until || counted
    }
}

/// A function definition.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub line: u32,
    pub end_line: u32,
}

/// A heredoc body.
#[derive(Debug, Clone)]
pub struct Heredoc {
    /// The delimiter as written (`'EOF'`, `-EOF`).
    pub delimiter: String,
    /// First and last line of the body.
    pub span: LineSpan,
    pub body: String,
    /// Index of the command whose stdin it is.
    pub command: Option<usize>,
}

/// The options in effect at a point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    pub errexit: bool,
    pub nounset: bool,
    pub pipefail: bool,
}

impl Options {
    pub fn strict(&self) -> bool {
        self.errexit && self.nounset && self.pipefail
    }
}

impl Script {
    /// Options set at the top level of `scope` before (or on) `line`.
    pub fn options_at(&self, scope: usize, line: u32) -> Options {
        let mut o = Options::default();
        for s in self
            .sets
            .iter()
            .filter(|s| s.scope == scope && s.top_level && s.line <= line)
        {
            match s.option {
                ShellOption::Errexit => o.errexit = s.on,
                ShellOption::Nounset => o.nounset = s.on,
                ShellOption::Pipefail => o.pipefail = s.on,
            }
        }
        o
    }

    /// The options the script (scope 0) ends up with.
    pub fn final_options(&self) -> Options {
        self.options_at(0, u32::MAX)
    }

    /// Commands of one program (resolved), nested scripts included.
    pub fn commands_of<'a>(&'a self, program: &'a str) -> impl Iterator<Item = &'a Command> + 'a {
        self.commands.iter().filter(move |c| c.program == program)
    }

    /// Whether the command is inside a loop shaped like a retry, or a
    /// function whose name says it retries.
    pub fn in_retry(&self, cmd: &Command) -> bool {
        cmd.loops
            .iter()
            .filter_map(|i| self.loops.get(*i))
            .any(Loop::looks_like_retry)
            || cmd
                .function
                .and_then(|f| self.functions.get(f))
                .is_some_and(|f| f.name.to_ascii_lowercase().contains("retry"))
    }

    /// The other commands of the pipeline `cmd` is in (in order, itself
    /// included).
    pub fn pipeline_of<'a>(&'a self, cmd: &Command) -> Vec<&'a Command> {
        match cmd.pipeline {
            Some(p) => self
                .commands
                .iter()
                .filter(|c| c.pipeline.is_some_and(|q| q.id == p.id && !c.substitution))
                .collect(),
            None => vec![],
        }
    }

    /// The user-data resource, when this is user data.
    pub fn user_data_of(&self) -> Option<(&str, &str)> {
        match &self.role {
            ScriptRole::UserData { resource, root_dir } => Some((resource, root_dir)),
            _ => None,
        }
    }
}

/// Programs whose presence makes a script a provisioning/operations script.
pub const PROVISIONING_PROGRAMS: &[&str] = &[
    "terraform",
    "tofu",
    "terragrunt",
    "ansible",
    "ansible-playbook",
    "packer",
    "pulumi",
    "aws",
    "gcloud",
    "gsutil",
    "az",
    "kubectl",
    "helm",
    "eksctl",
    "kustomize",
    "docker",
    "docker-compose",
    "podman",
    "ssh",
    "scp",
    "rsync",
    "systemctl",
    "service",
    "apt-get",
    "apt",
    "yum",
    "dnf",
    "apk",
    "zypper",
    "useradd",
    "mkfs",
    "mount",
    "pg_dump",
    "pg_restore",
    "mysqldump",
    "crontab",
    "iptables",
    "ufw",
    "certbot",
    "hostnamectl",
];

#[cfg(test)]
mod tests;
