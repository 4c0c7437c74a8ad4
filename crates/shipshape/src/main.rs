//! shipshape: reviews a repository for production readiness.
//!
//! The binary is thin: it parses the command line, loads the repository,
//! runs the rules, renders the report and maps the outcome to an exit
//! status (0 clean, 1 findings at or above `--fail-on`, 2 usage or
//! configuration errors, 3 internal errors: never a panic trace).
#![forbid(unsafe_code)]

mod cli;
mod docs_cmd;
mod followup;
mod progress;
mod review;
mod settings;

use clap::Parser;
use std::process::ExitCode;

/// The review allocates millions of small, short-lived values from every
/// thread (syntax trees, evaluated values, findings); mimalloc's per-thread
/// heaps make that markedly cheaper than glibc's malloc (docs/performance.md).
/// The `override` feature gives C code the same allocator: tree-sitter's
/// parsers allocate through `malloc`, and glibc's was 3-4% of a review.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic is an internal error: one line, exit 3, no backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("shipshape: internal error: {msg}{at}");
        std::process::exit(3);
    }));
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("shipshape: {e:#}");
            ExitCode::from(e.exit_code())
        }
    }
}
