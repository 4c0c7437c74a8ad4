use super::ci_support::{deploy_steps, verifies, wf_evidence, DeployKind};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A GitHub Actions job that deploys, with no verification after the
    /// deploy: no later step in the job and no job that needs it runs a
    /// failing health check (`curl --fail`), a smoke or e2e suite, or waits
    /// for the rollout (`kubectl rollout status`, `aws ecs wait
    /// services-stable`). Image pushes alone are not deploys here.
    ///
    /// ### Why it matters
    /// The workflow goes green when the commands ran, not when the service
    /// works: a crash-looping container or a broken migration is found by
    /// users, and nobody rolls back.
    ///
    /// ### How to fix
    /// ```yaml
    ///       - name: Smoke test
    ///         run: |
    ///           for i in $(seq 10); do
    ///             curl -fsS https://api.example.com/health && exit 0
    ///             sleep 6
    ///           done
    ///           exit 1
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours for a health check; a real smoke suite is more.
    pub struct CiNoSmokeTest {
        name: "ci-no-smoke-test",
        code: "DEL003",
        category: Delivery,
        severity: High,
        effort: (1, 2),
    }
}

impl Rule for CiNoSmokeTest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.workflows {
            for job in &w.jobs {
                let deploys: Vec<_> = deploy_steps(job)
                    .into_iter()
                    .filter(|d| d.kind == DeployKind::Deploy)
                    .collect();
                let Some(last) = deploys.last() else { continue };
                let after_in_job = job
                    .steps
                    .iter()
                    .filter(|s| s.index > last.step.index)
                    .any(verifies);
                let later_job = w
                    .dependents(job)
                    .iter()
                    .any(|j| j.steps.iter().any(verifies));
                if after_in_job || later_job {
                    continue;
                }
                let message = format!(
                    "job `{}` deploys ({}) and nothing verifies the result afterwards (no health check with --fail, smoke test or rollout wait)",
                    job.id, last.what
                );
                cx.report(wf_evidence(
                    w,
                    last.lines,
                    job.id.clone(),
                    format!("{}|{}", w.path, job.id),
                    message,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const WF: &str = r#"on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: kubectl apply -f k8s/
"#;

    #[test]
    fn flags_deploy_without_verification() {
        let f = check(&CiNoSmokeTest, &[(".github/workflows/d.yml", WF)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(7));
    }

    #[test]
    fn verification_after_deploy_passes() {
        let same_job =
            format!("{WF}      - run: kubectl rollout status deployment/api --timeout=120s\n");
        let curl = format!("{WF}      - run: curl -fsS https://api.example.com/health\n");
        let later = format!("{WF}  smoke:\n    needs: deploy\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run test:smoke\n");
        for wf in [same_job, curl, later] {
            let f = check(&CiNoSmokeTest, &[(".github/workflows/d.yml", &wf)]);
            assert!(f.is_empty(), "{wf}: {f:?}");
        }
    }

    #[test]
    fn curl_without_fail_and_image_pushes_do_not_count() {
        let soft = format!("{WF}      - run: curl -s https://api.example.com/health\n");
        assert_eq!(
            check(&CiNoSmokeTest, &[(".github/workflows/d.yml", &soft)]).len(),
            1
        );
        let push = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker push repo/api:1.0.0\n";
        assert!(check(&CiNoSmokeTest, &[(".github/workflows/b.yml", push)]).is_empty());
    }
}
