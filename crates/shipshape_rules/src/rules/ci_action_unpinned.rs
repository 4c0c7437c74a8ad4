use super::ci_support::wf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::workflows::Uses;

declare_rule! {
    /// ### What it finds
    /// A workflow step (or reusable-workflow call) that uses an action by a
    /// moving reference: a branch (`@master`, `@main`, `@develop`,
    /// `@stable`) or no reference at all. Version tags (`@v4`, `@v1.2.3`)
    /// and full commit SHAs are accepted; local (`./`) and `docker://`
    /// references are not concerned.
    ///
    /// ### Why it matters
    /// Whatever is pushed to that branch runs in the pipeline next time,
    /// with the job's secrets and cloud credentials: a compromised or
    /// careless upstream becomes a compromised deploy.
    ///
    /// ### How to fix
    /// ```yaml
    ///       - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2
    /// ```
    /// Let Dependabot (`package-ecosystem: github-actions`) keep the pins
    /// current.
    ///
    /// ### Effort
    /// Under an hour.
    pub struct CiActionUnpinned {
        name: "ci-action-unpinned",
        code: "DEL006",
        category: Delivery,
        severity: Medium,
        effort: (0, 1),
    }
}

impl Rule for CiActionUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.workflows {
            for job in &w.jobs {
                let step_uses = job.steps.iter().filter_map(|s| s.uses.as_ref());
                for u in job.uses.iter().chain(step_uses) {
                    if u.local || u.docker || pinned(u) {
                        continue;
                    }
                    let what = match &u.git_ref {
                        Some(r) => format!("the moving reference `@{r}`"),
                        None => "no reference at all".to_string(),
                    };
                    cx.report(wf_evidence(
                        w,
                        u.span,
                        job.id.clone(),
                        format!("{}|{}|{}", w.path, job.id, u.raw),
                        format!(
                            "job `{}` uses `{}` by {what}: pin a version tag or a commit SHA",
                            job.id, u.repo
                        ),
                    ));
                }
            }
        }
    }
}

/// A full commit SHA, or a version tag (`v4`, `v1.2.3`, `1.0`, `v2-beta`).
fn pinned(u: &Uses) -> bool {
    let Some(r) = u.git_ref.as_deref() else {
        return false;
    };
    let sha = r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit());
    let version = r
        .strip_prefix('v')
        .unwrap_or(r)
        .split(['-', '+'])
        .next()
        .is_some_and(|core| {
            !core.is_empty()
                && core
                    .split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        });
    sha || version
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const WF: &str = r#"on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@master
      - uses: some-org/action@main
      - uses: pnpm/action-setup@v2.4.0
      - uses: other/action@8f4b7f84864484a7bf31766abe9204da3cbe65b3
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
      - uses: bare/action
  call:
    uses: org/workflows/.github/workflows/deploy.yml@develop
"#;

    #[test]
    fn flags_branch_refs_and_missing_refs_only() {
        let f = check(&CiActionUnpinned, &[(".github/workflows/d.yml", WF)]);
        let lines: Vec<_> = f.iter().filter_map(|f| f.line).collect();
        assert_eq!(lines, vec![7, 8, 13, 15], "{f:?}");
    }

    #[test]
    fn version_tags_and_shas_pass() {
        let ok = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/amazon-ecr-login@v2\n      - uses: x/y@0123456789abcdef0123456789abcdef01234567\n";
        assert!(check(&CiActionUnpinned, &[(".github/workflows/a.yml", ok)]).is_empty());
    }
}
