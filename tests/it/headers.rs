//! Ports of upstream `tests/test_headers.py`, every worked example of how Flask reads the
//! `Authorization` header, cases beyond upstream (repeated schemes, scheme case, the custom
//! error key everywhere), and hostile header values (non-UTF-8 bytes, thousands of commas)
//! that must end in a clear 4xx, never a panic.

use std::time::{Duration, SystemTime};

use actix_jwt_extended::{jwt_required, JwtConfig, JwtManager};
use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::{access, config, manager, msg, send_lenient};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[get("/optional_protected")]
#[jwt_required(optional)]
async fn optional_protected() -> HttpResponse {
    let anonymous = actix_jwt_extended::get_jwt_identity().is_none();
    HttpResponse::Ok().json(json!({"foo": if anonymous { "bar" } else { "baz" }}))
}

#[get("/fresh_protected")]
#[jwt_required(fresh)]
async fn fresh_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: &JwtManager = &$jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(protected)
                .service(optional_protected)
                .service(fresh_protected),
        )
        .await
    }};
}

/// `GET uri` with `name: value`.
fn with_header(uri: &str, name: &str, value: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header((name.to_owned(), value.to_owned()))
}

fn auth(value: &str) -> TestRequest {
    with_header("/protected", "Authorization", value)
}

fn ok() -> (StatusCode, Value) {
    (StatusCode::OK, json!({"foo": "bar"}))
}

const MISSING_BEARER: &str =
    "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";
const BAD_BEARER: &str = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";

// Upstream `test_default_headers`.
#[actix_web::test]
async fn test_default_headers() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);

    let (status, body) = send_lenient(&app, auth("Basic basiccreds").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg(MISSING_BEARER))
    );

    for value in [
        format!("Bearer {tok}"),
        format!("Bearer {tok}, Basic creds"),
        format!("Basic creds, Bearer {tok}"),
    ] {
        assert_eq!(
            send_lenient(&app, auth(&value).to_request()).await,
            ok(),
            "{value}"
        );
    }
}

// Upstream `test_header_with_trailing_spaces_and_commas`.
#[actix_web::test]
async fn test_header_with_trailing_spaces_and_commas() {
    let jwt = manager();
    let app = app!(jwt);
    let value = format!("Bearer {},   ", access(&jwt));
    assert_eq!(send_lenient(&app, auth(&value).to_request()).await, ok());
}

// Upstream `test_custom_header_name`.
#[actix_web::test]
async fn test_custom_header_name() {
    let jwt = JwtManager::new(JwtConfig {
        header_name: "Foo".into(),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let tok = access(&jwt);

    let (status, body) = send_lenient(&app, auth(&format!("Bearer {tok}")).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Missing Foo Header"))
    );

    for value in [
        format!("Bearer {tok}"),
        format!("Bearer {tok}, Basic creds"),
        format!("Basic creds, Bearer {tok}"),
    ] {
        let req = with_header("/protected", "Foo", &value);
        assert_eq!(send_lenient(&app, req.to_request()).await, ok(), "{value}");
    }
}

// Upstream `test_custom_header_type`.
#[actix_web::test]
async fn test_custom_header_type() {
    let jwt = JwtManager::new(JwtConfig {
        header_type: "JWT".into(),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let tok = access(&jwt);

    let (status, body) = send_lenient(&app, auth(&format!("Bearer {tok}")).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg(
                "Missing 'JWT' type in 'Authorization' header. Expected 'Authorization: JWT <JWT>'"
            )
        )
    );
    for value in [
        format!("JWT {tok}"),
        format!("JWT {tok}, Basic creds"),
        format!("Basic creds, JWT {tok}"),
    ] {
        assert_eq!(
            send_lenient(&app, auth(&value).to_request()).await,
            ok(),
            "{value}"
        );
    }

    let jwt = JwtManager::new(JwtConfig {
        header_type: String::new(),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    assert_eq!(send_lenient(&app, auth(&tok).to_request()).await, ok());
    let (status, body) = send_lenient(&app, auth(&format!("Bearer {tok}")).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Bad Authorization header. Expected 'Authorization: <JWT>'")
        )
    );
}

// Upstream `test_missing_headers`.
#[actix_web::test]
async fn test_missing_headers() {
    let app = app!(manager());
    let (status, body) =
        send_lenient(&app, TestRequest::get().uri("/protected").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let jwt = JwtManager::builder(config())
        .unauthorized_loader(|_| HttpResponse::Created().json(json!({"foo": "bar"})))
        .build()
        .unwrap();
    let app = app!(jwt);
    let (status, body) =
        send_lenient(&app, TestRequest::get().uri("/protected").to_request()).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"foo": "bar"})));
}

// Upstream `test_header_without_jwt`.
#[actix_web::test]
async fn test_header_without_jwt() {
    let app = app!(manager());
    let (status, body) = send_lenient(&app, auth("Bearer ").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg(BAD_BEARER))
    );
}

