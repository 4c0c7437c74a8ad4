use crate::support::{compose_service_evidence, k8s_container_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::dockerfile::split_image_ref;

declare_rule! {
    /// ### What it finds
    /// A deployment that runs an image by the mutable tag `latest`, or with
    /// no tag at all (which means `latest`):
    /// - docker-compose services' `image:` (a service with `build:` names
    ///   the image it builds, so it is not checked);
    /// - Kubernetes containers and init containers (a kustomization
    ///   `images:` entry that sets a `newTag` or `digest` for the image
    ///   counts as pinning it).
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
    for w in &cx.repo.kubernetes.workloads {
        for c in w.all_containers() {
            let Some(image) = &c.image else {
                continue;
            };
            // A kustomization `images:` entry retags the image at build time.
            let (name, _, _) = split_image_ref(image);
            if let Some(o) = cx.repo.kubernetes.image_override(&name) {
                if o.digest.is_some() || o.new_tag.as_deref().is_some_and(|t| t != "latest") {
                    continue;
                }
            }
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
                cx.report(ev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

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
}
