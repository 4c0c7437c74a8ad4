//! Reviews a repository a part at a time: each part is loaded, checked and
//! dropped before the next is loaded, so that memory follows the largest
//! part and the findings, not the whole monorepo's model. The report is the
//! one a review of the whole repository at once gives
//! (docs/design/streaming-review.md).

use crate::{Outcome, Review, Rule};
use shipshape_loaders::parts::{self, Bounds};
use shipshape_loaders::repository::{read_var_files, LoadError};
use shipshape_loaders::{discovery, Diagnostic, LoadOptions, Repository, SourceFile};
use shipshape_model::Profile;
use std::path::{Path, PathBuf};

/// Files per part. On the benchmark monorepo a part of this many files
/// holds about 50 MB of texts and model, while the parts' own fixed costs
/// (a rule pass each) stay small.
pub const PART_BUDGET: usize = 4096;

/// What the report needs from a review once the models are gone.
pub struct Reviewed {
    pub root: PathBuf,
    /// Every file read, sorted by path; texts kept only where `keep`
    /// wanted them.
    pub files: Vec<SourceFile>,
    /// Discovery's and the loaders' diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    pub outcome: Outcome,
    /// How many parts the review was made in (1: all at once).
    pub parts: usize,
}

impl Reviewed {
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        shipshape_loaders::source::find(&self.files, path)
    }
}

/// Discovers the repository under `root` and reviews it in parts of at
/// most `budget` files (or one unit, when larger); each part's files are
/// read when it is loaded. Once a part is checked, its texts are released
/// except those `keep` wants (rules read the texts they need while the
/// part is loaded). Anything that ties one part to another (see
/// [`parts::escapes`]) makes the review start over with everything at once.
pub fn review(
    root: &Path,
    options: &LoadOptions,
    profile: Profile,
    rules: &[&'static dyn Rule],
    keep: &(dyn Fn(&SourceFile) -> bool + Sync),
    budget: usize,
) -> Result<Reviewed, LoadError> {
    let var_files = read_var_files(options)?;
    let walked = discovery::walk(root, options.threads, &options.ignore);
    let all: Vec<String> = walked.iter().map(|(rel, _)| rel.clone()).collect();
    let split = parts::split(&all, budget);
    if split.len() > 1 {
        let by_part = Walked {
            paths: &walked,
            all: &all,
            max_file_size: options.max_file_size,
        };
        if let Some(reviewed) = in_parts(root, &by_part, &split, &var_files, profile, rules, keep) {
            return Ok(reviewed);
        }
        // Tied together: review everything at once.
    }
    let discovered = discovery::read(&walked, options.max_file_size);
    let mut repo =
        Repository::from_files(root, discovered.files, discovered.diagnostics, var_files);
    let mut review = Review::new(profile, rules);
    check(&mut review, &mut repo, keep, |_| ());
    let reviewed = Reviewed {
        root: root.to_path_buf(),
        files: std::mem::take(&mut repo.files),
        diagnostics: std::mem::take(&mut repo.diagnostics),
        outcome: review.finish(),
        parts: 1,
    };
    // Freeing the model (millions of small allocations) would cost several
    // percent of a large review for memory the process returns to the OS a
    // moment later anyway.
    std::mem::forget(repo);
    Ok(reviewed)
}

/// Releases the texts rules do not read, checks the loaded part (while
/// `beside` runs on it), then releases every text `keep` does not want.
fn check<T: Send>(
    review: &mut Review,
    repo: &mut Repository,
    keep: &(dyn Fn(&SourceFile) -> bool + Sync),
    beside: impl FnOnce(&Repository) -> T + Send,
) -> T {
    repo.release_texts(|f| crate::reads_text(f.kind) || keep(f));
    let part: &Repository = repo;
    let ((), out) = rayon::join(|| review.check(part), || beside(part));
    repo.release_texts(keep);
    out
}

/// The files discovery walked, read part by part.
struct Walked<'a> {
    paths: &'a [(String, PathBuf)],
    /// The relative paths, sorted.
    all: &'a [String],
    max_file_size: u64,
}

/// The review part by part; `None` when a part reaches into another.
fn in_parts(
    root: &Path,
    walked: &Walked,
    split: &[parts::Part],
    var_files: &[(String, String)],
    profile: Profile,
    rules: &[&'static dyn Rule],
    keep: &(dyn Fn(&SourceFile) -> bool + Sync),
) -> Option<Reviewed> {
    let mut review = Review::new(profile, rules);
    let mut kept = Vec::with_capacity(walked.all.len());
    let mut diagnostics = Vec::new();
    for part in split {
        let paths: Vec<_> = part
            .files
            .iter()
            .map(|&i| walked.paths[i].clone())
            .collect();
        let read = discovery::read(&paths, walked.max_file_size);
        let mut repo =
            Repository::from_files(root, read.files, read.diagnostics, var_files.to_vec());
        let bounds = Bounds {
            all: walked.all,
            part,
        };
        // What ties this part to others is looked for while the rules run
        // (their pass leaves cores idle); a tie discards the whole review.
        let escapes = check(&mut review, &mut repo, keep, |part| {
            parts::escapes(part, &bounds)
        });
        if !escapes.is_empty() {
            return None;
        }
        kept.append(&mut repo.files);
        diagnostics.append(&mut repo.diagnostics);
        // Dropped on a worker thread: freeing a part's model (millions of
        // small allocations) overlaps loading the next one.
        rayon::spawn(move || drop(repo));
    }
    // The root's files and the subtrees' are in different parts: the
    // index is sorted once at the end.
    kept.sort_by(|a: &SourceFile, b| a.path.cmp(&b.path));
    diagnostics.sort();
    diagnostics.dedup();
    Some(Reviewed {
        root: root.to_path_buf(),
        files: kept,
        diagnostics,
        outcome: review.finish(),
        parts: split.len(),
    })
}
