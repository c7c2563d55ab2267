//! Flask's token functions, for the manager of the current request: `create_access_token` /
//! `create_refresh_token` start a [`TokenBuilder`] (which may be given another manager),
//! `decode_token` (and `decode_token_with_csrf`, its `csrf_value` form), `get_jti` and `get_csrf_token` decode with the manager's config, keys and
//! loaders.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::foundation::claims::{to_object, Claims};
use crate::foundation::error::{decode_error, JwtError, JwtErrorKind};
use crate::manager::JwtManager;
use crate::tokens::encode::{Expiry, Freshness, TokenKind, TokenSpec};

/// Starts an access token for `identity` (Flask's `create_access_token`); finish it with
/// [`TokenBuilder::finish`].
///
/// The identity goes through the `user_identity_loader` (default: unchanged) into the
/// `JWT_IDENTITY_CLAIM` claim. Inside a request of an app wrapped with the
/// [`JwtManager`], `finish()` finds the manager by itself ([`JwtManager::current`]: in a
/// verified request, the manager that verified it); elsewhere call
/// [`TokenBuilder::manager`] or start from [`JwtManager::create_access_token`].
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::{create_access_token, JwtConfig, JwtManager};
///
/// let jwt = JwtManager::new(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })?;
/// let token = create_access_token("ann")
///     .fresh(true)
///     .expires_in(Duration::from_secs(3600))
///     .additional_claims(serde_json::json!({"roles": ["admin"]}))
///     .manager(&jwt)
///     .finish()?;
/// assert_eq!(jwt.decode_token(&token, false)?["roles"][0], "admin");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_access_token(identity: impl Serialize) -> TokenBuilder {
    TokenBuilder::new(TokenKind::Access, identity)
}

/// Starts a refresh token for `identity` (Flask's `create_refresh_token`); refresh tokens are
/// never fresh.
pub fn create_refresh_token(identity: impl Serialize) -> TokenBuilder {
    TokenBuilder::new(TokenKind::Refresh, identity)
}

/// A token being built: set what differs from the config, then [`finish`](Self::finish).
#[must_use = "a token builder does nothing until `.finish()`"]
#[derive(Clone)]
pub struct TokenBuilder {
    spec: TokenSpec,
    manager: Option<JwtManager>,
    error: Option<String>,
}

impl std::fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TokenSpec {
            kind,
            identity,
            fresh,
            expires,
            claims,
            headers,
        } = &self.spec;
        f.debug_struct("TokenBuilder")
            .field("kind", kind)
            .field("identity", identity)
            .field("fresh", fresh)
            .field("expires", expires)
            .field("claims", claims)
            .field("headers", headers)
            .field("manager", &self.manager)
            .field("error", &self.error)
            .finish()
    }
}

impl TokenBuilder {
    fn new(kind: TokenKind, identity: impl Serialize) -> Self {
        let (identity, error) = match serde_json::to_value(identity) {
            Ok(value) => (value, None),
            Err(e) => (
                Value::Null,
                Some(format!("identity cannot be serialised: {e}")),
            ),
        };
        Self {
            spec: TokenSpec::new(kind, identity),
            manager: None,
            error,
        }
    }

