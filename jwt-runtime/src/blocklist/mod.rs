//! Revocation: the [`RevocationStore`] trait the blocklist check asks when no
//! `token_in_blocklist_loader` is registered (a registered loader wins, as in Flask), and the
//! stores we ship:
//!
//! | Store | Feature | Shared by several app instances | Bounded by |
//! |---|---|---|---|
//! | [`MemoryStore`] | always | no (one process) | a capacity; expired entries purged on insert |
//! | `RedisStore` | `redis` | yes | Redis TTLs: each entry lives as long as its token |
//! | `SqliteStore` | `sqlx-sqlite` | yes, through one database file | `SqliteStore::purge_expired` |
//!
//! Logging out is one call in a protected handler, [`revoke_token`]:
//!
//! ```no_run
//! use actix_jwt_extended_runtime::{blocklist, get_jwt, JwtError};
//! use actix_web::HttpResponse;
//!
//! // Under `#[jwt_required]`:
//! async fn logout() -> Result<HttpResponse, JwtError> {
//!     blocklist::revoke_token(&get_jwt()).await?;
//!     Ok(HttpResponse::Ok().json(serde_json::json!({"msg": "Access token revoked"})))
//! }
//! ```
//!
//! **Fail closed.** When a store cannot answer (Redis down, database locked) or does not answer
//! within [`JwtManagerBuilder::revocation_timeout`](crate::JwtManagerBuilder::revocation_timeout),
//! the request is refused with **503** `{"msg": "revocation store unavailable"}`
//! ([`JwtErrorKind::RevocationUnavailable`]): a possibly revoked token is never let through.
//!
//! Beyond single tokens, a store can revoke a whole token *family* (see [`RefreshRotation`],
//! refresh-token rotation with reuse detection) and every token of a user issued up to a
//! moment ([`RefreshRotation::revoke_all_for`]). [`RevocationStore::is_token_revoked`] answers
//! for all three in one round trip.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::claims::Claims;
use crate::error::{JwtError, JwtErrorKind};
use crate::manager::JwtManager;

mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod rotation;
#[cfg(feature = "sqlx-sqlite")]
mod sqlite;

pub use memory::{MemoryStore, DEFAULT_MEMORY_CAPACITY};
#[cfg(feature = "redis")]
pub use redis_store::{RedisStore, DEFAULT_REDIS_PREFIX};
pub use rotation::{RefreshRotation, TokenPair, FAMILY_CLAIM};
#[cfg(feature = "sqlx-sqlite")]
pub use sqlite::SqliteStore;

/// A boxed `Send` future, the return type of [`RevocationStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not answer. The request is then refused (fail closed): a possibly
/// revoked token is never let through.
#[derive(Debug, Clone, thiserror::Error)]
#[error("revocation store unavailable: {0}")]
pub struct StoreError(pub String);

/// In a handler, `store.revoke(..).await?` answers 503 `{"msg": "revocation store unavailable"}`.
/// What the store said (it may name hosts or queries) is only the error's
/// [`detail`](JwtError::detail), never sent to the client.
impl From<StoreError> for JwtError {
    fn from(e: StoreError) -> Self {
        JwtError::new(
            JwtErrorKind::RevocationUnavailable,
            "revocation store unavailable",
        )
        .with_detail(e.0)
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
    /// `iat`, in Unix seconds.
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

/// Where revoked token ids (`jti`) are kept until the token would have expired anyway.
///
/// Only [`revoke`](Self::revoke) and [`is_revoked`](Self::is_revoked) are required; the
/// provided methods build on them. The shipped stores override all of them: atomically where
/// it matters, and [`is_token_revoked`](Self::is_token_revoked) in one round trip.
///
/// Token families share the `jti` namespace (family ids are UUIDs, like `jti`s); the
/// revocations of a subject ("every token of this user issued up to `t`") have their own.
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes `jti` until `expires_at` (`None`: the token never expires, keep it forever).
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether `jti` is revoked.
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Revokes `jti` unless it already is, and says whether this call revoked it: the
    /// "exchange once" step of refresh-token rotation. The shipped stores do this atomically
    /// (two concurrent calls never both get `true`); this default is not atomic.
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
            Err(StoreError(
                "this store cannot revoke all tokens of a subject".into(),
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
    /// (issued at or before the subject's cutoff). The default asks the methods above in turn.
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
            if let (Some(subject), Some(iat)) = (&token.subject, token.issued_at) {
                if let Some(cutoff) = self.subject_revoked_up_to(subject).await? {
                    return Ok(iat <= cutoff);
                }
            }
            Ok(false)
        })
    }

    /// Revokes the token with these claims (its `jti`) until it expires (its `exp`).
    fn revoke_claims<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let jti = claims.jti().ok_or_else(|| {
                StoreError("the token has no `jti` claim, it cannot be revoked".into())
            })?;
            self.revoke(jti, claims.exp().map(from_unix)).await
        })
    }
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

    fn revoke_claims<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).revoke_claims(claims)
    }
}

/// Revokes the token with these claims in the revocation store of the current request's
/// [`JwtManager`] (logout), waiting at most the manager's revocation timeout.
///
/// Fails with 503 when the store cannot answer, and with 500 when the manager has no store.
pub async fn revoke_token(claims: &Claims) -> Result<(), JwtError> {
    let manager = JwtManager::current().ok_or_else(JwtError::no_manager)?;
    let store = store_of(&manager)?;
    within(manager.revocation_timeout(), store.revoke_claims(claims)).await
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
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(StoreError("no answer in time".into()).into()),
    }
}

/// Whole Unix seconds of `t` (negative before 1970).
pub(crate) fn to_unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The instant of `secs` Unix seconds.
pub(crate) fn from_unix(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}
