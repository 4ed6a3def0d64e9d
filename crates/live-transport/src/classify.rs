//! What a failed exchange was: hyper-util's error classified by walking its source chain,
//! with a message that says what to check.

use std::error::Error as StdError;

use crate::connector::ConnectTimeout;
use crate::error::{chain_text, ErrorKind, TimeoutPhase, TransportError};
use crate::proxy::{DnsFailure, ProxyFailure, ProxyTarget};
use crate::stale::StaleConnection;

/// Classifies hyper-util's error by walking its source chain; the message says what to check.
pub(crate) fn classify(
    e: hyper_util::client::legacy::Error,
    uri: &http::Uri,
    via: Option<&ProxyTarget>,
) -> TransportError {
    let mut connect_timeout = None;
    let mut tls = false;
    let mut tls_hint: Option<String> = None;
    let mut proxy: Option<(String, bool)> = None;
    let mut dns: Option<String> = None;
    let mut io_timeout = false;
    let mut canceled = false;
    let mut stale = false;
    let mut source: Option<&(dyn StdError + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<ConnectTimeout>() {
            connect_timeout = Some(t.0);
        }
        if let Some(p) = s.downcast_ref::<ProxyFailure>() {
            proxy.get_or_insert_with(|| (p.message().to_string(), p.is_refusal()));
        }
        if let Some(d) = s.downcast_ref::<DnsFailure>() {
            dns.get_or_insert_with(|| d.source.to_string());
        } else if s.to_string() == "dns error" {
            // hyper-util's `ConnectError` (not public) for a failed name lookup; its source
            // is the resolver's error.
            dns.get_or_insert_with(|| s.source().map_or_else(String::new, |c| c.to_string()));
        }
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            tls = true;
            tls_hint = tls_hint.or_else(|| tls_message(r, uri));
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            canceled |= h.is_canceled();
        }
        stale |= s.is::<StaleConnection>();
        // An io::Error's `source()` skips the error it wraps, so step into it instead.
        let mut next = s.source();
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                io_timeout = true;
            }
            if let Some(inner) = io.get_ref() {
                next = Some(inner as &(dyn StdError + 'static));
            }
        }
        source = next;
    }
    let detail = chain_text(&e);
    if let Some(limit) = connect_timeout {
        let through = via.map_or_else(String::new, |p| {
            format!(" (through the proxy {})", p.address())
        });
        return TransportError::timeout(
            TimeoutPhase::Connect,
            format!("no connection within {limit:?}{through}"),
        )
        .with_source(e);
    }
    if e.is_connect() {
        if io_timeout {
            return TransportError::timeout(TimeoutPhase::Connect, detail).with_source(e);
        }
        if let Some((message, refusal)) = proxy {
            let err = TransportError::new(ErrorKind::Connect, message).with_source(e);
            return if refusal {
                err.with_proxy_refusal()
            } else {
                err.with_proxy()
            };
        }
        if let Some(why) = dns {
            let host = uri.host().unwrap_or_default();
            return TransportError::new(
                ErrorKind::Connect,
                format!("cannot resolve the host {host} ({why}); check the endpoint"),
            )
            .with_source(e);
        }
        let err =
            TransportError::new(ErrorKind::Connect, tls_hint.unwrap_or(detail)).with_source(e);
        return if tls { err.with_tls() } else { err };
    }
    if stale {
        return TransportError::new(ErrorKind::Io, detail)
            .with_stale_connection()
            .with_source(e);
    }
    // A request canceled before it was written (its pooled connection closed first) never
    // reached the server.
    TransportError::new(ErrorKind::Io, detail)
        .with_reached_server(!canceled)
        .with_source(e)
}

/// What a TLS failure means for the person who sees it, when we know.
fn tls_message(e: &rustls::Error, uri: &http::Uri) -> Option<String> {
    let authority = uri.authority().map_or("", |a| a.as_str());
    match e {
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => Some(format!(
            "the server did not answer TLS; is the endpoint http://? ({authority}: {e})"
        )),
        rustls::Error::InvalidCertificate(_) => Some(format!(
            "the certificate of {authority} is not trusted ({e}); to trust a private CA, add it \
             with add_root_certificates_pem (the CLI's --ca-cert FILE)"
        )),
        _ => None,
    }
}
