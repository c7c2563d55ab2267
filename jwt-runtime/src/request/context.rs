//! The task-local context of a verified request, and the readers Flask offers on it:
//! `get_jwt()`, `get_jwt_header()`, `get_jwt_identity()`, `get_jwt_request_location()` and
//! `current_user::<U>()`.
//!
//! `#[jwt_required]` opens the context around the handler's body, so the readers work anywhere
//! in it, across `.await`s and in async functions it calls. Tasks spawned with
//! `tokio::spawn` / `actix_web::rt::spawn` do **not** inherit it: read what they need first.
//!
//! Where Flask raises `RuntimeError` (a reader used outside any verification) the plain readers
//! panic with Flask's message; each has a `try_` twin returning a `Result` instead. An OPTIONS
//! request let through by `exempt_options(true)` reads as an optional route without a token
//! (Flask raises there too, but a handler actix routes every method to must not panic).

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::config::TokenLocation;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::loaders::callbacks::AnyUser;
use crate::manager::JwtManager;

tokio::task_local! {
    static JWT_CONTEXT: Arc<RequestContext>;
}

const NO_CONTEXT: &str =
    "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method";
const NO_USER_LOADER: &str =
    "You must provide a `@jwt.user_lookup_loader` callback to use this method";

/// A token that passed every check of the pipeline, with where it was found and its user.
#[derive(Clone)]
pub struct VerifiedJwt {
    /// The token's header.
    pub header: JwtHeader,
    /// The token's claims, with Flask's defaults filled in.
    pub claims: Claims,
    /// Where the token was found.
    pub location: TokenLocation,
    pub(crate) user: Option<AnyUser>,
}

impl std::fmt::Debug for VerifiedJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedJwt")
            .field("location", &self.location)
            .field("jti", &self.claims.jti())
            .finish_non_exhaustive()
    }
}

/// What the readers see: the verified token, or nothing in an optional route without one.
pub(crate) struct RequestContext {
    pub(crate) manager: JwtManager,
    pub(crate) jwt: Option<VerifiedJwt>,
}

impl RequestContext {
    /// Runs `fut` with this context visible to the readers, and with its manager current when
    /// the app is not wrapped with one, so the token functions find it.
    pub(crate) async fn scope<F: Future>(self, fut: F) -> F::Output {
        let manager = (!JwtManager::is_any_current()).then(|| self.manager.clone());
        let fut = JWT_CONTEXT.scope(Arc::new(self), fut);
        match manager {
            None => fut.await,
            Some(manager) => manager.scope(fut).await,
        }
    }
}

fn with_context<R>(f: impl FnOnce(&RequestContext) -> R) -> Result<R, JwtError> {
    JWT_CONTEXT
        .try_with(|ctx| f(ctx))
        .map_err(|_| JwtError::new(JwtErrorKind::NoContext, NO_CONTEXT))
}

#[track_caller]
fn or_panic<T>(result: Result<T, JwtError>) -> T {
    // A `match`, not `unwrap_or_else`: the panic must sit in this `#[track_caller]` body to
    // report the caller's line.
    match result {
        Ok(value) => value,
        Err(e) => panic!("{}", e.message()),
    }
}

/// The claims of the current token (Flask's `get_jwt()`); empty in an optional route that got
/// no token. Panics outside any verification: see [`try_get_jwt`].
#[track_caller]
pub fn get_jwt() -> Claims {
    or_panic(try_get_jwt())
}

/// [`get_jwt`] returning an error of kind `NoContext` outside any verification.
pub fn try_get_jwt() -> Result<Claims, JwtError> {
    with_context(|ctx| {
        ctx.jwt
            .as_ref()
            .map(|jwt| jwt.claims.clone())
            .unwrap_or_default()
    })
}

/// The header of the current token (Flask's `get_jwt_header()`); empty in an optional route
/// that got no token. Panics outside any verification: see [`try_get_jwt_header`].
#[track_caller]
pub fn get_jwt_header() -> JwtHeader {
    or_panic(try_get_jwt_header())
}

/// [`get_jwt_header`] returning an error outside any verification.
pub fn try_get_jwt_header() -> Result<JwtHeader, JwtError> {
    with_context(|ctx| {
        ctx.jwt
            .as_ref()
            .map(|jwt| jwt.header.clone())
            .unwrap_or_default()
    })
}

/// The identity of the current token, the value of `JWT_IDENTITY_CLAIM` (Flask's
/// `get_jwt_identity()`); `None` in an optional route that got no token. Panics outside any
/// verification: see [`try_get_jwt_identity`].
///
/// ```no_run
/// # use actix_jwt_extended::get_jwt_identity;
/// # use serde_json::json;
/// let body = json!({ "logged_in_as": get_jwt_identity() });
/// ```
#[track_caller]
pub fn get_jwt_identity() -> Option<Value> {
    or_panic(try_get_jwt_identity())
}

/// [`get_jwt_identity`] returning an error outside any verification.
pub fn try_get_jwt_identity() -> Result<Option<Value>, JwtError> {
    with_context(|ctx| {
        ctx.jwt.as_ref().and_then(|jwt| {
            jwt.claims
                .get(&ctx.manager.config().identity_claim)
                .cloned()
        })
    })
}

/// Where the current token was found (Flask's `get_jwt_request_location()`); `None` in an
/// optional route that got no token and outside any verification (never an error, as in Flask).
pub fn get_jwt_request_location() -> Option<TokenLocation> {
    with_context(|ctx| ctx.jwt.as_ref().map(|jwt| jwt.location))
        .ok()
        .flatten()
}

/// The user the `user_lookup_loader` loaded for the current token (Flask's `current_user` /
/// `get_current_user()`); `None` in an optional route that got no token.
///
/// Panics, as Flask raises, outside any verification, when no `user_lookup_loader` is
/// registered, or when `U` is not the type the loader returns; see [`try_current_user`].
#[track_caller]
pub fn current_user<U: Send + Sync + 'static>() -> Option<Arc<U>> {
    or_panic(try_current_user::<U>())
}

/// [`current_user`] returning an error instead of panicking.
pub fn try_current_user<U: Send + Sync + 'static>() -> Result<Option<Arc<U>>, JwtError> {
    with_context(|ctx| {
        let Some(jwt) = &ctx.jwt else {
            return Ok(None);
        };
        user_of(jwt).map(Some)
    })?
}

/// The user of a verified token as `U`; errors as Flask does when no loader is registered.
pub(crate) fn user_of<U: Send + Sync + 'static>(jwt: &VerifiedJwt) -> Result<Arc<U>, JwtError> {
    let Some(user) = &jwt.user else {
        return Err(JwtError::new(
            JwtErrorKind::NoUserLookupLoader,
            NO_USER_LOADER,
        ));
    };
    Arc::clone(user).downcast::<U>().map_err(|_| {
        JwtError::new(
            JwtErrorKind::WrongUserType,
            format!(
                "current_user::<{}>() does not match the type the user_lookup_loader returns",
                std::any::type_name::<U>()
            ),
        )
    })
}
