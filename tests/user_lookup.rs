//! Ports of upstream `tests/test_user_lookup.py` with the user
//! loader registered by attribute: `#[user_lookup_loader]` reads the app's users through a
//! `web::Data` extractor. Each case runs on two routes, as upstream's: one reads
//! `current_user::<User>()` in a `#[jwt_required]` handler (Flask's `get_current_user()`), the
//! other takes a `CurrentUser<User>` argument (Flask's `current_user`).
//!
//! The registration is global to this test program: `test_no_user_lookup_loader_specified` (no
//! loader) builds its manager with `.ignore_registered_loaders()`.

#[path = "it/support/common.rs"]
mod support;

use std::sync::{Arc, Mutex};

use actix_jwt_extended::{
    jwt_required, try_current_user, user_lookup_loader, Claims, CurrentUser, JwtErrorKind,
    JwtHeader, JwtManager,
};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, web, App, HttpResponse};
use serde_json::json;

use support::{bearer, config, manager, send};

#[derive(Debug)]
struct User {
    username: String,
}

/// The app's user database.
struct Users(Vec<&'static str>);

#[user_lookup_loader]
async fn load_user(_header: &JwtHeader, claims: &Claims, users: web::Data<Users>) -> Option<User> {
    let sub = claims.sub()?;
    users.0.contains(&sub).then(|| User {
        username: sub.to_owned(),
    })
}

#[get("/get_user1")]
#[jwt_required]
async fn get_user1() -> HttpResponse {
    match try_current_user::<User>() {
        Ok(user) => HttpResponse::Ok().json(json!({ "foo": user.map(|u| u.username.clone()) })),
        // Upstream catches the RuntimeError and returns its text.
        Err(e) => HttpResponse::Ok().json(json!({ "error": e.message() })),
    }
}

#[get("/get_user2")]
async fn get_user2(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": user.username }))
}

#[get("/wrong_type")]
async fn wrong_type(user: CurrentUser<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": *user }))
}

#[get("/optional")]
#[jwt_required(optional)]
async fn optional() -> HttpResponse {
    let user = try_current_user::<User>().expect("a verified context");
    HttpResponse::Ok().json(json!({ "foo": user.map(|u| u.username.clone()) }))
}

const URLS: [&str; 2] = ["/get_user1", "/get_user2"];

macro_rules! app {
    ($jwt:expr, $users:expr) => {{
        let jwt: &JwtManager = &$jwt;
        let mut app = App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(get_user1)
            .service(get_user2)
            .service(wrong_type)
            .service(optional);
        let users: Option<Users> = $users;
        if let Some(users) = users {
            app = app.app_data(web::Data::new(users));
        }
        test::init_service(app).await
    }};
}

fn get_with(url: &str, jwt: &JwtManager) -> TestRequest {
    let token = jwt.create_access_token("username").finish().unwrap();
    TestRequest::get().uri(url).insert_header(bearer(&token))
}

// Upstream `test_no_user_lookup_loader_specified`. The extractor cannot hand the error to the
// handler: it answers 500 with the same message.
#[actix_web::test]
async fn test_no_user_lookup_loader_specified() {
    let jwt = JwtManager::builder(config())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let app = app!(jwt, Some(Users(vec!["username"])));

    let (status, body) = send!(&app, get_with("/get_user1", &jwt));
    assert_eq!(status, StatusCode::OK);
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("@jwt.user_lookup_loader"), "{body}");

    let (status, body) = send!(&app, get_with("/get_user2", &jwt));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let error = body["msg"].as_str().unwrap_or_default();
    assert!(error.contains("@jwt.user_lookup_loader"), "{body}");
}

// Upstream `test_load_valid_user`.
#[actix_web::test]
async fn test_load_valid_user() {
    let jwt = manager();
    let app = app!(jwt, Some(Users(vec!["username"])));
    for url in URLS {
        let reply = send!(&app, get_with(url, &jwt));
        assert_eq!(reply, (StatusCode::OK, json!({"foo": "username"})), "{url}");
    }
}

