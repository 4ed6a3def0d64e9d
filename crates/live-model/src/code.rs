//! The error codes the Live API and its gateway return, with their documented HTTP status,
//! `CodeN` and retry classification: one table, used by the client and the emulator alike.

use std::fmt;

/// Whether retrying a failed call can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryClass {
    /// A transient fault on the service side: retry with backoff.
    Retryable,
    /// Flow control: retry after waiting (honour `Retry-After`), with backoff.
    Throttling,
    /// The request itself is wrong (input, permissions, signature, key): retrying the same
    /// request gives the same answer.
    NotRetryable,
    /// A code this table does not know: decide by the HTTP status.
    Unknown,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, $status:expr, $code_n:expr, $class:ident; )*) => {
        /// An error code of the Live API or the OpenAPI gateway.
        ///
        /// Known codes are variants; any other is kept as [`ErrorCode::Other`] with its exact
        /// text, so nothing the service says is lost. The text round-trips through serde.
        ///
        /// ```
        /// use live_model::{ErrorCode, RetryClass};
        ///
        /// let code: ErrorCode = "InternalServiceError.BadResponse".parse().unwrap();
        /// assert_eq!(code, ErrorCode::InternalServiceErrorBadResponse);
        /// assert_eq!(code.documented_status(), Some(502));
        /// assert!(code.is_retryable());
        /// assert_eq!(ErrorCode::InvalidParam.retry_class(), RetryClass::NotRetryable);
        /// assert_eq!("SomethingNew".parse::<ErrorCode>().unwrap().as_str(), "SomethingNew");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code not in this table, exactly as received.
            Other(String),
        }

        impl ErrorCode {
            /// Every known code, in table order.
            pub const KNOWN: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The code's text, e.g. `InvalidParam.BindError`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $text, )*
                    ErrorCode::Other(s) => s,
                }
            }

            /// The HTTP status the documentation gives for this code, if it gives one.
            pub fn documented_status(&self) -> Option<u16> {
                match self {
                    $( ErrorCode::$variant => $status, )*
                    ErrorCode::Other(_) => None,
                }
            }

            /// The numeric `CodeN` the documentation gives for this code, if it gives one.
            pub fn documented_code_n(&self) -> Option<i64> {
                match self {
                    $( ErrorCode::$variant => $code_n, )*
                    ErrorCode::Other(_) => None,
                }
            }

            fn table_class(&self) -> Option<RetryClass> {
                match self {
                    $( ErrorCode::$variant => Some(RetryClass::$class), )*
                    ErrorCode::Other(_) => None,
                }
            }

            fn from_known(s: &str) -> Option<ErrorCode> {
                match s {
                    $( $text => Some(ErrorCode::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// `Action` or `Version` is missing.
    MissingParameter => "MissingParameter", Some(400), Some(100_002), NotRetryable;
    /// Required request information (e.g. `X-Date`) is missing.
    MissingRequestInfo => "MissingRequestInfo", Some(400), Some(100_004), NotRetryable;
    /// The signature is expired or from the future: fix the clock.
    InvalidTimestamp => "InvalidTimestamp", Some(400), Some(100_006), NotRetryable;
    /// The credential scope names an unknown service.
    ServiceNotFound => "ServiceNotFound", Some(404), Some(100_007), NotRetryable;
    /// Unknown `Action` or `Version`.
    InvalidActionOrVersion => "InvalidActionOrVersion", Some(404), Some(100_008), NotRetryable;
    /// The access key id is unknown.
    InvalidAccessKey => "InvalidAccessKey", Some(401), Some(100_009), NotRetryable;
    /// The signature does not match.
    SignatureDoesNotMatch => "SignatureDoesNotMatch", Some(401), Some(100_010), NotRetryable;
    /// IAM denies the call.
    AccessDenied => "AccessDenied", Some(403), Some(100_013), NotRetryable;
    /// An internal error of the gateway or service.
    InternalError => "InternalError", Some(500), Some(100_014), Retryable;
    /// An internal service timed out.
    InternalServiceTimeout => "InternalServiceTimeout", Some(504), Some(100_016), Retryable;
    /// The `Authorization` header is malformed.
    InvalidAuthorization => "InvalidAuthorization", Some(400), None, NotRetryable;
    /// The credential is malformed.
    InvalidCredential => "InvalidCredential", Some(400), None, NotRetryable;
    /// The request is not signed.
    MissingAuthenticationToken => "MissingAuthenticationToken", Some(401), None, NotRetryable;
    /// The signature is missing.
    MissingSignature => "MissingSignature", Some(401), None, NotRetryable;
    /// The STS session token is wrong or expired.
    InvalidSecretToken => "InvalidSecretToken", Some(401), None, NotRetryable;
    /// The project policy denies the call.
    LackProjectPolicy => "LackProjectPolicy", Some(403), None, NotRetryable;
    /// Per-user flow control.
    FlowLimitExceeded => "FlowLimitExceeded", Some(429), None, Throttling;
    /// Per-account flow control.
    AccountFlowLimitExceeded => "AccountFlowLimitExceeded", Some(429), None, Throttling;
    /// Flow control (generic name used by several Volcengine services).
    Throttling => "Throttling", Some(429), None, Throttling;
    /// Flow control (generic name used by several Volcengine services).
    RequestLimitExceeded => "RequestLimitExceeded", Some(429), None, Throttling;
    /// An unclassified error, returned with HTTP 200; the documentation says to retry.
    CommonErr => "CommonErr", Some(200), None, Retryable;
    /// A parameter is invalid.
    InvalidParam => "InvalidParam", Some(400), None, NotRetryable;
    /// A parameter has the wrong type or shape.
    InvalidParamBindError => "InvalidParam.BindError", Some(400), None, NotRetryable;
    /// The resource (vhost, domain, app, preset, certificate, task) is not in this account.
    RequestForbidden => "RequestForbidden", Some(403), None, NotRetryable;
    /// The account may not access the resource.
    RequestForbiddenAccountIdNotAllow => "RequestForbidden.AccountIDNotAllow", Some(403), None, NotRetryable;
    /// The Live service is not activated, or the account is in arrears.
    RequestForbiddenBillingStatus => "RequestForbidden.BillingStatus", Some(403), None, NotRetryable;
    /// The resource does not exist. (The documentation suggests one retry; a missing task
    /// stays missing, so it is classified not retryable.)
    ResourceNotFound => "ResourceNotFound", Some(404), None, NotRetryable;
    /// An error between internal services.
    InternalServiceError => "InternalServiceError", Some(502), None, Retryable;
    /// A bad response between internal services.
    InternalServiceErrorBadResponse => "InternalServiceError.BadResponse", Some(502), None, Retryable;
}

impl ErrorCode {
    /// The code for `text`: a known variant, or [`ErrorCode::Other`].
    pub fn from_text(text: &str) -> Self {
        Self::from_known(text).unwrap_or_else(|| ErrorCode::Other(text.to_owned()))
    }

    /// How to treat a failure with this code. Unknown codes follow their family where the
    /// prefix says it (`InvalidParam.*`, `RequestForbidden.*` are not retryable;
    /// `InternalServiceError.*` is), else [`RetryClass::Unknown`].
    pub fn retry_class(&self) -> RetryClass {
        if let Some(class) = self.table_class() {
            return class;
        }
        let family = self.as_str().split('.').next().unwrap_or_default();
        match Self::from_known(family).and_then(|f| f.table_class()) {
            Some(class) if family != self.as_str() => class,
            _ => RetryClass::Unknown,
        }
    }

    /// Whether the failure is transient (including throttling).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.retry_class(),
            RetryClass::Retryable | RetryClass::Throttling
        )
    }

    /// Whether the failure is flow control.
    pub fn is_throttling(&self) -> bool {
        self.retry_class() == RetryClass::Throttling
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_text(s))
    }
}

