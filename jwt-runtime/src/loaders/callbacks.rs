//! The loader callbacks of Flask-JWT-Extended, each with Flask's default behaviour.
//!
//! Set them on [`JwtManagerBuilder`](crate::JwtManagerBuilder). Callbacks that may do I/O
//! (blocklist, claims verification, user lookup) are async; token-creation and response
//! callbacks are plain functions, as in Flask.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::loaders::for_each_loader;

/// A boxed future that need not be `Send` (actix handlers run on one thread per worker).
pub type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// A user loaded by the `user_lookup_loader`, type-erased until `current_user::<U>()`.
pub type AnyUser = Arc<dyn Any + Send + Sync>;

pub(crate) type IdentityFn = Arc<dyn Fn(&Value) -> Result<Value, JwtError> + Send + Sync>;
pub(crate) type MapFn = Arc<dyn Fn(&Value) -> Result<Map<String, Value>, JwtError> + Send + Sync>;
pub(crate) type EncodeKeyFn = Arc<dyn Fn(&Value) -> Result<EncodingKey, JwtError> + Send + Sync>;
pub(crate) type DecodeKeyFn =
    Arc<dyn Fn(&JwtHeader, &Claims) -> Result<DecodingKey, JwtError> + Send + Sync>;
pub(crate) type CheckFn = Arc<
    dyn Fn(&HttpRequest, &JwtHeader, &Claims) -> LocalBoxFuture<Result<bool, JwtError>>
        + Send
        + Sync,
>;
pub(crate) type UserFn = Arc<
    dyn Fn(&HttpRequest, &JwtHeader, &Claims) -> LocalBoxFuture<Result<Option<AnyUser>, JwtError>>
        + Send
        + Sync,
>;
pub(crate) type MessageResponseFn = Arc<dyn Fn(&str) -> HttpResponse + Send + Sync>;
pub(crate) type TokenResponseFn = Arc<dyn Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync>;

/// The result of a yes/no loader: `bool`, or `Result<bool, E>` when the check can fail
/// (a failure refuses the request with a 500 instead of letting the token through).
pub trait CheckOutcome {
    /// The answer, or why there is none.
    fn into_outcome(self) -> Result<bool, JwtError>;
}

impl CheckOutcome for bool {
    fn into_outcome(self) -> Result<bool, JwtError> {
        Ok(self)
    }
}

impl<E: std::fmt::Display> CheckOutcome for Result<bool, E> {
    fn into_outcome(self) -> Result<bool, JwtError> {
        self.map_err(|e| JwtError::internal(e.to_string()))
    }
}

/// The type of a loader's slot, by its category in [`for_each_loader!`].
macro_rules! slot {
    (Identity) => {
        IdentityFn
    };
    (AdditionalClaims) => {
        MapFn
    };
    (AdditionalHeaders) => {
        MapFn
    };
    (EncodeKey) => {
        EncodeKeyFn
    };
    (DecodeKey) => {
        DecodeKeyFn
    };
    (Check) => {
        CheckFn
    };
    (User) => {
        UserFn
    };
    (MessageResponse) => {
        MessageResponseFn
    };
    (TokenResponse) => {
        TokenResponseFn
    };
}

macro_rules! callbacks {
    ($($(#[$doc:meta])* $name:ident $variant:ident: $category:ident { $($messages:tt)* })*) => {
        /// Every loader slot, named after its loader; `None` means Flask's default.
        #[derive(Clone, Default)]
        pub(crate) struct Callbacks {
            $(pub(crate) $name: Option<slot!($category)>,)*
        }
    };
}

for_each_loader!(callbacks);

impl Callbacks {
    /// The identity claim of a new token: the `user_identity_loader`'s, else the identity as
    /// given.
    pub(crate) fn user_identity(&self, identity: &Value) -> Result<Value, JwtError> {
        match &self.user_identity_loader {
            Some(f) => f(identity),
            None => Ok(identity.clone()),
        }
    }

    /// The claims the `additional_claims_loader` adds to a new token, else none.
    pub(crate) fn additional_claims(
        &self,
        identity: &Value,
    ) -> Result<Map<String, Value>, JwtError> {
        self.additional_claims_loader
            .as_ref()
            .map_or_else(|| Ok(Map::new()), |f| f(identity))
    }

    /// The headers the `additional_headers_loader` adds to a new token, else none.
    pub(crate) fn additional_headers(
        &self,
        identity: &Value,
    ) -> Result<Map<String, Value>, JwtError> {
        self.additional_headers_loader
            .as_ref()
            .map_or_else(|| Ok(Map::new()), |f| f(identity))
    }
}

/// The key `loader` (a `decode_key_loader`) chooses for a token, given its unverified header
/// and payload.
pub(crate) fn call_decode_key_loader(
    loader: &DecodeKeyFn,
    header: &Map<String, Value>,
    payload: &Map<String, Value>,
) -> Result<DecodingKey, JwtError> {
    // The loader sees attacker-chosen headers (`kid`): a panic in it refuses this request
    // (500) instead of tearing down the connection.
    let (header, claims) = (JwtHeader::new(header.clone()), Claims::new(payload.clone()));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loader(&header, &claims)))
        .unwrap_or_else(|_| {
            Err(JwtError::internal("the decode_key_loader failed").with_detail("panicked"))
        })
}

/// Calls a loader and runs its future, turning a panic (in either) or a failure of the
/// loader into an `Internal` error naming the loader: a 500 for this request only. What the
/// loader said is kept as the error's detail, for logs, not for the client.
pub(crate) async fn guarded<T>(
    loader: &'static str,
    call: impl FnOnce() -> LocalBoxFuture<Result<T, JwtError>>,
) -> Result<T, JwtError> {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let failed = || JwtError::internal(format!("the {loader} failed"));
    let Ok(mut fut) = catch_unwind(AssertUnwindSafe(call)) else {
        return Err(failed().with_detail("panicked"));
    };
    let outcome = std::future::poll_fn(move |cx| {
        catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)))
            .unwrap_or_else(|_| std::task::Poll::Ready(Err(failed().with_detail("panicked"))))
    })
    .await;
    outcome.map_err(|e| match e.kind() {
        JwtErrorKind::Internal if e.detail().is_none() => failed().with_source(e),
        _ => e,
    })
}
