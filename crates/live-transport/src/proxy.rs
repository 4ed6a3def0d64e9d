//! Proxies: which requests take one (curl's environment variables and `NO_PROXY` rules,
//! through hyper-util's [`Matcher`]), and the connector that reaches the service through it
//! (hyper-util's [`Tunnel`] for HTTP CONNECT, [`SocksV5`] for SOCKS5, a plain connection to
//! the proxy for `http://` endpoints, which hyper then sends in absolute form).
//!
//! Credentials live in [`ProxyTarget`] only; everything shown (Debug, errors, `proxy_for`)
//! uses [`ProxyTarget::redacted`] or [`ProxyTarget::address`].

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::proxy::matcher::Matcher;
use percent_encoding::percent_decode_str;
use tower_service::Service;

use crate::error::{chain_text, BoxError, ErrorKind, TransportError};
use crate::stale::{CheckedConnector, CheckedStream};

/// How environment variables are read.
pub(crate) type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The proxy settings of a builder.
#[derive(Clone)]
pub(crate) struct ProxySettings {
    pub(crate) proxy: Option<String>,
    pub(crate) no_proxy: Option<String>,
    pub(crate) from_env: bool,
    pub(crate) env: Option<EnvLookup>,
    pub(crate) basic_auth: Option<(String, String)>,
}

impl Default for ProxySettings {
    fn default() -> Self {
        Self {
            proxy: None,
            no_proxy: None,
            from_env: true,
            env: None,
            basic_auth: None,
        }
    }
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = self
            .proxy
            .as_deref()
            .map(|url| match ProxyTarget::parse(url) {
                Ok(target) => target.redacted(),
                Err(_) => "<not a usable proxy URL>".to_string(),
            });
        f.debug_struct("ProxySettings")
            .field("proxy", &proxy)
            .field("no_proxy", &self.no_proxy)
            .field("from_env", &self.from_env)
            .field(
                "env",
                &if self.env.is_some() {
                    "custom lookup"
                } else {
                    "process environment"
                },
            )
            .field(
                "basic_auth",
                &self
                    .basic_auth
                    .as_ref()
                    .map(|(user, _)| format!("{user}:***")),
            )
            .finish()
    }
}

/// The scheme of a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyScheme {
    /// An HTTP proxy (CONNECT for https endpoints, absolute form for http ones).
    Http,
    /// An HTTP proxy reached over TLS.
    Https,
    /// SOCKS5, the service's name resolved by the client.
    Socks5,
    /// SOCKS5, the service's name resolved by the proxy.
    Socks5h,
}

impl ProxyScheme {
    fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        }
    }
}

/// One proxy: where it is and its credentials.
#[derive(Clone)]
pub(crate) struct ProxyTarget {
    scheme: ProxyScheme,
    /// The host as in a URI (an IPv6 address in brackets).
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<String>,
}