serde_as_text!(ErrorCode, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_and_classifies() {
        for code in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::from_text(code.as_str()), code);
            assert!(code.documented_status().is_some(), "{code}");
            assert_ne!(code.retry_class(), RetryClass::Unknown);
        }
        for retryable in [
            "CommonErr",
            "InternalError",
            "InternalServiceError",
            "InternalServiceError.BadResponse",
            "InternalServiceTimeout",
            "FlowLimitExceeded",
        ] {
            assert!(
                ErrorCode::from_text(retryable).is_retryable(),
                "{retryable}"
            );
        }
        for not in [
            "InvalidParam",
            "InvalidParam.BindError",
            "RequestForbidden",
            "RequestForbidden.AccountIDNotAllow",
            "SignatureDoesNotMatch",
            "InvalidAccessKey",
            "AccessDenied",
        ] {
            assert!(!ErrorCode::from_text(not).is_retryable(), "{not}");
        }
        assert!(ErrorCode::AccountFlowLimitExceeded.is_throttling());
        // Families for codes the table does not list.
        assert_eq!(
            ErrorCode::from_text("InvalidParam.Other").retry_class(),
            RetryClass::NotRetryable
        );
        assert_eq!(
            ErrorCode::from_text("InternalServiceError.Other").retry_class(),
            RetryClass::Retryable
        );
        assert_eq!(
            ErrorCode::from_text("Brand.New").retry_class(),
            RetryClass::Unknown
        );
    }
}
