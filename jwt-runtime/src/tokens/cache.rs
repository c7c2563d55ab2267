//! The opt-in verified-token cache: a client that repeats its token pays the signature check
//! once (as Envoy's JWT filter does), which matters for RS256/ES256.
//!
//! Keyed by the whole compact token, so no other token, nor a tampered copy, can hit an entry.
//! An entry holds the claims as they passed every check that does not depend on the clock;
//! the time checks, the CSRF check, and the pipeline's type, freshness and revocation checks
//! still run on every request. Entries live until the token's `exp` at most, and only tokens
//! with an `exp` are kept.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::foundation::claims::{Claims, JwtHeader};

/// A token that passed the signature and every clock-independent claim check.
pub(crate) struct Checked {
    pub(crate) header: JwtHeader,
    pub(crate) claims: Claims,
    pub(crate) iat: Option<i64>,
    pub(crate) nbf: Option<i64>,
    pub(crate) exp: Option<i64>,
}

struct Entry {
    checked: Arc<Checked>,
    size: usize,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Box<str>, Entry>,
    /// Insertion order, oldest first, for eviction; may name entries already removed.
    order: VecDeque<Box<str>>,
    bytes: usize,
}

/// What the verified-token cache holds, for monitoring its memory: the answer of
/// [`JwtManager::verified_token_cache_stats`](crate::JwtManager::verified_token_cache_stats).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedTokenCacheStats {
    /// Tokens held.
    pub entries: usize,
    /// Approximate bytes held: tokens, decoded header and claims, bookkeeping.
    pub bytes: usize,
    /// The most tokens it holds.
    pub capacity: usize,
}

/// A bounded map from token to its checked claims.
pub(crate) struct VerifiedCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

/// Bookkeeping bytes per entry (map slot, order slot, `Arc`s, allocation headers): an estimate.
const ENTRY_OVERHEAD: usize = 160;

impl VerifiedCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map inconsistent in a way that
        // matters: at worst an entry is missing, and a miss only costs a verification.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The checked claims of `token`, unless absent or past its `exp` at `now` (Unix seconds).
    pub(crate) fn get(&self, token: &str, now: f64) -> Option<Arc<Checked>> {
        let mut entries = self.lock();
        let checked = Arc::clone(&entries.map.get(token)?.checked);
        if checked.exp.is_some_and(|exp| exp as f64 > now) {
            return Some(checked);
        }
        if let Some(entry) = entries.map.remove(token) {
            entries.bytes -= entry.size;
        }
        None
    }

    /// Keeps `checked` for `token` when it has an `exp` after `now`, evicting the oldest
    /// entries when full.
    pub(crate) fn insert(&self, token: &str, checked: Arc<Checked>, now: f64) {
        if !checked.exp.is_some_and(|exp| exp as f64 > now) {
            return;
        }
        // The decoded header and claims take about as much as the token's base64 text.
        let size = 2 * token.len() + ENTRY_OVERHEAD;
        let mut entries = self.lock();
        while entries.map.len() >= self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(entry) = entries.map.remove(&oldest) {
                entries.bytes -= entry.size;
            }
        }
        let key: Box<str> = token.into();
        if let Some(previous) = entries.map.insert(key.clone(), Entry { checked, size }) {
            entries.bytes -= previous.size;
        } else {
            entries.order.push_back(key);
        }
        entries.bytes += size;
        // Stale order slots (entries removed on expiry) are dropped when they outnumber the
        // entries, so the queue stays bounded too.
        if entries.order.len() > 2 * self.capacity {
            let Entries { map, order, .. } = &mut *entries;
            order.retain(|key| map.contains_key(key));
        }
    }

    pub(crate) fn stats(&self) -> VerifiedTokenCacheStats {
        let entries = self.lock();
        VerifiedTokenCacheStats {
            entries: entries.map.len(),
            bytes: entries.bytes,
            capacity: self.capacity,
        }
    }
}
