//! [`CachedPostgresStore`]: PostgreSQL revocation checks answered from process memory, kept
//! true by `LISTEN`/`NOTIFY` (feature `sqlx-postgres`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use super::local_cache::{token_verdict, CacheStats, LocalCache, Lookup};
use super::local_cache::{DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS};
use super::{BoxFuture, PostgresStore, RevocationStore, StoreError, TokenIds};

/// The channel the revocation tables' triggers notify on.
const CHANNEL: &str = "jwt_blocklist";

/// Triggers that announce every new or changed revocation on [`CHANNEL`], with the key the
/// cache knows it by (`jti:<id>`, `sub:<subject>`). Created under the tables' advisory lock.
const TRIGGERS: [&str; 3] = [
    "CREATE OR REPLACE FUNCTION jwt_blocklist_notify() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_TABLE_NAME = 'jwt_blocklist' THEN \
         PERFORM pg_notify('jwt_blocklist', 'jti:' || NEW.jti); \
       ELSE \
         PERFORM pg_notify('jwt_blocklist', 'sub:' || NEW.subject); \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE OR REPLACE TRIGGER jwt_blocklist_notify AFTER INSERT OR UPDATE ON jwt_blocklist \
     FOR EACH ROW EXECUTE FUNCTION jwt_blocklist_notify()",
    "CREATE OR REPLACE TRIGGER jwt_blocklist_subjects_notify AFTER INSERT OR UPDATE \
     ON jwt_blocklist_subjects FOR EACH ROW EXECUTE FUNCTION jwt_blocklist_notify()",
];

/// The values of up to two ids and a subject: `'1'` for a revoked id, the cutoff of a
/// subject, `NULL` for none (a `NULL` parameter matches nothing).
const VALUES: &str = "SELECT \
     (SELECT '1' FROM jwt_blocklist WHERE jti = $1), \
     (SELECT '1' FROM jwt_blocklist WHERE jti = $2), \
     (SELECT revoked_up_to::text FROM jwt_blocklist_subjects WHERE subject = $3)";

/// A [`PostgresStore`] whose checks are answered from this process's memory, kept true by
/// PostgreSQL's `LISTEN`/`NOTIFY`: the shared-database counterpart of
/// [`CachedRedisStore`](super::CachedRedisStore), with the same guarantees.
///
/// **How it stays true.** At start-up it installs triggers on the revocation tables (PostgreSQL
/// 14 or later; `CREATE` on the schema is needed once) that `NOTIFY` every new or changed
/// revocation, whoever writes it, and listens on its own connection. A key's answer (revoked
/// or not) is cached after it is read, and forgotten when its notification arrives. Answers
/// that cross a notification in flight are not cached.
///
/// **Fail closed.** Every quarter of `max_staleness` the store sends itself a fence, a
/// notification of its own: PostgreSQL delivers notifications in commit order, so receiving it
/// proves every revocation committed before it was sent has been applied. The cache is used
/// only within `max_staleness` of the last fence received; when the listening connection is
/// lost, the cache is dropped at once and rebuilt, empty, on a new one. Checks that cannot be
/// answered from memory go to the database, and a database that cannot answer gets the request
/// refused with 503, as with [`PostgresStore`].
///
/// ```no_run
/// use actix_jwt_extended::blocklist::CachedPostgresStore;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = CachedPostgresStore::connect("postgres://app:secret@127.0.0.1:5432/app").await?;
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CachedPostgresStore {
    store: PostgresStore,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CachedPostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedPostgresStore")
            .field("store", &self.store)
            .field("max_staleness", &self.shared.cache.max_staleness())
            .field("stats", &self.stats())
            .finish()
    }
}

struct Shared {
    cache: LocalCache,
    /// Fences sent and not yet received: number → when.
    fences: Mutex<VecDeque<(u64, Instant)>>,
    next_fence: AtomicU64,
    /// The generation of the listening connection, while it is up.
    generation: AtomicU64,
    /// Wakes the listener to stop, when the last store clone is dropped.
    stop: Arc<Notify>,
}

