use super::ci_support::{deploy_steps, non_production, wf_evidence, DeployKind};
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// A GitHub Actions job that deploys to production (a deploy step, in
    /// a job and workflow not named for staging/dev/preview and not run
    /// only for pull requests) without `environment:`, so no protection
    /// rule, required reviewer or wait timer can apply. Image pushes alone
    /// do not count.
    ///
    /// ### Why it matters
    /// Without an environment, anyone who can push to the branch deploys to
    /// production, production secrets are readable by every job, and there
    /// is no deployment history per environment.
    ///
    /// ### How to fix
    /// ```yaml
    ///   deploy:
    ///     runs-on: ubuntu-latest
    ///     environment:
    ///       name: production
    ///       url: https://app.example.com
    /// ```
    /// Then add required reviewers to the `production` environment in the
    /// repository settings.
    ///
    /// ### Effort
    /// Under an hour.
    pub struct CiNoApprovalGate {
        name: "ci-no-approval-gate",
        code: "DEL004",
        category: Delivery,
        severity: Medium,
        effort: (0, 1),
    }
}

impl Rule for CiNoApprovalGate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.workflows {
            for job in &w.jobs {
                if job.environment.is_some() || non_production(w, job) {
                    continue;
                }
                let Some(d) = deploy_steps(job)
                    .into_iter()
                    .find(|d| d.kind == DeployKind::Deploy)
                else {
                    continue;
                };
                let message = format!(
                    "job `{}` deploys to production ({}) without `environment:`: no approval or protection rule can gate it",
                    job.id, d.what
                );
                cx.report(wf_evidence(
                    w,
                    job.key_span,
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

    const WF: &str = "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: helm upgrade --install api ./chart\n";

    #[test]
    fn flags_production_deploy_without_environment() {
        let f = check(&CiNoApprovalGate, &[(".github/workflows/d.yml", WF)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].end_line), (Some(5), Some(5)));
    }

    #[test]
    fn environment_string_or_map_and_staging_pass() {
        let string = WF.replace("    runs-on:", "    environment: production\n    runs-on:");
        let map = WF.replace(
            "    runs-on:",
            "    environment:\n      name: production\n      url: https://x\n    runs-on:",
        );
        let staging = WF.replace("  deploy:", "  deploy-staging:");
        let pr = WF.replace("  push:\n    branches: [main]", "  pull_request:");
        for wf in [string, map, staging, pr] {
            let f = check(&CiNoApprovalGate, &[(".github/workflows/d.yml", &wf)]);
            assert!(f.is_empty(), "{wf}: {f:?}");
        }
    }
}
