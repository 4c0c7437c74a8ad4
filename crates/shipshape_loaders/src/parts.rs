//! Splitting a review into parts, so that a monorepo is loaded and checked
//! a part at a time instead of all at once (docs/design/streaming-review.md).
//!
//! A part is a run of *units*. A unit is a topmost directory that holds
//! files of its own, with its whole subtree: above a unit root no directory
//! holds a file, so walking up from a file for its nearest manifest finds
//! the same manifest whether the review is split or not. What else ties
//! files of different units together (a module source, a `file()` read, a
//! relative import, a build context) is found after a part is loaded, by
//! [`escapes`]: the review then falls back to loading everything at once.

use crate::code::commands::script_word;
use crate::code::{dir_of, import_candidates, CommandSource};
use crate::terraform::join_rel;
use crate::Repository;
use std::collections::HashSet;
use std::ops::Range;

/// A run of whole units: the files (as indices into the sorted list) and
/// the units' root directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub files: Range<usize>,
    pub roots: Vec<String>,
}

/// Splits `paths` (sorted) into parts of whole units, packed in path
/// order up to `budget` files each (a larger unit is a part of its own).
/// A repository with files at its root is one unit, so one part.
pub fn split<P: AsRef<str>>(paths: &[P], budget: usize) -> Vec<Part> {
    let with_files: HashSet<&str> = paths.iter().map(|p| dir_of(p.as_ref())).collect();
    let mut parts: Vec<Part> = Vec::new();
    let mut i = 0;
    while i < paths.len() {
        let root = unit_root(paths[i].as_ref(), &with_files).to_string();
        let end = i + paths[i..].partition_point(|p| within(p.as_ref(), &root));
        match parts.last_mut() {
            Some(p) if p.files.len() + (end - i) <= budget => {
                p.files.end = end;
                p.roots.push(root);
            }
            _ => parts.push(Part {
                files: i..end,
                roots: vec![root],
            }),
        }
        i = end;
    }
    parts
}

/// The shallowest directory on the way to `path` that holds a file of its
/// own (the file's own directory at the latest).
fn unit_root<'a>(path: &'a str, with_files: &HashSet<&str>) -> &'a str {
    let dir = dir_of(path);
    if with_files.contains("") {
        return "";
    }
    dir.match_indices('/')
        .map(|(i, _)| &dir[..i])
        .find(|d| with_files.contains(d))
        .unwrap_or(dir)
}

/// Whether `path` is `dir` or lies below it (`""` is the root).
pub fn within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A loaded part among the whole repository's files.
pub struct Bounds<'a> {
    /// Every file's path, sorted.
    pub all: &'a [String],
    pub part: &'a Part,
}

impl Bounds<'_> {
    /// Whether a file at `path`, or below `path` as a directory, belongs
    /// to another part.
    fn elsewhere(&self, path: &str) -> bool {
        let exact = self.all.partition_point(|p| p.as_str() < path);
        if self.all.get(exact).is_some_and(|p| p == path) && !self.part.files.contains(&exact) {
            return true;
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let lo = self.all.partition_point(|p| p.as_str() < prefix.as_str());
        let hi = lo + self.all[lo..].partition_point(|p| p.starts_with(&prefix));
        lo < hi && (lo < self.part.files.start || hi > self.part.files.end)
    }

    /// The unit of the part that holds `path`.
    fn unit_of(&self, path: &str) -> Option<&str> {
        self.part
            .roots
            .iter()
            .map(String::as_str)
            .find(|r| within(path, r))
    }
}

