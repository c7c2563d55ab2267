//! Creating tokens: `create_access_token` / `create_refresh_token`, with the claims layout of
//! Flask-JWT-Extended so that tokens are interchangeable with a Flask service sharing the key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::JwtConfig;
use crate::error::{JwtError, JwtErrorKind};
use crate::manager::JwtManager;

/// Which of the two token kinds a builder makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A short-lived token that opens protected routes (`type: "access"`).
    Access,
    /// A long-lived token that only gets new access tokens (`type: "refresh"`).
    Refresh,
}

impl TokenKind {
    /// The `type` claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Expiry {
    FromConfig,
    Never,
    In(Duration),
    At(SystemTime),
}

#[derive(Debug, Clone, Copy)]
enum Freshness {
    No,
    Yes,
    For(Duration),
    Until(SystemTime),
}

/// Starts an access token for `identity` (Flask's `create_access_token`); finish it with
/// [`TokenBuilder::finish`].
///
/// The identity goes through the `user_identity_loader` (default: unchanged) into the
/// `JWT_IDENTITY_CLAIM` claim. Inside a request of an app wrapped with the
/// [`JwtManager`], `finish()` finds the manager by itself; elsewhere call
/// [`TokenBuilder::manager`] or start from [`JwtManager::create_access_token`].
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended_runtime::{create_access_token, JwtConfig, JwtManager};
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
#[derive(Debug, Clone)]
pub struct TokenBuilder {
    kind: TokenKind,
    identity: Value,
    fresh: Freshness,
    expires: Expiry,
    claims: Map<String, Value>,
    headers: Map<String, Value>,
    manager: Option<JwtManager>,
    error: Option<String>,
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
            kind,
            identity,
            fresh: Freshness::No,
            expires: Expiry::FromConfig,
            claims: Map::new(),
            headers: Map::new(),
            manager: None,
            error,
        }
    }

    /// Marks an access token fresh (`fresh: true`) or not (the default).
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = if fresh { Freshness::Yes } else { Freshness::No };
        self
    }

    /// Makes an access token fresh for `duration` from now (`fresh` is then a timestamp); at
    /// most [`JwtConfig::MAX_LIFETIME`], else `finish()` fails.
    pub fn fresh_for(mut self, duration: Duration) -> Self {
        self.fresh = Freshness::For(duration);
        self
    }

    /// Makes an access token fresh until `instant` (which may be in the past, and at most
    /// [`JwtConfig::MAX_LIFETIME`] ahead).
    pub fn fresh_until(mut self, instant: SystemTime) -> Self {
        self.fresh = Freshness::Until(instant);
        self
    }

    /// Expires the token `duration` from now instead of after the configured lifetime.
    /// As in Flask, a zero duration means the token never expires. At most
    /// [`JwtConfig::MAX_LIFETIME`], else `finish()` fails.
    pub fn expires_in(mut self, duration: Duration) -> Self {
        self.expires = Expiry::In(duration);
        self
    }

    /// Expires the token at `instant`; an instant in the past makes an expired token. At most
    /// [`JwtConfig::MAX_LIFETIME`] ahead, else `finish()` fails.
    pub fn expires_at(mut self, instant: SystemTime) -> Self {
        self.expires = Expiry::At(instant);
        self
    }

    /// Writes no `exp` claim: the token never expires (Flask's `expires_delta=False`).
    pub fn never_expires(mut self) -> Self {
        self.expires = Expiry::Never;
        self
    }

    /// Adds claims from any serde value that serialises to a JSON object; they win over the
    /// standard claims and over the `additional_claims_loader`, as in Flask.
    pub fn additional_claims(mut self, claims: impl Serialize) -> Self {
        match to_object(claims, "additional claims") {
            Ok(map) => self.claims.extend(map),
            Err(e) => self.error = self.error.or(Some(e)),
        }
        self
    }

    /// Adds one claim.
    pub fn claim(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.claims.insert(key.into(), value);
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
            Ok(map) => self.headers.extend(map),
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
        self.encode(&manager).map_err(|e| e.with_manager(&manager))
    }

    fn encode(&self, manager: &JwtManager) -> Result<String, JwtError> {
        let config = manager.config();
        let callbacks = manager.callbacks();
        let now = SystemTime::now();
        let now_secs = unix_seconds(now);
        let iat = now_secs.floor() as i64;

        let mut claims = Map::new();
        claims.insert("fresh".into(), self.fresh_claim(now)?);
        claims.insert("iat".into(), iat.into());
        claims.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
        claims.insert("type".into(), self.kind.as_str().into());
        claims.insert(
            config.identity_claim.clone(),
            callbacks.user_identity(&self.identity)?,
        );
        if config.encode_nbf {
            claims.insert("nbf".into(), iat.into());
        }
        if config.cookie_csrf_protect {
            claims.insert("csrf".into(), uuid::Uuid::new_v4().to_string().into());
        }
        if let Some(aud) = &config.encode_audience {
            claims.insert("aud".into(), aud.to_json());
        }
        if let Some(iss) = config.encode_issuer.as_ref().filter(|i| !i.is_empty()) {
            claims.insert("iss".into(), iss.as_str().into());
        }
        if let Some(exp) = self.exp_claim(manager, now)? {
            claims.insert("exp".into(), exp.into());
        }
        claims.extend(callbacks.additional_claims(&self.identity)?);
        claims.extend(self.claims.clone());

        let algorithm = config.algorithm;
        let mut header = Map::new();
        header.insert("alg".into(), format!("{algorithm:?}").into());
        header.insert("typ".into(), "JWT".into());
        header.extend(callbacks.additional_headers(&self.identity)?);
        header.extend(self.headers.clone());
        // Chooses the key and, with a key set, names it in the `kid` header in one step, so a
        // concurrent rotation cannot make them disagree.
        let key = callbacks.encode_key(manager, &self.identity, &mut header)?;
        check_header(&header, algorithm)?;
        let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut token = engine.encode(to_json_bytes(&header)?);
        token.push('.');
        token.push_str(&engine.encode(to_json_bytes(&claims)?));
        let signature = manager.keys().sign(&key, algorithm, token.as_bytes())?;
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }

    fn fresh_claim(&self, now: SystemTime) -> Result<Value, JwtError> {
        if self.kind == TokenKind::Refresh {
            return Ok(false.into());
        }
        Ok(match self.fresh {
            Freshness::No => false.into(),
            Freshness::Yes => true.into(),
            Freshness::For(d) => {
                (unix_seconds(now) + bounded(d, "fresh_for")?.as_secs_f64()).into()
            }
            Freshness::Until(t) => {
                bounded(ahead(now, t), "fresh_until")?;
                unix_seconds(t).into()
            }
        })
    }

    fn exp_claim(&self, manager: &JwtManager, now: SystemTime) -> Result<Option<i64>, JwtError> {
        let lifetime = match self.expires {
            Expiry::Never => None,
            Expiry::At(t) => {
                bounded(ahead(now, t), "expires_at")?;
                return Ok(Some(unix_seconds(t).floor() as i64));
            }
            Expiry::In(d) => Some(bounded(d, "expires_in")?),
            Expiry::FromConfig => match self.kind {
                TokenKind::Access => manager.config().access_token_expires,
                TokenKind::Refresh => manager.config().refresh_token_expires,
            },
        };
        // Flask treats a zero lifetime as falsy: no `exp` at all.
        Ok(lifetime
            .filter(|d| !d.is_zero())
            .map(|d| (unix_seconds(now) + d.as_secs_f64()).floor() as i64))
    }
}

