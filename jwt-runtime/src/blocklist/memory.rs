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
/// families and revoked subjects), plus one global cutoff (below). Every insert first purges
/// the entries that no token can need any more (an index by expiry makes this cheap), so
/// expired entries never pile up. Tokens that never expire are kept forever and count against
/// the capacity.
///
/// **A bounded share per subject.** One user must not be able to fill the store for everyone
/// (log out, log in again, a hundred thousand times). Entries recorded with their subject
/// ([`revoke_for_subject`](RevocationStore::revoke_for_subject), which
/// [`revoke_token`](super::revoke_token) and [`RefreshRotation`](super::RefreshRotation) use)
/// count against a per-subject limit (by default 1 % of the capacity, at least 10). Past it,
/// the subject's entries are compacted into one subject cutoff: every token of that subject
/// issued up to [`CLOCK_SLACK`] from now is revoked, which revokes more than was asked, never
/// less. The user logs in again once that [`CLOCK_SLACK`] has passed (tokens issued before
/// fall under the cutoff too).
///
/// **A full store still revokes.** Many users within their share can still fill the store.
/// A revocation, a subject cutoff or a refresh is then never refused for lack of room, and
/// nothing that can still be accepted is forgotten: room is made by revoking more, in this
/// order.
///
/// 1. The subject holding the most entries (at least two) is compacted into a subject
///    cutoff, as past its share: that user is logged out everywhere, and can log in again
///    once [`CLOCK_SLACK`] has passed.
/// 2. When no subject holds two, the new entry's own subject is compacted so, its cutoff
///    covering the new entry too.
/// 3. Otherwise (entries without a subject, or one per subject), every entry is replaced by
///    one **global cutoff**: every token of every user issued up to [`CLOCK_SLACK`] from now
///    is revoked, until the last of the replaced entries would have expired. Everyone is
///    logged out, and tokens issued in the [`CLOCK_SLACK`] after it are refused as well.
///    While it holds, [`is_revoked`](RevocationStore::is_revoked) answers `true` and
///    [`revoke_once`](RevocationStore::revoke_once) `false` for every id, since the store can
///    no longer tell a dropped id from a new one; [`global_cutoff`](Self::global_cutoff)
///    says whether it holds.
///
/// These fallbacks keep revocation correct but log users out: size `capacity` for the
/// logouts and sessions you expect within one token lifetime. The rotation state of a family
/// is only dropped together with a cutoff that revokes every token of that family, and
/// [`RefreshRotation::refresh`](super::RefreshRotation::refresh) asks
/// [`is_token_revoked`](RevocationStore::is_token_revoked) before
/// [`advance_family`](RevocationStore::advance_family), so a refresh token whose family state
/// was dropped is refused, never exchanged a second time (`advance_family` alone answers for
/// such a family as for a new one).
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
            .field("global_cutoff", &self.global_cutoff())
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

/// Every token (of one subject, or of everyone) issued up to `.0` (Unix seconds) is revoked,
/// until `.1` (`None`: never expires).
type Cutoff = (i64, Option<i64>);

#[derive(Default)]
struct State {
    /// Revoked `jti`s and families.
    ids: HashMap<Arc<str>, IdEntry>,
    /// Rotated families.
    families: HashMap<Arc<str>, FamilyEntry>,
    /// Revoked subjects.
    subjects: HashMap<Arc<str>, Cutoff>,
    /// Every entry with an expiry, soonest first.
    by_expiry: BTreeSet<(i64, Kind, Arc<str>)>,
    /// The `ids` and `families` entries recorded for each subject.
    owned: HashMap<Arc<str>, HashSet<(Kind, Arc<str>)>>,
    /// How many entries each subject of `owned` holds, lightest first: a full store compacts
    /// the heaviest, which frees the most room for the fewest users logged out.
    weights: BTreeSet<(usize, Arc<str>)>,
    /// The last resort of a full store, for every subject (see [`MemoryStore`]).
    global: Option<Cutoff>,
}

/// How a new entry found room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Room {
    /// There is room for it.
    Free,
    /// A cutoff made to find room revokes what the entry would, so it is not recorded.
    Covered,
}

/// The key `key` already has in `map`, or a new one.
fn key_of<V>(map: &HashMap<Arc<str>, V>, key: &str) -> Arc<str> {
    map.get_key_value(key)
        .map_or_else(|| Arc::from(key), |(k, _)| Arc::clone(k))
}