    /// Marks an access token fresh (`fresh: true`) or not (the default).
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.spec.fresh = if fresh { Freshness::Yes } else { Freshness::No };
        self
    }

    /// Makes an access token fresh for `duration` from now (`fresh` is then a timestamp); at
    /// most [`JwtConfig::MAX_LIFETIME`](crate::JwtConfig::MAX_LIFETIME), else `finish()` fails.
    pub fn fresh_for(mut self, duration: Duration) -> Self {
        self.spec.fresh = Freshness::For(duration);
        self
    }

    /// Makes an access token fresh until `instant` (which may be in the past, and at most
    /// [`JwtConfig::MAX_LIFETIME`](crate::JwtConfig::MAX_LIFETIME) ahead).
    pub fn fresh_until(mut self, instant: SystemTime) -> Self {
        self.spec.fresh = Freshness::Until(instant);
        self
    }

    /// Expires the token `duration` from now instead of after the configured lifetime.
    /// As in Flask, a zero duration means the token never expires. At most
    /// [`JwtConfig::MAX_LIFETIME`](crate::JwtConfig::MAX_LIFETIME), else `finish()` fails.
    pub fn expires_in(mut self, duration: Duration) -> Self {
        self.spec.expires = Expiry::In(duration);
        self
    }

    /// Expires the token at `instant`; an instant in the past makes an expired token. At most
    /// [`JwtConfig::MAX_LIFETIME`](crate::JwtConfig::MAX_LIFETIME) ahead, else `finish()` fails.
    pub fn expires_at(mut self, instant: SystemTime) -> Self {
        self.spec.expires = Expiry::At(instant);
        self
    }

    /// Writes no `exp` claim: the token never expires (Flask's `expires_delta=False`).
    pub fn never_expires(mut self) -> Self {
        self.spec.expires = Expiry::Never;
        self
    }

    /// Adds claims from any serde value that serialises to a JSON object; they win over the
    /// standard claims and over the `additional_claims_loader`, as in Flask.
    pub fn additional_claims(mut self, claims: impl Serialize) -> Self {
        match to_object(claims, "additional claims") {
            Ok(map) => self.spec.claims.extend(map),
            Err(e) => self.error = self.error.or(Some(e)),
        }
        self
    }

    /// Adds one claim.
    pub fn claim(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.spec.claims.insert(key.into(), value);
            }
            Err(e) => {
                self.error = self
                    .error
                    .or(Some(format!("claim cannot be serialised: {e}")))
            }
        }
        self
    }

    /// Adds JWT headers from a serde value that serialises to a JSON object (Flask's
    /// `additional_headers`); they win over the `additional_headers_loader`.
    pub fn additional_headers(mut self, headers: impl Serialize) -> Self {
        match to_object(headers, "additional headers") {
            Ok(map) => self.spec.headers.extend(map),
            Err(e) => self.error = self.error.or(Some(e)),
        }
        self
    }

    /// Uses `manager` instead of the one of the current request.
    pub fn manager(mut self, manager: &JwtManager) -> Self {
        self.manager = Some(manager.clone());
        self
    }

    /// Signs the token and returns its compact form.
    pub fn finish(self) -> Result<String, JwtError> {
        if let Some(message) = self.error {
            return Err(JwtError::new(JwtErrorKind::Encode, message));
        }
        let manager = match &self.manager {
            Some(manager) => manager.clone(),
            None => JwtManager::current_or_error()?,
        };
        self.spec
            .encode(manager.config(), manager.keys(), manager.callbacks())
            .map_err(|e| e.with_manager(&manager))
    }
}

/// Decodes and verifies `token` with the current request's manager (Flask's `decode_token`);
/// `allow_expired` skips only the expiry check. See [`JwtManager::decode_token`] to name the
/// manager. Returned from a handler, the error renders as Flask's response (e.g. the expired
/// token loader's).
pub fn decode_token(token: &str, allow_expired: bool) -> Result<Claims, JwtError> {
    JwtManager::current_or_error()?.decode_token(token, allow_expired)
}

/// Decodes and verifies `token` like [`decode_token`], then checks its `csrf` claim against
/// `csrf_value`, the double-submit value the client sent (Flask's
/// `decode_token(encoded_token, csrf_value=..., allow_expired=...)`).
///
/// A token without a `csrf` claim fails with `Missing claim: csrf` ([`JwtErrorKind::Decode`]),
/// a different value with `CSRF double submit tokens do not match` ([`JwtErrorKind::Csrf`]);
/// the comparison takes constant time. Flask skips the check for an empty `csrf_value`; here
/// an empty value is compared like any other, so a missing header cannot turn the check off.
/// See [`JwtManager::decode_token_with_csrf`] to name the manager.
pub fn decode_token_with_csrf(
    token: &str,
    csrf_value: &str,
    allow_expired: bool,
) -> Result<Claims, JwtError> {
    JwtManager::current_or_error()?.decode_token_with_csrf(token, csrf_value, allow_expired)
}

/// The `jti` of a valid token (Flask's `get_jti`): its unique id, used for revocation.
pub fn get_jti(token: &str) -> Result<Option<String>, JwtError> {
    Ok(decode_token(token, false)?.jti().map(str::to_owned))
}

/// The `csrf` claim of a valid token (Flask's `get_csrf_token`): the double-submit value.
pub fn get_csrf_token(token: &str) -> Result<String, JwtError> {
    decode_token(token, false)?
        .csrf()
        .map(str::to_owned)
        .ok_or_else(|| decode_error("Missing claim: csrf"))
}
