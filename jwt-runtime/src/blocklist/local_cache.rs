//! The in-process cache of the cached shared stores ([`CachedRedisStore`](super::CachedRedisStore),
//! [`CachedPostgresStore`](super::CachedPostgresStore)): the answers of the store for its keys,
//! kept while a channel of invalidations from the store is known to be alive, dropped the
//! moment it is lost.
//!
//! The rules that keep a cached answer true:
//! * an answer read from the store is cached only when no invalidation and no change of channel
//!   happened while it was read (the epoch did not move);
//! * the cache is used only when the channel was heard from within `max_staleness`: hearing
//!   from it at `t` (a fence the store sent back) proves every invalidation sent before `t`
//!   has been applied;
//! * a lost channel empties the cache; a new one starts empty.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::{issued_by, TokenIds};

/// How long a cached store trusts its cache without hearing from the shared store: the bound
/// on how late a revocation reaches an instance whose invalidations are cut.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_millis(100);

/// How many store keys (revoked or not) a cached store keeps answers for.
pub const DEFAULT_CACHE_CAPACITY: usize = 100_000;

/// What a cached store (`CachedRedisStore`, `CachedPostgresStore`) did so far, as its
/// `stats()` tells: the counters of its local cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachedStoreStats {
    /// Checks answered from memory.
    pub hits: u64,
    /// Checks that asked the store.
    pub misses: u64,
    /// Keys whose answer is cached now.
    pub entries: usize,
    /// Whether the invalidation channel is up and was heard from within `max_staleness`.
    pub trusted: bool,
}

