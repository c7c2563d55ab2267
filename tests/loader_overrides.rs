//! Loader callbacks set on the builder: ports of upstream `tests/test_blocklist.py`
//!, each error-response loader replacing its default response,
//! and the docs examples `loaders` (a custom expired-token response, registered by attribute)
//! and `custom_decorators` (an `admin_required` guard on `verify_jwt_in_request`).
//!
//! Loaders registered by attribute are global to a program, and this one links the `loaders`
//! example's `#[expired_token_loader]`: every other manager here is built with
//! `.ignore_registered_loaders()`, so that only its own callbacks apply.

// Each example includes the shared `examples/support/` modules it uses, so a test that
// includes several examples loads them more than once, which is harmless here.
#![allow(clippy::duplicate_mod)]

#[path = "it/support/common.rs"]
mod support;

#[path = "../examples/loaders.rs"]
#[allow(dead_code)]
mod loaders;

#[path = "../examples/custom_decorators.rs"]
#[allow(dead_code)]
mod custom_decorators;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{jwt_required, Claims, JwtHeader, JwtManager, JwtManagerBuilder};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use support::{access, config, example_app, get_with, refresh, send_lenient, sign_raw, SECRET};

// ---------------------------------------------------------------------------------------------
// Routes of upstream's blocklist fixture, and one per pipeline step for the error loaders.

fn foo() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    foo()
}

#[get("/protected_skip_blocklist")]
#[jwt_required(verify_type = false, skip_revocation_check)]
async fn protected_skip_blocklist() -> HttpResponse {
    foo()
}

#[get("/protected_noskip_blocklist")]
#[jwt_required(verify_type = false)]
async fn protected_noskip_blocklist() -> HttpResponse {
    foo()
}

#[get("/refresh_protected")]
#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    foo()
}

#[get("/fresh_protected")]
#[jwt_required(fresh)]
async fn fresh_protected() -> HttpResponse {
    foo()
}

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: &JwtManager = &$jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(protected)
                .service(protected_skip_blocklist)
                .service(protected_noskip_blocklist)
                .service(refresh_protected)
                .service(fresh_protected),
        )
        .await
    }};
}

/// A builder with only the callbacks the test sets.
fn builder() -> JwtManagerBuilder {
    JwtManager::builder(config()).ignore_registered_loaders()
}

/// A blocklist loader answering `revoked`, checking what upstream's asserts check, and counting
/// its calls.
fn with_blocklist(revoked: bool) -> (JwtManager, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let jwt = builder()
        .token_in_blocklist_loader(move |header: JwtHeader, claims: Claims| {
            counter.fetch_add(1, Ordering::SeqCst);
            assert_eq!(header.alg(), Some("HS256"));
            assert_eq!(claims.sub(), Some("username"));
            async move { revoked }
        })
        .build()
        .unwrap();
    (jwt, calls)
}

// ---------------------------------------------------------------------------------------------
// Blocklist (upstream `tests/test_blocklist.py`).

// Upstream `test_blocklisted_access_token_revocation_skip`.
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_skip() {
    let (jwt, calls) = with_blocklist(true);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected_skip_blocklist", &access(&jwt)));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the loader is not consulted"
    );
}

// Upstream `test_blocklisted_access_token_revocation_no_skip`.
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_no_skip() {
    let (jwt, calls) = with_blocklist(true);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected_noskip_blocklist", &access(&jwt)));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has been revoked"})
        )
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// Upstream `test_non_blocklisted_access_token`.
#[actix_web::test]
async fn test_non_blocklisted_access_token() {
    let (jwt, calls) = with_blocklist(false);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected", &access(&jwt)));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// Upstream `test_blocklisted_access_token`.
#[actix_web::test]
async fn test_blocklisted_access_token() {
    let (jwt, _) = with_blocklist(true);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected", &access(&jwt)));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has been revoked"})
        )
    );
}

// Upstream `test_non_blocklisted_refresh_token`.
#[actix_web::test]
async fn test_non_blocklisted_refresh_token() {
    let (jwt, calls) = with_blocklist(false);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/refresh_protected", &refresh(&jwt)));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// Upstream `test_blocklisted_refresh_token`.
#[actix_web::test]
async fn test_blocklisted_refresh_token() {
    let (jwt, _) = with_blocklist(true);
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/refresh_protected", &refresh(&jwt)));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has been revoked"})
        )
    );
}

// Upstream `test_custom_blocklisted_message`.
#[actix_web::test]
async fn test_custom_blocklisted_message() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let jwt = {
        let seen = Arc::clone(&seen);
        builder()
            .token_in_blocklist_loader(|_, _| async { true })
            .revoked_token_loader(move |header, claims| {
                seen.lock().unwrap().push((
                    header.alg().map(str::to_owned),
                    claims.sub().map(str::to_owned),
                ));
                HttpResponse::NotFound().json(json!({"baz": "foo"}))
            })
            .build()
            .unwrap()
    };
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected", &access(&jwt)));
    assert_eq!(reply, (StatusCode::NOT_FOUND, json!({"baz": "foo"})));
    assert_eq!(
        *seen.lock().unwrap(),
        [(Some("HS256".to_owned()), Some("username".to_owned()))]
    );
}