// Upstream `test_custom_error_msg_key`.
#[actix_web::test]
async fn test_custom_error_msg_key() {
    let jwt = JwtManager::new(JwtConfig {
        error_message_key: "message".into(),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let (status, body) =
        send_lenient(&app, TestRequest::get().uri("/protected").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "Missing Authorization Header"})
        )
    );
}

// How Flask reads the header, one example per row, with default settings: repeated headers
// joined with commas, split at commas, exactly one piece starting with the scheme word.
#[actix_web::test]
async fn test_worked_examples_table() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);

    let (status, body) =
        send_lenient(&app, TestRequest::get().uri("/protected").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let rows = [
        (
            "Basic basiccreds".to_owned(),
            StatusCode::UNAUTHORIZED,
            msg(MISSING_BEARER),
        ),
        (format!("Bearer {tok}"), ok().0, ok().1),
        (format!("Bearer {tok}, Basic creds"), ok().0, ok().1),
        (format!("Basic creds, Bearer {tok}"), ok().0, ok().1),
        (format!("Bearer {tok},   "), ok().0, ok().1),
        ("Bearer ".to_owned(), unprocessable, msg(BAD_BEARER)),
        (
            "Foo 1, Bearer, Baz, 3".to_owned(),
            unprocessable,
            msg(BAD_BEARER),
        ),
        ("Bearer ,,0".to_owned(), unprocessable, msg(BAD_BEARER)),
        (
            "Foo 1, Bar 2, Baz, 3".to_owned(),
            StatusCode::UNAUTHORIZED,
            msg(MISSING_BEARER),
        ),
        (
            "Bearer xxx".to_owned(),
            unprocessable,
            msg("Not enough segments"),
        ),
        (
            "Foo 1, Bearer 2, Baz, 3".to_owned(),
            unprocessable,
            msg("Not enough segments"),
        ),
        (
            "Bearer aaaaa.bbbbb.ccccc".to_owned(),
            unprocessable,
            msg("Invalid header padding"),
        ),
    ];
    for (value, want_status, want_body) in rows {
        let got = send_lenient(&app, auth(&value).to_request()).await;
        assert_eq!(got, (want_status, want_body), "Authorization: {value:?}");
    }

    // Last row: `JWT_HEADER_TYPE = ""`.
    let bare = JwtManager::new(JwtConfig {
        header_type: String::new(),
        ..config()
    })
    .unwrap();
    let app = app!(bare);
    assert_eq!(send_lenient(&app, auth(&tok).to_request()).await, ok());
    let (status, body) = send_lenient(&app, auth(&format!("Bearer {tok}")).to_request()).await;
    assert_eq!(
        (status, body),
        (
            unprocessable,
            msg("Bad Authorization header. Expected 'Authorization: <JWT>'")
        )
    );
}