impl fmt::Debug for ProxyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl ProxyTarget {
    /// Parses `[scheme://][user[:password]@]host[:port][/]`. The scheme defaults to `http`;
    /// the port to 1080 (curl's default) or 443 for `https://`. The error never repeats the
    /// URL (it may hold a password).
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_string(), url),
        };
        let scheme = match scheme.as_str() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks5" => ProxyScheme::Socks5,
            "socks5h" => ProxyScheme::Socks5h,
            other => {
                return Err(format!(
                    "the scheme {other}:// is not supported (use http://, https://, socks5:// or socks5h://)"
                ))
            }
        };
        let (userinfo, hostport) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let hostport = hostport.split(['/', '?', '#']).next().unwrap_or_default();
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (addr, after) = v6
                .split_once(']')
                .ok_or("an IPv6 address without its closing ]")?;
            (format!("[{addr}]"), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err("the proxy URL has no host".to_string());
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| format!("the port of the proxy {host} is not a number"))?,
            None if scheme == ProxyScheme::Https => 443,
            None => 1080,
        };
        // The host must make a URI (checked here so that connecting cannot fail on it).
        format!("http://{host}:{port}/")
            .parse::<http::Uri>()
            .map_err(|_| "the proxy host is not a valid host name or address".to_string())?;
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode(u)), Some(decode(p))),
                None => (Some(decode(info)), None),
            },
            None => (None, None),
        };
        // SOCKS5 carries each in one length byte (RFC 1929).
        let too_long = |v: &Option<String>| v.as_ref().is_some_and(|v| v.len() > 255);
        if matches!(scheme, ProxyScheme::Socks5 | ProxyScheme::Socks5h)
            && (too_long(&user) || too_long(&password))
        {
            return Err(
                "a SOCKS5 user name or password is at most 255 bytes (RFC 1929)".to_string(),
            );
        }
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            user,
            password,
        })
    }

    /// Replaces the credentials.
    pub(crate) fn with_credentials(mut self, user: &str, password: &str) -> Self {
        self.user = Some(user.to_string());
        self.password = Some(password.to_string());
        self
    }

    /// `host:port`, never the credentials.
    pub(crate) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// `scheme://***@host:port`, or `scheme://host:port` without credentials.
    pub(crate) fn redacted(&self) -> String {
        // The user name too may be the secret (a token as user name), so neither is shown.
        match &self.user {
            Some(_) => format!("{}://***@{}", self.scheme.as_str(), self.address()),
            None => format!("{}://{}", self.scheme.as_str(), self.address()),
        }
    }

    pub(crate) fn has_credentials(&self) -> bool {
        self.user.is_some()
    }

    /// The URI the first hop connects to (no credentials).
    fn hop_uri(&self) -> http::Uri {
        let scheme = if self.scheme == ProxyScheme::Https {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}/", self.address())
            .parse()
            .expect("checked by parse")
    }

    /// `Proxy-Authorization: Basic …`, marked sensitive, for HTTP proxies with credentials.
    pub(crate) fn basic_auth(&self) -> Option<http::HeaderValue> {
        use base64::Engine as _;
        let user = self.user.as_deref()?;
        let pass = self.password.as_deref().unwrap_or_default();
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let mut value = http::HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// Which requests take which proxy.
pub(crate) struct Routes {
    /// `NO_PROXY` and the per-scheme choice, by hyper-util's rules (curl's).
    matcher: Matcher,
    http: Option<ProxyTarget>,
    https: Option<ProxyTarget>,
}

impl fmt::Debug for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routes")
            .field("http", &self.http)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl Routes {
    /// Reads the settings (and, unless told not to, the environment).
    pub(crate) fn new(settings: &ProxySettings) -> Result<Self, TransportError> {
        let invalid = |source: &str, reason: String| {
            TransportError::new(
                ErrorKind::InvalidRequest,
                format!("the proxy in {source} cannot be used: {reason}"),
            )
        };
        let lookup: EnvLookup = settings
            .env
            .clone()
            .unwrap_or_else(|| Arc::new(|name: &str| std::env::var(name).ok()));
        // The first of `names` that is set and not empty.
        let env = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                lookup(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            })
        };
        let parse = |found: Option<(&'static str, String)>| {
            found
                .map(|(name, value)| ProxyTarget::parse(&value).map_err(|r| invalid(name, r)))
                .transpose()
        };
        let (mut http, mut https, env_no_proxy) = if let Some(url) = &settings.proxy {
            let target = ProxyTarget::parse(url).map_err(|r| invalid("the proxy setting", r))?;
            (Some(target.clone()), Some(target), None)
        } else if settings.from_env {
            // curl reads the lower-case name first. Under CGI (`REQUEST_METHOD` set),
            // `HTTP_PROXY` may come from a request's `Proxy:` header ("httpoxy"), so only
            // `http_proxy` is read there.
            let cgi = lookup("REQUEST_METHOD").is_some();
            let http_names: &[&'static str] = if cgi {
                &["http_proxy"]
            } else {
                &["http_proxy", "HTTP_PROXY"]
            };
            let all = parse(env(&["all_proxy", "ALL_PROXY"]))?;
            let http = parse(env(http_names))?.or_else(|| all.clone());
            let https = parse(env(&["https_proxy", "HTTPS_PROXY"]))?.or(all);
            let no = env(&["no_proxy", "NO_PROXY"]).map(|(_, v)| v);
            (http, https, no)
        } else {
            (None, None, None)
        };
        if let Some((user, password)) = &settings.basic_auth {
            http = http.map(|t| t.with_credentials(user, password));
            https = https.map(|t| t.with_credentials(user, password));
        }
        let no_proxy = settings.no_proxy.clone().or(env_no_proxy);
        // curl's `*` bypasses every host, IP addresses included (hyper-util's matcher applies
        // it to names only).
        let bypass_all = no_proxy
            .as_deref()
            .is_some_and(|list| list.split(',').any(|entry| entry.trim() == "*"));
        if bypass_all {
            http = None;
            https = None;
        }
        let mut matcher = Matcher::builder().no(no_proxy.unwrap_or_default());
        // Only whether a proxy is set for a scheme matters to the matcher; the target itself
        // (with its credentials) stays here.
        if let Some(t) = &http {
            matcher = matcher.http(format!("http://{}", t.address()));
        }
        if let Some(t) = &https {
            matcher = matcher.https(format!("http://{}", t.address()));
        }
        Ok(Self {
            matcher: matcher.build(),
            http,
            https,
        })
    }

    /// The proxy a request to `dst` takes, or `None` when it goes direct.
    pub(crate) fn route(&self, dst: &http::Uri) -> Option<&ProxyTarget> {
        self.matcher.intercept(dst)?;
        match dst.scheme_str() {
            Some("https") => self.https.as_ref(),
            Some("http") => self.http.as_ref(),
            _ => None,
        }
    }

    /// Whether a request to `dst` goes to an HTTP proxy in absolute form (not tunneled): an
    /// `http://` endpoint behind an `http://` or `https://` proxy.
    pub(crate) fn forward(&self, dst: &http::Uri) -> Option<&ProxyTarget> {
        self.route(dst).filter(|t| {
            dst.scheme_str() == Some("http")
                && matches!(t.scheme, ProxyScheme::Http | ProxyScheme::Https)
        })
    }
}

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

    fn unreachable(target: &ProxyTarget, detail: Option<String>, source: BoxError) -> Self {
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

/// A connection of any kind, boxed.
pub(crate) trait Io: Read + Write + Connection + Unpin + Send {}
impl<T: Read + Write + Connection + Unpin + Send> Io for T {}

/// What [`ProxyConnector`] connects: directly (the stale-checked TCP stream) or through a
/// proxy.
pub(crate) enum ProxyStream {
    Direct(CheckedStream),
    Proxied {
        io: Box<dyn Io>,
        /// An `http://` endpoint through an HTTP proxy: requests go in absolute form.
        forward: bool,
    },
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        match self {
            ProxyStream::Direct(io) => io.connected(),
            // Nothing of the hop (e.g. ALPN with a TLS proxy) carries over to the service.
            ProxyStream::Proxied { forward, .. } => Connected::new().proxy(*forward),
        }
    }
}

