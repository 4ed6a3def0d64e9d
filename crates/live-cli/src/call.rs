//! `volc-live call`: any action of any Volcengine OpenAPI service ([`live_api::openapi`]),
//! with the credentials, signature, retries, pacing, deadlines and error reports of the
//! other commands.
//!
//! Parameters go in the query (`--query NAME=VALUE`, repeatable) or in a JSON body
//! (`--body JSON`, `--body @FILE`, `--body -` for stdin; a body makes it a POST). Everything
//! that can be checked is checked before anything is sent (exit status 2): a `--query`
//! without `=` or with an empty name, a body that is not JSON or cannot be read, a GET with a
//! body, a name the gateway cannot take.
//!
//! Output: the answer's `Result` as indented JSON (table mode; characters that a terminal
//! would act on are written as `\uXXXX` escapes, so it is still the same JSON value), or with
//! `--output json` one object `{"request_id": …, "result": …}`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use live_api::openapi::{OpenApiRequest, MAX_BODY_BYTES};
use live_api::pacing::Rate;
use live_api::LiveClient;
use live_model::sanitize::{is_escaped, sanitize, MAX_FIELD_CHARS};
use serde_json::{json, Value};

use super::{input, write_json, Cli, Failure, Output};

/// Examples, shown after the options in `volc-live call --help`.
pub(crate) const EXAMPLES: &str = "\
Examples:
  volc-live call --service live --api-version 2023-01-01 --action GetPullRecordTask \\
      --body '{\"TaskID\":\"5b903f78c7f5ae*******01f6fe2eea\"}' --idempotent
  volc-live call --service iam --api-version 2018-01-01 --action ListUsers \\
      --query Limit=10 --idempotent
  volc-live --output json call --service live --api-version 2023-01-01 \\
      --action CreatePullRecordTask --body @task.json";

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The service, as in the signature's scope: live, iam, vod, ecs …
    #[arg(long, value_name = "SERVICE")]
    service: String,
    /// The action's API version (the `Version` parameter), e.g. 2023-01-01.
    #[arg(long, value_name = "VERSION")]
    api_version: String,
    /// The action (the `Action` parameter), e.g. GetPullRecordTask.
    #[arg(long, value_name = "ACTION")]
    action: String,
    /// The HTTP method [default: POST with --body, else GET].
    #[arg(long, value_enum, ignore_case = true)]
    method: Option<Method>,
    /// A query parameter, NAME=VALUE (the value may hold `=` and be empty); repeatable.
    #[arg(long = "query", value_name = "NAME=VALUE")]
    query: Vec<String>,
    /// The JSON body: the text itself, @FILE, or - (or @-) for stdin; at most 16 MiB.
    /// Sent as a POST unless --method says otherwise.
    #[arg(long, value_name = "JSON|@FILE|-")]
    body: Option<String>,
    /// The call only reads (or is safe to repeat): sent again after any transient failure.
    /// Without it, it is sent again only when it certainly did not reach the service.
    #[arg(long)]
    idempotent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    #[value(name = "GET")]
    Get,
    #[value(name = "POST")]
    Post,
}

impl From<Method> for live_api::http::Method {
    fn from(m: Method) -> Self {
        match m {
            Method::Get => live_api::http::Method::GET,
            Method::Post => live_api::http::Method::POST,
        }
    }
}

/// Text the user gave, echoed in an error: control and bidi characters escaped, capped.
fn echo(text: &str) -> String {
    sanitize(text, MAX_FIELD_CHARS).into_owned()
}

/// The `--query` arguments as pairs; an argument without `=` or with an empty name is a
/// usage error naming it.
fn query_pairs(args: &[String]) -> Result<Vec<(&str, &str)>, String> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some(("", _)) => Err(format!(
                "--query {}: the name before '=' is empty (NAME=VALUE)",
                echo(arg)
            )),
            Some(pair) => Ok(pair),
            None => Err(format!(
                "--query {}: takes NAME=VALUE (an empty value is NAME=)",
                echo(arg)
            )),
        })
        .collect()
}

/// The bytes of `--body`: the text itself, or read from `@FILE` or stdin (`-`, `@-`), with a
/// bound; checked to be JSON. An error names where the body came from.
fn read_body(spec: &str) -> Result<Vec<u8>, String> {
    let (bytes, label) = match spec.strip_prefix('@') {
        _ if spec == "-" => (
            input::read_bounded(Path::new("-"), MAX_BODY_BYTES, "--body -")?,
            "--body -".to_owned(),
        ),
        Some(path) => {
            let label = format!("--body @{}", echo(path));
            (
                input::read_bounded(Path::new(path), MAX_BODY_BYTES, &label)?,
                label,
            )
        }
        None => (spec.as_bytes().to_vec(), "--body".to_owned()),
    };
    // A byte-order mark (as some editors write) is not part of the JSON.
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
        .map_err(|e| format!("{label}: not JSON: {e}"))?;
    Ok(bytes)
}

