//! Ports of upstream `tests/test_json.py`, empty and non-object bodies, and hostile bodies:
//! the JSON body location, and the body staying readable by the handler after the token was
//! taken from it.

use actix_jwt_extended::dev::JSON_BODY_LIMIT;
use actix_jwt_extended::{get_jwt_identity, jwt_required, JwtConfig, JwtManager, TokenLocation};
use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{post, web, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::{config, send};

#[post("/protected")]
#[jwt_required]
async fn access_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[post("/refresh")]
#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// Reads the very body the token came from.
#[post("/echo")]
#[jwt_required]
async fn echo(body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": body["foo"], "identity": get_jwt_identity() }))
}

#[post("/optional")]
#[jwt_required(optional)]
async fn optional_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "identity": get_jwt_identity() }))
}

#[post("/headers_first")]
#[jwt_required(locations = ["headers", "json"])]
async fn headers_first(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "identity": get_jwt_identity(), "body_bytes": body.len() }))
}

/// Upstream's fixture config: secret `foobarbaz`, location `json`.
fn json_config() -> JwtConfig {
    JwtConfig {
        token_location: vec![TokenLocation::Json],
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
                .service(refresh_protected)
                .service(echo)
                .service(optional_protected)
                .service(headers_first)
                .app_data(web::PayloadConfig::new(4 << 20)),
        )
        .await
    }};
}

/// A POST to `uri` with `body` as `application/json`.
fn post_json(uri: &str, body: &Value) -> TestRequest {
    TestRequest::post().uri(uri).set_json(body)
}

/// A POST to `uri` with a raw `body` of `content_type`.
fn post_raw(uri: &str, content_type: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    TestRequest::post()
        .uri(uri)
        .insert_header(("Content-Type", content_type.to_owned()))
        .set_payload(body.into())
}

fn tokens(jwt: &JwtManager) -> (String, String) {
    (
        jwt.create_access_token("username").finish().unwrap(),
        jwt.create_refresh_token("username").finish().unwrap(),
    )
}

fn foo_bar() -> (StatusCode, Value) {
    (StatusCode::OK, json!({"foo": "bar"}))
}

fn missing_key(key: &str) -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({ "msg": format!("Missing \"{key}\" key in json data.") }),
    )
}

// Upstream `test_content_type`.
#[actix_web::test]
async fn test_content_type() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, refresh) = tokens(&jwt);
    let app = app!(jwt);
    let expected = (
        StatusCode::UNAUTHORIZED,
        json!({"msg": "Invalid content-type. Must be application/json."}),
    );

    let req = TestRequest::post()
        .uri("/protected")
        .set_form([("access_token", access.as_str())]);
    assert_eq!(send!(&app, req), expected);
    let req = TestRequest::post()
        .uri("/refresh")
        .set_form([("refresh_token", refresh.as_str())]);
    assert_eq!(send!(&app, req), expected);
    // A JSON body without a JSON content type is not read either.
    let req = post_raw(
        "/protected",
        "text/plain",
        json!({"access_token": access}).to_string(),
    );
    assert_eq!(send!(&app, req), expected);
}

// Upstream `test_custom_body_key`.
#[actix_web::test]
async fn test_custom_body_key() {
    let jwt = JwtManager::new(JwtConfig {
        json_key: "Foo".into(),
        refresh_json_key: "Bar".into(),
        ..json_config()
    })
    .unwrap();
    let (access, refresh) = tokens(&jwt);
    let app = app!(jwt);

    let req = post_json("/protected", &json!({"access_token": access}));
    assert_eq!(send!(&app, req), missing_key("Foo"));
    let req = post_json("/refresh", &json!({"refresh_token": refresh}));
    assert_eq!(send!(&app, req), missing_key("Bar"));

    let req = post_json("/protected", &json!({"Foo": access}));
    assert_eq!(send!(&app, req), foo_bar());
    let req = post_json("/refresh", &json!({"Bar": refresh}));
    assert_eq!(send!(&app, req), foo_bar());
}

// Upstream `test_missing_keys`.
#[actix_web::test]
async fn test_missing_keys() {
    let app = app!(JwtManager::new(json_config()).unwrap());
    let req = post_raw("/protected", "application/json", "");
    assert_eq!(send!(&app, req), missing_key("access_token"));

    let jwt = JwtManager::builder(json_config())
        .unauthorized_loader(|_| HttpResponse::Created().json(json!({"foo": "bar"})))
        .build()
        .unwrap();
    let app = app!(jwt);
    let req = post_raw("/protected", "application/json", "");
    assert_eq!(
        send!(&app, req),
        (StatusCode::CREATED, json!({"foo": "bar"}))
    );
}

