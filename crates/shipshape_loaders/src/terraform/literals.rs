//! Literal strings written in Terraform expressions, for rules that must
//! tell a value typed into the file (`password = "hunter2"`) from one that
//! comes from a variable, a reference or a function (`random_password`).

use super::expr::{Element, Expr, ObjectKey, Template};
use std::borrow::Cow;

/// A string literal found inside an expression, with the object key it is
/// the value of (if any) and the `name = "..."` sibling of its object (ECS
/// container definitions write `{ name = "DB_PASSWORD", value = "..." }`).
///
/// Borrowed from the expression: the secret rule looks at every literal of
/// every resource, and most are reported on by nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal<'a> {
    pub key: Option<Cow<'a, str>>,
    pub sibling_name: Option<Cow<'a, str>>,
    pub value: Cow<'a, str>,
}

/// The expression's value when it is a string written entirely as a
/// literal (no interpolation, no directive).
pub fn literal_string(expr: &Expr) -> Option<Cow<'_, str>> {
    match expr {
        Expr::String(s) => Some(Cow::Borrowed(s)),
        Expr::Template(t) => template_literal(t),
        Expr::Heredoc(h) => template_literal(&h.template),
        Expr::Parenthesis(p) => literal_string(p),
        _ => None,
    }
}

fn template_literal(template: &Template) -> Option<Cow<'_, str>> {
    match &*template.0 {
        [] => Some(Cow::Borrowed("")),
        [Element::Literal(s)] => Some(Cow::Borrowed(s)),
        elements => {
            let mut out = String::new();
            for e in elements {
                match e {
                    Element::Literal(s) => out.push_str(s),
                    _ => return None,
                }
            }
            Some(Cow::Owned(out))
        }
    }
}

/// Every literal string inside `expr`: objects, arrays, function arguments
/// (`jsonencode({...})`), conditionals. Depth is bounded by the parser's
/// nesting guard.
pub fn literals_in(expr: &Expr) -> Vec<Literal<'_>> {
    let mut out = Vec::new();
    walk(expr, None, None, &mut out);
    out
}

fn key_text(key: &ObjectKey) -> Option<Cow<'_, str>> {
    match key {
        ObjectKey::Ident(i) => Some(Cow::Borrowed(i)),
        ObjectKey::Expr(e) => literal_string(e),
    }
}

fn walk<'a>(
    expr: &'a Expr,
    key: Option<&Cow<'a, str>>,
    sibling: Option<&Cow<'a, str>>,
    out: &mut Vec<Literal<'a>>,
) {
    if let Some(value) = literal_string(expr) {
        out.push(Literal {
            key: key.cloned(),
            sibling_name: sibling.cloned(),
            value,
        });
        return;
    }
    match expr {
        Expr::Array(a) => a.iter().for_each(|e| walk(e, key, None, out)),
        Expr::Object(o) => {
            let name = o
                .iter()
                .find(|(k, _)| key_text(k).as_deref() == Some("name"))
                .and_then(|(_, v)| literal_string(v));
            for (k, v) in o.iter() {
                let k = key_text(k);
                walk(v, k.as_ref(), name.as_ref(), out);
            }
        }
        Expr::FuncCall(f) => f.args.iter().for_each(|e| walk(e, key, None, out)),
        Expr::Parenthesis(p) => walk(p, key, sibling, out),
        Expr::Conditional(c) => {
            walk(&c[1], key, sibling, out);
            walk(&c[2], key, sibling, out);
        }
        _ => {}
    }
}

/// Top-level `name = "literal"` assignments of a `.tfvars` file, with the
/// lines of each; a file that does not parse gives nothing (the Terraform
/// loader reports it).
pub fn tfvars_literals(
    file: &crate::SourceFile,
) -> Vec<(String, String, shipshape_model::LineSpan)> {
    let Ok(body) = super::syntax::parse_body_guarded(&file.text) else {
        return vec![];
    };
    body.iter()
        .filter_map(|s| s.as_attribute())
        .filter_map(|a| {
            let value = literal_string(&Expr::from_hcl(&a.value, &file.lines))?.into_owned();
            let span = hcl_edit::Span::span(a)
                .map(|r| file.lines.span(r))
                .unwrap_or(shipshape_model::LineSpan::line(1));
            Some((a.key.as_str().to_string(), value, span))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expr {
        Expr::parse(s).expect("expression")
    }

    #[test]
    fn tfvars_assignments() {
        let f = crate::SourceFile::new(
            "prod.tfvars",
            crate::FileKind::Tfvars,
            "region = \"eu-west-1\"\n\ndb_password = \"hunter22\"\ncount = 3\n",
        );
        let l = tfvars_literals(&f);
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].0, "db_password");
        assert_eq!(l[1].2, shipshape_model::LineSpan::line(3));
    }

    #[test]
    fn literal_or_not() {
        assert_eq!(literal_string(&expr("\"abc\"")).as_deref(), Some("abc"));
        assert_eq!(literal_string(&expr("\"a${var.b}\"")), None);
        assert_eq!(literal_string(&expr("var.b")), None);
        assert_eq!(literal_string(&expr("random_password.db.result")), None);
    }

    #[test]
    fn literals_inside_jsonencode() {
        let e = expr(
            "jsonencode([{ name = \"app\", environment = [{ name = \"DB_PASSWORD\", value = \"s3cr3t\" }] }])",
        );
        let l = literals_in(&e);
        assert!(l.iter().any(|l| l.value == "s3cr3t"
            && l.key.as_deref() == Some("value")
            && l.sibling_name.as_deref() == Some("DB_PASSWORD")));
    }
}
