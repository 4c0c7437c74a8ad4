//! `shipshape review`: load, check, score, render, exit.

use crate::cli::{CliError, FailOn, Format, ProfileArg, ReviewArgs};
use shipshape_loaders::{LoadOptions, Repository};
use shipshape_model::{Profile, Severity};
use shipshape_report::text::SourceLookup;
use shipshape_report::Report;
use std::io::{IsTerminal, Write};

struct RepoSources<'a>(&'a Repository);

impl SourceLookup for RepoSources<'_> {
    fn text(&self, path: &str) -> Option<&str> {
        self.0.file(path).map(|f| &*f.text)
    }
}

pub fn run(args: &ReviewArgs) -> Result<u8, CliError> {
    let root = &args.path;
    if !root.is_dir() {
        return Err(CliError::usage(format!(
            "{}: not a directory",
            root.display()
        )));
    }
    let profile = match args.profile {
        ProfileArg::Prod => Profile::Prod,
        ProfileArg::Staging => Profile::Staging,
        ProfileArg::Dev => Profile::Dev,
    };
    if args.threads > 0 {
        // The global pool can be built once; a second build is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global();
    }
    let options = LoadOptions {
        threads: args.threads,
        var_files: args.var_files.clone(),
        ..LoadOptions::default()
    };
    let repo = Repository::load(root, &options).map_err(|e| CliError::usage(e.to_string()))?;
    let rules = shipshape_rules::all_rules();
    let outcome = shipshape_rules::run(&repo, profile, &rules);
    let mut diagnostics = repo.diagnostics.clone();
    diagnostics.extend(outcome.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    let findings = outcome
        .findings
        .into_iter()
        .map(|mut f| {
            f.severity = profile_severity(profile, f.category, f.severity);
            f
        })
        .collect();
    let mut report = Report::new(
        &root.to_string_lossy(),
        profile,
        findings,
        Vec::new(),
        diagnostics,
    );
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("--baseline {}: {e}", path.display())))?;
        let base = shipshape_report::json::parse(&text)
            .map_err(|e| CliError::usage(format!("--baseline {}: {e}", path.display())))?;
        report.delta = Some(shipshape_report::delta::compare(&base, &report));
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(Format::Text);
    let rendered = match format {
        Format::Json => shipshape_report::json::render(&report),
        Format::Markdown => shipshape_report::markdown::render(&report),
        Format::PrComment => shipshape_report::pr_comment::render(&report),
        Format::Sarif => shipshape_report::sarif::render(&report),
        Format::Junit => {
            let metas: Vec<_> = rules.iter().map(|r| r.meta()).collect();
            shipshape_report::junit::render(&report, &metas)
        }
        Format::Html => shipshape_report::html::render(&report, &RepoSources(&repo)),
        Format::Text => shipshape_report::text::render(&report, &RepoSources(&repo), to_terminal),
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?,
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error of the review.
            let _ = out.write_all(rendered.as_bytes());
        }
    }
    let threshold = match args.fail_on {
        FailOn::Blocker => Some(Severity::Blocker),
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::None => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(u8::from(failed))
}

/// What a profile holds a system to: `prod` as declared; `staging` relaxes
/// operations and governance one step; `dev` relaxes everything one step.
fn profile_severity(
    profile: Profile,
    category: shipshape_model::Category,
    s: Severity,
) -> Severity {
    use shipshape_model::Category::*;
    match profile {
        Profile::Prod => s,
        Profile::Staging if matches!(category, Operations | Governance) => s.lowered(),
        Profile::Staging => s,
        Profile::Dev => s.lowered(),
    }
}
