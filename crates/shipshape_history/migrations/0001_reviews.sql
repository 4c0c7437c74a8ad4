-- Version 1: one row per saved review.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    repository  TEXT    NOT NULL,  -- canonical root path
    reviewed_at TEXT    NOT NULL,  -- RFC 3339, UTC
    git_commit  TEXT,              -- from .git/HEAD, when the root is a git checkout
    git_ref     TEXT,              -- e.g. refs/heads/main; NULL when detached
    profile     TEXT    NOT NULL,
    score       INTEGER NOT NULL,
    grade       TEXT    NOT NULL,
    decision    TEXT    NOT NULL,
    blockers    INTEGER NOT NULL,
    high        INTEGER NOT NULL,
    medium      INTEGER NOT NULL,
    low         INTEGER NOT NULL,
    suppressed  INTEGER NOT NULL,
    report      TEXT    NOT NULL   -- the full JSON report
);
CREATE INDEX reviews_by_repository ON reviews (repository, id);
