//! Flask-JWT-Extended's `examples/optional_protected_endpoints.py` (docs: "Partially
//! protecting routes") on actix-web: `/optionally_protected` answers with or without a token.
//!
//! ```sh
//! cargo run --example optional_protected_endpoints
//! http GET :5000/optionally_protected                                # anonymous user
//! http POST :5000/login username=test password=test
//! http GET :5000/optionally_protected Authorization:"Bearer $JWT"    # test
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
    .service(web::resource("/optionally_protected").route(web::get().to(optionally_protected)));
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

/// Runs without a token too; an invalid token is still rejected. As Flask's
/// `if current_identity:`, a falsy identity (an empty string, `0`, `false`, an empty list or
/// object) reads as anonymous too.
#[jwt_required(optional)]
async fn optionally_protected() -> impl Responder {
    match get_jwt_identity().filter(truthy) {
        Some(current_identity) => {
            HttpResponse::Ok().json(json!({ "logged_in_as": current_identity }))
        }
        None => HttpResponse::Ok().json(json!({"logged_in_as": "anonymous user"})),
    }
}

/// Python's truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
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
