//! What a rule sees while it runs, and how it reports.

use crate::RuleMeta;
use shipshape_loaders::Repository;
use shipshape_model::{stable_hash, Diagnostic, DiagnosticKind, Evidence, Finding, Profile};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// What [`Rule::finish`](crate::Rule::finish) sees as its repository: none.
/// Its decision rests on the facts the parts gathered, nothing else.
static NO_REPOSITORY: LazyLock<Repository> = LazyLock::new(Repository::default);

/// The repository, the profile, and the findings a rule has emitted so far.
pub struct Context<'a> {
    pub repo: &'a Repository,
    pub profile: Profile,
    meta: &'static RuleMeta,
    /// The rule's generic remediation, once it has been needed.
    generic_remediation: Option<Arc<str>>,
    /// Each distinct specific remediation, once.
    remediations: HashMap<String, Arc<str>>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The rule's cross-part facts, carried by the engine from part to part.
    pub(crate) facts: Option<Box<dyn Any + Send>>,
}

impl<'a> Context<'a> {
    pub fn new(repo: &'a Repository, profile: Profile, meta: &'static RuleMeta) -> Self {
        Self {
            repo,
            profile,
            meta,
            generic_remediation: None,
            remediations: HashMap::new(),
            findings: Vec::new(),
            diagnostics: Vec::new(),
            facts: None,
        }
    }

    /// The context of [`Rule::finish`](crate::Rule::finish): the facts
    /// gathered over every part, and an empty repository.
    pub(crate) fn finishing(
        profile: Profile,
        meta: &'static RuleMeta,
        facts: Box<dyn Any + Send>,
    ) -> Context<'static> {
        let mut cx = Context::new(&NO_REPOSITORY, profile, meta);
        cx.facts = Some(facts);
        cx
    }

    /// The rule's facts about the parts checked so far, to add this part's
    /// to. Parts come in path order, so appending keeps the whole
    /// repository's order.
    pub fn facts<T: Default + Send + 'static>(&mut self) -> &mut T {
        let slot = self.facts.get_or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            // One rule, one facts type: anything else is a bug in the rule,
            // which its tests show as missing findings.
            debug_assert!(false, "{}: facts of two types", self.meta.name);
            *slot = Box::new(T::default());
        }
        slot.downcast_mut::<T>()
            .expect("the slot holds a T: checked or replaced above")
    }

    /// The facts gathered over every part, in `finish`.
    pub fn take_facts<T: Default + Send + 'static>(&mut self) -> T {
        match self.facts.take().map(|f| f.downcast::<T>()) {
            Some(Ok(facts)) => *facts,
            Some(Err(_)) => {
                debug_assert!(false, "{}: facts of two types", self.meta.name);
                T::default()
            }
            None => T::default(),
        }
    }

    /// Reports a finding of the running rule.
    pub fn report(&mut self, ev: Evidence) {
        let meta = self.meta;
        let key = if ev.key.is_empty() {
            format!(
                "{}|{}",
                ev.file.as_deref().unwrap_or(""),
                ev.resource.as_deref().unwrap_or("")
            )
        } else {
            ev.key
        };
        let remediation = match ev.remediation {
            Some(text) => self.intern(text),
            None => self
                .generic_remediation
                .get_or_insert_with(|| default_remediation(meta).into())
                .clone(),
        };
        self.findings.push(Finding {
            rule: meta.name.to_string(),
            code: meta.code.to_string(),
            category: meta.category,
            severity: meta.severity,
            message: ev.message,
            file: ev.file,
            line: ev.lines.map(|l| l.start),
            end_line: ev.lines.map(|l| l.end),
            resource: ev.resource,
            fingerprint: stable_hash(&[meta.name, &key]),
            remediation,
            effort_hours: meta.effort,
            suppressed_by: None,
        });
    }

    fn intern(&mut self, text: String) -> Arc<str> {
        if let Some(shared) = self.remediations.get(&text) {
            return shared.clone();
        }
        let shared: Arc<str> = text.as_str().into();
        self.remediations.insert(text, shared.clone());
        shared
    }

    /// Says that the rule could not decide, because a value is unknown.
    pub fn unevaluated(
        &mut self,
        file: Option<&str>,
        line: Option<u32>,
        message: impl Into<String>,
    ) {
        let mut d = Diagnostic::new(
            DiagnosticKind::Unevaluated,
            file.map(str::to_string),
            line,
            format!("{}: {}", self.meta.name, message.into()),
        );
        d.rule = Some(self.meta.name.to_string());
        self.diagnostics.push(d);
    }

    pub fn meta(&self) -> &'static RuleMeta {
        self.meta
    }
}

/// The rule's "How to fix" section, as the remediation of every finding
/// that does not carry its own.
fn default_remediation(meta: &RuleMeta) -> String {
    meta.docs()
        .section("How to fix")
        .unwrap_or("See `shipshape explain` for this rule.")
        .to_string()
}
