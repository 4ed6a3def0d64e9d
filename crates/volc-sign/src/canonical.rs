//! The canonical request and the string to sign, written once for signing, presigning and
//! verifying.
//!
//! The canonical request is never built as a string on the hot path: its pieces are fed
//! straight into SHA-256. When a trace is asked for, the same pieces are copied aside as well,
//! so the traced text is by construction what was hashed.

use std::cmp::Ordering;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::encode::{encode_into, encode_path_into, hex32};

/// The algorithm name, first line of the string to sign and first word of `Authorization`.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// Lower-case hex SHA-256 of the empty body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Where the canonical request goes: a reusable per-thread buffer, hashed once at the end
/// (one SHA-256 update over the whole text is cheaper than one per piece), and optionally
/// copied aside for a trace.
pub(crate) struct Sink<'a> {
    scratch: &'a mut Scratch,
}

/// A thread's reusable buffer, and the SHA-256 state after the first block of the last
/// canonical request hashed: a client repeating one action with one set of headers has the
/// same first 64 bytes every time (method, path, query, first headers), so that block is
/// compressed once, not once per call.
#[derive(Default)]
pub(crate) struct Scratch {
    buf: Vec<u8>,
    first_block: Option<([u8; 64], Sha256)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = const {
        std::cell::RefCell::new(Scratch { buf: Vec::new(), first_block: None })
    };
}

/// Runs `f` with an empty scratch buffer: this thread's reusable one, or a fresh one when it
/// is in use.
pub(crate) fn with_sink<R>(f: impl FnOnce(&mut Sink<'_>) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.buf.clear();
            let r = f(&mut Sink {
                scratch: &mut scratch,
            });
            // The text may hold a session token: wipe it rather than leave it for the next call.
            let used = scratch.buf.len();
            scratch.buf[..used].zeroize();
            if scratch.buf.capacity() > 64 * 1024 {
                scratch.buf = Vec::new();
            }
            r
        }
        Err(_) => f(&mut Sink {
            scratch: &mut Scratch::default(),
        }),
    })
}

impl Sink<'_> {
    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.scratch.buf.extend_from_slice(bytes);
    }

    /// The text written so far.
    pub(crate) fn text(&self) -> &[u8] {
        &self.scratch.buf
    }

    /// Lower-case hex SHA-256 of the text written so far.
    pub(crate) fn hash_hex(&mut self) -> [u8; 64] {
        let Scratch { buf, first_block } = &mut *self.scratch;
        let Some((head, rest)) = buf.split_first_chunk::<64>() else {
            return hex32(&Sha256::digest(&buf[..]));
        };
        let mut hasher = match first_block {
            Some((cached, state)) if cached == head => state.clone(),
            _ => {
                let mut state = Sha256::new();
                state.update(head);
                *first_block = Some((*head, state.clone()));
                state
            }
        };
        hasher.update(rest);
        hex32(&hasher.finalize())
    }

    /// Writes `name` lower-cased.
    pub(crate) fn put_lower(&mut self, name: &[u8]) {
        let start = self.scratch.buf.len();
        self.put(name);
        self.scratch.buf[start..].make_ascii_lowercase();
    }
}

/// One header of the canonical request: its name (any case; written lower-cased) and its
/// value, already trimmed (and, for `host`, without a default port).
#[derive(Clone, Copy)]
pub(crate) struct HeaderEntry<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a [u8],
}

/// Compares two header names as their lower-case forms.
pub(crate) fn cmp_lower(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
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

/// Where a trace copies the canonical request and the string to sign.
#[derive(Default)]
pub(crate) struct TraceBuffers {
    pub(crate) canonical: Vec<u8>,
    pub(crate) string_to_sign: Vec<u8>,
}

/// The string to sign's variable lines: the `X-Date` text and the credential scope's pieces.
pub(crate) struct StringToSign<'a> {
    pub(crate) x_date: &'a str,
    pub(crate) scope: [&'a str; 6],
}

/// The lower-case hex signature: hashes the canonical request, writes the string to sign and
/// signs it with `mac` (keyed with the signing key). Copies both texts into `trace` if given.
pub(crate) fn compute_signature<'q, Q>(
    parts: CanonicalParts<'_, Q>,
    sts: &StringToSign<'_>,
    mut mac: Hmac<Sha256>,
    trace: Option<&mut TraceBuffers>,
) -> [u8; 64]
where
    Q: IntoIterator<Item = (&'q str, &'q str)>,
{
    with_sink(|sink| {
        write_canonical(sink, parts);
        let canonical_hash = sink.hash_hex();
        let canonical_text_len = sink.text().len();
        for p in [ALGORITHM, "\n", sts.x_date, "\n"].iter().chain(&sts.scope) {
            sink.put(p.as_bytes());
        }
        sink.put(b"\n");
        sink.put(&canonical_hash);
        let (canonical, string_to_sign) = sink.text().split_at(canonical_text_len);
        mac.update(string_to_sign);
        if let Some(trace) = trace {
            trace.canonical.extend_from_slice(canonical);
            trace.string_to_sign.extend_from_slice(string_to_sign);
        }
        hex32(&mac.finalize().into_bytes())
    })
}

/// Writes the canonical request into `sink`.
fn write_canonical<'q, Q>(sink: &mut Sink<'_>, parts: CanonicalParts<'_, Q>)
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
        sink.put_lower(h.name.as_bytes());
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
