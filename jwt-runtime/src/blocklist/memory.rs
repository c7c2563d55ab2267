//! [`MemoryStore`]: the embedded store, for one process.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use super::{
    issued_by, now_unix, stored_expiry, BoxFuture, RevocationStore, StoreError, TokenIds,
    CLOCK_SLACK,
};

/// How many entries a [`MemoryStore::new`] holds: about 160 bytes per revoked `jti` (map,
/// expiry index and the id), so about 16 MB when full.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Revoked tokens in this process's memory: the embedded default, for a single instance
/// (several instances behind a load balancer need a shared store, e.g. `RedisStore`, feature
/// `redis`). Cheap to clone; clones share the entries.
///
/// **Bounded memory.** The store holds at most `capacity` entries (revoked ids, rotated token
/// families and revoked subjects). Every insert first purges the entries that no token can
/// need any more (an index by expiry makes this cheap), so expired entries never pile up. When
/// the store is still full, [`revoke`](RevocationStore::revoke) fails with a [`StoreError`]
/// (503 from [`revoke_token`](super::revoke_token)) rather than forgetting a revocation that
/// still matters: size `capacity` for the logouts and sessions you expect within one token
/// lifetime. Tokens that never expire are kept forever and count against the capacity.
///
/// **A bounded share per subject.** One user must not be able to fill the store for everyone
/// (log out, log in again, a hundred thousand times). Entries recorded with their subject
/// ([`revoke_for_subject`](RevocationStore::revoke_for_subject), which
/// [`revoke_token`](super::revoke_token) and [`RefreshRotation`](super::RefreshRotation) use)
/// count against a per-subject limit (by default 1 % of the capacity, at least 10). Past it,
/// the subject's entries are compacted into one subject cutoff: every token of that subject
/// issued up to [`CLOCK_SLACK`] from now is revoked, which revokes more than was asked, never
/// less. The user logs in again afterwards.
///
/// **Concurrency.** One `RwLock`: the check of every request takes the read side, so checks
/// run in parallel and only revocations take turns. Nothing is awaited under the lock.
///
/// ```
/// use actix_jwt_extended::blocklist::MemoryStore;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
///
/// let store = MemoryStore::with_capacity(10_000);
/// assert_eq!(store.per_subject_limit(), 100);
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store.clone())
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
    limits: Limits,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("capacity", &self.limits.capacity)
            .field("per_subject_limit", &self.limits.per_subject)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// How much the store holds in all, and for one subject.
#[derive(Debug, Clone, Copy)]
struct Limits {
    capacity: usize,
    per_subject: usize,
}

/// Which map an entry lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Id,
    Family,
    Subject,
}

/// A revoked `jti` or family.
#[derive(Debug, Clone)]
struct IdEntry {
    /// Unix seconds; `None` = never.
    expiry: Option<i64>,
    owner: Option<Arc<str>>,
}

/// The rotation state of a token family: the generation last exchanged.
#[derive(Debug, Clone)]
struct FamilyEntry {
    generation: u64,
    expiry: Option<i64>,
    owner: Option<Arc<str>>,
}

#[derive(Default)]
struct State {
    /// Revoked `jti`s and families.
    ids: HashMap<Arc<str>, IdEntry>,
    /// Rotated families.
    families: HashMap<Arc<str>, FamilyEntry>,
    /// Revoked subjects → (issued up to, expiry).
    subjects: HashMap<Arc<str>, (i64, Option<i64>)>,
    /// Every entry with an expiry, soonest first.
    by_expiry: BTreeSet<(i64, Kind, Arc<str>)>,
    /// The `ids` and `families` entries recorded for each subject.
    owned: HashMap<Arc<str>, HashSet<(Kind, Arc<str>)>>,
}

/// The key `key` already has in `map`, or a new one.
fn key_of<V>(map: &HashMap<Arc<str>, V>, key: &str) -> Arc<str> {
    map.get_key_value(key)
        .map_or_else(|| Arc::from(key), |(k, _)| Arc::clone(k))
}

impl State {
    fn len(&self) -> usize {
        self.ids.len() + self.families.len() + self.subjects.len()
    }

    fn contains(&self, kind: Kind, key: &str) -> bool {
        match kind {
            Kind::Id => self.ids.contains_key(key),
            Kind::Family => self.families.contains_key(key),
            Kind::Subject => self.subjects.contains_key(key),
        }
    }

    /// Removes `key` from `kind`'s map and from its owner's set (not from the expiry index).
    fn remove(&mut self, kind: Kind, key: &Arc<str>) {
        let owner = match kind {
            Kind::Id => self.ids.remove(key).and_then(|e| e.owner),
            Kind::Family => self.families.remove(key).and_then(|e| e.owner),
            Kind::Subject => {
                self.subjects.remove(key);
                None
            }
        };
        if let Some(owner) = owner {
            if let Some(set) = self.owned.get_mut(&owner) {
                set.remove(&(kind, Arc::clone(key)));
                if set.is_empty() {
                    self.owned.remove(&owner);
                }
            }
        }
    }

