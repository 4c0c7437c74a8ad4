//! Splitting a review into parts, so that a monorepo is loaded and checked
//! a part at a time instead of all at once (docs/design/streaming-review.md).
//!
//! A part is a set of whole *units*. The files at the root are one unit
//! (unless one of them is a code manifest, such as a workspace
//! `package.json` or a `go.mod`: then the repository is one unit). Below
//! the root, a unit is a topmost directory that holds files of its own,
//! with its whole subtree: between the root and a unit no directory holds
//! a file, so walking up from a file for its nearest manifest finds the
//! same manifest whether the review is split or not. What else ties files
//! of different units together (a module source, a `file()` read, an
//! import, a build context, a service owning the directories below it) is
//! found after a part is loaded, by [`escapes`]: the review then falls
//! back to loading everything at once.

use crate::code::commands::script_word;
use crate::code::{dir_of, import_candidates, CommandSource};
use crate::source::{classify, FileKind};
use crate::terraform::{is_local_source, join_rel};
use crate::Repository;
use std::collections::HashSet;

/// The files at the root, or a directory with its whole subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub dir: String,
    pub subtree: bool,
}

impl Unit {
    /// Whether `path` (a file or a directory) lies in the unit.
    pub fn holds(&self, path: &str) -> bool {
        if self.subtree {
            within(path, &self.dir)
        } else {
            dir_of(path) == self.dir
        }
    }
}

/// Whole units: their files (sorted indices into the walked paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub files: Vec<usize>,
    pub units: Vec<Unit>,
}

/// Splits `paths` (sorted) into parts of whole units, packed (the root's
/// files first, then the subtrees in path order) up to `budget` files
/// each; a larger unit is a part of its own.
pub fn split<P: AsRef<str>>(paths: &[P], budget: usize) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for (unit, files) in units(paths) {
        match parts.last_mut() {
            Some(p) if p.files.len() + files.len() <= budget => {
                p.files.extend(files);
                p.units.push(unit);
            }
            _ => parts.push(Part {
                files,
                units: vec![unit],
            }),
        }
    }
    for p in &mut parts {
        p.files.sort_unstable();
    }
    parts
}

/// The units of `paths` (sorted), each with its files.
fn units<P: AsRef<str>>(paths: &[P]) -> Vec<(Unit, Vec<usize>)> {
    let unit = |dir: &str, subtree| Unit {
        dir: dir.to_string(),
        subtree,
    };
    let at_root: Vec<usize> = (0..paths.len())
        .filter(|&i| !paths[i].as_ref().contains('/'))
        .collect();
    let manifest_at_root = at_root
        .iter()
        .any(|&i| classify(paths[i].as_ref(), "") == Some(FileKind::Manifest));
    if manifest_at_root {
        return vec![(unit("", true), (0..paths.len()).collect())];
    }
    let mut out = Vec::new();
    if !at_root.is_empty() {
        out.push((unit("", false), at_root));
    }
    let with_files: HashSet<&str> = paths.iter().map(|p| dir_of(p.as_ref())).collect();
    let mut i = 0;
    while i < paths.len() {
        let path = paths[i].as_ref();
        let dir = dir_of(path);
        if dir.is_empty() {
            i += 1;
            continue;
        }
        // The shallowest directory on the way that holds a file of its own.
        let root = dir
            .match_indices('/')
            .map(|(at, _)| &dir[..at])
            .find(|d| with_files.contains(d))
            .unwrap_or(dir);
        // A subtree is contiguous in path order: no root file sorts inside it.
        let end = i + paths[i..].partition_point(|p| within(p.as_ref(), root));
        out.push((unit(root, true), (i..end).collect()));
        i = end;
    }
    out
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
    /// Every walked path, sorted.
    pub all: &'a [String],
    pub part: &'a Part,
}