/// For a Live action this version of the model knows, its documented rate limit, so that
/// `--rate-limit local` (or Redis) paces it as the typed commands are paced.
fn documented_rate(service: &str, version: &str, action: &str) -> Option<Rate> {
    if service != live_model::SERVICE {
        return None;
    }
    let action = live_model::Action::from_name(action).filter(|a| a.version() == version)?;
    Rate::per_second(action.rate_limit_per_sec())
}

/// `value` as indented JSON for a person: the same JSON value, with the characters a
/// terminal would act on inside strings (DEL, C1 controls, bidi controls, line and paragraph
/// separators) written as `\uXXXX`. serde already escapes the C0 controls, so every raw
/// line break left is the indentation's.
fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    let unsafe_char = |c: char| is_escaped(c) && u32::from(c) >= 0x7f;
    if !text.chars().any(unsafe_char) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `volc-live call`.
pub(crate) async fn run(
    cli: &Cli,
    client: &LiveClient,
    a: &CallArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let query = query_pairs(&a.query).map_err(Failure::Usage)?;
    if a.method == Some(Method::Get) && a.body.is_some() {
        return Err(Failure::Usage(
            "--method GET takes no --body: give the parameters with --query, or use POST"
                .to_owned(),
        ));
    }
    let body = match &a.body {
        // Read on a blocking thread, so that --timeout still counts while stdin is slow.
        Some(spec) => {
            let spec = spec.clone();
            let read = tokio::task::spawn_blocking(move || read_body(&spec))
                .await
                .map_err(|e| Failure::Usage(format!("reading the body: {e}")))?;
            Some(read.map_err(Failure::Usage)?)
        }
        None => None,
    };
    let mut request = OpenApiRequest::new(&a.service, &a.api_version, &a.action);
    for (name, value) in query {
        request = request.query(name, value);
    }
    if let Some(body) = body {
        request = request.post_json_text(body);
    }
    if let Some(method) = a.method {
        request = request.method(method.into());
    }
    // As for every command: the endpoint given is the one called; otherwise the library's
    // default for the service (the Live endpoint for `live`, the generic one for the rest).
    if cli.endpoint_given {
        request = request.endpoint(&cli.endpoint);
    }
    if a.idempotent {
        request = request.idempotent();
    }
    if let Some(rate) = documented_rate(&a.service, &a.api_version, &a.action) {
        request = request.rate_limit(rate);
    }
    let answer = client.call_api(&request).await?;
    match cli.output {
        Output::Json => write_json(
            out,
            &json!({"request_id": answer.request_id(), "result": answer.result}),
        )?,
        Output::Table => writeln!(out, "{}", pretty(&answer.result))?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_take_name_equals_value() {
        let args = ["Limit=10", "Empty=", "Expr=a=b"].map(String::from);
        assert_eq!(
            query_pairs(&args).unwrap(),
            [("Limit", "10"), ("Empty", ""), ("Expr", "a=b")]
        );
        let missing = query_pairs(&["novalue".to_owned()]).unwrap_err();
        assert!(missing.starts_with("--query novalue: "), "{missing}");
        let empty = query_pairs(&["=v".to_owned()]).unwrap_err();
        assert!(empty.contains("empty"), "{empty}");
        let hostile = query_pairs(&["a\x1b]0;x\x07".to_owned()]).unwrap_err();
        assert!(!hostile.contains('\x1b'), "{hostile:?}");
        assert!(hostile.contains(r"\u{1b}"), "{hostile:?}");
    }

    #[test]
    fn an_inline_body_must_be_json() {
        assert_eq!(read_body(r#"{"a":1}"#).unwrap(), br#"{"a":1}"#);
        assert_eq!(read_body("\u{feff}[]").unwrap(), b"[]");
        let e = read_body("not json").unwrap_err();
        assert!(e.starts_with("--body: not JSON"), "{e}");
        let e = read_body("@/no/such/file").unwrap_err();
        assert_eq!(e, "--body @/no/such/file: no such file");
    }

    #[test]
    fn pretty_json_is_the_same_value_with_nothing_a_terminal_acts_on() {
        let value = json!({"a": "x\u{202e}y\u{7f}z\u{85}\u{2028}", "b\u{2066}": ["\u{1b}[31m", 1]});
        let text = pretty(&value);
        assert!(!text.chars().any(|c| is_escaped(c) && c != '\n'), "{text}");
        assert!(text.contains(r"\u202e"), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        let plain = json!({"App": "live", "中文": "已结束"});
        assert_eq!(
            pretty(&plain),
            serde_json::to_string_pretty(&plain).unwrap()
        );
    }

    #[test]
    fn only_known_live_actions_are_paced_by_their_documented_limit() {
        assert!(documented_rate("live", "2023-01-01", "GetPullRecordTask").is_some());
        assert!(documented_rate("live", "2020-08-01", "GetPullRecordTask").is_none());
        assert!(documented_rate("iam", "2023-01-01", "GetPullRecordTask").is_none());
        assert!(documented_rate("live", "2023-01-01", "NoSuchAction").is_none());
    }
}
