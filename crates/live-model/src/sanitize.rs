//! The one sanitizer for text that came from a server and is shown to a person.
//!
//! A server (or anything between it and us) chooses the bytes of an error code, an error
//! message, a request id or a task's fields. Printed raw to a terminal, an `ESC` starts an
//! escape sequence (`\x1b]0;title\x07` renames the window, others move the cursor or rewrite
//! earlier lines), a `CR` or `LF` forges a new line of output, and a bidi override
//! (`U+202E`) reverses what follows. [`sanitize`] makes such text inert and short:
//!
//! - every character for which [`is_escaped`] holds is written visibly as `\u{…}` (its code
//!   point in hex): the C0 controls `U+0000`–`U+001F` (with `TAB`, `LF`, `CR`, `ESC`, `BEL`),
//!   `DEL` `U+007F`, the C1 controls `U+0080`–`U+009F`, the bidi embeddings and overrides
//!   `U+202A`–`U+202E`, the bidi isolates `U+2066`–`U+2069`, and the line and paragraph
//!   separators `U+2028`, `U+2029`;
//! - the result has at most `max_chars` characters before a marker `…(+N more chars)` that
//!   says how many characters of the input were left out;
//! - when nothing needs changing the input is returned borrowed.
//!
//! The caps used in this workspace are [`MAX_MESSAGE_CHARS`] (error messages, body snippets)
//! and [`MAX_FIELD_CHARS`] (error codes, request ids, table cells). JSON output does not go
//! through it: serde escapes the exact value.
//!
//! ```
//! use live_model::sanitize::{sanitize, MAX_MESSAGE_CHARS};
//!
//! assert_eq!(sanitize("task not found", MAX_MESSAGE_CHARS), "task not found");
//! assert_eq!(sanitize("a\x1b]0;pwned\x07b\r\n", 64), r"a\u{1b}]0;pwned\u{7}b\u{d}\u{a}");
//! assert_eq!(sanitize("abcdefgh", 3), "abc…(+5 more chars)");
//! assert!(matches!(sanitize("plain", 8), std::borrow::Cow::Borrowed(_)));
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

/// The cap for an error message or a body snippet shown to a person: 512 characters.
pub const MAX_MESSAGE_CHARS: usize = 512;

/// The cap for a short server field shown to a person (an error code, a request id, a table
/// cell): 256 characters.
pub const MAX_FIELD_CHARS: usize = 256;

/// The most characters the marker `…(+N more chars)` can add after the cap (with `N` as large
/// as a `usize` gets).
pub const MAX_MARKER_CHARS: usize = 15 + 20;

/// Whether [`sanitize`] writes `c` as a visible escape: C0 controls, `DEL`, C1 controls, bidi
/// embeddings, overrides and isolates, and the Unicode line and paragraph separators.
///
/// ```
/// use live_model::sanitize::is_escaped;
///
/// assert!(is_escaped('\x1b') && is_escaped('\u{9b}') && is_escaped('\u{202e}'));
/// assert!(!is_escaped('a') && !is_escaped('停') && !is_escaped('\\'));
/// ```
pub const fn is_escaped(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// `text` made safe to show: characters for which [`is_escaped`] holds written as `\u{…}`,
/// and at most `max_chars` characters followed, when some were left out, by
/// `…(+N more chars)` (`N` counts the input's characters not shown). An escape is never cut
/// in half: one that would pass the cap is left out with the rest.
///
/// Borrowed when `text` is returned unchanged.
pub fn sanitize(text: &str, max_chars: usize) -> Cow<'_, str> {
    for (shown, (i, c)) in text.char_indices().enumerate() {
        if shown >= max_chars || is_escaped(c) {
            return Cow::Owned(rewrite(text, i, shown, max_chars));
        }
    }
    Cow::Borrowed(text)
}

/// The slow path: `text[..start]` (`shown` characters) is kept as it is.
fn rewrite(text: &str, start: usize, mut shown: usize, max_chars: usize) -> String {
    let mut out = String::with_capacity(start + 16.min(text.len() - start) + 32);
    out.push_str(&text[..start]);
    let mut rest = text[start..].chars();
    let mut left_out = 0usize;
    while let Some(c) = rest.clone().next() {
        let width = if is_escaped(c) { escape_len(c) } else { 1 };
        if shown + width > max_chars {
            left_out = rest.count();
            break;
        }
        rest.next();
        shown += width;
        if is_escaped(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    if left_out > 0 {
        let _ = write!(out, "…(+{left_out} more chars)");
    }
    out
}

/// The length of `\u{…}` for `c`.
fn escape_len(c: char) -> usize {
    let hex_digits = (32 - u32::from(c).max(1).leading_zeros()).div_ceil(4) as usize;
    4 + hex_digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_class_visibly() {
        assert_eq!(sanitize("\0\t\x7f\u{85}", 64), r"\u{0}\u{9}\u{7f}\u{85}");
        assert_eq!(
            sanitize("\u{202e}evil\u{2066}\u{2028}", 64),
            r"\u{202e}evil\u{2066}\u{2028}"
        );
        for c in ['\0', '\u{1b}', '\u{9f}', '\u{202a}', '\u{2069}'] {
            assert_eq!(
                sanitize(&c.to_string(), 64).len(),
                escape_len(c),
                "{:x}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn unchanged_text_is_borrowed() {
        for s in [
            "",
            "ResourceNotFound: task not found",
            "已结束 \\ \"x\"",
            "abc",
        ] {
            assert!(matches!(sanitize(s, 256), Cow::Borrowed(t) if t == s));
        }
        assert!(matches!(sanitize("abc", 3), Cow::Borrowed("abc")));
    }

    #[test]
    fn the_cap_counts_characters_and_never_cuts_an_escape() {
        assert_eq!(sanitize("停用停用", 2), "停用…(+2 more chars)");
        assert_eq!(sanitize("ab\x1bcd", 4), "ab…(+3 more chars)");
        assert_eq!(sanitize("ab\x1bcd", 9), r"ab\u{1b}c…(+1 more chars)");
        assert_eq!(sanitize("abc", 0), "…(+3 more chars)");
    }

    #[test]
    fn a_3_mib_message_is_capped() {
        let big = "x".repeat(3 << 20);
        let out = sanitize(&big, MAX_MESSAGE_CHARS);
        assert_eq!(
            out,
            format!(
                "{}…(+{} more chars)",
                "x".repeat(MAX_MESSAGE_CHARS),
                (3 << 20) - MAX_MESSAGE_CHARS
            )
        );
        assert!(out.chars().count() <= MAX_MESSAGE_CHARS + MAX_MARKER_CHARS);
    }

    #[test]
    fn the_marker_bound_holds_for_the_largest_count() {
        let marker = format!("…(+{} more chars)", usize::MAX);
        assert!(marker.chars().count() <= MAX_MARKER_CHARS);
    }
}