// Upstream `test_defaults`.
#[actix_web::test]
async fn test_defaults() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, refresh) = tokens(&jwt);
    let app = app!(jwt);

    let req = post_json("/protected", &json!({"access_token": access}));
    assert_eq!(send!(&app, req), foo_bar());
    let req = post_json("/refresh", &json!({"refresh_token": refresh}));
    assert_eq!(send!(&app, req), foo_bar());
    // Each route reads its own key: a refresh route ignores `access_token`.
    let req = post_json("/refresh", &json!({"access_token": access}));
    assert_eq!(send!(&app, req), missing_key("refresh_token"));
}

// Upstream `test_custom_content_type`.
#[actix_web::test]
async fn test_custom_content_type() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, refresh) = tokens(&jwt);
    let app = app!(jwt);
    let content_type = "application/json;charset=UTF-8";

    let body = json!({"access_token": access}).to_string();
    assert_eq!(
        send!(&app, post_raw("/protected", content_type, body)),
        foo_bar()
    );
    let body = json!({"refresh_token": refresh}).to_string();
    assert_eq!(
        send!(&app, post_raw("/refresh", content_type, body)),
        foo_bar()
    );
}

// Non-object bodies are "missing key" (upstream answers 500 to a non-empty array), a
// non-string token value is a 422, and `application/<x>+json` is JSON.
#[actix_web::test]
async fn test_non_object_bodies_and_json_subtypes() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, _) = tokens(&jwt);
    let app = app!(jwt);

    for body in ["[]", "\"x\"", "[1, 2]", "42", "null", "{}"] {
        let req = post_raw("/protected", "application/json", body);
        assert_eq!(send!(&app, req), missing_key("access_token"), "body {body}");
    }

    for value in [json!(42), json!(["a"]), json!({"a": 1}), json!(true)] {
        let req = post_json("/protected", &json!({ "access_token": value }));
        let (status, body) = send!(&app, req);
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "value {value}: {body}"
        );
        let msg = body["msg"].as_str().expect("a msg");
        assert!(msg.contains("access_token"), "value {value}: {msg}");
    }

    let body = json!({"access_token": access}).to_string();
    let req = post_raw("/protected", "application/vnd.api+json", body.clone());
    assert_eq!(send!(&app, req), foo_bar());
    // Not JSON: `+json` must be the suffix of an `application/` type.
    let req = post_raw("/protected", "text/vnd.api+json", body);
    assert_eq!(send!(&app, req).0, StatusCode::UNAUTHORIZED);
}

// A falsy token value is "missing" (401), and anonymous on an optional route.
#[actix_web::test]
async fn test_empty_token_value() {
    let app = app!(JwtManager::new(json_config()).unwrap());
    for value in [json!(""), json!(null), json!(false)] {
        let req = post_json("/protected", &json!({ "access_token": value }));
        assert_eq!(
            send!(&app, req),
            missing_key("access_token"),
            "value {value}"
        );
        let req = post_json("/optional", &json!({ "access_token": value }));
        assert_eq!(
            send!(&app, req),
            (StatusCode::OK, json!({"identity": null})),
            "value {value}"
        );
    }
}

// The handler still reads the body the token was taken from, through
// `web::Json<Value>`, whatever JSON content type it came with.
#[actix_web::test]
async fn test_handler_reads_the_same_body() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, _) = tokens(&jwt);
    let app = app!(jwt);
    let expected = (
        StatusCode::OK,
        json!({"foo": "baz", "identity": "username"}),
    );

    let body = json!({"access_token": access, "foo": "baz"});
    assert_eq!(send!(&app, post_json("/echo", &body)), expected);
    let req = post_raw("/echo", "application/vnd.api+json", body.to_string());
    assert_eq!(send!(&app, req), expected);
    let req = post_raw("/echo", "application/json; charset=utf-8", body.to_string());
    assert_eq!(send!(&app, req), expected);

    // A body split over several chunks is put back whole.
    let text = body.to_string();
    let (first, second) = text.split_at(text.len() / 2);
    let chunks = futures_util::stream::iter([first, second].map(|chunk| {
        Ok::<_, actix_web::error::PayloadError>(web::Bytes::copy_from_slice(chunk.as_bytes()))
    }));
    let mut req = TestRequest::post()
        .uri("/echo")
        .insert_header(ContentType::json())
        .to_request();
    *req.payload() = actix_web::dev::Payload::Stream {
        payload: Box::pin(chunks),
    };
    assert_eq!(send(&app, req).await, expected);

    // A failed verification never reaches the handler.
    let body = json!({"foo": "baz"});
    assert_eq!(
        send!(&app, post_json("/echo", &body)),
        missing_key("access_token")
    );
}

