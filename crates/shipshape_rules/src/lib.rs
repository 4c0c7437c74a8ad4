//! The rules and the engine that runs them.
//!
//! One rule per file under `rules/`, declared with [`declare_rule!`] (code,
//! category, severity, effort and a clippy-style doc comment) and registered
//! once in `rules/mod.rs`. `shipshape explain` and `docs/rules/` are made
//! from those doc comments.
#![forbid(unsafe_code)]

pub mod aws;
mod context;
mod docs;
mod engine;
#[cfg(test)]
mod fingerprint_tests;
pub mod rules;
pub mod service_support;
pub mod stream;
pub mod support;
#[cfg(test)]
pub mod testing;

pub use context::Context;
pub use docs::{RuleDocs, SECTIONS};
pub use engine::{run, Outcome, Review};
pub use shipshape_model::{Category, Evidence, Profile, Severity};

/// Whether rules read the text of files of this kind after loading (all
/// else they read from the repository model):
/// - code files: `health-check-shallow` reads a route's lines, the service
///   rules read the code of the entry point;
/// - shell scripts and extension-less files (`Other`): the service rules
///   read a container's entrypoint script;
/// - `.tfvars`: `hardcoded-secret` reads committed variable values.
///
/// A review releases every other text once loaded (`Repository::release_texts`).
pub fn reads_text(kind: shipshape_loaders::FileKind) -> bool {
    use shipshape_loaders::FileKind::*;
    matches!(
        kind,
        JavaScript | TypeScript | Python | Go | Shell | Other | Tfvars
    )
}

/// What a rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case name, the rule's identity in reports and configuration.
    pub name: &'static str,
    /// Short stable code (e.g. `REL001`).
    pub code: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Effort to fix one finding, in hours: low and high estimate.
    pub effort: [u32; 2],
    /// The doc comment, one line per element.
    pub docs: &'static [&'static str],
}

impl RuleMeta {
    pub fn docs(&self) -> RuleDocs {
        RuleDocs::parse(self.docs)
    }
}

/// A rule: its metadata (from [`declare_rule!`]) and its check.
///
/// A review may check the repository in parts (see
/// docs/design/streaming-review.md): `check` runs once per part, with
/// `cx.repo` holding only that part. A rule whose findings depend on more
/// than one part, such as "no GuardDuty detector anywhere", gathers what it
/// needs in [`Context::facts`] during `check` and decides in `finish`, which
/// runs once after the last part and sees no repository.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut Context);
    /// Reports what only the whole repository decides, from the facts every
    /// part's `check` gathered ([`Context::take_facts`]). Rules that look at
    /// one file or resource at a time decide everything in `check`.
    fn finish(&self, _cx: &mut Context) {}
}

/// Declares a rule type with its metadata and doc comment. The doc comment
/// must have the sections `### What it finds`, `### Why it matters`,
/// `### How to fix` (with a fenced snippet) and `### Effort`; a test fails
/// for any rule that lacks one.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            name: $name:literal,
            code: $code:literal,
            category: $cat:ident,
            severity: $sev:ident,
            effort: ($lo:literal, $hi:literal) $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $ty {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                name: $name,
                code: $code,
                category: $crate::Category::$cat,
                severity: $crate::Severity::$sev,
                effort: [$lo, $hi],
                docs: &[$($doc),*],
            };
        }
    };
}

/// Every registered rule, in registry order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    rules::registry()
}

/// A rule by name or code.
pub fn find_rule(name_or_code: &str) -> Option<&'static dyn Rule> {
    let wanted = name_or_code.trim();
    all_rules()
        .into_iter()
        .find(|r| r.meta().name == wanted || r.meta().code.eq_ignore_ascii_case(wanted))
}
