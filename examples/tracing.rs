//! The `tracing` events of the verification pipeline, printed by a `tracing-subscriber` fmt
//! subscriber: log in, reach the protected route, log out, and watch each refusal (a missing
//! token at `debug`, a revoked one at `info`) with its reason, route and token ids, never
//! the token itself.
//!
//! ```sh
//! cargo run --example tracing           # PORT=8080 cargo run --example tracing
//! RUST_LOG=actix_jwt_extended=info cargo run --example tracing   # revocations and failures only
//! http GET :5000/protected
//! http POST :5000/login
//! http DELETE :5000/logout Authorization:"Bearer $JWT"
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! ```

#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::blocklist::{self, MemoryStore};
use actix_jwt_extended::{
    create_access_token, get_jwt, get_jwt_identity, jwt_required, JwtConfig, JwtError, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The JWT manager of this app, keeping revoked tokens in memory.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .revocation_store(MemoryStore::new())
        .build()
        .expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/logout").route(web::delete().to(logout)))
        .service(web::resource("/protected").route(web::get().to(protected)));
}

/// Returns an access token (no password check, to keep the example short).
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Revokes the current access token: the next request with it is refused, and traced at `info`.
#[jwt_required]
async fn logout() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Access token revoked"})))
}

/// Only requests with a valid access token get here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({ "logged_in_as": get_jwt_identity() }))
}

/// What is printed: `RUST_LOG` when it is a list of `target=level` (the lean form
/// tracing-subscriber's `Targets` reads), else this crate's events from `debug` up and
/// everyone else's from `info` up.
fn filter() -> Targets {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse().ok());
    from_env.unwrap_or_else(|| {
        Targets::new()
            .with_default(Level::INFO)
            .with_target("actix_jwt_extended", Level::DEBUG)
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .with(filter())
        .init();
    let port = listen::port()?;
    let jwt = jwt_manager();
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
