//! An OpenAPI document for a protected API (feature `utoipa`): `JwtSecuritySchemes` adds the
//! bearer scheme and the cookie + CSRF pair, named after this app's configuration, and each
//! protected route lists what it accepts with `security(...)`. The document is served at
//! `/api-docs/openapi.json`, ready for Swagger UI or a client generator.
//!
//! ```sh
//! cargo run --example openapi --features utoipa     # PORT=8080 cargo run --example openapi --features utoipa
//! http GET :5000/api-docs/openapi.json
//! http POST :5000/login
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! ```

#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, get_jwt_identity, jwt_required, JwtConfig, JwtCookies, JwtError,
    JwtManager, JwtSecuritySchemes, TokenLocation,
};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, Responder};
use serde_json::json;
use utoipa::{Modify, OpenApi};

/// The routes' part of the document; the security schemes are added by [`openapi`].
#[derive(OpenApi)]
#[openapi(
    info(title = "actix-jwt-extended example", version = "1.0.0"),
    paths(login, protected, logout)
)]
struct ApiDoc;

/// The whole document: the routes, and the security schemes with `jwt`'s header, cookie and
/// CSRF header names.
pub fn openapi(jwt: &JwtManager) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    JwtSecuritySchemes::new(jwt.config()).modify(&mut doc);
    doc
}

/// The JWT manager of this app: tokens in the `Authorization` header or in cookies.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        token_location: vec![TokenLocation::Headers, TokenLocation::Cookies],
        cookie_secure: false, // only for this example over plain http
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/protected").route(web::get().to(protected)))
        .service(web::resource("/logout").route(web::post().to(logout)))
        .service(web::resource("/api-docs/openapi.json").route(web::get().to(openapi_json)));
}

/// Returns an access token, in the body and in a cookie (no password check, to keep the
/// example short).
#[utoipa::path(post, path = "/login", responses(
    (status = 200, description = "An access token, also set as the access cookie")
))]
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    let mut response = HttpResponse::Ok();
    response.set_access_cookies(&access_token)?;
    Ok(response.json(json!({ "access_token": access_token })))
}

/// Reached with the token in the header or in the cookie (a GET needs no CSRF token).
#[utoipa::path(
    get,
    path = "/protected",
    security(("jwt_bearer" = []), ("jwt_cookie" = [])),
    responses(
        (status = 200, description = "Who the token belongs to"),
        (status = 401, description = "No token, or an expired one"),
        (status = 422, description = "A malformed or invalid token"),
    )
)]
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({ "logged_in_as": get_jwt_identity() }))
}

/// Logs out of the cookie session. A POST: with the cookie, the CSRF header must come too.
#[utoipa::path(
    post,
    path = "/logout",
    security(("jwt_bearer" = []), ("jwt_cookie" = [], "jwt_csrf" = [])),
    responses(
        (status = 200, description = "The cookies are unset"),
        (status = 401, description = "No token, or a cookie without its CSRF header"),
    )
)]
#[jwt_required]
async fn logout() -> Result<HttpResponse, JwtError> {
    let mut response = HttpResponse::Ok();
    response.unset_jwt_cookies(None)?;
    Ok(response.json(json!({"msg": "logout successful"})))
}

/// The OpenAPI document, as JSON.
async fn openapi_json(req: HttpRequest) -> HttpResponse {
    let jwt = JwtManager::from_request(&req).expect("the app has a JwtManager");
    HttpResponse::Ok().json(openapi(&jwt))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let jwt = jwt_manager();
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