/// `CLOCK_SLACK` from `now`: how late a cutoff made at `now` reaches, for the tokens of
/// issuers whose clocks run ahead, and the least time it is kept.
fn slack_from(now: i64) -> i64 {
    now.saturating_add(CLOCK_SLACK.as_secs() as i64)
}

impl State {
    fn len(&self) -> usize {
        self.ids.len() + self.families.len() + self.subjects.len()
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
        let Some(owner) = owner else { return };
        let Some(set) = self.owned.get_mut(&owner) else {
            return;
        };
        let before = set.len();
        set.remove(&(kind, Arc::clone(key)));
        let after = set.len();
        if after == 0 {
            self.owned.remove(&owner);
        }
        self.reweigh(&owner, before, after);
    }

    /// Records that `owner` holds `after` entries instead of `before`.
    fn reweigh(&mut self, owner: &Arc<str>, before: usize, after: usize) {
        if before == after {
            return;
        }
        if before > 0 {
            self.weights.remove(&(before, Arc::clone(owner)));
        }
        if after > 0 {
            self.weights.insert((after, Arc::clone(owner)));
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
        if let Some((_, Some(expiry))) = self.global {
            if expiry <= now {
                self.global = None;
                purged += 1;
            }
        }
        purged
    }

    /// Room for a new entry of `owner` kept until `expiry`: after a purge, or else by revoking
    /// more (see [`MemoryStore`]), never by forgetting a revocation. After `Room::Covered` the
    /// caller records nothing: what the entry would revoke is revoked already.
    fn make_room(
        &mut self,
        owner: Option<&str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> Room {
        self.purge(now);
        if self.len() < limits.capacity {
            return Room::Free;
        }
        if let Some(heaviest) = self.heaviest() {
            if owner == Some(&*heaviest) {
                self.compact(&heaviest, expiry, now);
                return Room::Covered;
            }
            self.compact(&heaviest, Some(slack_from(now)), now);
            return Room::Free;
        }
        // Every subject holds at most one entry: compacting the owner's does not grow the
        // store, since its cutoff takes the new entry's place as well.
        if let Some(owner) = owner {
            if self.owned.contains_key(owner) || self.subjects.contains_key(owner) {
                self.compact(owner, expiry, now);
                return Room::Covered;
            }
        }
        self.cut_off_everyone(expiry, limits, now);
        Room::Covered
    }

    /// The subject holding the most entries, if it holds two or more: compacting it frees
    /// room.
    fn heaviest(&self) -> Option<Arc<str>> {
        let (held, subject) = self.weights.last()?;
        (*held >= 2).then(|| Arc::clone(subject))
    }

    /// Whether `owner` holds its whole share, so that a new entry of its own must be compacted.
    fn past_share(&self, owner: Option<&str>, limits: Limits) -> bool {
        owner.is_some_and(|owner| {
            self.owned.get(owner).map_or(0, HashSet::len) >= limits.per_subject
        })
    }

    /// Replaces every entry `owner` holds by one cutoff revoking each token of `owner` issued
    /// up to `CLOCK_SLACK` from now, kept as long as the longest of them and `expiry`. Never
    /// grows the store when `owner` holds an entry or a cutoff.
    fn compact(&mut self, owner: &str, expiry: Option<i64>, now: i64) {
        let mut longest = expiry;
        if let Some((owner, held)) = self.owned.remove_entry(owner) {
            self.weights.remove(&(held.len(), owner));
            for (kind, key) in held {
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
        }
        self.set_cutoff(owner, slack_from(now), longest);
    }

    /// The last resort of a full store: one cutoff revoking every token issued up to
    /// `CLOCK_SLACK` from now, whoever its subject, kept as long as the longest entry it
    /// replaces and `expiry`. It replaces every revoked id and family, all rotation state
    /// (the tokens of every family are issued before it) and every subject cutoff it covers;
    /// cutoffs reaching later are kept unless they alone fill the store.
    fn cut_off_everyone(&mut self, expiry: Option<i64>, limits: Limits, now: i64) {
        let (mut up_to, mut longest) = match self.global {
            Some((up_to, until)) => (up_to.max(slack_from(now)), later(until, expiry)),
            None => (slack_from(now), expiry),
        };
        for entry in self.ids.values() {
            longest = later(longest, entry.expiry);
        }
        for entry in self.families.values() {
            longest = later(longest, entry.expiry);
        }
        self.subjects.retain(|_, &mut (subject_up_to, until)| {
            let covered = subject_up_to <= up_to;
            if covered {
                longest = later(longest, until);
            }
            !covered
        });
        if self.subjects.len() >= limits.capacity {
            for (_, (subject_up_to, until)) in self.subjects.drain() {
                up_to = up_to.max(subject_up_to);
                longest = later(longest, until);
            }
        }
        self.ids.clear();
        self.families.clear();
        self.owned.clear();
        self.weights.clear();
        let subjects = &self.subjects;
        self.by_expiry
            .retain(|(_, kind, key)| *kind == Kind::Subject && subjects.contains_key(key));
        self.global = Some((up_to, longest));
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

    fn revoke(
        &mut self,
        jti: &str,
        owner: Option<&str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) {
        if let Some(entry) = self.ids.get_mut(jti) {
            // Revoked twice: keep it as long as the longer of the two asks.
            let old = entry.expiry;
            let new = later(old, expiry);
            entry.expiry = new;
            let key = key_of(&self.ids, jti);
            self.reindex(Kind::Id, &key, old, new);
            return;
        }
        self.purge(now);
        if self.past_share(owner, limits) {
            self.compact(owner.expect("past its share"), expiry, now);
            return;
        }
        if self.make_room(owner, expiry, limits, now) == Room::Covered {
            return;
        }
        let key: Arc<str> = Arc::from(jti);
        let owner: Option<Arc<str>> = owner.map(|owner| key_of(&self.owned, owner));
        if let Some(owner) = &owner {
            self.own(owner, Kind::Id, &key);
        }
        self.ids.insert(Arc::clone(&key), IdEntry { expiry, owner });
        self.reindex(Kind::Id, &key, None, expiry);
    }

    fn own(&mut self, owner: &Arc<str>, kind: Kind, key: &Arc<str>) {
        let set = self.owned.entry(Arc::clone(owner)).or_default();
        let before = set.len();
        set.insert((kind, Arc::clone(key)));
        let after = set.len();
        self.reweigh(owner, before, after);
    }

    fn revoke_once(&mut self, jti: &str, expiry: Option<i64>, limits: Limits, now: i64) -> bool {
        self.purge(now);
        // Under a global cutoff, `jti` may be one it dropped: not a first use (fail closed).
        if self.global.is_some() || self.ids.contains_key(jti) {
            return false;
        }
        self.revoke(jti, None, expiry, limits, now);
        true
    }

    fn advance_family(
        &mut self,
        family: &str,
        generation: u64,
        owner: Option<&str>,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) -> bool {
        if let Some(entry) = self.families.get_mut(family) {
            if entry.generation >= generation {
                return false;
            }
            entry.generation = generation;
            let old = entry.expiry;
            let new = later(old, expiry);
            entry.expiry = new;
            let key = key_of(&self.families, family);
            self.reindex(Kind::Family, &key, old, new);
            return true;
        }
        self.purge(now);
        if self.past_share(owner, limits) {
            self.compact(owner.expect("past its share"), expiry, now);
            // The subject's tokens are all revoked now, this one included.
            return false;
        }
        if self.make_room(owner, expiry, limits, now) == Room::Covered {
            // So is this family's, by the cutoff that made room.
            return false;
        }
        let key: Arc<str> = Arc::from(family);
        let owner: Option<Arc<str>> = owner.map(|owner| key_of(&self.owned, owner));
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
        true
    }

    fn revoke_subject(
        &mut self,
        subject: &str,
        issued_up_to: i64,
        expiry: Option<i64>,
        limits: Limits,
        now: i64,
    ) {
        self.purge(now);
        if !self.subjects.contains_key(subject) {
            // Whatever makes room, a cutoff for `subject` can be recorded or merged afterwards.
            self.make_room(Some(subject), expiry, limits, now);
        }
        self.set_cutoff(subject, issued_up_to, expiry);
    }

    /// Records a cutoff for `subject`, merged with the one it has (the later of each part);
    /// the caller has made room.
    fn set_cutoff(&mut self, subject: &str, issued_up_to: i64, expiry: Option<i64>) {
        let key = key_of(&self.subjects, subject);
        let old = self.subjects.get(subject).copied();
        let new = match old {
            Some((up_to, exp)) => (up_to.max(issued_up_to), later(exp, expiry)),
            None => (issued_up_to, expiry),
        };
        self.subjects.insert(Arc::clone(&key), new);
        self.reindex(Kind::Subject, &key, old.and_then(|(_, exp)| exp), new.1);
    }

    /// The cutoff of `subject`: its own or the global one, whichever reaches later.
    fn subject_cutoff(&self, subject: &str) -> Option<i64> {
        let own = self.subjects.get(subject).map(|&(up_to, _)| up_to);
        let global = self.global.map(|(up_to, _)| up_to);
        own.max(global)
    }

    fn is_revoked(&self, jti: &str) -> bool {
        // A bare id has no `iat` to show it is newer than a global cutoff (fail closed).
        self.global.is_some() || self.ids.contains_key(jti)
    }

    fn is_token_revoked(&self, token: &TokenIds<'_>) -> bool {
        [token.jti, token.family]
            .into_iter()
            .flatten()
            .any(|id| self.ids.contains_key(id))
            || self
                .global
                .is_some_and(|(up_to, _)| issued_by(token.issued_at, up_to))
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

    /// An empty store holding at most `capacity` unexpired entries (at least 1), of which one
    /// subject may hold 1 % (at least 10) before its entries are compacted.
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
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
    /// or [`purge_expired`](Self::purge_expired)); a global cutoff is not counted.
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

    /// The instant (Unix seconds) up to which every token of every user is revoked because
    /// the store was full, while that holds (see [`MemoryStore`]): `None` in a store sized for
    /// its load.
    pub fn global_cutoff(&self) -> Option<i64> {
        self.read(|state| state.global.map(|(up_to, _)| up_to))
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
            self.read(|state| state.is_revoked(jti))
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
            state.revoke(jti, subject, expiry, limits, now);
            Ok(())
        })))
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(self.write(|state, limits, now| {
            Ok(state.revoke_once(jti, stored_expiry(expires_at, now), limits, now))
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
            Ok(state.advance_family(family, generation, subject, expiry, limits, now))
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
            state.revoke_subject(subject, issued_up_to, expiry, limits, now);
            Ok(())
        })))
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(std::future::ready(Ok(
            self.read(|state| state.subject_cutoff(subject))
        )))
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

    /// The indexes agree with the maps, and the store is within its capacity.
    fn assert_consistent(state: &State, limits: Limits) {
        assert!(state.len() <= limits.capacity, "{} entries", state.len());
        let mut indexed = BTreeSet::new();
        let mut owned: HashMap<Arc<str>, HashSet<(Kind, Arc<str>)>> = HashMap::new();
        for (key, entry) in &state.ids {
            indexed.extend(entry.expiry.map(|e| (e, Kind::Id, Arc::clone(key))));
            if let Some(owner) = &entry.owner {
                owned
                    .entry(Arc::clone(owner))
                    .or_default()
                    .insert((Kind::Id, Arc::clone(key)));
            }
        }
        for (key, entry) in &state.families {
            indexed.extend(entry.expiry.map(|e| (e, Kind::Family, Arc::clone(key))));
            if let Some(owner) = &entry.owner {
                owned
                    .entry(Arc::clone(owner))
                    .or_default()
                    .insert((Kind::Family, Arc::clone(key)));
            }
        }
        for (key, (_, expiry)) in &state.subjects {
            indexed.extend(expiry.map(|e| (e, Kind::Subject, Arc::clone(key))));
        }
        assert_eq!(state.by_expiry, indexed);
        assert_eq!(state.owned, owned);
        let weights: BTreeSet<_> = owned
            .iter()
            .map(|(k, set)| (set.len(), Arc::clone(k)))
            .collect();
        assert_eq!(state.weights, weights);
    }

    #[test]
    fn expired_entries_are_purged_on_insert_and_free_their_room() {
        let mut state = State::default();
        state.revoke("a", None, Some(110), LIMITS, 100);
        state.revoke("b", None, Some(120), LIMITS, 100);
        state.revoke("forever", None, None, LIMITS, 100);
        assert_eq!(state.len(), 3);
        // At 115 `a` has expired: the next insert drops it and takes its room.
        state.revoke("c", None, Some(200), LIMITS, 115);
        assert_eq!(state.len(), 3);
        assert!(!state.ids.contains_key("a"));
        assert_eq!(state.purge(150), 1, "`b`");
        assert_eq!(state.by_expiry.len(), 1, "`c`; `forever` is not indexed");
    }

    /// Ids without a subject cannot be compacted by subject: the store falls back to a global
    /// cutoff, and what that costs is every token issued before it.
    #[test]
    fn a_full_store_of_ids_without_subject_falls_back_to_a_global_cutoff() {
        let limits = Limits {
            capacity: 2,
            per_subject: 10,
        };
        let mut state = State::default();
        state.revoke("a", None, Some(200), limits, 100);
        state.revoke("b", None, None, limits, 100);
        state.revoke("c", None, Some(300), limits, 100);
        let cutoff = slack_from(100);
        assert_eq!(state.global, Some((cutoff, None)), "`b` never expires");
        assert_eq!(state.len(), 0);
        assert!(state.by_expiry.is_empty());
        let token = |jti, iat| TokenIds {
            jti: Some(jti),
            subject: Some("anyone".into()),
            issued_at: Some(iat),
            ..TokenIds::default()
        };
        for jti in ["a", "b", "c"] {
            assert!(state.is_token_revoked(&token(jti, 100)), "{jti}");
            assert!(state.is_revoked(jti), "{jti}");
        }
        // The cost: every token issued up to the cutoff, revoked or not, whoever its user.
        assert!(state.is_token_revoked(&token("innocent", 90)));
        assert!(state.is_token_revoked(&token("issued-just-after", cutoff)));
        assert_eq!(state.subject_cutoff("anyone"), Some(cutoff));
        assert!(!state.is_token_revoked(&token("later", cutoff + 1)));
        // A bare id cannot show it is newer: `revoke_once` is never a first use under it.
        assert!(!state.revoke_once("new", Some(400), limits, 110));
        // The store takes entries again, precisely.
        state.revoke("d", None, Some(400), limits, 110);
        assert_eq!(state.len(), 1);
    }

    #[test]
    fn a_global_cutoff_lasts_as_long_as_what_it_replaced_and_then_goes() {
        let limits = Limits {
            capacity: 2,
            per_subject: 10,
        };
        let mut state = State::default();
        state.revoke("a", None, Some(500), limits, 100);
        state.advance_family("fam", 3, None, Some(700), limits, 100);
        state.revoke_subject("ann", 90, Some(600), limits, 100);
        assert_eq!(state.global, Some((slack_from(100), Some(700))));
        assert_eq!(state.subjects["ann"], (90, Some(600)), "recorded after it");
        let family = TokenIds {
            jti: Some("refresh-of-gen-3"),
            family: Some("fam"),
            issued_at: Some(100),
            ..TokenIds::default()
        };
        assert!(
            state.is_token_revoked(&family),
            "its rotation state is gone"
        );
        // A second fallback keeps the first one's reach and length.
        state.revoke("b", None, Some(650), limits, 150);
        state.revoke("c", None, Some(650), limits, 150);
        assert_eq!(state.global, Some((slack_from(150), Some(700))));
        assert!(!state.subjects.contains_key("ann"), "covered by it");
        state.revoke("d", None, Some(650), limits, 150);
        assert_consistent(&state, limits);
        assert_eq!(state.purge(699), 1, "`d`");
        assert!(state.global.is_some());
        assert_eq!(state.purge(700), 1);
        assert_eq!((state.global, state.len()), (None, 0));
        assert!(!state.is_token_revoked(&family));
        assert!(state.revoke_once("e", Some(800), limits, 701));
    }

    #[test]
    fn a_full_store_compacts_the_heaviest_subject_first() {
        let limits = Limits {
            capacity: 6,
            per_subject: 10,
        };
        let mut state = State::default();
        for i in 0..3 {
            state.revoke(&format!("ann-{i}"), Some("ann"), Some(300 + i), limits, 100);
        }
        for i in 0..2 {
            state.advance_family(&format!("bob-{i}"), 1, Some("bob"), Some(200), limits, 100);
        }
        state.revoke("cy-0", Some("cy"), Some(200), limits, 100);
        assert_eq!(state.len(), 6);
        // Full: ann holds the most, and pays for dee's logout.
        state.revoke("dee-0", Some("dee"), Some(200), limits, 100);
        assert_eq!(state.subjects["ann"], (slack_from(100), Some(302)));
        assert_eq!(
            state.len(),
            5,
            "ann's cutoff, bob's families, cy's and dee's ids"
        );
        assert_consistent(&state, limits);
        let token = |subject: &'static str, jti: &'static str| TokenIds {
            jti: Some(jti),
            subject: Some(subject.into()),
            issued_at: Some(100),
            ..TokenIds::default()
        };
        assert!(state.is_token_revoked(&token("ann", "ann-0")));
        assert!(
            state.is_token_revoked(&token("ann", "never-revoked")),
            "the cost: every token of ann's"
        );
        assert!(state.is_token_revoked(&token("dee", "dee-0")));
        assert!(!state.is_token_revoked(&token("cy", "cy-1")));
        assert!(
            !state.advance_family("bob-0", 1, Some("bob"), Some(200), limits, 100),
            "bob's rotation state is kept"
        );
        state.revoke("eve-0", Some("eve"), Some(200), limits, 100);
        // Full again: bob holds the most now.
        state.revoke("fay-0", Some("fay"), Some(200), limits, 100);
        assert_eq!(state.subjects["bob"], (slack_from(100), Some(200)));
        assert_eq!(state.len(), 6);
        assert_eq!(state.global, None);
        assert_consistent(&state, limits);
        let bob_refresh = TokenIds {
            family: Some("bob-1"),
            ..token("bob", "bob-refresh")
        };
        assert!(state.is_token_revoked(&bob_refresh));
        // Full, and nobody holds two: the new entry's own subject is compacted.
        state.revoke("cy-1", Some("cy"), Some(200), limits, 100);
        assert_eq!(state.subjects["cy"], (slack_from(100), Some(200)));
        assert!(state.is_token_revoked(&token("cy", "cy-1")));
        // And for a subject with no entry yet, everyone is cut off.
        state.revoke("gil-0", Some("gil"), Some(200), limits, 100);
        assert_eq!(state.global, Some((slack_from(100), Some(302))));
        assert!(state.is_token_revoked(&token("hal", "never-revoked")));
        assert_consistent(&state, limits);
    }

    /// Rotation state compacted into a cutoff fails closed: the family's refresh tokens are
    /// revoked, so the refresh exchange refuses them instead of exchanging them again.
    #[test]
    fn compacted_rotation_state_revokes_its_family() {
        let limits = Limits {
            capacity: 2,
            per_subject: 10,
        };
        let mut state = State::default();
        assert!(state.advance_family("ann-fam", 4, Some("ann"), Some(900), limits, 100));
        assert!(state.advance_family("bob-fam", 1, Some("bob"), Some(900), limits, 100));
        // Full, one entry per subject: ann's next family takes the place of her first.
        assert!(!state.advance_family("ann-fam-2", 0, Some("ann"), Some(950), limits, 100));
        assert_eq!(state.len(), 2, "ann's cutoff and bob's family");
        assert_eq!(state.subjects["ann"], (slack_from(100), Some(950)));
        let refresh = |family, generation_issued_at| TokenIds {
            jti: Some("refresh"),
            family: Some(family),
            subject: Some("ann".into()),
            issued_at: Some(generation_issued_at),
        };
        assert!(state.is_token_revoked(&refresh("ann-fam", 90)));
        assert!(state.is_token_revoked(&refresh("ann-fam-2", 100)));
        assert!(!state.advance_family("bob-fam", 1, Some("bob"), Some(900), limits, 100));
    }

    #[test]
    fn revoking_twice_keeps_the_later_expiry_and_one_index_entry() {
        let mut state = State::default();
        state.revoke("a", None, Some(160), LIMITS, 100);
        state.revoke("a", None, Some(130), LIMITS, 100);
        state.revoke("a", None, Some(190), LIMITS, 100);
        assert_eq!(
            (state.ids["a"].expiry, state.by_expiry.len()),
            (Some(190), 1)
        );
        state.revoke("a", None, None, LIMITS, 100);
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
            state.advance_family("fam", generation, Some("ann"), Some(500), LIMITS, 100)
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
            state.revoke(&jti, Some("ann"), Some(300 + i), limits, 100);
        }
        state.revoke("bob-0", Some("bob"), Some(300), limits, 100);
        assert_eq!(state.len(), 6);
        // The sixth of ann's: her five entries become one cutoff, kept as long as the longest.
        state.revoke("ann-5", Some("ann"), Some(250), limits, 100);
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
        assert_consistent(&state, limits);
    }

