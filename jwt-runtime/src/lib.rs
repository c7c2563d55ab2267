//! The runtime of [actix-jwt-extended](https://docs.rs/actix-jwt-extended): everything that
//! runs. Depend on the `actix-jwt-extended` facade instead of this crate; it re-exports all of
//! this with the attribute macros.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocklist;
mod cache;
pub mod callbacks;
mod claims;
mod config;
mod context;
mod cookies;
mod current_user;
mod decode;
mod error;
mod extract;
mod guard;
#[cfg(feature = "jwks")]
mod jwks;
mod key_set;
mod keys;
mod loader_checks;
mod locations;
mod manager;
mod middleware;
mod prepared_hmac;
mod prepared_public_key;
#[cfg_attr(not(any(feature = "redis", feature = "jwks")), allow(dead_code))]
mod redact;
mod registry;
pub mod test;
mod tokens;
mod verify;

pub use cache::CacheStats;
pub use claims::{Claims, JwtHeader};
pub use config::{is_asymmetric, Algorithm, Audience, JwtConfig, Secret, TokenLocation};
pub use context::{
    current_user, get_jwt, get_jwt_header, get_jwt_identity, get_jwt_request_location,
    try_current_user, try_get_jwt, try_get_jwt_header, try_get_jwt_identity, VerifiedJwt,
};
pub use cookies::{CookieOptions, JwtCookies};
pub use current_user::CurrentUser;
pub use decode::{decode_token, get_csrf_token, get_jti, get_unverified_jwt_headers};
pub use error::{ConfigError, JwtError, JwtErrorKind};
pub use extract::{Access, AnyToken, FreshAccess, Jwt, OptionalJwt, Refresh, TokenRequirement};
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jsonwebtoken::{DecodingKey, EncodingKey};
#[cfg(feature = "jwks")]
pub use jwks::{JwksError, JwksSource, JwksSourceBuilder};
pub use key_set::{KeyError, KeySet};
pub use manager::{JwtManager, JwtManagerBuilder, ManagerMiddleware, DEFAULT_REVOCATION_TIMEOUT};
pub use middleware::{JwtRequired, JwtRequiredMiddleware};
pub use tokens::{create_access_token, create_refresh_token, TokenBuilder, TokenKind};
pub use verify::{verify_jwt_in_request, LocationList, VerifyOptions, JSON_BODY_LIMIT};

/// What generated code uses. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::guard::JwtGuard;
    pub use crate::registry::{Loader, RegisteredLoader};
    pub use crate::verify::{
        FLAG_FRESH, FLAG_NO_VERIFY_TYPE, FLAG_OPTIONAL, FLAG_REFRESH, FLAG_SKIP_REVOCATION,
    };
    pub use inventory;
    /// What the loader attributes generate calls to.
    pub mod loader {
        pub use crate::loader_checks::*;
    }
    /// Packed location code of `headers`.
    pub const LOCATION_HEADERS: u16 = 1;
    /// Packed location code of `cookies`.
    pub const LOCATION_COOKIES: u16 = 2;
    /// Packed location code of `query_string`.
    pub const LOCATION_QUERY_STRING: u16 = 3;
    /// Packed location code of `json`.
    pub const LOCATION_JSON: u16 = 4;
}