pub(super) struct LocalCache {
    max_staleness: Duration,
    capacity: usize,
    state: RwLock<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct State {
    /// Store key → its value (`None`: no such key, not revoked).
    entries: HashMap<Box<str>, Option<Box<str>>>,
    /// Moves with every invalidation and change of channel.
    epoch: u64,
    /// Numbers the channels, so that news from an old one is ignored.
    generation: u64,
    /// Whether a channel is up.
    live: bool,
    /// Every invalidation sent before this instant has been applied.
    fresh_as_of: Instant,
}

/// The answer of [`LocalCache::lookup`].
pub(super) enum Lookup {
    /// Every key's value, from memory.
    Hit(Vec<Option<String>>),
    /// Ask the store, then [`LocalCache::fill`] with this ticket.
    Miss(Ticket),
}

/// When a read from the store started, for [`LocalCache::fill`].
pub(super) struct Ticket {
    epoch: u64,
}

impl LocalCache {
    pub(super) fn new(max_staleness: Duration, capacity: usize) -> Self {
        Self {
            max_staleness,
            capacity,
            state: RwLock::new(State {
                entries: HashMap::new(),
                epoch: 0,
                generation: 0,
                live: false,
                fresh_as_of: Instant::now(),
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(super) fn max_staleness(&self) -> Duration {
        self.max_staleness
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        // Nothing panics under the lock; every write leaves the state consistent.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn trusted(&self, state: &State) -> bool {
        state.live && state.fresh_as_of.elapsed() <= self.max_staleness
    }

    /// The values of `keys` when the cache has them all and may be trusted.
    pub(super) fn lookup(&self, keys: &[String]) -> Lookup {
        let state = self.read();
        if self.trusted(&state) {
            let cached: Option<Vec<Option<String>>> = keys
                .iter()
                .map(|key| {
                    let value = state.entries.get(key.as_str())?;
                    Some(value.as_deref().map(str::to_owned))
                })
                .collect();
            if let Some(values) = cached {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Lookup::Hit(values);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Miss(Ticket { epoch: state.epoch })
    }

    /// Caches `values` of `keys` read from the store since `ticket`, unless anything was
    /// invalidated or the channel changed meanwhile.
    pub(super) fn fill(&self, ticket: Ticket, keys: &[String], values: &[Option<String>]) {
        let mut state = self.write();
        if !state.live || state.epoch != ticket.epoch || values.len() != keys.len() {
            return;
        }
        if state.entries.len() + keys.len() > self.capacity {
            state.entries.clear();
        }
        for (key, value) in keys.iter().zip(values) {
            let value = value.as_deref().map(Box::from);
            state.entries.insert(key.as_str().into(), value);
        }
    }

    /// Forgets the answer for `key`: the store says it changed, or this instance wrote it.
    pub(super) fn forget(&self, key: &str) {
        let mut state = self.write();
        state.entries.remove(key);
        state.epoch += 1;
    }

    /// Forgets every answer (the store was flushed, or the prefix changed).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) fn forget_all(&self) {
        let mut state = self.write();
        state.entries.clear();
        state.epoch += 1;
    }

    /// A new channel is up (already receiving invalidations): an empty cache, trusted from now.
    /// Returns the channel's generation.
    pub(super) fn channel_up(&self) -> u64 {
        let mut state = self.write();
        state.entries.clear();
        state.epoch += 1;
        state.generation += 1;
        state.live = true;
        state.fresh_as_of = Instant::now();
        state.generation
    }

    /// The channel of `generation` is lost: nothing cached may be trusted any more.
    pub(super) fn channel_down(&self, generation: u64) {
        let mut state = self.write();
        if state.generation == generation {
            state.live = false;
            state.entries.clear();
            state.epoch += 1;
        }
    }

    /// The channel of `generation` has delivered everything the store sent before `sent`.
    pub(super) fn heard(&self, generation: u64, sent: Instant) {
        let mut state = self.write();
        if state.generation == generation {
            state.fresh_as_of = state.fresh_as_of.max(sent);
        }
    }

    pub(super) fn stats(&self) -> CachedStoreStats {
        let state = self.read();
        CachedStoreStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: state.entries.len(),
            trusted: self.trusted(&state),
        }
    }
}

/// Whether `token` is revoked, from the values of its keys in order: its `jti` and its family
/// (when it has them; any value means revoked), then its subject's cutoff (when it has one).
pub(super) fn token_verdict(token: &TokenIds<'_>, values: &[Option<String>]) -> bool {
    let ids = usize::from(token.jti.is_some()) + usize::from(token.family.is_some());
    if values.iter().take(ids).any(Option::is_some) {
        return true;
    }
    match values.get(ids) {
        Some(Some(cutoff)) => cutoff
            .parse::<i64>()
            .map(|cutoff| issued_by(token.issued_at, cutoff))
            // Unreadable cutoff: not ours to guess, refuse (fail closed).
            .unwrap_or(true),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn answers_are_cached_only_while_nothing_moved() {
        let cache = LocalCache::new(Duration::from_secs(60), 100);
        let both = keys(&["a", "b"]);
        assert!(
            matches!(cache.lookup(&both), Lookup::Miss(_)),
            "no channel yet"
        );
        let generation = cache.channel_up();
        let Lookup::Miss(ticket) = cache.lookup(&both) else {
            panic!("empty")
        };
        cache.fill(ticket, &both, &[None, Some("1".into())]);
        assert!(matches!(cache.lookup(&both), Lookup::Hit(v) if v == [None, Some("1".into())]));

        // An invalidation while a read is in flight: that read is not cached.
        let Lookup::Miss(ticket) = cache.lookup(&keys(&["c"])) else {
            panic!()
        };
        cache.forget("a");
        cache.fill(ticket, &keys(&["c"]), &[None]);
        assert!(matches!(cache.lookup(&keys(&["c"])), Lookup::Miss(_)));
        assert!(matches!(cache.lookup(&keys(&["b"])), Lookup::Hit(_)));

        // A lost channel empties the cache; news from it afterwards changes nothing.
        cache.channel_down(generation);
        assert!(!cache.stats().trusted);
        assert_eq!(cache.stats().entries, 0);
        let next = cache.channel_up();
        cache.channel_down(generation);
        assert!(
            cache.stats().trusted,
            "an old channel's loss is not the new one's"
        );
        assert_ne!(next, generation);
    }

    #[test]
    fn a_silent_channel_is_not_trusted_past_the_bound() {
        let cache = LocalCache::new(Duration::from_millis(20), 100);
        let generation = cache.channel_up();
        let Lookup::Miss(ticket) = cache.lookup(&keys(&["a"])) else {
            panic!()
        };
        cache.fill(ticket, &keys(&["a"]), &[None]);
        std::thread::sleep(Duration::from_millis(30));
        assert!(matches!(cache.lookup(&keys(&["a"])), Lookup::Miss(_)));
        cache.heard(generation, Instant::now());
        assert!(matches!(cache.lookup(&keys(&["a"])), Lookup::Hit(_)));
    }
}
