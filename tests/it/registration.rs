//! One registration: `.wrap(jwt)` alone gives every door, reader, token function and cookie
//! helper the manager, and `JwtManager` is an extractor in handlers.

use actix_jwt_extended::{
    create_access_token, get_jwt_identity, jwt_required, Jwt, JwtCookies, JwtError, JwtManager,
    JwtRequired, TokenLocation,
};
use actix_web::test::{self, TestRequest};
use actix_web::{get, post, web, App, HttpResponse};
use serde_json::json;

use crate::support::{config, get_with, manager_with, send_u16};

#[post("/login")]
async fn login() -> Result<HttpResponse, JwtError> {
    let token = create_access_token("ann").finish()?;
    let mut response = HttpResponse::Ok();
    response.set_access_cookies(&token)?;
    Ok(response.json(json!({ "access_token": token })))
}

#[get("/macro")]
#[jwt_required]
async fn by_macro() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": get_jwt_identity() }))
}

#[get("/extractor")]
async fn by_extractor(jwt: Jwt) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": jwt.sub() }))
}

/// The manager itself, as an extractor.
#[get("/manager")]
async fn manager_here(jwt: JwtManager) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "header": jwt.config().header_name }))
}

async fn scoped() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": get_jwt_identity() }))
}

#[actix_web::test]
async fn wrapping_the_app_in_the_manager_is_the_whole_registration() {
    let jwt = manager_with(actix_jwt_extended::JwtConfig {
        token_location: vec![TokenLocation::Headers, TokenLocation::Cookies],
        ..config()
    });
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .service(login)
            .service(by_macro)
            .service(by_extractor)
            .service(manager_here)
            .service(
                web::scope("/scope")
                    .wrap(JwtRequired::new())
                    .route("/me", web::get().to(scoped)),
            ),
    )
    .await;
    let (status, body) = send_u16(&app, TestRequest::post().uri("/login").to_request()).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(
        jwt.decode_token(&token, false).is_ok(),
        "signed by the app's manager"
    );
    let ann = json!({ "user": "ann" });
    for uri in ["/macro", "/extractor", "/scope/me"] {
        assert_eq!(
            send_u16(&app, get_with(uri, &token).to_request()).await,
            (200, ann.clone()),
            "{uri}"
        );
        assert_eq!(
            send_u16(&app, TestRequest::get().uri(uri).to_request())
                .await
                .0,
            401,
            "{uri}"
        );
    }
    let (status, body) = send_u16(&app, TestRequest::get().uri("/manager").to_request()).await;
    assert_eq!((status, body), (200, json!({ "header": "Authorization" })));
}

/// Without any registration, `JwtManager` as an extractor is Flask's "no manager" 500, not a
/// panic.
#[actix_web::test]
async fn the_manager_extractor_without_a_manager_is_a_500() {
    let app = test::init_service(App::new().service(manager_here)).await;
    assert_eq!(
        send_u16(&app, TestRequest::get().uri("/manager").to_request())
            .await
            .0,
        500
    );
}