    /// Drops the entries that expired at or before `now`; returns how many.
    fn purge(&mut self, now: i64) -> usize {
        let mut purged = 0;
        while let Some(first) = self.by_expiry.first() {
            if first.0 > now {
                break;
            }
            let (_, kind, key) = self.by_expiry.pop_first().expect("checked above");
            self.remove(kind, &key);
            purged += 1;
        }
        purged
    }

    /// Room for a new entry: there is space after a purge.
    fn make_room(&mut self, limits: Limits, now: i64) -> Result<(), StoreError> {
        self.purge(now);
        if self.len() < limits.capacity {
            Ok(())
        } else {
            Err(StoreError(format!(
                "the in-memory revocation store is full ({} unexpired entries)",
                limits.capacity
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

    /// Whether a new entry of `owner` fits in its share; when it does not, the owner's entries
    /// are compacted into a subject cutoff (which also covers the new one) and `false` is
    /// returned.
    fn within_share(
        &mut self,
        owner: Option<&Arc<str>>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<bool, StoreError> {
        let Some(owner) = owner else { return Ok(true) };
        let held = self.owned.get(owner).map_or(0, HashSet::len);
        if held < limits.per_subject {
            return Ok(true);
        }
        self.compact(owner, expiry, limits, now)?;
        Ok(false)
    }

    /// Replaces every entry `owner` holds by one cutoff revoking each token of `owner` issued
    /// up to `CLOCK_SLACK` from now, kept as long as the longest of them (and `expiry`).
    fn compact(
        &mut self,
        owner: &Arc<str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut longest = expiry;
        for (kind, key) in self.owned.remove(owner).unwrap_or_default() {
            let old = match kind {
                Kind::Id => self.ids.get(&key).map(|e| e.expiry),
                Kind::Family => self.families.get(&key).map(|e| e.expiry),
                Kind::Subject => None,
            };
            if let Some(old) = old {
                longest = later(longest, old);
                self.reindex(kind, &key, old, None);
            }
            self.remove(kind, &key);
        }
        let cutoff = now.saturating_add(CLOCK_SLACK.as_secs() as i64);
        self.revoke_subject(owner, cutoff, longest, limits, now)
    }

    fn revoke(
        &mut self,
        jti: &str,
        owner: Option<&str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = key_of(&self.ids, jti);
        let old = self.ids.get(jti).map(|e| e.expiry);
        let new = match old {
            // Revoked twice: keep it as long as the longer of the two asks.
            Some(old) => later(old, expiry),
            None => {
                self.make_room(limits, now)?;
                let owner: Option<Arc<str>> = owner.map(Arc::from);
                if !self.within_share(owner.as_ref(), expiry, limits, now)? {
                    return Ok(());
                }
                if let Some(owner) = &owner {
                    self.own(owner, Kind::Id, &key);
                }
                self.ids.insert(Arc::clone(&key), IdEntry { expiry, owner });
                self.reindex(Kind::Id, &key, None, expiry);
                return Ok(());
            }
        };
        if let Some(entry) = self.ids.get_mut(jti) {
            entry.expiry = new;
        }
        self.reindex(Kind::Id, &key, old.flatten(), new);
        Ok(())
    }

    fn own(&mut self, owner: &Arc<str>, kind: Kind, key: &Arc<str>) {
        let owner = key_of(&self.owned, owner);
        self.owned
            .entry(owner)
            .or_default()
            .insert((kind, Arc::clone(key)));
    }

    fn revoke_once(
        &mut self,
        jti: &str,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<bool, StoreError> {
        if self.ids.contains_key(jti) {
            return Ok(false);
        }
        self.revoke(jti, None, expiry, limits, now)?;
        Ok(true)
    }

    fn advance_family(
        &mut self,
        family: &str,
        generation: u64,
        owner: Option<&str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<bool, StoreError> {
        let key = key_of(&self.families, family);
        if let Some(entry) = self.families.get_mut(family) {
            if entry.generation >= generation {
                return Ok(false);
            }
            entry.generation = generation;
            let old = entry.expiry;
            let new = later(old, expiry);
            entry.expiry = new;
            self.reindex(Kind::Family, &key, old, new);
            return Ok(true);
        }
        self.make_room(limits, now)?;
        let owner: Option<Arc<str>> = owner.map(Arc::from);
        if !self.within_share(owner.as_ref(), expiry, limits, now)? {
            // The subject's tokens are all revoked now, this one included.
            return Ok(false);
        }
        if let Some(owner) = &owner {
            self.own(owner, Kind::Family, &key);
        }
        self.families.insert(
            Arc::clone(&key),
            FamilyEntry {
                generation,
                expiry,
                owner,
            },
        );
        self.reindex(Kind::Family, &key, None, expiry);
        Ok(true)
    }

    fn revoke_subject(
        &mut self,
        subject: &str,
        issued_up_to: i64,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Result<(), StoreError> {
        if !self.contains(Kind::Subject, subject) {
            self.make_room(limits, now)?;
        }
        let key = key_of(&self.subjects, subject);
        let old = self.subjects.get(subject).copied();
        let new = match old {
            Some((up_to, exp)) => (up_to.max(issued_up_to), later(exp, expiry)),
            None => (issued_up_to, expiry),
        };
        self.subjects.insert(Arc::clone(&key), new);
        self.reindex(Kind::Subject, &key, old.and_then(|(_, exp)| exp), new.1);
        Ok(())
    }

    fn is_token_revoked(&self, token: &TokenIds<'_>) -> bool {
        [token.jti, token.family]
            .into_iter()
            .flatten()
            .any(|id| self.ids.contains_key(id))
            || token.subject.as_ref().is_some_and(|subject| {
                self.subjects
                    .get(subject.as_ref())
                    .is_some_and(|&(up_to, _)| issued_by(token.issued_at, up_to))
            })
    }
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

    /// An empty store holding at most `capacity` unexpired entries, of which one subject may
    /// hold 1 % (at least 10) before its entries are compacted.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            state: Arc::default(),
            limits: Limits {
                capacity,
                per_subject: (capacity / 100).max(10),
            },
        }
    }

    /// Compacts a subject's entries once it holds `limit` of them (at least 1), instead of
    /// 1 % of the capacity.
    pub fn with_per_subject_limit(mut self, limit: usize) -> Self {
        self.limits.per_subject = limit.max(1);
        self
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
        self.limits.capacity
    }

    /// How many entries one subject holds before they are compacted into a subject cutoff.
    pub fn per_subject_limit(&self) -> usize {
        self.limits.per_subject
    }

    /// Drops every entry no token can need any more; returns how many. Inserts do this
    /// already; call it to give memory back in a store that no longer gets revocations.
    pub fn purge_expired(&self) -> usize {
        self.write(|state, _, now| state.purge(now))
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        // No code panics under the lock, and every write leaves the state consistent.
        f(&self.state.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State, Limits, i64) -> T) -> T {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        f(&mut state, self.limits, now_unix())
    }
}

impl RevocationStore for MemoryStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.revoke_for_subject(jti, None, expires_at)
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(
            self.read(|state| state.ids.contains_key(jti))
        )))
    }

    fn revoke_for_subject<'a>(
        &'a self,
        jti: &'a str,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.write(|state, limits, now| {
            let expiry = stored_expiry(expires_at, now);
            state.revoke(jti, subject, expiry, limits, now)
        })))
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.write(|state, limits, now| {
            state.revoke_once(jti, stored_expiry(expires_at, now), limits, now)
        })))
    }

    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.write(|state, limits, now| {
            let expiry = stored_expiry(expires_at, now);
            state.advance_family(family, generation, subject, expiry, limits, now)
        })))
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(self.write(|state, limits, now| {
            let expiry = stored_expiry(expires_at, now);
            state.revoke_subject(subject, issued_up_to, expiry, limits, now)
        })))
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
        Box::pin(std::future::ready(Ok(
            self.read(|state| state.is_token_revoked(token))
        )))
    }

    fn purge<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(std::future::ready(Ok(self.purge_expired() as u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        capacity: 3,
        per_subject: 10,
    };

    /// The answer of a store future that is ready at once, as every `MemoryStore` one is.
    fn now_or_never<T>(fut: BoxFuture<'_, T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(fut).poll(&mut cx) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => panic!("a MemoryStore future was not ready"),
        }
    }

    use std::future::Future;

    #[test]
    fn expired_entries_are_purged_on_insert_and_free_their_room() {
        let mut state = State::default();
        state.revoke("a", None, Some(110), LIMITS, 100).unwrap();
        state.revoke("b", None, Some(120), LIMITS, 100).unwrap();
        state.revoke("forever", None, None, LIMITS, 100).unwrap();
        assert_eq!(state.len(), 3);
        // At 115 `a` has expired: the next insert drops it and takes its room.
        state.revoke("c", None, Some(200), LIMITS, 115).unwrap();
        assert_eq!(state.len(), 3);
        assert!(!state.ids.contains_key("a"));
        assert_eq!(state.purge(150), 1, "`b`");
        assert_eq!(state.by_expiry.len(), 1, "`c`; `forever` is not indexed");
    }

    #[test]
    fn a_full_store_refuses_rather_than_forgets() {
        let limits = Limits {
            capacity: 2,
            per_subject: 10,
        };
        let mut state = State::default();
        state.revoke("a", None, Some(200), limits, 100).unwrap();
        state.revoke("b", None, None, limits, 100).unwrap();
        let err = state.revoke("c", None, Some(200), limits, 100).unwrap_err();
        assert!(
            err.to_string().contains("full (2 unexpired entries)"),
            "{err}"
        );
        assert!(state.ids.contains_key("a") && state.ids.contains_key("b"));
        // Revoking an id that is already there needs no room.
        state.revoke("a", None, Some(300), limits, 100).unwrap();
        assert_eq!(state.len(), 2);
    }

    #[test]
    fn revoking_twice_keeps_the_later_expiry_and_one_index_entry() {
        let mut state = State::default();
        state.revoke("a", None, Some(160), LIMITS, 100).unwrap();
        state.revoke("a", None, Some(130), LIMITS, 100).unwrap();
        state.revoke("a", None, Some(190), LIMITS, 100).unwrap();
        assert_eq!(
            (state.ids["a"].expiry, state.by_expiry.len()),
            (Some(190), 1)
        );
        state.revoke("a", None, None, LIMITS, 100).unwrap();
        assert_eq!((state.ids["a"].expiry, state.by_expiry.len()), (None, 0));
    }

    // Issue 12 item 1: a token accepted inside the leeway after its `exp` is exchanged once.
    #[test]
    fn revoke_once_records_a_token_past_its_exp() {
        let store = MemoryStore::new();
        let past = SystemTime::now() - std::time::Duration::from_secs(3);
        assert!(now_or_never(store.revoke_once("late", Some(past))).unwrap());
        assert!(!now_or_never(store.revoke_once("late", Some(past))).unwrap());
        assert_eq!(store.purge_expired(), 0, "kept for at least CLOCK_SLACK");
        assert!(now_or_never(store.is_revoked("late")).unwrap());
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
                            .filter(|i| {
                                now_or_never(store.revoke_once(&i.to_string(), None)).unwrap()
                            })
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
        now_or_never(store.revoke_subject("ann", 100, None)).unwrap();
        let token = |iat| TokenIds {
            subject: Some("ann".into()),
            issued_at: iat,
            ..TokenIds::default()
        };
        let revoked = |iat| now_or_never(store.is_token_revoked(&token(iat))).unwrap();
        assert!(revoked(Some(99)));
        assert!(revoked(Some(100)));
        assert!(!revoked(Some(101)));
        assert!(
            revoked(None),
            "a token without `iat` is not trusted to be newer"
        );
        now_or_never(store.revoke_subject("ann", 50, None)).unwrap();
        assert!(revoked(Some(100)));
    }

    #[test]
    fn a_family_advances_once_per_generation_in_one_entry() {
        let mut state = State::default();
        let advance = |state: &mut State, generation| {
            state
                .advance_family("fam", generation, Some("ann"), Some(500), LIMITS, 100)
                .unwrap()
        };
        assert!(advance(&mut state, 0));
        assert!(!advance(&mut state, 0), "the same token twice");
        for generation in 1..1000 {
            assert!(advance(&mut state, generation));
        }
        assert!(!advance(&mut state, 998), "an older token");
        assert_eq!((state.len(), state.by_expiry.len()), (1, 1));
    }

    #[test]
    fn a_subject_past_its_share_is_compacted_into_a_cutoff() {
        let limits = Limits {
            capacity: 100,
            per_subject: 5,
        };
        let mut state = State::default();
        for i in 0..5 {
            let jti = format!("ann-{i}");
            state
                .revoke(&jti, Some("ann"), Some(300 + i), limits, 100)
                .unwrap();
        }
        state
            .revoke("bob-0", Some("bob"), Some(300), limits, 100)
            .unwrap();
        assert_eq!(state.len(), 6);
        // The sixth of ann's: her five entries become one cutoff, kept as long as the longest.
        state
            .revoke("ann-5", Some("ann"), Some(250), limits, 100)
            .unwrap();
        assert_eq!(state.len(), 2, "bob's id and ann's cutoff");
        let cutoff = 100 + CLOCK_SLACK.as_secs() as i64;
        assert_eq!(state.subjects["ann"], (cutoff, Some(304)));
        let ann = |iat| TokenIds {
            jti: Some("ann-5"),
            subject: Some("ann".into()),
            issued_at: Some(iat),
            ..TokenIds::default()
        };
        assert!(state.is_token_revoked(&ann(100)));
        assert!(state.ids.contains_key("bob-0"));
        assert!(!state.owned.contains_key("ann"));
    }
}
