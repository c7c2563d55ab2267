//! Flask-JWT-Extended's `examples/token_freshness.py` (docs: "Token Freshness Pattern") on
//! actix-web: a password login gives a fresh access token, a refresh gives a non-fresh one,
//! and `/protected` takes only fresh tokens.
//!
//! ```sh
//! cargo run --example token_freshness
//! http POST :5000/login username=test password=test
//! http GET :5000/protected Authorization:"Bearer $ACCESS_TOKEN"      # 200
//! http POST :5000/refresh Authorization:"Bearer $REFRESH_TOKEN"
//! http GET :5000/protected Authorization:"Bearer $NEW_ACCESS_TOKEN"  # 401 Fresh token required
//! ```

#[path = "support/json_errors.rs"]
mod json_errors;
#[path = "support/listen.rs"]
mod listen;

use std::time::Duration;

use actix_jwt_extended::{
    create_access_token, create_refresh_token, get_jwt_identity, jwt_required, JwtConfig, JwtError,
    JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::{json, Value};

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
    cfg.service(
        web::resource("/login")
            .app_data(json_errors::json_config())
            .route(web::post().to(login)),
    )
    .service(web::resource("/refresh").route(web::post().to(refresh)))
    .service(web::resource("/protected").route(web::get().to(protected)));
}

/// The password was just checked, so the access token is fresh.
async fn login(body: web::Json<Value>) -> Result<HttpResponse, JwtError> {
    let username = body.get("username").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if username != Some("test") || password != Some("test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let access_token = create_access_token("example_user").fresh(true).finish()?;
    let refresh_token = create_refresh_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
    })))
}

/// No password was checked in a while, so the new access token is not fresh.
#[jwt_required(refresh)]
async fn refresh() -> Result<HttpResponse, JwtError> {
    let identity = get_jwt_identity();
    let access_token = create_access_token(identity).fresh(false).finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only fresh access tokens get here.
#[jwt_required(fresh)]
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