// The header name is case-insensitive, and a header sent twice is read like one joined with
// commas (as upstream's WSGI layer does).
#[actix_web::test]
async fn test_header_name_case_and_repeated_headers() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);

    let req = with_header("/protected", "authorization", &format!("Bearer {tok}"));
    assert_eq!(send_lenient(&app, req.to_request()).await, ok());

    let req = TestRequest::get()
        .uri("/protected")
        .append_header(("Authorization", "Basic creds"))
        .append_header(("Authorization", format!("Bearer {tok}")));
    assert_eq!(send_lenient(&app, req.to_request()).await, ok());

    let req = TestRequest::get()
        .uri("/protected")
        .append_header(("Authorization", format!("Bearer {tok}")))
        .append_header(("Authorization", format!("Bearer {tok}")));
    let (status, body) = send_lenient(&app, req.to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg(MISSING_BEARER))
    );
}

// Two `Bearer` pieces are "not found": 401 on a required route, anonymous on an optional one.
#[actix_web::test]
async fn test_two_bearer_pieces() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);
    for value in [
        "Bearer a, Bearer b".to_owned(),
        format!("Bearer {tok}, Bearer {tok}"),
    ] {
        let (status, body) = send_lenient(&app, auth(&value).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, msg(MISSING_BEARER)),
            "{value}"
        );

        let req = with_header("/optional_protected", "Authorization", &value);
        assert_eq!(send_lenient(&app, req.to_request()).await, ok(), "{value}");
    }
}

// The scheme is case-sensitive; a third word is a bad header (also on optional routes).
#[actix_web::test]
async fn test_scheme_case_and_extra_words() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);

    let (status, body) = send_lenient(&app, auth(&format!("bearer {tok}")).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg(MISSING_BEARER))
    );
    let req = with_header(
        "/optional_protected",
        "Authorization",
        &format!("bearer {tok}"),
    );
    assert_eq!(send_lenient(&app, req.to_request()).await, ok());

    let extra = format!("Bearer {tok} extra");
    let (status, body) = send_lenient(&app, auth(&extra).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg(BAD_BEARER))
    );
    let req = with_header("/optional_protected", "Authorization", &extra);
    let (status, body) = send_lenient(&app, req.to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg(BAD_BEARER))
    );
}

