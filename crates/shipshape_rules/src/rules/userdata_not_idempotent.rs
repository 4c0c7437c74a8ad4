use super::script_support::{script_evidence, script_key, script_name};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{Command, Script, Status};
use shipshape_model::LineSpan;

declare_rule! {
    /// ### What it finds
    /// Instance user data with neither a first-boot guard (a marker file
    /// test such as `[ -f /var/lib/bootstrap.done ] && exit 0`, or
    /// `cloud-init-per`) nor logging of its own output
    /// (`exec > >(tee -a /var/log/bootstrap.log) 2>&1`).
    ///
    /// ### Why it matters
    /// When the script runs again (a re-run by hand, a `user_data` change on
    /// a launch template, per-boot cloud-init settings) it re-installs over
    /// a live system; when it dies half-way nothing records how far it got,
    /// and `/var/log/cloud-init-output.log` is all there is.
    ///
    /// ### How to fix
    /// ```bash
    /// #!/bin/bash
    /// set -euo pipefail
    /// exec > >(tee -a /var/log/bootstrap.log | logger -t bootstrap) 2>&1
    /// MARKER=/var/lib/bootstrap/done
    /// [ -f "$MARKER" ] && { echo "already bootstrapped"; exit 0; }
    /// # ... install ...
    /// mkdir -p "$(dirname "$MARKER")" && touch "$MARKER"
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours.
    pub struct UserdataNotIdempotent {
        name: "userdata-not-idempotent",
        code: "REL009",
        category: Reliability,
        severity: High,
        effort: (1, 2),
    }
}

impl Rule for UserdataNotIdempotent {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for s in cx
            .repo
            .scripts
            .iter()
            .filter(|s| s.user_data_of().is_some())
        {
            if s.commands.is_empty() || has_first_boot_guard(s) || logs_own_output(s) {
                continue;
            }
            let message = format!(
                "{} has no first-boot guard (marker file, cloud-init-per) and does not log its own output: a re-run or a half-finished run goes unnoticed",
                script_name(s)
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

/// A marker-file test whose result is acted on (with an `exit`/`touch`
/// somewhere), or cloud-init's once-per-instance helpers.
fn has_first_boot_guard(s: &Script) -> bool {
    let tested: Vec<&str> = s
        .commands
        .iter()
        .filter(|c| is_file_test(c) && c.status == Status::Explicit)
        .filter_map(|c| {
            c.args()
                .iter()
                .rev()
                .find(|a| !a.starts_with('-') && *a != "!" && *a != "]")
        })
        .map(String::as_str)
        .collect();
    let acts = s.commands.iter().any(|c| {
        matches!(c.program.as_str(), "exit" | "touch")
            || c.redirects
                .iter()
                .any(|r| tested.contains(&r.target.as_str()))
    });
    (!tested.is_empty() && acts)
        || s.commands.iter().any(|c| {
            c.program == "cloud-init-per"
                || c.args()
                    .iter()
                    .any(|a| a.contains("/var/lib/cloud/instance"))
        })
}

/// `[ -f x ]`, `[[ -e x ]]`, `test -d x`.
fn is_file_test(c: &Command) -> bool {
    matches!(c.program.as_str(), "[" | "[[" | "test")
        && c.args()
            .iter()
            .any(|a| matches!(a.as_str(), "-f" | "-e" | "-d" | "-s"))
}

/// `exec > >(tee …)`, `exec >> /var/log/x 2>&1`, or most top-level
/// commands appending their output to a log.
fn logs_own_output(s: &Script) -> bool {
    let exec_redirect = s.commands.iter().any(|c| {
        c.program == "exec"
            && c.args().is_empty()
            && c.redirects.iter().any(|r| {
                (r.op.contains('>')) && !r.target.starts_with('&') && r.target != "/dev/null"
            })
    });
    if exec_redirect {
        return true;
    }
    let work: Vec<&Command> = s
        .commands
        .iter()
        .filter(|c| {
            c.function.is_none()
                && !c.substitution
                && !matches!(
                    c.program.as_str(),
                    "echo" | "printf" | "cd" | "export" | "local" | "[" | "[[" | "set" | "exit"
                )
                && !s.functions.iter().any(|f| f.name == c.program)
        })
        .collect();
    let logged = work
        .iter()
        .filter(|c| {
            c.redirects
                .iter()
                .any(|r| r.op.contains(">>") && is_log_target(&r.target))
                || s.pipeline_of(c)
                    .iter()
                    .any(|n| n.program == "tee" || n.program == "logger")
        })
        .count();
    !work.is_empty() && logged * 2 >= work.len()
}

fn is_log_target(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    lower.contains("/var/log/") || lower.contains("log")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const TF: &str = "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = file(\"${path.module}/user-data.sh\")\n}\n";

    #[test]
    fn flags_bare_user_data() {
        let f = check(
            &UserdataNotIdempotent,
            &[
                ("infra/main.tf", TF),
                (
                    "infra/user-data.sh",
                    "#!/bin/bash\nyum update -y\nyum install -y docker\ndocker-compose up -d\n",
                ),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file.as_deref(), Some("infra/user-data.sh"));
        assert_eq!(f[0].line, Some(1));
    }

    #[test]
    fn marker_guard_or_logging_passes() {
        let guard = "#!/bin/bash\n[ -f /var/lib/bootstrap.done ] && exit 0\nyum install -y docker\ntouch /var/lib/bootstrap.done\n";
        let guard_if = "#!/bin/bash\nif [ ! -f /var/lib/done ]; then\n  yum install -y docker\n  touch /var/lib/done\nfi\n";
        let logging =
            "#!/bin/bash\nexec > >(tee -a /var/log/user-data.log) 2>&1\nyum install -y docker\n";
        let per = "#!/bin/bash\ncloud-init-per instance docker yum install -y docker\n";
        for script in [guard, guard_if, logging, per] {
            let f = check(
                &UserdataNotIdempotent,
                &[("infra/main.tf", TF), ("infra/user-data.sh", script)],
            );
            assert!(f.is_empty(), "{script}: {f:?}");
        }
    }

    #[test]
    fn inline_heredoc_user_data_points_at_the_tf_lines() {
        let tf = "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = <<-EOF\n    #!/bin/bash\n    yum install -y nginx\n  EOF\n}\n";
        let f = check(&UserdataNotIdempotent, &[("main.tf", tf)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].file.as_deref(), Some("main.tf"));
        assert_eq!(f[0].line, Some(4));
    }
}
