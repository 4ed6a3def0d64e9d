//! Progress on long work (`list --all`, `get` with many task ids, `wait`): a live line on
//! stderr when stderr is a terminal, nothing at all otherwise, so redirected output and logs
//! stay exactly what they were.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// A progress line that is drawn only on a terminal. Clones share the line; it is cleared
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner with a message, counting `unit`s (e.g. "pages"); hidden unless stderr is a
    /// terminal.
    pub fn spinner(unit: &'static str) -> Self {
        Self::new(std::io::stderr().is_terminal(), None, unit)
    }

    /// A bar out of `total` `unit`s (e.g. task ids); hidden unless stderr is a terminal.
    pub fn bar(total: u64, unit: &'static str) -> Self {
        Self::new(std::io::stderr().is_terminal(), Some(total), unit)
    }

    fn new(visible: bool, total: Option<u64>, unit: &'static str) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let template = match total {
            Some(_) => format!("{{spinner}} [{{elapsed}}] {{pos}}/{{len}} {unit} {{wide_msg}}"),
            None => format!("{{spinner}} [{{elapsed}}] {{pos}} {unit} {{wide_msg}}"),
        };
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(total, target)
            .with_style(style)
            .with_finish(ProgressFinish::AndClear);
        if visible {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self { bar }
    }

    /// Whether the line is drawn (stderr is a terminal).
    pub fn is_visible(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// One more unit done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// The text after the counter (status, next poll, …).
    pub fn message(&self, text: impl Into<String>) {
        self.bar.set_message(text.into());
    }

    /// Runs `f` (which writes to stdout or stderr) with the line lifted, so the two do not
    /// mix on a terminal.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_off_a_terminal_and_drawn_on_one() {
        let off = Progress::new(false, Some(3), "ids");
        off.inc();
        off.message("recording");
        assert!(!off.is_visible());
        assert_eq!(off.bar.position(), 1);
        assert_eq!(off.suspend(|| 7), 7);
        // A visible one draws to stderr (in a test harness a pipe, which indicatif itself
        // then leaves alone); the counting is what is tested.
        let on = Progress::new(true, None, "pages");
        let clone = on.clone();
        on.inc();
        clone.inc();
        assert_eq!(on.bar.position(), 2);
        on.finish();
        assert!(clone.bar.is_finished());
    }
}
