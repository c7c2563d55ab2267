//! Flask-JWT-Extended's `examples/simple.py` (docs: "Basic Usage") on actix-web: log in with a
//! username and password to get an access token, then send it to reach a protected route.
//!
//! ```sh
//! cargo run --example simple            # PORT=8080 cargo run --example simple
//! http POST :5000/login username=test password=test
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! ```

#[path = "support/json_errors.rs"]
mod json_errors;
#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, get_jwt_identity, jwt_required, JwtConfig, JwtError, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::{json, Value};

/// The JWT manager of this app.
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
    cfg.service(
        web::resource("/login")
            .app_data(json_errors::json_config())
            .route(web::post().to(login)),
    )
    .service(web::resource("/protected").route(web::get().to(protected)));
}

/// Authenticates the user and returns an access token.
async fn login(body: web::Json<Value>) -> Result<HttpResponse, JwtError> {
    let username = body.get("username").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if username != Some("test") || password != Some("test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let access_token = create_access_token(username).finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only requests with a valid access token get here.
#[jwt_required]
async fn protected() -> impl Responder {
    let current_user = get_jwt_identity();
    HttpResponse::Ok().json(json!({ "logged_in_as": current_user }))
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
