use super::script_support::{ops_scripts, script_evidence, script_key, script_name};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{Script, ShellOption};
use shipshape_model::LineSpan;

declare_rule! {
    /// ### What it finds
    /// A provisioning or operations shell script (instance user data, or a
    /// script that runs terraform, aws, kubectl, ssh, docker, package
    /// managers…) that does not turn on errexit, nounset and pipefail
    /// (`set -euo pipefail`, or the same flags on the shebang line).
    /// Scripts run by `/bin/sh` need errexit and nounset only.
    ///
    /// ### Why it matters
    /// Without errexit a failed step is ignored and the script goes on to
    /// act on a half-built system; without nounset an unset variable expands
    /// to nothing (`rm -rf "$DIR/"`); without pipefail `curl … | tar x`
    /// "succeeds" when the download failed.
    ///
    /// ### How to fix
    /// ```bash
    /// #!/usr/bin/env bash
    /// set -euo pipefail
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours per script: add the line, then fix what it reveals
    /// (unset variables, commands expected to fail: `cmd || true`).
    pub struct ShellNoStrictMode {
        name: "shell-no-strict-mode",
        code: "OPS004",
        category: Operations,
        severity: Medium,
        effort: (1, 2),
    }
}

impl Rule for ShellNoStrictMode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for s in ops_scripts(&cx.repo.scripts) {
            // A library of functions meant to be sourced gets its options
            // from the script that sources it.
            if s.commands.iter().all(|c| c.function.is_some()) {
                continue;
            }
            let posix_sh = s.shebang.as_deref().is_some_and(is_posix_sh);
            let opts = s.final_options();
            let mut missing = Vec::new();
            if !opts.errexit {
                missing.push("errexit (-e)");
            }
            if !opts.nounset {
                missing.push("nounset (-u)");
            }
            if !opts.pipefail && !posix_sh {
                missing.push("pipefail (-o pipefail)");
            }
            if missing.is_empty() {
                continue;
            }
            let (lines, what) = match last_set_line(s) {
                Some(line) => (LineSpan::line(line), "its `set` line leaves out"),
                None => (LineSpan::line(s.span.start), "it never sets"),
            };
            let message = format!(
                "{} runs without strict mode: {what} {}",
                script_name(s),
                missing.join(", ")
            );
            cx.report(script_evidence(s, lines, script_key(s), message));
        }
    }
}

/// `#!/bin/sh` (dash, busybox): pipefail is not portable there.
fn is_posix_sh(shebang: &str) -> bool {
    let words: Vec<&str> = shebang
        .trim_start_matches("#!")
        .split_whitespace()
        .collect();
    let program = match words.first() {
        Some(p) if p.ends_with("/env") => words.get(1).copied().unwrap_or(""),
        Some(p) => p,
        None => "",
    };
    matches!(program.rsplit('/').next(), Some("sh" | "dash" | "ash"))
}

/// The last top-level line of the script itself that sets one of the
/// three options (the incomplete `set` line), if any.
fn last_set_line(s: &Script) -> Option<u32> {
    s.sets
        .iter()
        .filter(|c| c.scope == 0 && c.top_level && c.on)
        .filter(|c| {
            matches!(
                c.option,
                ShellOption::Errexit | ShellOption::Nounset | ShellOption::Pipefail
            )
        })
        .map(|c| c.line)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_provisioning_script_without_set() {
        let f = check(
            &ShellNoStrictMode,
            &[(
                "ops/provision.sh",
                "#!/bin/bash\n# Provision\nterraform init\nterraform apply -auto-approve\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].end_line), (Some(1), Some(1)));
        assert!(f[0].message.contains("pipefail"), "{}", f[0].message);
    }

    #[test]
    fn incomplete_set_line_is_the_evidence() {
        let f = check(
            &ShellNoStrictMode,
            &[("dr/failover.sh", "#!/bin/bash\n# Fail over\nset -e\naws rds promote-read-replica --db-instance-identifier x\n")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(3));
        assert!(f[0].message.contains("nounset") && !f[0].message.contains("errexit"));
    }

    #[test]
    fn strict_mode_after_comments_passes() {
        let f = check(
            &ShellNoStrictMode,
            &[
                (
                    "a.sh",
                    "#!/bin/bash\n# comment\n# another\nset -euo pipefail\nkubectl apply -f k8s/\n",
                ),
                (
                    "b.sh",
                    "#!/bin/bash -eu\nset -o pipefail\naws s3 sync . s3://x\n",
                ),
                ("c.sh", "#!/bin/sh\nset -eu\ndocker compose pull\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn plain_build_scripts_and_libraries_are_not_operations() {
        let f = check(
            &ShellNoStrictMode,
            &[
                (
                    "scripts/lint.sh",
                    "#!/bin/bash\neslint .\nprettier --check .\n",
                ),
                (
                    "lib/common.sh",
                    "log() { echo \"$*\"; }\ndeploy() { kubectl apply -f x; }\n",
                ),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn user_data_script_is_checked() {
        let f = check(
            &ShellNoStrictMode,
            &[
                ("main.tf", "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = file(\"${path.module}/boot.sh\")\n}\n"),
                ("boot.sh", "#!/bin/bash\necho hello > /tmp/x\n"),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource.as_deref(), Some("aws_instance.a"));
    }
}
