//! [`MemoryStore`]: the embedded store, for one process.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use super::{to_unix, BoxFuture, RevocationStore, StoreError, TokenIds};

/// How many entries a [`MemoryStore::new`] holds: about 160 bytes per revoked `jti` (map,
/// expiry index and the id), so about 16 MB when full.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Revoked tokens in this process's memory: the embedded default, for a single instance
/// (several instances behind a load balancer need a shared store, e.g. `RedisStore`, feature
/// `redis`). Cheap to clone; clones share the entries.
///
/// **Bounded memory.** The store holds at most `capacity` entries (revoked ids plus revoked
/// subjects). Every insert first purges the entries whose token has expired (an index by
/// expiry makes this cheap), so expired entries never pile up. When the store is still full,
/// [`revoke`](RevocationStore::revoke) fails with a [`StoreError`] (503 from
/// [`revoke_token`](super::revoke_token)) rather than forgetting a revocation that still
/// matters: size `capacity` for the logouts you expect within one token lifetime. Tokens that
/// never expire are kept forever and count against the capacity.
///
/// **Concurrency.** One `RwLock`: the check of every request takes the read side, so checks
/// run in parallel and only revocations take turns. Nothing is awaited under the lock.
///
/// ```
/// use actix_jwt_extended_runtime::blocklist::MemoryStore;
/// use actix_jwt_extended_runtime::{JwtConfig, JwtManager};
///
/// let store = MemoryStore::with_capacity(10_000);
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store.clone())
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
    capacity: usize,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// Which map an expiry index entry points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Id,
    Subject,
}

#[derive(Default)]
struct State {
    /// Revoked `jti`s and families → expiry (Unix seconds; `None` = never).
    ids: HashMap<Arc<str>, Option<i64>>,
    /// Revoked subjects → (issued up to, expiry).
    subjects: HashMap<Arc<str>, (i64, Option<i64>)>,
    /// Every entry with an expiry, soonest first.
    by_expiry: BTreeSet<(i64, Kind, Arc<str>)>,
}

impl State {
    fn len(&self) -> usize {
        self.ids.len() + self.subjects.len()
    }

    /// Drops the entries that expired at or before `now`; returns how many.
    fn purge(&mut self, now: i64) -> usize {
        let mut purged = 0;
        while let Some(first) = self.by_expiry.first() {
            if first.0 > now {
                break;
            }
            let (_, kind, key) = self.by_expiry.pop_first().expect("checked above");
            match kind {
                Kind::Id => {
                    self.ids.remove(&key);
                }
                Kind::Subject => {
                    self.subjects.remove(&key);
                }
            }
            purged += 1;
        }
        purged
    }

    /// Room for `key` in `kind`'s map: it is there already, or there is space after a purge.
    fn make_room(
        &mut self,
        kind: Kind,
        key: &str,
        capacity: usize,
        now: i64,
    ) -> Result<(), StoreError> {
        self.purge(now);
        let present = match kind {
            Kind::Id => self.ids.contains_key(key),
            Kind::Subject => self.subjects.contains_key(key),
        };
        if present || self.len() < capacity {
            Ok(())
        } else {
            Err(StoreError(format!(
                "the in-memory revocation store is full ({capacity} unexpired entries)"
            )))
        }
    }

    /// Moves `key`'s entry in the expiry index from `old` to `new`.
    fn reindex(&mut self, kind: Kind, key: &Arc<str>, old: Option<i64>, new: Option<i64>) {
        if old == new {
            return;
        }
        if let Some(old) = old {
            self.by_expiry.remove(&(old, kind, Arc::clone(key)));
        }
        if let Some(new) = new {
            self.by_expiry.insert((new, kind, Arc::clone(key)));
        }
    }

