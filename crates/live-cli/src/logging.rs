//! `-v`: how much is traced to stderr, and whether in colour.
//!
//! - `-v` traces `live_api` and `volc_live` at debug, `-vv` at trace (and names the proxy).
//! - `-v FILTER` (or `--verbose=FILTER`) takes a filter in `RUST_LOG` syntax, e.g.
//!   `-v live_api=trace,hyper_util=debug`, added after what `-v`/`-vv` set. After a separate
//!   `-v`, the next word is taken as the filter when it looks like one: it holds `=`, `,` or
//!   `[`, or it is a level (`off`, `error`, `warn`, `info`, `debug`, `trace`); anything else
//!   (a command name, `--task-id`) is left alone. `--verbose=FILTER` always takes it.
//! - Colour (clap's and the traces') only when stderr is a terminal and `NO_COLOR` is unset
//!   or empty.

use std::ffi::OsString;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The levels a `-v` may be followed by.
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Whether a word after a separate `-v` is its filter.
fn looks_like_filter(word: &str) -> bool {
    !word.starts_with('-')
        && (word.contains(['=', ',', '[']) || LEVELS.iter().any(|l| l.eq_ignore_ascii_case(word)))
}

/// Rewrites a separate `-v` / `--verbose` into `--verbose=FILTER` (taking the next word when
/// it looks like a filter) or `--verbose=`, so that clap never takes a command name for a
/// filter. `-vv`, `-v=…` and `--verbose=…` pass unchanged, as does everything after `--`.
pub(crate) fn normalize_args(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut it = args.into_iter();
    out.extend(it.next());
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--") => {
                out.push(arg);
                out.extend(it);
                break;
            }
            Some("-v" | "--verbose") => {
                let mut next = it.clone();
                match next.next() {
                    Some(word) if word.to_str().is_some_and(looks_like_filter) => {
                        let mut flag = OsString::from("--verbose=");
                        flag.push(&word);
                        out.push(flag);
                        it = next;
                    }
                    _ => out.push(OsString::from("--verbose=")),
                }
            }
            _ => out.push(arg),
        }
    }
    out
}

/// What the `-v` values ask for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verbosity {
    /// 1 for `-v`, 2 for `-vv`, …; filters do not count.
    pub(crate) level: usize,
    /// The directives for [`EnvFilter`], empty when nothing is traced.
    pub(crate) directives: String,
}

impl Verbosity {
    /// Reads the values clap collected for `-v`: empty (a bare `-v`), `v`… (the rest of
    /// `-vv…`) or a filter.
    pub(crate) fn from_values(values: &[String]) -> Self {
        let mut level = 0;
        let mut filters = Vec::new();
        for v in values {
            if v.chars().all(|c| c == 'v') {
                level += 1 + v.len();
            } else {
                filters.push(v.as_str());
            }
        }
        let mut directives = Vec::new();
        let base;
        if level > 0 {
            let l = if level > 1 { "trace" } else { "debug" };
            base = format!("live_api={l},volc_live={l}");
            directives.push(base.as_str());
        }
        directives.extend(filters);
        Self {
            level,
            directives: directives.join(","),
        }
    }

    /// The filter, `None` when nothing is traced; an error names what is wrong with it.
    pub(crate) fn filter(&self) -> Result<Option<EnvFilter>, String> {
        if self.directives.is_empty() {
            return Ok(None);
        }
        EnvFilter::builder()
            .parse(&self.directives)
            .map(Some)
            .map_err(|e| {
                format!(
                    "-v {}: not a filter in RUST_LOG syntax: {e}",
                    self.directives
                )
            })
    }
}

/// Whether `NO_COLOR` asks for no colour (set and not empty, as no-color.org says).
pub(crate) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether what goes to stderr may be coloured.
pub(crate) fn stderr_color() -> bool {
    !no_color() && std::io::stderr().is_terminal()
}

/// Starts tracing to stderr with `filter`.
pub(crate) fn init(filter: EnvFilter) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(stderr_color())
        .with_env_filter(filter)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(a: &[&str]) -> Vec<String> {
        normalize_args(a.iter().map(OsString::from).collect())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn a_separate_v_takes_only_what_looks_like_a_filter() {
        assert_eq!(
            norm(&["volc-live", "-v", "get", "--task-id", "x"]),
            ["volc-live", "--verbose=", "get", "--task-id", "x"]
        );
        assert_eq!(
            norm(&["volc-live", "-v", "live_api=trace", "get"]),
            ["volc-live", "--verbose=live_api=trace", "get"]
        );
        assert_eq!(
            norm(&["volc-live", "--verbose", "DEBUG", "get"]),
            ["volc-live", "--verbose=DEBUG", "get"]
        );
        assert_eq!(
            norm(&["volc-live", "get", "-v", "--task-id", "x", "-v"]),
            [
                "volc-live",
                "get",
                "--verbose=",
                "--task-id",
                "x",
                "--verbose="
            ]
        );
        assert_eq!(
            norm(&["volc-live", "-vv", "get", "--", "-v", "a=b"]),
            ["volc-live", "-vv", "get", "--", "-v", "a=b"]
        );
    }

    #[test]
    fn levels_count_and_filters_follow() {
        let v = |a: &[&str]| {
            Verbosity::from_values(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(v(&[]).directives, "");
        assert_eq!(v(&[""]).directives, "live_api=debug,volc_live=debug");
        assert_eq!(v(&["v"]).level, 2);
        assert_eq!(v(&["v"]).directives, "live_api=trace,volc_live=trace");
        assert_eq!(v(&["", ""]).level, 2);
        let f = v(&["hyper_util=debug"]);
        assert_eq!((f.level, f.directives.as_str()), (0, "hyper_util=debug"));
        assert_eq!(
            v(&["", "hyper_util=debug"]).directives,
            "live_api=debug,volc_live=debug,hyper_util=debug"
        );
        assert!(v(&["live_api=debug"]).filter().unwrap().is_some());
        assert!(v(&[]).filter().unwrap().is_none());
        let err = v(&["live_api=loud"]).filter().unwrap_err();
        assert!(err.contains("RUST_LOG"), "{err}");
    }
}
