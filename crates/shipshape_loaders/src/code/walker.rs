//! State shared by the front ends while walking a syntax tree: the module
//! being built, the enclosing named functions and the argument collectors
//! that gather the callees nested in a call's arguments.

use super::model::{Arg, Call, Function, Lang, Module};
use super::parse::{compact, named_children, span, text, Field, MAX_STRING, MAX_STRINGS};
use tree_sitter::Node;

/// Most callees remembered per function or argument.
const MAX_CALLEES: usize = 400;

pub struct Walker<'a> {
    pub src: &'a str,
    pub m: Module,
    fn_stack: Vec<usize>,
    collectors: Vec<Vec<String>>,
}

impl<'a> Walker<'a> {
    pub fn new(path: &str, lang: Lang, src: &'a str) -> Self {
        Walker {
            src,
            m: Module::new(path, lang),
            fn_stack: vec![],
            collectors: vec![],
        }
    }

    pub fn finish(mut self) -> Module {
        super::routes::derive(&mut self.m);
        self.m.shrink_to_fit();
        self.m
    }

    pub fn at_top_level(&self) -> bool {
        self.fn_stack.is_empty() && self.collectors.is_empty()
    }

    pub fn enter_function(&mut self, f: Function) {
        self.m.functions.push(f);
        self.fn_stack.push(self.m.functions.len() - 1);
    }

    pub fn leave_function(&mut self) {
        self.fn_stack.pop();
    }

    pub fn push_collector(&mut self) {
        self.collectors.push(vec![]);
    }

    pub fn pop_collector(&mut self) -> Vec<String> {
        self.collectors.pop().unwrap_or_default()
    }

    /// Records a callee in every enclosing function and argument.
    pub fn callee(&mut self, callee: &str) {
        for &i in &self.fn_stack {
            if let Some(f) = self.m.functions.get_mut(i) {
                if f.callees.len() < MAX_CALLEES {
                    f.callees.push(callee.to_string());
                }
            }
        }
        for c in &mut self.collectors {
            if c.len() < MAX_CALLEES {
                c.push(callee.to_string());
            }
        }
    }

    pub fn string(&mut self, s: String) {
        if s.len() <= MAX_STRING && self.m.strings.len() < MAX_STRINGS {
            self.m.strings.insert(s);
        }
    }

    /// A call expression of a grammar with `function` and `arguments`
    /// fields (Python, Go): its callee, and each argument with the callees
    /// nested in it. `walk` and `arg` are the front end's own.
    pub fn call(
        &mut self,
        node: Node,
        depth: usize,
        walk: fn(&mut Walker, Node, usize),
        arg: fn(&str, Node, Vec<String>) -> Arg,
    ) -> Call {
        let function = node.field("function");
        let callee = function
            .map(|f| compact(text(f, self.src), 160))
            .unwrap_or_default();
        self.callee(&callee);
        if let Some(f) = function {
            walk(self, f, depth + 1);
        }
        let mut args = vec![];
        if let Some(al) = node.field("arguments") {
            for a in named_children(al) {
                if a.kind() == "comment" {
                    continue;
                }
                self.push_collector();
                walk(self, a, depth + 1);
                let callees = self.pop_collector();
                args.push(arg(self.src, a, callees));
            }
        }
        Call {
            callee,
            args,
            span: span(node),
            is_new: false,
            in_function: !self.at_top_level(),
        }
    }
}
