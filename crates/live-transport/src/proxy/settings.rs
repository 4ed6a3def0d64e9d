//! The proxy settings of a builder, the proxy URLs they name (with their credentials), and
//! the proxies and `NO_PROXY` list they choose, from the settings or the environment
//! (curl's variables and rules).

use std::fmt;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

use crate::error::{ErrorKind, TransportError};

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
pub(super) enum ProxyScheme {
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
    pub(super) scheme: ProxyScheme,
    /// The host as in a URI (an IPv6 address in brackets).
    host: String,
    port: u16,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
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
    pub(super) fn hop_uri(&self) -> http::Uri {
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

/// The proxy for each scheme and the hosts that bypass them, as the settings (and the
/// environment) choose; which request takes which is the routes' question.
pub(super) struct ProxyChoice {
    pub(super) http: Option<ProxyTarget>,
    pub(super) https: Option<ProxyTarget>,
    /// The `NO_PROXY` list: the one set in code, else the environment's.
    pub(super) no_proxy: Option<String>,
}

impl ProxySettings {
    /// Reads the settings (and, unless told not to, the environment).
    pub(super) fn choose(&self) -> Result<ProxyChoice, TransportError> {
        let invalid = |source: &str, reason: String| {
            TransportError::new(
                ErrorKind::InvalidRequest,
                format!("the proxy in {source} cannot be used: {reason}"),
            )
        };
        let lookup: EnvLookup = self
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
        let (mut http, mut https, env_no_proxy) = if let Some(url) = &self.proxy {
            let target = ProxyTarget::parse(url).map_err(|r| invalid("the proxy setting", r))?;
            (Some(target.clone()), Some(target), None)
        } else if self.from_env {
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
        if let Some((user, password)) = &self.basic_auth {
            http = http.map(|t| t.with_credentials(user, password));
            https = https.map(|t| t.with_credentials(user, password));
        }
        let no_proxy = self.no_proxy.clone().or(env_no_proxy);
        // curl's `*` bypasses every host, IP addresses included (hyper-util's matcher applies
        // it to names only).
        let bypass_all = no_proxy
            .as_deref()
            .is_some_and(|list| list.split(',').any(|entry| entry.trim() == "*"));
        if bypass_all {
            http = None;
            https = None;
        }
        Ok(ProxyChoice {
            http,
            https,
            no_proxy,
        })
    }
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
