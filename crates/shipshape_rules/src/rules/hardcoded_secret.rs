use crate::support::{compose_service_evidence, k8s_container_evidence};
use crate::{declare_rule, Context, Evidence, Rule, RuleMeta};
use shipshape_loaders::compose::is_interpolated;
use shipshape_loaders::terraform::literals::{literal_string, literals_in, tfvars_literals};
use shipshape_loaders::terraform::{Attr, Block};
use shipshape_loaders::FileKind;
use shipshape_model::LineSpan;
use std::collections::HashSet;

declare_rule! {
    /// ### What it finds
    /// A secret typed into an infrastructure or deployment file:
    /// - Terraform attributes named like a secret (`password`,
    ///   `master_password`, `*_secret`, `*_token`, `api_key`,
    ///   `private_key`, `access_key`, `secret_string`, …) whose value is a
    ///   literal string, in resources, providers, module calls and variable
    ///   defaults and `.tfvars` files; `{ name = "DB_PASSWORD", value = "…" }` pairs inside
    ///   expressions (ECS container definitions); literal `value`s of
    ///   `SecureString` SSM parameters;
    /// - docker-compose `environment` and Kubernetes container `env`
    ///   entries named like a secret (`PASSWORD`, `SECRET`, `TOKEN`,
    ///   `API_KEY`, `PRIVATE_KEY`, `ACCESS_KEY`, …) with a literal value;
    ///   Kubernetes `Secret` manifests carrying `data` / `stringData`,
    ///   ConfigMap keys named like a secret; Dockerfile `ENV` / `ARG`
    ///   defaults named like a secret (they stay in the image history);
    /// - GitHub Actions `env:` entries (workflow, job, step) and action
    ///   inputs (`with:`) named like a secret with a literal value
    ///   (`${{ secrets.X }}` is a reference);
    /// - in any of those values, whatever its name: well-known credential
    ///   shapes (AWS access key ids `AKIA…`/`ASIA…`, GitHub `ghp_…` /
    ///   `github_pat_…`, GitLab `glpat-…`, Slack `xox?-…`, Stripe
    ///   `sk_live_…`, PEM private keys) and passwords embedded in URLs
    ///   (`postgres://user:pass@host`).
    ///
    /// Not reported: references (`var.x`, `random_password.x.result`,
    /// `${VAR}` interpolation, `valueFrom`, `$(VAR)`, ARNs, SOPS `ENC[…]`,
    /// file paths), empty values, and obvious placeholders (`changeme`,
    /// `<password>`, `xxx`, `REPLACE_ME`, `your-token`, `example`, …):
    /// they are not secrets, and reporting them teaches people to ignore
    /// the rule. A weak real value such as `postgres` is reported.
    ///
    /// ### Why it matters
    /// A secret in a repository is shared with everyone who can read it,
    /// every clone, fork and CI log, forever (git history keeps it after
    /// the line is removed), and it cannot be rotated without a commit.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   manage_master_user_password = true   # RDS keeps it in Secrets Manager
    /// }
    /// ```
    /// In compose use `${DB_PASSWORD}` with an untracked `.env` or
    /// `secrets:`; in Kubernetes use `valueFrom.secretKeyRef` with a secret
    /// managed outside git (External Secrets, Sealed Secrets). Rotate the
    /// exposed value: it is compromised.
    ///
    /// ### Effort
    /// 2–4 hours: move the value to a secret store, rotate it, update the
    /// consumers.
    pub struct HardcodedSecret {
        name: "hardcoded-secret",
        code: "SEC006",
        category: Security,
        severity: Blocker,
        effort: (2, 4),
    }
}

impl Rule for HardcodedSecret {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        terraform_secrets(cx);
        compose_secrets(cx);
        kubernetes_secrets(cx);
        dockerfile_secrets(cx);
        workflow_secrets(cx);
    }
}

// ---------------------------------------------------------------- detection

