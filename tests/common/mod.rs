//! Helpers shared by the integration tests.
#![allow(dead_code)]

use actix_jwt_extended::{JwtConfig, JwtManager};
use serde_json::Value;

/// The secret of upstream's test fixtures.
pub const SECRET: &str = "foobarbaz";

/// Upstream's default test config: `JWT_SECRET_KEY = "foobarbaz"`, everything else default.
pub fn config() -> JwtConfig {
    JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    }
}

/// A manager over [`config`].
pub fn manager() -> JwtManager {
    JwtManager::new(config()).expect("valid test config")
}

/// A token signed with `secret` (HS256) whose payload is exactly `payload`, as upstream's
/// tests make with `jwt.encode`.
pub fn sign_raw(payload: &Value, secret: &str) -> String {
    sign_raw_with(payload, secret, jsonwebtoken::Algorithm::HS256)
}

/// [`sign_raw`] with another HMAC algorithm.
pub fn sign_raw_with(payload: &Value, secret: &str, algorithm: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(algorithm),
        payload,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// `("Authorization", "Bearer <token>")`.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
