//! The runtime of [actix-jwt-extended](https://docs.rs/actix-jwt-extended): everything that
//! runs. Depend on the `actix-jwt-extended` facade instead of this crate; it re-exports all of
//! this with the attribute macros.
//!
//! # Layout
//!
//! The modules form layers, one folder each, and a module uses only its own layer and the
//! ones below it. A request enters at the top and goes down; read the folders from the top to
//! follow it from the door to the response.
//!
//! | Layer | Folder | What it holds |
//! |---|---|---|
//! | 7 | `doors/` | How a request comes in: the hidden argument `#[jwt_required]` adds (`guard`), the extractors `Jwt` and `OptionalJwt` (`extract`) and `CurrentUser` (`current_user`), the `JwtRequired` scope middleware (`middleware`); the cookie helpers on responses (`cookies`); and the doors told to an OpenAPI document (`openapi`, feature `utoipa`). |
//! | 6 | `request/` | The route's options (`options`), the body, read only when a location needs it and handed on to later extractors (`body`), finding the token (`locations`), the one pipeline every door runs (`pipeline`), and the task-local context `get_jwt()` reads (`context`). |
//! | 5 | `manager/` | `JwtManager` and its builder (`builder`), the manager current for a request (`current`), Flask's token functions (`token_functions`), and how a `JwtError` becomes the app's response (`respond`). |
//! | 4 | `tokens/` | Encoding a token with Flask's claims (`encode`), decoding one in PyJWT's order of checks (`decode`, which needs the config and the keys, not a manager), and the verified-token cache (`cache`). |
//! | 3 | `loaders/` | The fifteen loader callbacks and their defaults (`callbacks`), their registration by attribute (`registry`), the compile-time checks of registered functions (`checks`), and error responses (`responses`). |
//! | 2 | `keys/` | The configured keys, key sets (`key_set`), JWKS sources (`jwks`), keys prepared for the fast paths, constant-time comparison. |
//! | 1 | `foundation/` | `JwtError` (which knows no manager: an app renders it through the `Renderer` it carries), the claims, the compact token form, the config, time and redaction helpers. |
//!
//! Beside the layers, `blocklist/` holds the revocation stores: the manager keeps one and the
//! pipeline asks it, while its helpers (`revoke_token`, `RefreshRotation`) use the manager
//! and the request context. The unit test in `layers.rs` reads every module's `crate::` paths
//! and fails on one that reaches above its layer.

// docs.rs marks the items of optional features with the feature that enables them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocklist;
mod doors;
mod foundation;
mod keys;
#[cfg(test)]
mod layers;
mod loaders;
mod manager;
mod request;
mod tokens;

/// The loader callbacks of Flask-JWT-Extended, each with Flask's default behaviour.
///
/// Set them on [`JwtManagerBuilder`], or register a function with
/// its attribute (`#[user_lookup_loader]`, ...). Callbacks that may do I/O (blocklist, claims
/// verification, user lookup) are async; token-creation and response callbacks are plain
/// functions, as in Flask.
pub mod callbacks {
    pub use crate::loaders::callbacks::{AnyUser, CheckOutcome, LocalBoxFuture};
}

pub use doors::cookies::{CookieOptions, JwtCookies};
pub use doors::current_user::CurrentUser;
pub use doors::extract::{
    Access, AnyToken, FreshAccess, Jwt, OptionalJwt, Refresh, TokenRequirement,
};
pub use doors::middleware::{JwtRequired, JwtRequiredMiddleware};
#[cfg(feature = "utoipa")]
pub use doors::openapi::JwtSecuritySchemes;
pub use doors::test;
pub use foundation::claims::{Claims, JwtHeader};
pub use foundation::compact::get_unverified_jwt_headers;
pub use foundation::config::{
    is_asymmetric, Algorithm, Audience, JwtConfig, Secret, TokenLocation,
};
pub use foundation::error::{ConfigError, JwtError, JwtErrorKind};
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jsonwebtoken::{DecodingKey, EncodingKey};
#[cfg(feature = "jwks")]
pub use keys::jwks::{JwksError, JwksSource, JwksSourceBuilder};
pub use keys::key_set::{KeyError, KeySet};
pub use manager::builder::JwtManagerBuilder;
pub use manager::current::ManagerMiddleware;
pub use manager::token_functions::{
    create_access_token, create_refresh_token, decode_token, get_csrf_token, get_jti, TokenBuilder,
};
pub use manager::{JwtManager, DEFAULT_REVOCATION_TIMEOUT};
pub use request::body::JSON_BODY_LIMIT;
pub use request::context::{
    current_user, get_jwt, get_jwt_header, get_jwt_identity, get_jwt_request_location,
    try_current_user, try_get_jwt, try_get_jwt_header, try_get_jwt_identity, VerifiedJwt,
};
pub use request::options::{LocationList, VerifyOptions};
pub use request::pipeline::verify_jwt_in_request;
pub use tokens::cache::CacheStats;
pub use tokens::encode::TokenKind;

/// What generated code uses. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::doors::guard::JwtGuard;
    pub use crate::foundation::config::TokenLocation;
    pub use crate::loaders::registry::{Loader, RegisteredLoader};
    pub use crate::request::options::{options_to_bits, VerifyOptions};
    pub use inventory;
    /// What the loader attributes generate calls to.
    pub mod loader {
        pub use crate::loaders::checks::*;
    }
}