impl Bounds<'_> {
    /// Whether a file at `path`, or below `path` as a directory, belongs
    /// to another part.
    fn elsewhere(&self, path: &str) -> bool {
        let mine = &self.part.files;
        let exact = self.all.partition_point(|p| p.as_str() < path);
        if self.all.get(exact).is_some_and(|p| p == path) && mine.binary_search(&exact).is_err() {
            return true;
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let lo = self.all.partition_point(|p| p.as_str() < prefix.as_str());
        let hi = lo + self.all[lo..].partition_point(|p| p.starts_with(&prefix));
        let held = mine.partition_point(|&i| i < hi) - mine.partition_point(|&i| i < lo);
        held < hi - lo
    }

    /// The unit of the part that holds `path`.
    fn unit_of(&self, path: &str) -> Option<&Unit> {
        self.part.units.iter().find(|u| u.holds(path))
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
            if !is_local_source(src) {
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
    // Directories with a service at or below them.
    let mut served: HashSet<&str> = HashSet::new();
    for s in &code.services {
        let mut d = s.dir.as_str();
        while served.insert(d) && !d.is_empty() {
            d = dir_of(d);
        }
    }
    for m in &code.modules {
        let unit = bounds.unit_of(&m.path);
        for imp in &m.imports {
            let far = import_candidates(m, &imp.module)
                .filter(|c| !unit.is_some_and(|u| u.holds(c)))
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
            // services below the nearest directory above it that has any:
            // the same directory as in the whole review only if no other
            // part has files below it.
            None => {
                let nearest =
                    std::iter::successors(Some(c.dir()), |d| (!d.is_empty()).then(|| dir_of(d)))
                        .find(|d| served.contains(d));
                if nearest.is_none_or(|d| bounds.elsewhere(d)) {
                    out.push(format!("{}: a container command far from services", c.file));
                }
            }
        }
    }
    // A service owns the modules and commands below its directory.
    for s in &code.services {
        if bounds.elsewhere(&s.dir) {
            out.push(format!("`{}`: a service over other parts", s.dir));
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

    fn units_of(split: &[Part]) -> Vec<Vec<(&str, bool)>> {
        split
            .iter()
            .map(|p| {
                p.units
                    .iter()
                    .map(|u| (u.dir.as_str(), u.subtree))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn units_are_the_root_files_and_topmost_directories_with_files() {
        let mut files = vec![
            "Makefile",
            "teams/a/README.md",
            "teams/a/infra/main.tf",
            "teams/b-2/x/app.py",
            "teams/b-2/y/app.py",
            "teams/b/app.py",
            "zz.tf",
        ];
        files.sort();
        let split = split(&files, 1);
        assert_eq!(
            units_of(&split),
            [
                vec![("", false)],
                vec![("teams/a", true)],
                vec![("teams/b-2/x", true)],
                vec![("teams/b-2/y", true)],
                vec![("teams/b", true)],
            ]
        );
        // The root's own files are not contiguous in path order.
        assert_eq!(split[0].files, [0, 6]);
        assert_eq!(split[1].files, [1, 2]);
        // Whole units are packed up to the budget.
        let packed = super::split(&files, 3);
        assert_eq!(
            packed.iter().map(|p| p.files.clone()).collect::<Vec<_>>(),
            [vec![0, 6], vec![1, 2, 3], vec![4, 5]]
        );
        // A manifest at the root (a workspace) keeps everything in one unit.
        files.push("package.json");
        files.sort();
        assert_eq!(units_of(&super::split(&files, 1)), [vec![("", true)]]);
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
            .find(|p| p.files.iter().any(|&i| all[i] == path))
            .expect("a part holds the path");
        let subset: Vec<_> = part.files.iter().map(|&i| walked[i].clone()).collect();
        let mine = crate::discovery::read(&subset, 1 << 20).files;
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
        // A service at the root owns the directories below it.
        let root_service = [
            ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
            ("api/views.py", "def view():\n    return 1\n"),
        ];
        assert!(!escapes_of(&root_service, "app.py").is_empty());
        assert!(escapes_of(&root_service[1..], "api/views.py").is_empty());

        // `.github` is a unit of its own.
        assert_eq!(
            escapes_of(&reusable, "svc/.github/workflows/deploy.yml").len(),
            1
        );
    }
}
