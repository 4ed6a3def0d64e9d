//! The errors of a failing proxy and their texts: each names the proxy by `host:port`,
//! never its credentials.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use super::settings::ProxyTarget;
use crate::error::{chain_text, BoxError};

/// A proxy failed (a marker in the source chain; its message names the proxy by
/// `host:port`).
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    message: String,
    source: Option<BoxError>,
    refusal: bool,
}

impl ProxyFailure {
    /// Whether the proxy answered and refused (credentials, tunnel), as opposed to being out
    /// of reach or failing otherwise.
    pub(crate) fn is_refusal(&self) -> bool {
        self.refusal
    }

    /// The proxy answered `status` (407, or 401 as tinyproxy does for wrong credentials).
    pub(crate) fn auth_required(target: &ProxyTarget, status: u16) -> Self {
        let message = if target.has_credentials() {
            format!(
                "the proxy requires authentication ({status}) and refused the credentials given \
                 (proxy {})",
                target.address()
            )
        } else {
            format!(
                "the proxy requires authentication ({status}): give the credentials in the proxy \
                 URL (http://user:password@host:port) (proxy {})",
                target.address()
            )
        };
        Self {
            message,
            source: None,
            refusal: true,
        }
    }

    /// The proxy could not be reached (or its TLS failed); `detail` says why, when the hop
    /// recorded it, else the source chain does.
    pub(super) fn unreachable(
        target: &ProxyTarget,
        detail: Option<String>,
        source: BoxError,
    ) -> Self {
        let detail = detail.unwrap_or_else(|| chain_text(&*source));
        Self {
            message: format!(
                "the proxy {} cannot be reached ({detail}); check the proxy setting \
                 (the proxy given, e.g. --proxy, or HTTPS_PROXY, HTTP_PROXY, ALL_PROXY)",
                target.address()
            ),
            source: Some(source),
            refusal: false,
        }
    }

    /// The proxy answered the CONNECT with `status_line`, not an authentication demand.
    pub(super) fn tunnel_refused(
        target: &ProxyTarget,
        status_line: &str,
        host: &str,
        port: u16,
        source: BoxError,
    ) -> Self {
        Self {
            message: format!(
                "the proxy refused the tunnel: {status_line} (proxy {}, CONNECT {host}:{port})",
                target.address()
            ),
            source: Some(source),
            refusal: true,
        }
    }

    /// The CONNECT tunnel failed without a status line from the proxy.
    pub(super) fn tunnel_failed(
        target: &ProxyTarget,
        host: &str,
        port: u16,
        source: BoxError,
    ) -> Self {
        Self {
            message: format!(
                "the proxy {} failed the CONNECT tunnel to {host}:{port}: {}",
                target.address(),
                chain_text(&*source)
            ),
            source: Some(source),
            refusal: false,
        }
    }

    /// The SOCKS5 proxy was reached but did not connect to the service.
    pub(super) fn socks_failed(
        target: &ProxyTarget,
        host: &str,
        port: u16,
        source: BoxError,
    ) -> Self {
        Self {
            message: format!(
                "the SOCKS5 proxy {} failed to connect to {host}:{port}: {source}",
                target.address()
            ),
            source: Some(source),
            refusal: false,
        }
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ProxyFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The service's host name could not be resolved (by this client, for `socks5://`).
#[derive(Debug)]
pub(crate) struct DnsFailure {
    pub(crate) host: String,
    pub(crate) source: io::Error,
}

impl fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dns error: {}: {}", self.host, self.source)
    }
}

impl StdError for DnsFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}
