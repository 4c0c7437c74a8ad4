//! Terraform's built-in functions, as far as a static review needs them.
//! Any unknown argument makes the result unknown (with its dependencies);
//! a function shipshape does not know yields an unknown naming it.

use super::eval::ERROR_REF;
use super::value::{format_number, merge_unknown, Value};
use std::collections::BTreeMap;

pub fn call(name: &str, args: Vec<Value>) -> Value {
    // Functions that tolerate unknown elements inside collections.
    match name {
        "length" => {
            return match args.first() {
                Some(Value::List(l)) => Value::Number(l.len() as f64),
                Some(Value::Object(m)) => Value::Number(m.len() as f64),
                Some(Value::String(s)) => Value::Number(s.chars().count() as f64),
                Some(other) => merge_unknown([other]),
                None => err(),
            }
        }
        "concat" if args.iter().all(|a| matches!(a, Value::List(_))) => {
            return Value::List(
                args.into_iter()
                    .flat_map(|a| match a {
                        Value::List(l) => l,
                        _ => vec![],
                    })
                    .collect(),
            );
        }
        "merge"
            if args
                .iter()
                .all(|a| matches!(a, Value::Object(_) | Value::Null)) =>
        {
            let mut m = BTreeMap::new();
            for a in args {
                if let Value::Object(o) = a {
                    m.extend(o);
                }
            }
            return Value::Object(m.into_iter().collect());
        }
        "tolist" | "toset" => {
            return match args.into_iter().next() {
                Some(Value::List(mut l)) => {
                    if name == "toset" && l.iter().all(Value::is_known) {
                        dedup(&mut l);
                    }
                    Value::List(l)
                }
                Some(other) => merge_unknown([&other]),
                None => err(),
            }
        }
        "tomap" => {
            return match args.into_iter().next() {
                Some(v @ Value::Object(_)) => v,
                Some(other) => merge_unknown([&other]),
                None => err(),
            }
        }
        "element" => {
            return match (args.first(), args.get(1).and_then(Value::as_f64)) {
                (Some(Value::List(l)), Some(i)) if !l.is_empty() => {
                    l[(i as usize) % l.len()].clone()
                }
                _ => merge_unknown(args.iter()),
            }
        }
        "keys" => {
            return match args.first() {
                Some(Value::Object(m)) => {
                    Value::List(m.keys().map(|k| Value::String(k.clone())).collect())
                }
                _ => merge_unknown(args.iter()),
            }
        }
        "values" => {
            return match args.first() {
                Some(Value::Object(m)) => Value::List(m.values().cloned().collect()),
                _ => merge_unknown(args.iter()),
            }
        }
        "lookup" => {
            return match (args.first(), args.get(1).and_then(Value::to_display_string)) {
                (Some(Value::Object(m)), Some(k)) => m
                    .get(&k)
                    .cloned()
                    .or_else(|| args.get(2).cloned())
                    .unwrap_or_else(err),
                _ => merge_unknown(args.iter()),
            }
        }
        "coalesce" => {
            for a in &args {
                if !a.is_known() {
                    return merge_unknown([a]);
                }
                if !matches!(a, Value::Null) && a.as_str() != Some("") {
                    return a.clone();
                }
            }
            return err();
        }
        "coalescelist" => {
            for a in &args {
                match a {
                    Value::List(l) if !l.is_empty() => return a.clone(),
                    Value::List(_) => {}
                    other => return merge_unknown([other]),
                }
            }
            return err();
        }
        "jsonencode" | "yamlencode" => {
            return match args.first() {
                // Unknown parts become null; the dependencies stay visible.
                Some(v) if v.is_wholly_known() => Value::String(v.to_json().to_string()),
                Some(v) => merge_unknown([v]),
                None => err(),
            };
        }
        "one" => {
            return match args.first() {
                Some(Value::List(l)) if l.is_empty() => Value::Null,
                Some(Value::List(l)) if l.len() == 1 => l[0].clone(),
                Some(other) => merge_unknown([other]),
                None => err(),
            }
        }
        "compact" => {
            return match args.first() {
                Some(Value::List(l)) => Value::List(
                    l.iter()
                        .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                        .cloned()
                        .collect(),
                ),
                _ => merge_unknown(args.iter()),
            }
        }
        _ => {}
    }
    if args.iter().any(|a| !a.is_wholly_known()) {
        return merge_unknown(args.iter());
    }
    known(name, &args).unwrap_or_else(|| {
        if is_known_function(name) {
            err()
        } else {
            Value::unknown(format!("{name}()"))
        }
    })
}

fn err() -> Value {
    Value::unknown(ERROR_REF)
}

fn dedup(l: &mut Vec<Value>) {
    let mut out: Vec<Value> = Vec::with_capacity(l.len());
    for v in l.drain(..) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    *l = out;
}

