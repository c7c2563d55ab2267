//! The loader callbacks of Flask-JWT-Extended, each with Flask's default behaviour.
//!
//! Set them on [`JwtManagerBuilder`](crate::JwtManagerBuilder). Callbacks that may do I/O
//! (blocklist, claims verification, user lookup) are async; token-creation and response
//! callbacks are plain functions, as in Flask.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::claims::{Claims, JwtHeader};
use crate::error::{JwtError, JwtErrorKind};
use crate::keys::SigningKey;
use crate::manager::JwtManager;

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

/// Every loader slot; `None` means Flask's default.
#[derive(Clone, Default)]
pub(crate) struct Callbacks {
    pub(crate) user_identity: Option<IdentityFn>,
    pub(crate) additional_claims: Option<MapFn>,
    pub(crate) additional_headers: Option<MapFn>,
    pub(crate) encode_key: Option<EncodeKeyFn>,
    pub(crate) decode_key: Option<DecodeKeyFn>,
    pub(crate) token_in_blocklist: Option<CheckFn>,
    pub(crate) token_verification: Option<CheckFn>,
    pub(crate) user_lookup: Option<UserFn>,
    pub(crate) unauthorized: Option<MessageResponseFn>,
    pub(crate) invalid_token: Option<MessageResponseFn>,
    pub(crate) expired_token: Option<TokenResponseFn>,
    pub(crate) needs_fresh_token: Option<TokenResponseFn>,
    pub(crate) revoked_token: Option<TokenResponseFn>,
    pub(crate) token_verification_failed: Option<TokenResponseFn>,
    pub(crate) user_lookup_error: Option<TokenResponseFn>,
}

impl Callbacks {
    pub(crate) fn user_identity(&self, identity: &Value) -> Result<Value, JwtError> {
        match &self.user_identity {
            Some(f) => f(identity),
            None => Ok(identity.clone()),
        }
    }

    pub(crate) fn additional_claims(
        &self,
        identity: &Value,
    ) -> Result<Map<String, Value>, JwtError> {
        self.additional_claims
            .as_ref()
            .map_or_else(|| Ok(Map::new()), |f| f(identity))
    }

    pub(crate) fn additional_headers(
        &self,
        identity: &Value,
    ) -> Result<Map<String, Value>, JwtError> {
        self.additional_headers
            .as_ref()
            .map_or_else(|| Ok(Map::new()), |f| f(identity))
    }

    /// The signing key of a new token: the `encode_key_loader`'s, else the key set's current
    /// key (whose `kid` goes into `header`), else the configured secret or private key.
    pub(crate) fn encode_key<'m>(
        &self,
        manager: &'m JwtManager,
        identity: &Value,
        header: &mut Map<String, Value>,
    ) -> Result<SigningKey<'m>, JwtError> {
        match &self.encode_key {
            Some(f) => f(identity).map(SigningKey::Other),
            None => manager
                .keys()
                .signing_key(manager.config().algorithm, header),
        }
    }

    /// The `decode_key_loader`'s key for a token (unverified header and payload), or `None`
    /// when no loader is set and the manager's keys decide.
    pub(crate) fn decode_key(
        &self,
        header: &Map<String, Value>,
        payload: &Map<String, Value>,
    ) -> Option<Result<DecodingKey, JwtError>> {
        // The loader sees attacker-chosen headers (`kid`): a panic in it refuses this request
        // (500) instead of tearing down the connection.
        self.decode_key.as_ref().map(|f| {
            let (header, claims) = (JwtHeader::new(header.clone()), Claims::new(payload.clone()));
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&header, &claims)))
                .unwrap_or_else(|_| {
                    Err(JwtError::internal("the decode_key_loader failed").with_detail("panicked"))
                })
        })
    }

    /// The response for `error`: the matching loader's, or Flask's default.
    pub(crate) fn respond(&self, manager: &JwtManager, error: &JwtError) -> HttpResponse {
        let key = &manager.config().error_message_key;
        let mut response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.respond_unguarded(manager, error)
        }))
        .unwrap_or_else(|_| {
            default_response(&JwtError::internal("the error response loader failed"), key)
        });
        if response.status().is_server_error() {
            log::error!(
                "{}{}",
                error.message(),
                error.detail().map(|d| format!(": {d}")).unwrap_or_default()
            );
        }
        if manager.www_authenticate() && response.status() == StatusCode::UNAUTHORIZED {
            if let Ok(value) = HeaderValue::from_str(&www_authenticate(error)) {
                response.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }

    fn respond_unguarded(&self, manager: &JwtManager, error: &JwtError) -> HttpResponse {
        let key = &manager.config().error_message_key;
        let by_message = |slot: &Option<MessageResponseFn>| match slot {
            Some(f) => f(error.message()),
            None => default_response(error, key),
        };
        let by_token = |slot: &Option<TokenResponseFn>| match (slot, error.token()) {
            (Some(f), Some((header, claims))) => f(header, claims),
            _ => default_response(error, key),
        };
        use JwtErrorKind::*;
        match error.kind() {
            NoAuthorization | Csrf => by_message(&self.unauthorized),
            InvalidHeader | InvalidQueryParam | Decode | WrongTokenType => {
                by_message(&self.invalid_token)
            }
            Expired => by_token(&self.expired_token),
            NeedsFresh => by_token(&self.needs_fresh_token),
            Revoked => by_token(&self.revoked_token),
            VerificationFailed => by_token(&self.token_verification_failed),
            UserLookup => by_token(&self.user_lookup_error),
            _ => default_response(error, key),
        }
    }
}

/// The RFC 6750 §3 challenge for a 401 caused by `error`.
fn www_authenticate(error: &JwtError) -> String {
    let code = match error.kind() {
        JwtErrorKind::NoAuthorization => return "Bearer".to_owned(),
        JwtErrorKind::NeedsFresh => "insufficient_scope",
        _ => "invalid_token",
    };
    // error_description allows no `"` or `\` (RFC 6750 §3).
    let description: String = error
        .message()
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .collect();
    format!("Bearer error=\"{code}\", error_description=\"{description}\"")
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
        JwtErrorKind::Internal if e.detail().is_none() => failed().with_detail(e.message()),
        _ => e,
    })
}

/// Flask's default error response: `{"<key>": "<message>"}` with the kind's status.
pub(crate) fn default_response(error: &JwtError, key: &str) -> HttpResponse {
    let mut body = Map::new();
    body.insert(key.to_owned(), error.message().into());
    HttpResponse::build(error.kind().default_status()).json(Value::Object(body))
}
