//! The progress display of a compilation (indicatif): two bars on stderr, functions
//! translated and partitions optimised and emitted, with the elapsed time.
//!
//! Invariants:
//! - Nothing is ever drawn when stderr is not a terminal (tests, CI logs, pipes).
//! - Nothing is drawn for compilations that end within [`SHOW_AFTER`]: the bars are
//!   kept hidden and revealed by a timer thread only if the compilation is still
//!   running then.
//! - [`Display::finish`] removes the bars (the terminal is left as it was), and is
//!   called on every path out of a compilation, failures included (`Drop`).

use std::io::IsTerminal;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::translate::Progress;

/// How long a compilation runs before progress is shown.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Redraw interval once shown.
const TICK: Duration = Duration::from_millis(120);

/// A progress display; inert when disabled.
pub struct Display {
    inner: Option<Shown>,
}

struct Shown {
    multi: MultiProgress,
    funcs: ProgressBar,
    parts: ProgressBar,
    /// Set when the compilation is over; the timer thread waits on it.
    done: Arc<(Mutex<bool>, Condvar)>,
    timer: Option<JoinHandle<()>>,
}

impl Display {
    /// A display that shows itself after [`SHOW_AFTER`] if stderr is a terminal.
    pub fn for_stderr() -> Display {
        if std::io::stderr().is_terminal() {
            Display::start(ProgressDrawTarget::stderr())
        } else {
            Display::disabled()
        }
    }

    /// A display that never draws.
    pub fn disabled() -> Display {
        Display { inner: None }
    }

    fn start(target: ProgressDrawTarget) -> Display {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::hidden());
        let style = |unit: &str| {
            ProgressStyle::with_template(&format!(
                "{{prefix:>9}} [{{bar:30}}] {{pos:>6}}/{{len:<6}} {unit} {{elapsed:>4}}"
            ))
            .expect("valid progress template")
            .progress_chars("=> ")
        };
        let funcs = multi.add(ProgressBar::new(0).with_style(style("functions")));
        funcs.set_prefix("translate");
        let parts = multi.add(ProgressBar::new(0).with_style(style("partitions")));
        parts.set_prefix("codegen");
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let timer = {
            let (multi, funcs, parts, done) =
                (multi.clone(), funcs.clone(), parts.clone(), done.clone());
            std::thread::Builder::new()
                .name("aotc-progress".into())
                .spawn(move || {
                    let (lock, cvar) = &*done;
                    let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    let (guard, _) = cvar
                        .wait_timeout_while(guard, SHOW_AFTER, |done| !*done)
                        .unwrap_or_else(|e| e.into_inner());
                    if !*guard {
                        multi.set_draw_target(target);
                        funcs.enable_steady_tick(TICK);
                        parts.enable_steady_tick(TICK);
                    }
                })
                .ok()
        };
        Display {
            inner: Some(Shown {
                multi,
                funcs,
                parts,
                done,
                timer,
            }),
        }
    }

    /// Ends the display and clears what it drew.
    pub fn finish(&mut self) {
        let Some(mut shown) = self.inner.take() else {
            return;
        };
        {
            let (lock, cvar) = &*shown.done;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
            cvar.notify_all();
        }
        if let Some(t) = shown.timer.take() {
            let _ = t.join();
        }
        shown.funcs.finish_and_clear();
        shown.parts.finish_and_clear();
        let _ = shown.multi.clear();
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Progress for Display {
    fn begin(&self, functions: u64, partitions: u64) {
        if let Some(s) = &self.inner {
            s.funcs.set_length(functions);
            s.parts.set_length(partitions);
        }
    }

    fn translated(&self, n: u64) {
        if let Some(s) = &self.inner {
            s.funcs.inc(n);
        }
    }

    fn part_done(&self) {
        if let Some(s) = &self.inner {
            s.parts.inc(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_display_counts_and_finishes_quickly() {
        let mut d = Display::start(ProgressDrawTarget::hidden());
        d.begin(3, 2);
        d.translated(1);
        d.translated(2);
        d.part_done();
        let s = d.inner.as_ref().unwrap();
        assert_eq!(s.funcs.position(), 3);
        assert_eq!(s.parts.position(), 1);
        let t = std::time::Instant::now();
        d.finish();
        // The timer thread is woken, not waited out.
        assert!(t.elapsed() < SHOW_AFTER);
        assert!(d.inner.is_none());
        d.finish();
    }

    #[test]
    fn disabled_display_does_nothing() {
        let mut d = Display::disabled();
        d.begin(1, 1);
        d.translated(1);
        d.part_done();
        d.finish();
    }
}
