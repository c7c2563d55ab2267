//! Attribute macros of `actix-jwt-extended`. Use them through the `actix_jwt_extended` crate,
//! which re-exports them; the code they generate reaches the runtime only through it.
//!
//! `#[jwt_required]` protects a handler; the loader attributes (`#[user_lookup_loader]`,
//! `#[expired_token_loader]`, ...) register a function as one of Flask-JWT-Extended's loader
//! callbacks.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod errors;
mod jwt_required;
mod loaders;
mod syntax;

use proc_macro::TokenStream;

use loaders::kinds::{Input, Kind, Output};

/// Protects an actix-web handler: the request must carry a valid JWT, as with
/// Flask-JWT-Extended's `@jwt_required()`.
///
/// The handler runs only once the token is found and verified (type, freshness, revocation,
/// your verification and user lookup loaders). Inside it — and in everything it awaits —
/// `get_jwt()`, `get_jwt_identity()`, `get_jwt_header()`, `get_jwt_request_location()` and
/// `current_user()` read that token. When verification fails the handler does not run and the
/// response is the matching loader's (Flask's 401 / 422 `{"msg": ...}` by default).
///
/// ```
/// use actix_jwt_extended::{get_jwt_identity, jwt_required};
/// use actix_web::{get, HttpResponse, Responder};
///
/// #[get("/protected")]
/// #[jwt_required]
/// async fn protected() -> impl Responder {
///     HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": get_jwt_identity() }))
/// }
/// # fn main() {}
/// ```
///
/// # OPTIONS requests
///
/// OPTIONS requests are verified like any other method. Flask exempts them, but it runs a view
/// for OPTIONS only when the route lists OPTIONS, while actix routes OPTIONS to
/// `web::resource(..).to(handler)` and `web::to` handlers: an exemption would run them without a
/// token. Answer CORS preflights with `actix-cors` wrapped outside the protected routes.
/// `JwtManager::builder(config).exempt_options(true)` restores Flask's exemption: the handler
/// then runs for OPTIONS as an `optional` route without a token does.
///
/// # Options
///
/// `#[jwt_required]` and `#[jwt_required()]` are the same. Options are Flask-JWT-Extended's
/// keyword arguments of `jwt_required`; flags are bare words, and each option may be given once.
///
/// | Option | Flask | Effect |
/// |---|---|---|
/// | `optional` | `optional=True` | A request without a token still runs the handler, with an empty context (`get_jwt()` is empty, `get_jwt_identity()` is `None`). An invalid token is still rejected. |
/// | `fresh` | `fresh=True` | Requires a fresh access token. |
/// | `refresh` | `refresh=True` | Requires a refresh token instead of an access token. |
/// | `locations = "cookies"` or `locations = ["headers", "json"]` | `locations=[...]` | Where to look for the token, in this order, instead of `JWT_TOKEN_LOCATION`. Names: `headers`, `cookies`, `query_string`, `json`; at least one, each once. |
/// | `verify_type = false` | `verify_type=False` | Accepts either token type. Default `true`. |
/// | `skip_revocation_check` | `skip_revocation_check=True` | Does not call the `token_in_blocklist` loader. |
/// | `crate = path` | — | Where generated code finds the `actix_jwt_extended` crate, if you renamed or re-exported it. Also accepted as a string: `crate = "path"`. |
///
/// ```
/// # use actix_jwt_extended::{create_access_token, get_jwt_identity, jwt_required, JwtError};
/// # use actix_web::{post, web, HttpResponse, Responder};
/// # #[derive(serde::Deserialize)]
/// # struct Password { new: String }
/// #[post("/refresh")]
/// #[jwt_required(refresh)]
/// async fn refresh() -> Result<HttpResponse, JwtError> {
///     let token = create_access_token(get_jwt_identity()).finish()?;
///     Ok(HttpResponse::Ok().json(serde_json::json!({ "access_token": token })))
/// }
///
/// #[jwt_required(optional, locations = ["headers", "cookies"], skip_revocation_check)]
/// async fn greet(name: web::Path<String>) -> impl Responder {
///     format!("hello {name}, you are {:?}", get_jwt_identity())
/// }
///
/// use actix_jwt_extended as jwt;
/// #[jwt_required(fresh, crate = jwt)]
/// async fn change_password(body: web::Json<Password>) -> impl Responder {
///     # let _ = &body.new;
///     HttpResponse::NoContent()
/// }
/// # fn main() {}
/// ```
///
/// Every misuse is a compile error pointing at the culprit: an unknown or repeated option, an
/// unknown or repeated location, an empty `locations` list, a value given to a flag or missing
/// from a valued option, a value of the wrong kind, and the attribute on something other than an
/// `async fn`.
///
/// `fresh` together with `refresh` is rejected too: Flask-JWT-Extended accepts the pair, but no
/// request can pass it, since a refresh token is never fresh.
///
/// # What it does to the handler
///
/// It adds one hidden extractor argument before yours, which verifies the token, and runs the
/// body inside a task-local JWT context:
///
/// ```text
/// async fn handler(__jwt_guard: JwtGuard<..>, your: Args) -> R {
///     __jwt_guard.scope(async move { /* your body */ }).await
/// }
/// ```
///
/// Everything else stays as you wrote it: attributes, docs, generics, where clause, argument
/// patterns, return type, inner attributes and spans, so errors in the body point at your code.
/// Hence:
///
/// - It works above or below `#[get]`, `#[post]`, `#[route]`, ..., and with
///   `web::resource("/").to(handler)`.
/// - The hidden argument takes one of the 16 arguments actix allows a handler: a handler that
///   already has 16 arguments no longer compiles; group some of them in a tuple extractor.
/// - The context lives in the handler's future: a task started with `tokio::spawn` or
///   `actix_web::rt::spawn` does not see it; read what you need first and move it in.
/// - The handler must be an `async fn`, not a method taking `self`.
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    jwt_required::jwt_required(args.into(), item.into()).into()
}