    fn insert_id(&mut self, jti: &str, expires_at: Option<i64>) {
        let key: Arc<str> = self
            .ids
            .get_key_value(jti)
            .map_or_else(|| Arc::from(jti), |(k, _)| Arc::clone(k));
        let old = self.ids.get(jti).copied();
        // Revoked twice: keep it as long as the longer of the two asks.
        let new = match old {
            Some(old) => later(old, expires_at),
            None => expires_at,
        };
        self.ids.insert(Arc::clone(&key), new);
        self.reindex(Kind::Id, &key, old.flatten(), new);
    }

    fn revoke(
        &mut self,
        jti: &str,
        expires_at: Option<i64>,
        capacity: usize,
        now: i64,
    ) -> Result<(), StoreError> {
        // An expired token is refused anyway: nothing to keep.
        if expires_at.is_some_and(|exp| exp <= now) {
            return Ok(());
        }
        self.make_room(Kind::Id, jti, capacity, now)?;
        self.insert_id(jti, expires_at);
        Ok(())
    }

    fn revoke_once(
        &mut self,
        jti: &str,
        expires_at: Option<i64>,
        capacity: usize,
        now: i64,
    ) -> Result<bool, StoreError> {
        if self.ids.contains_key(jti) {
            return Ok(false);
        }
        self.revoke(jti, expires_at, capacity, now)?;
        Ok(true)
    }

    fn revoke_subject(
        &mut self,
        subject: &str,
        issued_up_to: i64,
        expires_at: Option<i64>,
        capacity: usize,
        now: i64,
    ) -> Result<(), StoreError> {
        if expires_at.is_some_and(|exp| exp <= now) {
            return Ok(());
        }
        self.make_room(Kind::Subject, subject, capacity, now)?;
        let key: Arc<str> = self
            .subjects
            .get_key_value(subject)
            .map_or_else(|| Arc::from(subject), |(k, _)| Arc::clone(k));
        let old = self.subjects.get(subject).copied();
        let new = match old {
            Some((up_to, exp)) => (up_to.max(issued_up_to), later(exp, expires_at)),
            None => (issued_up_to, expires_at),
        };
        self.subjects.insert(Arc::clone(&key), new);
        self.reindex(Kind::Subject, &key, old.and_then(|(_, exp)| exp), new.1);
        Ok(())
    }
}

fn now() -> i64 {
    to_unix(SystemTime::now())
}

/// The later of two expiries, `None` (never) being the latest.
fn later(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    Some(a?.max(b?))
}

impl MemoryStore {
    /// An empty store of [`DEFAULT_MEMORY_CAPACITY`] entries.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// An empty store holding at most `capacity` unexpired entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            state: Arc::default(),
            capacity,
        }
    }

    /// How many entries the store holds now (expired ones included until the next insert
    /// or [`purge_expired`](Self::purge_expired)).
    pub fn len(&self) -> usize {
        self.read(State::len)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most entries the store holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops every entry whose token has expired; returns how many. Inserts do this already;
    /// call it to give memory back in a store that no longer gets revocations.
    pub fn purge_expired(&self) -> usize {
        self.write(|state| state.purge(now()))
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        // No code panics under the lock, and every write leaves the state consistent.
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.write().unwrap_or_else(PoisonError::into_inner))
    }

    fn revoke_now(&self, jti: &str, expires_at: Option<SystemTime>) -> Result<(), StoreError> {
        let expires_at = expires_at.map(to_unix);
        self.write(|state| state.revoke(jti, expires_at, self.capacity, now()))
    }

    fn revoke_once_now(
        &self,
        jti: &str,
        expires_at: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        let expires_at = expires_at.map(to_unix);
        self.write(|state| state.revoke_once(jti, expires_at, self.capacity, now()))
    }

    fn revoke_subject_now(
        &self,
        subject: &str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> Result<(), StoreError> {
        let expires_at = expires_at.map(to_unix);
        self.write(|state| {
            state.revoke_subject(subject, issued_up_to, expires_at, self.capacity, now())
        })
    }

    fn is_token_revoked_now(&self, token: &TokenIds<'_>) -> bool {
        self.read(|state| {
            [token.jti, token.family]
                .into_iter()
                .flatten()
                .any(|id| state.ids.contains_key(id))
                || match (&token.subject, token.issued_at) {
                    (Some(subject), Some(iat)) => state
                        .subjects
                        .get(subject.as_ref())
                        .is_some_and(|&(up_to, _)| iat <= up_to),
                    _ => false,
                }
        })
    }
}

