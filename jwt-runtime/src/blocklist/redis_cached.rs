//! [`CachedRedisStore`]: Redis revocation checks answered from process memory, kept true by
//! Redis's server-assisted invalidation (feature `redis`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant, SystemTime};

use redis::aio::{MultiplexedConnection, SendError};
use redis::{AsyncConnectionConfig, ProtocolVersion, PushInfo, PushKind, Value};

use super::redis_store::{token_verdict, url_error};
use super::{BoxFuture, RedisStore, RevocationStore, StoreError, TokenIds};

/// How long a [`CachedRedisStore`] trusts its cache without hearing from Redis: the bound on
/// how late a revocation reaches an instance whose invalidations are cut.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_millis(100);

/// How many Redis keys (revoked or not) a [`CachedRedisStore`] keeps answers for.
pub const DEFAULT_CACHE_CAPACITY: usize = 100_000;

/// A [`RedisStore`] whose checks are answered from this process's memory, so that a shared
/// blocklist costs about what [`MemoryStore`](super::MemoryStore) costs, and still never answers
/// from a cache that may be stale.
///
/// **How it stays true.** Besides the store's connection, it keeps a second one in RESP3 with
/// Redis's `CLIENT TRACKING` on: every check reads its keys through that connection once
/// (revoked or not: a missing key is cached as "not revoked"), and Redis then pushes an
/// invalidation on that connection as soon as any instance writes one of those keys. Answers
/// that cross an invalidation in flight are not cached.
///
/// **Fail closed.** The cache is used only while the connection is known to be alive: a
/// `PING` every quarter of `max_staleness` proves that every invalidation sent before it has
/// been applied. When the connection drops (Redis restarts, the connection is killed, or Redis
/// closes it for a full output buffer) the cache is dropped at once; when Redis stops answering,
/// the cache is no longer trusted `max_staleness` after the last answered `PING`. Checks then
/// go to Redis, and a Redis that cannot answer gets the request refused with 503, as with
/// [`RedisStore`]. The connection is re-established in the background, with an empty cache.
///
/// So a revocation written through any instance is refused by every instance at once in the
/// normal case (the invalidation's trip over the network), and after at most `max_staleness`
/// (default [`DEFAULT_MAX_STALENESS`]) when an instance's invalidations are lost.
///
/// Writes go through the [`RedisStore`]; this instance forgets the keys it writes at once, so
/// it reads its own revocations.
///
/// ```no_run
/// use actix_jwt_extended_runtime::blocklist::CachedRedisStore;
/// use actix_jwt_extended_runtime::{JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = CachedRedisStore::connect("redis://127.0.0.1:6379").await?;
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CachedRedisStore {
    store: RedisStore,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CachedRedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedRedisStore")
            .field("store", &self.store)
            .field("max_staleness", &self.shared.max_staleness)
            .field("stats", &self.stats())
            .finish()
    }
}

/// What a [`CachedRedisStore`] did so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisCacheStats {
    /// Checks answered from memory.
    pub hits: u64,
    /// Checks that asked Redis.
    pub misses: u64,
    /// Keys whose answer is cached now.
    pub entries: usize,
    /// Whether the invalidation connection is up and was heard from within `max_staleness`.
    pub trusted: bool,
}

struct Shared {
    /// The client of the invalidation connection (RESP3).
    client: redis::Client,
    max_staleness: Duration,
    capacity: usize,
    timeout: Duration,
    state: RwLock<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct State {
    link: Option<Link>,
    /// Redis key → its value (`None`: no such key, not revoked).
    cache: HashMap<Box<str>, Option<Box<str>>>,
    /// Counts invalidations and connection changes: an answer read while it moved is not cached.
    epoch: u64,
    /// Numbers the connections, so that news from an old one is ignored.
    generation: u64,
}

/// The invalidation connection.
struct Link {
    connection: MultiplexedConnection,
    generation: u64,
    /// Every invalidation Redis sent before this instant has been applied to the cache.
    fresh_as_of: Instant,
}

impl State {
    /// Whether cached answers may be given now.
    fn trusted(&self, max_staleness: Duration) -> bool {
        self.link
            .as_ref()
            .is_some_and(|link| link.fresh_as_of.elapsed() <= max_staleness)
    }

