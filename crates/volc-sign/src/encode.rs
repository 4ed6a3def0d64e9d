//! Byte-level helpers: RFC 3986 encoding, HTTP grammar checks, hex.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Everything but the RFC 3986 unreserved set `A-Z a-z 0-9 - _ . ~` is percent-encoded, with
/// upper-case hex (space is `%20`, never `+`).
pub(crate) const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The RFC 3986 unreserved bytes, which [`RFC3986`] leaves as they are.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        i += 1;
    }
    table
};

/// Calls `out` with the pieces of `bytes` encoded with [`RFC3986`].
#[inline]
pub(crate) fn encode_into(bytes: &[u8], mut out: impl FnMut(&[u8])) {
    // The usual name or value is all unreserved: written as it is, in one piece.
    if bytes.iter().all(|&b| UNRESERVED[usize::from(b)]) {
        out(bytes);
        return;
    }
    for piece in percent_encoding::percent_encode(bytes, RFC3986) {
        out(piece.as_bytes());
    }
}

/// Encodes a path segment by segment, keeping `/`; an empty path is `/`.
pub(crate) fn encode_path_into(path: &[u8], mut out: impl FnMut(&[u8])) {
    if path.is_empty() {
        out(b"/");
        return;
    }
    let mut first = true;
    for segment in path.split(|&b| b == b'/') {
        if !first {
            out(b"/");
        }
        first = false;
        encode_into(segment, &mut out);
    }
}

/// Percent-encodes into a new string.
#[cfg(test)]
pub(crate) fn encode_to_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    encode_into(bytes, |p| {
        s.push_str(std::str::from_utf8(p).unwrap_or_default())
    });
    s
}

/// Which bytes RFC 9110 allows in a `token`.
const TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    table
};

/// RFC 9110 `token`: the grammar of header names and methods.
pub(crate) fn is_token(s: &[u8]) -> bool {
    // Without an early exit: names are short, and a loop with no branch per byte is faster.
    !s.is_empty()
        && s.iter()
            .fold(true, |ok, &b| ok & TOKEN_BYTES[usize::from(b)])
}

/// A header value HTTP accepts: no control characters other than tab, no DEL.
pub(crate) fn is_valid_header_value(v: &[u8]) -> bool {
    // Without an early exit, so that the loop vectorises.
    v.iter().fold(true, |ok, &b| {
        ok & (((b >= 0x20) & (b != 0x7f)) | (b == b'\t'))
    })
}

/// Strips leading and trailing spaces and tabs (the `TrimSpace` of the reference signers for
/// the bytes a header value may hold).
pub(crate) fn trim_ows(v: &[u8]) -> &[u8] {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t');
    let start = v.iter().position(|b| !is_ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !is_ws(b)).map_or(start, |i| i + 1);
    &v[start..end]
}

/// The canonical `host` value: `:80` and `:443` are dropped, other ports kept.
pub(crate) fn canonical_host(host: &[u8]) -> &[u8] {
    for suffix in [&b":80"[..], &b":443"[..]] {
        if let Some(stripped) = host.strip_suffix(suffix) {
            if !stripped.is_empty() && !stripped.ends_with(b":") {
                return stripped;
            }
        }
    }
    host
}

/// The lower-case hex digit of a nibble (0 to 15), without a branch or a table, so that
/// [`hex32`] vectorises: `9 - n` wraps past 127 exactly when `n` is over 9.
#[inline]
fn hex_digit(n: u8) -> u8 {
    n + b'0' + ((9u8.wrapping_sub(n) >> 7) * (b'a' - b'0' - 10))
}

/// Lower-case hex of a 32-byte digest (a longer input is cut at 32 bytes, a shorter one
/// leaves zeros).
#[inline]
pub(crate) fn hex32(digest: &[u8]) -> [u8; 64] {
    let mut bytes = [0u8; 32];
    let n = digest.len().min(32);
    bytes[..n].copy_from_slice(&digest[..n]);
    let mut flat = [0u8; 64];
    for (pair, b) in flat.chunks_exact_mut(2).zip(bytes) {
        pair[0] = hex_digit(b >> 4);
        pair[1] = hex_digit(b & 0x0f);
    }
    flat
}

/// Whether `s` is 64 lower- or upper-case hex digits.
pub(crate) fn is_hex64(s: &[u8]) -> bool {
    s.len() == 64 && s.iter().all(u8::is_ascii_hexdigit)
}

/// The hex text as `&str` (it is always ASCII).
#[inline]
pub(crate) fn hex_str(h: &[u8; 64]) -> &str {
    std::str::from_utf8(h).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_encoding() {
        assert_eq!(
            encode_to_string("a b*~+/=&é中".as_bytes()),
            "a%20b%2A~%2B%2F%3D%26%C3%A9%E4%B8%AD"
        );
        let mut p = String::new();
        encode_path_into(b"/a b//c", |x| p.push_str(std::str::from_utf8(x).unwrap()));
        assert_eq!(p, "/a%20b//c");
        let mut e = String::new();
        encode_path_into(b"", |x| e.push_str(std::str::from_utf8(x).unwrap()));
        assert_eq!(e, "/");
    }

    #[test]
    fn host_ports() {
        assert_eq!(canonical_host(b"a.com:443"), b"a.com");
        assert_eq!(canonical_host(b"a.com:80"), b"a.com");
        assert_eq!(canonical_host(b"a.com:8080"), b"a.com:8080");
        assert_eq!(canonical_host(b"[::1]:443"), b"[::1]");
        assert_eq!(canonical_host(b":443"), b":443");
    }

    #[test]
    fn hex_matches_the_hex_crate() {
        let d: Vec<u8> = (0u8..32)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        assert_eq!(&hex32(&d)[..], hex::encode(&d).as_bytes());
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_ows(b"  a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert_eq!(trim_ows(b""), b"");
    }
}
