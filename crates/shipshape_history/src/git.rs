//! The commit a checkout is at, read from `.git` files: `HEAD`, loose refs
//! and `packed-refs`. git itself is never executed (a reviewed repository's
//! hooks and config must not run).

use std::path::{Path, PathBuf};

/// Refs files are small; anything larger is not trusted.
const MAX_REF_FILE: u64 = 64 * 1024 * 1024;

/// What `HEAD` points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHead {
    /// Full commit id, when it could be resolved.
    pub commit: Option<String>,
    /// The symbolic ref (`refs/heads/main`), `None` when detached.
    pub reference: Option<String>,
}

/// Reads the HEAD of the checkout containing `root` (searching upwards for
/// `.git`); `None` when `root` is not inside a git checkout.
pub fn read_head(root: &Path) -> Option<GitHead> {
    let (git_dir, common_dir) = find_git_dir(root)?;
    let head = read_small(&git_dir.join("HEAD"))?;
    let head = head.trim();
    if let Some(reference) = head.strip_prefix("ref:") {
        let reference = reference.trim().to_string();
        let commit = resolve_ref(&git_dir, &common_dir, &reference);
        Some(GitHead {
            commit,
            reference: Some(reference),
        })
    } else {
        Some(GitHead {
            commit: is_object_id(head).then(|| head.to_string()),
            reference: None,
        })
    }
}

/// The git directory and the common directory (they differ for linked
/// worktrees, whose `.git` is a file `gitdir: <path>`).
fn find_git_dir(root: &Path) -> Option<(PathBuf, PathBuf)> {
    for dir in root.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = std::fs::metadata(&dot_git) else {
            continue;
        };
        let git_dir = if meta.is_dir() {
            dot_git
        } else {
            let text = read_small(&dot_git)?;
            let target = text.trim().strip_prefix("gitdir:")?.trim().to_string();
            let target = PathBuf::from(target);
            if target.is_absolute() {
                target
            } else {
                dir.join(target)
            }
        };
        let common = match read_small(&git_dir.join("commondir")) {
            Some(c) => {
                let c = PathBuf::from(c.trim());
                if c.is_absolute() {
                    c
                } else {
                    git_dir.join(c)
                }
            }
            None => git_dir.clone(),
        };
        return Some((git_dir, common));
    }
    None
}

fn resolve_ref(git_dir: &Path, common_dir: &Path, reference: &str) -> Option<String> {
    // A ref name never climbs out of the git directory.
    if reference.split('/').any(|s| s == ".." || s.is_empty()) || reference.contains('\\') {
        return None;
    }
    for dir in [git_dir, common_dir] {
        if let Some(text) = read_small(&dir.join(reference)) {
            let id = text.trim();
            return is_object_id(id).then(|| id.to_string());
        }
    }
    let packed = read_small(&common_dir.join("packed-refs"))?;
    packed.lines().find_map(|line| {
        if line.starts_with('#') || line.starts_with('^') {
            return None;
        }
        let (id, name) = line.split_once(' ')?;
        (name.trim() == reference && is_object_id(id)).then(|| id.to_string())
    })
}

fn is_object_id(s: &str) -> bool {
    // SHA-1 (40) or SHA-256 (64) repositories.
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_REF_FILE {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn loose_ref() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), ".git/HEAD", "ref: refs/heads/main\n");
        write(t.path(), ".git/refs/heads/main", &format!("{A}\n"));
        let head = read_head(t.path()).unwrap();
        assert_eq!(head.commit.as_deref(), Some(A));
        assert_eq!(head.reference.as_deref(), Some("refs/heads/main"));
    }

    #[test]
    fn packed_ref_and_subdirectory() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), ".git/HEAD", "ref: refs/heads/release\n");
        write(
            t.path(),
            ".git/packed-refs",
            &format!(
                "# pack-refs with: peeled\n{A} refs/heads/main\n{B} refs/heads/release\n^{A}\n"
            ),
        );
        std::fs::create_dir_all(t.path().join("infra")).unwrap();
        let head = read_head(&t.path().join("infra")).unwrap();
        assert_eq!(head.commit.as_deref(), Some(B));
    }

    #[test]
    fn detached_and_unborn_and_none() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), ".git/HEAD", &format!("{B}\n"));
        assert_eq!(read_head(t.path()).unwrap().commit.as_deref(), Some(B));
        write(t.path(), ".git/HEAD", "ref: refs/heads/new\n");
        assert_eq!(read_head(t.path()).unwrap().commit, None);
        write(t.path(), ".git/HEAD", "ref: ../../../etc/passwd\n");
        assert_eq!(read_head(t.path()).unwrap().commit, None);
    }

    #[test]
    fn linked_worktree() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "main/.git/refs/heads/feature", &format!("{A}\n"));
        write(
            t.path(),
            "main/.git/worktrees/wt/HEAD",
            "ref: refs/heads/feature\n",
        );
        write(t.path(), "main/.git/worktrees/wt/commondir", "../..\n");
        write(t.path(), "wt/.git", "gitdir: ../main/.git/worktrees/wt\n");
        let head = read_head(&t.path().join("wt")).unwrap();
        assert_eq!(head.commit.as_deref(), Some(A));
    }
}
