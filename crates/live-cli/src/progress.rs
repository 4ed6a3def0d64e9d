//! Progress on long work (`list --all`, and any command that makes many calls): a live line on
//! stderr when stderr is a terminal, nothing at all otherwise, so redirected output and logs
//! stay exactly what they were.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress line that is drawn only on a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner with a message, counting `unit`s (e.g. "pages"); hidden unless stderr is a
    /// terminal.
    pub fn spinner(unit: &'static str) -> Self {
        Self::new(std::io::stderr().is_terminal(), None, unit)
    }

    fn new(visible: bool, total: Option<u64>, unit: &'static str) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), target).with_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} [{{elapsed}}] {{pos}}/{{len}} {unit} {{wide_msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::with_draw_target(None, target).with_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} [{{elapsed}}] {{pos}} {unit} {{wide_msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        if visible {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self { bar }
    }

    /// One more unit done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// The text after the counter (status, next poll, …).
    pub fn message(&self, text: impl Into<String>) {
        self.bar.set_message(text.into());
    }

    /// Removes the progress line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
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
        assert!(off.bar.is_hidden());
        assert_eq!(off.bar.position(), 1);
        // A visible one draws to stderr; in a test harness that is a pipe, but the decision
        // is what is tested.
        let on = Progress::new(true, None, "pages");
        on.inc();
        on.inc();
        assert_eq!(on.bar.position(), 2);
        on.finish();
        assert!(on.bar.is_finished());
    }
}
