//! [`CachedPostgresStore`]: PostgreSQL revocation checks answered from process memory, kept
//! true by `LISTEN`/`NOTIFY` (feature `sqlx-postgres`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use sqlx::postgres::PgListener;
use tokio::sync::Notify;

use super::local_cache::{token_verdict, CachedStoreStats, LocalCache, Lookup};
use super::local_cache::{DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS};
use super::{BoxFuture, PostgresStore, RevocationStore, StoreError, TokenIds};

/// The channel the revocation tables' triggers notify on.
const CHANNEL: &str = "jwt_blocklist";

/// The channel of one instance's fences: `jwt_blocklist_<instance>`. Each instance hears only
/// its own, so the work of a listener does not grow with the number of instances.
/// PostgreSQL delivers the notifications of every channel a connection listens on in one
/// commit order, so a fence still proves that the revocations before it were delivered.
fn fence_channel(instance: &str) -> String {
    format!("{CHANNEL}_{instance}")
}

/// What the ids of fence rows start with: `fence:<instance>:<number>` (the instance 32 hex
/// digits, the number decimal, or `start` for the probe at start-up); the triggers send keys of
/// exactly that shape to the instance's channel, every other key to [`CHANNEL`]. Ids that start
/// so are never answered from the cache, so that a fence's notification, which invalidates
/// nothing, can never stand for a revocation of a token whose `jti` or subject has that shape.
const FENCE_PREFIX: &str = "fence:";

/// The triggers that announce every new or changed revocation on [`CHANNEL`], with the key the
/// cache knows it by (`jti:<id>`, `sub:<subject>`), and fence rows on their instance's
/// [`fence_channel`]; enabled `ALWAYS`, so that they fire for rows applied by logical
/// replication and by sessions in `session_replication_role = replica` too. Then the fence
/// function, which writes and deletes one row in each table in one transaction, so that a
/// fence is heard only through those very triggers, and which fails while either trigger is
/// missing or not enabled `ALWAYS` (its commit need not wait for the disk: what it proves is
/// the order of notifications, not durability). Created under the tables' advisory lock.
const TRIGGERS: [&str; 6] = [
    "CREATE OR REPLACE FUNCTION jwt_blocklist_notify() RETURNS trigger LANGUAGE plpgsql AS $$ \
     DECLARE key text; \
     BEGIN \
       IF TG_TABLE_NAME = 'jwt_blocklist' THEN \
         key := 'jti:' || NEW.jti; \
       ELSE \
         key := 'sub:' || NEW.subject; \
       END IF; \
       IF key ~ '^(jti|sub):fence:[0-9a-f]{32}:[0-9a-z]+$' THEN \
         PERFORM pg_notify('jwt_blocklist_' || split_part(key, ':', 3), key); \
       ELSE \
         PERFORM pg_notify('jwt_blocklist', key); \
       END IF; \
       RETURN NULL; \
     END $$",
    "CREATE OR REPLACE TRIGGER jwt_blocklist_notify AFTER INSERT OR UPDATE ON jwt_blocklist \
     FOR EACH ROW EXECUTE FUNCTION jwt_blocklist_notify()",
    "CREATE OR REPLACE TRIGGER jwt_blocklist_subjects_notify AFTER INSERT OR UPDATE \
     ON jwt_blocklist_subjects FOR EACH ROW EXECUTE FUNCTION jwt_blocklist_notify()",
    "ALTER TABLE jwt_blocklist ENABLE ALWAYS TRIGGER jwt_blocklist_notify",
    "ALTER TABLE jwt_blocklist_subjects ENABLE ALWAYS TRIGGER jwt_blocklist_subjects_notify",
    "CREATE OR REPLACE FUNCTION jwt_blocklist_fence(key text) RETURNS void LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF (SELECT count(*) FROM pg_trigger WHERE tgenabled = 'A' AND ( \
             (tgrelid = 'jwt_blocklist'::regclass AND tgname = 'jwt_blocklist_notify') \
          OR (tgrelid = 'jwt_blocklist_subjects'::regclass \
              AND tgname = 'jwt_blocklist_subjects_notify'))) <> 2 THEN \
         RAISE EXCEPTION 'the triggers jwt_blocklist_notify and jwt_blocklist_subjects_notify \
           must exist and be enabled ALWAYS (ALTER TABLE jwt_blocklist ENABLE ALWAYS TRIGGER \
           jwt_blocklist_notify; ALTER TABLE jwt_blocklist_subjects ENABLE ALWAYS TRIGGER \
           jwt_blocklist_subjects_notify)'; \
       END IF; \
       PERFORM set_config('synchronous_commit', 'off', true); \
       INSERT INTO jwt_blocklist (jti, expires_at) VALUES (key, 0); \
       DELETE FROM jwt_blocklist WHERE jti = key; \
       INSERT INTO jwt_blocklist_subjects (subject, revoked_up_to, expires_at) VALUES (key, 0, 0); \
       DELETE FROM jwt_blocklist_subjects WHERE subject = key; \
     END $$",
];

