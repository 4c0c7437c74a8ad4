//! The command line (see the contract in the README).

use crate::{docs_cmd, followup, review, settings};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "shipshape",
    version,
    about = "Reviews a repository for production readiness"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Review a repository and write the report.
    Review(ReviewArgs),
    /// List every rule.
    Rules,
    /// Explain one rule: what it finds, why it matters, how to fix it.
    Explain {
        /// Rule name (e.g. `rds-not-multi-az`) or code (e.g. `REL004`).
        rule: String,
    },
    /// Write the rule documentation pages (or check they are current).
    Docs {
        #[arg(long, default_value = "docs/rules")]
        out: PathBuf,
        /// Fail when the pages on disk differ from the rules.
        #[arg(long)]
        check: bool,
    },
    // Follow-up reviews and configuration (issue 5).
    /// Write a commented starter shipshape.toml (never overwrites).
    Init {
        /// The repository root to write `shipshape.toml` into.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// List the saved reviews of a repository (see `review --save`).
    History(HistoryArgs),
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The repository whose reviews to list.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The history database (default: $XDG_DATA_HOME/shipshape/history.db).
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// `text` (default) or `json`.
    #[arg(long, value_enum, default_value = "text")]
    pub format: HistoryFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// The full review as a Markdown document.
    Markdown,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF consumers).
    Sarif,
    /// JUnit XML: a test suite per category, a test case per rule.
    Junit,
    /// One self-contained HTML page.
    Html,
    /// Markdown for a pull-request comment: folded sections, under
    /// GitHub's 65,536-character limit.
    PrComment,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Blocker,
    High,
    Medium,
    Low,
    None,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Prod,
    Staging,
    Dev,
}

#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// The repository to review.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format (text on a terminal by default).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What the review holds the system to [default: prod, or the
    /// `profile` of shipshape.toml].
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
    /// A .tfvars / .tfvars.json file for the root module(s); repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// A JSON report of an earlier review, or `last` for the latest saved
    /// review of this repository: the report gains a `delta`.
    #[arg(long, value_name = "FILE|last")]
    pub baseline: Option<PathBuf>,
    /// Save this review in the history database.
    #[arg(long)]
    pub save: bool,
    /// The history database (default: $XDG_DATA_HOME/shipshape/history.db,
    /// else ~/.local/share/shipshape/history.db).
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// Exit 1 when a finding of this severity or worse remains.
    #[arg(long, value_enum, default_value = "blocker")]
    pub fail_on: FailOn,
    /// A shipshape.toml (default: the one at PATH's root, if any).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print nothing but the report.
    #[arg(short, long)]
    pub quiet: bool,
}

/// An error with the exit status it maps to.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Review(args) => review::run(&args),
        Command::Rules => {
            print!("{}", docs_cmd::list());
            Ok(0)
        }
        Command::Explain { rule } => match shipshape_rules::find_rule(&rule) {
            Some(r) => {
                print!("{}", docs_cmd::page(r.meta()));
                Ok(0)
            }
            None => Err(CliError::usage(format!(
                "no rule named `{rule}` (see `shipshape rules`)"
            ))),
        },
        Command::Docs { out, check } => docs_cmd::write(&out, check),
        Command::Init { path } => settings::init(&path),
        Command::History(args) => followup::history(&args),
    }
}
