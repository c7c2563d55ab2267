//! Revocation: the [`RevocationStore`] trait the blocklist check asks (besides a
//! `token_in_blocklist_loader`, when one is registered: a token either revokes is refused),
//! and the stores we ship:
//!
//! | Store | Feature | Shared by several app instances | Bounded by |
//! |---|---|---|---|
//! | [`MemoryStore`] | always | no (one process) | a capacity, and a share of it per subject; expired entries purged on insert |
//! | `RedisStore` | `redis` | yes | Redis TTLs: each entry lives as long as its token can be accepted (on a Redis that never evicts: `noeviction`, checked at connect) |
//! | `CachedRedisStore` | `redis` | yes; checks answered from memory, invalidated by Redis | as `RedisStore`, plus a bounded local cache |
//! | `SqliteStore` | `sqlx-sqlite` | yes, through one database file | `SqliteStore::purge_expired` |
//! | `PostgresStore` | `sqlx-postgres` | yes, through one database server | `PostgresStore::purge_expired` |
//! | `CachedPostgresStore` | `sqlx-postgres` | yes; checks answered from memory, invalidated by `LISTEN`/`NOTIFY` | as `PostgresStore`, plus a bounded local cache |
//!
//! Logging out is one call in a protected handler, [`revoke_token`]:
//!
//! ```no_run
//! use actix_jwt_extended::{blocklist, get_jwt, JwtError};
//! use actix_web::HttpResponse;
//!
//! // Under `#[jwt_required]`:
//! async fn logout() -> Result<HttpResponse, JwtError> {
//!     blocklist::revoke_token(&get_jwt()).await?;
//!     Ok(HttpResponse::Ok().json(serde_json::json!({"msg": "Access token revoked"})))
//! }
//! ```
//!
//! **Fail closed.** When a store cannot answer (Redis or PostgreSQL down, database locked) or
//! does not answer within
//! [`JwtManagerBuilder::revocation_timeout`](crate::JwtManagerBuilder::revocation_timeout), the
//! request is refused with **503** `{"msg": "revocation store unavailable"}`
//! ([`JwtErrorKind::RevocationUnavailable`]): a possibly revoked token is never let through.
//!
//! Beyond single tokens, a store can revoke a whole token *family* (see [`RefreshRotation`],
//! refresh-token rotation with reuse detection) and every token of a user issued up to a
//! moment ([`RefreshRotation::revoke_all_for`], which reaches [`CLOCK_SLACK`] ahead of the
//! clock for tokens of instances whose clocks run ahead). [`RevocationStore::is_token_revoked`] answers
//! for all three in one round trip.
//!
//! **Retention.** A revocation is kept until the last instant its token could still be
//! accepted: the token's `exp` plus the manager's `decode_leeway`, plus [`CLOCK_SLACK`] for
//! clocks of app instances and stores that disagree ([`keep_until`]). [`revoke_token`] and
//! [`RefreshRotation`] compute this for you; code that calls [`RevocationStore::revoke`]
//! itself should pass [`keep_until`]'s answer, not the bare `exp`.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::foundation::claims::Claims;
use crate::foundation::error::{cause, Cause, JwtError, JwtErrorKind};
use crate::manager::JwtManager;

/// How much longer than the last instant a token can be accepted every store keeps its
/// revocation, and the least time any revocation is kept after it is recorded: room for the
/// clocks of app instances and of the store to disagree.
pub const CLOCK_SLACK: Duration = Duration::from_secs(60);

/// Until when a revocation of a token expiring at `exp` (Unix seconds) must be kept by a
/// manager that accepts expired tokens for `leeway`: `exp + leeway + CLOCK_SLACK`. `None`
/// (keep forever) for a token without `exp`, or one whose deadline no clock can represent.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use actix_jwt_extended::blocklist::{keep_until, CLOCK_SLACK};
///
/// let until = keep_until(Some(1_000), Duration::from_secs(30)).unwrap();
/// assert_eq!(until, UNIX_EPOCH + Duration::from_secs(1_030) + CLOCK_SLACK);
/// assert_eq!(keep_until(None, Duration::ZERO), None);
/// assert_eq!(keep_until(Some(i64::MAX), Duration::from_secs(30)), None);
/// ```
pub fn keep_until(exp: Option<i64>, leeway: Duration) -> Option<SystemTime> {
    from_unix(exp?)?
        .checked_add(leeway)?
        .checked_add(CLOCK_SLACK)
}