// The custom error key applies to every default response, not only "missing".
#[actix_web::test]
async fn test_custom_error_msg_key_everywhere() {
    let jwt = JwtManager::builder(JwtConfig {
        error_message_key: "message".into(),
        ..config()
    })
    .token_in_blocklist_loader(|_, claims| async move { claims["case"] == "revoked" })
    .token_verification_loader(|_, claims| async move { claims["case"] != "verification" })
    .user_lookup_loader(|_, claims| async move { (claims["case"] != "user").then_some(()) })
    .build()
    .unwrap();
    let app = app!(jwt);
    let make = |case: &str| {
        jwt.create_access_token("username")
            .claim("case", case)
            .finish()
            .unwrap()
    };
    let expired = jwt
        .create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();

    let cases = [
        (
            "/protected",
            format!("Bearer {expired}"),
            StatusCode::UNAUTHORIZED,
            "Token has expired",
        ),
        (
            "/protected",
            "Bearer ".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            BAD_BEARER,
        ),
        (
            "/protected",
            "Basic creds".to_owned(),
            StatusCode::UNAUTHORIZED,
            MISSING_BEARER,
        ),
        (
            "/protected",
            "Bearer xxx".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not enough segments",
        ),
        (
            "/protected",
            format!("Bearer {refresh}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Only non-refresh tokens are allowed",
        ),
        (
            "/fresh_protected",
            format!("Bearer {}", make("none")),
            StatusCode::UNAUTHORIZED,
            "Fresh token required",
        ),
        (
            "/protected",
            format!("Bearer {}", make("revoked")),
            StatusCode::UNAUTHORIZED,
            "Token has been revoked",
        ),
        (
            "/protected",
            format!("Bearer {}", make("verification")),
            StatusCode::BAD_REQUEST,
            "User claims verification failed",
        ),
        (
            "/protected",
            format!("Bearer {}", make("user")),
            StatusCode::UNAUTHORIZED,
            "Error loading the user username",
        ),
    ];
    for (url, value, want_status, want_message) in cases {
        let req = with_header(url, "Authorization", &value);
        let got = send_lenient(&app, req.to_request()).await;
        assert_eq!(
            got,
            (want_status, json!({ "message": want_message })),
            "{url} {value:?}"
        );
    }
}

/// Whether `status` is a client error with a one-key JSON `{"msg": "<non-empty text>"}` body.
fn is_clear_client_error(status: StatusCode, body: &Value) -> bool {
    status.is_client_error()
        && body
            .as_object()
            .is_some_and(|o| o.len() == 1 && o["msg"].as_str().is_some_and(|m| !m.is_empty()))
}

// Bytes that are not UTF-8 (legal in HTTP as obs-text) give a clear 4xx, never a panic.
#[actix_web::test]
async fn test_non_utf8_header_bytes() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);
    let (head, rest) = tok.split_once('.').unwrap();
    let values: Vec<Vec<u8>> = vec![
        b"Bearer \xff\xfe\xfd".to_vec(),
        b"\xff\xfe".to_vec(),
        b"\xc3\x28 \xa0\xa1".to_vec(),
        b"Bearer \x80".to_vec(),
        [b"Bearer ", head.as_bytes(), b"\xff.", rest.as_bytes()].concat(),
        [b"Bearer ", tok.as_bytes(), b"\xff"].concat(),
        [b"Basic \xff, Bearer ", tok.as_bytes(), b" \xfe"].concat(),
    ];
    for value in values {
        let header = HeaderValue::from_bytes(&value).expect("obs-text is a valid header value");
        for url in ["/protected", "/optional_protected", "/fresh_protected"] {
            let req = TestRequest::get()
                .uri(url)
                .insert_header(("Authorization", header.clone()));
            let (status, body) = send_lenient(&app, req.to_request()).await;
            assert!(
                is_clear_client_error(status, &body)
                    || (url == "/optional_protected" && status == StatusCode::OK),
                "{url} {value:?} → {status} {body}"
            );
        }
    }

    // The token itself is not spoiled by non-UTF-8 bytes in another comma piece.
    let value = [b"Basic \xff\xfe, Bearer ", tok.as_bytes()].concat();
    let req = TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", HeaderValue::from_bytes(&value).unwrap()));
    assert_eq!(send_lenient(&app, req.to_request()).await, ok());
}

// 10,000 commas: handled in one pass, with the same rules as a short header.
#[actix_web::test]
async fn test_header_with_ten_thousand_commas() {
    let jwt = manager();
    let app = app!(jwt);
    let tok = access(&jwt);
    let commas = ",".repeat(10_000);

    let cases = [
        (
            commas.clone(),
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header"),
        ),
        (
            format!("{commas}Basic creds{commas}"),
            StatusCode::UNAUTHORIZED,
            msg(MISSING_BEARER),
        ),
        (
            format!("Bearer {tok}{commas}Bearer {tok}"),
            StatusCode::UNAUTHORIZED,
            msg(MISSING_BEARER),
        ),
        (
            format!("Bearer {commas}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(BAD_BEARER),
        ),
        (
            format!("Bearer x{commas}y"),
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Not enough segments"),
        ),
        (
            format!("Foo 1{}", ", Bar".repeat(10_000)),
            StatusCode::UNAUTHORIZED,
            msg(MISSING_BEARER),
        ),
    ];
    for (value, want_status, want_body) in cases {
        let got = send_lenient(&app, auth(&value).to_request()).await;
        assert_eq!(
            got,
            (want_status, want_body),
            "{}…",
            &value[..40.min(value.len())]
        );
    }

    // Surrounding commas are trimmed, as upstream does: the token is found.
    for value in [
        format!("Bearer {tok}{commas}"),
        format!("{commas}Bearer {tok}"),
    ] {
        assert_eq!(send_lenient(&app, auth(&value).to_request()).await, ok());
    }
    // Empty pieces in between are skipped.
    let value = format!("Basic creds{commas}Bearer {tok}");
    assert_eq!(send_lenient(&app, auth(&value).to_request()).await, ok());
}
