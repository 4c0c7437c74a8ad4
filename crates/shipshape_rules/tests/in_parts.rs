//! A review in parts reports what a review of the whole repository reports:
//! the acceptance corpus and the example, side by side in one monorepo,
//! reviewed with the smallest parts possible and all at once.

use shipshape_loaders::{LoadOptions, SourceFile};
use shipshape_model::{Finding, Profile};
use shipshape_rules::stream::{review, Reviewed};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// Every corpus fixture and the example under `teams/<name>/`, with
/// Kubernetes manifests at the root and in a directory of their own that
/// a review in parts meets in another order than path order.
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = workspace().join("../shared/corpus");
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("../shared/corpus beside the workspace")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.push(workspace().join("examples/webshop"));
    repos.sort();
    assert!(repos.len() > 2, "{repos:?}");
    for r in repos {
        let name = r.file_name().expect("name");
        copy_tree(&r, &dir.path().join("teams").join(name));
    }
    let deployment = |name: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - {{name: {name}, image: {name}}}\n")
    };
    let images = |tag: &str| {
        format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: web\n    newTag: {tag}\n")
    };
    for (path, text) in [
        ("README.md", "# Platform\n".to_string()),
        ("k8s/web.yaml", deployment("web")),
        ("k8s/kustomization.yaml", images("1.4.2")),
        ("kustomization.yaml", images("latest")),
        ("zz-api.yaml", deployment("api")),
    ] {
        std::fs::create_dir_all(dir.path().join(path).parent().expect("parent")).expect("mkdir");
        std::fs::write(dir.path().join(path), text).expect("write");
    }
    dir
}

fn run(root: &Path, budget: usize) -> Reviewed {
    let rules = shipshape_rules::all_rules();
    let keep = |f: &SourceFile| f.text.contains("shipshape:");
    review(
        root,
        &LoadOptions::default(),
        Profile::Prod,
        &rules,
        &keep,
        budget,
    )
    .expect("review")
}

fn lines(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| format!("{f:?}")).collect()
}

#[test]
fn parts_of_any_size_report_what_the_whole_review_reports() {
    let repo = monorepo();
    let whole = run(repo.path(), usize::MAX);
    assert_eq!(whole.parts, 1);
    assert!(!whole.outcome.findings.is_empty());
    let paths = |r: &Reviewed| -> Vec<String> { r.files.iter().map(|f| f.path.clone()).collect() };
    let mut most = 0;
    for budget in [1, 8, 40, 200] {
        let split = run(repo.path(), budget);
        most = most.max(split.parts);
        assert_eq!(
            lines(&split.outcome.findings),
            lines(&whole.outcome.findings),
            "{budget} files per part"
        );
        assert_eq!(split.outcome.diagnostics, whole.outcome.diagnostics);
        assert_eq!(split.diagnostics, whole.diagnostics);
        assert_eq!(paths(&split), paths(&whole));
    }
    // Reviewed in parts, not only by falling back to the whole review.
    assert!(most > 2, "at most {most} parts");
}

#[test]
fn parts_tied_by_a_module_source_are_reviewed_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    // `modules/db` is a root on its own, but `app` calls it: split, it
    // would be reviewed as a root, its variables unset.
    write(
        "app/main.tf",
        "module \"db\" {\n  source = \"../modules/db\"\n  multi_az = true\n}\n",
    );
    write(
        "modules/db/main.tf",
        "variable \"multi_az\" {}\nresource \"aws_db_instance\" \"db\" {\n  multi_az = var.multi_az\n}\n",
    );
    let whole = run(dir.path(), usize::MAX);
    let split = run(dir.path(), 1);
    assert_eq!(split.parts, 1, "tied parts fall back to one review");
    assert_eq!(
        lines(&split.outcome.findings),
        lines(&whole.outcome.findings)
    );
}
