//! Signing-key derivation and a thread-safe cache of derived keys.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// An HMAC-SHA256 keyed with the signing key, its inner and outer pads already absorbed.
pub(crate) type SigningMac = Hmac<Sha256>;

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = <SigningMac as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC(secret, date), region), service), "request")`, returned as a
/// MAC ready to sign with. Intermediate keys are wiped.
pub(crate) fn derive_signing_mac(
    secret: &[u8],
    date: &[u8],
    region: &[u8],
    service: &[u8],
) -> SigningMac {
    let mut k_date = hmac(secret, date);
    let mut k_region = hmac(&k_date, region);
    let mut k_service = hmac(&k_region, service);
    let mut k_signing = hmac(&k_service, b"request");
    let mac = <SigningMac as Mac>::new_from_slice(&k_signing).unwrap_or_else(|_| unreachable!());
    k_date.zeroize();
    k_region.zeroize();
    k_service.zeroize();
    k_signing.zeroize();
    mac
}

struct Entry {
    secret: Zeroizing<Box<[u8]>>,
    date: [u8; 8],
    region: Box<str>,
    service: Box<str>,
    mac: SigningMac,
}

impl Entry {
    fn matches(&self, secret: &[u8], date: &[u8], region: &str, service: &str) -> bool {
        self.date[..] == *date
            && *self.region == *region
            && *self.service == *service
            // The secret compared is the caller's own, never attacker input, so a plain
            // comparison leaks nothing.
            && **self.secret == *secret
    }
}

/// A cache of derived signing keys, keyed by (secret key, date, region, service).
///
/// The key chain costs four HMACs; with the cache a busy client derives a key once per day
/// and scope instead of once per call. It holds at most `capacity` keys (16 by default) and
/// forgets the oldest first, so yesterday's keys leave as today's arrive. Cloning is cheap
/// and shares the cache; it is safe to use from many threads at once.
///
/// ```
/// use volc_sign::{Scope, Signer, SigningKeyCache};
///
/// let cache = SigningKeyCache::new();
/// let live = Signer::with_cache(Scope::new("cn-north-1", "live")?, cache.clone());
/// let iam = Signer::with_cache(Scope::new("cn-north-1", "iam")?, cache.clone());
/// # let _ = (live, iam);
/// assert!(cache.is_empty());
/// # Ok::<(), volc_sign::SignError>(())
/// ```
#[derive(Clone)]
pub struct SigningKeyCache {
    inner: Arc<RwLock<VecDeque<Entry>>>,
    capacity: usize,
}

impl SigningKeyCache {
    /// The default number of keys kept.
    pub const DEFAULT_CAPACITY: usize = 16;

    /// An empty cache holding up to [`Self::DEFAULT_CAPACITY`] keys.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// An empty cache holding up to `capacity` keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            inner: Arc::new(RwLock::new(VecDeque::with_capacity(capacity))),
            capacity,
        }
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cached key (e.g. after a secret was rotated).
    pub fn clear(&self) {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The signing MAC for this secret, date and scope, derived at most once.
    pub(crate) fn get_or_derive(
        &self,
        secret: &[u8],
        date: &[u8],
        region: &str,
        service: &str,
    ) -> SigningMac {
        {
            let entries = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(e) = entries
                .iter()
                .rev()
                .find(|e| e.matches(secret, date, region, service))
            {
                return e.mac.clone();
            }
        }
        let mac = derive_signing_mac(secret, date, region.as_bytes(), service.as_bytes());
        let Ok(date8) = <[u8; 8]>::try_from(date) else {
            return mac;
        };
        let mut entries = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if !entries
            .iter()
            .any(|e| e.matches(secret, date, region, service))
        {
            if entries.len() >= self.capacity {
                entries.pop_front();
            }
            entries.push_back(Entry {
                secret: Zeroizing::new(secret.into()),
                date: date8,
                region: region.into(),
                service: service.into(),
                mac: mac.clone(),
            });
        }
        mac
    }
}

impl Default for SigningKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(mut mac: SigningMac) -> [u8; 32] {
        mac.update(b"x");
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn cached_key_equals_derived_key_and_is_reused() {
        let cache = SigningKeyCache::with_capacity(2);
        let a = cache.get_or_derive(b"s1", b"20240520", "cn-north-1", "live");
        assert_eq!(cache.len(), 1);
        let b = cache.get_or_derive(b"s1", b"20240520", "cn-north-1", "live");
        assert_eq!(cache.len(), 1);
        let fresh = derive_signing_mac(b"s1", b"20240520", b"cn-north-1", b"live");
        assert_eq!(sig(a), sig(fresh.clone()));
        assert_eq!(sig(b), sig(fresh));
        // Every part of the key matters.
        let other = [
            cache.get_or_derive(b"s2", b"20240520", "cn-north-1", "live"),
            cache.get_or_derive(b"s1", b"20240521", "cn-north-1", "live"),
            cache.get_or_derive(b"s1", b"20240520", "cn-north-2", "live"),
            cache.get_or_derive(b"s1", b"20240520", "cn-north-1", "iam"),
        ];
        let base = sig(derive_signing_mac(
            b"s1",
            b"20240520",
            b"cn-north-1",
            b"live",
        ));
        for o in other {
            assert_ne!(sig(o), base);
        }
        assert_eq!(cache.len(), 2, "capacity bounds the cache");
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn shared_across_threads() {
        let cache = SigningKeyCache::new();
        std::thread::scope(|s| {
            for _ in 0..4 {
                let c = cache.clone();
                s.spawn(move || {
                    for _ in 0..100 {
                        let _ = c.get_or_derive(b"s", b"20240520", "cn-north-1", "live");
                    }
                });
            }
        });
        assert_eq!(cache.len(), 1);
    }
}
