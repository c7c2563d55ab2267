//! Encoding a token with the claims layout of Flask-JWT-Extended, so that tokens are
//! interchangeable with a Flask service sharing the key. The public builder,
//! `create_access_token(..)`, is the manager's (`manager/create.rs`).

use std::time::{Duration, SystemTime};

use base64::Engine;
use serde_json::{Map, Value};

use crate::foundation::config::JwtConfig;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::foundation::time::unix_seconds;
use crate::keys::{Keys, SigningKey};
use crate::loaders::callbacks::Callbacks;

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

/// When a token expires.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expiry {
    FromConfig,
    Never,
    In(Duration),
    At(SystemTime),
}

/// Whether, or until when, an access token is fresh.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Freshness {
    No,
    Yes,
    For(Duration),
    Until(SystemTime),
}

/// What a new token holds beyond what the config and loaders add: its kind, the identity
/// as JSON, its freshness and expiry, and the claims and headers given for it alone.
#[derive(Debug, Clone)]
pub(crate) struct TokenSpec {
    pub(crate) kind: TokenKind,
    pub(crate) identity: Value,
    pub(crate) fresh: Freshness,
    pub(crate) expires: Expiry,
    pub(crate) claims: Map<String, Value>,
    pub(crate) headers: Map<String, Value>,
}

impl TokenSpec {
    /// A token of `kind` for `identity`, with the config's lifetime and no freshness.
    pub(crate) fn new(kind: TokenKind, identity: Value) -> Self {
        Self {
            kind,
            identity,
            fresh: Freshness::No,
            expires: Expiry::FromConfig,
            claims: Map::new(),
            headers: Map::new(),
        }
    }

    /// Signs the token: Flask's claims, then the loaders' claims and headers, then this
    /// token's own, signed with the `encode_key_loader`'s key or the configured one.
    pub(crate) fn encode(
        &self,
        config: &JwtConfig,
        keys: &Keys,
        callbacks: &Callbacks,
    ) -> Result<String, JwtError> {
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
        if let Some(exp) = self.exp_claim(config, now)? {
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
        let key = match &callbacks.encode_key_loader {
            Some(loader) => SigningKey::Other(loader(&self.identity)?),
            None => keys.signing_key(algorithm, &mut header)?,
        };
        check_header(&header, algorithm)?;
        let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut token = engine.encode(to_json_bytes(&header)?);
        token.push('.');
        token.push_str(&engine.encode(to_json_bytes(&claims)?));
        let signature = keys.sign(&key, algorithm, token.as_bytes())?;
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

    fn exp_claim(&self, config: &JwtConfig, now: SystemTime) -> Result<Option<i64>, JwtError> {
        let lifetime = match self.expires {
            Expiry::Never => None,
            Expiry::At(t) => {
                bounded(ahead(now, t), "expires_at")?;
                return Ok(Some(unix_seconds(t).floor() as i64));
            }
            Expiry::In(d) => Some(bounded(d, "expires_in")?),
            Expiry::FromConfig => match self.kind {
                TokenKind::Access => config.access_token_expires,
                TokenKind::Refresh => config.refresh_token_expires,
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

fn to_json_bytes(map: &Map<String, Value>) -> Result<Vec<u8>, JwtError> {
    serde_json::to_vec(map).map_err(|e| JwtError::new(JwtErrorKind::Encode, e.to_string()))
}