impl Read for ProxyStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_read(cx, buf),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_read(cx, buf),
        }
    }
}

impl Write for ProxyStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_write(cx, buf),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ProxyStream::Direct(io) => io.is_write_vectored(),
            ProxyStream::Proxied { io, .. } => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_flush(cx),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_shutdown(cx),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_shutdown(cx),
        }
    }
}

/// What happened on the hop to the proxy, for the error of a failed handshake (hyper-util's
/// tunnel and SOCKS errors do not say whether the proxy answered, nor with what status).
#[derive(Default)]
struct Record {
    connected: AtomicBool,
    /// The first line the proxy answered (the CONNECT status line), up to 1 KiB.
    head: Mutex<Vec<u8>>,
    /// Why the hop failed.
    error: Mutex<Option<String>>,
}

const RECORD_MAX: usize = 1024;

/// A stream that copies what is read into its [`Record`] until the first line is complete.
struct Recorded {
    io: Box<dyn Io>,
    record: Option<Arc<Record>>,
}

impl Read for Recorded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(record) = &this.record else {
            return Pin::new(&mut *this.io).poll_read(cx, buf);
        };
        let mut tmp = [0u8; 512];
        let n = tmp.len().min(buf.remaining());
        let mut rb = ReadBuf::new(&mut tmp[..n]);
        let polled = Pin::new(&mut *this.io).poll_read(cx, rb.unfilled());
        if let Poll::Ready(Ok(())) = polled {
            let filled = rb.filled();
            buf.put_slice(filled);
            let mut head = record.head.lock().unwrap_or_else(|e| e.into_inner());
            let room = RECORD_MAX.saturating_sub(head.len());
            head.extend_from_slice(&filled[..filled.len().min(room)]);
            if filled.is_empty() || head.contains(&b'\n') || head.len() >= RECORD_MAX {
                drop(head);
                this.record = None;
            }
        }
        polled
    }
}