/// What ties the loaded `part` to files of other parts: each is a reason
/// the part cannot be reviewed on its own. Empty when the part's review is
/// the whole review's restricted to it.
pub fn escapes(repo: &Repository, bounds: &Bounds) -> Vec<String> {
    let mut out = Vec::new();
    let tf = &repo.terraform;
    // A local module source decides which directories are roots and what a
    // root instantiates.
    for m in tf.modules.values() {
        if bounds.elsewhere(&m.dir) {
            out.push(format!(
                "Terraform module `{}` is loaded from another part",
                m.dir
            ));
        }
        for call in &m.module_calls {
            let Some(src) = call.attr("source").and_then(|a| a.expr.as_str()) else {
                continue;
            };
            if !(src.starts_with("./") || src.starts_with("../")) {
                continue;
            }
            if join_rel(&m.dir, src).is_none_or(|d| bounds.elsewhere(&d)) {
                out.push(format!("{}: module source `{src}`", call.file));
            }
        }
    }
    // A script Terraform reads is user data, not a plain script.
    for r in &tf.file_reads {
        if bounds.elsewhere(&r.path) {
            out.push(format!("{}: read by {}", r.path, r.resource));
        }
    }
    let code = &repo.code;
    for m in &code.modules {
        let unit = bounds.unit_of(&m.path).unwrap_or("");
        for imp in &m.imports {
            let far = import_candidates(m, &imp.module)
                .filter(|c| !within(c, unit))
                .any(|c| bounds.elsewhere(&c));
            if far {
                out.push(format!("{}: import `{}`", m.path, imp.module));
            }
        }
    }
    for c in &code.commands {
        // A script a command runs is looked up from the root too.
        for rel in c.words.iter().filter_map(|w| script_word(w)) {
            if bounds.elsewhere(rel) {
                out.push(format!("{}: runs `{rel}`", c.file));
            }
        }
        if !matches!(c.source, CommandSource::Container(_)) {
            continue;
        }
        match &c.context {
            Some(ctx) if bounds.elsewhere(ctx) => {
                out.push(format!("{}: build context `{ctx}`", c.file));
            }
            Some(_) => {}
            // A container command without a build context belongs to the
            // services nearest to it: beyond its unit, those of any part.
            None => {
                let unit = bounds.unit_of(&c.file).unwrap_or("");
                if !code.services.iter().any(|s| within(&s.dir, unit)) {
                    out.push(format!(
                        "{}: a container command with no service near it",
                        c.file
                    ));
                }
            }
        }
    }
    // A compose service builds from a Dockerfile whose HEALTHCHECK counts.
    for f in &repo.compose {
        for svc in &f.services {
            if let Some(path) = svc
                .build_dockerfile(&f.path)
                .filter(|p| bounds.elsewhere(p))
            {
                out.push(format!(
                    "{}: service `{}` builds `{path}`",
                    f.path, svc.name
                ));
            }
        }
    }
    for w in &repo.workflows {
        for job in &w.jobs {
            if let Some(u) = job.uses.as_ref().filter(|u| u.local) {
                let path = u.raw.trim_start_matches("./");
                if bounds.elsewhere(path) {
                    out.push(format!("{}: job `{}` calls `{}`", w.path, job.id, u.raw));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_the_topmost_directories_with_files() {
        let files = vec![
            "teams/a/README.md",
            "teams/a/infra/main.tf",
            "teams/b/app.py",
            "teams/b-2/x/app.py",
            "teams/b-2/y/app.py",
        ];
        let split = split(&files, 1);
        let roots: Vec<&[String]> = split.iter().map(|p| p.roots.as_slice()).collect();
        assert_eq!(
            roots,
            [
                &["teams/a".to_string()][..],
                &["teams/b".to_string()],
                &["teams/b-2/x".to_string()],
                &["teams/b-2/y".to_string()],
            ]
        );
        assert_eq!(split[0].files, 0..2);
        // Whole units are packed up to the budget.
        let packed = super::split(&files, 2);
        assert_eq!(
            packed.iter().map(|p| p.files.clone()).collect::<Vec<_>>(),
            [0..2, 2..4, 4..5]
        );
        // A file at the root makes the root the only unit.
        let mut rooted = files.clone();
        rooted.insert(0, "Makefile");
        assert_eq!(super::split(&rooted, 1).len(), 1);
    }

    /// Loads `files` as one repository and splits it into the smallest
    /// parts; the escapes of the part holding `path`.
    fn escapes_of(files: &[(&str, &str)], path: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, text) in files {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let walked = crate::discovery::walk(dir.path(), 0, &[]);
        let all: Vec<String> = walked.iter().map(|(rel, _)| rel.clone()).collect();
        let split = split(&all, 1);
        let part = split
            .iter()
            .find(|p| all[p.files.clone()].iter().any(|f| f == path))
            .expect("a part holds the path");
        let mine = crate::discovery::read(&walked[part.files.clone()], 1 << 20).files;
        let repo = Repository::from_files(dir.path(), mine, vec![], vec![]);
        escapes(&repo, &Bounds { all: &all, part })
    }

    #[test]
    fn what_ties_parts_together() {
        let module = [
            (
                "app/main.tf",
                "module \"db\" {\n  source = \"../modules/db\"\n}\n",
            ),
            (
                "modules/db/main.tf",
                "resource \"aws_db_instance\" \"db\" {}\n",
            ),
        ];
        assert_eq!(escapes_of(&module, "app/main.tf").len(), 1);
        let inside = [
            ("app/main.tf", "module \"db\" {\n  source = \"./db\"\n}\n"),
            ("app/db/main.tf", ""),
        ];
        assert!(escapes_of(&inside, "app/main.tf").is_empty());

        let user_data = [
            ("infra/main.tf", "resource \"aws_instance\" \"a\" {\n  user_data = file(\"../scripts/boot.sh\")\n}\n"),
            ("scripts/boot.sh", "#!/bin/bash\necho hi\n"),
        ];
        assert_eq!(escapes_of(&user_data, "infra/main.tf").len(), 1);

        let import = [
            ("web/src/index.ts", "import { db } from '../../lib/db';\n"),
            ("lib/db.ts", "export const db = 1;\n"),
        ];
        assert_eq!(escapes_of(&import, "web/src/index.ts").len(), 1);
        let bare = [
            ("web/src/index.ts", "import fastify from 'fastify';\n"),
            ("lib/db.ts", ""),
        ];
        assert!(escapes_of(&bare, "web/src/index.ts").is_empty());

        let context = [
            (
                "deploy/docker-compose.yml",
                "services:\n  api:\n    build: ../api\n",
            ),
            (
                "api/Dockerfile",
                "FROM node:20\nCMD [\"node\", \"index.js\"]\n",
            ),
        ];
        assert_eq!(escapes_of(&context, "deploy/docker-compose.yml").len(), 1);

        let reusable = [
            ("svc/.github/workflows/deploy.yml", "on: push\njobs:\n  test:\n    uses: ./.github/workflows/test.yml\n"),
            (".github/workflows/test.yml", "on: workflow_call\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n"),
        ];
        // `.github` is a unit of its own: the root holds no file.
        assert_eq!(
            escapes_of(&reusable, "svc/.github/workflows/deploy.yml").len(),
            1
        );
    }
}
