//! What the CI workflow rules share: which steps deploy, which run tests,
//! which verify a deploy, and evidence pointing into a workflow.

use shipshape_loaders::shell::Command;
use shipshape_loaders::workflows::{Job, Step, Workflow};
use shipshape_model::{Evidence, LineSpan};

/// What a deploying step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployKind {
    /// Publishes an artifact (an image push): a release, not yet running.
    Release,
    /// Changes what runs somewhere.
    Deploy,
}

/// A step that deploys, with a short description and the line at fault.
#[derive(Debug, Clone)]
pub struct DeployStep<'a> {
    pub step: &'a Step,
    pub kind: DeployKind,
    pub what: String,
    pub lines: LineSpan,
}

/// Actions that deploy (matched on `owner/repo`, lower case).
const DEPLOY_ACTIONS: &[&str] = &[
    "appleboy/ssh-action",
    "appleboy/scp-action",
    "easingthemes/ssh-deploy",
    "burnett01/rsync-deployments",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "azure/webapps-deploy",
    "azure/k8s-deploy",
    "azure/functions-action",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-appengine",
    "peaceiris/actions-gh-pages",
    "jamesives/github-pages-deploy-action",
    "actions/deploy-pages",
    "amondnet/vercel-action",
    "akhileshns/heroku-deploy",
    "cloudflare/wrangler-action",
    "cloudflare/pages-action",
    "serverless/github-action",
    "einaregilsson/beanstalk-deploy",
    "superfly/flyctl-actions",
];

/// The deploy steps of a job, in order.
pub fn deploy_steps(job: &Job) -> Vec<DeployStep<'_>> {
    job.steps.iter().filter_map(deploy_step).collect()
}

/// Whether (and how) a step deploys.
pub fn deploy_step(step: &Step) -> Option<DeployStep<'_>> {
    if let Some(u) = &step.uses {
        if DEPLOY_ACTIONS.contains(&u.repo.as_str()) {
            return Some(DeployStep {
                step,
                kind: DeployKind::Deploy,
                what: format!("`{}`", u.raw),
                lines: u.span,
            });
        }
        if u.repo == "docker/build-push-action"
            && step
                .input("push")
                .and_then(|i| i.value.as_deref())
                .is_some_and(|v| v == "true" || v.contains("${{"))
        {
            return Some(DeployStep {
                step,
                kind: DeployKind::Release,
                what: format!("`{}` with push", u.raw),
                lines: u.span,
            });
        }
    }
    let run = step.run.as_ref()?;
    let mut release = None;
    for c in &run.commands {
        match command_deploys(c) {
            Some(DeployKind::Deploy) => {
                return Some(DeployStep {
                    step,
                    kind: DeployKind::Deploy,
                    what: format!("`{}`", short(c)),
                    lines: c.span(),
                })
            }
            Some(DeployKind::Release) if release.is_none() => release = Some(c),
            _ => {}
        }
    }
    release.map(|c| DeployStep {
        step,
        kind: DeployKind::Release,
        what: format!("`{}`", short(c)),
        lines: c.span(),
    })
}

/// The command line, shortened for messages.
pub fn short(c: &Command) -> String {
    let mut words = vec![c.program.clone()];
    words.extend(c.args().iter().take(3).cloned());
    words.join(" ")
}

fn positional(c: &Command) -> Vec<&str> {
    c.args()
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect()
}

/// Whether a command deploys: remote copies and shells, registry pushes,
/// orchestrator updates, infrastructure applies, platform deploy CLIs.
pub fn command_deploys(c: &Command) -> Option<DeployKind> {
    let pos = positional(c);
    let first = pos.first().copied().unwrap_or("");
    let deploy = match c.program.as_str() {
        // `ssh host cmd`: the remote command is parsed as a nested script
        // and judged on its own; `ssh host` alone still reaches a server.
        "ssh" => !pos.is_empty(),
        "scp" | "rsync" => c.args().iter().any(|a| is_remote_path(a)),
        "docker" | "podman" => {
            if first == "push" || (first == "buildx" && c.has_flag("--push")) {
                return Some(DeployKind::Release);
            }
            matches!(first, "stack" | "service")
                && pos
                    .get(1)
                    .is_some_and(|s| matches!(*s, "deploy" | "update"))
        }
        "kubectl" | "oc" => {
            matches!(first, "apply" | "replace" | "patch" | "create")
                || (first == "set" && pos.get(1) == Some(&"image"))
                || (first == "rollout" && pos.get(1) == Some(&"restart"))
        }
        "helm" => matches!(first, "upgrade" | "install" | "rollback"),
        "helmfile" => matches!(first, "apply" | "sync"),
        "aws" => {
            let sub = pos.get(1).copied().unwrap_or("");
            matches!(
                (first, sub),
                ("ecs", "update-service")
                    | ("ecs", "deploy")
                    | ("lambda", "update-function-code")
                    | ("deploy", "create-deployment")
                    | ("ssm", "send-command")
                    | ("cloudformation", "deploy")
                    | ("cloudformation", "update-stack")
                    | ("elasticbeanstalk", "update-environment")
                    | ("apprunner", "start-deployment")
                    | ("autoscaling", "start-instance-refresh")
            ) || (first == "s3"
                && sub == "sync"
                && c.args().iter().any(|a| a.starts_with("s3://"))
                && !pos.get(2).is_some_and(|p| p.starts_with("s3://")))
        }
        "terraform" | "tofu" | "terragrunt" => pos.contains(&"apply"),
        "pulumi" => first == "up",
        "serverless" | "sls" | "cdk" | "firebase" | "netlify" | "flyctl" | "fly" | "eb"
        | "copilot" | "sam" => pos.contains(&"deploy"),
        "vercel" => c.has_flag("--prod") || first == "deploy",
        "gcloud" => pos.contains(&"deploy") || (pos.contains(&"update") && pos.contains(&"run")),
        "az" => pos.contains(&"deploy") || (pos.contains(&"webapp") && pos.contains(&"restart")),
        "kamal" | "cap" => pos.contains(&"deploy"),
        "docker-compose" => false,
        _ => false,
    };
    deploy.then_some(DeployKind::Deploy)
}