// A blocklist loader that cannot answer refuses the request (fail closed), without sending
// its error text to the client (CWE-209).
#[actix_web::test]
async fn test_blocklist_error_fails_closed() {
    let jwt = builder()
        .token_in_blocklist_loader(|_, _| async { Err::<bool, _>("store down") })
        .build()
        .unwrap();
    let app = app!(jwt);
    let reply = send_lenient!(&app, get_with("/protected", &access(&jwt)));
    assert_eq!(
        reply,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"msg": "the token_in_blocklist_loader failed"})
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Each error-response loader replaces its default response. Every test first checks the
// default on a manager without the loader, then the loader's answer for the same request.

/// The response for `req` from a manager with the default loaders, then from `custom`.
async fn default_then_custom(
    custom: JwtManager,
    req: impl Fn(&JwtManager) -> TestRequest,
) -> ((StatusCode, Value), (StatusCode, Value)) {
    let plain = builder().build().unwrap();
    let default = send_lenient!(&app!(plain), req(&plain));
    let overridden = send_lenient!(&app!(custom), req(&custom));
    (default, overridden)
}

#[actix_web::test]
async fn test_unauthorized_loader_overrides_default() {
    let jwt = builder()
        .unauthorized_loader(|message| HttpResponse::Created().json(json!({ "custom": message })))
        .build()
        .unwrap();
    let (default, custom) =
        default_then_custom(jwt, |_| TestRequest::get().uri("/protected")).await;
    assert_eq!(
        default,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
    assert_eq!(
        custom,
        (
            StatusCode::CREATED,
            json!({"custom": "Missing Authorization Header"})
        )
    );
}

#[actix_web::test]
async fn test_invalid_token_loader_overrides_default() {
    let jwt = builder()
        .invalid_token_loader(|message| {
            HttpResponse::BadRequest().json(json!({ "custom": message }))
        })
        .build()
        .unwrap();
    let (default, custom) =
        default_then_custom(jwt, |_| get_with("/protected", "aaaaa.bbbbb.ccccc")).await;
    assert_eq!(
        default,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Invalid header padding"})
        )
    );
    assert_eq!(
        custom,
        (
            StatusCode::BAD_REQUEST,
            json!({"custom": "Invalid header padding"})
        )
    );
}

#[actix_web::test]
async fn test_invalid_token_loader_answers_wrong_token_type() {
    let jwt = builder()
        .invalid_token_loader(|message| {
            HttpResponse::BadRequest().json(json!({ "custom": message }))
        })
        .build()
        .unwrap();
    let (default, custom) =
        default_then_custom(jwt, |jwt| get_with("/protected", &refresh(jwt))).await;
    assert_eq!(
        default,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Only non-refresh tokens are allowed"})
        )
    );
    assert_eq!(
        custom,
        (
            StatusCode::BAD_REQUEST,
            json!({"custom": "Only non-refresh tokens are allowed"})
        )
    );
}

#[actix_web::test]
async fn test_expired_token_loader_overrides_default() {
    let jwt = builder()
        .expired_token_loader(|header, claims| {
            HttpResponse::Created().json(json!({
                "alg": header.alg(),
                "sub": claims.sub(),
                "type": claims.token_type(),
            }))
        })
        .build()
        .unwrap();
    let expired = |jwt: &JwtManager| {
        let token = jwt
            .create_access_token("username")
            .expires_at(SystemTime::now() - Duration::from_secs(60))
            .finish()
            .unwrap();
        get_with("/protected", &token)
    };
    let (default, custom) = default_then_custom(jwt, expired).await;
    assert_eq!(
        default,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"})
        )
    );
    assert_eq!(
        custom,
        (
            StatusCode::CREATED,
            json!({"alg": "HS256", "sub": "username", "type": "access"})
        )
    );
}

#[actix_web::test]
async fn test_needs_fresh_token_loader_overrides_default() {
    let jwt = builder()
        .needs_fresh_token_loader(|_, claims| {
            HttpResponse::Created().json(json!({ "fresh": claims.get("fresh") }))
        })
        .build()
        .unwrap();
    let (default, custom) =
        default_then_custom(jwt, |jwt| get_with("/fresh_protected", &access(jwt))).await;
    assert_eq!(
        default,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Fresh token required"})
        )
    );
    assert_eq!(custom, (StatusCode::CREATED, json!({"fresh": false})));
}

#[actix_web::test]
async fn test_revoked_token_loader_overrides_default() {
    let jwt = builder()
        .token_in_blocklist_loader(|_, _| async { true })
        .revoked_token_loader(|_, claims| {
            HttpResponse::Gone().json(json!({ "revoked": claims.jti() }))
        })
        .build()
        .unwrap();
    let plain = builder()
        .token_in_blocklist_loader(|_, _| async { true })
        .build()
        .unwrap();
    let default = send_lenient!(&app!(plain), get_with("/protected", &access(&plain)));
    assert_eq!(
        default,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has been revoked"})
        )
    );
    let token = access(&jwt);
    let jti = jwt
        .decode_token(&token, false)
        .unwrap()
        .jti()
        .unwrap()
        .to_owned();
    let custom = send_lenient!(&app!(jwt), get_with("/protected", &token));
    assert_eq!(custom, (StatusCode::GONE, json!({ "revoked": jti })));
}