// Upstream `test_load_invalid_user`: the same loader, and an app whose database lacks the user.
#[actix_web::test]
async fn test_load_invalid_user() {
    let jwt = manager();
    let app = app!(jwt, Some(Users(vec!["someone else"])));
    for url in URLS {
        let reply = send!(&app, get_with(url, &jwt));
        assert_eq!(
            reply,
            (
                StatusCode::UNAUTHORIZED,
                json!({"msg": "Error loading the user username"})
            ),
            "{url}"
        );
    }
}

// Upstream `test_custom_user_lookup_errors`: the error loader set on the builder, the lookup
// registered by attribute.
#[actix_web::test]
async fn test_custom_user_lookup_errors() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let jwt = {
        let seen = Arc::clone(&seen);
        JwtManager::builder(config())
            .user_lookup_error_loader(move |header, claims| {
                seen.lock().unwrap().push((
                    header.alg().map(str::to_owned),
                    claims.sub().map(str::to_owned),
                ));
                HttpResponse::Created().json(json!({"foo": "bar"}))
            })
            .build()
            .unwrap()
    };
    let app = app!(jwt, Some(Users(vec![])));
    for url in URLS {
        let reply = send!(&app, get_with(url, &jwt));
        assert_eq!(reply, (StatusCode::CREATED, json!({"foo": "bar"})), "{url}");
    }
    let expected = (Some("HS256".to_owned()), Some("username".to_owned()));
    assert_eq!(*seen.lock().unwrap(), [expected.clone(), expected]);
}

// `CurrentUser<U>` with another type than the loader's is a 500 naming the type, not a panic.
#[actix_web::test]
async fn test_current_user_extractor_of_another_type() {
    let jwt = manager();
    let app = app!(jwt, Some(Users(vec!["username"])));
    let (status, body) = send!(&app, get_with("/wrong_type", &jwt));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let error = body["msg"].as_str().unwrap_or_default();
    assert!(
        error.contains("String") && error.contains("user_lookup_loader"),
        "{body}"
    );
    let kind = test::call_service(&app, get_with("/wrong_type", &jwt).to_request()).await;
    let error = kind.response().error().expect("an error response");
    assert_eq!(
        error
            .as_error::<actix_jwt_extended::JwtError>()
            .map(|e| e.kind()),
        Some(JwtErrorKind::WrongUserType)
    );
}

// The extractor refuses a request without a token as `#[jwt_required]` does.
#[actix_web::test]
async fn test_current_user_extractor_requires_a_token() {
    let jwt = manager();
    let app = app!(jwt, Some(Users(vec!["username"])));
    let reply = send!(&app, TestRequest::get().uri("/get_user2"));
    assert_eq!(
        reply,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
}

// An optional route without a token does not call the loader (its extractor would fail
// here, with no users in the app) and has no user.
#[actix_web::test]
async fn test_optional_route_without_token_loads_no_user() {
    let jwt = manager();
    let app = app!(jwt, None);
    let reply = send!(&app, TestRequest::get().uri("/optional"));
    assert_eq!(reply, (StatusCode::OK, json!({"foo": null})));
}

// The loader's extractor fails on an app without `web::Data<Users>`: a 500 naming the loader;
// the error's detail (for logs, never for the client: CWE-209) names the function and the
// argument.
#[actix_web::test]
async fn test_lookup_extractor_failure_is_internal_error() {
    let jwt = manager();
    let app = app!(jwt, None);
    for url in URLS {
        assert_eq!(
            send!(&app, get_with(url, &jwt)),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"msg": "the user_lookup_loader failed"})
            ),
            "{url}"
        );
    }
    let token = jwt.create_access_token("username").finish().unwrap();
    let (req, mut payload) = TestRequest::get()
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
    assert!(
        error.detail().unwrap_or_default().starts_with(
            "`user_lookup::load_user` (`#[user_lookup_loader]`) cannot extract its argument \
             `web::Data<Users>`: "
        ),
        "{error:?}"
    );
}