fn is_known_function(name: &str) -> bool {
    matches!(
        name,
        "cidrsubnet"
            | "format"
            | "replace"
            | "lower"
            | "upper"
            | "contains"
            | "join"
            | "split"
            | "trimspace"
            | "tostring"
            | "tonumber"
            | "tobool"
            | "max"
            | "min"
            | "abs"
            | "ceil"
            | "floor"
            | "flatten"
            | "distinct"
            | "range"
            | "zipmap"
            | "startswith"
            | "endswith"
            | "substr"
            | "title"
            | "sort"
            | "reverse"
            | "slice"
            | "sum"
            | "base64encode"
            | "trimprefix"
            | "trimsuffix"
            | "trim"
            | "formatlist"
            | "index"
            | "chomp"
            | "signum"
            | "pow"
            | "setunion"
            | "strrev"
    )
}

fn s(v: &Value) -> Option<String> {
    v.to_display_string()
}

fn n(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn list(v: &Value) -> Option<&[Value]> {
    v.as_list()
}

fn known(name: &str, a: &[Value]) -> Option<Value> {
    let arg = |i: usize| a.get(i);
    Some(match name {
        "lower" => Value::String(s(arg(0)?)?.to_lowercase()),
        "upper" => Value::String(s(arg(0)?)?.to_uppercase()),
        "title" => Value::String(
            s(arg(0)?)?
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "trimspace" => Value::String(s(arg(0)?)?.trim().to_string()),
        "chomp" => Value::String(s(arg(0)?)?.trim_end_matches(['\n', '\r']).to_string()),
        "trimprefix" => {
            let x = s(arg(0)?)?;
            let p = s(arg(1)?)?;
            Value::String(x.strip_prefix(&p).unwrap_or(&x).to_string())
        }
        "trimsuffix" => {
            let x = s(arg(0)?)?;
            let p = s(arg(1)?)?;
            Value::String(x.strip_suffix(&p).unwrap_or(&x).to_string())
        }
        "trim" => {
            let x = s(arg(0)?)?;
            let cut: Vec<char> = s(arg(1)?)?.chars().collect();
            Value::String(x.trim_matches(|c| cut.contains(&c)).to_string())
        }
        "strrev" => Value::String(s(arg(0)?)?.chars().rev().collect()),
        "tostring" => Value::String(s(arg(0)?)?),
        "tonumber" => Value::Number(n(arg(0)?)?),
        "tobool" => Value::Bool(arg(0)?.as_bool()?),
        "replace" => {
            let x = s(arg(0)?)?;
            let from = s(arg(1)?)?;
            let to = s(arg(2)?)?;
            if from.len() > 2 && from.starts_with('/') && from.ends_with('/') {
                // Regular-expression replacement is not evaluated.
                return None;
            }
            Value::String(x.replace(&from, &to))
        }
        "join" => Value::String(
            list(arg(1)?)?
                .iter()
                .map(s)
                .collect::<Option<Vec<_>>>()?
                .join(&s(arg(0)?)?),
        ),
        "split" => {
            let sep = s(arg(0)?)?;
            let x = s(arg(1)?)?;
            if sep.is_empty() {
                return None;
            }
            Value::List(
                x.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )
        }
        "contains" => Value::Bool(list(arg(0)?)?.contains(arg(1)?)),
        "index" => Value::Number(
            list(arg(0)?)?
                .iter()
                .position(|v| v == arg(1).unwrap_or(&Value::Null))? as f64,
        ),
        "startswith" => Value::Bool(s(arg(0)?)?.starts_with(&s(arg(1)?)?)),
        "endswith" => Value::Bool(s(arg(0)?)?.ends_with(&s(arg(1)?)?)),
        "substr" => {
            let x: Vec<char> = s(arg(0)?)?.chars().collect();
            let off = n(arg(1)?)? as usize;
            let len = n(arg(2)?)?;
            let end = if len < 0.0 {
                x.len()
            } else {
                (off + len as usize).min(x.len())
            };
            Value::String(x.get(off.min(x.len())..end)?.iter().collect())
        }
        "format" => Value::String(format_fn(&s(arg(0)?)?, &a[1..])?),
        "formatlist" => {
            let f = s(arg(0)?)?;
            let lists: Vec<&[Value]> = a[1..].iter().filter_map(|v| v.as_list()).collect();
            let len = lists.first().map(|l| l.len()).unwrap_or(0);
            let mut out = Vec::new();
            for i in 0..len {
                let row: Vec<Value> = a[1..]
                    .iter()
                    .map(|v| match v {
                        Value::List(l) => l.get(i).cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    })
                    .collect();
                out.push(Value::String(format_fn(&f, &row)?));
            }
            Value::List(out)
        }
        "max" => Value::Number(
            a.iter()
                .map(n)
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .fold(f64::MIN, f64::max),
        ),
        "min" => Value::Number(
            a.iter()
                .map(n)
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .fold(f64::MAX, f64::min),
        ),
        "sum" => Value::Number(list(arg(0)?)?.iter().map(n).sum::<Option<f64>>()?),
        "abs" => Value::Number(n(arg(0)?)?.abs()),
        "ceil" => Value::Number(n(arg(0)?)?.ceil()),
        "floor" => Value::Number(n(arg(0)?)?.floor()),
        "signum" => Value::Number(n(arg(0)?)?.signum()),
        "pow" => Value::Number(n(arg(0)?)?.powf(n(arg(1)?)?)),
        "flatten" => {
            fn flat(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.iter().for_each(|x| flat(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            flat(arg(0)?, &mut out);
            Value::List(out)
        }
        "distinct" => {
            let mut l = list(arg(0)?)?.to_vec();
            dedup(&mut l);
            Value::List(l)
        }
        "setunion" => {
            let mut l: Vec<Value> = a
                .iter()
                .filter_map(|v| v.as_list())
                .flatten()
                .cloned()
                .collect();
            dedup(&mut l);
            Value::List(l)
        }
        "sort" => {
            let mut l: Vec<String> = list(arg(0)?)?.iter().map(s).collect::<Option<_>>()?;
            l.sort();
            Value::List(l.into_iter().map(Value::String).collect())
        }
        "reverse" => Value::List(list(arg(0)?)?.iter().rev().cloned().collect()),
        "slice" => {
            let l = list(arg(0)?)?;
            let from = n(arg(1)?)? as usize;
            let to = (n(arg(2)?)? as usize).min(l.len());
            Value::List(l.get(from.min(to)..to)?.to_vec())
        }
        "range" => {
            let (start, end, step) = match a.len() {
                1 => (0.0, n(arg(0)?)?, 1.0),
                2 => (n(arg(0)?)?, n(arg(1)?)?, 1.0),
                _ => (n(arg(0)?)?, n(arg(1)?)?, n(arg(2)?)?),
            };
            if step == 0.0 || ((end - start) / step) > 10_000.0 {
                return None;
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
            }
            Value::List(out)
        }
        "zipmap" => {
            let k = list(arg(0)?)?;
            let v = list(arg(1)?)?;
            Value::Object(
                k.iter()
                    .zip(v)
                    .filter_map(|(k, v)| Some((s(k)?, v.clone())))
                    .collect(),
            )
        }
        "base64encode" => Value::String(base64(s(arg(0)?)?.as_bytes())),
        "cidrsubnet" => Value::String(cidrsubnet(
            &s(arg(0)?)?,
            n(arg(1)?)? as u32,
            n(arg(2)?)? as u64,
        )?),
        _ => return None,
    })
}

/// Terraform's `format` verbs: %s %d %v %q %f and %%.
fn format_fn(f: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags and width (e.g. %03d, %.2f): rendered plainly.
        let mut verb = chars.next()?;
        while verb.is_ascii_digit() || verb == '.' || verb == '-' || verb == '+' || verb == '#' {
            verb = chars.next()?;
        }
        match verb {
            '%' => out.push('%'),
            's' | 'v' => out.push_str(&it.next()?.to_display_string()?),
            'd' => out.push_str(&format_number(it.next()?.as_f64()?.trunc())),
            'f' | 'g' => out.push_str(&format_number(it.next()?.as_f64()?)),
            'q' => out.push_str(&format!("{:?}", it.next()?.to_display_string()?)),
            't' => out.push_str(&it.next()?.as_bool()?.to_string()),
            _ => return None,
        }
    }
    Some(out)
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// IPv4 `cidrsubnet(prefix, newbits, netnum)`.
fn cidrsubnet(prefix: &str, newbits: u32, netnum: u64) -> Option<String> {
    let (addr, len) = prefix.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    let octets: Vec<u32> = addr
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    if octets.len() != 4 || len + newbits > 32 {
        return None;
    }
    let base = octets.iter().fold(0u32, |acc, o| (acc << 8) | o);
    let new_len = len + newbits;
    if newbits < 64 && netnum >= (1u64 << newbits) {
        return None;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let net = (base & mask) | ((netnum as u32) << (32 - new_len));
    Some(format!(
        "{}.{}.{}.{}/{}",
        net >> 24,
        (net >> 16) & 255,
        (net >> 8) & 255,
        net & 255,
        new_len
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn common_functions() {
        assert_eq!(
            call(
                "cidrsubnet",
                vec![st("10.0.0.0/16"), Value::Number(8.0), Value::Number(2.0)]
            ),
            st("10.0.2.0/24")
        );
        assert_eq!(
            call("format", vec![st("%s-%d"), st("a"), Value::Number(3.0)]),
            st("a-3")
        );
        assert_eq!(call("upper", vec![st("ab")]), st("AB"));
        assert_eq!(
            call(
                "length",
                vec![Value::List(vec![Value::unknown("x"), Value::Null])]
            ),
            Value::Number(2.0)
        );
        assert_eq!(
            call("coalesce", vec![Value::Null, st(""), st("b")]),
            st("b")
        );
        assert_eq!(call("base64encode", vec![st("hi")]), st("aGk="));
        assert_eq!(
            call(
                "jsonencode",
                vec![Value::Object(crate::terraform::value::Object::from([(
                    "a".to_string(),
                    Value::Number(1.0)
                )]))]
            ),
            st("{\"a\":1}")
        );
        assert!(!call("upper", vec![Value::unknown("var.x")]).is_known());
        assert_eq!(call("nosuchfn", vec![]), Value::unknown("nosuchfn()"));
    }
}