/// The loader attributes, one row each: the user-facing docs, then the loader's Flask name and
/// the shape of the function it accepts (its fixed arguments and what it returns; `Check` and
/// `User` loaders are `async` and may take extractors after the fixed arguments). Each row
/// becomes the attribute's entry point; the runtime's `__private::loader::<name>` module holds
/// the loader's type checks and its registration.
macro_rules! loader_attributes {
    ($(
        $(#[$doc:meta])*
        $name:ident($($input:ident),*) -> $output:ident;
    )*) => {
        $(
            $(#[$doc])*
            #[proc_macro_attribute]
            pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
                const KIND: Kind = Kind {
                    name: stringify!($name),
                    inputs: &[$(Input::$input),*],
                    output: Output::$output,
                };
                loaders::loader(&KIND, args.into(), item.into()).into()
            }
        )*

        /// Every loader attribute, in the order above.
        #[cfg(test)]
        const LOADERS: &[Kind] = &[$(Kind {
            name: stringify!($name),
            inputs: &[$(Input::$input),*],
            output: Output::$output,
        }),*];
    };
}

loader_attributes! {
    /// Registers the function that turns the identity given to `create_access_token` /
    /// `create_refresh_token` into the token's identity claim (`sub` by default): Flask's
    /// `@jwt.user_identity_loader`. Without one, the identity is stored as given.
    ///
    /// Shape: `fn(&serde_json::Value) -> impl Serialize`. The identity arrives as the JSON value it
    /// serialized to; take it by value as any `DeserializeOwned` type instead to get it
    /// deserialized (a value that does not deserialize makes token creation fail).
    ///
    /// ```
    /// use actix_jwt_extended::user_identity_loader;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct User { id: i64, username: String }
    ///
    /// // `create_access_token(&user)` then puts the id, as a string, in `sub`.
    /// #[user_identity_loader]
    /// fn user_identity_lookup(user: User) -> String {
    ///     user.id.to_string()
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    user_identity_loader(Identity) -> Identity;

    /// Registers the function that loads the user of every verified token: Flask's
    /// `@jwt.user_lookup_loader`. Read the user with `current_user::<User>()` in a
    /// `#[jwt_required]` handler, or take a `CurrentUser<User>` argument.
    ///
    /// Shape: `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`, where
    /// `User: Send + Sync + 'static`. `None` refuses the request through the
    /// `user_lookup_error_loader` (default: 401 `{"msg": "Error loading the user <identity>"}`).
    ///
    /// ```
    /// use actix_jwt_extended::{user_lookup_loader, Claims, JwtHeader};
    /// use actix_web::web;
    /// # struct User;
    /// # struct Db;
    /// # impl Db {
    /// #     async fn find_user(&self, _username: &str) -> Option<User> { Some(User) }
    /// # }
    ///
    /// #[user_lookup_loader]
    /// async fn load_user(_header: &JwtHeader, claims: &Claims, db: web::Data<Db>) -> Option<User> {
    ///     db.find_user(claims.sub()?).await
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/extractors.md")]
    #[doc = include_str!("loaders/registration.md")]
    user_lookup_loader(Header, Claims) -> User;

    /// Registers the response sent when the `user_lookup_loader` finds no user: Flask's
    /// `@jwt.user_lookup_error_loader`. Default: 401 `{"msg": "Error loading the user <identity>"}`.
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> HttpResponse`, given the token's header and claims.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[user_lookup_error_loader]
    /// fn user_gone(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    ///     HttpResponse::NotFound().json(json!({ "msg": format!("no user {}", claims.sub().unwrap_or("")) }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    user_lookup_error_loader(Header, Claims) -> Response;

    /// Registers the function whose claims are added to every new token: Flask's
    /// `@jwt.additional_claims_loader`. Claims given to `.additional_claims(..)` when creating a
    /// token win over these. Default: none.
    ///
    /// Shape: `fn(&serde_json::Value) -> impl Serialize`, given the identity as
    /// `create_*_token` got it (or deserialized, by value); the result must serialize to a JSON
    /// object (a struct or a map), else token creation fails.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[additional_claims_loader]
    /// fn add_claims(identity: &serde_json::Value) -> serde_json::Value {
    ///     json!({ "is_administrator": identity == "admin" })
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    additional_claims_loader(Identity) -> Object;

    /// Registers the function whose fields are added to the header of every new token: Flask's
    /// `@jwt.additional_headers_loader`. Headers given to `.additional_headers(..)` win over these.
    /// Default: none.
    ///
    /// Shape: `fn(&serde_json::Value) -> impl Serialize`, as `#[additional_claims_loader]`.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[additional_headers_loader]
    /// fn add_headers(_identity: &serde_json::Value) -> serde_json::Value {
    ///     json!({ "kid": "2024-01" })
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    additional_headers_loader(Identity) -> Object;

    /// Registers the function that says whether a token is revoked: Flask's
    /// `@jwt.token_in_blocklist_loader`. `true` refuses the request through the
    /// `revoked_token_loader` (default: 401 `{"msg": "Token has been revoked"}`). It is not called
    /// on routes with `skip_revocation_check`. Default: no token is revoked (or the manager's
    /// revocation store decides, when one is set).
    ///
    /// Shape: `async fn(&JwtHeader, &Claims, <extractors>...) -> bool`, or `Result<bool, E>`.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// # struct Db;
    /// # impl Db {
    /// #     async fn is_revoked(&self, _jti: &str) -> Result<bool, DbError> { Ok(false) }
    /// # }
    /// # #[derive(Debug)]
    /// # struct DbError;
    /// # impl std::fmt::Display for DbError {
    /// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("db down") }
    /// # }
    /// #[token_in_blocklist_loader]
    /// async fn is_revoked(_header: &JwtHeader, claims: &Claims, db: web::Data<Db>) -> Result<bool, DbError> {
    ///     db.is_revoked(claims.jti().unwrap_or_default()).await
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/extractors.md")]
    #[doc = include_str!("loaders/registration.md")]
    token_in_blocklist_loader(Header, Claims) -> Check;

    /// Registers the response sent for a revoked token: Flask's `@jwt.revoked_token_loader`.
    /// Default: 401 `{"msg": "Token has been revoked"}`.
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> HttpResponse`, given the revoked token's header and claims.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[revoked_token_loader]
    /// fn revoked(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
    ///     HttpResponse::Unauthorized().json(json!({ "msg": "Token revoked, log in again" }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    revoked_token_loader(Header, Claims) -> Response;

    /// Registers the response sent for an expired token: Flask's `@jwt.expired_token_loader`.
    /// Default: 401 `{"msg": "Token has expired"}`.
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> HttpResponse`, given the expired token's header and claims.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[expired_token_loader]
    /// fn my_expired_token_callback(_jwt_header: &JwtHeader, _jwt_payload: &Claims) -> HttpResponse {
    ///     HttpResponse::Unauthorized().json(json!({ "code": "dave", "err": "I can't let you do that" }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    expired_token_loader(Header, Claims) -> Response;

    /// Registers the response sent for a malformed or invalid token (bad header, bad signature,
    /// missing claim, wrong token type, ...): Flask's `@jwt.invalid_token_loader`.
    /// Default: 422 `{"msg": <message>}`.
    ///
    /// Shape: `fn(&str) -> HttpResponse`, given Flask's error message.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[invalid_token_loader]
    /// fn invalid(message: &str) -> HttpResponse {
    ///     HttpResponse::BadRequest().json(json!({ "error": message }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    invalid_token_loader(Message) -> Response;

    /// Registers the response sent when no token is found, or the CSRF check fails: Flask's
    /// `@jwt.unauthorized_loader`. Default: 401 `{"msg": <message>}`.
    ///
    /// Shape: `fn(&str) -> HttpResponse`, given Flask's error message (e.g.
    /// `Missing Authorization Header`).
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[unauthorized_loader]
    /// fn unauthorized(message: &str) -> HttpResponse {
    ///     HttpResponse::Unauthorized().json(json!({ "error": message }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    unauthorized_loader(Message) -> Response;

    /// Registers the response sent when a route requires a fresh token and gets another one:
    /// Flask's `@jwt.needs_fresh_token_loader`. Default: 401 `{"msg": "Fresh token required"}`.
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> HttpResponse`, given the token's header and claims.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[needs_fresh_token_loader]
    /// fn log_in_again(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
    ///     HttpResponse::Unauthorized().json(json!({ "msg": "Please log in again" }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    needs_fresh_token_loader(Header, Claims) -> Response;

    /// Registers custom checks of every verified token's claims: Flask's
    /// `@jwt.token_verification_loader`. `false` refuses the request through the
    /// `token_verification_failed_loader` (default: 400
    /// `{"msg": "User claims verification failed"}`); it runs on optional routes too when a token
    /// is present. Default: every token passes.
    ///
    /// Shape: `async fn(&JwtHeader, &Claims, <extractors>...) -> bool`, or `Result<bool, E>`.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[token_verification_loader]
    /// async fn has_tenant(_header: &JwtHeader, claims: &Claims) -> bool {
    ///     claims.contains_key("tenant")
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/extractors.md")]
    #[doc = include_str!("loaders/registration.md")]
    token_verification_loader(Header, Claims) -> Check;

    /// Registers the response sent when the `token_verification_loader` refuses a token: Flask's
    /// `@jwt.token_verification_failed_loader`. Default: 400
    /// `{"msg": "User claims verification failed"}`.
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> HttpResponse`, given the token's header and claims.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[token_verification_failed_loader]
    /// fn claims_failed(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    ///     HttpResponse::Forbidden().json(json!({ "msg": format!("claims failed for {}", claims.sub().unwrap_or("")) }))
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    token_verification_failed_loader(Header, Claims) -> Response;

    /// Registers the function that gives the key to sign each new token with: Flask's
    /// `@jwt.encode_key_loader`. Default: the configured secret or private key (with this loader
    /// registered, the config needs none).
    ///
    /// Shape: `fn(&serde_json::Value) -> EncodingKey`, or `Result<EncodingKey, E: Display>` (an
    /// `Err` makes token creation fail), given the identity as `create_*_token` got it (or
    /// deserialized, by value).
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// #[encode_key_loader]
    /// fn signing_key(_identity: &serde_json::Value) -> Result<EncodingKey, Box<dyn std::error::Error>> {
    ///     let secret = std::env::var("JWT_SECRET_KEY")?;
    ///     Ok(EncodingKey::from_secret(secret.as_bytes())?)
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    encode_key_loader(Identity) -> EncodeKey;

    /// Registers the function that gives the key to verify each token with: Flask's
    /// `@jwt.decode_key_loader`. Default: the configured secret or public key (with this loader
    /// registered, the config needs none).
    ///
    /// Shape: `fn(&JwtHeader, &Claims) -> DecodingKey`, or `Result<DecodingKey, E: Display>` (an
    /// `Err` refuses the request with a 500), given the token's header and claims *before*
    /// verification: choose the key by them (e.g. the `kid` header or the `iss` claim), do not
    /// trust them.
    ///
    /// ```
    /// # use actix_jwt_extended::*;
    /// # use actix_web::{web, HttpResponse};
    /// # use serde_json::json;
    /// # fn keys_by_id(_kid: Option<&str>) -> DecodingKey { DecodingKey::from_secret(b"key").unwrap() }
    /// #[decode_key_loader]
    /// fn verification_key(header: &JwtHeader, _claims: &Claims) -> DecodingKey {
    ///     keys_by_id(header.kid())
    /// }
    /// # fn main() {}
    /// ```
    #[doc = include_str!("loaders/registration.md")]
    decode_key_loader(Header, Claims) -> DecodeKey;
}