#[cfg(any(feature = "redis", feature = "sqlx-postgres"))]
mod local_cache;
mod memory;
#[cfg(feature = "sqlx-postgres")]
mod postgres;
#[cfg(feature = "sqlx-postgres")]
mod postgres_cached;
#[cfg(feature = "redis")]
mod redis_cached;
#[cfg(feature = "redis")]
mod redis_store;
mod rotation;
#[cfg(feature = "sqlx-sqlite")]
mod sqlite;

#[cfg(any(feature = "redis", feature = "sqlx-postgres"))]
pub use local_cache::{CachedStoreStats, DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS};
pub use memory::{MemoryStore, DEFAULT_MEMORY_CAPACITY};
#[cfg(feature = "sqlx-postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlx-postgres")]
pub use postgres_cached::CachedPostgresStore;
#[cfg(feature = "redis")]
pub use redis_cached::CachedRedisStore;
#[cfg(feature = "redis")]
pub use redis_store::{RedisOptions, RedisStore, DEFAULT_REDIS_PREFIX};
pub use rotation::{RefreshRotation, TokenPair, FAMILY_CLAIM, GENERATION_CLAIM};
#[cfg(feature = "sqlx-sqlite")]
pub use sqlite::SqliteStore;

/// A boxed `Send` future, the return type of [`RevocationStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not answer. The request is then refused (fail closed): a possibly
/// revoked token is never let through.
///
/// It says what went wrong ([`message`](Self::message), what `Display` shows after
/// `revocation store unavailable: `), keeps the driver's error when there is one
/// ([`source`](std::error::Error::source)), and tells whether asking again may succeed
/// ([`is_retryable`](Self::is_retryable)): yes for a timeout, a lost connection or a server
/// that is down or busy; no for what only a change of configuration or code fixes (a Redis
/// that may evict keys, a PostgreSQL standby, a missing permission, a store that cannot do
/// the operation).
///
/// ```
/// use actix_jwt_extended::blocklist::StoreError;
/// use std::error::Error;
///
/// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "read timed out");
/// let e = StoreError::retryable("my store: read timed out").with_source(io);
/// assert!(e.is_retryable());
/// assert_eq!(e.message(), "my store: read timed out");
/// assert_eq!(e.to_string(), "revocation store unavailable: my store: read timed out");
/// assert!(e.source().unwrap().downcast_ref::<std::io::Error>().is_some());
///
/// let e = StoreError::new("my store cannot revoke all tokens of a subject");
/// assert!(!e.is_retryable() && e.source().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct StoreError {
    message: String,
    retryable: bool,
    source: Option<Cause>,
}

impl StoreError {
    /// An error that asking again will not cure: a misconfiguration, or an operation the
    /// store cannot do.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
            source: None,
        }
    }

    /// An error that may pass: a timeout, a lost connection, a server down or busy.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            retryable: true,
            ..Self::new(message)
        }
    }

    /// Keeps `source`, the driver's error behind this one, for
    /// [`source`](std::error::Error::source).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// What the store said: the text after `revocation store unavailable: `.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether asking again may succeed (see [`StoreError`]).
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// `self` with `prefix` before its message, e.g. what was being done.
    #[cfg(any(feature = "redis", feature = "sqlx-sqlite", feature = "sqlx-postgres"))]
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// `self` about the service at `url`: the message as `<url>: <message>` without the URL's
    /// password in either part, and without the source when its text quotes that password
    /// (drivers quote the URL in their errors), since a source is shown as it is.
    #[cfg(any(feature = "redis", feature = "sqlx-postgres"))]
    pub(crate) fn at_url(mut self, url: &str) -> Self {
        use crate::foundation::redact::{hide_userinfo, url_error_text};
        self.message = url_error_text(url, &self.message);
        let mut cause: Option<&(dyn std::error::Error + 'static)> = cause(&self.source);
        while let Some(e) = cause {
            let said = format!("{e}\n{e:?}");
            if hide_userinfo(url, &said) != said {
                self.source = None;
                break;
            }
            cause = e.source();
        }
        self
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "revocation store unavailable: {}", self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        cause(&self.source)
    }
}

