//! The SQLite store: open (create, migrate), save, list, latest.

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Schema migrations, applied in order; the database's `user_version` is
/// the number applied so far. Never edit a released script: add one.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_reviews.sql")];

/// How long a writer waits for another (concurrent `--save` runs).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// What went wrong with the history database; always names the file.
#[derive(Debug)]
pub struct HistoryError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "history database {}: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for HistoryError {}

/// One review to save.
#[derive(Debug, Clone)]
pub struct Record {
    /// Repository identity: the canonical root path.
    pub repository: String,
    /// RFC 3339 UTC.
    pub reviewed_at: String,
    pub git_commit: Option<String>,
    pub git_ref: Option<String>,
    pub profile: String,
    pub score: u32,
    pub grade: String,
    pub decision: String,
    /// Open findings: blocker, high, medium, low.
    pub counts: [u32; 4],
    pub suppressed: u32,
    /// The full JSON report.
    pub report: String,
}

/// One saved review, as listed (without the report).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub reviewed_at: String,
    pub git_commit: Option<String>,
    pub git_ref: Option<String>,
    pub profile: String,
    pub score: u32,
    pub grade: String,
    pub decision: String,
    pub counts: [u32; 4],
    pub suppressed: u32,
}

pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// Opens the database at `path`, creating it (and its directory) when
    /// missing, and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        Self::open_with(path, true)
    }

    /// Opens an existing database read-only; `Ok(None)` when there is none.
    pub fn open_existing(path: &Path) -> Result<Option<Self>, HistoryError> {
        if !path.exists() {
            return Ok(None);
        }
        Self::open_with(path, false).map(Some)
    }

    fn open_with(path: &Path, create: bool) -> Result<Self, HistoryError> {
        let err = |message: String| HistoryError {
            path: path.to_path_buf(),
            message,
        };
        if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        if path.is_dir() {
            return Err(err("is a directory".into()));
        }
        let flags = if create {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        // Switching to WAL and creating the schema take locks SQLite does
        // not always wait for (the busy handler is skipped where waiting
        // could deadlock): a concurrent first run retries the whole open.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(5);
        loop {
            let attempt =
                Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                    .and_then(|conn| {
                        let history = History {
                            conn,
                            path: path.to_path_buf(),
                        };
                        history.configure().map(|()| history)
                    })
                    .map_err(Retry::Sqlite)
                    .and_then(|mut h| h.migrate().map(|()| h));
            match attempt {
                Ok(h) => return Ok(h),
                Err(e) if e.is_busy() && std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(Retry::Sqlite(e)) => return Err(err(describe(&e))),
                Err(Retry::History(e)) => return Err(e),
            }
        }
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Readers never block the writer and a crash mid-write cannot
        // corrupt earlier reviews. Reading the mode back also makes SQLite
        // read the header, so a file that is not a database fails here.
        let _mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), Retry> {
        let path = self.path.clone();
        let err = Retry::Sqlite;
        // IMMEDIATE: two processes creating the database at once take
        // turns; the second sees the first one's version and does nothing.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(Retry::History(HistoryError {
                path: path.clone(),
                message: format!(
                    "schema version {version} is newer than this shipshape knows ({known}); \
                     upgrade shipshape or use another --history file"
                ),
            }));
        }
        if version < 0 {
            return Err(Retry::History(HistoryError {
                path: path.clone(),
                message: format!("schema version {version} is not a shipshape history"),
            }));
        }
        if version == 0 {
            // A database someone else made is not ours to write into.
            let tables: i64 = tx
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(err)?;
            if tables > 0 {
                return Err(Retry::History(HistoryError {
                    path: path.clone(),
                    message: "not a shipshape history database (it holds other tables)".into(),
                }));
            }
        }
        for (i, script) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(script).map_err(err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves a review; returns its id.
    pub fn save(&self, r: &Record) -> Result<i64, HistoryError> {
        self.conn
            .execute(
                "INSERT INTO reviews (repository, reviewed_at, git_commit, git_ref, profile, \
                 score, grade, decision, blockers, high, medium, low, suppressed, report) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    r.repository,
                    r.reviewed_at,
                    r.git_commit,
                    r.git_ref,
                    r.profile,
                    r.score,
                    r.grade,
                    r.decision,
                    r.counts[0],
                    r.counts[1],
                    r.counts[2],
                    r.counts[3],
                    r.suppressed,
                    r.report
                ],
            )
            .map_err(|e| self.error(&e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Earlier reviews of a repository, oldest first.
    pub fn list(&self, repository: &str) -> Result<Vec<Entry>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, reviewed_at, git_commit, git_ref, profile, score, grade, decision, \
                 blockers, high, medium, low, suppressed FROM reviews \
                 WHERE repository = ?1 ORDER BY id",
            )
            .map_err(|e| self.error(&e))?;
        let rows = stmt
            .query_map([repository], |row| {
                Ok(Entry {
                    id: row.get(0)?,
                    reviewed_at: row.get(1)?,
                    git_commit: row.get(2)?,
                    git_ref: row.get(3)?,
                    profile: row.get(4)?,
                    score: row.get(5)?,
                    grade: row.get(6)?,
                    decision: row.get(7)?,
                    counts: [row.get(8)?, row.get(9)?, row.get(10)?, row.get(11)?],
                    suppressed: row.get(12)?,
                })
            })
            .map_err(|e| self.error(&e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(&e))
    }

    /// The JSON report of the latest saved review of a repository.
    pub fn latest_report(&self, repository: &str) -> Result<Option<(Entry, String)>, HistoryError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(id) FROM reviews WHERE repository = ?1",
                [repository],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(&e))?
            .flatten();
        let Some(id) = id else { return Ok(None) };
        let report: String = self
            .conn
            .query_row("SELECT report FROM reviews WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(|e| self.error(&e))?;
        let entry = self
            .list(repository)?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| HistoryError {
                path: self.path.clone(),
                message: format!("review {id} vanished while reading"),
            })?;
        Ok(Some((entry, report)))
    }

    fn error(&self, e: &rusqlite::Error) -> HistoryError {
        HistoryError {
            path: self.path.clone(),
            message: describe(e),
        }
    }
}

