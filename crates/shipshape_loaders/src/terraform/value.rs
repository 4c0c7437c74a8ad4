//! Values of the Terraform language as far as they can be known statically.
//!
//! `Unknown` carries the addresses the value depends on (`aws_instance.api`,
//! `var.region`): that is both why it is unknown and the reference graph
//! that rules query ("alarms whose dimensions reference this instance").

pub use super::sorted::{SortedMap, SortedSet};

/// An object's attributes, in key order.
pub type Object = SortedMap<String, Value>;
/// The addresses an unknown value depends on.
pub type Refs = SortedSet<String>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Object(Object),
    /// Not known before apply; the set names what it depends on.
    Unknown(Refs),
}

impl Value {
    pub fn unknown(dep: impl Into<String>) -> Value {
        Value::Unknown(Refs::from([dep.into()]))
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Value::Unknown(_))
    }

    /// Known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) => v.iter().all(Value::is_wholly_known),
            Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Member of an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// Follows a path of object keys; list steps take the first element
    /// (nested blocks are lists of objects).
    pub fn path(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self;
        for step in path {
            while let Value::List(items) = v {
                v = items.first()?;
            }
            v = v.get(step)?;
        }
        Some(v)
    }

    /// Every address a value depends on, from the unknowns inside it.
    pub fn refs(&self) -> Refs {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out.into_iter().collect()
    }

    fn collect_refs(&self, out: &mut Vec<String>) {
        match self {
            Value::Unknown(r) => out.extend(r.iter().cloned()),
            Value::List(v) => v.iter().for_each(|x| x.collect_refs(out)),
            Value::Object(m) => m.values().for_each(|x| x.collect_refs(out)),
            _ => {}
        }
    }

    /// True when the value is "empty": null, "", [], {}.
    pub fn is_empty_value(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::List(v) => v.is_empty(),
            Value::Object(m) => m.is_empty(),
            _ => false,
        }
    }

    /// Terraform's string conversion of a primitive (None for collections
    /// and unknowns).
    pub fn to_display_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => Some(String::new()),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Converts to JSON (unknowns become null) for jsonencode.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown(_) => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    serde_json::Value::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null)
                }
            }
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(v) => serde_json::Value::Array(v.iter().map(Value::to_json).collect()),
            Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The union of the dependencies of several values (for results that are
/// unknown because an input is).
pub fn merge_unknown<'a>(values: impl IntoIterator<Item = &'a Value>) -> Value {
    let mut refs = Vec::new();
    for v in values {
        v.collect_refs(&mut refs);
    }
    Value::Unknown(refs.into_iter().collect())
}

/// The lines of a nested block value (see the evaluator's `__line`).
pub fn block_lines(v: &Value) -> Option<shipshape_model::LineSpan> {
    let start = v.get("__line")?.as_f64()? as u32;
    let end = v.get("__end")?.as_f64()? as u32;
    Some(shipshape_model::LineSpan::new(start, end))
}