impl Drop for Shared {
    /// Stops the listener with the last clone of the store (the fence task stops on its own).
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

impl Shared {
    /// A notification on [`CHANNEL`]: a fence of ours, or a key that changed.
    fn on_notification(&self, payload: &str) {
        match payload.strip_prefix("fence:").map(str::parse::<u64>) {
            Some(Ok(number)) => {
                let sent = {
                    let mut fences = self.fences.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut sent = None;
                    while fences.front().is_some_and(|&(n, _)| n <= number) {
                        sent = fences.pop_front().filter(|&(n, _)| n == number).or(sent);
                    }
                    sent
                };
                if let Some((_, sent)) = sent {
                    let generation = self.generation.load(Ordering::Acquire);
                    self.cache.heard(generation, sent);
                }
            }
            _ => self.cache.forget(payload),
        }
    }

    /// Receives notifications until the store is dropped, re-listening after a lost connection.
    async fn listen(weak: Weak<Self>, mut listener: PgListener, stop: Arc<Notify>) {
        let mut backoff = Duration::from_millis(50);
        let mut down = false;
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                () = stop.notified() => return,
            };
            let Some(shared) = weak.upgrade() else { return };
            let generation = shared.generation.load(Ordering::Acquire);
            match received {
                Ok(received) => {
                    // Anything received comes over a connection that listens again after a
                    // loss: what was missed meanwhile is unknown, so start afresh.
                    if down || received.is_none() {
                        shared.cache.channel_down(generation);
                        let generation = shared.cache.channel_up();
                        shared.generation.store(generation, Ordering::Release);
                        down = false;
                    }
                    if let Some(notification) = received {
                        shared.on_notification(notification.payload());
                    }
                    backoff = Duration::from_millis(50);
                }
                // Lost, and no new connection yet: the next `try_recv` tries again.
                Err(_) => {
                    shared.cache.channel_down(generation);
                    down = true;
                    drop(shared);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    /// Sends a fence every quarter of `max_staleness` through `store`'s pool.
    async fn send_fences(weak: Weak<Self>, store: PostgresStore) {
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let period = shared.cache.max_staleness() / 4;
            let number = shared.next_fence.fetch_add(1, Ordering::Relaxed);
            {
                let mut fences = shared.fences.lock().unwrap_or_else(PoisonError::into_inner);
                fences.push_back((number, Instant::now()));
                // Fences that never came back (a lost connection) are not kept forever.
                while fences.len() > 64 {
                    fences.pop_front();
                }
            }
            drop(shared);
            let fence = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(format!("fence:{number}"));
            // A failed fence is no news: the cache ages until one comes back.
            let _ = store.bounded(fence.execute(store.pool())).await;
            tokio::time::sleep(period).await;
        }
    }
}

impl CachedPostgresStore {
    /// Connects to the database at `url` (as [`PostgresStore::connect`]) with a cache of
    /// [`DEFAULT_CACHE_CAPACITY`] keys trusted for [`DEFAULT_MAX_STALENESS`], installs the
    /// notification triggers and starts listening.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_STALENESS, DEFAULT_CACHE_CAPACITY).await
    }

    /// [`connect`](Self::connect) with the bound on staleness and the cache size of your
    /// choice (a `max_staleness` below 4 ms is raised to 4 ms; a quarter of it is the fence
    /// period).
    pub async fn connect_with(
        url: &str,
        max_staleness: Duration,
        capacity: usize,
    ) -> Result<Self, StoreError> {
        Self::new(PostgresStore::connect(url).await?, max_staleness, capacity).await
    }

