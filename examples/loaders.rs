//! Flask-JWT-Extended's `examples/loaders.py` (docs: "Changing Default Behaviors") on
//! actix-web: `#[expired_token_loader]` replaces the response to an expired token. Every
//! other loader attribute (`#[invalid_token_loader]`, `#[unauthorized_loader]`, ...) works
//! the same way; see their docs for the arguments and return type each expects.
//!
//! ```sh
//! cargo run --example loaders
//! http POST :5000/login
//! http GET :5000/protected Authorization:"Bearer $JWT"   # {"hello": "world"}
//! # 15 minutes later:
//! http GET :5000/protected Authorization:"Bearer $JWT"   # 401 {"code": "dave", "err": "I can't let you do that"}
//! ```

#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, expired_token_loader, jwt_required, Claims, JwtConfig, JwtError,
    JwtHeader, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::json;

/// Returns a custom response whenever an expired token attempts to access a protected route.
/// It gets the token's header and claims, and returns the response to send.
#[expired_token_loader]
fn my_expired_token_callback(_jwt_header: &JwtHeader, _jwt_payload: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({ "code": "dave", "err": "I can't let you do that" }))
}

/// The JWT manager of this app; the loader above is registered by its attribute.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/protected").route(web::get().to(protected)));
}

async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": "world" }))
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
