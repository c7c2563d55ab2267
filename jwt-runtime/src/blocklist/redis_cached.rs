//! [`CachedRedisStore`]: Redis revocation checks answered from process memory, kept true by
//! Redis's server-assisted invalidation (feature `redis`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use redis::aio::{MultiplexedConnection, SendError};
use redis::{AsyncConnectionConfig, ProtocolVersion, PushInfo, PushKind, Value};

use super::local_cache::{
    token_verdict, CachedStoreStats, LocalCache, Lookup, DEFAULT_CACHE_CAPACITY,
    DEFAULT_MAX_STALENESS,
};
use super::redis_store::{redis_cause, redis_error};
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
/// **Fail closed.** The cache is used only while the connection is known to hear every write:
/// every quarter of `max_staleness` a *fence* writes a new value to this instance's key
/// `<prefix>fence:<random id>` (60 s TTL) through the store's connection, the one revocations
/// go through, then reads it back through the invalidation connection. Reading the value just
/// written proves that the invalidation connection is attached to the server the writes go to,
/// and its answer comes after every invalidation that server sent before it: everything
/// revoked before the fence has been applied. When the connection drops (Redis restarts, the
/// connection is killed, or Redis closes it for a full output buffer) the cache is dropped at
/// once; when a fence fails (Redis stops answering, writes fail), the cache is no longer trusted
/// `max_staleness` after the last fence that succeeded. Checks then go to Redis through the
/// store's connection, and a Redis that cannot answer gets the request refused with 503, as
/// with [`RedisStore`]. The connection is re-established in the background, with an empty
/// cache, and trusted only once a fence has gone through it.
///
/// **Topology.** Both connections go to `url`, which must lead both to the primary: one Redis
/// server, or a name or proxy that follows the primary. After a failover (Sentinel, a DNS
/// change) that leaves the invalidation connection on the old server while writes go to the
/// new one, the fence reads an old value: that connection is dropped at once, checks go to the
/// store's connection meanwhile, and a new invalidation connection is opened and trusted once
/// a fence proves it reaches the server the writes reach. A `url` that leads the invalidation
/// connection to a replica is not supported: a fence read back at once finds the replica
/// behind, so the cache is never trusted.
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
    /// The store that revocations are written through, which fences are written through.
    writer: Mutex<RedisStore>,
    /// `fence:<random id>`: the fence key of this instance, after the store's prefix.
    fence_id: String,
    /// The value of the last fence written.
    fences: AtomicU64,
}

/// How long a fence key outlives its last fence: an instance that is gone leaves nothing for
/// long.
const FENCE_TTL: Duration = Duration::from_secs(60);

/// What a fence showed of the invalidation connection.
enum Fence {
    /// It reached the server the writes go to: every invalidation that server sent before the
    /// fence was written has been applied.
    Heard,
    /// The fence could not be written (why): nothing is proven, the connection may still be
    /// fine.
    NotWritten(StoreError),
    /// The connection did not answer, or is attached to another server than the writes (why):
    /// it cannot be trusted any more.
    Lost(StoreError),
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