#[actix_web::test]
async fn test_token_verification_failed_loader_overrides_default() {
    let rejecting = || builder().token_verification_loader(|_, _| async { false });
    let plain = rejecting().build().unwrap();
    let default = send_lenient!(&app!(plain), get_with("/protected", &access(&plain)));
    assert_eq!(
        default,
        (
            StatusCode::BAD_REQUEST,
            json!({"msg": "User claims verification failed"})
        )
    );
    let jwt = rejecting()
        .token_verification_failed_loader(|_, claims| {
            HttpResponse::Forbidden().json(json!({ "rejected": claims.sub() }))
        })
        .build()
        .unwrap();
    let custom = send_lenient!(&app!(jwt), get_with("/protected", &access(&jwt)));
    assert_eq!(
        custom,
        (StatusCode::FORBIDDEN, json!({"rejected": "username"}))
    );
}

#[actix_web::test]
async fn test_user_lookup_error_loader_overrides_default() {
    let missing = || builder().user_lookup_loader(|_, _| async { None::<String> });
    let plain = missing().build().unwrap();
    let default = send_lenient!(&app!(plain), get_with("/protected", &access(&plain)));
    assert_eq!(
        default,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Error loading the user username"})
        )
    );
    let jwt = missing()
        .user_lookup_error_loader(|_, claims| {
            HttpResponse::NotFound().json(json!({ "no_user": claims.sub() }))
        })
        .build()
        .unwrap();
    let custom = send_lenient!(&app!(jwt), get_with("/protected", &access(&jwt)));
    assert_eq!(
        custom,
        (StatusCode::NOT_FOUND, json!({"no_user": "username"}))
    );
}

// A token signed with another key is an invalid token, answered by the invalid-token loader.
#[actix_web::test]
async fn test_invalid_token_loader_answers_bad_signature() {
    let jwt = builder()
        .invalid_token_loader(|message| HttpResponse::BadRequest().body(message.to_owned()))
        .build()
        .unwrap();
    let forged = sign_raw(&json!({"sub": "username"}), &format!("not-{SECRET}"));
    let reply = send_lenient!(&app!(jwt), get_with("/protected", &forged));
    assert_eq!(
        reply,
        (
            StatusCode::BAD_REQUEST,
            json!("Signature verification failed")
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The `loaders` docs example: `#[expired_token_loader]` registered by attribute.

/// `POST /login`: the access token of the reply.
fn token_of((status, body): (StatusCode, Value)) -> String {
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// `http POST :5000/login`, `http GET :5000/protected Authorization:"Bearer $JWT"`, then the same
/// with an expired token (docs: Changing Default Behaviors).
#[actix_web::test]
async fn loaders_example_flow() {
    let app = example_app!(loaders);
    let token = token_of(send_lenient!(&app, TestRequest::post().uri("/login")));
    let reply = send_lenient!(&app, get_with("/protected", &token));
    assert_eq!(reply, (StatusCode::OK, json!({"hello": "world"})));

    let jwt = loaders::jwt_manager();
    assert_eq!(
        jwt.decode_token(&token, false).unwrap().sub(),
        Some("example_user")
    );
    let expired = jwt
        .create_access_token("example_user")
        .expires_at(SystemTime::now() - Duration::from_secs(1))
        .finish()
        .unwrap();
    let reply = send_lenient!(&app, get_with("/protected", &expired));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"code": "dave", "err": "I can't let you do that"})
        )
    );
    // The other responses keep Flask's defaults.
    let reply = send_lenient!(&app, TestRequest::get().uri("/protected"));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The `custom_decorators` docs example: `admin_required` on `verify_jwt_in_request`.

/// `http POST :5000/login`, then `http GET :5000/protected Authorization:"Bearer $JWT"`, and
/// the guard's refusals (docs: Custom Decorators).
#[actix_web::test]
async fn custom_decorators_example_flow() {
    let app = example_app!(custom_decorators);
    let token = token_of(send_lenient!(&app, TestRequest::post().uri("/login")));
    let reply = send_lenient!(&app, get_with("/protected", &token));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));

    let jwt = custom_decorators::jwt_manager();
    for claims in [json!({"is_administrator": false}), json!({})] {
        let not_admin = jwt
            .create_access_token("user")
            .additional_claims(&claims)
            .finish()
            .unwrap();
        let reply = send_lenient!(&app, get_with("/protected", &not_admin));
        assert_eq!(
            reply,
            (StatusCode::FORBIDDEN, json!({"msg": "Admins only!"})),
            "{claims}"
        );
    }
    let reply = send_lenient!(&app, TestRequest::get().uri("/protected"));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
    let reply = send_lenient!(&app, get_with("/protected", "not.a.token"));
    assert_eq!(reply.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.1);
}
