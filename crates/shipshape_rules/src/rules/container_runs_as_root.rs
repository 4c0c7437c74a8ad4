use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::dockerfile::{BaseImage, Dockerfile};

declare_rule! {
    /// ### What it finds
    /// A Dockerfile whose final stage runs as root: no `USER` instruction
    /// (in the final stage, or in the earlier stage it is built `FROM`), or
    /// `USER root` / `USER 0`. A `USER` in a builder stage does not carry
    /// over to a final stage that starts `FROM` another image.
    ///
    /// Base images known to default to a non-root user are accepted without
    /// a `USER`: tags or names containing `nonroot` or `rootless` (e.g.
    /// `gcr.io/distroless/static:nonroot`, `*-nonroot`), Chainguard images
    /// (`cgr.dev/chainguard/*`, `chainguard/*`, except `-dev` variants),
    /// `nginxinc/nginx-unprivileged` and Bitnami images (`bitnami/*`).
    /// Dockerfiles under `.devcontainer/` (editor environments) are skipped.
    ///
    /// ### Why it matters
    /// A process running as root inside the container is root on the host's
    /// kernel: one remote-code-execution bug plus one container escape or a
    /// writable host mount, and the attacker owns the node.
    ///
    /// ### How to fix
    /// ```dockerfile
    /// RUN addgroup --system app && adduser --system --ingroup app app
    /// USER app
    /// ```
    ///
    /// ### Effort
    /// 1–3 hours: add the user, fix file ownership (`COPY --chown=app:app`)
    /// and ports below 1024.
    pub struct ContainerRunsAsRoot {
        name: "container-runs-as-root",
        code: "SEC011",
        category: Security,
        severity: High,
        effort: (1, 3),
    }
}

/// Whether a base image is known to default to a non-root user.
pub fn non_root_by_default(image: &BaseImage) -> bool {
    let name = image.name.to_ascii_lowercase();
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let name = name.strip_prefix("docker.io/").unwrap_or(&name);
    if name.contains("nonroot") || tag.contains("nonroot") || tag.contains("rootless") {
        return true;
    }
    if name.contains("rootless") {
        return true;
    }
    if name.starts_with("cgr.dev/chainguard/") || name.starts_with("chainguard/") {
        return !tag.contains("dev");
    }
    name == "nginxinc/nginx-unprivileged"
        || name.ends_with("/nginxinc/nginx-unprivileged")
        || name.starts_with("bitnami/")
}

impl Rule for ContainerRunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for d in &cx.repo.dockerfiles {
            // Dev containers are editor environments, never deployed.
            if d.path.starts_with(".devcontainer/") || d.path.contains("/.devcontainer/") {
                continue;
            }
            check_file(cx, d);
        }
    }
}

fn check_file(cx: &mut Context, d: &Dockerfile) {
    let Some(last) = d.final_stage() else {
        return;
    };
    let base = d.root_image(last);
    let message = match d.effective_user(last) {
        Some(user) if user.is_root() => format!(
            "`{}`: the final stage switches to `USER {}` and runs as root",
            d.path, user.user
        ),
        Some(_) => return,
        None if non_root_by_default(base) => return,
        None if base.unresolved => {
            cx.unevaluated(
                Some(&d.path),
                Some(last.line),
                format!("base image `{}` depends on a build argument", base.raw),
            );
            return;
        }
        None => format!(
            "`{}`: the final stage (FROM `{}`) sets no USER, so the container runs as root",
            d.path,
            base.reference()
        ),
    };
    cx.report(Evidence {
        file: Some(d.path.clone()),
        lines: Some(last.span),
        resource: last.alias.clone().map(|a| format!("stage {a}")),
        key: format!("{}|final-stage", d.path),
        message,
        remediation: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_final_stage_without_user() {
        let f = check(
            &ContainerRunsAsRoot,
            &[(
                "Dockerfile",
                "FROM python:3.11\nWORKDIR /app\nCMD [\"python\", \"app.py\"]\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].end_line), (Some(1), Some(3)));
    }

    #[test]
    fn user_in_builder_stage_only_is_still_root() {
        let f = check(
            &ContainerRunsAsRoot,
            &[(
                "api/Dockerfile",
                "FROM node:20 AS build\nUSER node\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build /app /app\nCMD [\"node\", \"/app/index.js\"]\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(4));
    }

    #[test]
    fn explicit_root_user_is_flagged() {
        let f = check(
            &ContainerRunsAsRoot,
            &[("Dockerfile", "FROM alpine:3.20\nUSER app\nUSER 0\n")],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("USER 0"));
    }

    #[test]
    fn non_root_users_and_images_pass() {
        for text in [
            "FROM alpine:3.20\nRUN adduser -D app\nUSER app\n",
            "FROM golang:1.23 AS build\nRUN go build\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n",
            "FROM cgr.dev/chainguard/python:latest\nCOPY . .\n",
            "FROM nginxinc/nginx-unprivileged:1.27-alpine\n",
            "FROM bitnami/redis:7.2\n",
            "FROM python:3.12-slim AS base\nUSER 10001\nFROM base\nCOPY . .\n",
        ] {
            assert!(check(&ContainerRunsAsRoot, &[("Dockerfile", text)]).is_empty(), "{text}");
        }
        let dev = [(
            ".devcontainer/Dockerfile",
            "FROM mcr.microsoft.com/devcontainers/base:ubuntu\n",
        )];
        assert!(check(&ContainerRunsAsRoot, &dev).is_empty());
    }
}