/// `user@host:path` or `host:path` (not a local path with a colon).
fn is_remote_path(a: &str) -> bool {
    if a.starts_with('-') || a.starts_with('/') || a.starts_with('.') {
        return false;
    }
    match a.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/') && !a.contains("://"),
        None => false,
    }
}

/// Whether a step runs tests.
pub fn runs_tests(step: &Step) -> bool {
    if let Some(u) = &step.uses {
        if u.repo == "cypress-io/github-action" {
            return true;
        }
    }
    step.run
        .as_ref()
        .is_some_and(|r| r.commands.iter().any(command_tests))
}

/// `npm test`, `pytest`, `go test`, `cargo test`, `make test`, …
pub fn command_tests(c: &Command) -> bool {
    let pos = positional(c);
    let first = pos.first().copied().unwrap_or("");
    let is_test_word = |w: &str| {
        let w = w.to_ascii_lowercase();
        w == "test"
            || w == "tests"
            || w.starts_with("test:")
            || w.starts_with("test-")
            || w == "spec"
            || w == "check"
    };
    match c.program.as_str() {
        "npm" | "yarn" | "pnpm" | "bun" | "npx" | "turbo" | "nx" | "lerna" => pos.iter().any(|w| {
            is_test_word(w)
                || matches!(
                    *w,
                    "jest" | "vitest" | "mocha" | "playwright" | "cypress" | "ava" | "tap"
                )
        }),
        "jest" | "vitest" | "mocha" | "pytest" | "py.test" | "tox" | "nox" | "rspec"
        | "phpunit" | "ctest" | "bats" | "ava" => true,
        "go" | "cargo" | "dotnet" | "deno" | "mix" | "swift" => {
            first == "test" || (c.program == "cargo" && first == "nextest")
        }
        "make" | "just" | "task" | "rake" => pos.iter().any(|w| is_test_word(w)),
        // Maven and Gradle run the tests in these phases unless told not to.
        "mvn" | "mvnw" | "gradle" | "gradlew" => {
            pos.iter().any(|w| {
                matches!(
                    *w,
                    "test" | "verify" | "check" | "build" | "package" | "install"
                )
            }) && !c
                .args()
                .iter()
                .any(|a| a.contains("skipTests") || a == "-x" || a.contains("maven.test.skip"))
        }
        "python" | "python3" => c
            .args()
            .windows(2)
            .any(|w| w[0] == "-m" && matches!(w[1].as_str(), "pytest" | "unittest" | "tox")),
        "bundle" => pos.contains(&"rspec") || pos.contains(&"rake"),
        "composer" => pos.iter().any(|w| is_test_word(w)),
        "playwright" | "cypress" => matches!(first, "test" | "run"),
        _ => false,
    }
}

/// Whether a step verifies a deploy: a failing HTTP check, a smoke/e2e
/// suite, a rollout wait.
pub fn verifies(step: &Step) -> bool {
    let named = |s: &str| {
        let s = s.to_ascii_lowercase();
        [
            "smoke",
            "health",
            "e2e",
            "end-to-end",
            "verify",
            "synthetic",
        ]
        .iter()
        .any(|k| s.contains(k))
    };
    if let Some(u) = &step.uses {
        if named(&u.repo) {
            return true;
        }
    }
    let Some(run) = &step.run else { return false };
    run.commands.iter().any(|c| {
        let pos = positional(c);
        match c.program.as_str() {
            "curl" => {
                c.has_flag("--fail") || c.has_flag("--fail-with-body") || c.has_short_flag('f')
            }
            "wget" => true,
            "kubectl" => pos.first() == Some(&"rollout") && pos.get(1) == Some(&"status"),
            "aws" => pos.first() == Some(&"ecs") && pos.get(1) == Some(&"wait"),
            "npm" | "yarn" | "pnpm" | "npx" | "make" | "bun" => pos.iter().any(|w| named(w)),
            "playwright" | "cypress" | "k6" | "newman" => true,
            p => named(p),
        }
    })
}

/// Whether a job (by id, name, environment) or its workflow targets a
/// non-production stage, or runs only for pull requests.
pub fn non_production(w: &Workflow, job: &Job) -> bool {
    let words = [
        Some(job.id.as_str()),
        job.name.as_deref(),
        job.environment.as_ref().map(|e| e.name.as_str()),
        w.name.as_deref(),
    ];
    let staging = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
            matches!(
                t,
                "staging"
                    | "stage"
                    | "stg"
                    | "dev"
                    | "develop"
                    | "development"
                    | "qa"
                    | "preview"
                    | "sandbox"
                    | "test"
                    | "testing"
                    | "uat"
                    | "review"
            )
        })
    };
    let pr_only = !w.triggers.is_empty()
        && w.triggers
            .iter()
            .all(|t| t.event.starts_with("pull_request"));
    pr_only || words.into_iter().flatten().any(staging)
}

/// Evidence in a workflow file.
pub fn wf_evidence(
    w: &Workflow,
    lines: LineSpan,
    resource: String,
    key: String,
    message: String,
) -> Evidence {
    Evidence {
        file: Some(w.path.clone()),
        lines: Some(lines),
        resource: Some(resource),
        key,
        message,
        remediation: None,
    }
}
