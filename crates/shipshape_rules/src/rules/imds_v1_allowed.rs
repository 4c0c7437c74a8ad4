use crate::support::{describe_unknown, tf_evidence};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::Value;

declare_rule! {
    /// ### What it finds
    /// An `aws_instance`, `aws_launch_template` or `aws_launch_configuration`
    /// that does not require IMDSv2: no `metadata_options` block with
    /// `http_tokens = "required"` (or the endpoint disabled).
    ///
    /// ### Why it matters
    /// IMDSv1 answers any GET from the instance. A server-side request
    /// forgery in the application is then enough to read the instance role's
    /// credentials, as in the Capital One breach.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_instance" "api" {
    ///   # ...
    ///   metadata_options {
    ///     http_endpoint               = "enabled"
    ///     http_tokens                 = "required"
    ///     http_put_response_hop_limit = 1
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 1–2 hours: check that the SDKs on the box are recent enough (all
    /// current AWS SDKs and the CLI speak IMDSv2).
    pub struct ImdsV1Allowed {
        name: "imds-v1-allowed",
        code: "SEC007",
        category: Security,
        severity: Medium,
        effort: (1, 2),
    }
}

impl Rule for ImdsV1Allowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        for t in [
            "aws_instance",
            "aws_launch_template",
            "aws_launch_configuration",
        ] {
            for res in tf.resources_of(t) {
                let endpoint = res.get(&["metadata_options", "http_endpoint"]);
                if endpoint.and_then(Value::as_str) == Some("disabled") {
                    continue;
                }
                match res.get(&["metadata_options", "http_tokens"]) {
                    Some(v) if v.as_str() == Some("required") => {}
                    Some(v) if !v.is_known() => cx.unevaluated(
                        Some(res.file()),
                        Some(res.block.span.start),
                        format!("`{}` http_tokens: {}", res.address, describe_unknown(v)),
                    ),
                    _ => cx.report(tf_evidence(
                        res,
                        &[],
                        format!(
                            "`{}` allows IMDSv1: metadata_options.http_tokens is not \"required\"",
                            res.address
                        ),
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn optional_tokens_are_flagged_required_pass() {
        assert_eq!(
            check(
                &ImdsV1Allowed,
                &[("main.tf", "resource \"aws_instance\" \"a\" {}\n")]
            )
            .len(),
            1
        );
        assert_eq!(check(&ImdsV1Allowed, &[("main.tf", "resource \"aws_launch_template\" \"a\" {\n  metadata_options {\n    http_tokens = \"optional\"\n  }\n}\n")]).len(), 1);
        assert!(check(&ImdsV1Allowed, &[("main.tf", "resource \"aws_instance\" \"a\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n")]).is_empty());
    }
}
