//! The OpenAPI document of the `openapi` example (feature `utoipa`), fetched from the app: the
//! security schemes `JwtSecuritySchemes` adds, named after the app's configuration, and the
//! protected routes' requirements, which name only those schemes and match what the routes
//! accept.

use actix_jwt_extended::JwtSecuritySchemes;
use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::{json, Value};

use crate::support::examples::openapi;
use crate::support::{example_app, send};

async fn document() -> Value {
    let app = example_app!(openapi);
    let req = test::TestRequest::get()
        .uri("/api-docs/openapi.json")
        .to_request();
    let (status, doc) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

#[actix_web::test]
async fn the_document_has_the_bearer_and_cookie_csrf_schemes() {
    let doc = document().await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes[JwtSecuritySchemes::BEARER],
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token: `Authorization: Bearer <JWT>`",
        })
    );
    let cookie = &schemes[JwtSecuritySchemes::COOKIE];
    assert_eq!(
        (&cookie["type"], &cookie["in"]),
        (&json!("apiKey"), &json!("cookie"))
    );
    assert_eq!(cookie["name"], "access_token_cookie");
    let csrf = &schemes[JwtSecuritySchemes::CSRF];
    assert_eq!(
        (&csrf["type"], &csrf["in"]),
        (&json!("apiKey"), &json!("header"))
    );
    assert_eq!(csrf["name"], "X-CSRF-TOKEN");
}

#[actix_web::test]
async fn protected_routes_require_the_schemes() {
    let doc = document().await;
    assert_eq!(
        doc["paths"]["/protected"]["get"]["security"],
        json!([{"jwt_bearer": []}, {"jwt_cookie": []}])
    );
    assert_eq!(
        doc["paths"]["/logout"]["post"]["security"],
        json!([{"jwt_bearer": []}, {"jwt_cookie": [], "jwt_csrf": []}])
    );
    assert!(doc["paths"]["/login"]["post"].get("security").is_none());
    // Every requirement names a scheme of the document.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for operation in operations.as_object().unwrap().values() {
            for requirement in operation["security"].as_array().into_iter().flatten() {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(name), "{path}: unknown scheme {name}");
                }
            }
        }
    }
}

/// What the document says of `/logout` holds: the bearer token alone, or the cookie with its
/// CSRF header; the cookie without it is refused.
#[actix_web::test]
async fn the_logout_requirements_match_the_route() {
    let app = example_app!(openapi);
    let jwt = openapi::jwt_manager();
    let token = jwt.create_access_token("ann").finish().unwrap();
    let csrf = jwt.decode_token(&token, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = ("Cookie", format!("access_token_cookie={token}"));
    let logout = || test::TestRequest::post().uri("/logout");

    let bearer = logout().insert_header(("Authorization", format!("Bearer {token}")));
    assert_eq!(send(&app, bearer.to_request()).await.0, StatusCode::OK);
    let cookie_only = logout().insert_header(cookie.clone());
    assert_eq!(
        send(&app, cookie_only.to_request()).await.0,
        StatusCode::UNAUTHORIZED
    );
    let with_csrf = logout()
        .insert_header(cookie)
        .insert_header(("X-CSRF-TOKEN", csrf));
    assert_eq!(send(&app, with_csrf.to_request()).await.0, StatusCode::OK);
}