// Hostile: a body over the limit is refused with 413, without a panic, whether or not the
// handler also reads the body.
#[actix_web::test]
async fn test_body_larger_than_limit() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, _) = tokens(&jwt);
    let app = app!(jwt);
    let padding = " ".repeat(JSON_BODY_LIMIT);
    let body = format!("{{\"access_token\": \"{access}\"}}{padding}");
    assert!(body.len() > 2 * 1024 * 1024);

    let (status, reply) = send!(
        &app,
        post_raw("/protected", "application/json", body.clone())
    );
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
    assert!(reply["msg"].is_string(), "{reply}");

    let res = test::call_service(
        &app,
        post_raw("/echo", "application/json", body).to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Exactly at the limit is still read.
    let head = format!("{{\"access_token\": \"{access}\"}}");
    let body = format!("{head}{}", " ".repeat(JSON_BODY_LIMIT - head.len()));
    assert_eq!(body.len(), JSON_BODY_LIMIT);
    assert_eq!(
        send!(&app, post_raw("/protected", "application/json", body)),
        foo_bar()
    );
}

// The app's `PayloadConfig` bounds what the door reads too: above it 413, whether the
// handler reads the body or not; below it the token is found as usual.
#[actix_web::test]
async fn the_apps_payload_limit_bounds_the_body_read() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, _) = tokens(&jwt);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt)
            .app_data(web::PayloadConfig::new(1024))
            .service(access_protected)
            .service(echo),
    )
    .await;
    let small = json!({ "access_token": access, "foo": "bar" });
    assert_eq!(send!(&app, post_json("/protected", &small)), foo_bar());
    let large = json!({ "access_token": access, "foo": "x".repeat(2048) });
    for uri in ["/protected", "/echo"] {
        let (status, reply) = send!(&app, post_json(uri, &large));
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}: {reply}");
        assert!(reply["msg"].is_string(), "{reply}");
    }
    // Without `Content-Length`, the limit is met while reading.
    let text = large.to_string().into_bytes();
    let chunks: Vec<Result<web::Bytes, actix_web::error::PayloadError>> = text
        .chunks(100)
        .map(|chunk| Ok(web::Bytes::copy_from_slice(chunk)))
        .collect();
    let mut req = TestRequest::post()
        .uri("/protected")
        .insert_header(ContentType::json())
        .to_request();
    *req.payload() = actix_web::dev::Payload::Stream {
        payload: Box::pin(futures_util::stream::iter(chunks)),
    };
    let (status, reply) = send(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{reply}");
}

// Hostile: a body that does not parse, sent as JSON, is "missing key" (401), not a 400 or 500.
#[actix_web::test]
async fn test_invalid_json_body() {
    let app = app!(JwtManager::new(json_config()).unwrap());
    for body in ["{", "{\"access_token\": ", "not json", "\u{0}\u{1}"] {
        let req = post_raw("/protected", "application/json", body);
        assert_eq!(
            send!(&app, req),
            missing_key("access_token"),
            "body {body:?}"
        );
    }
    let req = post_raw("/protected", "application/json", vec![0xff, 0xfe, b'{']);
    assert_eq!(send!(&app, req), missing_key("access_token"));
}

// Flask's `if not encoded_token` treats every falsy value as missing (401), and an
// optional route then runs anonymously.
#[actix_web::test]
async fn falsy_json_token_values_are_missing() {
    let app = app!(JwtManager::new(json_config()).unwrap());
    for value in [
        json!(0),
        json!(0.0),
        json!([]),
        json!({}),
        json!(false),
        json!(null),
    ] {
        let body = json!({ "access_token": value });
        assert_eq!(
            send!(&app, post_json("/protected", &body)),
            missing_key("access_token"),
            "{value}"
        );
        assert_eq!(
            send!(&app, post_json("/optional", &body)),
            (StatusCode::OK, json!({"identity": null})),
            "{value}"
        );
    }
}

// A huge body that is not an object is refused without building a document of it.
#[actix_web::test]
async fn a_large_array_body_is_missing_not_parsed() {
    let app = app!(JwtManager::new(json_config()).unwrap());
    let body = format!("[{}0]", "0,".repeat(500_000));
    assert_eq!(
        send!(&app, post_raw("/protected", "application/json", body)),
        missing_key("access_token")
    );
}

// The body is read only when the search reaches the JSON location: a token found in a header
// first leaves a large body to the handler (and its own limits), untouched.
#[actix_web::test]
async fn the_body_is_read_only_when_the_json_location_is_reached() {
    let jwt = JwtManager::new(json_config()).unwrap();
    let (access, _) = tokens(&jwt);
    let app = app!(jwt);
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(3 << 20));
    let len = big.len();
    let req = post_raw("/headers_first", "application/json", big)
        .insert_header(("Authorization", format!("Bearer {access}")));
    assert_eq!(
        send!(&app, req),
        (
            StatusCode::OK,
            json!({"identity": "username", "body_bytes": len})
        )
    );
    let req = post_raw("/headers_first", "application/json", "x".repeat(3 << 20));
    assert_eq!(send!(&app, req).0, StatusCode::PAYLOAD_TOO_LARGE);
}
