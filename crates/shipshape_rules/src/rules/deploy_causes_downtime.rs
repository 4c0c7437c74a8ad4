use super::ci_support::{deploy_steps, wf_evidence};
use super::script_support::{script_evidence, CommandKeys};
use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::compose::ComposeFile;
use shipshape_loaders::shell::{Command, Script, ScriptRole};
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// A deployment that recreates the only running container in place: a
    /// deploy workflow or deploy script that runs `docker compose up -d` /
    /// `docker-compose up -d [--no-deps] [--force-recreate]` on a host
    /// (over ssh, SSM, or in a deploy job), or `docker stop`/`rm` followed
    /// by `docker run`, with no blue/green or rolling step. Compose services
    /// whose `deploy.update_config.order` is `start-first` do not count,
    /// nor does a command run in a loop over hosts, nor first-boot user data.
    ///
    /// ### Why it matters
    /// Compose stops the old container before the new one is up: every
    /// deploy drops in-flight requests and refuses new ones until the app
    /// has booted (seconds to minutes), and a bad image means an outage
    /// until someone redeploys.
    ///
    /// ### How to fix
    /// Run two replicas behind the load balancer and replace them one at a
    /// time, or use an orchestrator's rolling update:
    /// ```yaml
    /// services:
    ///   api:
    ///     deploy:
    ///       replicas: 2
    ///       update_config:
    ///         order: start-first
    ///         failure_action: rollback
    /// ```
    /// (`docker stack deploy`, ECS rolling deployments, or
    /// `docker rollout api` with the docker-rollout plugin.)
    ///
    /// ### Effort
    /// 1–2 days: a second instance or an orchestrator, health checks, a
    /// deploy script that waits for health before moving on.
    pub struct DeployCausesDowntime {
        name: "deploy-causes-downtime",
        code: "DEL001",
        category: Delivery,
        severity: High,
        effort: (8, 16),
    }
}

impl Rule for DeployCausesDowntime {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        // Whether a `compose up` recreates in place depends on the update
        // order of compose services anywhere in the repository: the first
        // recreate of each script is decided in `finish`.
        let mut deploys = Vec::new();
        for w in &cx.repo.workflows {
            for job in &w.jobs {
                let deploy_job = !deploy_steps(job).is_empty()
                    || job.id.to_ascii_lowercase().contains("deploy")
                    || job
                        .name
                        .as_deref()
                        .is_some_and(|n| n.to_ascii_lowercase().contains("deploy"));
                for step in &job.steps {
                    let Some(run) = &step.run else { continue };
                    // On the runner itself, compose is test scaffolding; in a
                    // deploy job or on a remote host it is the deployment.
                    let recreates = recreates(run, |c| deploy_job || remote(c))
                        .into_iter()
                        .map(|(c, how, services)| {
                            let message = format!(
                                "job `{}` deploys by {how} on a single host (step `{}`): the running container is stopped before its replacement is up",
                                job.id,
                                step.label()
                            );
                            let ev = wf_evidence(
                                w,
                                c.span(),
                                job.id.clone(),
                                format!("{}|{}|{}", w.path, job.id, step.label()),
                                message,
                            );
                            (services, Keyed::Final(ev))
                        })
                        .collect::<Vec<_>>();
                    if !recreates.is_empty() {
                        deploys.push(recreates);
                    }
                }
            }
        }
        for s in cx.repo.scripts.iter().filter(|s| is_deploy_script(s)) {
            let recreates = recreates(s, |_| true)
                .into_iter()
                .map(|(c, how, services)| {
                    let message = format!(
                        "`{}` deploys by {how} on a single host: the running container is stopped before its replacement is up",
                        s.path
                    );
                    let ev = script_evidence(s, c.span(), String::new(), message);
                    (services, Keyed::Numbered(CommandKeys::base(s, c), ev))
                })
                .collect::<Vec<_>>();
            if !recreates.is_empty() {
                deploys.push(recreates);
            }
        }
        let start_first = start_first(&cx.repo.compose);
        let facts = cx.facts::<Facts>();
        facts.deploys.extend(deploys);
        for (name, first) in start_first {
            *facts.start_first.entry(name).or_insert(true) &= first;
        }
    }

    fn finish(&self, cx: &mut Context) {
        let facts = cx.take_facts::<Facts>();
        let compose = StartFirst::new(&facts.start_first);
        let mut keys = CommandKeys::default();
        for recreates in facts.deploys {
            // The first recreate that is not a start-first compose update.
            let Some((_, found)) = recreates
                .into_iter()
                .find(|(services, _)| services.as_ref().is_none_or(|s| !compose.all(s)))
            else {
                continue;
            };
            cx.report(match found {
                Keyed::Final(ev) => ev,
                Keyed::Numbered(base, mut ev) => {
                    ev.key = keys.number(base);
                    ev
                }
            });
        }
    }
}

