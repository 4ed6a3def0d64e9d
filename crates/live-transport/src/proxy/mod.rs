//! Proxies: which requests take one (curl's environment variables and `NO_PROXY` rules,
//! through hyper-util's [`Matcher`]), and the connector that reaches the service through it
//! (hyper-util's [`Tunnel`] for HTTP CONNECT, [`SocksV5`] for SOCKS5, a plain connection to
//! the proxy for `http://` endpoints, which hyper then sends in absolute form).
//!
//! Credentials live in [`ProxyTarget`] only; everything shown (Debug, errors, `proxy_for`)
//! uses [`ProxyTarget::redacted`] or [`ProxyTarget::address`].
//!
//! - `settings`: the builder's proxy settings, proxy URLs with their credentials, and the
//!   proxies and `NO_PROXY` list chosen from them or from the environment;
//! - `routes`: which proxy, if any, a URI takes;
//! - `connect`: the connector (CONNECT tunnels, SOCKS5 handshakes, forwarding);
//! - `error`: the errors of a failing proxy and their texts.
//!
//! [`Matcher`]: hyper_util::client::proxy::matcher::Matcher
//! [`Tunnel`]: hyper_util::client::legacy::connect::proxy::Tunnel
//! [`SocksV5`]: hyper_util::client::legacy::connect::proxy::SocksV5

mod connect;
mod error;
mod routes;
mod settings;

pub(crate) use connect::ProxyConnector;
pub(crate) use error::{DnsFailure, ProxyFailure};
pub(crate) use routes::Routes;
pub(crate) use settings::{EnvLookup, ProxySettings, ProxyTarget};
