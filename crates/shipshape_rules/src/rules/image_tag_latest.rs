use crate::support::{compose_service_evidence, k8s_container_evidence};
use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::dockerfile::split_image_ref;
use shipshape_loaders::kubernetes::ImageOverride;
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// A deployment that runs an image by the mutable tag `latest`, or with
    /// no tag at all (which means `latest`):
    /// - docker-compose services' `image:` (a service with `build:` names
    ///   the image it builds, so it is not checked);
    /// - Kubernetes containers and init containers (a kustomization
    ///   `images:` entry that sets a `newTag` or `digest` for the image
    ///   counts as pinning it).
    /// - GitHub Actions `run:` scripts that `docker push` or `docker pull`
    ///   an image by `:latest` (an untagged pull too), including commands
    ///   sent to hosts over ssh or SSM.
    ///
    /// Digest-pinned references (`image@sha256:…`) pass whatever their tag.
    /// An image whose tag comes from a variable without default is reported
    /// as unevaluated.
    ///
    /// ### Why it matters
    /// `latest` names whatever was pushed last: two nodes can run different
    /// code under the same name, a rollback redeploys the broken build, and
    /// no one can say afterwards which version served the incident.
    ///
    /// ### How to fix
    /// ```yaml
    /// services:
    ///   api:
    ///     image: registry.example.com/api:1.14.2   # or the git SHA the pipeline built
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: tag images with the commit SHA or a version in the build
    /// pipeline and deploy that tag.
    pub struct ImageTagLatest {
        name: "image-tag-latest",
        code: "DEL007",
        category: Delivery,
        severity: Medium,
        effort: (1, 2),
    }
}

/// Why a reference is mutable: `Some("no tag")`, `Some("the tag latest")`.
pub fn mutable_reference(image: &str) -> Option<&'static str> {
    let (_, tag, digest) = split_image_ref(image);
    if digest.is_some() {
        return None;
    }
    match tag.as_deref() {
        None => Some("no tag (so `latest`)"),
        Some("latest") => Some("the tag `latest`"),
        Some(_) => None,
    }
}

impl Rule for ImageTagLatest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        compose_images(cx);
        kubernetes_images(cx);
        workflow_images(cx);
    }

    fn finish(&self, cx: &mut Context) {
        let mut facts = cx.take_facts::<Facts>();
        // The first `images:` entry for a name, in file order, wins
        // (stable: a file's entries keep their order).
        facts.overrides.sort_by(|a, b| a.file.cmp(&b.file));
        let mut overrides: HashMap<&str, &ImageOverride> = HashMap::new();
        for o in &facts.overrides {
            overrides.entry(o.name.as_str()).or_insert(o);
        }
        for (name, ev) in facts.mutable {
            let pinned = overrides.get(name.as_str()).is_some_and(|o| {
                o.digest.is_some() || o.new_tag.as_deref().is_some_and(|t| t != "latest")
            });
            if !pinned {
                cx.report(ev);
            }
        }
    }
}

/// Kubernetes containers that run a mutable reference (with the image name),
/// and every part's kustomization `images:` entries, which may retag them.
#[derive(Default)]
struct Facts {
    mutable: Vec<(String, Evidence)>,
    overrides: Vec<ImageOverride>,
}

/// `docker push|pull IMAGE:latest` (or an untagged pull) in workflow run
/// scripts, including commands sent to hosts over ssh or SSM. Images whose
/// name or tag is only known at run time (`$IMAGE`) are left alone.
fn workflow_images(cx: &mut Context) {
    let mut reports = Vec::new();
    for w in &cx.repo.workflows {
        for job in &w.jobs {
            for step in &job.steps {
                let Some(run) = &step.run else { continue };
                for c in &run.commands {
                    if !matches!(c.program.as_str(), "docker" | "podman") {
                        continue;
                    }
                    let sub = c.args().first().map(String::as_str).unwrap_or("");
                    if !matches!(sub, "push" | "pull") {
                        continue;
                    }
                    let Some(image) = c.args()[1..].iter().find(|a| !a.starts_with('-')) else {
                        continue;
                    };
                    let (_, tag, _) = split_image_ref(image);
                    let why = match tag.as_deref() {
                        Some("latest") => mutable_reference(image),
                        // `docker push repo` pushes whatever tags exist;
                        // an untagged pull is `latest`.
                        None if sub == "pull" && !image.contains('$') => mutable_reference(image),
                        _ => None,
                    };
                    let Some(why) = why else { continue };
                    reports.push(Evidence {
                        file: Some(w.path.clone()),
                        lines: Some(c.span()),
                        resource: Some(job.id.clone()),
                        key: format!("{}|{}|{}|{sub} {image}", w.path, job.id, step.label()),
                        message: format!(
                            "job `{}` {}es `{image}` with {why}: the deploy cannot name what runs",
                            job.id,
                            if sub == "push" { "push" } else { "pull" }
                        ),
                        remediation: Some(
                            "```yaml\n      - run: |\n          docker build -t \"$ECR_REPO:${{ github.sha }}\" .\n          docker push \"$ECR_REPO:${{ github.sha }}\"\n```".to_string(),
                        ),
                    });
                }
            }
        }
    }
    for ev in reports {
        cx.report(ev);
    }
}

