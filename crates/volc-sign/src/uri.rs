//! A request's URI as signing and verification read it: the path percent-decoded, the query
//! decoded into pairs, and the host.

use std::borrow::Cow;

/// The decoded path and query of a URI, as signing sees them: the path percent-decoded, the
/// query split into pairs with `+` read as space and `%XX` decoded.
pub(crate) struct DecodedUri<'a> {
    pub(crate) path: Cow<'a, [u8]>,
    pub(crate) query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> DecodedUri<'a> {
    pub(crate) fn new(uri: &'a http::Uri) -> Self {
        let path = percent_encoding::percent_decode(uri.path().as_bytes()).into();
        let query = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).collect())
            .unwrap_or_default();
        Self { path, query }
    }

    /// The query pairs, in the request's order.
    pub(crate) fn query_refs(&self) -> Vec<(&str, &str)> {
        self.query
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect()
    }

    /// Whether the query has a parameter named `key`.
    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }

    /// The values of every parameter named `key`, in the request's order.
    pub(crate) fn values<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.query
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// The pairs whose key `keep` accepts, sorted by raw key; repeated keys keep the request's
    /// order (the sort is stable).
    pub(crate) fn sorted_pairs(&self, keep: impl Fn(&str) -> bool) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self
            .query
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        pairs
    }
}

/// The `Host` of a request: its `Host` header, else the URI's authority (HTTP/2).
pub(crate) fn request_host<'a>(
    headers: &'a http::HeaderMap,
    uri: &'a http::Uri,
) -> Option<&'a [u8]> {
    headers
        .get(http::header::HOST)
        .map(|h| h.as_bytes())
        .or_else(|| uri.authority().map(|a| a.as_str().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_sorts_stably() {
        let uri: http::Uri = "/a%20b/c?b=2&a=x+y&b=1&c=%2F".parse().unwrap();
        let d = DecodedUri::new(&uri);
        assert_eq!(&d.path[..], b"/a b/c");
        assert_eq!(
            d.query_refs(),
            [("b", "2"), ("a", "x y"), ("b", "1"), ("c", "/")]
        );
        assert!(d.has_key("c") && !d.has_key("d"));
        assert_eq!(d.values("b").collect::<Vec<_>>(), ["2", "1"]);
        assert_eq!(
            d.sorted_pairs(|_| true),
            [("a", "x y"), ("b", "2"), ("b", "1"), ("c", "/")]
        );
        assert_eq!(d.sorted_pairs(|k| k != "b"), [("a", "x y"), ("c", "/")]);
    }

    #[test]
    fn host_from_header_else_authority() {
        let uri: http::Uri = "http://example.com:8080/".parse().unwrap();
        let mut headers = http::HeaderMap::new();
        assert_eq!(request_host(&headers, &uri), Some(&b"example.com:8080"[..]));
        headers.insert(http::header::HOST, "h.test".parse().unwrap());
        assert_eq!(request_host(&headers, &uri), Some(&b"h.test"[..]));
        let relative: http::Uri = "/".parse().unwrap();
        assert_eq!(request_host(&http::HeaderMap::new(), &relative), None);
    }
}