    fn forget_all(&mut self) {
        self.cache.clear();
        self.epoch += 1;
    }
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // Nothing panics under the lock; every write leaves the state consistent.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// A message Redis pushed on the connection of `generation`. Called by the connection's
    /// reader, before it hands on any reply that came after the message.
    fn on_push(&self, generation: u64, info: &PushInfo) {
        let mut state = self.write();
        match info.kind {
            PushKind::Invalidate => {
                state.epoch += 1;
                match info.data.first() {
                    Some(Value::Array(keys)) => {
                        for key in keys {
                            if let Value::BulkString(key) = key {
                                if let Ok(key) = std::str::from_utf8(key) {
                                    state.cache.remove(key);
                                }
                            }
                        }
                    }
                    // A flush (`FLUSHALL`, or Redis out of tracking memory): forget everything.
                    _ => state.cache.clear(),
                }
            }
            PushKind::Disconnection if state.generation == generation => {
                state.link = None;
                state.forget_all();
            }
            _ => {}
        }
    }

    /// The connection of `generation` failed to answer in time: stop trusting it.
    fn drop_link(&self, generation: u64) {
        let mut state = self.write();
        if state.generation == generation {
            state.link = None;
            state.forget_all();
        }
    }

    /// A `PING` sent at `sent` on the connection of `generation` was answered.
    fn heard_at(&self, generation: u64, sent: Instant) {
        let mut state = self.write();
        if let Some(link) = state.link.as_mut().filter(|l| l.generation == generation) {
            link.fresh_as_of = link.fresh_as_of.max(sent);
        }
    }

    /// Opens a new invalidation connection and puts it in place, with an empty cache.
    async fn open_link(self: &Arc<Self>) -> Result<(), StoreError> {
        let generation = self.read().generation + 1;
        let weak = Arc::downgrade(self);
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_push_sender(move |info: PushInfo| match weak.upgrade() {
                Some(shared) => {
                    shared.on_push(generation, &info);
                    Ok(())
                }
                None => Err(SendError),
            });
        let opened = tokio::time::timeout(self.timeout, async {
            let mut connection = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            redis::cmd("CLIENT")
                .arg("TRACKING")
                .arg("ON")
                .query_async::<()>(&mut connection)
                .await?;
            Ok::<_, redis::RedisError>(connection)
        })
        .await;
        let connection = match opened {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(StoreError(format!("Redis: {e}"))),
            Err(_) => return Err(StoreError("Redis did not answer in time".into())),
        };
        let mut state = self.write();
        state.generation = generation;
        state.forget_all();
        // The cache is empty: nothing in it can be stale.
        state.link = Some(Link {
            connection,
            generation,
            fresh_as_of: Instant::now(),
        });
        Ok(())
    }

    /// Keeps the invalidation connection alive and proven: a `PING` every quarter of
    /// `max_staleness`, a new connection when it is lost. Ends with the last store clone.
    async fn maintain(weak: Weak<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let period = shared.max_staleness / 4;
            let link = shared
                .read()
                .link
                .as_ref()
                .map(|link| (link.connection.clone(), link.generation));
            match link {
                Some((mut connection, generation)) => {
                    let sent = Instant::now();
                    let cmd = redis::cmd("PING");
                    let ping = cmd.query_async::<String>(&mut connection);
                    match tokio::time::timeout(shared.max_staleness, ping).await {
                        Ok(Ok(_)) => shared.heard_at(generation, sent),
                        _ => shared.drop_link(generation),
                    }
                    backoff = Duration::from_millis(50);
                }
                None => {
                    if shared.open_link().await.is_err() {
                        drop(shared);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                        continue;
                    }
                }
            }
            drop(shared);
            tokio::time::sleep(period).await;
        }
    }
}

