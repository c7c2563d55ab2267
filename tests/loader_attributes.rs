//! Every loader registered by its attribute, the Flask way (`@jwt.<name>_loader`): each of the
//! 15 attributes shapes new tokens or the pipeline of a `JwtManager::new` app, each
//! error-response attribute replaces its default response, async loaders take actix
//! extractors (`web::Data`, `HttpRequest`), and a callback set on the builder wins over the
//! attribute. The upstream tests these follow are named in each comment.
//!
//! Registrations are global to a program, so this one holds all of them; the other loader
//! tests set their callbacks on the builder.

#[path = "it/support/common.rs"]
mod support;

use std::collections::HashSet;
use std::fmt::Display;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    additional_claims_loader, additional_headers_loader, current_user, decode_key_loader,
    encode_key_loader, expired_token_loader, get_jwt, get_jwt_header, invalid_token_loader,
    jwt_required, needs_fresh_token_loader, revoked_token_loader, token_in_blocklist_loader,
    token_verification_failed_loader, token_verification_loader, unauthorized_loader,
    user_identity_loader, user_lookup_error_loader, user_lookup_loader, Claims, CurrentUser,
    DecodingKey, EncodingKey, JwtErrorKind, JwtHeader, JwtManager,
};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, web, App, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use support::{config, get_with, manager, manager_with, send};

/// The key the key loaders sign and verify with, instead of the config's `foobarbaz`.
const ATTRIBUTE_SECRET: &[u8] = b"the attribute loaders' secret";

// ---------------------------------------------------------------------------------------------
// The loaders.

/// An identity as `create_access_token` may get it: a name, or an account.
#[derive(Deserialize)]
#[serde(untagged)]
enum Who {
    Name(String),
    Account { username: String },
}

#[user_identity_loader]
fn user_identity(who: Who) -> String {
    match who {
        Who::Name(name) => name,
        Who::Account { username } => username,
    }
}

#[additional_claims_loader]
fn additional_claims(identity: &Value) -> Value {
    json!({ "foo": "bar", "raw_identity": identity })
}

#[derive(Serialize)]
struct Headers {
    origin: &'static str,
}

#[additional_headers_loader]
fn additional_headers(_identity: &Value) -> Headers {
    Headers {
        origin: "attribute",
    }
}

#[encode_key_loader]
fn encode_key(_identity: &Value) -> Result<EncodingKey, impl Display> {
    EncodingKey::from_secret(ATTRIBUTE_SECRET)
}

#[decode_key_loader]
fn decode_key(_header: &JwtHeader, _claims: &Claims) -> DecodingKey {
    DecodingKey::from_secret(ATTRIBUTE_SECRET).expect("a non-empty secret")
}

/// The app's revoked token ids.
#[derive(Default)]
struct Revoked(Mutex<HashSet<String>>);

#[token_in_blocklist_loader]
async fn is_revoked(_header: &JwtHeader, claims: &Claims, revoked: web::Data<Revoked>) -> bool {
    let jti = claims.jti().unwrap_or_default();
    revoked.0.lock().unwrap().contains(jti)
}

#[token_verification_loader]
async fn verify(_header: &JwtHeader, claims: &Claims) -> Result<bool, String> {
    match claims.get("verdict").and_then(Value::as_str) {
        Some("reject") => Ok(false),
        Some("error") => Err("verifier unavailable".to_owned()),
        _ => Ok(true),
    }
}

#[derive(Debug)]
struct User {
    username: String,
    /// The path of the request the user was loaded for.
    path: String,
}

#[user_lookup_loader]
async fn load_user(_header: &JwtHeader, claims: &Claims, req: HttpRequest) -> Option<User> {
    let username = claims.sub().filter(|sub| *sub != "ghost")?;
    Some(User {
        username: username.to_owned(),
        path: req.path().to_owned(),
    })
}

#[unauthorized_loader]
fn unauthorized(message: &str) -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({ "loader": "unauthorized", "msg": message }))
}

#[invalid_token_loader]
fn invalid_token(message: String) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(json!({ "loader": "invalid_token", "msg": message }))
}

#[expired_token_loader]
fn expired_token(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({ "loader": "expired_token", "sub": claims.sub() }))
}

#[needs_fresh_token_loader]
fn needs_fresh_token(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized()
        .json(json!({ "loader": "needs_fresh_token", "fresh": claims["fresh"] }))
}

