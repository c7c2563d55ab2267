//! Loaders registered by attribute (`#[user_lookup_loader]`, ...), collected at link time as
//! Flask's `@jwt.user_lookup_loader` decorator registers on the manager. A callback set on the
//! [`JwtManagerBuilder`](crate::JwtManagerBuilder) wins over a registered one.

use actix_web::{HttpRequest, HttpResponse};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};
use std::sync::Arc;

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::error::{ConfigError, JwtError};
use crate::loaders::callbacks::{AnyUser, Callbacks, LocalBoxFuture};

type Check = fn(&HttpRequest, &JwtHeader, &Claims) -> LocalBoxFuture<Result<bool, JwtError>>;
type Lookup =
    fn(&HttpRequest, &JwtHeader, &Claims) -> LocalBoxFuture<Result<Option<AnyUser>, JwtError>>;
type ByIdentity<T> = fn(&Value) -> Result<T, JwtError>;
type ByToken = fn(&JwtHeader, &Claims) -> HttpResponse;
type ByMessage = fn(&str) -> HttpResponse;

/// One loader function, in the form the attribute macros generate.
#[derive(Clone, Copy)]
#[allow(missing_docs)]
pub enum Loader {
    UserIdentity(ByIdentity<Value>),
    AdditionalClaims(ByIdentity<Map<String, Value>>),
    AdditionalHeaders(ByIdentity<Map<String, Value>>),
    EncodeKey(ByIdentity<EncodingKey>),
    DecodeKey(fn(&JwtHeader, &Claims) -> Result<DecodingKey, JwtError>),
    TokenInBlocklist(Check),
    TokenVerification(Check),
    UserLookup(Lookup),
    Unauthorized(ByMessage),
    InvalidToken(ByMessage),
    ExpiredToken(ByToken),
    NeedsFreshToken(ByToken),
    RevokedToken(ByToken),
    TokenVerificationFailed(ByToken),
    UserLookupError(ByToken),
}

impl Loader {
    /// Flask's name of the loader, e.g. `user_lookup_loader`.
    pub fn name(&self) -> &'static str {
        match self {
            Loader::UserIdentity(_) => "user_identity_loader",
            Loader::AdditionalClaims(_) => "additional_claims_loader",
            Loader::AdditionalHeaders(_) => "additional_headers_loader",
            Loader::EncodeKey(_) => "encode_key_loader",
            Loader::DecodeKey(_) => "decode_key_loader",
            Loader::TokenInBlocklist(_) => "token_in_blocklist_loader",
            Loader::TokenVerification(_) => "token_verification_loader",
            Loader::UserLookup(_) => "user_lookup_loader",
            Loader::Unauthorized(_) => "unauthorized_loader",
            Loader::InvalidToken(_) => "invalid_token_loader",
            Loader::ExpiredToken(_) => "expired_token_loader",
            Loader::NeedsFreshToken(_) => "needs_fresh_token_loader",
            Loader::RevokedToken(_) => "revoked_token_loader",
            Loader::TokenVerificationFailed(_) => "token_verification_failed_loader",
            Loader::UserLookupError(_) => "user_lookup_error_loader",
        }
    }
}

/// A loader function registered by attribute, with the path of the function for messages.
pub struct RegisteredLoader {
    /// `module::path::function_name` of the registered function.
    pub function: &'static str,
    /// The loader.
    pub loader: Loader,
}

inventory::collect!(RegisteredLoader);

/// Every registered loader, with a `ConfigError` naming both functions when one loader is
/// registered twice.
fn registered() -> Result<Vec<&'static RegisteredLoader>, ConfigError> {
    let mut seen: Vec<&'static RegisteredLoader> = Vec::new();
    for registration in inventory::iter::<RegisteredLoader> {
        let name = registration.loader.name();
        if let Some(first) = seen.iter().find(|r| r.loader.name() == name) {
            let (a, b) = if first.function <= registration.function {
                (first.function, registration.function)
            } else {
                (registration.function, first.function)
            };
            return Err(ConfigError::new(
                name,
                format!("registered twice, by `{a}` and by `{b}`; keep one of them"),
            ));
        }
        seen.push(registration);
    }
    Ok(seen)
}

/// Fills every loader slot the builder left empty with the registered loader, if any.
pub(crate) fn apply(callbacks: &mut Callbacks) -> Result<(), ConfigError> {
    for registration in registered()? {
        fill(callbacks, registration.loader);
    }
    Ok(())
}

fn fill(c: &mut Callbacks, loader: Loader) {
    match loader {
        Loader::UserIdentity(f) => {
            c.user_identity.get_or_insert_with(|| Arc::new(f));
        }
        Loader::AdditionalClaims(f) => {
            c.additional_claims.get_or_insert_with(|| Arc::new(f));
        }
        Loader::AdditionalHeaders(f) => {
            c.additional_headers.get_or_insert_with(|| Arc::new(f));
        }
        Loader::EncodeKey(f) => {
            c.encode_key.get_or_insert_with(|| Arc::new(f));
        }
        Loader::DecodeKey(f) => {
            c.decode_key.get_or_insert_with(|| Arc::new(f));
        }
        Loader::TokenInBlocklist(f) => {
            c.token_in_blocklist.get_or_insert_with(|| Arc::new(f));
        }
        Loader::TokenVerification(f) => {
            c.token_verification.get_or_insert_with(|| Arc::new(f));
        }
        Loader::UserLookup(f) => {
            c.user_lookup.get_or_insert_with(|| Arc::new(f));
        }
        Loader::Unauthorized(f) => {
            c.unauthorized.get_or_insert_with(|| Arc::new(f));
        }
        Loader::InvalidToken(f) => {
            c.invalid_token.get_or_insert_with(|| Arc::new(f));
        }
        Loader::ExpiredToken(f) => {
            c.expired_token.get_or_insert_with(|| Arc::new(f));
        }
        Loader::NeedsFreshToken(f) => {
            c.needs_fresh_token.get_or_insert_with(|| Arc::new(f));
        }
        Loader::RevokedToken(f) => {
            c.revoked_token.get_or_insert_with(|| Arc::new(f));
        }
        Loader::TokenVerificationFailed(f) => {
            c.token_verification_failed
                .get_or_insert_with(|| Arc::new(f));
        }
        Loader::UserLookupError(f) => {
            c.user_lookup_error.get_or_insert_with(|| Arc::new(f));
        }
    }
}
