use super::script_support::{script_evidence, script_key};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{static_text_of_sed_replacements, Command, Script};
use shipshape_loaders::terraform::{Resource, Value};
use shipshape_loaders::Repository;
use shipshape_model::LineSpan;

declare_rule! {
    /// ### What it finds
    /// An instance reachable over SSH (a `key_name`, or a security group
    /// open on port 22) whose user data never sets `PasswordAuthentication
    /// no` and `PermitRootLogin no` (or `prohibit-password`) in
    /// `sshd_config` / `sshd_config.d`, and installs no brute-force
    /// protection (fail2ban, sshguard, CrowdSec).
    ///
    /// ### Why it matters
    /// Images and control panels (cPanel enables password logins) ship
    /// with permissive defaults; an internet-facing sshd then takes
    /// thousands of password guesses a day against root.
    ///
    /// ### How to fix
    /// ```bash
    /// cat > /etc/ssh/sshd_config.d/10-hardening.conf <<'EOF'
    /// PasswordAuthentication no
    /// PermitRootLogin prohibit-password
    /// EOF
    /// systemctl reload sshd
    /// dnf install -y fail2ban && systemctl enable --now fail2ban
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours, plus a golden image to make it stick.
    pub struct SshNotHardened {
        name: "ssh-not-hardened",
        code: "SEC002",
        category: Security,
        severity: High,
        effort: (1, 2),
    }
}

const BRUTE_FORCE_GUARDS: &[&str] = &["fail2ban", "sshguard", "crowdsec"];

impl Rule for SshNotHardened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let repo = cx.repo;
        for s in repo.scripts.iter() {
            let Some((address, root_dir)) = s.user_data_of() else {
                continue;
            };
            let Some(res) = repo.terraform.resource(root_dir, address) else {
                continue;
            };
            if !reachable_by_ssh(repo, res) {
                continue;
            }
            let cfg = sshd_settings(s);
            let no_passwords = cfg
                .iter()
                .any(|l| setting_is(l, "passwordauthentication", &["no"]));
            let no_root = cfg.iter().any(|l| {
                setting_is(
                    l,
                    "permitrootlogin",
                    &["no", "prohibit-password", "without-password"],
                )
            });
            let guarded = s.commands.iter().any(|c| {
                c.words.iter().any(|w| {
                    BRUTE_FORCE_GUARDS
                        .iter()
                        .any(|g| w.to_ascii_lowercase().contains(g))
                })
            });
            if (no_passwords && no_root) || guarded {
                continue;
            }
            let mut missing = Vec::new();
            if !no_passwords {
                missing.push("`PasswordAuthentication no`");
            }
            if !no_root {
                missing.push("`PermitRootLogin prohibit-password`");
            }
            let message = format!(
                "`{address}` accepts SSH but its user data never sets {} and installs no fail2ban/sshguard: sshd keeps the image defaults",
                missing.join(" or ")
            );
            cx.report(script_evidence(
                s,
                LineSpan::line(s.span.start),
                script_key(s),
                message,
            ));
        }
    }
}

/// `key_name` set (even to an unknown value), or an attached security
/// group with an ingress rule covering port 22.
fn reachable_by_ssh(repo: &Repository, inst: &Resource) -> bool {
    if inst.block.attr("key_name").is_some() {
        return true;
    }
    let tf = &repo.terraform;
    tf.referenced_by(inst)
        .filter(|sg| sg.rtype == "aws_security_group")
        .any(|sg| {
            let inline = sg
                .get(&["ingress"])
                .and_then(Value::as_list)
                .is_some_and(|rules| rules.iter().any(covers_ssh));
            let separate = tf.referrers(sg).any(|r| {
                (r.rtype == "aws_vpc_security_group_ingress_rule"
                    || (r.rtype == "aws_security_group_rule"
                        && r.get(&["type"]).and_then(Value::as_str) == Some("ingress")))
                    && covers_ssh(r.values())
            });
            inline || separate
        })
}

/// An ingress rule (object) whose port range includes 22 (or all ports).
fn covers_ssh(rule: &Value) -> bool {
    let proto = rule
        .get("protocol")
        .or(rule.get("ip_protocol"))
        .and_then(Value::as_str)
        .unwrap_or("tcp");
    if proto == "-1" || proto == "all" {
        return true;
    }
    let from = rule.get("from_port").and_then(Value::as_f64);
    let to = rule.get("to_port").and_then(Value::as_f64);
    match (from, to) {
        (Some(f), Some(t)) => f <= 22.0 && 22.0 <= t,
        _ => false,
    }
}

