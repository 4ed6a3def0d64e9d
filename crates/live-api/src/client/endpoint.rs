//! Endpoints: `scheme://host[:port]`, checked, and the URIs of actions.

use live_model::ActionFacts;

use crate::error::{ErrorKind, LiveError};

/// An endpoint: `scheme://host[:port]` and nothing else.
pub(crate) struct Endpoint {
    scheme: &'static str,
    authority: String,
    host: String,
}

impl Endpoint {
    /// `scheme://host[:port]`.
    pub(crate) fn base(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// The `Host` header.
    pub(crate) fn host_header(&self) -> Result<http::HeaderValue, String> {
        http::HeaderValue::from_str(&self.authority)
            .map_err(|_| "the endpoint's host is not a valid header value".to_owned())
    }

    /// Refuses plain `http://` to a host that is not loopback, unless `allow_insecure` is set.
    pub(crate) fn check_plain_http(&self, allow_insecure: bool) -> Result<(), String> {
        if self.scheme != "http" || allow_insecure {
            return Ok(());
        }
        let bare = self.host.trim_matches(['[', ']']);
        let loopback = bare == "localhost"
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            Ok(())
        } else {
            Err(format!(
                "plain http:// is allowed only for loopback endpoints; {} is not (use https://, or allow_insecure_http)",
                self.host
            ))
        }
    }

    /// Parses `text`, saying what to remove or fix when it is more than
    /// `scheme://host[:port]`.
    pub(crate) fn parse(text: &str) -> Result<Endpoint, String> {
        // The text itself is not repeated: it may carry a password.
        let refuse = |what: &str| format!("the endpoint {what}");
        if text.contains('#') {
            return Err(refuse("has a fragment: remove the `#` and what follows"));
        }
        let uri: http::Uri = text
            .parse()
            .map_err(|_| refuse("is not a URL like https://live.volcengineapi.com"))?;
        let scheme = match uri.scheme_str() {
            Some("https") => "https",
            Some("http") => "http",
            _ => return Err(refuse("must start with https:// or http://")),
        };
        let authority = uri
            .authority()
            .filter(|a| !a.as_str().is_empty())
            .ok_or_else(|| refuse("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(refuse(
                "carries a user name or password: remove the `…@` part (calls are signed with the access key, not sent with a password)",
            ));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(refuse("has no host"));
        }
        let port_text = authority
            .as_str()
            .strip_prefix(host)
            .and_then(|rest| rest.strip_prefix(':'));
        if let Some(port) = port_text {
            if !port
                .parse::<u16>()
                .is_ok_and(|p| p != 0 && !port.starts_with('0'))
            {
                return Err(refuse(&format!(
                    "has the port {port:?}: give a number from 1 to 65535, or none"
                )));
            }
        }
        if !matches!(uri.path(), "" | "/") {
            return Err(refuse(&format!(
                "has the path {:?}: remove it (the endpoint is scheme://host[:port] only)",
                uri.path()
            )));
        }
        if let Some(q) = uri.query() {
            return Err(refuse(&format!(
                "has the query \"?{q}\": remove it (the endpoint is scheme://host[:port] only)"
            )));
        }
        Ok(Endpoint {
            scheme,
            authority: authority.as_str().to_owned(),
            host: host.to_owned(),
        })
    }
}

/// `{base}/?Action={name}&Version={version}`: the query exactly as it is signed.
pub(crate) fn action_uri(base: &str, facts: ActionFacts) -> Result<http::Uri, LiveError> {
    query_uri(base, &action_query(facts))
}

/// An action's query pairs, as its URI is built from them and as they are signed.
pub(crate) fn action_query(facts: ActionFacts) -> [(&'static str, &'static str); 2] {
    [("Action", facts.name()), ("Version", facts.version())]
}

/// `{base}/?{query}`, the query in its canonical (signed) form: sorted, encoded.
pub(crate) fn query_uri(base: &str, query: &[(&str, &str)]) -> Result<http::Uri, LiveError> {
    let query = volc_sign::canonical_query_string(query);
    http::Uri::try_from(format!("{base}/?{query}"))
        .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_scheme_host_and_port_only() {
        for ok in [
            "https://live.volcengineapi.com",
            "https://live.volcengineapi.com/",
            "http://127.0.0.1:8787",
            "http://[::1]:8787",
            "http://localhost:1",
            "https://example.com:65535",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://user:pw@127.0.0.1:8787", "user name or password"),
            ("http://user@127.0.0.1:8787", "user name or password"),
            ("http://127.0.0.1:99999", "from 1 to 65535"),
            ("http://127.0.0.1:0", "from 1 to 65535"),
            ("http://127.0.0.1:", "from 1 to 65535"),
            ("http://127.0.0.1:08787", "from 1 to 65535"),
            ("http://127.0.0.1:87a", "from 1 to 65535"),
            ("http://127.0.0.1:8787#top", "fragment"),
            ("http://127.0.0.1:8787/live", "path"),
            ("http://127.0.0.1:8787?x=1", "query"),
            ("ftp://127.0.0.1", "https:// or http://"),
            ("127.0.0.1:8787", "https:// or http://"),
            ("http://", "not a URL"),
        ] {
            let err = Endpoint::parse(bad).err().unwrap_or_default();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let secret = "http://user:hunter2@127.0.0.1:8787";
        let err = crate::LiveClient::builder()
            .endpoint(secret)
            .build()
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err}");
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
    }
}
