use super::script_support::{ops_scripts, script_evidence, script_name, CommandKeys};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{Command, Script};

declare_rule! {
    /// ### What it finds
    /// A download in a provisioning script or user data — `curl` that
    /// writes a file (`-o`, `-O`, a redirect) or feeds a pipe, or `wget` —
    /// without retries: no `curl --retry N`, no `wget --tries N`, and not
    /// inside a retry loop (`for i in 1 2 3; do … && break; sleep 5; done`,
    /// `until curl …`) or a `retry` function.
    ///
    /// ### Why it matters
    /// Mirrors, GitHub releases and package CDNs fail transiently every
    /// day. A single failed download in a bootstrap leaves a half-built
    /// instance, often without anyone noticing.
    ///
    /// ### How to fix
    /// ```bash
    /// curl -fsSL --retry 5 --retry-all-errors --retry-delay 2 -o /tmp/pkg.tgz "$URL"
    /// wget --tries=5 --waitretry=2 "$URL"
    /// ```
    ///
    /// ### Effort
    /// Under an hour: flags on each download.
    pub struct ShellDownloadNoRetry {
        name: "shell-download-no-retry",
        code: "OPS005",
        category: Operations,
        severity: Low,
        effort: (0, 1),
    }
}

impl Rule for ShellDownloadNoRetry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let mut keys = CommandKeys::default();
        for s in ops_scripts(&cx.repo.scripts) {
            for c in &s.commands {
                if !is_download(s, c) || has_retry(c) || s.in_retry(c) {
                    continue;
                }
                let key = keys.key(s, c);
                let message = format!(
                    "{} downloads with `{}` without retries (line {}): one transient network error fails the run",
                    script_name(s),
                    c.program,
                    c.line
                );
                cx.report(script_evidence(s, c.span(), key, message));
            }
        }
    }
}

/// `wget` (not `--spider`), or `curl` that saves or pipes what it fetches.
fn is_download(s: &Script, c: &Command) -> bool {
    match c.program.as_str() {
        "wget" => !c.has_flag("--spider"),
        "curl" => {
            let saves = c.has_flag("-o")
                || c.has_flag("--output")
                || c.has_flag("-O")
                || c.has_flag("--remote-name")
                || c.has_flag("--remote-name-all")
                || c.args().iter().any(|a| {
                    a.starts_with('-')
                        && !a.starts_with("--")
                        && (a.contains('o') || a.contains('O'))
                })
                || c.redirects.iter().any(|r| {
                    r.op.ends_with('>') && !r.target.starts_with('&') && r.target != "/dev/null"
                });
            // Piped into something that installs or unpacks it.
            let piped = c.pipeline.is_some_and(|p| {
                s.pipeline_of(c).iter().any(|n| {
                    n.pipeline.is_some_and(|q| q.index == p.index + 1)
                        && CONSUMERS.contains(&n.program.as_str())
                })
            });
            saves || piped
        }
        _ => false,
    }
}

/// Programs that make a piped `curl` a download.
const CONSUMERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "tar", "gunzip", "gzip", "unzip", "bsdtar", "python", "python3",
    "perl", "tee", "dd", "rpm", "apt-key", "gpg", "dpkg", "install",
];

fn has_retry(c: &Command) -> bool {
    match c.program.as_str() {
        "curl" => c.has_flag("--retry") || c.has_flag("--retry-all-errors"),
        "wget" => {
            c.has_flag("--tries")
                || c.args().iter().any(|a| {
                    a == "-t"
                        || (a.starts_with("-t")
                            && a[2..].chars().all(|d| d.is_ascii_digit())
                            && a.len() > 2)
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const TF: &str = "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = file(\"${path.module}/boot.sh\")\n}\n";

    #[test]
    fn flags_downloads_without_retry() {
        let f = check(
            &ShellDownloadNoRetry,
            &[
                ("main.tf", TF),
                ("boot.sh", "#!/bin/bash\ncd /home\nwget -N https://example.com/latest\ncurl -fsSL https://get.example.com | sh\n"),
            ],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].line, Some(3));
        assert_eq!(f[1].line, Some(4));
    }

    #[test]
    fn retries_and_retry_loops_pass() {
        let f = check(
            &ShellDownloadNoRetry,
            &[
                ("main.tf", TF),
                (
                    "boot.sh",
                    "#!/bin/bash\n\
                     curl -fsSL --retry 5 -o /tmp/a https://x/a\n\
                     wget --tries=3 https://x/b\n\
                     wget -t 4 https://x/c\n\
                     for i in 1 2 3; do curl -fsSL -o /tmp/d https://x/d && break; done\n\
                     until curl -fsS -o /tmp/e https://x/e; do sleep 2; done\n\
                     retry() { for n in $(seq 5); do \"$@\" && return 0; sleep 3; done; return 1; }\n\
                     retry curl -o /tmp/f https://x/f\n\
                     curl -s http://169.254.169.254/latest/meta-data/instance-id\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn plain_scripts_are_not_provisioning() {
        let f = check(
            &ShellDownloadNoRetry,
            &[(
                "scripts/fetch-fixtures.sh",
                "#!/bin/bash\ncurl -o fixtures.json https://x/f\n",
            )],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
