//! The opt-in verified-token cache: repeated tokens skip the signature check, while nothing
//! else is skipped and no other token can use an entry.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{jwt_required, ConfigError, JwtConfig, JwtManager, TokenLocation};
use actix_web::{test, web, App, HttpResponse};
use serde_json::{json, Value};

use crate::support;

#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

macro_rules! app {
    ($jwt:expr) => {
        test::init_service(
            App::new()
                .app_data($jwt.clone())
                .route("/protected", web::get().to(protected))
                .route("/protected", web::post().to(protected)),
        )
        .await
    };
}

/// `(status, JSON body)` of `GET /protected` with the token as a bearer header.
macro_rules! get {
    ($app:expr, $token:expr) => {{
        let req = test::TestRequest::get()
            .uri("/protected")
            .insert_header(support::bearer($token))
            .to_request();
        let resp = test::call_service($app, req).await;
        let status = resp.status().as_u16();
        let body: Value = test::read_body_json(resp).await;
        (status, body)
    }};
}

fn cached(capacity: usize) -> JwtManager {
    JwtManager::builder(support::config())
        .verified_token_cache(capacity)
        .build()
        .unwrap()
}

#[actix_web::test]
async fn a_repeated_token_is_served_from_the_cache() {
    let jwt = cached(16);
    let app = app!(jwt);
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.verified_token_cache_stats().unwrap().entries, 0);
    for _ in 0..3 {
        assert_eq!(get!(&app, &token), (200, json!({"foo": "bar"})));
    }
    let stats = jwt.verified_token_cache_stats().unwrap();
    assert_eq!((stats.entries, stats.capacity), (1, 16));
    assert!(stats.bytes >= 2 * token.len(), "{stats:?}");
    assert!(
        support::manager().verified_token_cache_stats().is_none(),
        "off by default"
    );
}

#[actix_web::test]
async fn a_tampered_copy_of_a_cached_token_misses_and_fails() {
    let jwt = cached(16);
    let app = app!(jwt);
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(get!(&app, &token).0, 200);
    let (head, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    assert_eq!(
        get!(&app, &tampered),
        (422, json!({"msg": "Signature verification failed"}))
    );
    let (_, payload_and_sig) = token.split_once('.').unwrap();
    let other_header = format!("eyJhbGciOiJIUzI1NiJ9.{payload_and_sig}");
    assert_eq!(
        get!(&app, &other_header),
        (422, json!({"msg": "Signature verification failed"}))
    );
}

#[actix_web::test]
async fn a_cached_token_still_expires() {
    let jwt = cached(16);
    let app = app!(jwt);
    let exp = SystemTime::now() + Duration::from_secs(1);
    let token = jwt
        .create_access_token("username")
        .expires_at(exp)
        .finish()
        .unwrap();
    assert_eq!(get!(&app, &token).0, 200);
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get!(&app, &token),
        (401, json!({"msg": "Token has expired"}))
    );
}

#[actix_web::test]
async fn revocation_is_checked_on_every_request() {
    let revoked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let blocklist = Arc::clone(&revoked);
    let jwt = JwtManager::builder(support::config())
        .verified_token_cache(16)
        .token_in_blocklist_loader(move |_, claims| {
            let revoked = blocklist
                .lock()
                .unwrap()
                .contains(claims.jti().unwrap_or_default());
            async move { revoked }
        })
        .build()
        .unwrap();
    let app = app!(jwt);
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(get!(&app, &token).0, 200);
    let jti = jwt
        .decode_token(&token, false)
        .unwrap()
        .jti()
        .unwrap()
        .to_owned();
    revoked.lock().unwrap().insert(jti);
    assert_eq!(
        get!(&app, &token),
        (401, json!({"msg": "Token has been revoked"}))
    );
}

#[actix_web::test]
async fn csrf_is_checked_on_every_request() {
    let jwt = JwtManager::builder(JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..support::config()
    })
    .verified_token_cache(16)
    .build()
    .unwrap();
    let app = app!(jwt);
    let token = jwt.create_access_token("username").finish().unwrap();
    let csrf = jwt
        .decode_token(&token, false)
        .unwrap()
        .csrf()
        .unwrap()
        .to_owned();
    let cookie = actix_web::cookie::Cookie::new("access_token_cookie", token);
    let post = |csrf: &str| {
        test::TestRequest::post()
            .uri("/protected")
            .cookie(cookie.clone())
            .insert_header(("X-CSRF-TOKEN", csrf.to_owned()))
            .to_request()
    };
    assert_eq!(test::call_service(&app, post(&csrf)).await.status(), 200);
    let resp = test::call_service(&app, post("wrong")).await;
    assert_eq!(resp.status(), 401);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(
        body,
        json!({"msg": "CSRF double submit tokens do not match"})
    );
}

#[actix_web::test]
async fn capacity_bounds_the_cache() {
    let jwt = cached(2);
    let app = app!(jwt);
    for i in 0..5 {
        let token = jwt
            .create_access_token(format!("user-{i}"))
            .finish()
            .unwrap();
        assert_eq!(get!(&app, &token).0, 200);
    }
    assert_eq!(jwt.verified_token_cache_stats().unwrap().entries, 2);
    let never = jwt
        .create_access_token("x")
        .never_expires()
        .finish()
        .unwrap();
    assert_eq!(get!(&app, &never).0, 200);
    assert_eq!(
        jwt.verified_token_cache_stats().unwrap().entries,
        2,
        "tokens without exp are not kept"
    );
}

#[actix_web::test]
async fn needs_fixed_keys() {
    let error: ConfigError = JwtManager::builder(support::config())
        .verified_token_cache(16)
        .decode_key_loader(|_, _| {
            actix_jwt_extended::DecodingKey::from_secret(support::SECRET.as_bytes()).unwrap()
        })
        .build()
        .unwrap_err();
    assert_eq!(error.option, "verified_token_cache");
}