    /// Whatever a small store is asked, in whatever order, it stays within its capacity, and
    /// until its expiry no revoked token is accepted again, no exchanged refresh token can be
    /// exchanged again and no `revoke_once` id is a first use again.
    #[test]
    fn a_full_store_never_forgets_what_can_still_be_accepted() {
        let limits = Limits {
            capacity: 12,
            per_subject: 4,
        };
        let subjects = [None, Some("ann"), Some("bob"), Some("cy"), Some("dee")];
        // A fixed linear congruential sequence: reproducible without a dependency.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        let mut state = State::default();
        let mut now = 1_000;
        // (token, kept until)
        let mut revoked: Vec<(String, Option<&str>, i64, i64)> = Vec::new();
        // (family, generation exchanged, subject, issued at, kept until)
        let mut exchanged: Vec<(String, u64, Option<&str>, i64, i64)> = Vec::new();
        let mut once: Vec<(String, i64)> = Vec::new();
        // How often each way of making room was taken: (compactions, global cutoffs).
        let mut taken = (0, 0);
        for step in 0..3_000 {
            let before = (state.subjects.len(), state.global);
            now += i64::try_from(next(3)).unwrap();
            let subject = subjects[usize::try_from(next(5)).unwrap()];
            let expiry = now + 60 + i64::try_from(next(200)).unwrap();
            let asked_for_a_cutoff = match next(4) {
                0 => {
                    let jti = format!("jti-{step}");
                    state.revoke(&jti, subject, Some(expiry), limits, now);
                    revoked.push((jti, subject, now, expiry));
                    false
                }
                1 => {
                    let family = format!("fam-{}", next(40));
                    let generation = next(5);
                    let issued_at = now - i64::try_from(next(30)).unwrap();
                    if state.advance_family(&family, generation, subject, Some(expiry), limits, now)
                    {
                        exchanged.push((family, generation, subject, issued_at, expiry));
                    }
                    false
                }
                2 => {
                    let id = format!("once-{}", next(400));
                    if state.revoke_once(&id, Some(expiry), limits, now) {
                        assert!(!once.iter().any(|(o, until)| *o == id && now < *until));
                        once.push((id, expiry));
                    }
                    false
                }
                _ => {
                    if let Some(subject) = subject {
                        state.revoke_subject(subject, now, Some(expiry), limits, now);
                        revoked.push((format!("any-{step}"), Some(subject), now, expiry));
                    }
                    true
                }
            };
            assert_consistent(&state, limits);
            if state.global.is_some() && state.global != before.1 {
                taken.1 += 1;
            } else if state.subjects.len() > before.0 && !asked_for_a_cutoff {
                taken.0 += 1;
            }
            let live = |until: &i64| now < *until;
            for (jti, subject, issued_at, _) in revoked.iter().filter(|r| live(&r.3)) {
                let token = TokenIds {
                    jti: Some(jti),
                    subject: subject.map(Into::into),
                    issued_at: Some(*issued_at),
                    ..TokenIds::default()
                };
                assert!(
                    state.is_token_revoked(&token),
                    "step {step}: {jti} of {subject:?} accepted again"
                );
            }
            for (family, generation, subject, issued_at, _) in
                exchanged.iter().filter(|e| live(&e.4))
            {
                let refresh = TokenIds {
                    jti: Some("refresh"),
                    family: Some(family),
                    subject: subject.map(Into::into),
                    issued_at: Some(*issued_at),
                };
                let refused = state.is_token_revoked(&refresh)
                    || state
                        .families
                        .get(family.as_str())
                        .is_some_and(|e| e.generation >= *generation);
                assert!(
                    refused,
                    "step {step}: {family}#{generation} exchangeable again"
                );
            }
            for (id, _) in once.iter().filter(|o| live(&o.1)) {
                assert!(state.is_revoked(id), "step {step}: {id} a first use again");
            }
        }
        assert!(taken.0 > 0 && taken.1 > 0, "{taken:?}");
    }
}
