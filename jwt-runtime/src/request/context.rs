//! The task-local context of a verified request, and the readers Flask offers on it:
//! `get_jwt()`, `get_jwt_header()`, `get_jwt_identity()`, `get_jwt_request_location()` and
//! `current_user::<U>()`.
//!
//! `#[jwt_required]` and `JwtRequired` open the context around the handler's body, so the
//! readers work anywhere in it, across `.await`s and in async functions it calls. Behind the
//! extractors (`Jwt`, `OptionalJwt`, `CurrentUser`) the readers find the token through the
//! manager's middleware (`.wrap(jwt)`), which keeps one slot per request. Tasks spawned with
//! `tokio::spawn` / `actix_web::rt::spawn` do **not** inherit either: read what they need first.
//!
//! The typed readers ([`get_jwt_as`], [`get_jwt_identity_as`]) deserialize the claims once per
//! request and type; later calls share the value.
//!
//! Where Flask raises `RuntimeError` (a reader used outside any verification) the plain readers
//! panic with Flask's message; each has a `try_` twin returning a `Result` instead. An OPTIONS
//! request let through by `exempt_options(true)` reads as an optional route without a token
//! (Flask raises there too, but a handler actix routes every method to must not panic).

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::foundation::claims::{claim_as, Claims, JwtHeader};
use crate::foundation::config::TokenLocation;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::loaders::callbacks::AnyUser;
use crate::manager::JwtManager;
use crate::request::shared::SharedVerification;

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
    /// The claims as the types asked for so far, each deserialized once.
    typed: Mutex<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>,
}

impl RequestContext {
    pub(crate) fn new(manager: JwtManager, jwt: Option<VerifiedJwt>) -> Self {
        RequestContext {
            manager,
            jwt,
            typed: Mutex::new(Vec::new()),
        }
    }

    /// Runs `fut` with this context visible to the readers, and with its manager current, so
    /// that the token functions and the revocation helpers use the manager that verified the
    /// token: also when the app is not wrapped with one, or is wrapped with another.
    pub(crate) async fn scope<F: Future>(self: Arc<Self>, fut: F) -> F::Output {
        let current = JwtManager::current();
        let manager = (!current.is_some_and(|current| current.is_same(&self.manager)))
            .then(|| self.manager.clone());
        let fut = JWT_CONTEXT.scope(self, fut);
        match manager {
            None => fut.await,
            Some(manager) => manager.scope(fut).await,
        }
    }

    /// The claims as `C`, deserialized on the first call for `C` and shared afterwards; the
    /// empty object in an optional route without a token (what `get_jwt()` returns there). A
    /// type that does not fit is a `Decode` error (Flask's 422) naming the claim.
    pub(crate) fn claims_as<C>(&self) -> Result<Arc<C>, JwtError>
    where
        C: DeserializeOwned + Send + Sync + 'static,
    {
        let empty;
        let claims = match &self.jwt {
            Some(jwt) => &jwt.claims,
            None => {
                empty = Claims::default();
                &empty
            }
        };
        // `Claims` itself needs no deserializing: a copy shares the map.
        if TypeId::of::<C>() == TypeId::of::<Claims>() {
            let copy: Box<dyn Any> = Box::new(claims.clone());
            if let Ok(copy) = copy.downcast::<C>() {
                return Ok(Arc::from(copy));
            }
        }
        let id = TypeId::of::<C>();
        let found = self.typed_cache().iter().find(|(t, _)| *t == id).cloned();
        if let Some((_, any)) = found {
            if let Ok(typed) = any.downcast::<C>() {
                return Ok(typed);
            }
        }
        let typed = Arc::new(claims.deserialize::<C>()?);
        self.typed_cache().push((id, typed.clone()));
        Ok(typed)
    }

    fn typed_cache(&self) -> std::sync::MutexGuard<'_, Vec<(TypeId, Arc<dyn Any + Send + Sync>)>> {
        // A panic while the lock was held left nothing half-written: the list stays usable.
        self.typed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The context of the running handler: the one `#[jwt_required]` or `JwtRequired` opened, else
/// the one an extractor verified for this request (found through the manager's middleware).
fn with_context<R>(f: impl FnOnce(&RequestContext) -> R) -> Result<R, JwtError> {
    let context = JWT_CONTEXT
        .try_with(Arc::clone)
        .ok()
        .or_else(SharedVerification::current_context)
        .ok_or_else(|| JwtError::new(JwtErrorKind::NoContext, NO_CONTEXT))?;
    Ok(f(&context))
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

/// The claims of the current token as your own type: deserialized once per request, then
/// shared. A type that does not fit the token is a 422 error naming the claim, rendered as
/// Flask renders an invalid token, so `?` in a handler answers the client. Outside any
/// verification it is an error of kind `NoContext` (where [`get_jwt`] panics).
///
/// In an optional route that got no token the claims are the empty object, as [`get_jwt`]
/// returns: a type whose fields are all optional (or defaulted) reads as empty.
///
/// ```
/// use actix_web::HttpResponse;
/// use actix_jwt_extended::{get_jwt_as, JwtError};
///
/// #[derive(serde::Deserialize)]
/// struct Roles {
///     roles: Vec<String>,
/// }
///
/// // The body of a handler behind `#[jwt_required]`, `JwtRequired` or an extractor.
/// async fn admin_only() -> Result<HttpResponse, JwtError> {
///     let claims = get_jwt_as::<Roles>()?;
///     Ok(match claims.roles.iter().any(|role| role == "admin") {
///         true => HttpResponse::Ok().finish(),
///         false => HttpResponse::Forbidden().finish(),
///     })
/// }
/// ```
pub fn get_jwt_as<C>() -> Result<Arc<C>, JwtError>
where
    C: DeserializeOwned + Send + Sync + 'static,
{
    with_context(|ctx| {
        ctx.claims_as::<C>()
            .map_err(|e| e.with_manager(&ctx.manager))
    })?
}

/// The identity of the current token (the value of `JWT_IDENTITY_CLAIM`) as your own type, e.g.
/// `get_jwt_identity_as::<i64>()` or a `Uuid`. In an optional route that got no token the
/// identity is JSON `null`, which `Option<T>` reads as `None`. A type that does not fit is a 422
/// error; outside any verification an error of kind `NoContext`.
pub fn get_jwt_identity_as<T: DeserializeOwned>() -> Result<T, JwtError> {
    with_context(|ctx| {
        let identity_claim = &ctx.manager.config().identity_claim;
        let identity = ctx
            .jwt
            .as_ref()
            .and_then(|jwt| jwt.claims.get(identity_claim));
        claim_as(identity_claim, identity.unwrap_or(&Value::Null))
            .map_err(|e| e.with_manager(&ctx.manager))
    })?
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
