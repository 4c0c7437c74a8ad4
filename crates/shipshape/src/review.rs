//! `shipshape review`: load, check, score, render, exit.

use crate::cli::{CliError, FailOn, Format, ProfileArg, ReviewArgs};
use crate::{followup, settings};
use shipshape_loaders::LoadOptions;
use shipshape_model::{Profile, Severity};
use shipshape_report::text::SourceLookup;
use shipshape_report::Report;
use shipshape_rules::stream::Reviewed;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// File texts for report snippets: those the review kept, and the released
/// ones read again from disk (once each).
struct RepoSources<'a> {
    repo: &'a Reviewed,
    max_file_size: u64,
    reread: RefCell<HashMap<String, Option<Arc<str>>>>,
}

impl SourceLookup for RepoSources<'_> {
    fn text(&self, path: &str) -> Option<Arc<str>> {
        let f = self.repo.file(path)?;
        if !f.is_released() {
            return Some(f.text.clone());
        }
        self.reread
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| {
                shipshape_loaders::reread(&self.repo.root, f, self.max_file_size).map(Arc::from)
            })
            .clone()
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
    // Configuration first, then flags over it; then everything that can
    // fail with exit 2 (baseline, history) before the review runs.
    let all_rules = shipshape_rules::all_rules();
    let rule_names: Vec<&str> = all_rules.iter().map(|r| r.meta().name).collect();
    let settings = settings::load(args.config.as_deref(), root, &rule_names)?;
    let profile = match args.profile {
        Some(ProfileArg::Prod) => Profile::Prod,
        Some(ProfileArg::Staging) => Profile::Staging,
        Some(ProfileArg::Dev) => Profile::Dev,
        None => settings.profile.unwrap_or_default(),
    };
    let baseline = followup::baseline(
        args.baseline.as_deref(),
        args.history.as_deref(),
        root,
        args.quiet,
    )?;
    let history = followup::open_for_save(args.save, args.history.as_deref())?;
    if args.threads > 0 {
        // The global pool can be built once; a second build is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global();
    }
    let defaults = LoadOptions::default();
    let options = LoadOptions {
        threads: args.threads,
        var_files: args.var_files.clone(),
        ignore: settings.ignore.clone(),
        max_file_size: settings.max_file_size.unwrap_or(defaults.max_file_size),
    };
    let progress = crate::progress::Progress::start(args.quiet);
    let rules: Vec<_> = all_rules
        .into_iter()
        .filter(|r| !settings.disabled.contains(r.meta().name))
        .collect();
    progress.stage(format!("reviewing with {} rules", rules.len()));
    let mut repo = shipshape_rules::stream::review(
        root,
        &options,
        profile,
        &rules,
        &|f| shipshape_config::waivers::mentions_waiver(&f.text),
        shipshape_rules::stream::PART_BUDGET,
    )
    .map_err(|e| CliError::usage(e.to_string()))?;
    let outcome = std::mem::take(&mut repo.outcome);
    let mut diagnostics = std::mem::take(&mut repo.diagnostics);
    diagnostics.extend(outcome.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    let findings = outcome
        .findings
        .into_iter()
        .map(|mut f| {
            // A severity set in shipshape.toml is final; else the profile's.
            f.severity = match settings.severity.get(&f.rule) {
                Some(&s) => s,
                None => profile_severity(profile, f.category, f.severity),
            };
            f
        })
        .collect();
    let files: Vec<(&str, &str)> = repo
        .files
        .iter()
        .map(|f| (f.path.as_str(), &*f.text))
        .collect();
    let applied = shipshape_config::waivers::apply(
        findings,
        &settings,
        &files,
        &rule_names,
        shipshape_config::Date::today(),
    );
    diagnostics.extend(applied.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    let mut report = Report::new(
        &root.to_string_lossy(),
        profile,
        applied.findings,
        applied.suppressed,
        diagnostics,
    );
    if let Some(base) = &baseline {
        report.delta = Some(shipshape_report::delta::compare(base, &report));
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(Format::Text);
    let sources = RepoSources {
        repo: &repo,
        max_file_size: options.max_file_size,
        reread: RefCell::default(),
    };
    let rendered = match format {
        // Streamed below: it is the format monorepo pipelines ask for.
        Format::Json => None,
        Format::Markdown => Some(shipshape_report::markdown::render(&report)),
        Format::PrComment => Some(shipshape_report::pr_comment::render(&report)),
        Format::Sarif => Some(shipshape_report::sarif::render(&report)),
        Format::Junit => {
            let metas: Vec<_> = rules.iter().map(|r| r.meta()).collect();
            Some(shipshape_report::junit::render(&report, &metas))
        }
        Format::Html => Some(shipshape_report::html::render(&report, &sources)),
        Format::Text => Some(shipshape_report::text::render(
            &report,
            &sources,
            to_terminal,
        )),
    };
    progress.finish();
    drop(sources);
    let emit = |out: &mut dyn Write| {
        match &rendered {
            Some(text) => out.write_all(text.as_bytes())?,
            None => shipshape_report::json::write(&report, &mut *out)?,
        }
        out.flush()
    };
    match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| emit(&mut std::io::BufWriter::new(f)))
            .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?,
        None => {
            // A closed pipe (e.g. `| head`) is not an error of the review.
            let _ = emit(&mut std::io::BufWriter::new(std::io::stdout().lock()));
        }
    }
    if let Some(h) = &history {
        followup::save(h, &report, root, args.quiet)?;
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
