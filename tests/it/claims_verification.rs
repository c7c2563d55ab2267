//! Ports of upstream `tests/test_claims_verification.py`: the
//! `token_verification_loader` and `token_verification_failed_loader`, set on the builder, on
//! a plain, a `fresh` and an `optional` route; also, the loader sees the claims with Flask's
//! defaults filled in, and it runs after the freshness check and before the user lookup.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_jwt_extended::{jwt_required, Claims, JwtHeader, JwtManager, JwtManagerBuilder};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use crate::support;
use crate::support::{config, fresh_access, get_with, send};

// The upstream fixture's routes.

#[get("/protected1")]
#[jwt_required]
async fn protected1() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/protected2")]
#[jwt_required(fresh)]
async fn protected2() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

#[get("/protected3")]
#[jwt_required(optional)]
async fn protected3() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
}

const URLS: [&str; 3] = ["/protected1", "/protected2", "/protected3"];

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: &JwtManager = &$jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(protected1)
                .service(protected2)
                .service(protected3),
        )
        .await
    }};
}

/// The fixture's manager: the claims loader adds `foo`; the test adds its loaders.
fn builder() -> JwtManagerBuilder {
    JwtManager::builder(config())
        .ignore_registered_loaders()
        .additional_claims_loader(|_| json!({ "foo": "bar" }))
}

/// A verification loader answering `answer`, recording what it saw: `alg`, the claims, calls.
type Seen = Arc<Mutex<Vec<(Option<String>, Claims)>>>;

fn verifying(builder: JwtManagerBuilder, answer: bool) -> (JwtManagerBuilder, Seen) {
    let seen: Seen = Arc::default();
    let record = Arc::clone(&seen);
    let builder = builder.token_verification_loader(move |header: JwtHeader, claims: Claims| {
        record
            .lock()
            .unwrap()
            .push((header.alg().map(str::to_owned), claims));
        async move { answer }
    });
    (builder, seen)
}

/// Every call saw header `alg` HS256 and the claims `sub` username (upstream's asserts) and
/// the claims loader's `foo`.
fn assert_seen(seen: &Seen, calls: usize) {
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), calls);
    for (alg, claims) in seen.iter() {
        assert_eq!(alg.as_deref(), Some("HS256"));
        assert_eq!(claims.sub(), Some("username"));
        assert_eq!(claims["foo"], "bar");
    }
}

// Upstream `test_successful_claims_validation`.
#[actix_web::test]
async fn test_successful_claims_validation() {
    let (builder, seen) = verifying(builder(), true);
    let jwt = builder.build().unwrap();
    let app = app!(jwt);
    for url in URLS {
        let (status, body) = send!(&app, get_with(url, &fresh_access(&jwt)));
        assert_eq!(body["foo"], "bar", "{url}");
        assert_eq!(status, StatusCode::OK, "{url}");
    }
    assert_seen(&seen, URLS.len());
}

// Upstream `test_unsuccessful_claims_validation`: refused on the optional route too, since it
// carries a token.
#[actix_web::test]
async fn test_unsuccessful_claims_validation() {
    let (builder, seen) = verifying(builder(), false);
    let jwt = builder.build().unwrap();
    let app = app!(jwt);
    for url in URLS {
        let reply = send!(&app, get_with(url, &fresh_access(&jwt)));
        assert_eq!(
            reply,
            (
                StatusCode::BAD_REQUEST,
                json!({"msg": "User claims verification failed"})
            ),
            "{url}"
        );
    }
    assert_seen(&seen, URLS.len());
}

// Upstream `test_claims_validation_custom_error`.
#[actix_web::test]
async fn test_claims_validation_custom_error() {
    let (builder, _) = verifying(builder(), false);
    let jwt = builder
        .token_verification_failed_loader(|_, claims| {
            let sub = claims.sub().unwrap_or_default();
            HttpResponse::NotFound().json(json!({ "msg": format!("claims failed for {sub}") }))
        })
        .build()
        .unwrap();
    let app = app!(jwt);
    for url in URLS {
        let reply = send!(&app, get_with(url, &fresh_access(&jwt)));
        assert_eq!(
            reply,
            (
                StatusCode::NOT_FOUND,
                json!({"msg": "claims failed for username"})
            ),
            "{url}"
        );
    }
}

// The loader gets the claims with Flask's defaults filled in, even when the token lacks
// them.
#[actix_web::test]
async fn test_claims_verification_sees_filled_in_defaults() {
    let (builder, seen) = verifying(builder(), true);
    let jwt = builder.build().unwrap();
    let app = app!(jwt);
    let bare = support::sign_raw(&json!({"sub": "username", "foo": "bar"}), support::SECRET);
    let (status, _) = send!(&app, get_with("/protected1", &bare));
    assert_eq!(status, StatusCode::OK);
    let seen = seen.lock().unwrap();
    let (_, claims) = &seen[0];
    assert_eq!(
        (&claims["type"], &claims["fresh"], &claims["jti"]),
        (&json!("access"), &json!(false), &Value::Null)
    );
}

// The loader is not called for an optional route without a token, nor after an earlier check
// failed (not fresh); and a refusal stops the pipeline before the user lookup.
#[actix_web::test]
async fn test_claims_verification_place_in_pipeline() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let (builder, seen) = verifying(builder(), false);
    let jwt = {
        let lookups = Arc::clone(&lookups);
        builder
            .user_lookup_loader(move |_, _| {
                lookups.fetch_add(1, Ordering::SeqCst);
                async { Some(()) }
            })
            .build()
            .unwrap()
    };
    let app = app!(jwt);
    let reply = send!(&app, TestRequest::get().uri("/protected3"));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": "bar"})));
    let stale = jwt.create_access_token("username").finish().unwrap();
    let reply = send!(&app, get_with("/protected2", &stale));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Fresh token required"})
        )
    );
    assert_seen(&seen, 0);

    let (status, _) = send!(&app, get_with("/protected1", &stale));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_seen(&seen, 1);
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        0,
        "no lookup after a refusal"
    );
}