impl RevocationStore for MemoryStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.revoke_now(jti, expires_at)))
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(
            self.read(|state| state.ids.contains_key(jti))
        )))
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.revoke_once_now(jti, expires_at)))
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.revoke_subject_now(
            subject,
            issued_up_to,
            expires_at,
        )))
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(std::future::ready(Ok(self.read(|state| {
            state.subjects.get(subject).map(|&(up_to, _)| up_to)
        }))))
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(self.is_token_revoked_now(token))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_purged_on_insert_and_free_their_room() {
        let mut state = State::default();
        state.revoke("a", Some(110), 2, 100).unwrap();
        state.revoke("b", Some(120), 2, 100).unwrap();
        state.revoke("forever", None, 3, 100).unwrap();
        assert_eq!(state.len(), 3);
        // At 115 `a` has expired: the next insert drops it and takes its room.
        state.revoke("c", Some(200), 3, 115).unwrap();
        assert_eq!(state.len(), 3);
        assert!(!state.ids.contains_key("a"));
        assert_eq!(state.purge(150), 1, "`b`");
        assert_eq!(state.by_expiry.len(), 1, "`c`; `forever` is not indexed");
    }

    #[test]
    fn a_full_store_refuses_rather_than_forgets() {
        let mut state = State::default();
        state.revoke("a", Some(200), 2, 100).unwrap();
        state.revoke("b", None, 2, 100).unwrap();
        let err = state.revoke("c", Some(200), 2, 100).unwrap_err();
        assert!(
            err.to_string().contains("full (2 unexpired entries)"),
            "{err}"
        );
        assert!(state.ids.contains_key("a") && state.ids.contains_key("b"));
        // Revoking an id that is already there needs no room; an expired one needs none.
        state.revoke("a", Some(300), 2, 100).unwrap();
        state.revoke("old", Some(90), 2, 100).unwrap();
        assert_eq!(state.len(), 2);
    }

    #[test]
    fn revoking_twice_keeps_the_later_expiry_and_one_index_entry() {
        let mut state = State::default();
        state.revoke("a", Some(160), 10, 100).unwrap();
        state.revoke("a", Some(130), 10, 100).unwrap();
        state.revoke("a", Some(190), 10, 100).unwrap();
        assert_eq!((state.ids["a"], state.by_expiry.len()), (Some(190), 1));
        state.revoke("a", None, 10, 100).unwrap();
        assert_eq!((state.ids["a"], state.by_expiry.len()), (None, 0));
    }

    #[test]
    fn concurrent_revoke_once_has_exactly_one_winner() {
        let store = MemoryStore::new();
        let winners: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let store = store.clone();
                    scope.spawn(move || {
                        (0..1000)
                            .filter(|i| store.revoke_once_now(&i.to_string(), None).unwrap())
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(winners, 1000);
        assert_eq!(store.len(), 1000);
    }

    #[test]
    fn subject_cutoff_revokes_tokens_issued_up_to_it_and_only_moves_forward() {
        let store = MemoryStore::new();
        store.revoke_subject_now("ann", 100, None).unwrap();
        let token = |iat| TokenIds {
            subject: Some("ann".into()),
            issued_at: Some(iat),
            ..TokenIds::default()
        };
        assert!(store.is_token_revoked_now(&token(99)));
        assert!(store.is_token_revoked_now(&token(100)));
        assert!(!store.is_token_revoked_now(&token(101)));
        store.revoke_subject_now("ann", 50, None).unwrap();
        assert!(store.is_token_revoked_now(&token(100)));
    }
}
