//! Flask-JWT-Extended's `examples/jwt_locations.py` (docs: "JWT Locations") on actix-web: one
//! app accepting tokens in headers, cookies, a JSON body or the query string, and a route that
//! accepts headers only.
//!
//! ```sh
//! cargo run --example jwt_locations     # PORT=8080 cargo run --example jwt_locations
//! http POST :5000/login_without_cookies
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! http POST :5000/protected access_token=$JWT
//! http GET ":5000/protected?jwt=$JWT"
//! http --session=demo POST :5000/login_with_cookies
//! http --session=demo POST :5000/protected X-CSRF-TOKEN:$CSRF_ACCESS_TOKEN_COOKIE
//! http --session=demo POST :5000/logout_with_cookies
//! ```
//!
//! Cookie-borne tokens need the CSRF double submit on state-changing requests: send the value
//! of the `csrf_access_token` cookie (readable by JavaScript) in the `X-CSRF-TOKEN` header.

#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, jwt_required, JwtConfig, JwtCookies, JwtError, JwtManager, TokenLocation,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;

/// The JWT manager of this app.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        // Every place a token may be sent in, tried in this order. Flask's default is headers only.
        token_location: vec![
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::Json,
            TokenLocation::QueryString,
        ],
        // `Secure` cookies are only sent over HTTPS, and this demo serves plain HTTP on
        // localhost. In production, set this to true.
        cookie_secure: false,
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(
        web::resource("/login_without_cookies").route(web::post().to(login_without_cookies)),
    )
    .service(web::resource("/login_with_cookies").route(web::post().to(login_with_cookies)))
    .service(web::resource("/logout_with_cookies").route(web::post().to(logout_with_cookies)))
    .service(
        web::resource("/protected")
            .route(web::get().to(protected))
            .route(web::post().to(protected)),
    )
    .service(web::resource("/only_headers").route(web::get().to(only_headers)));
}

/// Returns the token in the body: the client sends it back in a header, body or query string.
async fn login_without_cookies() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Sets the token cookie (HttpOnly) and its CSRF cookie (readable by JavaScript).
async fn login_with_cookies() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    let mut response = HttpResponse::Ok();
    response.set_access_cookies(&access_token)?;
    Ok(response.json(json!({"msg": "login successful"})))
}

/// Deletes the access and refresh cookies and their CSRF cookies.
async fn logout_with_cookies() -> Result<HttpResponse, JwtError> {
    let mut response = HttpResponse::Ok();
    response.unset_jwt_cookies(None)?;
    Ok(response.json(json!({"msg": "logout successful"})))
}

/// Accepts a token from any configured location.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// Accepts a token from the `Authorization` header only, whatever the config says.
#[jwt_required(locations = ["headers"])]
async fn only_headers() -> impl Responder {
    HttpResponse::Ok().json(json!({"foo": "baz"}))
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
