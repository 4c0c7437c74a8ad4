use super::ci_support::{deploy_steps, runs_tests, wf_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::workflows::{Job, Workflow};

declare_rule! {
    /// ### What it finds
    /// A GitHub Actions job that deploys or pushes a release image (ssh/scp/
    /// rsync to a host, `docker push`, `kubectl apply`, `helm upgrade`,
    /// `aws ecs update-service`, `terraform apply`, a deploy action…) with
    /// no test step before it in the same job and no job it `needs`
    /// (directly or transitively) that runs the tests.
    ///
    /// ### Why it matters
    /// Every push goes to production whether or not it works: the first
    /// test of a change is the users.
    ///
    /// ### How to fix
    /// ```yaml
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: npm ci && npm test
    ///   deploy:
    ///     needs: test
    ///     runs-on: ubuntu-latest
    /// ```
    ///
    /// ### Effort
    /// 1–4 hours when tests exist; writing the first tests is more.
    pub struct CiNoTestsBeforeDeploy {
        name: "ci-no-tests-before-deploy",
        code: "DEL002",
        category: Delivery,
        severity: Blocker,
        effort: (1, 4),
    }
}

impl Rule for CiNoTestsBeforeDeploy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.workflows {
            for job in &w.jobs {
                let Some(first) = deploy_steps(job).into_iter().next() else {
                    continue;
                };
                let tested_here = job
                    .steps
                    .iter()
                    .take_while(|s| s.index < first.step.index)
                    .any(runs_tests);
                let tested_before = w
                    .needs_closure(job)
                    .iter()
                    .filter_map(|id| w.job(id))
                    .any(|j| job_runs_tests(&cx.repo.workflows, j));
                if tested_here || tested_before {
                    continue;
                }
                let message = format!(
                    "job `{}` deploys ({}) without running tests first: no test step before it and no needed job runs tests",
                    job.id, first.what
                );
                cx.report(wf_evidence(
                    w,
                    first.lines,
                    job.id.clone(),
                    format!("{}|{}", w.path, job.id),
                    message,
                ));
            }
        }
    }
}

/// A job runs tests in its steps, or calls a reusable workflow of the
/// repository that does (or whose file name says it is the test workflow).
fn job_runs_tests(all: &[Workflow], job: &Job) -> bool {
    if job.steps.iter().any(runs_tests) {
        return true;
    }
    let Some(u) = &job.uses else { return false };
    let path = u.raw.trim_start_matches("./");
    match all.iter().find(|w| w.path == path) {
        Some(called) => called.jobs.iter().any(|j| j.steps.iter().any(runs_tests)),
        None => {
            let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
            name.contains("test") || name.starts_with("ci.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const PUSH_DEPLOY: &str = r#"on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        run: |
          docker build -t repo/api:latest .
          docker push repo/api:latest
      - name: Deploy
        run: ssh ec2-user@host "docker compose up -d"
"#;

    #[test]
    fn flags_deploy_without_tests() {
        let f = check(
            &CiNoTestsBeforeDeploy,
            &[(".github/workflows/deploy.yml", PUSH_DEPLOY)],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(12));
        assert_eq!(f[0].resource.as_deref(), Some("deploy"));
    }

    #[test]
    fn tests_in_job_or_needs_chain_pass() {
        let same_job = PUSH_DEPLOY.replace(
            "      - name: Build and push",
            "      - run: npm ci && npm test\n      - name: Build and push",
        );
        let chain = r#"on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest -q
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker push repo/api:1.2.3
  deploy:
    needs: [build]
    runs-on: ubuntu-latest
    steps:
      - run: kubectl set image deployment/api api=repo/api:1.2.3
"#;
        for wf in [same_job.as_str(), chain] {
            let f = check(&CiNoTestsBeforeDeploy, &[(".github/workflows/d.yml", wf)]);
            assert!(f.is_empty(), "{wf}: {f:?}");
        }
    }

    #[test]
    fn tests_after_the_deploy_do_not_count() {
        let late = PUSH_DEPLOY.replace(
            "        run: ssh ec2-user@host \"docker compose up -d\"\n",
            "        run: ssh ec2-user@host \"docker compose up -d\"\n      - run: npm test\n",
        );
        let f = check(
            &CiNoTestsBeforeDeploy,
            &[(".github/workflows/deploy.yml", &late)],
        );
        assert_eq!(f.len(), 1);
    }
}
