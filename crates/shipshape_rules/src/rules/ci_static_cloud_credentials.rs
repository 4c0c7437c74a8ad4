use super::ci_support::wf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::workflows::EnvEntry;

declare_rule! {
    /// ### What it finds
    /// A workflow that authenticates to a cloud with long-lived keys from
    /// secrets: `aws-actions/configure-aws-credentials` with
    /// `aws-access-key-id`, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from
    /// `secrets.*` in an `env:`, `google-github-actions/auth` with
    /// `credentials_json`, or `azure/login` with `creds`.
    ///
    /// ### Why it matters
    /// Access keys never expire, are copied into every fork's secrets UI
    /// history and third-party action, and a leak gives standing access.
    /// OIDC role assumption issues credentials per run, scoped to the
    /// repository and branch.
    ///
    /// ### How to fix
    /// ```yaml
    /// permissions:
    ///   id-token: write
    ///   contents: read
    /// steps:
    ///   - uses: aws-actions/configure-aws-credentials@v4
    ///     with:
    ///       role-to-assume: arn:aws:iam::123456789012:role/github-deploy
    ///       aws-region: us-east-1
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: an OIDC provider and a role trust policy in IAM.
    pub struct CiStaticCloudCredentials {
        name: "ci-static-cloud-credentials",
        code: "DEL005",
        category: Delivery,
        severity: Medium,
        effort: (2, 4),
    }
}

/// (action, input holding a long-lived credential).
const KEYED_ACTIONS: &[(&str, &str)] = &[
    ("aws-actions/configure-aws-credentials", "aws-access-key-id"),
    ("google-github-actions/auth", "credentials_json"),
    ("azure/login", "creds"),
];

const KEY_VARS: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

impl Rule for CiStaticCloudCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for w in &cx.repo.workflows {
            let report_env = |cx: &mut Context, scope: &str, env: &[EnvEntry]| {
                // One finding per env block: the access key id if present.
                if let Some(e) = env
                    .iter()
                    .filter(|e| {
                        KEY_VARS.contains(&e.name.as_str())
                            && e.value.as_deref().is_some_and(|v| v.contains("secrets."))
                    })
                    .min_by_key(|e| e.name != "AWS_ACCESS_KEY_ID")
                {
                    cx.report(wf_evidence(
                        w,
                        e.span,
                        scope.to_string(),
                        format!("{}|{scope}|env", w.path),
                        format!("`{scope}` puts long-lived AWS access keys from secrets into the environment ({}) instead of assuming a role through OIDC", e.name),
                    ));
                }
            };
            report_env(cx, "workflow", &w.env);
            for job in &w.jobs {
                report_env(cx, &job.id, &job.env);
                for step in &job.steps {
                    report_env(cx, &format!("{}/{}", job.id, step.label()), &step.env);
                    let Some(u) = &step.uses else { continue };
                    for (action, input) in KEYED_ACTIONS {
                        if u.repo != *action {
                            continue;
                        }
                        let Some(i) = step.input(input) else { continue };
                        cx.report(wf_evidence(
                            w,
                            i.span,
                            job.id.clone(),
                            format!("{}|{}|{}", w.path, job.id, step.label()),
                            format!(
                                "job `{}` authenticates with a long-lived key (`{input}` of `{}`) instead of OIDC role assumption",
                                job.id, u.raw
                            ),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_access_keys_in_action_and_env() {
        let wf = r#"on: push
env:
  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
  AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
"#;
        let f = check(
            &CiStaticCloudCredentials,
            &[(".github/workflows/d.yml", wf)],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        let lines: Vec<_> = f.iter().map(|f| f.line).collect();
        assert!(
            lines.contains(&Some(3)) && lines.contains(&Some(11)),
            "{lines:?}"
        );
    }

    #[test]
    fn oidc_role_passes() {
        let wf = r#"on: push
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      AWS_REGION: us-east-1
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
"#;
        assert!(check(
            &CiStaticCloudCredentials,
            &[(".github/workflows/d.yml", wf)]
        )
        .is_empty());
    }
}
