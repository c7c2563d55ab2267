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
//!     HttpServer::new(move || App::new().wrap(jwt.clone()).app_data(jwt.clone()).service(login).service(protected))
//!         .bind(("127.0.0.1", 5000))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! ## Registering the manager
//! `.wrap(jwt.clone())` makes the [`JwtManager`] current for every request, as Flask's
//! `current_app`: [`create_access_token`]`(..).finish()`, [`decode_token`] and error
//! responses find it without an argument. `.app_data(jwt.clone())` lets protected routes find
//! it even outside the middleware (e.g. in a scope without it).
//!
//! ## The context readers
//! [`get_jwt`], [`get_jwt_header`], [`get_jwt_identity`], [`get_jwt_request_location`] and
//! [`current_user`] read a task-local context that `#[jwt_required]` opens around the
//! handler's body. As in Flask they panic (Flask raises `RuntimeError`) when no verification
//! ran; the `try_` twins return a `Result` instead. Tasks spawned from the handler do not
//! inherit the context.
//!
//! ## Cargo features
//! `aws_lc_rs` (default) or `rust_crypto`: the crypto backend. `redis`, `sqlx-sqlite`,
//! `sqlx-postgres`: the revocation stores of [`blocklist`]. `jwks`: `JwksSource`.
//! `tracing` (default): a `verify_jwt` span per verification and a `refused` event per refusal
//! (`debug`, `info` for revoked tokens, `warn`/`error` for key, store and loader failures), all
//! with the target `actix_jwt_extended`; the runtime crate's docs list every event and field.
//! `utoipa`: `JwtSecuritySchemes`, the bearer and cookie + CSRF schemes of an OpenAPI
//! document.

// docs.rs marks the items of optional features with the feature that enables them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

pub use actix_jwt_extended_macros::{
    additional_claims_loader, additional_headers_loader, decode_key_loader, encode_key_loader,
    expired_token_loader, invalid_token_loader, jwt_required, needs_fresh_token_loader,
    revoked_token_loader, token_in_blocklist_loader, token_verification_failed_loader,
    token_verification_loader, unauthorized_loader, user_identity_loader, user_lookup_error_loader,
    user_lookup_loader,
};
pub use actix_jwt_extended_runtime::*;

#[doc(hidden)]
pub use actix_jwt_extended_runtime::__private;
