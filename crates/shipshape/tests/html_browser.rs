//! The HTML report in a real browser: headless Chromium driven through
//! chromedriver's W3C WebDriver endpoint, with a tiny HTTP/JSON client over
//! `std::net::TcpStream` (a few requests; no heavy crates for that).
//!
//! Prints SKIPPED and passes when Chromium or chromedriver is missing
//! (`.ci/run` installs them: Debian packages `chromium`, `chromium-driver`).

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// One HTTP/1.1 request; returns the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // chromedriver keeps connections open whatever we ask: read exactly
    // the response (Content-Length or chunked), not to the end of stream.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(body) = complete_body(&raw)? {
            return serde_json::from_slice(&body)
                .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&body)));
        }
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!(
                "connection closed mid-response: {}",
                String::from_utf8_lossy(&raw)
            ));
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// The body once the whole response is in `raw`, else `None`.
fn complete_body(raw: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    if head.contains("transfer-encoding: chunked") {
        if !body.ends_with(b"0\r\n\r\n") {
            return Ok(None);
        }
        return dechunk(body).map(Some);
    }
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .ok_or("no content-length")?;
    Ok((body.len() >= len).then(|| body[..len].to_vec()))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| e.to_string())?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or("short chunk")?);
        data = data.get(size + 2..).ok_or("short chunk")?;
    }
}

/// A chromedriver process with one browser session.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(driver: &Path, javascript: bool) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut browser = Browser {
            driver: child,
            port,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None)
            .ok()
            .and_then(|v| v["value"]["ready"].as_bool())
            != Some(true)
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,1600".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let created = http(port, "POST", "/session", Some(&caps)).expect("new session");
        browser.session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let v = http(self.port, method, &url, body).expect("webdriver request");
        assert!(
            v["value"].get("error").is_none(),
            "{method} {path}: {}",
            v["value"]
        );
        v["value"].clone()
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.display());
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    fn click(&self, css: &str) {
        let el = self.call(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        );
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), Some(&json!({})));
    }

    /// Fingerprints of the findings a reader can see right now.
    fn visible(&self) -> Vec<String> {
        let v = self.eval(
            "return Array.from(document.querySelectorAll('li.finding'))\
             .filter(function (e) { return e.getClientRects().length > 0; })\
             .map(function (e) { return e.getAttribute('data-fingerprint'); });",
        );
        v.as_array()
            .expect("array")
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    }

    fn screenshot(&self, to: &Path) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().expect("base64 screenshot"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(to, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = s.bytes().filter_map(val).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (d << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn browser_tools() -> Option<PathBuf> {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED: {CHROMIUM} is not installed");
        return None;
    }
    let Some(driver) = chromedriver() else {
        println!("SKIPPED: chromedriver is not installed");
        return None;
    };
    Some(driver)
}

fn render(repo: &Path, format: &str, out: &Path) -> Value {
    let repo_s = repo.to_string_lossy().into_owned();
    let out_s = out.to_string_lossy().into_owned();
    run_cli(&[
        "review",
        &repo_s,
        "--format",
        format,
        "-o",
        &out_s,
        "--fail-on",
        "none",
    ]);
    let (_, json) = run_cli(&["review", &repo_s, "--format", "json", "--fail-on", "none"]);
    serde_json::from_str(&json).expect("json report")
}

#[test]
fn html_report_reads_filters_and_matches_the_json() {
    let Some(driver) = browser_tools() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("report.html");
    let report = render(&corpus("ratemyunit-v1"), "html", &page);
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty(), "the corpus repository has findings");

    let b = Browser::start(&driver, true);
    b.open(&page);
    assert_eq!(
        b.eval("return document.getElementById('grade').textContent;"),
        report["grade"]
    );
    assert_eq!(
        b.eval("return document.getElementById('decision').getAttribute('data-decision');"),
        report["decision"]
    );
    // Every JSON finding appears exactly once, with its message.
    assert_eq!(
        b.eval("return document.querySelectorAll('li.finding').length;"),
        json!(findings.len())
    );
    for f in findings {
        let fp = f["fingerprint"].as_str().expect("fingerprint");
        let found = b.eval(&format!(
            "var l = document.querySelectorAll('li.finding[data-fingerprint=\"{fp}\"]'); \
             return [l.length, l.length ? l[0].querySelector('.msg').textContent : null];"
        ));
        assert_eq!(found, json!([1, f["message"]]), "finding {fp}");
    }
    let all: Vec<String> = b.visible();
    assert_eq!(all.len(), findings.len(), "all findings shown at first");
    assert_eq!(
        b.eval("return document.getElementById('shown').textContent;"),
        json!(format!("Showing {0} of {0} findings", findings.len()))
    );

    // Unchecking a severity hides exactly that severity; rechecking restores.
    for key in ["severity", "category"] {
        let value = findings[0][key].as_str().expect("value").to_string();
        let id = format!("f-{}-{value}", &key[..3]);
        let expected: Vec<String> = findings
            .iter()
            .filter(|f| f[key] != value.as_str())
            .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_string())
            .collect();
        b.click(&format!("label[for={id}]"));
        assert_eq!(b.visible(), expected, "after unchecking {id}");
        assert_eq!(
            b.eval("return document.getElementById('shown').textContent;"),
            json!(format!(
                "Showing {} of {} findings",
                expected.len(),
                findings.len()
            ))
        );
        b.click(&format!("label[for={id}]"));
        assert_eq!(b.visible(), all, "after rechecking {id}");
    }

    b.eval("window.scrollTo(0, 0); return null;");
    let shot = manifest_dir().join("../../target/html-report.png");
    b.screenshot(&shot);
    drop(b);

    // Without JavaScript every finding is there and the filters still work.
    let b = Browser::start(&driver, false);
    b.open(&page);
    assert_eq!(
        b.eval("return document.getElementById('shown').textContent;"),
        json!(""),
        "the page script did not run"
    );
    assert_eq!(b.visible().len(), findings.len());
    let sev = findings[0]["severity"].as_str().expect("severity");
    b.click(&format!("label[for=f-sev-{sev}]"));
    let n = findings.iter().filter(|f| f["severity"] != sev).count();
    assert_eq!(b.visible().len(), n, "CSS-only filter");
}

