use super::script_support::{script_evidence, script_key, script_name};
use crate::{declare_rule, Context, Rule, RuleMeta};
use shipshape_loaders::shell::{Command, Script};
use std::collections::HashMap;

declare_rule! {
    /// ### What it finds
    /// Instance user data that runs a long installer inline: a hosting
    /// control-panel installer (cPanel's `sh latest`, Plesk, CyberPanel,
    /// DirectAdmin…), a big installer piped from the network
    /// (`curl … | sh`), or a full OS upgrade followed by source builds
    /// (`yum update` then `make`).
    ///
    /// ### Why it matters
    /// User data runs once, unattended, with no retry: an hour-long install
    /// that fails half-way leaves a broken server that passed its EC2 status
    /// checks. Boot time becomes install time, so autoscaling and recovery
    /// take an hour instead of a minute, and every instance is built from
    /// whatever the mirrors served that day.
    ///
    /// ### How to fix
    /// Bake the install into an image (Packer) and keep user data to a short
    /// bootstrap:
    /// ```bash
    /// #!/bin/bash
    /// set -euo pipefail
    /// # the AMI already has the panel installed; only per-instance config here
    /// /usr/local/bin/configure-instance --hostname "server.${domain}"
    /// ```
    ///
    /// ### Effort
    /// 1–3 days: a Packer template, an image pipeline, a slimmer user data.
    pub struct UserdataHeavyInstall {
        name: "userdata-heavy-install",
        code: "REL008",
        category: Reliability,
        severity: Blocker,
        effort: (8, 24),
    }
}

/// Installers that take tens of minutes (hosting panels, full suites).
const HEAVY_INSTALLERS: &[(&str, &str)] = &[
    ("cpanel", "cPanel"),
    ("plesk", "Plesk"),
    ("cyberpanel", "CyberPanel"),
    ("directadmin", "DirectAdmin"),
    ("virtualmin", "Virtualmin"),
    ("webmin", "Webmin"),
    ("ispconfig", "ISPConfig"),
    ("cloudpanel", "CloudPanel"),
    ("hestiacp", "HestiaCP"),
    ("vestacp", "VestaCP"),
    ("aapanel", "aaPanel"),
    ("bt.cn", "aaPanel"),
    ("gitlab", "GitLab"),
    ("zimbra", "Zimbra"),
];

const COMPILERS: &[&str] = &[
    "make", "cmake", "gcc", "g++", "cc", "rpmbuild", "dkms", "ninja",
];

impl Rule for UserdataHeavyInstall {
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
            if let Some((c, what)) = heaviest(s) {
                let message = format!(
                    "{} runs {what} inline at boot (line {}): a long, unattended, non-restartable install",
                    script_name(s),
                    c.line
                );
                cx.report(script_evidence(s, c.span(), script_key(s), message));
            }
        }
    }
}

/// The heaviest command: a panel installer, then a piped installer of a
/// known heavy product, then an OS upgrade followed by compiles.
fn heaviest(s: &Script) -> Option<(&Command, String)> {
    // Files the script downloaded, by name, with the URL they came from.
    let mut downloaded: HashMap<String, String> = HashMap::new();
    for c in &s.commands {
        if let Some((name, url)) = download_target(c) {
            downloaded.insert(name, url);
        }
    }
    for c in &s.commands {
        if matches!(
            c.program.as_str(),
            "sh" | "bash" | "perl" | "python3" | "python"
        ) {
            if let Some(file) = c.args().iter().find(|a| !a.starts_with('-')) {
                let base = file.rsplit('/').next().unwrap_or(file);
                let origin = downloaded.get(base).map(String::as_str).unwrap_or(file);
                if let Some(product) = heavy_product(origin) {
                    return Some((
                        c,
                        format!("the {product} installer (`{} {file}`)", c.program),
                    ));
                }
            }
        }
        // The installer itself run directly (`./installer`, `/usr/local/cpanel/...`).
        if let Some(product) = heavy_product(&c.words.join(" ")).filter(|_| runs_installer(c)) {
            return Some((c, format!("the {product} installer")));
        }
    }
    // `curl … | sh` of a heavy product.
    for c in &s.commands {
        let Some(p) = c.pipeline else { continue };
        if !matches!(c.program.as_str(), "curl" | "wget") || p.index + 1 >= p.len {
            continue;
        }
        let feeds_shell = s.pipeline_of(c).iter().any(|n| {
            n.pipeline.is_some_and(|q| q.index > p.index)
                && matches!(n.program.as_str(), "sh" | "bash")
        });
        if feeds_shell {
            if let Some(product) = c.args().iter().find_map(|a| heavy_product(a)) {
                return Some((c, format!("the {product} installer piped into a shell")));
            }
        }
    }
    // A full OS upgrade, and builds from source after it.
    let upgrade = s.commands.iter().find(|c| is_full_upgrade(c))?;
    let compile = s.commands.iter().find(|c| {
        c.line > upgrade.line
            && (COMPILERS.contains(&c.program.as_str()) || c.program == "configure")
    })?;
    Some((
        compile,
        format!(
            "a full OS upgrade (`{}`, line {}) followed by a source build (`{}`)",
            upgrade.words.join(" "),
            upgrade.line,
            compile.program
        ),
    ))
}

