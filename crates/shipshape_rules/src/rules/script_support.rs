//! What the shell and user-data rules share: which scripts they look at,
//! evidence pointing into a script, and stable keys for commands.

use shipshape_loaders::shell::{Command, Script, ScriptRole};
use shipshape_model::{Evidence, LineSpan};
use std::collections::HashMap;

/// Scripts that operate or provision systems: user data and scripts that
/// run infrastructure tooling (not CI steps, not build helpers).
pub fn ops_scripts<'a>(scripts: &'a [Script]) -> impl Iterator<Item = &'a Script> + 'a {
    scripts.iter().filter(|s| {
        matches!(
            s.role,
            ScriptRole::UserData { .. } | ScriptRole::Provisioning
        )
    })
}

/// A name for the script in messages: the file, or the resource whose
/// inline user data it is.
pub fn script_name(s: &Script) -> String {
    match s.user_data_of() {
        Some((res, _)) if s.path.ends_with(".tf") => format!("user data of `{res}`"),
        _ => format!("`{}`", s.path),
    }
}

/// Evidence at lines of a script.
pub fn script_evidence(s: &Script, lines: LineSpan, key: String, message: String) -> Evidence {
    Evidence {
        file: Some(s.path.clone()),
        lines: Some(lines),
        resource: s.user_data_of().map(|(r, _)| r.to_string()),
        key,
        message,
        remediation: None,
    }
}

/// Key of a script: its file, plus the resource for inline user data
/// (several heredocs can share a `.tf` file).
pub fn script_key(s: &Script) -> String {
    match s.user_data_of() {
        Some((res, root)) if s.path.ends_with(".tf") => format!("{}|{root}::{res}", s.path),
        _ => s.path.clone(),
    }
}

/// Line-free keys for commands: the script key, the command's program and
/// its first URL-or-argument, with an ordinal among identical ones.
#[derive(Default)]
pub struct CommandKeys {
    seen: HashMap<String, usize>,
}

impl CommandKeys {
    pub fn key(&mut self, s: &Script, c: &Command) -> String {
        self.number(Self::base(s, c))
    }

    /// The key before numbering: the script and what the command acts on.
    pub fn base(s: &Script, c: &Command) -> String {
        let what = c
            .args()
            .iter()
            .find(|a| a.contains("://"))
            .or_else(|| c.args().iter().find(|a| !a.starts_with('-')))
            .map(String::as_str)
            .unwrap_or("");
        format!("{}|{} {}", script_key(s), c.program, what)
    }

    /// `base`, numbered from its second use on.
    pub fn number(&mut self, base: String) -> String {
        let n = self.seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}#{n}")
        }
    }
}
