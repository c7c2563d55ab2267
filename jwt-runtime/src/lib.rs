//! The runtime of [actix-jwt-extended](https://docs.rs/actix-jwt-extended): everything that
//! runs. Depend on the `actix-jwt-extended` facade instead of this crate; it re-exports the
//! public API (what an app names at its root, the plumbing under `dev`) with the attribute
//! macros.
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
//! | 1 | `foundation/` | `JwtError` (which knows no manager: an app renders it through the `Renderer` it carries), the claims, the compact token form, the config, time and redaction helpers, and the `tracing` span and events (`trace`, one module whose functions the other layers call). |
//!
//! Beside the layers, `blocklist/` holds the revocation stores: the manager keeps one and the
//! pipeline asks it, while its helpers (`revoke_token`, `RefreshRotation`) use the manager
//! and the request context. The unit test in `layers.rs` reads every module's `crate::` paths
//! and fails on one that reaches above its layer.
//!
//! # Tracing
//!
//! The crate reports through [`tracing`](https://docs.rs/tracing) alone, with the target
//! `actix_jwt_extended` for all of it (`RUST_LOG=actix_jwt_extended=debug`). Without a
//! `tracing` subscriber, tracing hands the events to the `log` logger, if any, so an app that
//! logs through `log` (`env_logger`, ...) sees them too. The warnings of a risky configuration
//! and the report of a 5xx response are always emitted; the span and the other events need the
//! `tracing` feature (on by default). No span or event carries a token, a key or a secret.
//!
//! | Name | Level | When | Fields |
//! |---|---|---|---|
//! | span `verify_jwt` | `debug` | around every verification (`#[jwt_required]`, an extractor, `JwtRequired` or `verify_jwt_in_request`) | `route` (matched pattern, else path), `method`, `locations` (searched, e.g. `headers,cookies`) |
//! | `refused` | `debug`; `info` for [`Revoked`](JwtErrorKind::Revoked); `error` for [`RevocationUnavailable`](JwtErrorKind::RevocationUnavailable) and [`Internal`](JwtErrorKind::Internal) (a loader failed) | a verification refuses the request: one event, inside the span | `kind` ([`JwtErrorKind`]), `status`, `route`, `locations`, `jti` and `sub` (the identity claim) when the token was decoded, `cause` (the error's [`detail`](JwtError::detail)); the message is Flask's |
//! | `refresh_refused` | `info` | [`RefreshRotation::refresh`](blocklist::RefreshRotation::refresh) refuses a refresh token: `reused` (its family is revoked now) or revoked | `kind`, `reused`, `jti`, `family`, `sub` |
//! | `revocation_store_failed` | `error` | a revocation helper ([`blocklist::revoke_token`], [`blocklist::RefreshRotation`]) got no answer from the store | `kind`, `cause` |
//! | `jwks_refresh_failed` | `warn` | a `JwksSource` fetch failed; the cached keys stay in use | `url` (password redacted), `cause`, `failures` (in a row) |
//! | `jwks_refreshed` | `debug` | a `JwksSource` fetched its keys | `url`, `keys` |
//! | `server_error` | `error` | a response with a 5xx status is sent, but for the 503 of signing keys not fetched yet (`jwks_refresh_failed` reports those); with the feature, a verification's 5xx is also its `refused` event; always emitted | `kind`, `status`, `cause` (the detail the client does not see) |
//! | `weak_hmac_secret` | `warn` | at start-up (or [`KeySet::insert_secret`]): an HMAC secret is shorter than its algorithm's hash output (RFC 7518 §3.2); always emitted | `secret` (the option, e.g. `JWT_SECRET_KEY`, or the `kid`; never the secret), `algorithm`, `length`, `required` |
//! | `insecure_cookies` | `warn` | at start-up: cookies are a token location while `cookie_secure` is off (Flask's default); always emitted | |
//! | `eviction_policy_unchecked` | `warn` | a Redis store connects with `RedisOptions::skip_eviction_policy_check` (feature `redis`); always emitted | `redis` (which Redis: its URL, password redacted) |
//!
//! Cost: with no subscriber interested, each event and the span are tracing's static callsite
//! check; the route is looked up and the fields formatted only for an enabled event. Without
//! the feature the span and the per-request events compile to nothing.
//!
//! # Cargo features
//!
//! | Feature | Default | Adds |
//! |---|---|---|
//! | `aws_lc_rs` | yes | the aws-lc crypto backend |
//! | `rust_crypto` | no | the pure-Rust RustCrypto backend |
//! | `redis` | no | `blocklist::RedisStore`, `blocklist::CachedRedisStore` |
//! | `sqlx-sqlite` | no | `blocklist::SqliteStore` |
//! | `sqlx-postgres` | no | `blocklist::PostgresStore`, `blocklist::CachedPostgresStore` |
//! | `jwks` | no | `JwksSource` |
//! | `tracing` | yes | the span and the per-request, store and JWKS events above (the warnings and `server_error` are emitted without it) |
//! | `utoipa` | no | `JwtSecuritySchemes`, the OpenAPI security schemes |