/// The lines the script writes into sshd configuration: `sed` expressions
/// on `sshd_config`, `echo`/`printf` redirected or piped (`tee`) into it,
/// heredocs written to it.
fn sshd_settings(s: &Script) -> Vec<String> {
    let mut out = Vec::new();
    for c in &s.commands {
        if c.program == "sed" && c.args().iter().any(|a| is_sshd_path(a)) {
            for expr in sed_expressions(c) {
                out.extend(
                    static_text_of_sed_replacements(&expr)
                        .into_iter()
                        .map(|(_, r)| r),
                );
            }
        }
        let into_sshd = writes_sshd(c)
            || s.pipeline_of(c).iter().any(|n| {
                n.pipeline
                    .zip(c.pipeline)
                    .is_some_and(|(a, b)| a.index > b.index)
                    && writes_sshd(n)
            });
        if into_sshd {
            if matches!(c.program.as_str(), "echo" | "printf") {
                let text: Vec<&str> = c
                    .args()
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(String::as_str)
                    .collect();
                out.extend(
                    text.join(" ")
                        .replace("\\n", "\n")
                        .lines()
                        .map(str::to_string),
                );
            }
            if let Some(h) = c.heredoc.and_then(|h| s.heredocs.get(h)) {
                out.extend(h.body.lines().map(str::to_string));
            }
        }
    }
    out
}

/// `sed -i -e EXPR -e EXPR file` / `sed -i EXPR file`: the expressions.
fn sed_expressions(c: &Command) -> Vec<String> {
    let mut exprs = Vec::new();
    let mut it = c.args().iter();
    let mut positional = Vec::new();
    while let Some(a) = it.next() {
        if a == "-e" || a == "--expression" {
            if let Some(e) = it.next() {
                exprs.push(e.clone());
            }
        } else if let Some(e) = a.strip_prefix("--expression=") {
            exprs.push(e.to_string());
        } else if !a.starts_with('-') {
            positional.push(a.clone());
        }
    }
    if exprs.is_empty() {
        exprs.extend(positional.into_iter().take(1));
    }
    exprs
}

fn is_sshd_path(p: &str) -> bool {
    p.contains("sshd_config")
}

/// The command writes into sshd configuration (redirect or `tee` target).
fn writes_sshd(c: &Command) -> bool {
    c.redirects
        .iter()
        .any(|r| r.op.contains('>') && is_sshd_path(&r.target))
        || (c.program == "tee" && c.args().iter().any(|a| is_sshd_path(a)))
}

/// `Keyword value` (case-insensitive keyword, first value word).
fn setting_is(line: &str, keyword: &str, values: &[&str]) -> bool {
    let mut words = line.split_whitespace();
    let (Some(k), Some(v)) = (words.next(), words.next()) else {
        return false;
    };
    k.eq_ignore_ascii_case(keyword) && values.iter().any(|x| v.eq_ignore_ascii_case(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const TF: &str = "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  key_name = \"ops\"\n  user_data = file(\"${path.module}/boot.sh\")\n}\n";

    #[test]
    fn flags_instance_with_default_sshd() {
        let f = check(
            &SshNotHardened,
            &[
                ("main.tf", TF),
                ("boot.sh", "#!/bin/bash\nyum install -y httpd\n"),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file.as_deref(), Some("boot.sh"));
        assert_eq!(f[0].resource.as_deref(), Some("aws_instance.a"));
    }

    #[test]
    fn only_half_hardened_is_flagged() {
        let boot = "#!/bin/bash\nsed -i 's/^#\\?PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config\n";
        let f = check(&SshNotHardened, &[("main.tf", TF), ("boot.sh", boot)]);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("PermitRootLogin"));
    }

    #[test]
    fn hardening_or_fail2ban_passes() {
        let sed = "#!/bin/bash\nsed -i -e 's/^#\\?PasswordAuthentication.*/PasswordAuthentication no/' -e 's/^#\\?PermitRootLogin.*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config\nsystemctl reload sshd\n";
        let heredoc = "#!/bin/bash\ncat <<'EOF' | sudo tee /etc/ssh/sshd_config.d/10-hardening.conf\nPasswordAuthentication no\nPermitRootLogin no\nEOF\n";
        let echo = "#!/bin/bash\necho 'PasswordAuthentication no' >> /etc/ssh/sshd_config\necho \"PermitRootLogin no\" | tee -a /etc/ssh/sshd_config\n";
        let f2b = "#!/bin/bash\napt-get install -y fail2ban\n";
        for boot in [sed, heredoc, echo, f2b] {
            let f = check(&SshNotHardened, &[("main.tf", TF), ("boot.sh", boot)]);
            assert!(f.is_empty(), "{boot}: {f:?}");
        }
    }

    #[test]
    fn instance_without_ssh_access_is_not_flagged() {
        let tf = "resource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n\
                  resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  vpc_security_group_ids = [aws_security_group.web.id]\n  user_data = file(\"${path.module}/boot.sh\")\n}\n";
        let f = check(
            &SshNotHardened,
            &[
                ("main.tf", tf),
                ("boot.sh", "#!/bin/bash\nyum install -y httpd\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let open = tf.replace("443", "22");
        let f = check(
            &SshNotHardened,
            &[
                ("main.tf", &open),
                ("boot.sh", "#!/bin/bash\nyum install -y httpd\n"),
            ],
        );
        assert_eq!(f.len(), 1);
    }
}