#[revoked_token_loader]
fn revoked_token(header: &JwtHeader, claims: &Claims) -> HttpResponse {
    HttpResponse::NotFound().json(json!({
        "loader": "revoked_token",
        "alg": header.alg(),
        "sub": claims.sub(),
    }))
}

#[token_verification_failed_loader]
fn token_verification_failed(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({ "loader": "token_verification_failed", "sub": claims.sub() }))
}

#[user_lookup_error_loader]
fn user_lookup_error(_header: &JwtHeader, claims: &Claims) -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "loader": "user_lookup_error", "sub": claims.sub() }))
}

// ---------------------------------------------------------------------------------------------
// Routes and helpers.

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    let user = current_user::<User>().expect("a user on a required route");
    HttpResponse::Ok().json(json!({
        "sub": get_jwt().sub(),
        "foo": get_jwt()["foo"],
        "origin": get_jwt_header()["origin"],
        "user": user.username,
        "user_path": user.path,
    }))
}

#[get("/fresh")]
#[jwt_required(fresh)]
async fn fresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/refresh")]
#[jwt_required(refresh)]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/skip_revocation")]
#[jwt_required(skip_revocation_check)]
async fn skip_revocation() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/who_am_i")]
async fn who_am_i(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": user.username, "sub": user.claims().sub() }))
}

/// An app of `jwt`, with `revoked` as its blocklist when given.
macro_rules! app {
    ($jwt:expr, $revoked:expr) => {{
        let jwt: &JwtManager = &$jwt;
        let revoked: Option<web::Data<Revoked>> = $revoked;
        let mut app = App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected)
            .service(fresh)
            .service(refresh)
            .service(skip_revocation)
            .service(who_am_i);
        if let Some(revoked) = revoked {
            app = app.app_data(revoked);
        }
        test::init_service(app).await
    }};
    ($jwt:expr) => {
        app!($jwt, Some(web::Data::new(Revoked::default())))
    };
}

/// A manager with Flask's defaults: the key `foobarbaz`, no loader.
fn plain() -> JwtManager {
    manager_with(config())
}

fn access(jwt: &JwtManager, identity: &str) -> String {
    jwt.create_access_token(identity).finish().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Token creation: identity, claims, headers and key loaders.

// Upstream `test_token_from_complex_object`, `test_additional_claims_in_access_token` and
// `test_additional_claims_in_refresh_token`, `test_jwt_headers_in_access_token` and
// `test_jwt_headers_in_refresh_token`, and the key loaders
// (`test_custom_encode_decode_key_callbacks`).
#[actix_web::test]
async fn test_attribute_loaders_shape_new_tokens() {
    let jwt = manager();
    let account = json!({"username": "ann", "id": 7});
    for token in [
        jwt.create_access_token(&account).finish().unwrap(),
        jwt.create_refresh_token(&account).finish().unwrap(),
    ] {
        let (header, claims) = jwt.decode_complete(&token, None, false).unwrap();
        assert_eq!(claims.sub(), Some("ann"), "the identity loader's");
        assert_eq!(claims["foo"], "bar");
        assert_eq!(
            claims["raw_identity"], account,
            "the claims loader got the raw identity"
        );
        assert_eq!(header["origin"], "attribute");
        // Signed with the encode key loader's key, not the config's.
        let error = plain().decode_token(&token, false).unwrap_err();
        assert_eq!(error.message(), "Signature verification failed");
    }
}

// The identity loader takes its argument by value: an identity it cannot deserialize makes
// token creation fail, naming the loader.
#[actix_web::test]
async fn test_identity_loader_argument_that_does_not_deserialize() {
    let error = manager().create_access_token(42).finish().unwrap_err();
    assert_eq!(error.kind(), JwtErrorKind::Encode);
    assert!(
        error.message().contains("user_identity_loader") && error.message().contains("42"),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The request pipeline.

// Every loader of the pipeline passes: the route sees the claims, header and user.
#[actix_web::test]
async fn test_attribute_loaders_verify_requests() {
    let jwt = manager();
    let app = app!(jwt);
    let token = access(&jwt, "username");
    let reply = send!(&app, get_with("/protected", &token));
    assert_eq!(
        reply,
        (
            StatusCode::OK,
            json!({
                "sub": "username",
                "foo": "bar",
                "origin": "attribute",
                "user": "username",
                "user_path": "/protected",
            })
        )
    );
    let reply = send!(&app, get_with("/who_am_i", &token));
    assert_eq!(
        reply,
        (
            StatusCode::OK,
            json!({"user": "username", "sub": "username"})
        )
    );
}

// Upstream `test_no_token` with the loader registered by attribute.
#[actix_web::test]
async fn test_unauthorized_loader_attribute() {
    let app = app!(manager());
    let reply = send!(&app, TestRequest::get().uri("/protected"));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"loader": "unauthorized", "msg": "Missing Authorization Header"})
        )
    );
}