impl Write for Recorded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

impl Connection for Recorded {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

/// The connection to the proxy itself: TCP (stale-checked), or TLS over it for `https://`
/// proxies. It notes in its [`Record`] whether it connected, and why not.
#[derive(Clone)]
struct Hop {
    plain: CheckedConnector,
    tls: Option<HttpsConnector<CheckedConnector>>,
    record: Arc<Record>,
    /// Record the first line read (the CONNECT answer).
    record_head: bool,
}

type HopFuture = Pin<Box<dyn Future<Output = Result<Box<dyn Io>, BoxError>> + Send>>;

impl Service<http::Uri> for Hop {
    type Response = Box<dyn Io>;
    type Error = BoxError;
    type Future = HopFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> HopFuture {
        let record = self.record.clone();
        let record_head = self.record_head;
        let connecting: HopFuture = match &mut self.tls {
            Some(tls) => {
                let f = tls.call(uri);
                Box::pin(async move { Ok(Box::new(f.await?) as Box<dyn Io>) })
            }
            None => {
                let f = self.plain.call(uri);
                Box::pin(async move { Ok(Box::new(f.await?) as Box<dyn Io>) })
            }
        };
        Box::pin(async move {
            match connecting.await {
                Ok(io) => {
                    record.connected.store(true, Ordering::SeqCst);
                    let record = record_head.then_some(record);
                    Ok(Box::new(Recorded { io, record }) as Box<dyn Io>)
                }
                Err(e) => {
                    let text = chain_text(&*e);
                    *record.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
                    Err(e)
                }
            }
        })
    }
}

/// Connects directly or through the proxy that [`Routes`] chooses for the destination.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    pub(crate) direct: CheckedConnector,
    /// TLS to an `https://` proxy (HTTP/1.1 only).
    pub(crate) tls_hop: HttpsConnector<CheckedConnector>,
    pub(crate) routes: Arc<Routes>,
}

type ConnectFuture = Pin<Box<dyn Future<Output = Result<ProxyStream, BoxError>> + Send>>;

impl Service<http::Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx)
    }

    fn call(&mut self, dst: http::Uri) -> ConnectFuture {
        let Some(target) = self.routes.route(&dst).cloned() else {
            let connecting = self.direct.call(dst);
            return Box::pin(async move { Ok(ProxyStream::Direct(connecting.await?)) });
        };
        let hop = Hop {
            plain: self.direct.clone(),
            tls: (target.scheme == ProxyScheme::Https).then(|| self.tls_hop.clone()),
            record: Arc::new(Record::default()),
            record_head: false,
        };
        Box::pin(connect_via(target, hop, dst))
    }
}