/// An error while opening: SQLite's (maybe worth a retry) or final.
enum Retry {
    Sqlite(rusqlite::Error),
    History(HistoryError),
}

impl Retry {
    fn is_busy(&self) -> bool {
        matches!(
            self,
            Retry::Sqlite(e) if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        )
    }
}

/// A message a user can act on.
fn describe(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode::*;
    match e.sqlite_error_code() {
        Some(NotADatabase) => "not a SQLite database (damaged or another kind of file); \
                               move it away to start a new history"
            .into(),
        Some(DatabaseCorrupt) => "the database is damaged (malformed); \
                                  move it away to start a new history"
            .into(),
        Some(DatabaseBusy) | Some(DatabaseLocked) => {
            "the database stayed locked by another process; try again".into()
        }
        Some(ReadOnly) | Some(PermissionDenied) => format!("cannot write: {e}"),
        Some(CannotOpen) => format!("cannot open: {e}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(repo: &str, score: u32, commit: &str) -> Record {
        Record {
            repository: repo.into(),
            reviewed_at: "2026-12-02T04:30:00Z".into(),
            git_commit: Some(commit.into()),
            git_ref: Some("refs/heads/main".into()),
            profile: "prod".into(),
            score,
            grade: "C".into(),
            decision: "no-go".into(),
            counts: [1, 2, 3, 4],
            suppressed: 1,
            report: format!("{{\"score\":{score}}}"),
        }
    }

    #[test]
    fn saves_lists_and_finds_latest_per_repository() {
        let t = tempfile::tempdir().unwrap();
        let db = t.path().join("sub/history.db");
        let h = History::open(&db).unwrap();
        h.save(&record("/a", 40, "c1")).unwrap();
        h.save(&record("/b", 90, "x")).unwrap();
        h.save(&record("/a", 55, "c2")).unwrap();
        drop(h);
        let h = History::open(&db).unwrap();
        let list = h.list("/a").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].git_commit.as_deref(), Some("c1"));
        assert_eq!(list[1].score, 55);
        assert_eq!(list[1].counts, [1, 2, 3, 4]);
        let (entry, report) = h.latest_report("/a").unwrap().unwrap();
        assert_eq!(entry.score, 55);
        assert_eq!(report, "{\"score\":55}");
        assert!(h.latest_report("/c").unwrap().is_none());
        let version: i64 = h
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = h
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn garbage_and_truncated_files_are_errors_naming_the_file() {
        let t = tempfile::tempdir().unwrap();
        let garbage = t.path().join("garbage.db");
        std::fs::write(&garbage, vec![0x5au8; 8192]).unwrap();
        let e = History::open(&garbage).err().unwrap();
        assert!(e.to_string().contains("garbage.db"), "{e}");
        assert!(e.message.contains("not a SQLite database"), "{e}");

        // A real database cut short in the middle of its pages.
        let good = t.path().join("good.db");
        {
            let h = History::open(&good).unwrap();
            for i in 0..200 {
                h.save(&record("/a", i, &"x".repeat(500))).unwrap();
            }
            // Fold the WAL into the main file, so truncation hits real pages.
            h.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .unwrap();
        }
        let bytes = std::fs::read(&good).unwrap();
        let cut = t.path().join("cut.db");
        std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        let result = History::open(&cut).and_then(|h| h.list("/a"));
        let e = result.expect_err("a truncated database must fail");
        assert!(e.to_string().contains("cut.db"), "{e}");
    }

    #[test]
    fn foreign_and_future_databases_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let other = t.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(History::open(&other)
            .err()
            .unwrap()
            .message
            .contains("not a shipshape history"));
        let future = t.path().join("future.db");
        Connection::open(&future)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        assert!(History::open(&future)
            .err()
            .unwrap()
            .message
            .contains("newer"));
    }

    #[test]
    fn concurrent_writers_wait_for_each_other() {
        let t = tempfile::tempdir().unwrap();
        let db = t.path().join("h.db");
        std::thread::scope(|s| {
            for w in 0..4 {
                let db = &db;
                s.spawn(move || {
                    let h = History::open(db).unwrap();
                    for i in 0..10 {
                        h.save(&record("/a", w * 100 + i, "c")).unwrap();
                    }
                });
            }
        });
        assert_eq!(History::open(&db).unwrap().list("/a").unwrap().len(), 40);
    }
}
