//! Follow-up reviews: the baseline (`--baseline FILE|last`), saving a
//! review (`--save`), and `shipshape history`.

use crate::cli::{CliError, HistoryArgs, HistoryFormat};
use shipshape_history::{History, Record};
use shipshape_model::Severity;
use shipshape_report::Report;
use std::path::{Path, PathBuf};

/// The repository's identity in the history: its canonical root path.
pub fn identity(root: &Path) -> Result<String, CliError> {
    std::fs::canonicalize(root)
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|e| CliError::usage(format!("{}: {e}", root.display())))
}

/// `--history DB`, or the default location.
pub fn history_path(flag: Option<&Path>) -> Result<PathBuf, CliError> {
    match flag {
        Some(p) => Ok(p.to_path_buf()),
        None => shipshape_history::default_path().ok_or_else(|| {
            CliError::usage(
                "no place for the history: set XDG_DATA_HOME or HOME, or pass --history DB",
            )
        }),
    }
}

/// What the review compares with, read before the review runs so that a
/// bad baseline fails fast (exit 2).
pub fn baseline(
    flag: Option<&Path>,
    history: Option<&Path>,
    root: &Path,
    quiet: bool,
) -> Result<Option<Report>, CliError> {
    let Some(flag) = flag else { return Ok(None) };
    if flag == Path::new("last") && !flag.exists() {
        let db = history_path(history)?;
        let repo = identity(root)?;
        let Some(h) = History::open_existing(&db).map_err(|e| CliError::usage(e.to_string()))?
        else {
            if !quiet {
                eprintln!(
                    "shipshape: --baseline last: no history at {} yet; reviewing without a baseline",
                    db.display()
                );
            }
            return Ok(None);
        };
        return match h
            .latest_report(&repo)
            .map_err(|e| CliError::usage(e.to_string()))?
        {
            Some((entry, json)) => shipshape_report::json::parse(&json).map(Some).map_err(|e| {
                CliError::usage(format!(
                    "history database {}: saved review {} of {repo} is unreadable: {e}",
                    db.display(),
                    entry.id
                ))
            }),
            None => {
                if !quiet {
                    eprintln!(
                        "shipshape: --baseline last: no saved review of {repo} in {}; \
                         reviewing without a baseline",
                        db.display()
                    );
                }
                Ok(None)
            }
        };
    }
    let what = |msg: String| CliError::usage(format!("--baseline {}: {msg}", flag.display()));
    let bytes = std::fs::read(flag).map_err(|e| what(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| what("not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Err(what(
            "empty file; expected a JSON report (`shipshape review --format json`)".into(),
        ));
    }
    shipshape_report::json::parse(&text)
        .map(Some)
        .map_err(|e| what(format!("not a shipshape JSON report: {e}")))
}

/// Opens the history for `--save` before the review runs: a damaged
/// database is exit 2 before any output.
pub fn open_for_save(save: bool, history: Option<&Path>) -> Result<Option<History>, CliError> {
    if !save {
        return Ok(None);
    }
    let db = history_path(history)?;
    History::open(&db)
        .map(Some)
        .map_err(|e| CliError::usage(e.to_string()))
}

/// Records a review.
pub fn save(h: &History, report: &Report, root: &Path, quiet: bool) -> Result<(), CliError> {
    let repo = identity(root)?;
    let head = shipshape_history::read_head(Path::new(&repo));
    let count = |s: Severity| report.count(s) as u32;
    let record = Record {
        repository: repo,
        reviewed_at: shipshape_history::now_rfc3339(),
        git_commit: head.as_ref().and_then(|h| h.commit.clone()),
        git_ref: head.and_then(|h| h.reference),
        profile: report.profile.id().to_string(),
        score: report.score,
        grade: report.grade.clone(),
        decision: report.decision.clone(),
        counts: [
            count(Severity::Blocker),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
        ],
        suppressed: report.suppressed.len() as u32,
        report: shipshape_report::json::render(report),
    };
    let id = h
        .save(&record)
        .map_err(|e| CliError::usage(e.to_string()))?;
    if !quiet {
        eprintln!("shipshape: saved review #{id} in {}", h.path().display());
    }
    Ok(())
}

/// `shipshape history [PATH]`.
pub fn history(args: &HistoryArgs) -> Result<u8, CliError> {
    let repo = identity(&args.path)?;
    let db = history_path(args.history.as_deref())?;
    let entries = match History::open_existing(&db).map_err(|e| CliError::usage(e.to_string()))? {
        Some(h) => h.list(&repo).map_err(|e| CliError::usage(e.to_string()))?,
        None => Vec::new(),
    };
    let out = match args.format {
        HistoryFormat::Json => {
            let list: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "id": e.id,
                        "date": e.reviewed_at,
                        "commit": e.git_commit,
                        "ref": e.git_ref,
                        "profile": e.profile,
                        "score": e.score,
                        "grade": e.grade,
                        "decision": e.decision,
                        "counts": {
                            "blocker": e.counts[0],
                            "high": e.counts[1],
                            "medium": e.counts[2],
                            "low": e.counts[3],
                            "suppressed": e.suppressed,
                        },
                    })
                })
                .collect();
            let doc = serde_json::json!({"repository": repo, "reviews": list});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
        HistoryFormat::Text if entries.is_empty() => {
            format!("no saved reviews of {repo} in {}\n", db.display())
        }
        HistoryFormat::Text => {
            let mut o = format!("reviews of {repo} ({})\n", db.display());
            o.push_str(
                "  #    date                  commit    profile  score grade decision     B  H  M  L waived\n",
            );
            for e in &entries {
                let commit = e
                    .git_commit
                    .as_deref()
                    .map(|c| c.chars().take(8).collect::<String>())
                    .unwrap_or_else(|| "-".into());
                o.push_str(&format!(
                    "  {:<4} {:<21} {:<9} {:<8} {:>5} {:<5} {:<11} {:>2} {:>2} {:>2} {:>2} {:>6}\n",
                    e.id,
                    e.reviewed_at,
                    commit,
                    e.profile,
                    e.score,
                    e.grade,
                    e.decision,
                    e.counts[0],
                    e.counts[1],
                    e.counts[2],
                    e.counts[3],
                    e.suppressed
                ));
            }
            o
        }
    };
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(0)
}
