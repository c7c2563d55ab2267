//! Revocation: the [`RevocationStore`] trait the blocklist check asks when no
//! `token_in_blocklist_loader` is registered (a registered loader wins, as in Flask).

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

/// A boxed `Send` future, the return type of [`RevocationStore`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not answer. The request is then refused (fail closed): a possibly
/// revoked token is never let through.
#[derive(Debug, Clone, thiserror::Error)]
#[error("revocation store unavailable: {0}")]
pub struct StoreError(pub String);

/// Where revoked token ids (`jti`) are kept until the token would have expired anyway.
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes `jti` until `expires_at` (`None`: the token never expires, keep it forever).
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Whether `jti` is revoked.
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
}