/// Splits `dbPassword`, `DB_PASSWORD`, `db-password` into lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a key names a secret: its last word says so (`DB_PASSWORD`,
/// `api_key`, `clientSecret`), not merely mentions it (`PASSWORD_FILE`,
/// `token_ttl`, `secret_name`, `kms_key_id`).
pub(crate) fn secret_name(name: &str) -> bool {
    let w = words(name);
    let n = w.len();
    let Some(last) = w.last().map(String::as_str) else {
        return false;
    };
    let prev = if n >= 2 { w[n - 2].as_str() } else { "" };
    match last {
        "password" | "passwd" | "secret" | "token" | "apikey" | "passphrase" | "credentials"
        | "secretkey" | "privatekey" | "accesskey" => true,
        // `PWD` alone is the shell's working directory.
        "pwd" => n >= 2,
        "key" => matches!(
            prev,
            "api"
                | "private"
                | "access"
                | "secret"
                | "signing"
                | "encryption"
                | "master"
                | "client"
                | "license"
        ),
        "string" => prev == "secret",
        "base" => n >= 3 && prev == "key" && w[n - 3] == "secret",
        _ => false,
    }
}

/// Empty values, obvious placeholders and values that point elsewhere.
pub(crate) fn placeholder_or_reference(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "none" | "nil" | "~"
    ) {
        return true;
    }
    const PLACEHOLDERS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "change me",
        "replace",
        "placeholder",
        "your_",
        "your-",
        "yourpassword",
        "xxx",
        "todo",
        "tbd",
        "fixme",
        "example",
        "dummy",
        "redacted",
        "***",
        "...",
        "<",
        "insert",
        "fill_in",
        "fill-in",
        "secret_here",
        "password_here",
    ];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    const REFERENCES: &[&str] = &[
        "${",
        "$(",
        "{{",
        "arn:aws:",
        "ssm:",
        "vault:",
        "secretsmanager:",
        "sm://",
        "ref+",
        "enc[",
        "/run/secrets/",
        "file://",
        "projects/",
    ];
    if REFERENCES.iter().any(|r| lower.starts_with(r)) || v.starts_with('/') {
        return true;
    }
    // A value of one repeated character (`********`, `0000`).
    let mut chars = v.chars();
    let first = chars.next();
    chars.all(|c| Some(c) == first)
}

fn run_len(s: &str, ok: impl Fn(char) -> bool) -> usize {
    s.chars().take_while(|c| ok(*c)).count()
}

/// A well-known credential shape inside `value`.
pub(crate) fn token_shape(value: &str) -> Option<&'static str> {
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    let bytes = value.as_bytes();
    for (i, _) in value.char_indices() {
        // Shapes start at a word boundary.
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
            continue;
        }
        // The first bytes of the shapes below: most positions start none.
        if !matches!(bytes[i], b'A' | b'g' | b'x' | b's' | b'r') {
            continue;
        }
        let rest = &value[i..];
        let upper_digit = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
        if (rest.starts_with("AKIA") || rest.starts_with("ASIA"))
            && run_len(&rest[4..], upper_digit) == 16
            && !rest[..20].contains("EXAMPLE")
        {
            return Some("an AWS access key id");
        }
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            if rest.starts_with(prefix) && run_len(&rest[4..], |c| c.is_ascii_alphanumeric()) >= 36
            {
                return Some("a GitHub token");
            }
        }
        if rest.starts_with("github_pat_")
            && run_len(&rest[11..], |c| c.is_ascii_alphanumeric() || c == '_') >= 22
        {
            return Some("a GitHub token");
        }
        if rest.starts_with("glpat-")
            && run_len(&rest[6..], |c| {
                c.is_ascii_alphanumeric() || c == '_' || c == '-'
            }) >= 20
        {
            return Some("a GitLab token");
        }
        if rest.len() > 5
            && rest.starts_with("xox")
            && matches!(rest.as_bytes()[3], b'a' | b'b' | b'p' | b'o' | b'r' | b's')
            && rest.as_bytes()[4] == b'-'
            && run_len(&rest[5..], |c| c.is_ascii_alphanumeric() || c == '-') >= 10
        {
            return Some("a Slack token");
        }
        for prefix in ["sk_live_", "rk_live_"] {
            if rest.starts_with(prefix) && run_len(&rest[8..], |c| c.is_ascii_alphanumeric()) >= 24
            {
                return Some("a Stripe live key");
            }
        }
    }
    None
}

/// A password embedded in a URL (`scheme://user:password@host`).
pub(crate) fn url_password(value: &str) -> bool {
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let authority_end = after.find(['/', '?', '#', ' ']).unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = userinfo.split_once(':') {
                if !placeholder_or_reference(password) && !password.starts_with('$') {
                    return true;
                }
            }
        }
        rest = after;
    }
    false
}

