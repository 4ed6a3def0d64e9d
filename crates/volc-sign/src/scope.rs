//! The credential scope: region and service.

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
}
