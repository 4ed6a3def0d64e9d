//! The canonical request and the string to sign, written once for signing, presigning and
//! verifying.
//!
//! The canonical request is never built as a string on the hot path: its pieces are fed
//! straight into SHA-256. When a trace is asked for, the same pieces are copied aside as well,
//! so the traced text is by construction what was hashed.

use std::cmp::Ordering;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::encode::{encode_into, encode_path_into, hex32};

/// The algorithm name, first line of the string to sign and first word of `Authorization`.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// Lower-case hex SHA-256 of the empty body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Where the canonical request goes: into SHA-256, and optionally into a copy for a trace.
pub(crate) struct Sink<'a> {
    hasher: Sha256,
    copy: Option<&'a mut Vec<u8>>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(copy: Option<&'a mut Vec<u8>>) -> Self {
        Self {
            hasher: Sha256::new(),
            copy,
        }
    }

    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        if let Some(copy) = self.copy.as_deref_mut() {
            copy.extend_from_slice(bytes);
        }
    }

    /// Writes `name` lower-cased.
    pub(crate) fn put_lower(&mut self, name: &[u8]) {
        let mut buf = [0u8; 64];
        for chunk in name.chunks(buf.len()) {
            let out = &mut buf[..chunk.len()];
            for (o, c) in out.iter_mut().zip(chunk) {
                *o = c.to_ascii_lowercase();
            }
            self.put(out);
        }
    }

    pub(crate) fn finish_hex(self) -> [u8; 64] {
        hex32(&self.hasher.finalize())
    }
}

/// One header of the canonical request: its name (any case; written lower-cased) and its
/// value, already trimmed (and, for `host`, without a default port).
#[derive(Clone, Copy)]
pub(crate) struct HeaderEntry<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
}

/// Compares two header names as their lower-case forms.
pub(crate) fn cmp_lower(a: &[u8], b: &[u8]) -> Ordering {
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// Everything the canonical request is made of.
pub(crate) struct CanonicalParts<'a, Q> {
    pub(crate) method: &'a [u8],
    /// The decoded path; it is percent-encoded segment by segment.
    pub(crate) path: &'a [u8],
    /// Decoded query pairs, already in canonical (stable, by raw key) order.
    pub(crate) query: Q,
    /// Headers in the order they are listed in `SignedHeaders`.
    pub(crate) headers: &'a [HeaderEntry<'a>],
    /// Presigned URLs with no signed headers write one empty line where the headers go (as
    /// the reference signer does); header-signed requests write nothing.
    pub(crate) presign_layout: bool,
    /// The `SignedHeaders` value, exactly as it appears in `Authorization`.
    pub(crate) signed_headers: &'a [u8],
    /// Lower-case hex SHA-256 of the payload.
    pub(crate) payload_hash: &'a [u8],
}

/// Writes the canonical request into `sink`.
pub(crate) fn write_canonical<'q, Q>(sink: &mut Sink<'_>, parts: CanonicalParts<'_, Q>)
where
    Q: IntoIterator<Item = (&'q str, &'q str)>,
{
    sink.put(parts.method);
    sink.put(b"\n");
    encode_path_into(parts.path, |p| sink.put(p));
    sink.put(b"\n");
    let mut first = true;
    for (k, v) in parts.query {
        if !first {
            sink.put(b"&");
        }
        first = false;
        encode_into(k.as_bytes(), |p| sink.put(p));
        sink.put(b"=");
        encode_into(v.as_bytes(), |p| sink.put(p));
    }
    sink.put(b"\n");
    for h in parts.headers {
        sink.put_lower(h.name);
        sink.put(b":");
        sink.put(h.value);
        sink.put(b"\n");
    }
    if parts.presign_layout && parts.headers.is_empty() {
        sink.put(b"\n");
    }
    sink.put(b"\n");
    sink.put(parts.signed_headers);
    sink.put(b"\n");
    sink.put(parts.payload_hash);
}

/// Sorts query pairs by raw key, keeping the request order of repeated keys; borrows the
/// input when it is already in order (the common case), so nothing is allocated.
pub(crate) fn sorted_query<'q>(query: &'q [(&'q str, &'q str)]) -> SortedQuery<'q> {
    if query.windows(2).all(|w| w[0].0 <= w[1].0) {
        SortedQuery::InOrder(query)
    } else {
        let mut v: Vec<(&str, &str)> = query.to_vec();
        v.sort_by(|a, b| a.0.cmp(b.0));
        SortedQuery::Sorted(v)
    }
}

/// Query pairs in canonical order.
pub(crate) enum SortedQuery<'q> {
    InOrder(&'q [(&'q str, &'q str)]),
    Sorted(Vec<(&'q str, &'q str)>),
}

impl<'q> SortedQuery<'q> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'q str, &'q str)> + '_ {
        let s: &[(&'q str, &'q str)] = match self {
            SortedQuery::InOrder(s) => s,
            SortedQuery::Sorted(v) => v,
        };
        s.iter().copied()
    }
}

/// Feeds the string to sign into `mac` (and into `copy` when tracing).
pub(crate) fn write_string_to_sign(
    mac: &mut Hmac<Sha256>,
    mut copy: Option<&mut Vec<u8>>,
    x_date: &str,
    credential_scope: &[&[u8]],
    canonical_hash: &[u8; 64],
) {
    let head: [&[u8]; 4] = [ALGORITHM.as_bytes(), b"\n", x_date.as_bytes(), b"\n"];
    let tail: [&[u8]; 2] = [b"\n", canonical_hash];
    for p in head.iter().chain(credential_scope).chain(tail.iter()) {
        mac.update(p);
        if let Some(c) = copy.as_deref_mut() {
            c.extend_from_slice(p);
        }
    }
}
