//! Route registrations, derived from the calls and decorators of a module:
//! Express/Fastify/Koa routers, Flask/FastAPI decorators, Django `path()`,
//! Go `http.HandleFunc` / mux / gin / echo / chi.

use super::model::{Call, Handler, Lang, Module, Route};

/// Methods that register a route when the first argument is a path.
const ROUTE_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "head",
    "options",
    "all",
    "any",
    "route",
    "handle",
    "handlefunc",
    "add_url_rule",
    "api_route",
    "websocket",
    "match",
];

/// Modules whose `get('/x')` is an outgoing request, not a route.
const HTTP_CLIENTS: &[&str] = &[
    "axios",
    "got",
    "ky",
    "superagent",
    "supertest",
    "node-fetch",
    "undici",
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
];

pub fn derive(m: &mut Module) {
    let mut routes = vec![];
    for c in &m.calls {
        if let Some(r) = route_of_call(m, c) {
            routes.push(r);
        }
    }
    for f in &m.functions {
        for d in &f.decorators {
            let method = d.method().to_ascii_lowercase();
            // JS decorators are NestJS's (`@Get()`), Python's are `@app.get(...)`.
            let nest = m.lang.is_node() && d.callee == d.method();
            if !ROUTE_METHODS.contains(&method.as_str()) || (m.lang.is_node() && !nest) {
                continue;
            }
            let Some(path) = d.first_string().filter(|p| p.starts_with('/')) else {
                continue;
            };
            routes.push(Route {
                method,
                path: path.to_string(),
                registrar: d.callee.clone(),
                handler: Handler::Inline {
                    callees: f.callees.clone(),
                    params: f.params.clone(),
                },
                span: shipshape_model::LineSpan::new(d.span.start, f.span.end),
            });
        }
    }
    m.routes = routes;
}

fn route_of_call(m: &Module, c: &Call) -> Option<Route> {
    if c.is_new {
        return None;
    }
    let method = c.method().to_ascii_lowercase();
    let django = m.lang == Lang::Python
        && matches!(method.as_str(), "path" | "re_path" | "url")
        && m.callee_module(&c.callee)
            .is_some_and(|mo| mo.starts_with("django"));
    if !django && !ROUTE_METHODS.contains(&method.as_str()) {
        return None;
    }
    // Python routes come from decorators; only `add_url_rule` registers by call.
    if m.lang == Lang::Python && !django && method != "add_url_rule" {
        return None;
    }
    if !django && !c.callee.contains('.') {
        return None;
    }
    if let Some(module) = m.callee_module(&c.callee) {
        if HTTP_CLIENTS.contains(&module) {
            return None;
        }
    }
    if m.lang == Lang::Go && matches!(c.callee.as_str(), "http.Get" | "http.Post" | "http.Head") {
        return None;
    }
    // Fastify's `app.route({ method, url, handler })`.
    if method == "route" && c.args.len() == 1 && !c.args[0].props.is_empty() {
        let a = &c.args[0];
        let prop = |k: &str| a.props.iter().find(|p| p.key == k);
        let path = prop("url").or_else(|| prop("path"))?;
        let path = path.value.trim_matches(['\'', '"', '`']).to_string();
        let handler = match prop("handler") {
            Some(h) if !h.value.contains('(') && !h.value.contains("=>") => {
                Handler::Named(h.value.clone())
            }
            Some(_) => Handler::Inline {
                callees: a.callees.clone(),
                params: vec![],
            },
            None => Handler::Unknown,
        };
        return Some(Route {
            method: prop("method")
                .map(|p| p.value.trim_matches(['\'', '"']).to_ascii_lowercase())
                .unwrap_or_default(),
            path,
            registrar: c.callee.clone(),
            handler,
            span: c.span,
        });
    }
    let raw = c.first_string()?;
    // Go 1.22 patterns carry the method: "GET /healthz".
    let raw = raw.rsplit(' ').next().unwrap_or(raw);
    let path = if django {
        format!("/{}", raw.trim_start_matches('^'))
    } else if raw.starts_with('/') {
        raw.to_string()
    } else {
        return None;
    };
    if c.args.len() < 2 {
        return None;
    }
    let last = c.args.last()?;
    let handler = if last.is_function {
        Handler::Inline {
            callees: last.callees.clone(),
            params: last.params.clone(),
        }
    } else if let Some(id) = &last.ident {
        Handler::Named(id.clone())
    } else if let Some(inner) = wrapped_name(&last.text) {
        // `http.HandlerFunc(health)`
        Handler::Named(inner)
    } else {
        Handler::Unknown
    };
    let keyword_view = c
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some("view_func"))
        .and_then(|a| a.ident.clone());
    Some(Route {
        method,
        path,
        registrar: c.callee.clone(),
        handler: keyword_view.map(Handler::Named).unwrap_or(handler),
        span: c.span,
    })
}

/// `f(name)` → `name` when the argument is a single identifier.
fn wrapped_name(text: &str) -> Option<String> {
    let open = text.find('(')?;
    let inner = text[open + 1..].strip_suffix(')')?.trim();
    if !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        Some(inner.to_string())
    } else {
        None
    }
}
