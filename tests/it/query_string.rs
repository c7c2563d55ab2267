//! Ports of upstream `tests/test_query_string.py`, the prefix checked on optional routes too,
//! and empty or repeated `jwt` parameters.

use actix_jwt_extended::{get_jwt_identity, jwt_required, JwtConfig, JwtManager, TokenLocation};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::{access, bearer, config, send};

#[get("/protected")]
#[jwt_required]
async fn access_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[get("/optional")]
#[jwt_required(optional)]
async fn optional_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "identity": get_jwt_identity() }))
}

/// Upstream's fixture config: secret `foobarbaz`, location `[query_string]`.
fn query_config() -> JwtConfig {
    JwtConfig {
        token_location: vec![TokenLocation::QueryString],
        ..config()
    }
}

/// The fixture app over `$jwt` (a `JwtManager`), as a test service.
macro_rules! app {
    ($jwt:expr) => {{
        let jwt: JwtManager = $jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt)
                .service(access_protected)
                .service(optional_protected),
        )
        .await
    }};
}

/// GET `$uri` with extra headers, as `(status, json)`.
macro_rules! get {
    ($app:expr, $uri:expr $(, $header:expr)*) => {
        send(&$app, TestRequest::get().uri(&$uri)$(.insert_header($header))*.to_request()).await
    };
}

fn foo_bar() -> (StatusCode, Value) {
    (StatusCode::OK, json!({"foo": "bar"}))
}

fn missing(name: &str) -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({ "msg": format!("Missing '{name}' query paramater") }),
    )
}

// Upstream `test_default_query_paramater`.
#[actix_web::test]
async fn test_default_query_paramater() {
    let jwt = JwtManager::new(query_config()).unwrap();
    let token = access(&jwt);
    let app = app!(jwt);
    assert_eq!(get!(app, format!("/protected?jwt={token}")), foo_bar());
}

// Upstream `test_query_string_value_prefix`. Upstream's test client sends the space of `?jwt=bearer
// <tok>` as `%20`.
#[actix_web::test]
async fn test_query_string_value_prefix() {
    let jwt = JwtManager::new(JwtConfig {
        query_string_value_prefix: "bearer ".into(),
        ..query_config()
    })
    .unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(
        get!(app, format!("/protected?jwt=bearer%20{token}")),
        foo_bar()
    );

    let (status, body) = get!(app, format!("/protected?jwt={token}"));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"msg": "Invalid value for query parameter 'jwt'. Expected the value to start with 'bearer '"})
    );
}

// Upstream `test_custom_query_paramater`.
#[actix_web::test]
async fn test_custom_query_paramater() {
    let jwt = JwtManager::new(JwtConfig {
        query_string_name: "foo".into(),
        ..query_config()
    })
    .unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(get!(app, format!("/protected?jwt={token}")), missing("foo"));
    assert_eq!(get!(app, format!("/protected?foo={token}")), foo_bar());
}

// Upstream `test_missing_query_paramater`.
#[actix_web::test]
async fn test_missing_query_paramater() {
    let jwt = JwtManager::new(query_config()).unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(get!(app, "/protected"), missing("jwt"));
    // A valid header does not help: the location is the query string only.
    assert_eq!(get!(app, "/protected", bearer(&token)), missing("jwt"));

    let jwt = JwtManager::builder(query_config())
        .unauthorized_loader(|_| HttpResponse::Created().json(json!({"foo": "bar"})))
        .build()
        .unwrap();
    let app = app!(jwt);
    assert_eq!(
        get!(app, "/protected"),
        (StatusCode::CREATED, json!({"foo": "bar"}))
    );
}

// The prefix's space may arrive percent-encoded or as `+`.
#[actix_web::test]
async fn test_query_string_prefix_with_encoded_space() {
    let jwt = JwtManager::new(JwtConfig {
        query_string_value_prefix: "bearer ".into(),
        ..query_config()
    })
    .unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(
        get!(app, format!("/protected?jwt=bearer+{token}")),
        foo_bar()
    );
    assert_eq!(
        get!(app, format!("/protected?jwt=bearer%20{token}")),
        foo_bar()
    );
    // The prefix is case-sensitive, and a prefix alone leaves an empty token.
    let (status, _) = get!(app, format!("/protected?jwt=Bearer+{token}"));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = get!(app, "/protected?jwt=bearer+");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

// `?jwt=` is "missing" (401), and anonymous on an optional route.
#[actix_web::test]
async fn test_empty_query_paramater() {
    let jwt = JwtManager::new(query_config()).unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(get!(app, "/protected?jwt="), missing("jwt"));
    assert_eq!(get!(app, "/protected?jwt"), missing("jwt"));
    assert_eq!(
        get!(app, "/optional?jwt="),
        (StatusCode::OK, json!({"identity": null}))
    );
    assert_eq!(
        get!(app, format!("/optional?jwt={token}")),
        (StatusCode::OK, json!({"identity": "username"}))
    );
    // A garbage value is not "missing": the optional route refuses it.
    let (status, body) = get!(app, "/optional?jwt=garbage");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, json!({"msg": "Not enough segments"}));
}

// The first `jwt` parameter is the value, as Werkzeug's `request.args.get`.
#[actix_web::test]
async fn test_repeated_query_paramater() {
    let jwt = JwtManager::new(query_config()).unwrap();
    let token = access(&jwt);
    let app = app!(jwt);

    assert_eq!(
        get!(app, format!("/protected?jwt={token}&jwt=garbage")),
        foo_bar()
    );
    let (status, body) = get!(app, format!("/protected?jwt=garbage&jwt={token}"));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, json!({"msg": "Not enough segments"}));
    // Other parameters around it do not matter.
    assert_eq!(
        get!(app, format!("/protected?a=1&jwt={token}&b=2")),
        foo_bar()
    );
}