/// Refuses a server in recovery: a standby takes no writes and delivers no notifications, so
/// a cache listening to one would never hear a revocation.
const NOT_A_STANDBY: &str = "SELECT pg_is_in_recovery()";

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
/// 14 or later; `CREATE` on the schema and ownership of the tables are needed) that `NOTIFY`
/// every new or changed revocation, whoever writes it, and listens on its own connection. The
/// triggers are enabled `ALWAYS`: they fire for rows applied by logical replication, restore
/// and sync tools (`session_replication_role = replica`) as for any other write. A key's answer
/// (revoked or not) is cached after it is read, and forgotten when its notification arrives.
/// Answers that cross a notification in flight are not cached.
///
/// **Fail closed.** Every quarter of `max_staleness` the store writes a fence: a row of its
/// own in each revocation table, added and deleted in one transaction, so that its
/// notification comes through the very triggers revocations come through. PostgreSQL delivers
/// notifications in commit order, so hearing a fence proves that every revocation committed
/// before it was sent has been applied; a fence fails while either trigger is missing or not
/// enabled `ALWAYS`, and is then never heard. Each instance counts only its own fences (their
/// rows carry a random id of the instance). The cache is used only within `max_staleness` of
/// the last fence heard; when the listening connection is lost, the cache is dropped at once
/// and rebuilt, empty, on a new one. Checks that cannot be answered from memory go to the
/// database, and a database that cannot answer gets the request refused with 503, as with
/// [`PostgresStore`].
///
/// **What it cannot see**, and so does not support: revocations written to another server
/// than the one it listens to. Connect it to the primary, directly: a standby delivers no
/// notifications (a server in recovery is refused at start-up), and a pooling proxy in
/// transaction mode does not keep `LISTEN`'s connection (the store then hears no fence and
/// answers every check from the database). Writes with the triggers disabled are not seen
/// either; the fences stop then too, so the cache is not trusted until they are enabled
/// `ALWAYS` again (writes made while they were off stay unseen by caches that were up:
/// restart the instances after such maintenance).
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
    /// The random id of this instance in its fence rows.
    instance: String,
    /// Fences sent and not yet heard.
    fences: Mutex<VecDeque<Fence>>,
    next_fence: AtomicU64,
    /// The generation of the listening connection, while it is up.
    generation: AtomicU64,
    /// Wakes the listener to stop, when the last store clone is dropped.
    stop: Arc<Notify>,
}

/// A fence sent and not yet heard through both tables' triggers.
struct Fence {
    number: u64,
    sent: Instant,
    /// Heard through the trigger of `jwt_blocklist`, of `jwt_blocklist_subjects`.
    heard: [bool; 2],
}

impl Drop for Shared {
    /// Stops the listener with the last clone of the store (the fence task stops on its own).
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

impl Shared {
    /// A notification on [`CHANNEL`]: a key that changed, or a fence.
    fn on_notification(&self, payload: &str) {
        let (table, id) = match payload.split_once(':') {
            Some(("jti", id)) => (0, id),
            Some(("sub", id)) => (1, id),
            // Not a key of ours: an earlier version's fence, or a stranger's notification.
            _ => return,
        };
        let Some(fence) = id.strip_prefix(FENCE_PREFIX) else {
            self.cache.forget(payload);
            return;
        };
        // Keys of the fence shape are never cached: nothing to forget. Only our own fences
        // prove anything about our connection.
        let number = fence
            .strip_prefix(self.instance.as_str())
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(|number| number.parse::<u64>().ok());
        if let Some(number) = number {
            self.heard_fence(number, table);
        }
    }