/// The destination with its port spelled out (the connectors assume 443 otherwise).
fn with_port(dst: &http::Uri) -> Result<(String, u16), BoxError> {
    let host = dst.host().ok_or("the URI has no host")?.to_string();
    let port = dst.port_u16().unwrap_or(match dst.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    Ok((host, port))
}

async fn connect_via(
    target: ProxyTarget,
    mut hop: Hop,
    dst: http::Uri,
) -> Result<ProxyStream, BoxError> {
    let (host, port) = with_port(&dst)?;
    let record = hop.record.clone();
    let failed_hop = |e: BoxError| -> BoxError {
        let detail = record
            .error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Box::new(ProxyFailure::unreachable(&target, detail, e))
    };
    match target.scheme {
        ProxyScheme::Http | ProxyScheme::Https if dst.scheme_str() == Some("http") => {
            let io = hop.call(target.hop_uri()).await.map_err(failed_hop)?;
            Ok(ProxyStream::Proxied { io, forward: true })
        }
        ProxyScheme::Http | ProxyScheme::Https => {
            hop.record_head = true;
            let mut tunnel = Tunnel::new(target.hop_uri(), hop);
            if let Some(auth) = target.basic_auth() {
                tunnel = tunnel.with_auth(auth);
            }
            let authority: http::Uri = format!("https://{host}:{port}/").parse()?;
            match tunnel.call(authority).await {
                Ok(io) => Ok(ProxyStream::Proxied { io, forward: false }),
                Err(e) => {
                    if !record.connected.load(Ordering::SeqCst) {
                        return Err(failed_hop(Box::new(e)));
                    }
                    let head = record
                        .head
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    let status = status_line(&head);
                    let (message, refusal) = match &status {
                        Some((code @ (401 | 407), _)) => {
                            return Err(Box::new(ProxyFailure::auth_required(&target, *code)))
                        }
                        Some((_, line)) => (
                            format!(
                                "the proxy refused the tunnel: {line} (proxy {}, CONNECT {host}:{port})",
                                target.address()
                            ),
                            true,
                        ),
                        None => (
                            format!(
                                "the proxy {} failed the CONNECT tunnel to {host}:{port}: {}",
                                target.address(),
                                chain_text(&e)
                            ),
                            false,
                        ),
                    };
                    Err(Box::new(ProxyFailure {
                        message,
                        source: Some(Box::new(e)),
                        refusal,
                    }))
                }
            }
        }
        ProxyScheme::Socks5 | ProxyScheme::Socks5h => {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let dst_host = if target.scheme == ProxyScheme::Socks5
                && bare.parse::<std::net::IpAddr>().is_err()
            {
                // socks5://: the client resolves the name (asynchronously, here, so that
                // hyper-util's SOCKS connector does not block on it).
                let addr = tokio::net::lookup_host((bare, port))
                    .await
                    .and_then(|mut addrs| {
                        addrs.next().ok_or_else(|| {
                            io::Error::new(io::ErrorKind::NotFound, "no address found")
                        })
                    })
                    .map_err(|source| DnsFailure {
                        host: bare.to_string(),
                        source,
                    })?;
                match addr.ip() {
                    std::net::IpAddr::V4(ip) => ip.to_string(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                }
            } else {
                host.clone()
            };
            let mut socks = SocksV5::new(target.hop_uri(), hop).local_dns(false);
            if let Some(user) = &target.user {
                socks = socks.with_auth(user.clone(), target.password.clone().unwrap_or_default());
            }
            let dst: http::Uri = format!("http://{dst_host}:{port}/").parse()?;
            match socks.call(dst).await {
                Ok(io) => Ok(ProxyStream::Proxied { io, forward: false }),
                Err(e) => {
                    if !record.connected.load(Ordering::SeqCst) {
                        return Err(failed_hop(Box::new(e)));
                    }
                    Err(Box::new(ProxyFailure {
                        message: format!(
                            "the SOCKS5 proxy {} failed to connect to {host}:{port}: {e}",
                            target.address()
                        ),
                        source: Some(Box::new(e)),
                        refusal: false,
                    }))
                }
            }
        }
    }
}

/// The status code and `code reason` of an HTTP status line.
fn status_line(head: &[u8]) -> Option<(u16, String)> {
    let line = head.split(|&b| b == b'\n').next()?;
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end().splitn(2, ' ');
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let rest = parts.next()?.trim();
    let code = rest.get(..3)?.parse::<u16>().ok()?;
    // Control characters from the proxy are not shown.
    let shown: String = rest.chars().filter(|c| !c.is_control()).take(100).collect();
    Some((code, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_with_curl_defaults_and_redact_credentials() {
        let t = ProxyTarget::parse("http://us%40er:p%3Ass@Proxy.Example:3128/").unwrap();
        assert_eq!(t.scheme, ProxyScheme::Http);
        assert_eq!(t.address(), "proxy.example:3128");
        assert_eq!(t.user.as_deref(), Some("us@er"));
        assert_eq!(t.password.as_deref(), Some("p:ss"));
        assert_eq!(t.redacted(), "http://***@proxy.example:3128");
        assert!(!t.redacted().contains("us%40er"));
        assert!(!format!("{t:?}").contains("p:ss"));

        let t = ProxyTarget::parse("proxy.example").unwrap();
        assert_eq!(t.redacted(), "http://proxy.example:1080");
        let t = ProxyTarget::parse("https://[::1]").unwrap();
        assert_eq!(t.address(), "[::1]:443");
        let t = ProxyTarget::parse("SOCKS5h://127.0.0.1:9050").unwrap();
        assert_eq!(t.scheme, ProxyScheme::Socks5h);

        let err = ProxyTarget::parse("ftp://u:secret@host:1").unwrap_err();
        assert!(err.contains("ftp://") && !err.contains("secret"), "{err}");
        assert!(ProxyTarget::parse("http://u:secret@host:port").is_err());
        assert!(ProxyTarget::parse("http://u:secret@").is_err());
    }

    #[test]
    fn status_lines_are_read() {
        assert_eq!(
            status_line(b"HTTP/1.1 403 Forbidden\r\nX: y\r\n"),
            Some((403, "403 Forbidden".to_string()))
        );
        assert_eq!(
            status_line(b"HTTP/1.0 407 Proxy Authentication Required\r\n"),
            Some((407, "407 Proxy Authentication Required".to_string()))
        );
        assert_eq!(status_line(b"garbage"), None);
    }

    fn env(vars: &[(&'static str, &'static str)]) -> EnvLookup {
        let vars: Vec<_> = vars.to_vec();
        Arc::new(move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    fn routes(settings: ProxySettings) -> Routes {
        Routes::new(&settings).unwrap()
    }

    fn via(r: &Routes, uri: &str) -> Option<String> {
        r.route(&uri.parse().unwrap()).map(ProxyTarget::redacted)
    }

    #[test]
    fn the_environment_is_read_like_curl() {
        let r = routes(ProxySettings {
            env: Some(env(&[
                ("HTTPS_PROXY", "http://u:pw@secure:1"),
                ("http_proxy", "plain:2"),
                ("ALL_PROXY", "socks5h://all:3"),
                ("NO_PROXY", "localhost, .internal,10.0.0.0/8"),
            ])),
            ..ProxySettings::default()
        });
        assert_eq!(
            via(&r, "https://a.example/").as_deref(),
            Some("http://***@secure:1")
        );
        assert_eq!(
            via(&r, "http://a.example/").as_deref(),
            Some("http://plain:2")
        );
        assert_eq!(via(&r, "https://localhost:8787/"), None);
        assert_eq!(via(&r, "https://x.internal/"), None);
        assert_eq!(via(&r, "https://10.1.2.3/"), None);
        // Loopback is proxied unless NO_PROXY says otherwise, as with curl.
        assert!(via(&r, "https://127.0.0.1/").is_some());

        // ALL_PROXY serves both schemes; lower case wins over upper case.
        let r = routes(ProxySettings {
            env: Some(env(&[
                ("ALL_PROXY", "socks5://all:3"),
                ("https_proxy", "http://lower:4"),
                ("HTTPS_PROXY", "http://upper:5"),
            ])),
            ..ProxySettings::default()
        });
        assert_eq!(via(&r, "http://a/").as_deref(), Some("socks5://all:3"));
        assert_eq!(via(&r, "https://a/").as_deref(), Some("http://lower:4"));

        // Under CGI, HTTP_PROXY is not trusted (httpoxy).
        let r = routes(ProxySettings {
            env: Some(env(&[
                ("HTTP_PROXY", "http://evil:6"),
                ("REQUEST_METHOD", "GET"),
            ])),
            ..ProxySettings::default()
        });
        assert_eq!(via(&r, "http://a/"), None);

        // Reading the environment can be turned off.
        let r = routes(ProxySettings {
            from_env: false,
            env: Some(env(&[("HTTPS_PROXY", "http://secure:1")])),
            ..ProxySettings::default()
        });
        assert_eq!(via(&r, "https://a/"), None);
    }

    #[test]
    fn an_explicit_proxy_overrides_the_environment() {
        let r = routes(ProxySettings {
            proxy: Some("http://mine:7".into()),
            no_proxy: Some("skip.example".into()),
            env: Some(env(&[("HTTPS_PROXY", "http://env:1"), ("NO_PROXY", "*")])),
            basic_auth: Some(("user".into(), "secret".into())),
            ..ProxySettings::default()
        });
        assert_eq!(via(&r, "https://a/").as_deref(), Some("http://***@mine:7"));
        assert_eq!(via(&r, "https://api.skip.example/"), None);
        let auth = r
            .route(&"https://a/".parse().unwrap())
            .unwrap()
            .basic_auth()
            .unwrap();
        assert_eq!(auth, "Basic dXNlcjpzZWNyZXQ=");
        assert!(auth.is_sensitive());
    }

    #[test]
    fn an_unusable_proxy_is_refused_at_build_naming_the_variable_not_the_secret() {
        let err = Routes::new(&ProxySettings {
            env: Some(env(&[("HTTPS_PROXY", "ftp://u:secret@h:1")])),
            ..ProxySettings::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("HTTPS_PROXY"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn settings_debug_hides_credentials() {
        let s = ProxySettings {
            proxy: Some("http://u:topsecret@h:1".into()),
            basic_auth: Some(("v".into(), "alsosecret".into())),
            ..ProxySettings::default()
        };
        let text = format!("{s:?}");
        assert!(
            !text.contains("topsecret") && !text.contains("alsosecret"),
            "{text}"
        );
        assert!(text.contains("http://***@h:1"), "{text}");
    }
}

#[cfg(test)]
mod routes_and_limits {
    use super::*;

    fn routes(no_proxy: &str) -> Routes {
        Routes::new(&ProxySettings {
            proxy: Some("http://proxy.internal:3128".into()),
            no_proxy: Some(no_proxy.into()),
            ..ProxySettings::default()
        })
        .unwrap()
    }

    #[test]
    fn a_star_bypasses_every_host_ip_addresses_included() {
        for uri in [
            "https://127.0.0.1:8787/",
            "http://[::1]:8787/",
            "https://live.volcengineapi.com/",
        ] {
            let uri: http::Uri = uri.parse().unwrap();
            assert!(routes("*").route(&uri).is_none(), "{uri}");
            assert!(routes("example.com, *").route(&uri).is_none(), "{uri}");
        }
        let uri: http::Uri = "https://live.volcengineapi.com/".parse().unwrap();
        assert!(routes("example.com").route(&uri).is_some());
    }

    #[test]
    fn socks5_credentials_longer_than_255_bytes_are_refused() {
        let long = "u".repeat(256);
        let err = ProxyTarget::parse(&format!("socks5://{long}:@127.0.0.1:1080")).unwrap_err();
        assert!(err.contains("255"), "{err}");
        assert!(!err.contains(&long));
        assert!(ProxyTarget::parse(&format!("http://{long}:pw@127.0.0.1:3128")).is_ok());
        assert!(ProxyTarget::parse("socks5://user:pw@127.0.0.1:1080").is_ok());
    }
}