    fn writer(&self) -> RedisStore {
        self.writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes a new fence value through the writer, then reads it back through `connection`,
    /// each step bounded by `bound`. What [`Fence::Heard`] proves holds as of the instant
    /// before this was called.
    async fn fence(&self, connection: &mut MultiplexedConnection, bound: Duration) -> Fence {
        let writer = self.writer();
        let key = format!("{}{}", writer.prefix(), self.fence_id);
        let value = self.fences.fetch_add(1, Ordering::Relaxed) + 1;
        let mut set = redis::cmd("SET");
        set.arg(&key)
            .arg(value)
            .arg("PX")
            .arg(FENCE_TTL.as_millis() as u64);
        match tokio::time::timeout(bound, writer.query::<()>(set)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Fence::NotWritten(e),
            Err(_) => {
                return Fence::NotWritten(StoreError::retryable("Redis did not answer in time"))
            }
        }
        let mut get = redis::cmd("GET");
        get.arg(&key);
        match tokio::time::timeout(bound, get.query_async::<Option<u64>>(connection)).await {
            Ok(Ok(Some(read))) if read == value => Fence::Heard,
            // Another server's value, or none: the writes go elsewhere.
            Ok(Ok(_)) => Fence::Lost(StoreError::new(
                "the invalidation connection does not see the writes: it reaches another \
                 server than the store's connection",
            )),
            Ok(Err(e)) => Fence::Lost(redis_error(e)),
            Err(_) => Fence::Lost(StoreError::retryable("Redis did not answer in time")),
        }
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
                                // Every fence invalidates its key: not a reason to discard the
                                // answers being read meanwhile.
                                if !key.ends_with(&self.fence_id) {
                                    self.cache.forget(key);
                                }
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

    /// Opens a new invalidation connection and puts it in place, with an empty cache, once a
    /// fence has gone through it.
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
        let mut connection = match opened {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(redis_error(e)),
            Err(_) => return Err(StoreError::retryable("Redis did not answer in time")),
        };
        match self.fence(&mut connection, self.timeout).await {
            Fence::Heard => {}
            Fence::NotWritten(e) => return Err(e.prefixed("fence not written: ")),
            Fence::Lost(e) => return Err(e),
        }
        let up = self.cache.channel_up();
        generation.store(up, Ordering::Release);
        self.set_link(Some((connection, up)));
        Ok(())
    }

    /// Keeps the invalidation connection alive and proven: a fence every quarter of
    /// `max_staleness`, a new connection when it is lost. Ends with the last store clone.
    async fn maintain(weak: Weak<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            let Some(shared) = weak.upgrade() else { return };
            let max_staleness = shared.cache.max_staleness();
            match shared.link() {
                Some((mut connection, generation)) => {
                    let sent = Instant::now();
                    match shared.fence(&mut connection, max_staleness).await {
                        Fence::Heard => shared.cache.heard(generation, sent),
                        // The cache stops being trusted `max_staleness` after the last fence.
                        Fence::NotWritten(_) => {}
                        Fence::Lost(_) => shared.drop_link(generation),
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
    /// choice (a `max_staleness` below 4 ms is raised to 4 ms; it is also the fence period
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
        let client = redis::Client::open(url).map_err(|e| redis_cause(e).at_url(url))?;
        let info = client.get_connection_info().clone();
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))
            .map_err(|e| redis_cause(e).at_url(url))?;
        let shared = Arc::new(Shared {
            client,
            timeout: store.timeout(),
            cache: LocalCache::new(max_staleness.max(Duration::from_millis(4)), capacity),
            link: Mutex::new(None),
            writer: Mutex::new(store.clone()),
            fence_id: format!("fence:{}", uuid::Uuid::new_v4()),
            fences: AtomicU64::new(0),
        });
        shared.open_link().await.map_err(|e| e.at_url(url))?;
        tokio::spawn(Shared::maintain(Arc::downgrade(&shared)));
        Ok(Self { store, shared })
    }

    /// Uses `prefix` before every key, as [`RedisStore::with_prefix`] (the fence key's
    /// included, from the next fence on).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.store = self.store.with_prefix(prefix);
        *self
            .shared
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = self.store.clone();
        self.shared.cache.forget_all();
        self
    }

    /// The store that writes go through.
    pub fn store(&self) -> &RedisStore {
        &self.store
    }

    /// Hits, misses and size of the cache.
    pub fn stats(&self) -> CachedStoreStats {
        self.shared.cache.stats()
    }

    /// The values of `keys`: from the cache when it has them all and is trusted, else from
    /// Redis: through the invalidation connection, so that Redis tracks them, while the cache
    /// is trusted; else through the store's connection, uncached, since an invalidation
    /// connection that fences do not reach may be attached to another server than the writes.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let ticket = match self.shared.cache.lookup(keys) {
            Lookup::Hit(values) => return Ok(values),
            Lookup::Miss(ticket) => ticket,
        };
        let link = self
            .shared
            .link()
            .filter(|_| self.shared.cache.stats().trusted);
        let Some((mut connection, _)) = link else {
            return self.store.get_many(keys).await;
        };
        let mut cmd = redis::cmd("MGET");
        cmd.arg(keys);
        let read = tokio::time::timeout(self.shared.timeout, cmd.query_async(&mut connection));
        let values: Vec<Option<String>> = match read.await {
            Ok(Ok(values)) => values,
            Ok(Err(e)) => return Err(redis_error(e)),
            Err(_) => return Err(StoreError::retryable("Redis did not answer in time")),
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
                Some(cutoff) => cutoff.parse().map(Some).map_err(|_| {
                    StoreError::new(format!("Redis: unreadable cutoff for `{subject}`"))
                }),
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
