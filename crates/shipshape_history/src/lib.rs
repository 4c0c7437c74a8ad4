//! The review history: earlier reviews of each repository, kept in a SQLite
//! database outside the reviewed tree, so follow-up reviews can say what
//! changed (`--baseline last`) and `shipshape history` can list the trend.
//!
//! The schema is versioned with SQLite's `user_version` and migrated by the
//! scripts under `migrations/` (applied in order, each once). The database
//! runs in WAL mode with a busy timeout, so concurrent `--save` runs wait
//! for each other instead of failing. A damaged file is an error that
//! names the file, never a panic.
#![forbid(unsafe_code)]

mod git;
mod store;
mod time;

pub use git::{read_head, GitHead};
pub use store::{Entry, History, HistoryError, Record};
pub use time::{now_rfc3339, rfc3339_from_unix};

use std::path::{Path, PathBuf};

/// Where the history lives when `--history` is not given:
/// `$XDG_DATA_HOME/shipshape/history.db`, else
/// `~/.local/share/shipshape/history.db`. `None` when neither variable
/// names a directory.
pub fn default_path() -> Option<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = non_empty("XDG_DATA_HOME").map(PathBuf::from) {
        if d.is_absolute() {
            return Some(d.join("shipshape").join("history.db"));
        }
    }
    non_empty("HOME").map(|h| {
        Path::new(&h)
            .join(".local")
            .join("share")
            .join("shipshape")
            .join("history.db")
    })
}