/// What is wrong with `value` under `name`, if anything.
pub(crate) fn classify(name: Option<&str>, value: &str) -> Option<String> {
    if let Some(shape) = token_shape(value) {
        return Some(format!("holds {shape}"));
    }
    let url = url_password(value);
    let named = name.is_some_and(secret_name);
    // The placeholder test is the costly one: only for values that would
    // be reported.
    if !(url || named) || placeholder_or_reference(value) {
        return None;
    }
    Some(if url {
        "holds a URL with an embedded password".to_string()
    } else {
        "is a literal secret".to_string()
    })
}

// ---------------------------------------------------------------- terraform

fn terraform_secrets(cx: &mut Context) {
    let tf = &cx.repo.terraform;
    let mut blocks: Vec<(String, &Block)> = Vec::new();
    for r in &tf.resources {
        let prefix = if r.block.kind == "data" { "data." } else { "" };
        blocks.push((format!("{prefix}{}.{}", r.rtype, r.name), &r.block));
    }
    for m in tf.modules.values() {
        for b in m.providers.iter() {
            blocks.push((format!("provider.{}", b.label(0)), b));
        }
        for b in m.module_calls.iter() {
            blocks.push((format!("module.{}", b.label(0)), b));
        }
        for b in m.variables.iter() {
            blocks.push((format!("var.{}", b.label(0)), b));
        }
    }
    // Module instances share blocks: look at each written block once.
    let mut seen = HashSet::new();
    let mut reports = Vec::new();
    for (address, block) in blocks {
        if !seen.insert((block.file.clone(), block.span.start)) {
            continue;
        }
        scan_block(&address, block, block, &mut reports);
    }
    // Committed variable files: `db_password = "..."` in terraform.tfvars.
    for file in cx.repo.files.iter().filter(|f| f.kind == FileKind::Tfvars) {
        for (name, value, span) in tfvars_literals(file) {
            if let Some(why) = classify(Some(&name), &value) {
                reports.push(Evidence {
                    file: Some(file.path.clone()),
                    lines: Some(span),
                    resource: Some(format!("var.{name}")),
                    key: format!("{}|var.{name}", file.path),
                    message: format!("variable value `{name}` in `{}` {why}", file.path),
                    remediation: None,
                });
            }
        }
    }
    for ev in reports {
        cx.report(ev);
    }
}

fn scan_block(address: &str, top: &Block, block: &Block, out: &mut Vec<Evidence>) {
    let secure_parameter = top.kind == "resource"
        && top.label(0) == "aws_ssm_parameter"
        && top
            .attr("type")
            .and_then(|a| literal_string(&a.expr))
            .is_some_and(|t| t == "SecureString");
    let variable_secret = top.kind == "variable" && secret_name(top.label(0));
    for attr in &block.attrs {
        let direct_name = if (secure_parameter && attr.name == "value")
            || (variable_secret && attr.name == "default")
        {
            Some("password")
        } else {
            Some(attr.name.as_str())
        };
        if let Some(value) = literal_string(&attr.expr) {
            if let Some(why) = classify(direct_name, &value) {
                out.push(tf_attr_evidence(address, top, attr, &attr.name, &why));
            }
            continue;
        }
        for lit in literals_in(&attr.expr) {
            let name = match (lit.key.as_deref(), lit.sibling_name.as_deref()) {
                (Some("value"), Some(sibling)) => Some(sibling),
                (key, _) => key,
            };
            if let Some(why) = classify(name, &lit.value) {
                let label = format!("{}.{}", attr.name, name.unwrap_or("value"));
                out.push(tf_attr_evidence(address, top, attr, &label, &why));
                break;
            }
        }
    }
    for child in &block.blocks {
        scan_block(address, top, child, out);
    }
}

fn tf_attr_evidence(address: &str, top: &Block, attr: &Attr, label: &str, why: &str) -> Evidence {
    Evidence {
        file: Some(top.file.to_string()),
        lines: Some(attr.span),
        resource: Some(address.to_string()),
        key: format!("{}|{address}|{label}", top.file),
        message: format!("`{label}` of `{address}` {why}"),
        remediation: None,
    }
}

