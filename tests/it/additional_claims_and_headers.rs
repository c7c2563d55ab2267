//! Ports of upstream `tests/test_additional_claims_loader.py` and
//! `tests/test_jwt_header_loader.py`.

use std::collections::HashMap;

use actix_jwt_extended::{
    get_jwt, get_jwt_header, jwt_required, JwtErrorKind, JwtManager, JwtManagerBuilder,
};
use actix_web::test::init_service;
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use crate::support;
use crate::support::{get_with, send};

#[get("/protected")]
#[jwt_required]
async fn get_claims() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt())
}

#[get("/protected2")]
#[jwt_required(refresh)]
async fn get_refresh_claims() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt())
}

#[get("/header")]
#[jwt_required]
async fn get_header() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt_header())
}

#[get("/header2")]
#[jwt_required(refresh)]
async fn get_refresh_header() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt_header())
}

/// A manager over upstream's fixture config, with the loaders `register` adds.
fn manager(register: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder) -> JwtManager {
    register(JwtManager::builder(support::config()))
        .build()
        .expect("valid test config")
}

/// `GET uri` with `token` as a bearer header, against an app with the four routes; returns
/// status and JSON body.
async fn get(jwt: &JwtManager, uri: &str, token: &str) -> (u16, Value) {
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(get_claims)
            .service(get_refresh_claims)
            .service(get_header)
            .service(get_refresh_header),
    )
    .await;
    let (status, body) = send!(&app, get_with(uri, token));
    (status.as_u16(), body)
}

// Upstream `test_additional_claims_in_access_token`.
#[actix_web::test]
async fn test_additional_claims_in_access_token() {
    let jwt = manager(|b| b.additional_claims_loader(|_| json!({"foo": "bar"})));
    let access_token = jwt.create_access_token("username").finish().unwrap();
    let (status, body) = get(&jwt, "/protected", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["sub"], "username");
}

// Upstream `test_non_serializable_claims` [adapt: a loader value that is not a JSON object, or that
// serde cannot serialise, makes `finish()` fail].
#[actix_web::test]
async fn test_non_serializable_claims() {
    let jwt = manager(|b| b.additional_claims_loader(|_| json!([1, 2])));
    for result in [
        jwt.create_access_token("username").finish(),
        jwt.create_refresh_token("username").finish(),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), JwtErrorKind::Encode, "{err:?}");
    }

    // A map with non-string keys has no JSON form.
    let jwt = manager(|b| b.additional_claims_loader(|_| HashMap::from([((1, 2), "tuple keys")])));
    let err = jwt.create_access_token("username").finish().unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Encode, "{err:?}");

    // `null` (Python's `None`) means no claims.
    let jwt = manager(|b| b.additional_claims_loader(|_| Value::Null));
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(get(&jwt, "/protected", &token).await.0, 200);
}

#[derive(serde::Serialize)]
struct TestObject {
    username: String,
}

// Upstream `test_token_from_complex_object`.
#[actix_web::test]
async fn test_token_from_complex_object() {
    let jwt = manager(|b| {
        b.additional_claims_loader(|obj| json!({"username": obj["username"]}))
            .user_identity_loader(|obj| obj["username"].clone())
    });
    let access_token = jwt
        .create_access_token(TestObject {
            username: "username".into(),
        })
        .finish()
        .unwrap();

    let decoded = jwt.decode_token(&access_token, false).unwrap();
    assert_eq!(decoded["sub"], "username");
    assert_eq!(decoded["username"], "username");

    let (status, body) = get(&jwt, "/protected", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], "username");
    assert_eq!(body["sub"], "username");
}

// Upstream `test_additional_claims_in_refresh_token`.
#[actix_web::test]
async fn test_additional_claims_in_refresh_token() {
    let jwt = manager(|b| b.additional_claims_loader(|_| json!({"foo": "bar"})));
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    let (status, body) = get(&jwt, "/protected2", &refresh_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["type"], "refresh");
}