    /// Our fence `number` was heard through the trigger of `table`; once through both, every
    /// invalidation sent before it was sent has been applied.
    fn heard_fence(&self, number: u64, table: usize) {
        let sent = {
            let mut fences = self.fences.lock().unwrap_or_else(PoisonError::into_inner);
            // Earlier fences never heard in full are given up: one went missing.
            while fences.front().is_some_and(|fence| fence.number < number) {
                fences.pop_front();
            }
            match fences.front_mut() {
                Some(fence) if fence.number == number => {
                    fence.heard[table] = true;
                    if fence.heard == [true, true] {
                        fences.pop_front().map(|fence| fence.sent)
                    } else {
                        None
                    }
                }
                _ => None,
            }
        };
        if let Some(sent) = sent {
            let generation = self.generation.load(Ordering::Acquire);
            self.cache.heard(generation, sent);
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

    /// Writes a fence every quarter of `max_staleness` through `store`'s pool.
    async fn send_fences(weak: Weak<Self>, store: PostgresStore) {
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let period = shared.cache.max_staleness() / 4;
            let number = shared.next_fence.fetch_add(1, Ordering::Relaxed);
            {
                let mut fences = shared.fences.lock().unwrap_or_else(PoisonError::into_inner);
                fences.push_back(Fence {
                    number,
                    sent: Instant::now(),
                    heard: [false, false],
                });
                // Fences that never came back (a lost connection) are not kept forever.
                while fences.len() > 64 {
                    fences.pop_front();
                }
            }
            let key = shared.fence_key(number);
            drop(shared);
            // A failed fence is no news: the cache ages until one comes back.
            let _ = store.bounded(write_fence(&store, &key)).await;
            tokio::time::sleep(period).await;
        }
    }

    fn fence_key(&self, number: u64) -> String {
        format!("{FENCE_PREFIX}{}:{number}", self.instance)
    }
}

/// Writes the fence rows of `key` (see [`TRIGGERS`]); fails while a trigger is not ready.
async fn write_fence(store: &PostgresStore, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT jwt_blocklist_fence($1)")
        .bind(key)
        .execute(store.pool())
        .await
        .map(drop)
}

/// Whether `id` (a `jti`, a family or a subject) has the shape of a fence row's key: such ids
/// are always asked of the database.
fn fence_shaped(id: &str) -> bool {
    id.starts_with(FENCE_PREFIX)
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
        let in_recovery = sqlx::query_scalar::<_, bool>(NOT_A_STANDBY).fetch_one(store.pool());
        if store.bounded(in_recovery).await? {
            return Err(StoreError::new(
                "CachedPostgresStore: the server is a standby (pg_is_in_recovery()): it takes \
                 no revocations and delivers no notifications; connect to the primary",
            ));
        }
        store.bounded(store.create_under_lock(&TRIGGERS)).await?;
        let instance = uuid::Uuid::new_v4().simple().to_string();
        // One fence now, so that triggers not ready are a start-up error, not a cache never
        // trusted.
        let probe = format!("{FENCE_PREFIX}{instance}:start");
        store.bounded(write_fence(&store, &probe)).await?;
        let mut listener = store
            .bounded(PgListener::connect_with(store.pool()))
            .await?;
        store
            .bounded(listener.listen_all([CHANNEL, fence_channel(&instance).as_str()]))
            .await?;
        let cache = LocalCache::new(max_staleness.max(Duration::from_millis(4)), capacity);
        let generation = cache.channel_up();
        let stop = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            cache,
            instance,
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
    pub fn stats(&self) -> CachedStoreStats {
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
        let cacheable = !ids
            .iter()
            .flatten()
            .chain(subject.iter())
            .any(|id| fence_shaped(id));
        let ticket = if cacheable {
            match self.shared.cache.lookup(keys) {
                Lookup::Hit(values) => return Ok(values),
                Lookup::Miss(ticket) => Some(ticket),
            }
        } else {
            None
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
        if let Some(ticket) = ticket {
            self.shared.cache.fill(ticket, keys, &values);
        }
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
                    StoreError::new(format!("PostgreSQL: unreadable cutoff for `{subject}`"))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(max_staleness: Duration) -> Shared {
        let cache = LocalCache::new(max_staleness, 10);
        let generation = cache.channel_up();
        Shared {
            cache,
            instance: "ours".into(),
            fences: Mutex::default(),
            next_fence: AtomicU64::new(0),
            generation: AtomicU64::new(generation),
            stop: Arc::new(Notify::new()),
        }
    }

    fn send(shared: &Shared, number: u64) {
        let fence = Fence {
            number,
            sent: Instant::now(),
            heard: [false, false],
        };
        shared.fences.lock().unwrap().push_back(fence);
    }

    #[test]
    fn only_our_own_fences_heard_through_both_tables_make_the_cache_fresh() {
        let shared = shared(Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(30));
        assert!(!shared.cache.stats().trusted);
        send(&shared, 0);
        send(&shared, 1);
        for payload in [
            "fence:0",
            "jti:fence:other:1",
            "sub:fence:other:1",
            "sub:fence:ours",
        ] {
            shared.on_notification(payload);
            assert!(!shared.cache.stats().trusted, "{payload}");
        }
        shared.on_notification("jti:fence:ours:1");
        assert!(!shared.cache.stats().trusted, "one table of two");
        shared.on_notification("sub:fence:ours:1");
        assert!(shared.cache.stats().trusted);
        assert!(shared.fences.lock().unwrap().is_empty(), "fence 0 given up");
    }

    #[test]
    fn fence_shaped_ids_are_never_cached() {
        assert!(fence_shaped("fence:ours:1"));
        assert!(!fence_shaped("0b7a1c2e-fence:"));
    }
}
