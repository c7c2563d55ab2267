//! [`RedisStore`]: revoked tokens in Redis, shared by every app instance (feature `redis`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, FromRedisValue, RedisError, RetryMethod, ServerErrorKind};

use super::local_cache::token_verdict;
use super::{BoxFuture, RevocationStore, StoreError, TokenIds, CLOCK_SLACK};
use crate::foundation::redact::redact_url;
use crate::foundation::trace;
use crate::manager::DEFAULT_REVOCATION_TIMEOUT;

/// The default key prefix: a revoked `jti` is the key `jwt_blocklist:jti:<jti>`.
pub const DEFAULT_REDIS_PREFIX: &str = "jwt_blocklist:";

/// The setting read to know whether Redis may evict keys.
const MAXMEMORY_POLICY: &str = "maxmemory-policy";

/// How [`RedisStore`] and [`CachedRedisStore`](super::CachedRedisStore) check the Redis they
/// connect to; the default checks everything.
///
/// ```
/// use actix_jwt_extended::blocklist::RedisOptions;
///
/// let options = RedisOptions::new().skip_eviction_policy_check();
/// assert!(options.skips_eviction_policy_check());
/// assert!(!RedisOptions::default().skips_eviction_policy_check());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RedisOptions {
    skip_eviction_policy_check: bool,
}

impl RedisOptions {
    /// Every check on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Connects without reading Redis's `maxmemory-policy`, for a managed Redis that hides
    /// or renames `CONFIG`, and logs one warning when connecting. Only when you made sure
    /// yourself that the policy is `noeviction`: under any other, a full Redis evicts
    /// revocations and revoked tokens are accepted again.
    pub fn skip_eviction_policy_check(mut self) -> Self {
        self.skip_eviction_policy_check = true;
        self
    }

    /// Whether connecting skips the eviction policy check.
    pub fn skips_eviction_policy_check(&self) -> bool {
        self.skip_eviction_policy_check
    }
}

