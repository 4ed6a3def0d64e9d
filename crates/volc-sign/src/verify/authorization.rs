//! The `Authorization` header: a strict, bounded parser of
//! `HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.

use std::fmt;

use super::error::{malformed, VerifyError};
use crate::canonical::ALGORITHM;
use crate::encode::is_token;
use crate::scope::{parse_credential, CredentialParts};

/// The longest `Authorization` header accepted.
pub const MAX_AUTHORIZATION_LEN: usize = 4096;
/// The most headers `SignedHeaders` may list.
pub const MAX_SIGNED_HEADERS: usize = 64;
/// The longest header name `SignedHeaders` may list.
pub const MAX_SIGNED_HEADER_NAME_LEN: usize = 128;

/// An `Authorization` header, parsed. Borrowed from the header text.
///
/// `Debug` shows the credential scope and the signed header names; the signature is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The credential's date, `YYYYMMDD`.
    pub date: &'a str,
    /// The credential's region.
    pub region: &'a str,
    /// The credential's service.
    pub service: &'a str,
    /// The `SignedHeaders` value, exactly as written.
    pub signed_headers: &'a str,
    signature: &'a str,
}

impl fmt::Debug for ParsedAuthorization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuthorization")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"<redacted>")
            .finish()
    }
}

impl ParsedAuthorization<'_> {
    /// The names listed in `SignedHeaders`, in their order.
    pub fn signed_header_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.signed_headers.split(';')
    }
}

/// Parses `HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/request, SignedHeaders=a;b,
/// Signature=HEX`, strictly: the algorithm and the three parts in this order, separated by `", "`
/// (or `","`), lengths bounded ([`MAX_AUTHORIZATION_LEN`], [`MAX_SIGNED_HEADERS`] names of
/// lower-case HTTP tokens, no repeats), a 64-digit lower-case hex signature.
///
/// ```
/// let auth = volc_sign::parse_authorization(
///     "HMAC-SHA256 Credential=AKLT1/20240520/cn-north-1/live/request, SignedHeaders=host;x-date, Signature=530ad9c13a7a5d2f67b6f27f7f457717e1a585e4ad555c96b1b58364667a396d",
/// )?;
/// assert_eq!(auth.access_key_id, "AKLT1");
/// assert_eq!(auth.signed_header_names().collect::<Vec<_>>(), ["host", "x-date"]);
/// # Ok::<(), volc_sign::VerifyError>(())
/// ```
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    if header.len() > MAX_AUTHORIZATION_LEN {
        return Err(malformed(
            "the Authorization header is longer than 4096 bytes",
        ));
    }
    let rest = header
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| malformed("the Authorization header must start with 'HMAC-SHA256 '"))?;
    let rest = rest
        .strip_prefix("Credential=")
        .ok_or_else(|| malformed("expected 'Credential=' after the algorithm"))?;
    let (credential, rest) = split_part(rest, "SignedHeaders=")?;
    let (signed_headers, rest) = split_part(rest, "Signature=")?;
    let signature = rest;
    check_signed_headers(signed_headers)?;
    ParsedAuthorization::new(
        parse_credential(credential).map_err(malformed)?,
        signed_headers,
        signature,
    )
}

impl<'a> ParsedAuthorization<'a> {
    /// Assembles the parts, checking the signature is 64 lower-case hex digits. The signed
    /// headers are not checked here (see [`check_signed_headers`]).
    pub(super) fn new(
        credential: CredentialParts<'a>,
        signed_headers: &'a str,
        signature: &'a str,
    ) -> Result<Self, VerifyError> {
        if signature.len() != 64
            || !signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(malformed("the signature must be 64 lower-case hex digits"));
        }
        Ok(Self {
            access_key_id: credential.access_key_id,
            date: credential.date,
            region: credential.region,
            service: credential.service,
            signed_headers,
            signature,
        })
    }

    /// The claimed signature: 64 lower-case hex digits.
    pub(super) fn signature(&self) -> &'a str {
        self.signature
    }
}

/// Splits `value, NEXT=rest` into `value` and `rest`.
fn split_part<'a>(s: &'a str, next: &str) -> Result<(&'a str, &'a str), VerifyError> {
    let comma = s
        .find(',')
        .ok_or_else(|| malformed(format!("expected ', {next}' in the Authorization header")))?;
    let (value, after) = s.split_at(comma);
    let after = &after[1..];
    let after = after.strip_prefix(' ').unwrap_or(after);
    let rest = after
        .strip_prefix(next)
        .ok_or_else(|| malformed(format!("expected '{next}' in the Authorization header")))?;
    Ok((value, rest))
}