    /// A cached store over `store`: installs the triggers and starts listening.
    pub async fn new(
        store: PostgresStore,
        max_staleness: Duration,
        capacity: usize,
    ) -> Result<Self, StoreError> {
        store.bounded(store.create_under_lock(&TRIGGERS)).await?;
        let mut listener = store
            .bounded(PgListener::connect_with(store.pool()))
            .await?;
        store.bounded(listener.listen(CHANNEL)).await?;
        let cache = LocalCache::new(max_staleness.max(Duration::from_millis(4)), capacity);
        let generation = cache.channel_up();
        let stop = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            cache,
            fences: Mutex::default(),
            next_fence: AtomicU64::new(0),
            generation: AtomicU64::new(generation),
            stop: Arc::clone(&stop),
        });
        tokio::spawn(Shared::listen(Arc::downgrade(&shared), listener, stop));
        tokio::spawn(Shared::send_fences(Arc::downgrade(&shared), store.clone()));
        Ok(Self { store, shared })
    }

    /// The store that writes and cache misses go through.
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }

    /// Hits, misses and size of the cache.
    pub fn stats(&self) -> CacheStats {
        self.shared.cache.stats()
    }

    /// The values of `keys` (`jti:<id>`, `jti:<id>`, `sub:<subject>`, each optional but in
    /// this order), from the cache or the database.
    async fn get_many(
        &self,
        ids: [Option<&str>; 2],
        subject: Option<&str>,
        keys: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let ticket = match self.shared.cache.lookup(keys) {
            Lookup::Hit(values) => return Ok(values),
            Lookup::Miss(ticket) => ticket,
        };
        let query = sqlx::query_as::<_, (Option<String>, Option<String>, Option<String>)>(VALUES)
            .bind(ids[0])
            .bind(ids[1])
            .bind(subject);
        let (first, second, cutoff) = self
            .store
            .bounded(query.fetch_one(self.store.pool()))
            .await?;
        let values: Vec<Option<String>> = [(ids[0], first), (ids[1], second)]
            .into_iter()
            .filter(|(id, _)| id.is_some())
            .map(|(_, value)| value)
            .chain(subject.map(|_| cutoff))
            .collect();
        self.shared.cache.fill(ticket, keys, &values);
        Ok(values)
    }
}

fn id_key(id: &str) -> String {
    format!("jti:{id}")
}

fn subject_key(subject: &str) -> String {
    format!("sub:{subject}")
}

impl RevocationStore for CachedPostgresStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let done = self.store.revoke(jti, expires_at).await;
            self.shared.cache.forget(&id_key(jti));
            done
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let values = self
                .get_many([Some(jti), None], None, &[id_key(jti)])
                .await?;
            Ok(values.first().is_some_and(Option::is_some))
        })
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = self.store.revoke_once(jti, expires_at).await;
            self.shared.cache.forget(&id_key(jti));
            done
        })
    }

    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        // Always the database's own answer: the exchange must be atomic across instances.
        self.store
            .advance_family(family, generation, subject, expires_at)
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let done = self
                .store
                .revoke_subject(subject, issued_up_to, expires_at)
                .await;
            self.shared.cache.forget(&subject_key(subject));
            done
        })
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let keys = [subject_key(subject)];
            let values = self.get_many([None, None], Some(subject), &keys).await?;
            match values.into_iter().next().flatten() {
                None => Ok(None),
                Some(cutoff) => cutoff.parse().map(Some).map_err(|_| {
                    StoreError(format!("PostgreSQL: unreadable cutoff for `{subject}`"))
                }),
            }
        })
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let ids = [token.jti, token.family];
            let subject = token.subject.as_deref();
            let keys: Vec<String> = ids
                .iter()
                .flatten()
                .map(|id| id_key(id))
                .chain(subject.map(subject_key))
                .collect();
            if keys.is_empty() {
                return Ok(false);
            }
            let present = [token.jti, token.family];
            let values = self.get_many(present, subject, &keys).await?;
            Ok(token_verdict(token, &values))
        })
    }

    fn purge<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        self.store.purge()
    }
}
