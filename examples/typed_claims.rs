//! The claims of a token as a JSON map, Flask's way, and as the app's own types, side by side:
//! login adds typed claims, `/map` reads them with `get_jwt()`, `/typed` with `get_jwt_as`, and
//! `/extractor` through `Jwt<Access, Roles>` (the readers work there too).
//!
//! ```sh
//! cargo run --example typed_claims
//! http POST :5000/login username=test password=test
//! http GET :5000/map Authorization:"Bearer $JWT"        # {"user": "test", "roles": ["admin", "ops"]}
//! http GET :5000/typed Authorization:"Bearer $JWT"      # the same, through MyClaims
//! http GET :5000/extractor Authorization:"Bearer $JWT"  # the same, through the extractor
//! ```

#[path = "support/json_errors.rs"]
mod json_errors;
#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, get_jwt, get_jwt_as, get_jwt_identity_as, jwt_required, Access, Jwt,
    JwtConfig, JwtError, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What login adds to the token: any `Serialize` type.
#[derive(Serialize)]
struct Extra {
    roles: Vec<String>,
}

/// How the app reads its tokens: the claims it needs, as types.
#[derive(Deserialize)]
struct MyClaims {
    sub: String,
    roles: Vec<String>,
}

/// Only the roles, for the extractor.
#[derive(Deserialize)]
struct Roles {
    roles: Vec<String>,
}

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
    cfg.service(
        web::resource("/login")
            .app_data(json_errors::json_config())
            .route(web::post().to(login)),
    )
    .service(web::resource("/map").route(web::get().to(map)))
    .service(web::resource("/typed").route(web::get().to(typed)))
    .service(web::resource("/extractor").route(web::get().to(extractor)));
}

async fn login(body: web::Json<Value>) -> Result<HttpResponse, JwtError> {
    let username = body.get("username").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if username != Some("test") || password != Some("test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let access_token = create_access_token(username)
        .additional_claims(Extra {
            roles: vec!["admin".into(), "ops".into()],
        })
        .finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Flask's way: the claims as a JSON map.
#[jwt_required]
async fn map() -> HttpResponse {
    let claims = get_jwt();
    HttpResponse::Ok().json(json!({ "user": claims.sub(), "roles": claims["roles"] }))
}

/// The same claims as `MyClaims`: a token without `roles` gets 422 naming the claim.
#[jwt_required]
async fn typed() -> Result<HttpResponse, JwtError> {
    let claims = get_jwt_as::<MyClaims>()?;
    Ok(HttpResponse::Ok().json(json!({ "user": claims.sub, "roles": claims.roles })))
}

/// The extractor form; the typed readers see the same token.
async fn extractor(jwt: Jwt<Access, Roles>) -> Result<HttpResponse, JwtError> {
    let user: String = get_jwt_identity_as()?;
    Ok(HttpResponse::Ok().json(json!({ "user": user, "roles": jwt.roles })))
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