/// `wget URL` / `wget -O name URL` / `curl -o name URL` / `curl -O URL`.
fn download_target(c: &Command) -> Option<(String, String)> {
    let url = c.args().iter().find(|a| a.contains("://"))?.clone();
    let url_name = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let name = match c.program.as_str() {
        "wget" => c
            .flag_value("-O")
            .or(c.flag_value("--output-document"))
            .map(str::to_string)
            .unwrap_or(url_name),
        "curl" => match c.flag_value("-o").or(c.flag_value("--output")) {
            Some(o) => o.to_string(),
            None if c.has_flag("-O") || c.has_flag("--remote-name") => url_name,
            None => return None,
        },
        _ => return None,
    };
    let base = name.rsplit('/').next().unwrap_or(&name).to_string();
    Some((base, url))
}

fn heavy_product(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    HEAVY_INSTALLERS
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, name)| *name)
}

/// Whether a command mentioning a product runs its installer (not a
/// `systemctl status cpanel` or an `echo`).
fn runs_installer(c: &Command) -> bool {
    let p = c.program.to_ascii_lowercase();
    p.contains("install") || p == "latest" || (p.ends_with(".sh") && heavy_product(&p).is_some())
}

/// `yum update` with no package, `yum|dnf upgrade`, `apt-get upgrade|dist-upgrade|full-upgrade`.
fn is_full_upgrade(c: &Command) -> bool {
    let positional: Vec<&str> = c
        .args()
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    match c.program.as_str() {
        "yum" | "dnf" | "zypper" => {
            matches!(
                positional.as_slice(),
                ["update"] | ["upgrade"] | ["distro-sync"] | ["dup"]
            )
        }
        "apt-get" | "apt" => positional
            .iter()
            .any(|p| matches!(*p, "upgrade" | "dist-upgrade" | "full-upgrade")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    fn tf(file: &str) -> String {
        format!("resource \"aws_instance\" \"a\" {{\n  ami = \"ami-1\"\n  user_data = templatefile(\"${{path.module}}/{file}\", {{ domain = \"x\" }})\n}}\n")
    }

    #[test]
    fn flags_cpanel_installer() {
        let f = check(
            &UserdataHeavyInstall,
            &[
                ("main.tf", &tf("cpanel.sh.tpl")),
                ("cpanel.sh.tpl", "#!/bin/bash\nyum update -y\ncd /home\nwget -N https://securedownloads.cpanel.net/latest\nsh latest >> /var/log/x 2>&1\n"),
            ],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(5));
        assert!(f[0].message.contains("cPanel"), "{}", f[0].message);
    }

    #[test]
    fn flags_upgrade_then_compile_and_piped_installer() {
        let f = check(
            &UserdataHeavyInstall,
            &[
                ("main.tf", &tf("boot.sh")),
                ("boot.sh", "#!/bin/bash\napt-get update\napt-get -y dist-upgrade\ncd /src && ./configure && make -j4 && make install\n"),
            ],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("source build"));
        let f = check(
            &UserdataHeavyInstall,
            &[
                ("main.tf", &tf("boot.sh")),
                (
                    "boot.sh",
                    "#!/bin/bash\ncurl -sSL https://installer.cyberpanel.net/install.sh | bash\n",
                ),
            ],
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn short_bootstraps_pass() {
        let f = check(
            &UserdataHeavyInstall,
            &[
                ("main.tf", &tf("boot.sh")),
                ("boot.sh", "#!/bin/bash\nyum update -y\nyum install -y docker\nsystemctl start docker\ncurl -fsSL https://get.docker.com | sh\ndocker compose up -d\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        // Not user data: a build script may compile.
        let f = check(
            &UserdataHeavyInstall,
            &[("build.sh", "#!/bin/bash\nyum upgrade -y\nmake\n")],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
