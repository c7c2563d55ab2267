//! Two attributes registering the same loader in one program: building a manager fails at
//! start-up with a `ConfigError` naming both functions, as the issue asks (Flask silently
//! keeps the last decorator). A program of its own, since registrations are global to it.

#[path = "it/support/common.rs"]
mod support;

use actix_jwt_extended::{jwt_required, JwtManager};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::json;

use support::config;

mod first {
    use actix_jwt_extended::{expired_token_loader, Claims, JwtHeader};
    use actix_web::HttpResponse;

    #[expired_token_loader]
    pub fn expired(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
        HttpResponse::Unauthorized().json(serde_json::json!({"by": "first"}))
    }
}

mod second {
    use actix_jwt_extended::{expired_token_loader, Claims, JwtHeader};
    use actix_web::HttpResponse;

    #[expired_token_loader]
    fn expired(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
        HttpResponse::Unauthorized().json(serde_json::json!({"by": "second"}))
    }
}

const REASON: &str = "registered twice, by `loader_attributes_conflict::first::expired` and by \
                      `loader_attributes_conflict::second::expired`; keep one of them";

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[test]
fn test_duplicate_loader_is_a_config_error_naming_both() {
    let error = JwtManager::new(config()).unwrap_err();
    assert_eq!(
        (error.option, error.reason.as_str()),
        ("expired_token_loader", REASON)
    );
    assert_eq!(
        error.to_string(),
        format!("invalid expired_token_loader: {REASON}")
    );
}

// Setting the loader on the builder does not hide the conflict: the program is still wrong.
#[test]
fn test_duplicate_loader_fails_even_when_the_builder_sets_it() {
    let error = JwtManager::builder(config())
        .expired_token_loader(|_, _| HttpResponse::Unauthorized().finish())
        .build()
        .unwrap_err();
    assert_eq!(error.option, "expired_token_loader");
}

// A manager that ignores the registered loaders builds, and answers with Flask's defaults.
#[actix_web::test]
async fn test_ignoring_registered_loaders_builds() {
    let jwt = JwtManager::builder(config())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected),
    )
    .await;
    let expired = jwt
        .create_access_token("username")
        .expires_at(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
        .finish()
        .unwrap();
    let req = TestRequest::get()
        .uri("/protected")
        .insert_header(support::bearer(&expired))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = test::read_body_json(resp).await;
    assert_eq!(body, json!({"msg": "Token has expired"}));
}
