//! # actix-jwt-extended
//!
//! [Flask-JWT-Extended](https://flask-jwt-extended.readthedocs.io/) rebuilt for actix-web:
//! access and refresh tokens, `#[jwt_required]` with the same options, token freshness,
//! revocation through a blocklist loader, automatic user loading, custom claims and headers,
//! custom error responses through loader callbacks, and every `JWT_*` option as a typed
//! [`JwtConfig`] field. Tokens are interchangeable with a Flask-JWT-Extended service sharing
//! the same key.
//!
//! ```no_run
//! use actix_web::{get, post, web, App, HttpResponse, HttpServer, Responder};
//! use actix_jwt_extended::{create_access_token, get_jwt_identity, jwt_required, JwtConfig, JwtError, JwtManager};
//! use serde_json::json;
//!
//! #[derive(serde::Deserialize)]
//! struct Login { username: String, password: String }
//!
//! #[post("/login")]
//! async fn login(body: web::Json<Login>) -> Result<HttpResponse, JwtError> {
//!     if body.username != "test" || body.password != "test" {
//!         return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
//!     }
//!     let access_token = create_access_token(&body.username).finish()?;
//!     Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
//! }
//!
//! #[get("/protected")]
//! #[jwt_required]
//! async fn protected() -> impl Responder {
//!     HttpResponse::Ok().json(json!({ "logged_in_as": get_jwt_identity() }))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let config = JwtConfig { secret_key: Some("super-secret".into()), ..JwtConfig::default() };
//!     let jwt = JwtManager::new(config).expect("valid JWT config");
//!     HttpServer::new(move || App::new().wrap(jwt.clone()).service(login).service(protected))
//!         .bind(("127.0.0.1", 5000))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! ## Registering the manager
//! `.wrap(jwt.clone())` on the `App` is the whole registration: it makes the [`JwtManager`]
//! current for every request, as Flask's `current_app`, so every protected route, the context
//! readers, [`create_access_token`]`(..).finish()`, [`decode_token`], the cookie helpers and
//! error responses find it without an argument, and a handler can take it as an argument
//! (`jwt: JwtManager`). A scope with a manager of its own adds it with `.app_data(other)`.
//!
//! ## The context readers
//! [`get_jwt`], [`get_jwt_header`], [`get_jwt_identity`], [`get_jwt_request_location`] and
//! [`current_user`] read a task-local context that `#[jwt_required]` and [`JwtRequired`] open
//! around the handler's body; behind the extractors they find the request's token through the
//! manager's middleware (`.wrap(jwt)`). As in Flask they panic (Flask raises `RuntimeError`)
//! when no verification ran; the `try_` twins return a `Result` instead. [`get_jwt_as`] and
//! [`get_jwt_identity_as`] read the claims as your own types, deserialized once per request.
//! Tasks spawned from the handler do not inherit the context.
//!
//! ## Cargo features
//! `aws_lc_rs` (default) or `rust_crypto`: the crypto backend. `redis`, `sqlx-sqlite`,
//! `sqlx-postgres`: the revocation stores of [`blocklist`]. `jwks`: `JwksSource`.
//! `tracing` (default): a `verify_jwt` span per verification and a `refused` event per refusal
//! (`debug`, `info` for revoked tokens, `warn`/`error` for key, store and loader failures), all
//! with the target `actix_jwt_extended`; the runtime crate's docs list every event and field.
//! `utoipa`: `JwtSecuritySchemes`, the bearer and cookie + CSRF schemes of an OpenAPI
//! document.
//!
//! ## The public API
//!
//! - **Set-up**: [`JwtConfig`] (every `JWT_*` option; [`Algorithm`], [`TokenLocation`],
//!   [`Audience`], [`Secret`]), [`JwtManager`] and [`JwtManagerBuilder`] (loaders set
//!   explicitly, revocation store, key sources).
//! - **Attributes**: [`macro@jwt_required`], and one per Flask loader:
//!   [`macro@user_identity_loader`], [`macro@user_lookup_loader`],
//!   [`macro@user_lookup_error_loader`], [`macro@additional_claims_loader`],
//!   [`macro@additional_headers_loader`], [`macro@token_in_blocklist_loader`],
//!   [`macro@revoked_token_loader`], [`macro@expired_token_loader`],
//!   [`macro@invalid_token_loader`], [`macro@unauthorized_loader`],
//!   [`macro@needs_fresh_token_loader`], [`macro@token_verification_loader`],
//!   [`macro@token_verification_failed_loader`], [`macro@encode_key_loader`],
//!   [`macro@decode_key_loader`].
//! - **Reading the verified token**: [`get_jwt`], [`get_jwt_header`], [`get_jwt_identity`],
//!   [`get_jwt_request_location`], [`current_user`] and their `try_` twins; typed:
//!   [`get_jwt_as`], [`get_jwt_identity_as`];
//!   [`verify_jwt_in_request`] with [`VerifyOptions`], returning a [`VerifiedJwt`].
//! - **Tokens**: [`create_access_token`] and [`create_refresh_token`] (a [`TokenBuilder`]),
//!   [`decode_token`], [`decode_token_with_csrf`], [`get_jti`], [`get_csrf_token`],
//!   [`get_unverified_jwt_headers`]; [`Claims`] and [`JwtHeader`].
//! - **The actix way**: the extractors [`Jwt`] (with [`Access`], [`FreshAccess`],
//!   [`Refresh`], [`AnyToken`]), [`OptionalJwt`] and [`CurrentUser`]; the scope middleware
//!   [`JwtRequired`]; the cookie helpers [`JwtCookies`] and [`CookieOptions`].
//! - **Errors**: [`JwtError`] with its [`JwtErrorKind`], [`ConfigError`], [`KeyError`],
//!   `JwksError`.
//! - **Keys**: [`KeySet`] (rotation by `kid`, JWKS publishing), `JwksSource` and
//!   `JwksSourceBuilder` (feature `jwks`), and jsonwebtoken's [`EncodingKey`],
//!   [`DecodingKey`], [`Jwk`] and [`JwkSet`].
//! - **OpenAPI** (feature `utoipa`): `JwtSecuritySchemes`.
//! - **Modules**: [`blocklist`](mod@blocklist) (the revocation stores and helpers), [`test`](mod@test) (tokens for an
//!   app's own tests) and [`dev`](mod@dev) (service and transform types, callback types, cache
//!   statistics and limits: what an app rarely names).

