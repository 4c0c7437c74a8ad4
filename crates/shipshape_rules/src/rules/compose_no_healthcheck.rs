use crate::support::compose_service_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::compose::{ComposeFile, Service};
use shipshape_loaders::Repository;
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// A docker-compose service that serves traffic (it publishes `ports`,
    /// declares `expose`, or is an application image built from this
    /// repository with `build:`) and has no `healthcheck`, or has one with
    /// `disable: true` / `test: ["NONE"]`. A service built from a Dockerfile
    /// of this repository whose final stage has a `HEALTHCHECK` passes.
    /// A healthcheck given by another compose file of the same directory
    /// (an override file) counts. One-shot containers are skipped: `restart: "no"` or `on-failure`
    /// without ports, and services named or commanded like a migration,
    /// seed or init job.
    ///
    /// ### Why it matters
    /// Without a healthcheck Docker only knows whether the process exists:
    /// `depends_on: condition: service_healthy` cannot wait for it,
    /// `start-first` updates switch traffic to a container that is not
    /// ready, and a hung process is never marked unhealthy.
    ///
    /// ### How to fix
    /// ```yaml
    /// services:
    ///   api:
    ///     healthcheck:
    ///       test: ["CMD", "curl", "-fsS", "http://localhost:3000/health"]
    ///       interval: 10s
    ///       timeout: 3s
    ///       retries: 3
    ///       start_period: 20s
    /// ```
    ///
    /// ### Effort
    /// 1 hour per service (the image needs the probe's tool, e.g. curl or wget).
    pub struct ComposeNoHealthcheck {
        name: "compose-no-healthcheck",
        code: "REL007",
        category: Reliability,
        severity: Medium,
        effort: (1, 1),
    }
}

impl Rule for ComposeNoHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let mut by_dir: HashMap<&str, Vec<&ComposeFile>> = HashMap::new();
        for file in &cx.repo.compose {
            by_dir.entry(dir_of(&file.path)).or_default().push(file);
        }
        for file in &cx.repo.compose {
            let siblings = &by_dir[dir_of(&file.path)];
            for svc in &file.services {
                if let Some(message) = problem(cx.repo, file, siblings, svc) {
                    cx.report(compose_service_evidence(&file.path, svc, message));
                }
            }
        }
    }
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn problem(
    repo: &Repository,
    file: &ComposeFile,
    siblings: &[&ComposeFile],
    svc: &Service,
) -> Option<String> {
    let serves = !svc.ports.is_empty() || !svc.expose.is_empty() || svc.build.is_some();
    if !serves || is_one_shot(svc) {
        return None;
    }
    match &svc.healthcheck {
        Some(h) if h.disabled => Some(format!(
            "compose service `{}` serves traffic but its healthcheck is disabled",
            svc.name
        )),
        Some(_) => None,
        None if image_has_healthcheck(repo, file, svc) => None,
        None if sibling_healthcheck(file, siblings, svc) => None,
        None => Some(format!(
            "compose service `{}` serves traffic but has no healthcheck",
            svc.name
        )),
    }
}

/// Containers that run to completion rather than serve.
fn is_one_shot(svc: &Service) -> bool {
    if !svc.ports.is_empty() {
        return false;
    }
    let restart = svc.restart.as_ref().map(|r| r.value.as_str());
    if matches!(restart, Some("no" | "\"no\"" | "on-failure")) {
        return true;
    }
    if svc
        .restart
        .as_ref()
        .is_some_and(|r| r.value.starts_with("on-failure"))
    {
        return true;
    }
    let job_word = |s: &str| {
        let s = s.to_ascii_lowercase();
        [
            "migrate",
            "migration",
            "seed",
            "init",
            "setup",
            "backup",
            "cron",
        ]
        .iter()
        .any(|w| s.contains(w))
    };
    job_word(&svc.name) || svc.command.iter().flatten().any(|w| job_word(w))
}

/// Whether another compose file of the same directory (an override such as
/// `docker-compose.prod.yml`, merged by `docker compose -f a -f b`) gives
/// this service a healthcheck.
fn sibling_healthcheck(file: &ComposeFile, siblings: &[&ComposeFile], svc: &Service) -> bool {
    siblings
        .iter()
        .filter(|other| other.path != file.path)
        .flat_map(|other| other.services.iter())
        .any(|other| {
            other.name == svc.name && other.healthcheck.as_ref().is_some_and(|h| !h.disabled)
        })
}

/// Whether the service's `build:` names a Dockerfile of this repository
/// whose final stage declares a HEALTHCHECK.
fn image_has_healthcheck(repo: &Repository, file: &ComposeFile, svc: &Service) -> bool {
    svc.build_dockerfile(&file.path)
        .and_then(|path| repo.dockerfile(&path))
        .and_then(|d| d.final_stage())
        .is_some_and(|s| s.healthchecks.last().is_some_and(|h| !h.none))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_serving_services_without_healthcheck() {
        let f = check(
            &ComposeNoHealthcheck,
            &[(
                "docker-compose.yml",
                "services:\n  api:\n    image: api:1\n    ports: [\"443:3000\"]\n  web:\n    build: ./web\n  off:\n    image: x:1\n    expose: [\"80\"]\n    healthcheck:\n      disable: true\n",
            )],
        );
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!((f[0].line, f[0].end_line), (Some(2), Some(4)));
        assert!(f.iter().any(|f| f.message.contains("disabled")));
    }

    #[test]
    fn override_file_healthcheck_counts() {
        let files = [
            (
                "docker-compose.yml",
                "services:\n  api:\n    image: api:1\n    ports: [\"80:80\"]\n",
            ),
            (
                "docker-compose.prod.yml",
                "services:\n  api:\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
            ),
        ];
        assert!(check(&ComposeNoHealthcheck, &files).is_empty());
        assert_eq!(check(&ComposeNoHealthcheck, &files[..1]).len(), 1);
    }

    #[test]
    fn healthchecks_jobs_and_image_healthcheck_pass() {
        let files = [
            (
                "compose.yaml",
                "services:\n  api:\n    build:\n      context: ./api\n    ports: [\"3000:3000\"]\n  db:\n    image: postgres:16\n    ports: [\"127.0.0.1:5432:5432\"]\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n  migrate:\n    build: ./api\n    command: npm run migrate\n  worker:\n    image: worker:1\n",
            ),
            (
                "api/Dockerfile",
                "FROM node:20\nHEALTHCHECK CMD wget -qO- http://localhost:3000/health || exit 1\nCMD [\"node\", \"index.js\"]\n",
            ),
        ];
        assert!(check(&ComposeNoHealthcheck, &files).is_empty());
    }
}