// Upstream `test_additional_claims_in_refresh_token_specified_at_creation`.
#[actix_web::test]
async fn test_additional_claims_in_refresh_token_specified_at_creation() {
    let jwt = manager(|b| b);
    let refresh_token = jwt
        .create_refresh_token("username")
        .additional_claims(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/protected2", &refresh_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
}

// Upstream `test_additional_claims_in_access_token_specified_at_creation`.
#[actix_web::test]
async fn test_additional_claims_in_access_token_specified_at_creation() {
    let jwt = manager(|b| b);
    let access_token = jwt
        .create_access_token("username")
        .additional_claims(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/protected", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
}

// Upstream `test_addition_claims_merge`.
#[actix_web::test]
async fn test_addition_claims_merge() {
    let jwt = manager(|b| b.additional_claims_loader(|_| json!({"default": "value"})));
    let access_token = jwt
        .create_access_token("username")
        .additional_claims(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/protected", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["default"], "value");
}

// Upstream `test_addition_claims_merge_tie_goes_to_create_access_token`.
#[actix_web::test]
async fn test_addition_claims_merge_tie_goes_to_create_access_token() {
    let jwt = manager(|b| b.additional_claims_loader(|_| json!({"default": "value"})));
    let access_token = jwt
        .create_access_token("username")
        .additional_claims(json!({"default": "foo"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/protected", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["default"], "foo");
}

// The claims and headers loaders get the identity as given, not what the identity loader
// makes of it, as in Flask.
#[actix_web::test]
async fn test_loaders_receive_raw_identity() {
    let jwt = manager(|b| {
        b.user_identity_loader(|id| format!("user-{}", id["id"]))
            .additional_claims_loader(|id| json!({"raw": id}))
            .additional_headers_loader(|id| json!({"kid": format!("key-{}", id["id"])}))
    });
    let token = jwt.create_access_token(json!({"id": 7})).finish().unwrap();
    let (status, body) = get(&jwt, "/protected", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["sub"], "user-7");
    assert_eq!(body["raw"], json!({"id": 7}));
    let (status, header) = get(&jwt, "/header", &token).await;
    assert_eq!(status, 200);
    assert_eq!(header["kid"], "key-7");
}

// Upstream `test_jwt_headers_in_access_token`.
#[actix_web::test]
async fn test_jwt_headers_in_access_token() {
    let jwt = manager(|b| b.additional_headers_loader(|_| json!({"foo": "bar"})));
    let access_token = jwt.create_access_token("username").finish().unwrap();
    let (status, body) = get(&jwt, "/header", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"alg": "HS256", "typ": "JWT", "foo": "bar"}));
}

// Upstream `test_non_serializable_headers` [adapt: a loader value that is not a JSON object, or
// that serde cannot serialise, makes `finish()` fail].
#[actix_web::test]
async fn test_non_serializable_headers() {
    let jwt = manager(|b| b.additional_headers_loader(|_| json!([1, 2])));
    for result in [
        jwt.create_access_token("username").finish(),
        jwt.create_refresh_token("username").finish(),
    ] {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), JwtErrorKind::Encode, "{err:?}");
    }

    let jwt = manager(|b| b.additional_headers_loader(|_| HashMap::from([((1, 2), "tuple keys")])));
    let err = jwt.create_access_token("username").finish().unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Encode, "{err:?}");

    // A `kid` that is not a string is refused, as PyJWT does.
    let jwt = manager(|b| b.additional_headers_loader(|_| json!({"kid": 1})));
    let err = jwt.create_access_token("username").finish().unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Encode, "{err:?}");
}

// Upstream `test_jwt_headers_in_refresh_token`.
#[actix_web::test]
async fn test_jwt_headers_in_refresh_token() {
    let jwt = manager(|b| b.additional_headers_loader(|_| json!({"foo": "bar"})));
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    let (status, body) = get(&jwt, "/header2", &refresh_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
}

// Upstream `test_jwt_header_in_refresh_token_specified_at_creation`.
#[actix_web::test]
async fn test_jwt_header_in_refresh_token_specified_at_creation() {
    let jwt = manager(|b| b);
    let refresh_token = jwt
        .create_refresh_token("username")
        .additional_headers(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/header2", &refresh_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
}

// Upstream `test_jwt_header_in_access_token_specified_at_creation`.
#[actix_web::test]
async fn test_jwt_header_in_access_token_specified_at_creation() {
    let jwt = manager(|b| b);
    let access_token = jwt
        .create_access_token("username")
        .additional_headers(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/header", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
}

// Upstream `test_jwt_header_in_access_token_specified_at_creation_override` (the loader's header is
// merged in, not replaced).
#[actix_web::test]
async fn test_jwt_header_in_access_token_specified_at_creation_override() {
    let jwt =
        manager(|b| b.additional_headers_loader(|_| json!({"ping": "pong", "foo": "loader"})));
    let access_token = jwt
        .create_access_token("username")
        .additional_headers(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/header", &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["ping"], "pong");
}

// Upstream `test_jwt_header_in_refresh_token_specified_at_creation_override`.
#[actix_web::test]
async fn test_jwt_header_in_refresh_token_specified_at_creation_override() {
    let jwt =
        manager(|b| b.additional_headers_loader(|_| json!({"ping": "pong", "foo": "loader"})));
    let refresh_token = jwt
        .create_refresh_token("username")
        .additional_headers(json!({"foo": "bar"}))
        .finish()
        .unwrap();
    let (status, body) = get(&jwt, "/header2", &refresh_token).await;
    assert_eq!(status, 200);
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["ping"], "pong");
}
