//! The docs' HTTPie session of Flask-JWT-Extended's "Automatic User Loading" page, replayed
//! against our port in `examples/automatic_user_loading.rs`: the very same app (`configure`,
//! `jwt_manager()` and its in-memory SQLite `database()`), through actix's test service.
//! These are docs examples, not upstream test cases, so they carry no upstream test name.
//!
//! The example registers its loaders by attribute, for the whole program: the other loader
//! examples (`loaders`, `custom_decorators`) would pick them up here, so their flows run in
//! `tests/loader_overrides.rs`.

#[path = "it/support/common.rs"]
mod support;

#[path = "../examples/automatic_user_loading.rs"]
#[allow(dead_code)]
mod automatic_user_loading;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App};
use serde_json::{json, Value};

use automatic_user_loading::{configure, database, jwt_manager};
use support::{bearer, send};

/// The app `main` serves, as a test service, and its database.
macro_rules! app {
    () => {{
        let db = database().await.expect("the example's database");
        let jwt = jwt_manager();
        let app = test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .app_data(web::Data::new(db.clone()))
                .configure(configure),
        )
        .await;
        (app, db)
    }};
}

fn login(username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .set_json(json!({"username": username, "password": password}))
}

fn who_am_i(token: &str) -> TestRequest {
    TestRequest::get()
        .uri("/who_am_i")
        .insert_header(bearer(token))
}

fn token_of((status, body): (StatusCode, Value)) -> String {
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// `http POST :5000/login username=panther password=password`, then
/// `http GET :5000/who_am_i Authorization:"Bearer $JWT"`.
#[actix_web::test]
async fn automatic_user_loading_flow() {
    let (app, _db) = app!();
    let token = token_of(send!(&app, login("panther", "password")));
    // The identity loader stored the user's id, as a string.
    let claims = jwt_manager().decode_token(&token, false).unwrap();
    assert_eq!(claims["sub"], json!("2"));

    let reply = send!(&app, who_am_i(&token));
    assert_eq!(
        reply,
        (
            StatusCode::OK,
            json!({"id": 2, "full_name": "Ann Takamaki", "username": "panther"})
        )
    );

    let token = token_of(send!(&app, login("little_sapphire", "password")));
    let reply = send!(&app, who_am_i(&token));
    assert_eq!(
        reply,
        (
            StatusCode::OK,
            json!({"id": 3, "full_name": "Jester Lavore", "username": "little_sapphire"})
        )
    );
}

/// Flask answers `jsonify("Wrong username or password"), 401`: a bare JSON string.
#[actix_web::test]
async fn automatic_user_loading_wrong_credentials() {
    let (app, _db) = app!();
    for body in [
        json!({"username": "panther", "password": "wrong"}),
        json!({"username": "joker", "password": "password"}),
        json!({"username": "panther"}),
        json!({}),
    ] {
        let req = TestRequest::post().uri("/login").set_json(&body);
        let reply = send!(&app, req);
        assert_eq!(
            reply,
            (
                StatusCode::UNAUTHORIZED,
                json!("Wrong username or password")
            ),
            "{body}"
        );
    }
}

/// As Flask's `request.json`: 415 unless the body is declared JSON.
#[actix_web::test]
async fn automatic_user_loading_login_body_not_json() {
    let (app, _db) = app!();
    let req = TestRequest::post()
        .uri("/login")
        .set_payload(r#"{"username": "panther", "password": "password"}"#);
    let (status, body) = send!(&app, req);
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

/// A user deleted after logging in: the lookup finds nothing, Flask's 401.
#[actix_web::test]
async fn automatic_user_loading_deleted_user() {
    let (app, db) = app!();
    let token = token_of(send!(&app, login("batman", "password")));
    sqlx::query("DELETE FROM user WHERE username = 'batman'")
        .execute(&db)
        .await
        .unwrap();
    let reply = send!(&app, who_am_i(&token));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Error loading the user 1"})
        )
    );
}

/// The upstream example stores the integer id, which Flask-JWT-Extended 4.7 refuses with 422
/// "Subject must be a string"; so does the port, before the lookup runs.
#[actix_web::test]
async fn automatic_user_loading_integer_subject() {
    let (app, _db) = app!();
    let panther = json!({"id": 2, "username": "panther", "full_name": "Ann Takamaki"});
    let token = jwt_manager()
        .create_access_token(&panther)
        .additional_claims(json!({"sub": 2}))
        .finish()
        .unwrap();
    let reply = send!(&app, who_am_i(&token));
    assert_eq!(
        reply,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Subject must be a string"})
        )
    );
}

/// Without a token, `/who_am_i` is refused as any protected route; the database fails closed.
#[actix_web::test]
async fn automatic_user_loading_without_token_or_database() {
    let (app, db) = app!();
    let reply = send!(&app, TestRequest::get().uri("/who_am_i"));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
    let token = token_of(send!(&app, login("panther", "password")));
    db.close().await;
    let (status, body) = send!(&app, who_am_i(&token));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
}