// docs.rs marks the items of optional features with the feature that enables them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The attribute macros.
pub use actix_jwt_extended_macros::{
    additional_claims_loader, additional_headers_loader, decode_key_loader, encode_key_loader,
    expired_token_loader, invalid_token_loader, jwt_required, needs_fresh_token_loader,
    revoked_token_loader, token_in_blocklist_loader, token_verification_failed_loader,
    token_verification_loader, unauthorized_loader, user_identity_loader, user_lookup_error_loader,
    user_lookup_loader,
};
// Configuration and the manager.
pub use actix_jwt_extended_runtime::{
    Algorithm, Audience, JwtConfig, JwtManager, JwtManagerBuilder, Secret, TokenLocation,
};
// The context readers and the verification behind them.
pub use actix_jwt_extended_runtime::{
    current_user, get_jwt, get_jwt_as, get_jwt_header, get_jwt_identity, get_jwt_identity_as,
    get_jwt_request_location, try_current_user, try_get_jwt, try_get_jwt_header,
    try_get_jwt_identity, verify_jwt_in_request, VerifiedJwt, VerifyOptions,
};
// Tokens.
pub use actix_jwt_extended_runtime::{
    create_access_token, create_refresh_token, decode_token, decode_token_with_csrf,
    get_csrf_token, get_jti, get_unverified_jwt_headers, Claims, JwtHeader, TokenBuilder,
};
// The extractors, the scope middleware and the cookie helpers.
pub use actix_jwt_extended_runtime::{
    Access, AnyToken, CookieOptions, CurrentUser, FreshAccess, Jwt, JwtCookies, JwtRequired,
    OptionalJwt, Refresh,
};
// Errors.
pub use actix_jwt_extended_runtime::{ConfigError, JwtError, JwtErrorKind};
// Keys.
pub use actix_jwt_extended_runtime::{DecodingKey, EncodingKey, Jwk, JwkSet, KeyError, KeySet};
// `JwksSource`, `JwksSourceBuilder` and `JwksError` (feature `jwks`): whenever the runtime has
// them, as `blocklist`'s stores follow the runtime's features. Without them the glob is empty.
#[allow(unused_imports)]
pub use actix_jwt_extended_runtime::__features::*;
// Modules.
pub use actix_jwt_extended_runtime::{blocklist, dev, test};

#[doc(hidden)]
pub use actix_jwt_extended_runtime::__private;

/// The README's Rust examples, compiled and run as doctests, so that what it shows is what
/// builds (with the `utoipa` feature, which its OpenAPI example needs; `.ci/run` tests with
/// every feature).
#[cfg(all(doctest, feature = "utoipa"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