fn compose_images(cx: &mut Context) {
    for file in &cx.repo.compose {
        for svc in &file.services {
            let Some(image) = &svc.image else {
                continue;
            };
            if svc.build.is_some() {
                continue;
            }
            if !image.known
                && split_image_ref(&image.value)
                    .1
                    .is_none_or(|t| t.contains('$'))
            {
                cx.unevaluated(
                    Some(&file.path),
                    Some(image.span.start),
                    format!(
                        "service `{}` image `{}` depends on a variable",
                        svc.name, image.value
                    ),
                );
                continue;
            }
            if let Some(why) = mutable_reference(&image.value) {
                let mut ev = compose_service_evidence(
                    &file.path,
                    svc,
                    format!(
                        "compose service `{}` runs `{}` with {why}",
                        svc.name, image.value
                    ),
                );
                ev.lines = Some(image.span);
                cx.report(ev);
            }
        }
    }
}

fn kubernetes_images(cx: &mut Context) {
    let k8s = &cx.repo.kubernetes;
    let mut mutable = Vec::new();
    for w in &k8s.workloads {
        for c in w.all_containers() {
            let Some(image) = &c.image else {
                continue;
            };
            if let Some(why) = mutable_reference(image) {
                let mut ev = k8s_container_evidence(
                    w,
                    c,
                    format!(
                        "container `{}` of {} `{}` runs `{image}` with {why}",
                        c.name, w.meta.kind, w.meta.name
                    ),
                );
                ev.lines = Some(c.image_span.unwrap_or(c.span));
                mutable.push((split_image_ref(image).0, ev));
            }
        }
    }
    let overrides = k8s.image_overrides.clone();
    let facts = cx.facts::<Facts>();
    facts.mutable.extend(mutable);
    facts.overrides.extend(overrides);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, check_in_parts};

    #[test]
    fn flags_latest_and_untagged() {
        let f = check(
            &ImageTagLatest,
            &[
                (
                    "docker-compose.yml",
                    "services:\n  api:\n    image: 123.dkr.ecr.us-east-1.amazonaws.com/api:latest\n  cache:\n    image: redis\n",
                ),
                (
                    "k8s/app.yaml",
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: registry:5000/team/app\n",
                ),
            ],
        );
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f.iter().any(|f| f.line == Some(3)));
    }

    #[test]
    fn kustomize_new_tag_pins_the_image() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: app, image: web}\n";
        let kust = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: web\n    newTag: 1.4.2\n";
        assert!(check(
            &ImageTagLatest,
            &[("k8s/pod.yaml", pod), ("k8s/kustomization.yaml", kust)]
        )
        .is_empty());
        assert_eq!(check(&ImageTagLatest, &[("k8s/pod.yaml", pod)]).len(), 1);
        // The kustomization may sit in another part of the review; the first
        // entry for a name wins.
        let base: &[(&str, &str)] = &[("base/pod.yaml", pod)];
        let pinned: &[(&str, &str)] = &[("overlays/a/kustomization.yaml", kust)];
        let latest: &[(&str, &str)] = &[(
            "overlays/b/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: web\n    newTag: latest\n",
        )];
        assert!(check_in_parts(&ImageTagLatest, &[base, pinned, latest]).is_empty());
        assert_eq!(
            check_in_parts(&ImageTagLatest, &[base, latest, &[]]).len(),
            1
        );
    }

    #[test]
    fn pinned_digest_and_built_images_pass() {
        let f = check(
            &ImageTagLatest,
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: redis:7-alpine\n  b:\n    image: nginx:latest@sha256:0123456789abcdef\n  c:\n    build: .\n  d:\n    build: ./d\n    image: myapp\n  e:\n    image: \"app:${TAG:-1.2.3}\"\n",
            )],
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(
            mutable_reference("registry.example.com:5000/app"),
            Some("no tag (so `latest`)")
        );
        assert_eq!(mutable_reference("app@sha256:abc"), None);
    }

    #[test]
    fn workflow_push_and_remote_pull_of_latest_are_reported() {
        let wf = r#"on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker build -t $ECR_REPO:latest .
          docker push $ECR_REPO:latest
          docker push $ECR_REPO:${{ github.sha }}
      - run: aws ssm send-command --parameters 'commands=["docker pull '"$ECR_REPO"':latest"]'
      - run: docker pull redis:7.2
"#;
        let f = check(&ImageTagLatest, &[(".github/workflows/deploy.yml", wf)]);
        let lines: Vec<_> = f.iter().filter_map(|f| f.line).collect();
        assert_eq!(lines, vec![8, 10], "{f:?}");
    }
}