/// Each deploy's in-place recreates in order, with the compose services
/// each one starts (`None`: `docker stop` then `run`, always a recreate),
/// and whether each compose service name updates start-first in every
/// compose file that declares it.
#[derive(Default)]
struct Facts {
    deploys: Vec<Vec<(Option<Vec<String>>, Keyed)>>,
    start_first: HashMap<String, bool>,
}

/// A finding's evidence; scripts number repeated keys in report order.
enum Keyed {
    Final(Evidence),
    Numbered(String, Evidence),
}

/// Deploy scripts: not first-boot user data (nothing runs yet), named for
/// deploying, or reaching a host remotely.
fn is_deploy_script(s: &Script) -> bool {
    if matches!(s.role, ScriptRole::UserData { .. } | ScriptRole::CiStep) {
        return false;
    }
    let name = s
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&s.path)
        .to_ascii_lowercase();
    ["deploy", "release", "rollout", "redeploy", "update"]
        .iter()
        .any(|k| name.contains(k))
        || s.commands.iter().any(remote)
}

/// Commands that run on another host (ssh / SSM).
fn remote(c: &Command) -> bool {
    matches!(c.nested.as_deref(), Some("ssh" | "ssm"))
}

/// A script's in-place recreates up to the first that does not depend on
/// compose update order: how each is done, and the compose services it
/// starts (`None` for `docker stop` then `docker run`).
fn recreates(
    s: &Script,
    counts: impl Fn(&Command) -> bool,
) -> Vec<(&Command, String, Option<Vec<String>>)> {
    // A rolling helper anywhere in the script makes the deploy rolling.
    let rolling = s.commands.iter().any(|c| {
        (c.program == "docker" && c.args().first().is_some_and(|a| a == "rollout"))
            || c.args()
                .iter()
                .any(|a| a.contains("blue") || a.contains("green"))
    });
    let mut out = Vec::new();
    if rolling {
        return out;
    }
    for c in s
        .commands
        .iter()
        .filter(|c| c.loops.is_empty() && counts(c))
    {
        if let Some(services) = compose_up_detached(c) {
            out.push((c, format!("`{}`", compose_words(c)), Some(services)));
            continue;
        }
        if c.program == "docker" && c.args().first().is_some_and(|a| a == "run") {
            let stopped_before = s.commands.iter().any(|p| {
                p.scope == c.scope
                    && p.line <= c.line
                    && p.program == "docker"
                    && p.args()
                        .first()
                        .is_some_and(|a| matches!(a.as_str(), "stop" | "rm" | "kill"))
            });
            if stopped_before {
                out.push((c, "`docker stop` then `docker run`".to_string(), None));
                break;
            }
        }
    }
    out
}

/// `docker compose up -d [services]` / `docker-compose up -d`: the named
/// services (empty = all).
fn compose_up_detached(c: &Command) -> Option<Vec<String>> {
    let args: &[String] = match c.program.as_str() {
        "docker-compose" => c.args(),
        "docker" if c.args().first().is_some_and(|a| a == "compose") => &c.args()[1..],
        _ => return None,
    };
    // Global options before `up` (`-f file`, `-p name`).
    let mut i = 0;
    while i < args.len() && args[i] != "up" {
        i += if matches!(
            args[i].as_str(),
            "-f" | "--file" | "-p" | "--project-name" | "--env-file" | "--profile"
        ) {
            2
        } else {
            1
        };
    }
    let rest = args.get(i + 1..)?;
    let detached = rest.iter().any(|a| {
        a == "-d"
            || a == "--detach"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('d'))
    });
    if !detached {
        return None;
    }
    // More than one replica per service: compose replaces them together,
    // but `--scale x=2` with a proxy is a deliberate choice; leave it.
    if rest.iter().any(|a| a.starts_with("--scale")) {
        return None;
    }
    let mut services = Vec::new();
    let mut j = 0;
    while j < rest.len() {
        let a = &rest[j];
        if matches!(
            a.as_str(),
            "--timeout" | "-t" | "--pull" | "--wait-timeout" | "--exit-code-from"
        ) {
            j += 2;
            continue;
        }
        if !a.starts_with('-') {
            services.push(a.clone());
        }
        j += 1;
    }
    Some(services)
}

fn compose_words(c: &Command) -> String {
    let mut w = vec![c.program.clone()];
    w.extend(c.args().iter().cloned());
    w.join(" ")
}

