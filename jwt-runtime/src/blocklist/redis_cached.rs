//! [`CachedRedisStore`]: Redis revocation checks answered from process memory, kept true by
//! Redis's server-assisted invalidation (feature `redis`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use redis::aio::{MultiplexedConnection, SendError};
use redis::{AsyncConnectionConfig, ProtocolVersion, PushInfo, PushKind, Value};

use super::local_cache::{
    token_verdict, CacheStats, LocalCache, Lookup, DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS,
};
use super::redis_store::url_error;
use super::{BoxFuture, RedisOptions, RedisStore, RevocationStore, StoreError, TokenIds};

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
/// use actix_jwt_extended::blocklist::CachedRedisStore;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
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
            .field("max_staleness", &self.shared.cache.max_staleness())
            .field("stats", &self.stats())
            .finish()
    }
}

struct Shared {
    /// The client of the invalidation connection (RESP3).
    client: redis::Client,
    timeout: Duration,
    cache: LocalCache,
    /// The invalidation connection and its generation, while it is up.
    link: Mutex<Option<(MultiplexedConnection, u64)>>,
}

impl Shared {
    fn link(&self) -> Option<(MultiplexedConnection, u64)> {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_link(&self, link: Option<(MultiplexedConnection, u64)>) {
        *self.link.lock().unwrap_or_else(PoisonError::into_inner) = link;
    }

    /// The connection of `generation` is lost or silent: forget it and everything cached.
    fn drop_link(&self, generation: u64) {
        let mut link = self.link.lock().unwrap_or_else(PoisonError::into_inner);
        if link.as_ref().is_some_and(|(_, g)| *g == generation) {
            *link = None;
        }
        self.cache.channel_down(generation);
    }

    /// A message Redis pushed on the connection of `generation`. Called by the connection's
    /// reader, before it hands on any reply that came after the message.
    fn on_push(&self, generation: u64, info: &PushInfo) {
        match info.kind {
            PushKind::Invalidate => match info.data.first() {
                Some(Value::Array(keys)) => {
                    for key in keys {
                        if let Value::BulkString(key) = key {
                            if let Ok(key) = std::str::from_utf8(key) {
                                self.cache.forget(key);
                            }
                        }
                    }
                }
                // A flush (`FLUSHALL`, or Redis out of tracking memory): forget everything.
                _ => self.cache.forget_all(),
            },
            PushKind::Disconnection => self.drop_link(generation),
            _ => {}
        }
    }

    /// Opens a new invalidation connection and puts it in place, with an empty cache.
    async fn open_link(self: &Arc<Self>) -> Result<(), StoreError> {
        // The generation the cache gives this connection once it is up.
        let generation = Arc::new(AtomicU64::new(u64::MAX));
        let weak = Arc::downgrade(self);
        let pushed_on = Arc::clone(&generation);
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_push_sender(move |info: PushInfo| match weak.upgrade() {
                Some(shared) => {
                    shared.on_push(pushed_on.load(Ordering::Acquire), &info);
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
        let up = self.cache.channel_up();
        generation.store(up, Ordering::Release);
        self.set_link(Some((connection, up)));
        Ok(())
    }

    /// Keeps the invalidation connection alive and proven: a `PING` every quarter of
    /// `max_staleness` (its answer comes after every invalidation sent before it), a new
    /// connection when it is lost. Ends with the last store clone.
    async fn maintain(weak: Weak<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let max_staleness = shared.cache.max_staleness();
            match shared.link() {
                Some((mut connection, generation)) => {
                    let sent = Instant::now();
                    let cmd = redis::cmd("PING");
                    let ping = cmd.query_async::<String>(&mut connection);
                    match tokio::time::timeout(max_staleness, ping).await {
                        Ok(Ok(_)) => shared.cache.heard(generation, sent),
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
            tokio::time::sleep(max_staleness / 4).await;
        }
    }
}

impl CachedRedisStore {
    /// Connects to the Redis at `url` (as [`RedisStore::connect`], which fails when Redis may
    /// evict revocations) with a cache of [`DEFAULT_CACHE_CAPACITY`] keys trusted for
    /// [`DEFAULT_MAX_STALENESS`]. Needs Redis 6 or later (RESP3 and `CLIENT TRACKING`); fails
    /// when Redis cannot be reached now.
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
        Self::connect_with_options(url, max_staleness, capacity, RedisOptions::new()).await
    }

    /// [`connect_with`](Self::connect_with) with `options`, as
    /// [`RedisStore::connect_with_options`].
    ///
    /// ```no_run
    /// use actix_jwt_extended::blocklist::{
    ///     CachedRedisStore, RedisOptions, DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS,
    /// };
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // A managed Redis that refuses `CONFIG`, whose policy was set to `noeviction` by hand.
    /// let options = RedisOptions::new().skip_eviction_policy_check();
    /// let url = "rediss://cache.example:6380";
    /// let store =
    ///     CachedRedisStore::connect_with_options(url, DEFAULT_MAX_STALENESS, DEFAULT_CACHE_CAPACITY, options)
    ///         .await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with_options(
        url: &str,
        max_staleness: Duration,
        capacity: usize,
        options: RedisOptions,
    ) -> Result<Self, StoreError> {
        let store = RedisStore::connect_with_options(url, options).await?;
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
            timeout: store.timeout(),
            cache: LocalCache::new(max_staleness.max(Duration::from_millis(4)), capacity),
            link: Mutex::new(None),
        });
        shared.open_link().await.map_err(|e| url_error(url, e.0))?;
        tokio::spawn(Shared::maintain(Arc::downgrade(&shared)));
        Ok(Self { store, shared })
    }

    /// Uses `prefix` before every key, as [`RedisStore::with_prefix`].
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.store = self.store.with_prefix(prefix);
        self.shared.cache.forget_all();
        self
    }

    /// The store that writes go through.
    pub fn store(&self) -> &RedisStore {
        &self.store
    }

    /// Hits, misses and size of the cache.
    pub fn stats(&self) -> CacheStats {
        self.shared.cache.stats()
    }

    /// The values of `keys`: from the cache when it has them all and is trusted, else from
    /// Redis (through the invalidation connection, so that Redis tracks them, when it is up).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let ticket = match self.shared.cache.lookup(keys) {
            Lookup::Hit(values) => return Ok(values),
            Lookup::Miss(ticket) => ticket,
        };
        let Some((mut connection, _)) = self.shared.link() else {
            return self.store.get_many(keys).await;
        };
        let mut cmd = redis::cmd("MGET");
        cmd.arg(keys);
        let read = tokio::time::timeout(self.shared.timeout, cmd.query_async(&mut connection));
        let values: Vec<Option<String>> = match read.await {
            Ok(Ok(values)) => values,
            Ok(Err(e)) => return Err(StoreError(format!("Redis: {e}"))),
            Err(_) => return Err(StoreError("Redis did not answer in time".into())),
        };
        self.shared.cache.fill(ticket, keys, &values);
        Ok(values)
    }

    /// Forgets `key` now: this instance has just written it.
    fn forget(&self, key: &str) {
        self.shared.cache.forget(key);
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