// docs.rs marks the items of optional features with the feature that enables them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Every public type can be printed; the hand-written impls keep secrets, keys and tokens out.
#![deny(missing_debug_implementations)]

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

pub use doors::cookies::{CookieOptions, JwtCookies};
pub use doors::current_user::CurrentUser;
pub use doors::extract::{Access, AnyToken, FreshAccess, Jwt, OptionalJwt, Refresh};
pub use doors::middleware::JwtRequired;
#[cfg(feature = "utoipa")]
pub use doors::openapi::JwtSecuritySchemes;
pub use doors::test;
pub use foundation::claims::{Claims, JwtHeader};
pub use foundation::compact::get_unverified_jwt_headers;
pub use foundation::config::{Algorithm, Audience, JwtConfig, Secret, TokenLocation};
pub use foundation::error::{ConfigError, JwtError, JwtErrorKind};
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jsonwebtoken::{DecodingKey, EncodingKey};
#[cfg(feature = "jwks")]
pub use keys::jwks::{JwksError, JwksSource, JwksSourceBuilder};
/// The items of optional features, for the facade to re-export whenever this crate has them
/// (its own features only forward to these).
#[doc(hidden)]
pub mod __features {
    #[cfg(feature = "utoipa")]
    pub use crate::doors::openapi::JwtSecuritySchemes;
    #[cfg(feature = "jwks")]
    pub use crate::keys::jwks::{JwksError, JwksSource, JwksSourceBuilder};
}
pub use keys::key_set::{KeyError, KeySet};
pub use manager::builder::JwtManagerBuilder;
pub use manager::token_functions::{
    create_access_token, create_refresh_token, decode_token, decode_token_with_csrf,
    get_csrf_token, get_jti, TokenBuilder,
};
pub use manager::JwtManager;
pub use request::context::{
    current_user, get_jwt, get_jwt_as, get_jwt_header, get_jwt_identity, get_jwt_identity_as,
    get_jwt_request_location, try_current_user, try_get_jwt, try_get_jwt_header,
    try_get_jwt_identity, VerifiedJwt,
};
pub use request::options::VerifyOptions;
pub use request::pipeline::verify_jwt_in_request;

/// The plumbing an app rarely names, as `actix_web::dev` keeps actix's: the service and
/// transform types behind `.wrap(..)`, what an extractor requires, the types in loader
/// callbacks' signatures, cache statistics and default limits.
pub mod dev {
    pub use crate::doors::extract::TokenRequirement;
    pub use crate::doors::middleware::JwtRequiredMiddleware;
    pub use crate::foundation::config::is_asymmetric;
    pub use crate::loaders::callbacks::{AnyUser, CheckOutcome, LocalBoxFuture};
    pub use crate::manager::current::ManagerMiddleware;
    pub use crate::manager::DEFAULT_REVOCATION_TIMEOUT;
    pub use crate::request::body::JSON_BODY_LIMIT;
    pub use crate::tokens::cache::VerifiedTokenCacheStats;
}

/// What generated code uses. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::doors::guard::JwtGuard;
    pub use crate::foundation::config::TokenLocation;
    pub use crate::loaders::registry::RegisteredLoader;
    pub use crate::request::options::{options_to_bits, VerifyOptions};
    pub use inventory;
    /// What the loader attributes generate calls to.
    pub mod loader {
        pub use crate::loaders::checks::*;
    }
}
