//! Helpers of every integration-test binary (the loader tests include this file as their
//! `support`): upstream's fixture config and manager, tokens, requests, and replies read as
//! status and JSON.
#![allow(dead_code)]

use actix_jwt_extended::{JwtConfig, JwtManager};
use actix_web::body::MessageBody;
use actix_web::dev::{HttpServiceFactory, Service, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Upstream's fixture.

/// The secret of upstream's test fixtures.
pub const SECRET: &str = "foobarbaz";

/// Upstream's default test config: `JWT_SECRET_KEY = "foobarbaz"`, everything else default.
pub fn config() -> JwtConfig {
    JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    }
}

/// A manager over [`config`], with the loaders the test binary registers by attribute.
pub fn manager() -> JwtManager {
    JwtManager::new(config()).expect("valid test config")
}

/// A manager over `config` with no loader registered by attribute: only its own callbacks
/// apply, whatever test binary it runs in.
pub fn manager_with(config: JwtConfig) -> JwtManager {
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .build()
        .expect("valid test config")
}

// ---------------------------------------------------------------------------------------------
// Tokens.

/// An access token of `username`.
pub fn access(jwt: &JwtManager) -> String {
    jwt.create_access_token("username").finish().unwrap()
}

/// A fresh access token of `username`.
pub fn fresh_access(jwt: &JwtManager) -> String {
    jwt.create_access_token("username")
        .fresh(true)
        .finish()
        .unwrap()
}

/// A refresh token of `username`.
pub fn refresh(jwt: &JwtManager) -> String {
    jwt.create_refresh_token("username").finish().unwrap()
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

/// base64url without padding (RFC 7515 §2), to build tokens by hand.
pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// `("Authorization", "Bearer <token>")`.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

/// `GET uri`.
pub fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

/// `GET uri` with `token` as bearer.
pub fn get_with(uri: &str, token: &str) -> TestRequest {
    get(uri).insert_header(bearer(token))
}

/// Flask's error body: `{"msg": text}`.
pub fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

// ---------------------------------------------------------------------------------------------
// Replies.

/// The status and JSON body of `resp`, or what is wrong with it: a body that is not JSON, or
/// one not labelled `application/json`.
pub async fn try_reply<B: MessageBody>(
    resp: ServiceResponse<B>,
) -> Result<(StatusCode, Value), String> {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let bytes = test::read_body(resp).await;
    let body = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{status}: body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    })?;
    if content_type.as_deref() != Some("application/json") {
        return Err(format!("{status} {body}: content type {content_type:?}"));
    }
    Ok((status, body))
}

/// The status and JSON body of `resp`, which must be JSON.
pub async fn reply<B: MessageBody>(resp: ServiceResponse<B>) -> (StatusCode, Value) {
    try_reply(resp).await.unwrap_or_else(|e| panic!("{e}"))
}

/// The status and body of `resp`: JSON, or a JSON string of the text when it is not JSON
/// (loaders may answer with any body).
pub async fn reply_lenient<B: MessageBody>(resp: ServiceResponse<B>) -> (StatusCode, Value) {
    let status = resp.status();
    let body = test::read_body(resp).await;
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    (status, body)
}

/// Sends `req` to a test service: [`reply`] of its response.
pub async fn send<S, R, B>(app: &S, req: R) -> (StatusCode, Value)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    reply(test::call_service(app, req).await).await
}

/// [`send`] with the status as a number, to compare with a literal `(200, json!(..))`.
pub async fn send_u16<S, R, B>(app: &S, req: R) -> (u16, Value)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, body) = send(app, req).await;
    (status.as_u16(), body)
}

/// Sends `req` to a test service: [`reply_lenient`] of its response.
pub async fn send_lenient<S, R, B>(app: &S, req: R) -> (StatusCode, Value)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    reply_lenient(test::call_service(app, req).await).await
}

/// Status and JSON body of `GET /protected` with `token` as bearer, on an app of `jwt` with
/// the one `route`.
pub async fn get_protected<F>(jwt: &JwtManager, route: F, token: &str) -> (u16, Value)
where
    F: HttpServiceFactory + 'static,
{
    let app = test::init_service(App::new().app_data(jwt.clone()).service(route)).await;
    let res = test::call_service(&app, get_with("/protected", token).to_request()).await;
    let status = res.status().as_u16();
    (status, test::read_body_json(res).await)
}

// ---------------------------------------------------------------------------------------------
// Macros, in a module of their own so that `send!` and `fn send` can share a name.

#[allow(unused_imports)]
pub(crate) use macros::{example_app, send, send_lenient};

#[allow(unused_macros)]
mod macros {
    /// [`super::send`] of a `TestRequest` (`send!(&app, req)`): actix's request type, which
    /// `to_request` makes, cannot be named outside actix.
    macro_rules! send {
        ($app:expr, $req:expr) => {
            $crate::support::send($app, $req.to_request()).await
        };
    }
    pub(crate) use send;

    /// [`super::send_lenient`] of a `TestRequest` (`send_lenient!(&app, req)`).
    macro_rules! send_lenient {
        ($app:expr, $req:expr) => {
            $crate::support::send_lenient($app, $req.to_request()).await
        };
    }
    pub(crate) use send_lenient;

    /// The app a docs example's `main` serves, as a test service: `example_app!(simple)` over the
    /// example's `jwt_manager()`, or `example_app!(simple, jwt)` over another manager.
    macro_rules! example_app {
        ($example:ident) => {
            $crate::support::example_app!($example, $example::jwt_manager())
        };
        ($example:ident, $jwt:expr) => {{
            let jwt = $jwt;
            ::actix_web::test::init_service(
                ::actix_web::App::new()
                    .wrap(jwt.clone())
                    .app_data(jwt.clone())
                    .configure($example::configure),
            )
            .await
        }};
    }
    pub(crate) use example_app;
}