// Upstream `test_invalid_jwt` and `test_jwt_required`'s wrong type, with the loader registered by
// attribute; a token signed with the config's key fails the decode key loader's key.
#[actix_web::test]
async fn test_invalid_token_loader_attribute() {
    let jwt = manager();
    let app = app!(jwt);
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    for (token, message) in [
        ("aaaaa.bbbbb.ccccc", "Invalid header padding"),
        (
            &*access(&plain(), "username"),
            "Signature verification failed",
        ),
        (&*refresh_token, "Only non-refresh tokens are allowed"),
    ] {
        let reply = send!(&app, get_with("/protected", token));
        assert_eq!(
            reply,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"loader": "invalid_token", "msg": message})
            )
        );
    }
}

// Upstream `test_expired_token` with the loader registered by attribute.
#[actix_web::test]
async fn test_expired_token_loader_attribute() {
    let jwt = manager();
    let app = app!(jwt);
    let token = jwt
        .create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    let reply = send!(&app, get_with("/protected", &token));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"loader": "expired_token", "sub": "username"})
        )
    );
}

// Upstream `test_fresh_jwt_required` (custom loader) with the loader registered by attribute.
#[actix_web::test]
async fn test_needs_fresh_token_loader_attribute() {
    let jwt = manager();
    let app = app!(jwt);
    let reply = send!(&app, get_with("/fresh", &access(&jwt, "username")));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"loader": "needs_fresh_token", "fresh": false})
        )
    );
    let fresh_token = jwt
        .create_access_token("username")
        .fresh(true)
        .finish()
        .unwrap();
    let reply = send!(&app, get_with("/fresh", &fresh_token));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));
}

// Upstream `tests/test_blocklist.py` with an async blocklist loader reading the app's
// `web::Data<Revoked>`, and the revoked-token loader registered by attribute.
#[actix_web::test]
async fn test_blocklist_and_revoked_token_loader_attributes() {
    let jwt = manager();
    let revoked = web::Data::new(Revoked::default());
    let app = app!(jwt, Some(revoked.clone()));
    let token = access(&jwt, "username");
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    assert_eq!(
        send!(&app, get_with("/protected", &token)).0,
        StatusCode::OK,
        "not revoked yet"
    );

    for token in [&token, &refresh_token] {
        let jti = jwt
            .decode_token(token, false)
            .unwrap()
            .jti()
            .unwrap()
            .to_owned();
        revoked.0.lock().unwrap().insert(jti);
    }
    let custom = (
        StatusCode::NOT_FOUND,
        json!({"loader": "revoked_token", "alg": "HS256", "sub": "username"}),
    );
    assert_eq!(send!(&app, get_with("/protected", &token)), custom);
    assert_eq!(send!(&app, get_with("/refresh", &refresh_token)), custom);
    assert_eq!(
        send!(&app, get_with("/skip_revocation", &token)),
        (StatusCode::OK, json!({"foo": "bar"})),
        "skip_revocation_check does not ask the loader"
    );
}

// The blocklist loader's extractor fails in an app without `web::Data<Revoked>`: the request
// is refused with a 500 naming the loader, and the error's detail (for logs, not for the
// client: CWE-209) names the function, the attribute and the argument.
#[actix_web::test]
async fn test_blocklist_extractor_failure_is_internal_error() {
    let jwt = manager();
    let app = app!(jwt, None);
    let token = access(&jwt, "username");
    assert_eq!(
        send!(&app, get_with("/protected", &token)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"msg": "the token_in_blocklist_loader failed"})
        )
    );

    let (req, mut payload) = test::TestRequest::get()
        .app_data(jwt.clone())
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_http_parts();
    let error = actix_jwt_extended::verify_jwt_in_request(
        &req,
        &mut payload,
        actix_jwt_extended::VerifyOptions::new(),
    )
    .await
    .unwrap_err();
    let detail = error.detail().unwrap_or_default();
    assert!(
        detail.starts_with(
            "`loader_attributes::is_revoked` (`#[token_in_blocklist_loader]`) cannot extract its \
             argument `web::Data<Revoked>`: "
        ),
        "{error:?}"
    );
}