/// Revoked tokens in Redis, so that every instance of an app behind a load balancer refuses a
/// token revoked through any of them. Cheap to clone; clones share the connection.
///
/// * A revoked `jti` is the key `<prefix>jti:<jti>` with a TTL until the token can no longer
///   be accepted (Redis forgets it then; at least [`CLOCK_SLACK`]; no TTL for a token without
///   `exp`). Revoked token families use the same keys. A user's revocation cutoff is the key
///   `<prefix>sub:<identity>` holding the cutoff's Unix time, and a family's rotation state
///   the key `<prefix>fam:<family>` holding the last generation exchanged: three namespaces,
///   so no `jti` can overwrite a cutoff.
/// * One multiplexed connection, managed: when Redis restarts or the network fails, it
///   reconnects in the background (retrying with a backoff of at most 1 s), with no restart
///   of the app. Meanwhile every check fails, so requests are refused with 503 (fail closed).
/// * Every command is bounded by the store's timeout (default
///   [`DEFAULT_REVOCATION_TIMEOUT`]); the blocklist check of a request is bounded by the
///   manager's `revocation_timeout` as well.
///
/// Revocations last only as long as Redis keeps its data:
///
/// * **No eviction.** Every entry but those of tokens without `exp` carries a TTL, so any
///   `maxmemory-policy` but `noeviction` lets Redis drop revocations when it is full (the
///   `volatile-*` policies drop them first), and revoked tokens are accepted again. Connecting
///   reads the policy (`CONFIG GET maxmemory-policy`) and fails unless it is `noeviction`; a
///   Redis of its own for the blocklist keeps other data from filling it. Where `CONFIG` is
///   hidden (some managed services), make sure of the policy yourself and connect with
///   [`RedisOptions::skip_eviction_policy_check`].
/// * **Persistence.** Configure AOF (`appendonly yes`) if a Redis restart must not forget them.
///
/// ```no_run
/// use actix_jwt_extended::blocklist::RedisStore;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379").await?.with_prefix("myapp:revoked:");
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: Arc<str>,
    timeout: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `rediss://` for TLS when the `redis` crate has a TLS feature). Fails when the URL is
    /// invalid, Redis cannot be reached now, or Redis may evict revocations (its
    /// `maxmemory-policy` is not `noeviction`, or it does not say: see
    /// [`RedisOptions::skip_eviction_policy_check`]); once connected, outages are survived.
    /// Errors name the URL without its password.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_options(url, RedisOptions::new()).await
    }

    /// [`connect`](Self::connect) with `options`.
    ///
    /// ```no_run
    /// use actix_jwt_extended::blocklist::{RedisOptions, RedisStore};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // A managed Redis that refuses `CONFIG`, whose policy was set to `noeviction` by hand.
    /// let options = RedisOptions::new().skip_eviction_policy_check();
    /// let store = RedisStore::connect_with_options("rediss://cache.example:6380", options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with_options(
        url: &str,
        options: RedisOptions,
    ) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| redis_cause(e).at_url(url))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(DEFAULT_REVOCATION_TIMEOUT))
            .set_max_delay(Duration::from_secs(1));
        let connection = tokio::time::timeout(
            DEFAULT_REVOCATION_TIMEOUT * 5,
            client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| StoreError::retryable("no connection in time").at_url(url))?
        .map_err(|e| redis_cause(e).at_url(url))?;
        let store = Self::unchecked(connection);
        store
            .check_eviction_policy(&options, &format!("the Redis at {}", redact_url(url)))
            .await
            .map_err(|e| e.at_url(url))?;
        Ok(store)
    }

    /// A store over a connection manager configured by hand. Checks the eviction policy of
    /// its Redis as [`connect_with_options`](Self::connect_with_options) does.
    pub async fn from_connection(
        connection: ConnectionManager,
        options: RedisOptions,
    ) -> Result<Self, StoreError> {
        let store = Self::unchecked(connection);
        store
            .check_eviction_policy(&options, "the Redis of a connection configured by hand")
            .await
            .map_err(|e| e.prefixed("Redis: "))?;
        Ok(store)
    }

    fn unchecked(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: DEFAULT_REDIS_PREFIX.into(),
            timeout: DEFAULT_REVOCATION_TIMEOUT,
        }
    }

    /// Fails unless Redis says it never evicts keys, or `options` skip the check (then warns
    /// once, naming `redis`). The message says what was found and the fix.
    async fn check_eviction_policy(
        &self,
        options: &RedisOptions,
        redis: &str,
    ) -> Result<(), StoreError> {
        if options.skip_eviction_policy_check {
            trace::eviction_policy_unchecked(redis);
            return Ok(());
        }
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("GET").arg(MAXMEMORY_POLICY);
        let mut connection = self.connection.clone();
        let answer = tokio::time::timeout(
            self.timeout,
            cmd.query_async::<HashMap<String, String>>(&mut connection),
        )
        .await
        .map_err(|_| StoreError::retryable("Redis did not answer in time"))?;
        let policy = match answer {
            Ok(mut settings) => settings.remove(MAXMEMORY_POLICY),
            Err(e) if e.is_io_error() => return Err(redis_error(e)),
            // Refused (`CONFIG` renamed or disabled, or not allowed by an ACL) or answered in
            // a shape we do not know: the policy is unknown, as below.
            Err(e) => {
                let message = eviction_policy_unknown(&e.to_string());
                return Err(StoreError::new(message).with_source(e));
            }
        };
        match policy.as_deref() {
            Some("noeviction") => Ok(()),
            Some(policy) => Err(StoreError::new(format!(
                "Redis may evict revocations: its `maxmemory-policy` is `{policy}`, which drops \
                 keys when Redis is full (revocations carry a TTL, so a `volatile-*` policy \
                 drops them first) and revoked tokens are accepted again; run `CONFIG SET \
                 maxmemory-policy noeviction` and set `maxmemory-policy noeviction` in its \
                 configuration, preferably on a Redis of its own for the blocklist"
            ))),
            None => Err(StoreError::new(eviction_policy_unknown("no such setting"))),
        }
    }

    /// Uses `prefix` before every key instead of [`DEFAULT_REDIS_PREFIX`] (e.g. one per app
    /// sharing a Redis). Instances that must agree on revocations need the same prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// Bounds every command by `timeout` instead of [`DEFAULT_REVOCATION_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The bound on every command.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(super) fn id_key(&self, id: &str) -> String {
        format!("{}jti:{id}", self.prefix)
    }

    pub(super) fn family_key(&self, family: &str) -> String {
        format!("{}fam:{family}", self.prefix)
    }

    pub(super) fn subject_key(&self, subject: &str) -> String {
        format!("{}sub:{subject}", self.prefix)
    }

    pub(super) async fn query<T: FromRedisValue>(&self, cmd: Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, cmd.query_async(&mut connection)).await {
            Ok(result) => result.map_err(redis_error),
            Err(_) => Err(StoreError::retryable("Redis did not answer in time")),
        }
    }

    /// `SET key 1 NX [EX ttl]`: creates the key unless it exists.
    fn set_new(key: String, expires_at: Option<SystemTime>) -> Cmd {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(1).arg("NX");
        if let Some(expires_at) = expires_at {
            cmd.arg("EX").arg(ttl_secs(expires_at));
        }
        cmd
    }

    /// [`UPSERT`] of `key`.
    fn upsert(key: String, value: i64, keep_max: bool, expires_at: Option<SystemTime>) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(UPSERT).arg(1).arg(key).arg(value);
        match expires_at {
            Some(expires_at) => cmd.arg(ttl_secs(expires_at)),
            None => cmd.arg(""),
        };
        cmd.arg(if keep_max { "1" } else { "0" });
        cmd
    }
}

/// Sets `KEYS[1]` to the generation `ARGV[1]` if it holds none or a smaller one, with the later
/// of its current expiry and `ARGV[2]` seconds (`''`: never); answers 1 when it did, 0 when the
/// generation was exchanged before.
const ADVANCE_FAMILY: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
local pttl = redis.call('PTTL', KEYS[1])
if ARGV[2] == '' or pttl == -1 then
  redis.call('SET', KEYS[1], ARGV[1])
