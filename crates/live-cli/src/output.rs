//! How a failure reaches stderr: the one line of text it always was, or, with
//! `--output json`, one JSON object on one line:
//!
//! ```json
//! {"code":"ResourceNotFound","kind":"service","message":"…","request_id":"…","http_status":404,"exit_status":1}
//! ```
//!
//! `code`, `request_id` and `http_status` are `null` when the failure has none (nothing was
//! sent, or no response came back). No field ever holds a secret: the messages are the
//! errors' `Display`, which never shows one, or the service's own message.

use std::ffi::OsString;
use std::io::Write;

use live_api::{ErrorKind, LiveError};
use serde_json::json;

/// A failure as the shell sees it.
#[derive(Debug)]
pub(crate) struct Report {
    /// A stable category: `usage`, `config`, `invalid_input`, `credentials`, `service`,
    /// `transport`, `timeout`, `rate_limited`, `unexpected_response`, `decode`, `pagination`,
    /// `output`, `some_failed` (several task ids, some failed).
    kind: &'static str,
    /// The service's error code.
    code: Option<String>,
    /// What happened (the service's message as received, for a service error).
    message: String,
    request_id: Option<String>,
    http_status: Option<u16>,
    /// The process's exit status.
    exit_status: u8,
    /// The text-mode line, `volc-live: …`.
    line: String,
}

impl Report {
    /// A failure with no code, request id or status: settings, usage, output.
    pub(crate) fn plain(kind: &'static str, message: impl Into<String>, exit_status: u8) -> Self {
        let message = message.into();
        Self {
            kind,
            code: None,
            line: format!("volc-live: {message}"),
            message,
            request_id: None,
            http_status: None,
            exit_status,
        }
    }

    /// An operation's error; `line` is the text-mode line and `context` (e.g. `page 3`)
    /// prefixes the message.
    pub(crate) fn live(e: &LiveError, line: String, context: Option<String>, exit: u8) -> Self {
        let message = match e.kind() {
            ErrorKind::Service(api) => api.message.clone(),
            _ => e.to_string(),
        };
        Self {
            kind: kind_name(e.kind()),
            code: e.code().map(|c| c.as_str().to_owned()),
            message: match context {
                Some(c) => format!("{c}: {message}"),
                None => message,
            },
            request_id: e.request_id().map(str::to_owned),
            http_status: e.http_status(),
            exit_status: exit,
            line,
        }
    }

    /// A command-line error found by clap (exit status 2), for `--output json`.
    pub(crate) fn usage(e: &clap::Error) -> Self {
        if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            return Self::plain("usage", "no command given; see volc-live --help", 2);
        }
        // The rendered text without styling; its first paragraph says what is wrong, the
        // rest is the usage line and a pointer to --help.
        let text = e.render().to_string();
        let first = text.split("\n\n").next().unwrap_or_default().trim();
        let first = first.strip_prefix("error: ").unwrap_or(first);
        Self::plain("usage", first, 2)
    }

    /// The exit status.
    pub(crate) fn exit_status(&self) -> u8 {
        self.exit_status
    }

    /// The JSON object.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        json!({
            "code": self.code,
            "kind": self.kind,
            "message": self.message,
            "request_id": self.request_id,
            "http_status": self.http_status,
            "exit_status": self.exit_status,
        })
    }

    /// The JSON object (one line, no newline).
    pub(crate) fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// Writes the report to stderr, as JSON or as the text line.
    pub(crate) fn emit(&self, json: bool) {
        let text = if json {
            self.to_json()
        } else {
            self.line.clone()
        };
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// The stable name of an error's kind.
fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Service(_) => "service",
        ErrorKind::Transport(_) => "transport",
        ErrorKind::Timeout { .. } | ErrorKind::WaitTimeout { .. } => "timeout",
        ErrorKind::RateLimited { .. } => "rate_limited",
        ErrorKind::WaitUnreachable { .. } => "unreachable",
        ErrorKind::UnexpectedResponse(_) => "unexpected_response",
        ErrorKind::Decode(_) => "decode",
        ErrorKind::InvalidInput(_) => "invalid_input",
        ErrorKind::Credentials(_) => "credentials",
        ErrorKind::Config(_) => "config",
        ErrorKind::Pagination { .. } => "pagination",
        _ => "other",
    }
}

/// Whether the raw arguments ask for `--output json`, looked at before clap parses them so
/// that clap's own errors can be JSON too. Only arguments before a `--` count.
pub(crate) fn wants_json(args: &[OsString]) -> bool {
    let mut it = args.iter().skip(1).map(|a| a.to_str().unwrap_or_default());
    let mut json = false;
    while let Some(a) = it.next() {
        match a {
            "--" => break,
            "--output" => json = it.next() == Some("json"),
            _ if a.starts_with("--output=") => json = a == "--output=json",
            _ => {}
        }
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn json_is_asked_by_either_spelling_before_a_double_dash() {
        assert!(wants_json(&args(&["volc-live", "--output", "json", "get"])));
        assert!(wants_json(&args(&["volc-live", "get", "--output=json"])));
        assert!(!wants_json(&args(&["volc-live", "--output", "table"])));
        assert!(!wants_json(&args(&["volc-live", "--", "--output", "json"])));
        assert!(!wants_json(&args(&["volc-live", "--output"])));
    }

    #[test]
    fn a_plain_report_has_nulls_and_its_exit_status() {
        let r = Report::plain("config", "--ca-cert x.pem: no such file", 2);
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["code"], serde_json::Value::Null);
        assert_eq!(v["request_id"], serde_json::Value::Null);
        assert_eq!(v["http_status"], serde_json::Value::Null);
        assert_eq!(v["exit_status"], 2);
        assert_eq!(v["kind"], "config");
        assert_eq!(v["message"], "--ca-cert x.pem: no such file");
        assert_eq!(r.line, "volc-live: --ca-cert x.pem: no such file");
    }
}
