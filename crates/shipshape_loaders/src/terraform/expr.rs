//! Terraform expressions as the evaluator and the rules read them.
//!
//! hcl-edit keeps everything needed to re-print a file: every node carries
//! its decoration (whitespace, comments) and byte span, so a parsed
//! expression is several times the size of its text. A review only needs
//! the meaning, so each attribute is converted once, at parse time, into
//! this tree and the hcl-edit tree is dropped: on a monorepo the syntax
//! trees were the largest part of the peak heap (docs/performance.md).

use hcl_edit::expr::{self as hcl, Expression};
pub use hcl_edit::expr::{BinaryOperator, UnaryOperator};
use hcl_edit::template::{self as tpl, Directive};
use shipshape_model::{LineIndex, LineSpan};

/// An expression. Strings are boxed slices and every composite is boxed,
/// so a node is 24 bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(f64),
    /// A string without interpolation or directive.
    String(Box<str>),
    Array(Box<[Expr]>),
    Object(Box<[(ObjectKey, Expr)]>),
    /// A quoted string with interpolations or directives.
    Template(Box<Template>),
    Heredoc(Box<Heredoc>),
    Parenthesis(Box<Expr>),
    Variable(Box<str>),
    /// `cond ? true_expr : false_expr`.
    Conditional(Box<[Expr; 3]>),
    FuncCall(Box<FuncCall>),
    Traversal(Box<Traversal>),
    UnaryOp(UnaryOperator, Box<Expr>),
    BinaryOp(Box<(Expr, BinaryOperator, Expr)>),
    ForExpr(Box<ForExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    /// An unquoted identifier.
    Ident(Box<str>),
    Expr(Expr),
}