/// In a handler, `store.revoke(..).await?` answers 503 `{"msg": "revocation store unavailable"}`.
/// What the store said (it may name hosts or queries) is only the error's
/// [`detail`](JwtError::detail), never sent to the client.
impl From<StoreError> for JwtError {
    fn from(e: StoreError) -> Self {
        JwtError::new(
            JwtErrorKind::RevocationUnavailable,
            "revocation store unavailable",
        )
        .with_detail(e.message.clone())
        .with_source(e)
    }
}

/// Whether asking again may cure a failed sqlx call: an I/O error, a pool that found no
/// connection in time, a crashed worker, or a database error whose code `transient` accepts
/// (each database has its own codes). The rest (a bad URL, a type or protocol mismatch, a
/// refused statement) needs a fix.
#[cfg(any(feature = "sqlx-sqlite", feature = "sqlx-postgres"))]
fn sqlx_retryable(e: &sqlx::Error, transient: fn(&str) -> bool) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| transient(&code)),
        _ => false,
    }
}

/// A [`StoreError`] for a failed sqlx call, saying what sqlx says and keeping its error.
#[cfg(any(feature = "sqlx-sqlite", feature = "sqlx-postgres"))]
pub(crate) fn sqlx_error(e: sqlx::Error, transient: fn(&str) -> bool) -> StoreError {
    StoreError {
        message: e.to_string(),
        retryable: sqlx_retryable(&e, transient),
        source: Some(Arc::new(e)),
    }
}

/// What a store is asked about one token: the ids under which it may have been revoked.
///
/// Built from the claims with [`TokenIds::from_claims`]; a field is `None` when the token does
/// not carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenIds<'a> {
    /// The token's own id (`jti`).
    pub jti: Option<&'a str>,
    /// The token family (the [`FAMILY_CLAIM`] claim written by [`RefreshRotation`]).
    pub family: Option<&'a str>,
    /// The identity claim, as text (see [`subject_of`]).
    pub subject: Option<Cow<'a, str>>,
    /// `iat`, in Unix seconds. A token without `iat` counts as issued before any subject
    /// cutoff (fail closed).
    pub issued_at: Option<i64>,
}

impl<'a> TokenIds<'a> {
    /// The ids of a token with these claims; `identity_claim` is `JWT_IDENTITY_CLAIM`
    /// (`manager.config().identity_claim`).
    pub fn from_claims(claims: &'a Claims, identity_claim: &str) -> Self {
        Self {
            jti: claims.jti(),
            family: claims.get(FAMILY_CLAIM).and_then(Value::as_str),
            subject: claims.get(identity_claim).map(subject_of),
            issued_at: claims.iat(),
        }
    }
}