/// Checks a `SignedHeaders` list: non-empty, at most [`MAX_SIGNED_HEADERS`] lower-case HTTP
/// tokens of at most [`MAX_SIGNED_HEADER_NAME_LEN`] bytes, separated by `;`, none twice.
pub(super) fn check_signed_headers(list: &str) -> Result<(), VerifyError> {
    if list.is_empty() {
        return Err(malformed("SignedHeaders is empty"));
    }
    let mut seen: Vec<&str> = Vec::new();
    for name in list.split(';') {
        if seen.len() == MAX_SIGNED_HEADERS {
            return Err(malformed("SignedHeaders lists more than 64 headers"));
        }
        if name.len() > MAX_SIGNED_HEADER_NAME_LEN
            || !is_token(name.as_bytes())
            || name.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(malformed(
                "SignedHeaders must list lower-case header names separated by ';'",
            ));
        }
        if seen.contains(&name) {
            return Err(malformed("SignedHeaders lists a header twice"));
        }
        seen.push(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VerifyErrorKind;

    const SIG: &str = "530ad9c13a7a5d2f67b6f27f7f457717e1a585e4ad555c96b1b58364667a396d";

    fn header(credential: &str, signed: &str, signature: &str, sep: &str) -> String {
        format!("HMAC-SHA256 Credential={credential}{sep}SignedHeaders={signed}{sep}Signature={signature}")
    }

    fn refusal(h: &str) -> String {
        let err = parse_authorization(h).unwrap_err();
        assert_eq!(err.kind(), VerifyErrorKind::MalformedAuthorization, "{h}");
        err.message().to_owned()
    }

    #[test]
    fn debug_redacts_the_signature() {
        let h = header(
            "AK/20240520/cn-north-1/live/request",
            "host;x-date",
            SIG,
            ", ",
        );
        let p = parse_authorization(&h).unwrap();
        let shown = format!("{p:?} {p:#?}");
        assert!(!shown.contains(SIG), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("host;x-date"),
            "{shown}"
        );
    }

    #[test]
    fn accepts_both_separators() {
        for sep in [", ", ","] {
            let h = header(
                "AK/20240520/cn-north-1/live/request",
                "host;x-date",
                SIG,
                sep,
            );
            let p = parse_authorization(&h).unwrap();
            assert_eq!(
                (
                    p.access_key_id,
                    p.date,
                    p.region,
                    p.service,
                    p.signed_headers
                ),
                ("AK", "20240520", "cn-north-1", "live", "host;x-date")
            );
            assert_eq!(p.signature(), SIG);
        }
    }

    #[test]
    fn refuses_what_the_grammar_does_not_allow() {
        let cred = "AK/20240520/cn-north-1/live/request";
        let upper = SIG.to_ascii_uppercase();
        for (h, why) in [
            (header(cred, "x-date", &upper, ", "), "64 lower-case hex"),
            (header(cred, "x-date", &SIG[1..], ", "), "64 lower-case hex"),
            (header(cred, "X-Date", SIG, ", "), "lower-case header names"),
            (
                header(cred, "x-date;;host", SIG, ", "),
                "lower-case header names",
            ),
            (header(cred, "x-date;x-date", SIG, ", "), "twice"),
            (header(cred, "", SIG, ", "), "empty"),
            (
                header(cred, "x-date", SIG, ",  "),
                "expected 'SignedHeaders='",
            ),
            (
                header("AK/20240520/cn-north-1/live", "x-date", SIG, ", "),
                "credential must be",
            ),
            (
                format!("HMAC-SHA256  Credential={cred}"),
                "expected 'Credential='",
            ),
            (format!("hmac-sha256 Credential={cred}"), "must start with"),
        ] {
            let message = refusal(&h);
            assert!(message.contains(why), "{h}: {message}");
        }
    }

    #[test]
    fn bounds_are_enforced() {
        let cred = "AK/20240520/cn-north-1/live/request";
        let names: Vec<String> = (0..MAX_SIGNED_HEADERS).map(|i| format!("x-h{i}")).collect();
        parse_authorization(&header(cred, &names.join(";"), SIG, ", ")).unwrap();
        let more = format!("{};x-one-more", names.join(";"));
        assert!(refusal(&header(cred, &more, SIG, ", ")).contains("more than 64"));

        let long = "x".repeat(MAX_SIGNED_HEADER_NAME_LEN + 1);
        assert!(refusal(&header(cred, &long, SIG, ", ")).contains("lower-case header names"));

        let padded = format!("{}{}", header(cred, "x-date", SIG, ", "), " ".repeat(4096));
        assert!(padded.len() > MAX_AUTHORIZATION_LEN);
        assert!(refusal(&padded).contains("longer than 4096"));
    }
}