/// A template: literal text, interpolations and directives.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template(pub Box<[Element]>);

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Literal(Box<str>),
    Interpolation(Expr),
    /// `%{ if cond }then%{ else }else%{ endif }`.
    If {
        cond: Expr,
        then: Template,
        otherwise: Option<Template>,
    },
    /// `%{ for key, value in collection }template%{ endfor }`.
    For {
        key_var: Option<Box<str>>,
        value_var: Box<str>,
        collection: Expr,
        template: Template,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Heredoc {
    pub template: Template,
    /// Columns to strip from every line (`<<-EOF`), if any.
    pub indent: Option<usize>,
    /// Lines of the heredoc, from the `<<EOF` line to the delimiter.
    pub span: LineSpan,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FuncCall {
    /// The function's name without its namespace (`provider::aws::arn_parse`
    /// is `arn_parse`).
    pub name: Box<str>,
    pub args: Box<[Expr]>,
    /// The final argument is expanded (`f(list...)`).
    pub expand_final: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub expr: Expr,
    pub operators: Box<[Operator]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    AttrSplat,
    FullSplat,
    GetAttr(Box<str>),
    Index(Expr),
    /// `list.0` (HIL's index syntax).
    LegacyIndex(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection: Expr,
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value: group values by key.
    pub grouping: bool,
}

impl Expr {
    /// Converts an hcl-edit expression; `lines` is the index of the text it
    /// was parsed from (heredocs keep their lines).
    pub fn from_hcl(e: &Expression, lines: &LineIndex) -> Expr {
        Convert { lines }.expr(e)
    }

    /// Parses a standalone expression (the tests' shorthand).
    #[cfg(test)]
    pub fn parse(text: &str) -> Option<Expr> {
        let e: Expression = text.parse().ok()?;
        Some(Self::from_hcl(&e, &LineIndex::new(text)))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Expr::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_variable(&self) -> Option<&str> {
        match self {
            Expr::Variable(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the expression is a constant: no variable, traversal root or
    /// function call anywhere in it (what Terraform allows in tfvars).
    pub fn is_constant(&self) -> bool {
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => true,
            Expr::Variable(_) | Expr::FuncCall(_) => false,
            Expr::Array(items) => items.iter().all(Expr::is_constant),
            Expr::Object(items) => items.iter().all(|(k, v)| {
                let key = match k {
                    ObjectKey::Ident(_) => true,
                    ObjectKey::Expr(e) => e.is_constant(),
                };
                key && v.is_constant()
            }),
            Expr::Template(t) => t.is_constant(),
            Expr::Heredoc(h) => h.template.is_constant(),
            Expr::Parenthesis(e) | Expr::UnaryOp(_, e) => e.is_constant(),
            Expr::Conditional(c) => c.iter().all(Expr::is_constant),
            Expr::Traversal(t) => {
                t.expr.is_constant()
                    && t.operators.iter().all(|o| match o {
                        Operator::Index(e) => e.is_constant(),
                        _ => true,
                    })
            }
            Expr::BinaryOp(b) => b.0.is_constant() && b.2.is_constant(),
            Expr::ForExpr(f) => {
                f.collection.is_constant()
                    && f.key_expr.as_ref().is_none_or(Expr::is_constant)
                    && f.value_expr.is_constant()
                    && f.cond.as_ref().is_none_or(Expr::is_constant)
            }
        }
    }
}

impl Template {
    /// Parses a template file (`templatefile`); `None` on a syntax error.
    pub fn parse(text: &str) -> Option<Template> {
        let t = hcl_edit::parser::parse_template(text).ok()?;
        Some(
            Convert {
                lines: &LineIndex::new(text),
            }
            .template(&t),
        )
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Element> {
        self.0.iter()
    }

    fn is_constant(&self) -> bool {
        self.0.iter().all(|e| match e {
            Element::Literal(_) => true,
            Element::Interpolation(x) => x.is_constant(),
            Element::If {
                cond,
                then,
                otherwise,
            } => {
                cond.is_constant()
                    && then.is_constant()
                    && otherwise.as_ref().is_none_or(Template::is_constant)
            }
            Element::For {
                collection,
                template,
                ..
            } => collection.is_constant() && template.is_constant(),
        })
    }
}

struct Convert<'a> {
    lines: &'a LineIndex,
}

impl Convert<'_> {
    fn expr(&self, e: &Expression) -> Expr {
        match e {
            Expression::Null(_) => Expr::Null,
            Expression::Bool(b) => Expr::Bool(*b.value()),
            Expression::Number(n) => Expr::Number(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => Expr::String(s.value().as_str().into()),
            Expression::Array(a) => Expr::Array(a.iter().map(|x| self.expr(x)).collect()),
            Expression::Object(o) => Expr::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            hcl::ObjectKey::Ident(i) => ObjectKey::Ident(i.as_str().into()),
                            hcl::ObjectKey::Expression(x) => ObjectKey::Expr(self.expr(x)),
                        };
                        (key, self.expr(v.expr()))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => Expr::Template(Box::new(Template(
                t.iter().map(|e| self.element(e)).collect(),
            ))),
            Expression::HeredocTemplate(h) => Expr::Heredoc(Box::new(Heredoc {
                template: self.template(&h.template),
                indent: h.indent(),
                span: hcl_edit::Span::span(h.as_ref())
                    .map(|r| self.lines.span(r))
                    .unwrap_or(LineSpan::line(1)),
            })),
            Expression::Parenthesis(p) => Expr::Parenthesis(Box::new(self.expr(p.inner()))),
            Expression::Variable(v) => Expr::Variable(v.as_str().into()),
            Expression::Conditional(c) => Expr::Conditional(Box::new([
                self.expr(&c.cond_expr),
                self.expr(&c.true_expr),
                self.expr(&c.false_expr),
            ])),
            Expression::FuncCall(f) => Expr::FuncCall(Box::new(FuncCall {
                name: f.name.name.as_str().into(),
                args: f.args.iter().map(|a| self.expr(a)).collect(),
                expand_final: f.args.expand_final(),
            })),
            Expression::Traversal(t) => Expr::Traversal(Box::new(Traversal {
                expr: self.expr(&t.expr),
                operators: t
                    .operators
                    .iter()
                    .map(|o| match o.value() {
                        hcl::TraversalOperator::AttrSplat(_) => Operator::AttrSplat,
                        hcl::TraversalOperator::FullSplat(_) => Operator::FullSplat,
                        hcl::TraversalOperator::GetAttr(i) => Operator::GetAttr(i.as_str().into()),
                        hcl::TraversalOperator::Index(x) => Operator::Index(self.expr(x)),
                        hcl::TraversalOperator::LegacyIndex(n) => Operator::LegacyIndex(*n.value()),
                    })
                    .collect(),
            })),
            Expression::UnaryOp(u) => {
                Expr::UnaryOp(*u.operator.value(), Box::new(self.expr(&u.expr)))
            }
            Expression::BinaryOp(b) => Expr::BinaryOp(Box::new((
                self.expr(&b.lhs_expr),
                *b.operator.value(),
                self.expr(&b.rhs_expr),
            ))),
            Expression::ForExpr(f) => Expr::ForExpr(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().into()),
                value_var: f.intro.value_var.as_str().into(),
                collection: self.expr(&f.intro.collection_expr),
                key_expr: f.key_expr.as_ref().map(|k| self.expr(k)),
                value_expr: self.expr(&f.value_expr),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr)),
                grouping: f.grouping,
            })),
        }
    }

    fn template(&self, t: &tpl::Template) -> Template {
        Template(t.iter().map(|e| self.element(e)).collect())
    }

    fn element(&self, e: &tpl::Element) -> Element {
        match e {
            tpl::Element::Literal(s) => Element::Literal(s.value().as_str().into()),
            tpl::Element::Interpolation(i) => Element::Interpolation(self.expr(&i.expr)),
            tpl::Element::Directive(d) => match d.as_ref() {
                Directive::If(ifd) => Element::If {
                    cond: self.expr(&ifd.if_expr.cond_expr),
                    then: self.template(&ifd.if_expr.template),
                    otherwise: ifd.else_expr.as_ref().map(|e| self.template(&e.template)),
                },
                Directive::For(fd) => Element::For {
                    key_var: fd.for_expr.key_var.as_ref().map(|k| k.as_str().into()),
                    value_var: fd.for_expr.value_var.as_str().into(),
                    collection: self.expr(&fd.for_expr.collection_expr),
                    template: self.template(&fd.for_expr.template),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_node_stays_small() {
        assert!(std::mem::size_of::<Expr>() <= 24);
    }

    #[test]
    fn converts_every_form() {
        let e = Expr::parse(
            "{ a = [1, true, null, \"s\"], (var.k) = f(x...), t = \"${a}b%{ if c }d%{ endif }\" }",
        )
        .unwrap();
        let Expr::Object(items) = &e else {
            panic!("object expected: {e:?}")
        };
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[0].0, ObjectKey::Ident(k) if &**k == "a"));
        assert!(
            matches!(&items[1].1, Expr::FuncCall(f) if &*f.name == "f" && f.expand_final && f.args.len() == 1)
        );
        let Expr::Template(t) = &items[2].1 else {
            panic!("template expected")
        };
        assert!(matches!(t.0[2], Element::If { .. }));
    }

    #[test]
    fn heredoc_keeps_its_lines_and_indent() {
        let text = "x = 1\ny = <<-EOF\n    a\n    EOF\n";
        let body = hcl_edit::parser::parse_body(text).unwrap();
        let y = body.get_attribute("y").unwrap();
        let Expr::Heredoc(h) = Expr::from_hcl(&y.value, &LineIndex::new(text)) else {
            panic!("heredoc expected")
        };
        assert_eq!(h.span, LineSpan { start: 2, end: 4 });
        assert_eq!(h.indent, Some(4));
    }

    /// HCL expression text from a small grammar: every form the
    /// converter handles, nested.
    fn expression() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("1".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
            Just("\"s\"".to_string()),
            Just("\"\"".to_string()),
            Just("var.a".to_string()),
            Just("x".to_string()),
            Just("aws_s3_bucket.b[0].arn".to_string()),
            Just("\"${a}b\"".to_string()),
            Just("\"a%{ if c }b%{ else }d%{ endif }\"".to_string()),
            Just("\"%{ for k, v in m }${v}%{ endfor }\"".to_string()),
            Just("(<<EOF\nline\nEOF\n)".to_string()),
            Just("(<<-EOF\n  a\n  EOF\n)".to_string()),
            Just("list.0".to_string()),
            Just("a.*.b".to_string()),
            Just("a[*].b".to_string()),
        ];
        leaf.prop_recursive(4, 32, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("{{ k = {a}, \"q\" = {b} }}")),
                inner.clone().prop_map(|a| format!("{{ (var.k) = {a} }}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("f({a}, {b}...)")),
                inner.clone().prop_map(|a| format!("({a})")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| format!("{a} ? {b} : {c}")),
                inner.clone().prop_map(|a| format!("!{a}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} + {b}")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("[for i, x in {a} : {b} if x]")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("{{ for x in {a} : x => {b}... }}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
                inner.prop_map(|a| format!("\"p${{{a}}}s\"")),
            ]
        })
    }

    /// What `is_constant` meant before the conversion: no variable or
    /// function call anywhere in the hcl-edit tree.
    fn hcl_constant(e: &Expression) -> bool {
        use hcl_edit::visit::{self, Visit};
        struct Refs(bool);
        impl Visit for Refs {
            fn visit_expr(&mut self, e: &Expression) {
                match e {
                    Expression::Variable(_) | Expression::FuncCall(_) => self.0 = true,
                    _ => visit::visit_expr(self, e),
                }
            }
        }
        let mut r = Refs(false);
        r.visit_expr(e);
        !r.0
    }

    /// The literal text of an hcl-edit expression, as the rules read it
    /// before the conversion.
    fn hcl_literal(e: &Expression) -> Option<String> {
        let template = |t: &tpl::Template| {
            t.iter()
                .map(|el| match el {
                    tpl::Element::Literal(s) => Some(s.value().to_string()),
                    _ => None,
                })
                .collect::<Option<String>>()
        };
        match e {
            Expression::String(s) => Some(s.value().to_string()),
            Expression::StringTemplate(t) => t
                .iter()
                .map(|el| match el {
                    tpl::Element::Literal(s) => Some(s.value().to_string()),
                    _ => None,
                })
                .collect(),
            Expression::HeredocTemplate(h) => template(&h.template),
            Expression::Parenthesis(p) => hcl_literal(p.inner()),
            _ => None,
        }
    }

    proptest! {
        #[test]
        fn conversion_keeps_what_rules_and_the_evaluator_read(text in expression()) {
            let Ok(e) = text.parse::<Expression>() else {
                return Ok(());
            };
            let x = Expr::from_hcl(&e, &LineIndex::new(&text));
            prop_assert_eq!(x.is_constant(), hcl_constant(&e), "{}", text);
            prop_assert_eq!(
                crate::terraform::literals::literal_string(&x).map(|c| c.into_owned()),
                hcl_literal(&e),
                "{}",
                text
            );
        }
    }

    #[test]
    fn constants() {
        for c in ["1", "\"a\"", "[1, {a = 2}]", "{\"k\" = true}", "-1 + 2"] {
            assert!(Expr::parse(c).unwrap().is_constant(), "{c}");
        }
        for c in [
            "var.a",
            "upper(\"a\")",
            "[local.x]",
            "\"${a}\"",
            "x ? 1 : 2",
        ] {
            assert!(!Expr::parse(c).unwrap().is_constant(), "{c}");
        }
    }
}