/// Per compose service name in one part: whether it updates with
/// `order: start-first` in every compose file that declares it.
fn start_first(compose: &[ComposeFile]) -> HashMap<String, bool> {
    let mut by_name: HashMap<String, bool> = HashMap::new();
    for s in compose.iter().flat_map(|f| f.services.iter()) {
        let start_first = s
            .update_order
            .as_ref()
            .is_some_and(|o| o.value == "start-first");
        *by_name.entry(s.name.clone()).or_insert(true) &= start_first;
    }
    by_name
}

/// Which compose services update start-first, over the whole repository:
/// every deploy command asks about the services it starts.
struct StartFirst<'a> {
    by_name: &'a HashMap<String, bool>,
    /// There are services and all of them start first.
    every: bool,
}

impl<'a> StartFirst<'a> {
    fn new(by_name: &'a HashMap<String, bool>) -> Self {
        let every = !by_name.is_empty() && by_name.values().all(|b| *b);
        Self { by_name, every }
    }

    /// Whether the named services (all services when none is named) exist
    /// and all start their replacement first.
    fn all(&self, services: &[String]) -> bool {
        if services.is_empty() {
            return self.every;
        }
        let mut named = services
            .iter()
            .filter_map(|n| self.by_name.get(n.as_str()))
            .peekable();
        named.peek().is_some() && named.all(|b| *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    const SSH: &str = r#"on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - name: Deploy
        run: |
          ssh -o StrictHostKeyChecking=no ec2-user@${{ secrets.HOST }} \
            "cd /opt/app && docker-compose pull && docker-compose up -d"
"#;

    #[test]
    fn flags_compose_up_over_ssh_and_ssm() {
        let f = check(
            &DeployCausesDowntime,
            &[(".github/workflows/deploy.yml", SSH)],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(11));
        let ssm = r#"on: push
jobs:
  deploy-backend:
    runs-on: ubuntu-latest
    steps:
      - run: |
          aws ssm send-command --document-name "AWS-RunShellScript" \
            --parameters 'commands=["cd /opt/app","docker-compose up -d --no-deps --build api"]'
"#;
        let f = check(
            &DeployCausesDowntime,
            &[(".github/workflows/deploy.yml", ssm)],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(8));
    }

    #[test]
    fn flags_stop_then_run_in_deploy_script() {
        let f = check(
            &DeployCausesDowntime,
            &[("scripts/deploy.sh", "#!/bin/bash\nset -euo pipefail\ndocker pull app:1.2\ndocker stop app && docker rm app\ndocker run -d --name app app:1.2\n")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(5));
    }

    #[test]
    fn test_scaffolding_start_first_and_user_data_pass() {
        let ci = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose up -d db\n      - run: npm test\n";
        assert!(check(&DeployCausesDowntime, &[(".github/workflows/ci.yml", ci)]).is_empty());
        let compose = "services:\n  api:\n    image: app:1.0\n    deploy:\n      replicas: 2\n      update_config:\n        order: start-first\n";
        let f = check(
            &DeployCausesDowntime,
            &[
                (".github/workflows/deploy.yml", SSH),
                ("docker-compose.yml", compose),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let tf = "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = file(\"${path.module}/user-data.sh\")\n}\n";
        let f = check(
            &DeployCausesDowntime,
            &[
                ("main.tf", tf),
                ("user-data.sh", "#!/bin/bash\ndocker-compose up -d\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let rolling = "#!/bin/bash\nfor h in web1 web2; do ssh $h 'docker compose up -d'; done\n";
        assert!(check(&DeployCausesDowntime, &[("deploy.sh", rolling)]).is_empty());
    }

    #[test]
    fn update_order_in_another_part_decides() {
        let deploy: &[(&str, &str)] = &[(
            "deploy/deploy.sh",
            "#!/bin/bash\nset -euo pipefail\nssh web1 'docker compose up -d api'\nssh web1 'docker stop worker && docker run -d --name worker app:2'\n",
        )];
        let compose = "services:\n  api:\n    image: app:1.0\n    deploy:\n      update_config:\n        order: start-first\n";
        let start_first: &[(&str, &str)] = &[("stack/docker-compose.yml", compose)];
        let stop_first_yaml = compose.replace("start-first", "stop-first");
        let stop_first: &[(&str, &str)] = &[("stack2/docker-compose.yml", &stop_first_yaml)];
        // `api` starts first: the finding is the worker's stop-then-run.
        let f = check_in_parts(&DeployCausesDowntime, &[deploy, start_first]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("docker stop"), "{}", f[0].message);
        // Declared stop-first anywhere: the compose update is the finding.
        let f = check_in_parts(&DeployCausesDowntime, &[deploy, start_first, stop_first]);
        assert!(f[0].message.contains("compose up"), "{}", f[0].message);
    }
}
