//! Which proxy, if any, a request to a given URI takes: the choice of the settings, with
//! `NO_PROXY` applied by hyper-util's [`Matcher`].

use std::fmt;

use hyper_util::client::proxy::matcher::Matcher;

use super::settings::{ProxyChoice, ProxyScheme, ProxySettings, ProxyTarget};
use crate::error::TransportError;

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
        let ProxyChoice {
            http,
            https,
            no_proxy,
        } = settings.choose()?;
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
        // The scheme's proxy first: with none set (the usual case) no matching is done.
        let target = match dst.scheme_str() {
            Some("https") => self.https.as_ref(),
            Some("http") => self.http.as_ref(),
            _ => None,
        }?;
        self.matcher.intercept(dst)?;
        Some(target)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::proxy::settings::EnvLookup;

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

    fn with_no_proxy(no_proxy: &str) -> Routes {
        Routes::new(&ProxySettings {
            proxy: Some("http://proxy.internal:3128".into()),
            no_proxy: Some(no_proxy.into()),
            ..ProxySettings::default()
        })
        .unwrap()
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
    fn a_star_bypasses_every_host_ip_addresses_included() {
        for uri in [
            "https://127.0.0.1:8787/",
            "http://[::1]:8787/",
            "https://live.volcengineapi.com/",
        ] {
            let uri: http::Uri = uri.parse().unwrap();
            assert!(with_no_proxy("*").route(&uri).is_none(), "{uri}");
            assert!(
                with_no_proxy("example.com, *").route(&uri).is_none(),
                "{uri}"
            );
        }
        let uri: http::Uri = "https://live.volcengineapi.com/".parse().unwrap();
        assert!(with_no_proxy("example.com").route(&uri).is_some());
    }
}