// ---------------------------------------------------------------- compose

fn compose_secrets(cx: &mut Context) {
    let mut reports = Vec::new();
    for file in &cx.repo.compose {
        for svc in &file.services {
            for env in &svc.environment {
                let Some(raw) = env.raw.as_deref() else {
                    continue;
                };
                // `${VAR}` comes from the environment; a token shape in a
                // default value is still reported.
                let why = if is_interpolated(raw) {
                    token_shape(raw).map(|s| format!("holds {s}"))
                } else {
                    classify(Some(&env.name), raw)
                };
                if let Some(why) = why {
                    let mut ev = compose_service_evidence(
                        &file.path,
                        svc,
                        format!(
                            "environment `{}` of compose service `{}` {why}",
                            env.name, svc.name
                        ),
                    );
                    ev.lines = Some(env.span);
                    ev.key = format!("{}|env.{}", ev.key, env.name);
                    reports.push(ev);
                }
            }
        }
    }
    for ev in reports {
        cx.report(ev);
    }
}

// ---------------------------------------------------------------- CI workflows

/// Literal secrets in GitHub Actions `env:` blocks (workflow, job, step)
/// and in action inputs (`with:`) named like a secret. `${{ secrets.X }}`
/// is a reference; a token shape is reported whatever the key.
fn workflow_secrets(cx: &mut Context) {
    let mut reports = Vec::new();
    for w in &cx.repo.workflows {
        let mut entries: Vec<(String, &str, Option<&str>, LineSpan)> = Vec::new();
        for e in &w.env {
            entries.push(("workflow".into(), &e.name, e.value.as_deref(), e.span));
        }
        for job in &w.jobs {
            for e in &job.env {
                entries.push((job.id.clone(), &e.name, e.value.as_deref(), e.span));
            }
            for step in &job.steps {
                let scope = format!("{}/{}", job.id, step.label());
                for e in &step.env {
                    entries.push((scope.clone(), &e.name, e.value.as_deref(), e.span));
                }
                for i in &step.with {
                    entries.push((scope.clone(), &i.key, i.value.as_deref(), i.span));
                }
            }
        }
        for (scope, name, value, span) in entries {
            let Some(value) = value else { continue };
            if let Some(why) = classify(Some(name), value) {
                reports.push(Evidence {
                    file: Some(w.path.clone()),
                    lines: Some(span),
                    resource: Some(scope.clone()),
                    key: format!("{}|{scope}|{name}", w.path),
                    message: format!("`{name}` in `{scope}` of workflow `{}` {why}", w.path),
                    remediation: Some(
                        "```yaml\nenv:\n  API_TOKEN: ${{ secrets.API_TOKEN }}\n```\nStore the value as an encrypted secret (or use OIDC) and rotate the exposed one.".to_string(),
                    ),
                });
            }
        }
    }
    for ev in reports {
        cx.report(ev);
    }
}

// ---------------------------------------------------------------- kubernetes

fn kubernetes_secrets(cx: &mut Context) {
    let k8s = &cx.repo.kubernetes;
    let mut reports = Vec::new();
    for w in &k8s.workloads {
        for c in w.all_containers() {
            for env in &c.env {
                let Some(value) = env.value.as_deref() else {
                    continue;
                };
                if let Some(why) = classify(Some(&env.name), value) {
                    let mut ev = k8s_container_evidence(
                        w,
                        c,
                        format!(
                            "env `{}` of container `{}` in {} `{}` {why}",
                            env.name, c.name, w.meta.kind, w.meta.name
                        ),
                    );
                    ev.lines = Some(env.span);
                    ev.key = format!("{}|env.{}", ev.key, env.name);
                    reports.push(ev);
                }
            }
        }
    }
    for m in &k8s.config_maps {
        for (key, value, span) in &m.entries {
            if let Some(why) = classify(Some(key), value) {
                reports.push(Evidence {
                    file: Some(m.meta.file.clone()),
                    lines: Some(*span),
                    resource: Some(m.meta.id()),
                    key: format!("{}|{}|{key}", m.meta.file, m.meta.id()),
                    message: format!("ConfigMap `{}` key `{key}` {why}", m.meta.name),
                    remediation: None,
                });
            }
        }
    }
    for s in &k8s.secrets {
        let real: Vec<&(String, String, LineSpan)> = s
            .entries
            .iter()
            .filter(|(_, v, _)| !placeholder_or_reference(v))
            .collect();
        let Some(first) = real.first() else {
            continue;
        };
        let keys: Vec<&str> = real.iter().map(|(k, _, _)| k.as_str()).collect();
        reports.push(Evidence {
            file: Some(s.meta.file.clone()),
            lines: Some(LineSpan::new(
                s.meta.span.start,
                first.2.end.max(s.meta.span.start),
            )),
            resource: Some(s.meta.id()),
            key: format!("{}|{}", s.meta.file, s.meta.id()),
            message: format!(
                "Secret `{}` is committed with its values ({})",
                s.meta.name,
                keys.join(", ")
            ),
            remediation: None,
        });
    }
    for ev in reports {
        cx.report(ev);
    }
}