#[test]
fn hostile_repository_content_injects_nothing() {
    let Some(driver) = browser_tools() else {
        return;
    };
    let repo = tempfile::tempdir().expect("tempdir");
    let img = "<img src=x onerror=\\\"document.title='PWNED';window.__pwned=1\\\">";
    let script = "<script>window.__pwned=2</script>";
    std::fs::write(
        repo.path().join("<svg onload=window.__pwned=3>.tf"),
        format!(
            "provider \"aws\" {{}}\n\nresource \"aws_db_instance\" \"{img}\" {{\n  engine = \"postgres\"\n}}\n\nresource \"aws_db_instance\" \"{script}\" {{\n  engine = \"postgres\"\n  # {script} <img src=x onerror=window.__pwned=4>\n}}\n"
        ),
    )
    .expect("write tf");
    std::fs::write(
        repo.path()
            .join("<iframe src=javascript:window.__pwned=5>.tf"),
        "resource \"aws_s3_bucket\" {\n",
    )
    .expect("write broken tf");
    let out = tempfile::tempdir().expect("tempdir");
    let page = out.path().join("hostile.html");
    let report = render(repo.path(), "html", &page);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("<img src=x")),
        "the payload reaches the report: {messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("<script>")),
        "the payload reaches the report: {messages:?}"
    );
    assert!(!report["diagnostics"].as_array().expect("diags").is_empty());

    let b = Browser::start(&driver, true);
    b.open(&page);
    let state = b.eval(
        "return {\
           title: document.title,\
           pwned: typeof window.__pwned,\
           imgs: document.querySelectorAll('img').length,\
           iframes: document.querySelectorAll('iframe').length,\
           scripts: document.scripts.length,\
           svgs: document.querySelectorAll('svg').length,\
           handlers: document.querySelectorAll('[onerror],[onload]').length,\
           shown: document.getElementById('shown').textContent,\
           text: document.body.textContent.indexOf('<img src=x onerror') >= 0\
         };",
    );
    assert_eq!(state["pwned"], "undefined", "no payload ran: {state}");
    assert!(
        state["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Production readiness review")),
        "{state}"
    );
    assert_eq!(state["imgs"], 0, "{state}");
    assert_eq!(state["iframes"], 0, "{state}");
    assert_eq!(state["scripts"], 1, "only the report's own script: {state}");
    assert_eq!(state["svgs"], 1, "only the chart: {state}");
    assert_eq!(state["handlers"], 0, "{state}");
    assert_eq!(state["text"], true, "the payload is shown as text: {state}");
    // The report's own script still ran (the CSP hash matches).
    assert!(
        state["shown"]
            .as_str()
            .is_some_and(|s| s.starts_with("Showing")),
        "{state}"
    );
}
