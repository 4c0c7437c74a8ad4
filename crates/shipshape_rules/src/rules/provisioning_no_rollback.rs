use super::script_support::{script_evidence, script_name, CommandKeys};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{Command, Script, ScriptRole, Status};

declare_rule! {
    /// ### What it finds
    /// A script that runs `terraform apply` (or `tofu`/`terragrunt`) with no
    /// failure handling: its exit status is not tested (`|| rollback`,
    /// `if …; then`, `$?`), and no `trap … ERR`/`EXIT` records, rolls back
    /// or alerts. `set -e` alone stops the script, but leaves the
    /// half-applied infrastructure and nobody told.
    ///
    /// ### Why it matters
    /// An apply that fails half-way leaves resources created, a customer
    /// half-provisioned and a state nobody looked at; the next run starts
    /// from there. Automation must notice, record and undo or escalate.
    ///
    /// ### How to fix
    /// ```bash
    /// set -euo pipefail
    /// trap 'notify "provisioning $DOMAIN failed at line $LINENO"; terraform destroy -auto-approve' ERR
    /// if ! terraform apply -auto-approve -var "domain=$DOMAIN"; then
    ///   notify "apply failed for $DOMAIN"; exit 1
    /// fi
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: status checks, a trap, an alert hook.
    pub struct ProvisioningNoRollback {
        name: "provisioning-no-rollback",
        code: "REL012",
        category: Reliability,
        severity: High,
        effort: (2, 4),
    }
}

impl Rule for ProvisioningNoRollback {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let mut keys = CommandKeys::default();
        // CI steps show failures in the pipeline UI: the rule is about
        // scripts people or automation run by hand.
        for s in cx
            .repo
            .scripts
            .iter()
            .filter(|s| s.role != ScriptRole::CiStep)
        {
            let trapped = has_failure_trap(s);
            for c in s.commands.iter().filter(|c| is_apply(c)) {
                if c.status == Status::Explicit || trapped {
                    continue;
                }
                let why = if c.status == Status::Errexit {
                    "`set -e` stops the script but nothing rolls back, records or alerts"
                } else {
                    "its exit status is never checked and no trap handles failure"
                };
                let message = format!(
                    "{} runs `{} apply` unattended: {why}",
                    script_name(s),
                    c.program
                );
                let key = keys.key(s, c);
                cx.report(script_evidence(s, c.span(), key, message));
            }
        }
    }
}

/// `terraform apply`, `tofu apply`, `terragrunt apply|run-all apply`.
fn is_apply(c: &Command) -> bool {
    matches!(c.program.as_str(), "terraform" | "tofu" | "terragrunt")
        && c.args().iter().any(|a| a == "apply")
}

/// A trap on ERR or EXIT (or the usual fatal signals) with an action.
fn has_failure_trap(s: &Script) -> bool {
    s.traps.iter().any(|t| {
        t.action != "-"
            && !t.action.is_empty()
            && t.signals
                .iter()
                .any(|sig| sig == "ERR" || sig == "EXIT" || sig == "0")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn flags_unchecked_apply() {
        let f = check(
            &ProvisioningNoRollback,
            &[("automation/provision.sh", "#!/bin/bash\nDOMAIN=$1\nterraform init\nterraform apply -auto-approve -var \"d=$DOMAIN\"\necho done\n")],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(4));
    }

    #[test]
    fn errexit_without_trap_is_still_flagged() {
        let f = check(
            &ProvisioningNoRollback,
            &[(
                "p.sh",
                "#!/bin/bash\nset -euo pipefail\nterraform -chdir=env/prod apply -auto-approve\n",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("set -e"));
    }

    #[test]
    fn handled_failures_pass() {
        let f = check(
            &ProvisioningNoRollback,
            &[
                ("a.sh", "#!/bin/bash\nterraform apply -auto-approve || rollback\n"),
                ("b.sh", "#!/bin/bash\nset -e\ntrap 'alert failed' ERR\nterraform apply -auto-approve\n"),
                ("c.sh", "#!/bin/bash\nif ! terraform apply -auto-approve; then\n  terraform destroy -auto-approve\nfi\n"),
                ("d.sh", "#!/bin/bash\nterraform apply -auto-approve\nif [ $? -ne 0 ]; then notify; fi\n"),
                ("e.sh", "#!/bin/bash\nterraform plan -out plan.tfplan\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
