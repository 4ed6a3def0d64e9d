//! Fuzzes the parsers of `~/.volc/credentials` (INI) and `~/.volc/config` (JSON or INI) on arbitrary
//! bytes: never a panic, and an error never carries the input's text. Each error's reason,
//! with digit runs written `#`, must be one of the fixed texts below (so no input can be in
//! it); and, as a second net, no input line longer than 3 characters may appear in it unless
//! it is part of that fixed text.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SOURCE: &str = "fuzz-input";

/// Every reason a credentials-file error may give, digits written `#`.
const FIXED: &[&str] = &[
    "line # is not UTF-# text", // "UTF-8": its digit is written `#` too
    "line # is not `key = value`, `key: value`, a `[section]` or a comment (its text is not shown)",
    "line # has no key before its `=` or `:`",
    "line # holds a key before any `[section]` header (add `[default]` above it)",
    "line # repeats the section already opened on line #",
    "line # repeats a key already set on line # of the same section",
    "line # repeats `access_key_id`, already set on line # of the same section",
    "line # repeats `secret_access_key`, already set on line # of the same section",
    "line # repeats `session_token`, already set on line # of the same section",
    "line # repeats `region`, already set on line # of the same section",
    "line #, access_key_id: it continues on an indented line below; credentials are one line each",
    "line #, secret_access_key: it continues on an indented line below; credentials are one line each",
    "line #, session_token: it continues on an indented line below; credentials are one line each",
    "line #, access_key_id: it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)",
    "line #, secret_access_key: it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)",
    "line #, session_token: it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)",
    "[default] has no access_key_id and no secret_access_key",
    "[default] has access_key_id but no secret_access_key",
    "[default] has secret_access_key but no access_key_id",
    "it is not JSON (error at line #, column #)",
    "it needs both \"ak\" and \"sk\" as strings",
];

/// A key's complaint: `<where><key>: <signer's text>`.
const WHERE: &[&str] = &["line #, ", "\""];
const KEYS: &[&str] = &[
    "access_key_id: invalid access key id: ",
    "secret_access_key: invalid secret key: ",
    "session_token: invalid session token: ",
    "ak\": invalid access key id: ",
    "VOLC_ACCESSKEY\": invalid access key id: ",
    "sk\": invalid secret key: ",
    "VOLC_SECRETKEY\": invalid secret key: ",
];
const SIGNER: &[&str] = &[
    "it is empty",
    "it is longer than # bytes",
    "only visible ASCII other than '/' and ',' is allowed",
    "it contains a control character",
    "it has leading or trailing white space",
];

fn digits_as_hash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

fn is_fixed(reason: &str) -> bool {
    if FIXED.contains(&reason) {
        return true;
    }
    WHERE.iter().any(|w| {
        reason.strip_prefix(w).is_some_and(|rest| {
            KEYS.iter().any(|k| {
                rest.strip_prefix(k)
                    .is_some_and(|signer| SIGNER.contains(&signer))
            })
        })
    })
}

fn check(data: &[u8], err: &live_api::credentials::CredentialsError) {
    let shown = err.to_string();
    let prefix = format!("credentials in {SOURCE} are unusable: ");
    let reason = shown
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("not a file error: {shown:?}"));
    let reason = digits_as_hash(reason);
    assert!(
        is_fixed(&reason),
        "an error that is not fixed text: {shown:?}"
    );
    for line in String::from_utf8_lossy(data).lines() {
        let line = digits_as_hash(line.trim());
        if line.chars().count() > 3 && reason.contains(&line) {
            assert!(
                FIXED
                    .iter()
                    .chain(KEYS)
                    .chain(SIGNER)
                    .chain(WHERE)
                    .any(|f| f.contains(&line))
                    || reason == line,
                "the error quotes input line {line:?}: {shown:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for parse in [live_api::credentials::parse_profile_file, live_api::credentials::parse_config_file] {
        match parse(SOURCE, data) {
            Ok(c) => {
                // Whatever parses is usable: the signer accepted it.
                assert!(!c.credentials.access_key_id().is_empty());
                assert!(c.expires_at.is_none());
            }
            Err(e) if e.is_not_configured() => {
                // Only INI without a [default] section, or an INI config whose [default]
                // holds no keys, is "not configured".
                let shown = e.to_string();
                assert!(
                    [
                        format!("no credentials found; looked at {SOURCE} (no [default] section)"),
                        format!(
                            "no credentials found; looked at {SOURCE} ([default] holds no credentials)"
                        ),
                    ]
                    .contains(&shown),
                    "{shown:?}"
                );
            }
            Err(e) => check(data, &e),
        }
    }
});
