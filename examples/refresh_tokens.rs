//! Flask-JWT-Extended's `examples/refresh_tokens.py` (docs: "Refreshing Tokens", explicit
//! refreshing) on actix-web: login returns an access and a refresh token; the refresh token
//! only reaches `/refresh`, which returns a new access token.
//!
//! ```sh
//! cargo run --example refresh_tokens
//! http POST :5000/login
//! http POST :5000/refresh Authorization:"Bearer $REFRESH_TOKEN"
//! http GET :5000/protected Authorization:"Bearer $ACCESS_TOKEN"
//! ```

#[path = "support/listen.rs"]
mod listen;

use std::time::Duration;

use actix_jwt_extended::{
    create_access_token, create_refresh_token, get_jwt_identity, jwt_required, JwtConfig, JwtError,
    JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;

/// The JWT manager of this app.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        access_token_expires: Some(Duration::from_secs(3600)),
        refresh_token_expires: Some(Duration::from_secs(30 * 24 * 3600)),
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/refresh").route(web::post().to(refresh)))
        .service(web::resource("/protected").route(web::get().to(protected)));
}

/// Returns an access and a refresh token (no password check, as upstream).
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    let refresh_token = create_refresh_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
    })))
}

/// `refresh`: only refresh tokens get here.
#[jwt_required(refresh)]
async fn refresh() -> Result<HttpResponse, JwtError> {
    let identity = get_jwt_identity();
    let access_token = create_access_token(identity).finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only requests with a valid access token get here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
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
