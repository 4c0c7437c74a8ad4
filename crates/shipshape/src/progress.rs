//! A spinner on stderr while a review runs, so a long review on a big
//! repository does not look hung.
//!
//! Only on a terminal, never with `--quiet`, and only once the review has
//! taken ~300 ms: a quick review prints nothing, so short runs and piped
//! output stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DELAY: Duration = Duration::from_millis(300);

pub struct Progress {
    bar: Option<ProgressBar>,
    /// Set when the review is done; guards the delayed start against a
    /// review that ends at the same moment.
    done: Arc<Mutex<bool>>,
}

impl Progress {
    pub fn start(quiet: bool) -> Self {
        let done = Arc::new(Mutex::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Self { bar: None, done };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        let (b, flag) = (bar.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            let done = flag.lock().map(|d| *d).unwrap_or(true);
            if !done {
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Self {
            bar: Some(bar),
            done,
        }
    }

    pub fn stage(&self, message: impl Into<std::borrow::Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Clears the spinner (before the report is written).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            if let Ok(mut d) = self.done.lock() {
                *d = true;
                bar.finish_and_clear();
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