// ---------------------------------------------------------------- dockerfiles

/// `ENV` and `ARG` defaults are baked into the image's layers and history.
fn dockerfile_secrets(cx: &mut Context) {
    let mut reports = Vec::new();
    for d in &cx.repo.dockerfiles {
        let stage_vars = d.stages.iter().flat_map(|s| {
            s.env
                .iter()
                .map(|e| ("ENV", e))
                .chain(s.args.iter().map(|a| ("ARG", a)))
        });
        for (instruction, var) in d.global_args.iter().map(|a| ("ARG", a)).chain(stage_vars) {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            if value.contains('$') {
                continue;
            }
            if let Some(why) = classify(Some(&var.name), value) {
                reports.push(Evidence {
                    file: Some(d.path.clone()),
                    lines: Some(LineSpan::line(var.line)),
                    resource: None,
                    key: format!("{}|{instruction}.{}", d.path, var.name),
                    message: format!(
                        "`{instruction} {}` in `{}` {why}; it stays readable in the image history",
                        var.name, d.path
                    ),
                    remediation: Some(
                        "Pass build secrets with BuildKit secret mounts and runtime secrets through the orchestrator:\n\n```dockerfile\nRUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\n```".to_string(),
                    ),
                });
            }
        }
    }
    for ev in reports {
        cx.report(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn names_and_values() {
        for n in [
            "password",
            "DB_PASSWORD",
            "master_password",
            "jwtSecret",
            "api_key",
            "API_KEY",
            "private_key",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "secret_string",
            "SECRET_KEY_BASE",
            "DB_PWD",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "token_ttl",
            "secret_name",
            "kms_key_id",
            "manage_master_user_password_rotation",
            "PWD",
            "password_length",
            "public_key",
            "secret_arn",
        ] {
            assert!(!secret_name(n), "{n}");
        }
        for v in [
            "",
            "changeme",
            "<your-password>",
            "${DB_PASSWORD}",
            "xxxxxxxx",
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            "ENC[AES256_GCM,data:abc]",
            "/run/secrets/db",
        ] {
            assert!(placeholder_or_reference(v), "{v}");
        }
        assert!(!placeholder_or_reference("phoenix123"));
        assert_eq!(
            token_shape("key=AKIAZ7QWERTYUIOPASDF;"),
            Some("an AWS access key id")
        );
        assert_eq!(token_shape("AKIAIOSFODNN7EXAMPLE"), None);
        assert!(token_shape(&format!("ghp_{}", "a1".repeat(18))).is_some());
        assert!(token_shape("xoxb-123456789012-abcdef").is_some());
        assert!(token_shape("-----BEGIN OPENSSH PRIVATE KEY-----\nabc").is_some());
        assert!(token_shape(&format!("sk_live_{}", "Ab1".repeat(9))).is_some());
        assert!(token_shape("sk_test_abc").is_none());
        // Every shape's first byte passes the position filter.
        assert!(token_shape(&format!("x github_pat_{}", "A_1".repeat(8))).is_some());
        assert!(token_shape(&format!("glpat-{}", "a-1_".repeat(5))).is_some());
        assert!(token_shape(&format!("(rk_live_{})", "Ab1".repeat(8))).is_some());
        assert!(token_shape(&format!("ASIA{}", "Z7QWERTYUIOPASDF")).is_some());
        assert!(url_password("postgres://app:s3cret@db:5432/app"));
        assert!(!url_password("redis://redis:6379"));
        assert!(!url_password("postgres://app:${PW}@db/app"));
    }

    #[test]
    fn flags_terraform_literal_password() {
        let f = check(
            &HardcodedSecret,
            &[(
                "main.tf",
                "resource \"aws_db_instance\" \"primary\" {\n  engine   = \"postgres\"\n  password = \"phoenix123\"\n}\nvariable \"api_token\" {\n  default = \"tok-1234567\"\n}\nresource \"aws_ecs_task_definition\" \"t\" {\n  container_definitions = jsonencode([{ name = \"app\", environment = [{ name = \"JWT_SECRET\", value = \"abc123def\" }] }])\n}\n",
            ), ("prod.tfvars", "region = \"eu-west-1\"\ndb_password = \"hunter22\"\n")],
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(f
            .iter()
            .any(|f| f.file.as_deref() == Some("prod.tfvars") && f.line == Some(2)));
        assert!(f
            .iter()
            .any(|f| f.line == Some(3) && !f.message.contains("phoenix123")));
    }

    #[test]
    fn terraform_references_pass() {
        let f = check(
            &HardcodedSecret,
            &[(
                "main.tf",
                "variable \"db_password\" {\n  sensitive = true\n}\nresource \"random_password\" \"db\" {\n  length = 32\n}\nresource \"aws_db_instance\" \"a\" {\n  manage_master_user_password = true\n}\nresource \"aws_db_instance\" \"b\" {\n  password = var.db_password\n}\nresource \"aws_secretsmanager_secret_version\" \"v\" {\n  secret_id     = \"x\"\n  secret_string = random_password.db.result\n}\nresource \"aws_ssm_parameter\" \"p\" {\n  name  = \"/app/JWT_SECRET\"\n  type  = \"SecureString\"\n  value = var.db_password\n}\n",
            )],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn dockerfile_env_and_configmap() {
        let f = check(
            &HardcodedSecret,
            &[
                ("Dockerfile", "ARG NPM_TOKEN\nFROM node:20\nENV NODE_ENV=production API_KEY=abc123456\nARG GITHUB_TOKEN=${GITHUB_TOKEN}\n"),
                ("k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  LOG_LEVEL: info\n  SMTP_PASSWORD: mailpass1\n"),
            ],
        );
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 2, "{msgs:?}");
        assert!(f
            .iter()
            .any(|f| f.file.as_deref() == Some("Dockerfile") && f.line == Some(3)));
        assert!(f
            .iter()
            .any(|f| f.file.as_deref() == Some("k8s/cm.yaml") && f.line == Some(6)));
    }

    #[test]
    fn compose_and_kubernetes_env() {
        let f = check(
            &HardcodedSecret,
            &[
                (
                    "docker-compose.yml",
                    "services:\n  api:\n    image: api:1\n    environment:\n      - NODE_ENV=production\n      - JWT_SECRET=supersecretvalue\n      - DB_PASSWORD=${DB_PASSWORD}\n      - REDIS_URL=redis://redis:6379\n      - DATABASE_URL=postgres://app:hunter22@db/app\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}\n      POSTGRES_USER: app\n",
                ),
                (
                    "k8s/app.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n            - name: API_KEY\n              value: k-1234567890\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: hunter2\n",
                ),
            ],
        );
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 4, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("JWT_SECRET")));
        assert!(msgs.iter().any(|m| m.contains("DATABASE_URL")));
        assert!(msgs.iter().any(|m| m.contains("API_KEY")));
        assert!(msgs.iter().any(|m| m.contains("Secret `db`")));
    }

    #[test]
    fn workflow_env_literals_are_reported_and_secret_refs_are_not() {
        let wf = "on: push\nenv:\n  API_TOKEN: s3cr3tValue99\n  REGION: us-east-1\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n    steps:\n      - uses: some/action@v1\n        with:\n          password: hunter2hunter2\n          gh: ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
        let f = check(&HardcodedSecret, &[(".github/workflows/ci.yml", wf)]);
        let lines: Vec<_> = f.iter().filter_map(|f| f.line).collect();
        assert!(lines.contains(&3) && lines.contains(&13), "{f:?}");
        assert!(!lines.contains(&4) && !lines.contains(&9), "{f:?}");
    }
}