// Upstream `test_unsuccessful_claims_validation` and `test_claims_validation_custom_error` with
// both loaders registered by attribute; an
// `Err` from the verification loader refuses the request (fail closed).
#[actix_web::test]
async fn test_token_verification_loader_attributes() {
    let jwt = manager();
    let app = app!(jwt);
    let with_verdict = |verdict: &str| {
        jwt.create_access_token("username")
            .claim("verdict", verdict)
            .finish()
            .unwrap()
    };
    assert_eq!(
        send!(&app, get_with("/protected", &with_verdict("accept"))).0,
        StatusCode::OK
    );
    assert_eq!(
        send!(&app, get_with("/protected", &with_verdict("reject"))),
        (
            StatusCode::BAD_REQUEST,
            json!({"loader": "token_verification_failed", "sub": "username"})
        )
    );
    assert_eq!(
        send!(&app, get_with("/protected", &with_verdict("error"))),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"msg": "the token_verification_loader failed"})
        )
    );
}

// Upstream `test_load_invalid_user` and `test_custom_user_lookup_errors` with both loaders
// registered by attribute.
#[actix_web::test]
async fn test_user_lookup_error_loader_attribute() {
    let jwt = manager();
    let app = app!(jwt);
    for url in ["/protected", "/who_am_i"] {
        let reply = send!(&app, get_with(url, &access(&jwt, "ghost")));
        assert_eq!(
            reply,
            (
                StatusCode::NOT_FOUND,
                json!({"loader": "user_lookup_error", "sub": "ghost"})
            ),
            "{url}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The builder and the registered loaders.

// A callback set on the builder wins over the attribute; the other attributes still apply.
#[actix_web::test]
async fn test_builder_callback_wins_over_attribute() {
    let jwt = JwtManager::builder(config())
        .expired_token_loader(|_, _| HttpResponse::ImATeapot().json(json!({"by": "builder"})))
        .unauthorized_loader(|message| {
            HttpResponse::Unauthorized().json(json!({ "by": "builder", "msg": message }))
        })
        .build()
        .unwrap();
    let app = app!(jwt);
    let expired = jwt
        .create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    assert_eq!(
        send!(&app, get_with("/protected", &expired)),
        (StatusCode::IM_A_TEAPOT, json!({"by": "builder"}))
    );
    assert_eq!(
        send!(&app, TestRequest::get().uri("/protected")),
        (
            StatusCode::UNAUTHORIZED,
            json!({"by": "builder", "msg": "Missing Authorization Header"})
        )
    );
    // Registered: the identity, claims, key, needs-fresh and lookup loaders.
    let token = jwt
        .create_access_token(json!({"username": "ann"}))
        .finish()
        .unwrap();
    let (status, body) = send!(&app, get_with("/protected", &token));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((&body["sub"], &body["foo"]), (&json!("ann"), &json!("bar")));
    assert_eq!(
        send!(&app, get_with("/fresh", &token)).1["loader"],
        "needs_fresh_token"
    );
}

// `.ignore_registered_loaders()`: Flask's defaults, as if no attribute were registered.
#[actix_web::test]
async fn test_ignore_registered_loaders() {
    let jwt = plain();
    let app = app!(jwt, None);
    assert_eq!(
        send!(&app, TestRequest::get().uri("/skip_revocation")),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
    let token = access(&jwt, "ghost");
    let claims = jwt.decode_token(&token, false).unwrap();
    assert_eq!((claims.sub(), claims.get("foo")), (Some("ghost"), None));
    // No blocklist loader (its extractor would fail here) and no user lookup.
    assert_eq!(
        send!(&app, get_with("/skip_revocation", &token)),
        (StatusCode::OK, json!({"foo": "bar"}))
    );
    let (status, body) = send!(&app, get_with("/who_am_i", &token));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("@jwt.user_lookup_loader"),
        "{body}"
    );
}
