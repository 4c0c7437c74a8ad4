use crate::aws::ingress_rules;
use crate::support::tf_key;
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_model::Evidence;

declare_rule! {
    /// ### What it finds
    /// A security group permission that opens TCP port 22 to `0.0.0.0/0` or
    /// `::/0` (`ingress` blocks, `aws_security_group_rule`, and
    /// `aws_vpc_security_group_ingress_rule`; "all traffic" counts).
    ///
    /// ### Why it matters
    /// An SSH port open to the internet is scanned within minutes and
    /// brute-forced all day; one weak key or an sshd vulnerability is a root
    /// shell on the server.
    ///
    /// ### How to fix
    /// Reach the instance through SSM Session Manager and drop the rule, or
    /// limit it to a known range:
    /// ```hcl
    /// ingress {
    ///   description = "SSH from the office VPN"
    ///   from_port   = 22
    ///   to_port     = 22
    ///   protocol    = "tcp"
    ///   cidr_blocks = [var.admin_cidr]
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–4 hours: SSM agent and IAM permissions if nobody used them before.
    pub struct SgSshOpenWorld {
        name: "sg-ssh-open-world",
        code: "SEC003",
        category: Security,
        severity: High,
        effort: (1, 4),
    }
}

impl Rule for SgSshOpenWorld {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        for rule in ingress_rules(&cx.repo.terraform) {
            match (rule.covers_port(22.0), rule.open_to_world()) {
                (Some(true), Some(true)) => cx.report(Evidence {
                    file: Some(rule.res.file().to_string()),
                    lines: Some(rule.lines),
                    resource: Some(rule.res.address.clone()),
                    key: format!("{}::22", tf_key(rule.res)),
                    message: format!(
                        "`{}` allows SSH (port 22) from the whole internet",
                        rule.res.address
                    ),
                    remediation: None,
                }),
                (Some(false), _) | (_, Some(false)) => {}
                _ => cx.unevaluated(
                    Some(rule.res.file()),
                    Some(rule.lines.start),
                    format!(
                        "`{}`: ports or source CIDRs are not known statically",
                        rule.res.address
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn points_at_the_ssh_ingress_block() {
        let tf = "resource \"aws_security_group\" \"s\" {\n  ingress {\n    from_port   = 443\n    to_port     = 443\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
        let f = check(&SgSshOpenWorld, &[("main.tf", tf)]);
        assert_eq!((f.len(), f[0].line, f[0].end_line), (1, Some(8), Some(13)));
    }

    #[test]
    fn restricted_cidr_udp_and_rule_resources() {
        let ok = "resource \"aws_security_group\" \"s\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n  ingress {\n    from_port   = 0\n    to_port     = 65535\n    protocol    = \"udp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
        assert!(check(&SgSshOpenWorld, &[("main.tf", ok)]).is_empty());
        let bad = "resource \"aws_vpc_security_group_ingress_rule\" \"r\" {\n  ip_protocol = \"-1\"\n  cidr_ipv4   = \"0.0.0.0/0\"\n}\n";
        assert_eq!(check(&SgSshOpenWorld, &[("main.tf", bad)]).len(), 1);
    }
}
