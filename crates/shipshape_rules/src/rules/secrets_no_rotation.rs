use crate::support::tf_evidence;
use crate::{declare_rule, Context, Rule, RuleMeta};

declare_rule! {
    /// ### What it finds
    /// An `aws_secretsmanager_secret` that no
    /// `aws_secretsmanager_secret_rotation` references.
    ///
    /// ### Why it matters
    /// A secret that never changes is valid forever once it leaks (a log
    /// line, a laptop, a former employee). Rotation limits the window.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_secretsmanager_secret_rotation" "db_password" {
    ///   secret_id           = aws_secretsmanager_secret.db_password.id
    ///   rotation_lambda_arn = aws_lambda_function.rotate_postgres.arn
    ///   rotation_rules {
    ///     automatically_after_days = 30
    ///   }
    /// }
    /// ```
    /// For RDS master passwords, `manage_master_user_password = true` lets
    /// RDS own and rotate the secret instead.
    ///
    /// ### Effort
    /// 4–8 hours: the rotation function and a check that clients re-read.
    pub struct SecretsNoRotation {
        name: "secrets-no-rotation",
        code: "SEC005",
        category: Security,
        severity: Medium,
        effort: (4, 8),
    }
}

impl Rule for SecretsNoRotation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        for secret in tf.resources_of("aws_secretsmanager_secret") {
            // Through the reference graph: only resources that name the secret.
            let rotated = tf.referrers(secret).any(|r| {
                r.rtype == "aws_secretsmanager_secret_rotation"
                    && r.attr_refers_to("secret_id", secret)
            });
            if !rotated {
                cx.report(tf_evidence(
                    secret,
                    &[],
                    format!("secret `{}` is never rotated", secret.address),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    #[test]
    fn rotation_clears_only_its_secret() {
        let tf = "resource \"aws_secretsmanager_secret\" \"a\" {}\nresource \"aws_secretsmanager_secret\" \"b\" {}\nresource \"aws_secretsmanager_secret_rotation\" \"a\" {\n  secret_id = aws_secretsmanager_secret.a.id\n}\n";
        let f = check(&SecretsNoRotation, &[("main.tf", tf)]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].resource.as_deref(),
            Some("aws_secretsmanager_secret.b")
        );
    }
}
