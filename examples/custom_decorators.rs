//! Flask-JWT-Extended's `examples/custom_decorators.py` (docs: "Custom Decorators") on
//! actix-web: `admin_required`, a guard built on `verify_jwt_in_request` (the function behind
//! `#[jwt_required]`) that also requires an `is_administrator` claim. Flask's decorator
//! becomes an actix middleware function, wrapped around the routes it protects.
//!
//! ```sh
//! cargo run --example custom_decorators
//! http POST :5000/login
//! http GET :5000/protected Authorization:"Bearer $JWT"   # {"foo": "bar"}
//! ```

#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, verify_jwt_in_request, JwtConfig, JwtError, JwtManager, VerifyOptions,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// Verifies that a JWT is present in the request, and that it has a claim saying its user is
/// an administrator; else 403 `{"msg": "Admins only!"}`. A missing or invalid token gets the
/// same responses as with `#[jwt_required]`.
///
/// Use it as `web::resource("/protected").wrap(from_fn(admin_required))`, or on a whole scope.
pub async fn admin_required(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (http_req, payload) = req.parts_mut();
    let verified = match verify_jwt_in_request(http_req, payload, VerifyOptions::new()).await {
        Ok(verified) => verified,
        // The error's response: Flask's, or the manager's loader's.
        Err(error) => return Ok(req.error_response(error).map_into_right_body()),
    };
    match verified {
        // Only when the manager exempts OPTIONS requests (`exempt_options(true)`): they pass,
        // as with `#[jwt_required]`.
        None => Ok(next.call(req).await?.map_into_left_body()),
        Some(jwt) if jwt.claims.get("is_administrator") == Some(&Value::Bool(true)) => {
            Ok(next.call(req).await?.map_into_left_body())
        }
        Some(_) => {
            let forbidden = HttpResponse::Forbidden().json(json!({ "msg": "Admins only!" }));
            Ok(req.into_response(forbidden).map_into_right_body())
        }
    }
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
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(
            web::resource("/protected")
                .wrap(from_fn(admin_required))
                .route(web::get().to(protected)),
        );
}

async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("admin_user")
        .additional_claims(json!({ "is_administrator": true }))
        .finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": "bar" }))
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