else
  local px = tonumber(ARGV[2]) * 1000
  if pttl > px then px = pttl end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
end
return 1
";

/// Sets `KEYS[1]` to `ARGV[1]` (or to its current value when `ARGV[3]` is `1` and that is
/// larger) with the later of its current expiry and `ARGV[2]` seconds (`''`: never), atomically,
/// as the other stores do: revoking twice never shortens a revocation nor moves a cutoff back.
const UPSERT: &str = r"
local pttl = redis.call('PTTL', KEYS[1])
local value = ARGV[1]
if ARGV[3] == '1' and pttl ~= -2 then
  local current = tonumber(redis.call('GET', KEYS[1]))
  if current and current > tonumber(value) then value = redis.call('GET', KEYS[1]) end
end
if ARGV[2] == '' or pttl == -1 then
  redis.call('SET', KEYS[1], value)
else
  local px = tonumber(ARGV[2]) * 1000
  if pttl > px then px = pttl end
  redis.call('SET', KEYS[1], value, 'PX', px)
end
return 1
";

/// Whole seconds until `expires_at`, rounded up, at least [`CLOCK_SLACK`]: an entry asked for
/// a past instant is still kept a while (see [`RevocationStore`]).
fn ttl_secs(expires_at: SystemTime) -> u64 {
    let remaining = match expires_at.duration_since(SystemTime::now()) {
        Ok(d) => d.as_secs() + u64::from(d.subsec_nanos() > 0),
        Err(_) => 0,
    };
    remaining.max(CLOCK_SLACK.as_secs())
}

/// Why connecting fails when Redis does not tell its eviction policy (`cause`): the way out.
fn eviction_policy_unknown(cause: &str) -> String {
    format!(
        "cannot check that Redis never evicts revocations: `CONFIG GET maxmemory-policy` \
         failed ({cause}); make sure its `maxmemory-policy` is `noeviction`, then connect with \
         `RedisOptions::skip_eviction_policy_check()`"
    )
}

/// A [`StoreError`] saying what redis-rs says of `e`, keeping it, retryable when Redis may
/// answer later: a timeout, a refused or dropped connection, other I/O, a Redis loading its
/// data or asking to try again. Not wrong credentials nor a replica (`READONLY`), which
/// redis-rs would retry (it has clusters in mind) but which only a fix of the URL cures.
pub(super) fn redis_cause(e: RedisError) -> StoreError {
    let retryable = match e.kind() {
        ErrorKind::AuthenticationFailed | ErrorKind::Server(ServerErrorKind::ReadOnly) => false,
        _ => matches!(
            e.retry_method(),
            RetryMethod::Reconnect | RetryMethod::RetryImmediately | RetryMethod::WaitAndRetry
        ),
    };
    let error = if retryable {
        StoreError::retryable(e.to_string())
    } else {
        StoreError::new(e.to_string())
    };
    error.with_source(e)
}

/// [`redis_cause`] as `Redis: <what redis-rs says>`.
pub(super) fn redis_error(e: RedisError) -> StoreError {
    redis_cause(e).prefixed("Redis: ")
}

impl RevocationStore for RedisStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.query::<()>(Self::upsert(self.id_key(jti), 1, false, expires_at))
                .await
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("EXISTS");
            cmd.arg(self.id_key(jti));
            self.query::<bool>(cmd).await
        })
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            // `SET NX` answers OK only to the one caller that created the key.
            let set: Option<String> = self
                .query(Self::set_new(self.id_key(jti), expires_at))
                .await?;
            Ok(set.is_some())
        })
    }

    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        _subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(ADVANCE_FAMILY)
                .arg(1)
                .arg(self.family_key(family))
                .arg(generation);
            match expires_at {
                Some(expires_at) => cmd.arg(ttl_secs(expires_at)),
                None => cmd.arg(""),
            };
            self.query::<bool>(cmd).await
        })
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let key = self.subject_key(subject);
            self.query::<()>(Self::upsert(key, issued_up_to, true, expires_at))
                .await
        })
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("GET");
            cmd.arg(self.subject_key(subject));
            self.query::<Option<i64>>(cmd).await
        })
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            // One round trip: MGET <jti> <family> <subject>.
            let keys = self.token_keys(token);
            if keys.is_empty() {
                return Ok(false);
            }
            let values = self.get_many(&keys).await?;
            Ok(token_verdict(token, &values))
        })
    }
}

impl RedisStore {
    /// The keys under which `token` may be revoked: its `jti`, its family, its subject (in
    /// that order, each when the token has it).
    pub(super) fn token_keys(&self, token: &TokenIds<'_>) -> Vec<String> {
        let ids = [token.jti, token.family].into_iter().flatten();
        let mut keys: Vec<String> = ids.map(|id| self.id_key(id)).collect();
        if let Some(subject) = &token.subject {
            keys.push(self.subject_key(subject));
        }
        keys
    }

    /// `MGET keys`.
    pub(super) async fn get_many(
        &self,
        keys: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let mut cmd = redis::cmd("MGET");
        cmd.arg(keys);
        self.query(cmd).await
    }
}
