//! What the criterion bench and the bench server share: the keys, the managers under test and
//! the hand-written baseline a careful engineer would write with `jsonwebtoken` alone.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{MemoryStore, RevocationStore};
use actix_jwt_extended::{Algorithm, JwtConfig, JwtManager, JwtManagerBuilder};
use jsonwebtoken::{DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};

/// The HMAC secret of every HS256 manager and baseline.
pub const SECRET: &str = "bench-secret-do-not-use-in-production";
/// RSA-2048 test key pair, generated with openssl into `benches/keys/`.
pub const RS256_PRIVATE_PEM: &str = include_str!("../keys/rs256_private.pem");
/// The public half of [`RS256_PRIVATE_PEM`].
pub const RS256_PUBLIC_PEM: &str = include_str!("../keys/rs256_public.pem");

/// Lifetime of the tokens the benches use: long enough for any run.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The HS256 manager: Flask's defaults (headers only, CSRF claim in every token).
pub fn hs256_manager() -> JwtManager {
    JwtManager::builder(JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    })
    .ignore_registered_loaders()
    .build()
    .expect("valid HS256 config")
}

/// The RS256 manager, keys parsed once at start-up.
pub fn rs256_manager() -> JwtManager {
    rs256_builder().build().expect("valid RS256 config")
}

/// The RS256 manager with the opt-in verified-token cache: a client that repeats its token
/// pays the signature check once (`/macro_rs256_cached`).
pub fn rs256_cached_manager() -> JwtManager {
    rs256_builder()
        .verified_token_cache(10_000)
        .build()
        .expect("valid RS256 config")
}

fn rs256_builder() -> JwtManagerBuilder {
    JwtManager::builder(JwtConfig {
        algorithm: Algorithm::RS256,
        private_key: Some(RS256_PRIVATE_PEM.into()),
        public_key: Some(RS256_PUBLIC_PEM.into()),
        ..JwtConfig::default()
    })
    .ignore_registered_loaders()
}

/// The user `/macro_user` loads: trivial, as the target asks.
#[derive(Debug)]
pub struct BenchUser {
    /// The identity.
    pub name: String,
}

/// The HS256 manager of `/macro_user`: a trivial `user_lookup_loader`, and the project's
/// in-memory revocation store (`blocklist::MemoryStore`) with one revoked `jti` in it, so the
/// lookup is not trivially empty.
pub fn hs256_user_manager() -> (JwtManager, MemoryStore) {
    let store = MemoryStore::new();
    let revoked = uuid::Uuid::new_v4().to_string();
    poll_ready(store.revoke(&revoked, Some(SystemTime::now() + TOKEN_LIFETIME)))
        .expect("in-memory revocation");
    let jwt = JwtManager::builder(JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    })
    .ignore_registered_loaders()
    .revocation_store(store.clone())
    .user_lookup_loader(|_header, claims| async move {
        claims
            .get("sub")
            .and_then(|sub| sub.as_str())
            .map(|name| BenchUser {
                name: name.to_owned(),
            })
    })
    .build()
    .expect("valid HS256 config");
    (jwt, store)
}

/// An HS256 manager (same secret as [`hs256_manager`], so its tokens are accepted) asking
/// `store` about every token, with 10,000 other tokens revoked in it first.
pub async fn hs256_store_manager(store: impl RevocationStore + Clone) -> JwtManager {
    let expires = Some(SystemTime::now() + TOKEN_LIFETIME);
    for _ in 0..10_000 {
        let revoked = uuid::Uuid::new_v4().to_string();
        store.revoke(&revoked, expires).await.expect("revocation");
    }
    JwtManager::builder(JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    })
    .ignore_registered_loaders()
    .revocation_store(store)
    .build()
    .expect("valid HS256 config")
}

/// An access token of `jwt` for the identity `bench-user`, valid for [`TOKEN_LIFETIME`].
pub fn access_token(jwt: &JwtManager) -> String {
    jwt.create_access_token("bench-user")
        .expires_in(TOKEN_LIFETIME)
        .finish()
        .expect("token")
}

/// The claims a Flask-JWT-Extended access token carries, as a careful engineer types them.
#[derive(Debug, Serialize, Deserialize)]
pub struct HandClaims {
    /// Identity.
    pub sub: String,
    /// Expiry (required).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// `access` or `refresh`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Freshness.
    pub fresh: bool,
    /// CSRF double-submit value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
}

/// The hand-written check: a prebuilt key and a `Validation` equivalent to Flask's decoding
/// (no leeway, `exp` and `nbf` checked, `sub` required, no audience check).
pub struct HandVerifier {
    /// The prebuilt key.
    pub key: DecodingKey,
    /// The prebuilt validation.
    pub validation: Validation,
}

impl HandVerifier {
    /// The HS256 baseline.
    pub fn hs256() -> Self {
        Self::new(
            DecodingKey::from_secret(SECRET.as_bytes()).expect("secret"),
            jsonwebtoken::Algorithm::HS256,
        )
    }

    /// The RS256 baseline.
    pub fn rs256() -> Self {
        Self::new(
            DecodingKey::from_rsa_pem(RS256_PUBLIC_PEM.as_bytes()).expect("public key"),
            jsonwebtoken::Algorithm::RS256,
        )
    }

    fn new(key: DecodingKey, algorithm: jsonwebtoken::Algorithm) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::from(["exp".to_owned(), "sub".to_owned()]);
        Self { key, validation }
    }

    /// Verifies a bare token and checks it is an access token.
    pub fn verify(&self, token: &str) -> Option<HandClaims> {
        let data = jsonwebtoken::decode::<HandClaims>(token, &self.key, &self.validation).ok()?;
        (data.claims.kind == "access").then_some(data.claims)
    }

    /// The whole hand-written route check: `Authorization: Bearer <JWT>`, then [`verify`](Self::verify).
    pub fn verify_header(&self, authorization: Option<&[u8]>) -> Option<HandClaims> {
        let value = std::str::from_utf8(authorization?).ok()?;
        self.verify(value.strip_prefix("Bearer ")?)
    }
}

/// Hand-written token creation: the same claims, a prebuilt key, `jsonwebtoken::encode`.
pub struct HandSigner {
    key: EncodingKey,
    header: jsonwebtoken::Header,
}

impl HandSigner {
    /// The HS256 signer.
    pub fn hs256() -> Self {
        Self {
            key: EncodingKey::from_secret(SECRET.as_bytes()).expect("secret"),
            header: jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        }
    }

    /// The RS256 signer.
    pub fn rs256() -> Self {
        Self {
            key: EncodingKey::from_rsa_pem(RS256_PRIVATE_PEM.as_bytes()).expect("private key"),
            header: jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        }
    }

    /// A token with Flask's claim set for `sub` (fresh `jti` and `csrf`, as our tokens have).
    pub fn sign(&self, sub: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64;
        let claims = HandClaims {
            sub: sub.to_owned(),
            exp: now + TOKEN_LIFETIME.as_secs() as i64,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            kind: "access".to_owned(),
            fresh: false,
            csrf: Some(uuid::Uuid::new_v4().to_string()),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.key).expect("sign")
    }
}

/// Polls a future that is expected to be ready without waiting (no I/O in the benched paths).
pub fn poll_ready<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