impl CachedRedisStore {
    /// Connects to the Redis at `url` (as [`RedisStore::connect`]) with a cache of
    /// [`DEFAULT_CACHE_CAPACITY`] keys trusted for [`DEFAULT_MAX_STALENESS`]. Needs Redis 6 or
    /// later (RESP3 and `CLIENT TRACKING`); fails when Redis cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_STALENESS, DEFAULT_CACHE_CAPACITY).await
    }

    /// [`connect`](Self::connect) with the bound on staleness and the cache size of your
    /// choice (a `max_staleness` below 4 ms is raised to 4 ms; it is also the `PING` period
    /// times four).
    pub async fn connect_with(
        url: &str,
        max_staleness: Duration,
        capacity: usize,
    ) -> Result<Self, StoreError> {
        let store = RedisStore::connect(url).await?;
        let client = redis::Client::open(url).map_err(|e| url_error(url, e))?;
        let info = client.get_connection_info().clone();
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))
            .map_err(|e| url_error(url, e))?;
        let shared = Arc::new(Shared {
            client,
            max_staleness: max_staleness.max(Duration::from_millis(4)),
            capacity,
            timeout: store.timeout(),
            state: RwLock::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        });
        shared.open_link().await.map_err(|e| url_error(url, e.0))?;
        tokio::spawn(Shared::maintain(Arc::downgrade(&shared)));
        Ok(Self { store, shared })
    }

    /// Uses `prefix` before every key, as [`RedisStore::with_prefix`].
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.store = self.store.with_prefix(prefix);
        self.shared.write().forget_all();
        self
    }

    /// The store that writes go through.
    pub fn store(&self) -> &RedisStore {
        &self.store
    }

    /// Hits, misses and size of the cache.
    pub fn stats(&self) -> RedisCacheStats {
        let state = self.shared.read();
        RedisCacheStats {
            hits: self.shared.hits.load(Ordering::Relaxed),
            misses: self.shared.misses.load(Ordering::Relaxed),
            entries: state.cache.len(),
            trusted: state.trusted(self.shared.max_staleness),
        }
    }

    /// The values of `keys`: from the cache when it has them all and is trusted, else from
    /// Redis (through the invalidation connection, so that Redis tracks them, when it is up).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let shared = &self.shared;
        let link = {
            let state = shared.read();
            if state.trusted(shared.max_staleness) {
                let cached: Option<Vec<Option<String>>> = keys
                    .iter()
                    .map(|key| {
                        state
                            .cache
                            .get(key.as_str())
                            .map(|v| v.as_deref().map(Into::into))
                    })
                    .collect();
                if let Some(values) = cached {
                    shared.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(values);
                }
            }
            state
                .link
                .as_ref()
                .map(|link| (link.connection.clone(), link.generation, state.epoch))
        };
        shared.misses.fetch_add(1, Ordering::Relaxed);
        let Some((mut connection, generation, epoch)) = link else {
            return self.store.get_many(keys).await;
        };
        let mut cmd = redis::cmd("MGET");
        cmd.arg(keys);
        let values: Vec<Option<String>> =
            match tokio::time::timeout(shared.timeout, cmd.query_async(&mut connection)).await {
                Ok(Ok(values)) => values,
                Ok(Err(e)) => return Err(StoreError(format!("Redis: {e}"))),
                Err(_) => return Err(StoreError("Redis did not answer in time".into())),
            };
        let mut state = shared.write();
        let same_link = state
            .link
            .as_ref()
            .is_some_and(|l| l.generation == generation);
        if same_link && state.epoch == epoch && values.len() == keys.len() {
            if state.cache.len() + keys.len() > shared.capacity {
                state.cache.clear();
            }
            for (key, value) in keys.iter().zip(&values) {
                state
                    .cache
                    .insert(key.as_str().into(), value.as_deref().map(Into::into));
            }
        }
        Ok(values)
    }

    /// Forgets `key` now: this instance has just written it.
    fn forget(&self, key: &str) {
        let mut state = self.shared.write();
        state.cache.remove(key);
        state.epoch += 1;
    }
}

impl RevocationStore for CachedRedisStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let done = self.store.revoke(jti, expires_at).await;
            self.forget(&self.store.id_key(jti));
            done
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let values = self.get_many(&[self.store.id_key(jti)]).await?;
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
            self.forget(&self.store.id_key(jti));
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
        // Always Redis's own answer: the exchange must be atomic across instances.
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
            self.forget(&self.store.subject_key(subject));
            done
        })
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let values = self.get_many(&[self.store.subject_key(subject)]).await?;
            match values.into_iter().next().flatten() {
                None => Ok(None),
                Some(cutoff) => cutoff
                    .parse()
                    .map(Some)
                    .map_err(|_| StoreError(format!("Redis: unreadable cutoff for `{subject}`"))),
            }
        })
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let keys = self.store.token_keys(token);
            if keys.is_empty() {
                return Ok(false);
            }
            let values = self.get_many(&keys).await?;
            Ok(token_verdict(token, &values))
        })
    }
}