/// How far `instant` is ahead of `now` (zero when it is not).
fn ahead(now: SystemTime, instant: SystemTime) -> Duration {
    instant.duration_since(now).unwrap_or_default()
}

/// `lifetime`, unless it is longer than [`JwtConfig::MAX_LIFETIME`]: an expiry that far away
/// overflows the time arithmetic of cookies and revocation stores.
fn bounded(lifetime: Duration, method: &str) -> Result<Duration, JwtError> {
    if lifetime <= JwtConfig::MAX_LIFETIME {
        return Ok(lifetime);
    }
    Err(JwtError::new(
        JwtErrorKind::Encode,
        format!(
            "`{method}` is {} s ahead, more than 100 years (`JwtConfig::MAX_LIFETIME`)",
            lifetime.as_secs()
        ),
    ))
}

fn check_header(
    header: &Map<String, Value>,
    algorithm: jsonwebtoken::Algorithm,
) -> Result<(), JwtError> {
    if header.get("alg") != Some(&Value::from(format!("{algorithm:?}"))) {
        return Err(JwtError::new(
            JwtErrorKind::Encode,
            "the `alg` header cannot be changed through additional headers; set JWT_ALGORITHM",
        ));
    }
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(JwtError::new(
            JwtErrorKind::Encode,
            "Key ID header parameter must be a string",
        ));
    }
    Ok(())
}

pub(crate) fn to_object(value: impl Serialize, what: &str) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(format!("{what} must be a JSON object, not `{other}`")),
        Err(e) => Err(format!("{what} cannot be serialised: {e}")),
    }
}

fn to_json_bytes(map: &Map<String, Value>) -> Result<Vec<u8>, JwtError> {
    serde_json::to_vec(map).map_err(|e| JwtError::new(JwtErrorKind::Encode, e.to_string()))
}

/// Seconds since the Unix epoch, negative before it.
pub(crate) fn unix_seconds(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}