/// The text under which the tokens of an identity are revoked: a JSON string as is, any
/// other JSON value (number, object) as its compact JSON text.
pub fn subject_of(identity: &Value) -> Cow<'_, str> {
    match identity {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// Where revoked token ids (`jti`) are kept until the token can no longer be accepted.
///
/// Only [`revoke`](Self::revoke) and [`is_revoked`](Self::is_revoked) are required; the
/// provided methods build on them. The shipped stores override all of them: atomically where
/// it matters, [`is_token_revoked`](Self::is_token_revoked) in one round trip, and
/// [`advance_family`](Self::advance_family) in one entry per token family.
///
/// Token families share the `jti` namespace (family ids are UUIDs, like `jti`s); the
/// revocations of a subject ("every token of this user issued up to `t`") and the rotation
/// state of families have namespaces of their own.
///
/// Every store keeps what it records at least until `expires_at` and at least
/// [`CLOCK_SLACK`] after recording it, even when `expires_at` has passed: an entry that
/// vanished at once would let `revoke_once` answer "first use" forever.
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes `jti` until `expires_at` (`None`: keep it forever). Pass [`keep_until`] of the
    /// token's `exp`, not the bare `exp`, when the manager has a `decode_leeway`.
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether `jti` is revoked.
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// [`revoke`](Self::revoke), telling the store whose token it is, so that a store with a
    /// capacity can bound what one subject holds (see [`MemoryStore`]). The default ignores
    /// `subject`.
    fn revoke_for_subject<'a>(
        &'a self,
        jti: &'a str,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = subject;
        self.revoke(jti, expires_at)
    }

    /// Revokes `jti` unless it already is, and says whether this call revoked it. The shipped
    /// stores do this atomically (two concurrent calls never both get `true`); this default is
    /// not atomic.
    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            if self.is_revoked(jti).await? {
                return Ok(false);
            }
            self.revoke(jti, expires_at).await?;
            Ok(true)
        })
    }

    /// The exchange step of refresh-token rotation: records that the refresh token of
    /// `generation` in `family` is exchanged, and says whether it may be (`true`), which is
    /// only when no token of that family of this or a later generation was exchanged before.
    /// `false` means the token is presented a second time: reuse.
    ///
    /// A family's state is one entry whatever the number of exchanges, kept until
    /// `expires_at` (at least; a later call can only extend it). The shipped stores do this
    /// atomically. The default records one [`revoke_once`](Self::revoke_once) id per
    /// exchange (`<family>#<generation>`), which is as correct but grows with the exchanges.
    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = subject;
        Box::pin(async move {
            let id = format!("{family}#{generation}");
            self.revoke_once(&id, expires_at).await
        })
    }

    /// Revokes every token of `subject` issued at or before `issued_up_to` (Unix seconds),
    /// keeping that until `expires_at`. A later call with a later `issued_up_to` replaces it.
    /// The default refuses: a store must implement this and
    /// [`subject_revoked_up_to`](Self::subject_revoked_up_to) to support it.
    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (subject, issued_up_to, expires_at);
        Box::pin(async {
            Err(StoreError::new(
                "this store cannot revoke all tokens of a subject",
            ))
        })
    }

    /// The latest `issued_up_to` given to [`revoke_subject`](Self::revoke_subject) for
    /// `subject`, if any. The default: none.
    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        let _ = subject;
        Box::pin(async { Ok(None) })
    }

    /// Whether a token is revoked under any of its ids: its `jti`, its family, or its subject
    /// (issued at or before the subject's cutoff, or without `iat`). The default asks the
    /// methods above in turn.
    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            for id in [token.jti, token.family].into_iter().flatten() {
                if self.is_revoked(id).await? {
                    return Ok(true);
                }
            }
            if let Some(subject) = &token.subject {
                if let Some(cutoff) = self.subject_revoked_up_to(subject).await? {
                    return Ok(issued_by(token.issued_at, cutoff));
                }
            }
            Ok(false)
        })
    }

    /// Drops the entries no token can need any more; returns how many. Stores that expire
    /// entries on their own (Redis TTLs) have nothing to do; the default does nothing.
    fn purge<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async { Ok(0) })
    }
}

/// Whether a token issued at `issued_at` falls under a subject cutoff: issued at or before it,
/// or of unknown age (fail closed).
pub(crate) fn issued_by(issued_at: Option<i64>, cutoff: i64) -> bool {
    issued_at.is_none_or(|iat| iat <= cutoff)
}

/// A shared store is a store: `Arc<MyStore>` or `Arc<dyn RevocationStore>` (what
/// [`JwtManager::revocation_store`] returns) can be given where a store is expected.
impl<T: RevocationStore + ?Sized> RevocationStore for Arc<T> {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).revoke(jti, expires_at)
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).is_revoked(jti)
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).revoke_once(jti, expires_at)
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).revoke_subject(subject, issued_up_to, expires_at)
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        (**self).subject_revoked_up_to(subject)
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).is_token_revoked(token)
    }

    fn revoke_for_subject<'a>(
        &'a self,
        jti: &'a str,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).revoke_for_subject(jti, subject, expires_at)
    }

    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).advance_family(family, generation, subject, expires_at)
    }

    fn purge<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        (**self).purge()
    }
}

/// Revokes the token with these claims in the revocation store of the current request's
/// [`JwtManager`] (logout), waiting at most the manager's revocation timeout. Inside a verified
/// request that is the manager that verified it (see [`JwtManager::current`]), so a scope with
/// a manager of its own revokes into that manager's store. See [`revoke_claims`].
///
/// Fails with 503 when the store cannot answer, and with 500 when the manager has no store.
pub async fn revoke_token(claims: &Claims) -> Result<(), JwtError> {
    let manager = JwtManager::current().ok_or_else(JwtError::no_manager)?;
    revoke_claims(&manager, claims).await
}

