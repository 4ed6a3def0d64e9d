//! The credential scope (`date/region/service/request`) and the `Credential` value that
//! prefixes it with the access key id.

use crate::credentials::validate_access_key_id;
use crate::SignError;

/// Longest region or service name accepted.
pub const MAX_SCOPE_PART_LEN: usize = 64;

/// The region and service a signature is scoped to, e.g. `cn-north-1` and `live`.
///
/// Both must be non-empty, at most [`MAX_SCOPE_PART_LEN`] bytes, with no `/`, white space or
/// control characters (they are joined with `/` into the credential scope).
///
/// ```
/// use volc_sign::Scope;
///
/// let scope = Scope::new("cn-north-1", "iam")?;
/// assert_eq!(scope.credential_scope("20201230"), "20201230/cn-north-1/iam/request");
/// assert!(Scope::new("cn north", "iam").is_err());
/// # Ok::<(), volc_sign::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    region: String,
    service: String,
}

impl Scope {
    /// A validated scope.
    pub fn new(region: impl Into<String>, service: impl Into<String>) -> Result<Self, SignError> {
        let region = region.into();
        let service = service.into();
        if let Some(reason) = scope_part_problem(&region) {
            return Err(SignError::InvalidRegion {
                value: region,
                reason,
            });
        }
        if let Some(reason) = scope_part_problem(&service) {
            return Err(SignError::InvalidService {
                value: service,
                reason,
            });
        }
        Ok(Self { region, service })
    }

    /// The region, e.g. `cn-north-1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service, e.g. `live`.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// `date/region/service/request`, for a `YYYYMMDD` date.
    pub fn credential_scope(&self, date: &str) -> String {
        format!("{date}/{}/{}/request", self.region, self.service)
    }
}

/// Why a region or service name is unusable, if it is.
pub(crate) fn scope_part_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("it is empty")
    } else if s.len() > MAX_SCOPE_PART_LEN {
        Some("it is longer than 64 bytes")
    } else if s
        .chars()
        .any(|c| c == '/' || c.is_whitespace() || c.is_control())
    {
        Some("it contains '/', white space or a control character")
    } else if s.contains(',') || s.contains('=') {
        Some("it contains ',' or '='")
    } else {
        None
    }
}

/// The credential scope `date/region/service/request` as the pieces the string to sign writes.
pub(crate) fn scope_pieces<'s>(date: &'s str, region: &'s str, service: &'s str) -> [&'s str; 6] {
    [date, "/", region, "/", service, "/request"]
}

/// The parts of a `Credential` value, `AccessKeyId/YYYYMMDD/region/service/request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CredentialParts<'a> {
    pub(crate) access_key_id: &'a str,
    /// `YYYYMMDD`.
    pub(crate) date: &'a str,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
}

/// Splits and checks a `Credential` value, `AccessKeyId/YYYYMMDD/region/service/request`:
/// a valid access key id, an eight-digit date, a region and service [`Scope::new`] would
/// accept, and the literal `request`. The error says what is wrong.
pub(crate) fn parse_credential(c: &str) -> Result<CredentialParts<'_>, &'static str> {
    let mut parts = c.split('/');
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some(term), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err("the credential must be AccessKeyId/YYYYMMDD/region/service/request");
    };
    if validate_access_key_id(access_key_id).is_err() {
        return Err("the credential's access key id is malformed");
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the credential's date must be YYYYMMDD");
    }
    if scope_part_problem(region).is_some() || scope_part_problem(service).is_some() {
        return Err("the credential's region or service is malformed");
    }
    if term != "request" {
        return Err("the credential must end with '/request'");
    }
    Ok(CredentialParts {
        access_key_id,
        date,
        region,
        service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(Scope::new("cn-north-1", "live").is_ok());
        for bad in ["", "a/b", "a b", "a\tb", "a\u{1}b", "a,b"] {
            assert!(matches!(
                Scope::new(bad, "live"),
                Err(SignError::InvalidRegion { .. })
            ));
            assert!(matches!(
                Scope::new("cn-north-1", bad),
                Err(SignError::InvalidService { .. })
            ));
        }
        assert!(Scope::new("x".repeat(65), "live").is_err());
    }

    #[test]
    fn credential_values() {
        assert_eq!(
            parse_credential("AKLT1/20240520/cn-north-1/live/request"),
            Ok(CredentialParts {
                access_key_id: "AKLT1",
                date: "20240520",
                region: "cn-north-1",
                service: "live",
            })
        );
        for bad in [
            "AKLT1/20240520/cn-north-1/live",
            "AKLT1/20240520/cn-north-1/live/request/x",
            "/20240520/cn-north-1/live/request",
            "AKLT1/2024052/cn-north-1/live/request",
            "AKLT1/2024052x/cn-north-1/live/request",
            "AKLT1/20240520//live/request",
            "AKLT1/20240520/cn-north-1/li=ve/request",
            "AKLT1/20240520/cn-north-1/live/Request",
        ] {
            assert!(parse_credential(bad).is_err(), "{bad}");
        }
        assert_eq!(
            scope_pieces("20240520", "cn-north-1", "live").concat(),
            "20240520/cn-north-1/live/request"
        );
    }
}
