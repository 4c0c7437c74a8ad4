use crate::support::{tf_evidence, tf_key};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::terraform::{Resource, Value};

declare_rule! {
    /// ### What it finds
    /// A public application load balancer (`aws_lb`/`aws_alb`, not
    /// `internal`, not a network or gateway LB) with an HTTP listener that
    /// forwards traffic instead of redirecting to HTTPS, or with no HTTPS
    /// listener with a certificate at all.
    ///
    /// ### Why it matters
    /// Session cookies, tokens and personal data cross the internet in clear
    /// text; browsers mark the site "Not secure" and compliance regimes
    /// (PCI DSS, SOC 2) fail it outright.
    ///
    /// ### How to fix
    /// ```hcl
    /// resource "aws_lb_listener" "https" {
    ///   load_balancer_arn = aws_lb.public.arn
    ///   port              = 443
    ///   protocol          = "HTTPS"
    ///   ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    ///   certificate_arn   = aws_acm_certificate.main.arn
    ///   default_action {
    ///     type             = "forward"
    ///     target_group_arn = aws_lb_target_group.main.arn
    ///   }
    /// }
    ///
    /// resource "aws_lb_listener" "http" {
    ///   load_balancer_arn = aws_lb.public.arn
    ///   port              = 80
    ///   protocol          = "HTTP"
    ///   default_action {
    ///     type = "redirect"
    ///     redirect {
    ///       port        = "443"
    ///       protocol    = "HTTPS"
    ///       status_code = "HTTP_301"
    ///     }
    ///   }
    /// }
    /// ```
    ///
    /// ### Effort
    /// 2–4 hours: the ACM certificate with DNS validation and the listeners.
    pub struct LbHttpWithoutHttps {
        name: "lb-http-without-https",
        code: "SEC001",
        category: Security,
        severity: Blocker,
        effort: (2, 4),
    }
}

fn protocol(l: &Resource) -> String {
    l.get(&["protocol"])
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| "HTTP".to_string())
}

/// Whether a listener's default action sends traffic to targets.
fn forwards(l: &Resource) -> bool {
    l.get(&["default_action"])
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .any(|a| {
            a.get("type").and_then(Value::as_str) == Some("forward")
                || a.get("forward").is_some_and(|f| !f.is_empty_value())
        })
}

impl Rule for LbHttpWithoutHttps {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut Context) {
        let tf = &cx.repo.terraform;
        for lb in tf.resources_of("aws_lb").chain(tf.resources_of("aws_alb")) {
            if lb.get(&["internal"]).and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if matches!(
                lb.get(&["load_balancer_type"]).and_then(Value::as_str),
                Some("network") | Some("gateway")
            ) {
                continue;
            }
            let mine: Vec<&Resource> = tf
                .referrers(lb)
                .filter(|l| matches!(l.rtype.as_str(), "aws_lb_listener" | "aws_alb_listener"))
                .filter(|l| l.attr_refers_to("load_balancer_arn", lb))
                .collect();
            if mine.is_empty() {
                continue;
            }
            let has_https = mine
                .iter()
                .any(|l| protocol(l) == "HTTPS" && l.get(&["certificate_arn"]).is_some());
            let plain: Vec<&&Resource> = mine
                .iter()
                .filter(|l| protocol(l) == "HTTP" && forwards(l))
                .collect();
            let tail = if has_https {
                ""
            } else {
                ", and it has no HTTPS listener"
            };
            for l in &plain {
                let mut ev = tf_evidence(
                    l,
                    &[],
                    format!("public load balancer `{}` serves plain HTTP: listener `{}` forwards instead of redirecting to HTTPS{tail}", lb.address, l.address),
                );
                ev.key = format!("{}::{}", tf_key(lb), l.address);
                cx.report(ev);
            }
            if plain.is_empty() && !has_https {
                cx.report(tf_evidence(
                    lb,
                    &[],
                    format!(
                        "public load balancer `{}` has no HTTPS listener with a certificate",
                        lb.address
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    const LB: &str = "resource \"aws_lb\" \"pub\" {\n  load_balancer_type = \"application\"\n}\nresource \"aws_lb_target_group\" \"tg\" {}\n";

    #[test]
    fn forwarding_http_listener_is_flagged() {
        let tf = format!("{LB}resource \"aws_lb_listener\" \"http\" {{\n  load_balancer_arn = aws_lb.pub.arn\n  port     = 80\n  protocol = \"HTTP\"\n  default_action {{\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.tg.arn\n  }}\n}}\n");
        let f = check(&LbHttpWithoutHttps, &[("main.tf", tf.as_str())]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource.as_deref(), Some("aws_lb_listener.http"));
    }

    #[test]
    fn redirect_plus_https_passes_and_internal_is_ignored() {
        let tf = format!("{LB}resource \"aws_lb_listener\" \"http\" {{\n  load_balancer_arn = aws_lb.pub.arn\n  protocol = \"HTTP\"\n  default_action {{\n    type = \"redirect\"\n  }}\n}}\nresource \"aws_lb_listener\" \"https\" {{\n  load_balancer_arn = aws_lb.pub.arn\n  protocol        = \"HTTPS\"\n  certificate_arn = \"arn:aws:acm:x\"\n  default_action {{\n    type = \"forward\"\n  }}\n}}\nresource \"aws_lb\" \"int\" {{\n  internal = true\n}}\nresource \"aws_lb_listener\" \"i\" {{\n  load_balancer_arn = aws_lb.int.arn\n  protocol = \"HTTP\"\n  default_action {{\n    type = \"forward\"\n  }}\n}}\n");
        assert!(check(&LbHttpWithoutHttps, &[("main.tf", tf.as_str())]).is_empty());
    }
}