/// Revokes the token with these claims (its `jti`) in `manager`'s revocation store, until it
/// can no longer be accepted ([`keep_until`] of its `exp` with the manager's `decode_leeway`),
/// attributed to its subject. Waits at most the manager's revocation timeout.
///
/// Fails with 503 when the store cannot answer, 500 when the manager has no store, and 422
/// when the token has no `jti`.
pub async fn revoke_claims(manager: &JwtManager, claims: &Claims) -> Result<(), JwtError> {
    let store = store_of(manager)?;
    let config = manager.config();
    let jti = claims.jti().ok_or_else(|| {
        JwtError::new(
            JwtErrorKind::Decode,
            "the token has no `jti` claim, it cannot be revoked",
        )
    })?;
    let subject = claims.get(&config.identity_claim).map(subject_of);
    let until = keep_until(claims.exp(), config.decode_leeway);
    within(
        manager.revocation_timeout(),
        store.revoke_for_subject(jti, subject.as_deref(), until),
    )
    .await
}

/// The store of `manager`, or the 500 that explains how to set one.
pub(crate) fn store_of(manager: &JwtManager) -> Result<&Arc<dyn RevocationStore>, JwtError> {
    manager.revocation_store().ok_or_else(|| {
        JwtError::internal(
            "no revocation store: set one with `JwtManager::builder(..).revocation_store(..)`",
        )
    })
}

/// `fut` bounded by `timeout`: no answer in time is a [`StoreError`] too (fail closed).
pub(crate) async fn within<T>(
    timeout: Duration,
    fut: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, JwtError> {
    let error: JwtError = match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(answer)) => return Ok(answer),
        Ok(Err(e)) => e.into(),
        Err(_) => StoreError::retryable("no answer in time").into(),
    };
    crate::foundation::trace::store_failed(&error);
    Err(error)
}

/// Whole Unix seconds of `t` (negative before 1970).
pub(crate) fn to_unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The instant of `secs` Unix seconds; `None` beyond what `SystemTime` holds.
pub(crate) fn from_unix(secs: i64) -> Option<SystemTime> {
    let offset = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    }
}

/// Now, in whole Unix seconds: the clock every store purges and floors expiries by.
pub(crate) fn now_unix() -> i64 {
    to_unix(SystemTime::now())
}

/// The Unix second until which a store keeps an entry asked to last until `expires_at`: never
/// earlier than [`CLOCK_SLACK`] from `now` (`None`: forever).
pub(crate) fn stored_expiry(expires_at: Option<SystemTime>, now: i64) -> Option<i64> {
    let floor = now.saturating_add(CLOCK_SLACK.as_secs() as i64);
    expires_at.map(|t| to_unix(t).max(floor))
}

// What is tested here only the stores use.
#[cfg(all(
    test,
    any(feature = "redis", feature = "sqlx-sqlite", feature = "sqlx-postgres")
))]
mod tests {
    use super::StoreError;

    /// An error whose text quotes what it is given, as drivers quote URLs.
    #[derive(Debug)]
    struct Quoting(String);

    impl std::fmt::Display for Quoting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot parse `{}`", self.0)
        }
    }

    impl std::error::Error for Quoting {}

    #[test]
    fn prefixed_keeps_the_kind_and_the_source() {
        let e = StoreError::retryable("down")
            .with_source(Quoting("x".into()))
            .prefixed("Redis: ");
        assert_eq!(e.message(), "Redis: down");
        assert!(e.is_retryable());
        assert!(std::error::Error::source(&e).is_some());
    }

    #[cfg(any(feature = "redis", feature = "sqlx-postgres"))]
    #[test]
    fn at_url_hides_the_password_and_drops_a_source_that_quotes_it() {
        let url = "redis://ann:hunter2@cache:6379/0";
        let quoted = StoreError::new("bad URL")
            .with_source(Quoting(url.into()))
            .at_url(url);
        assert_eq!(quoted.message(), "redis://***@cache:6379/0: bad URL");
        assert!(std::error::Error::source(&quoted).is_none());
        let kept = StoreError::retryable("connection refused")
            .with_source(Quoting("cache:6379".into()))
            .at_url(url);
        assert!(kept.is_retryable());
        assert!(std::error::Error::source(&kept).is_some());
        assert!(!format!("{kept} {kept:?}").contains("hunter2"));
    }
}
