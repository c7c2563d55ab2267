//! Flask-JWT-Extended's `examples/blocklist_redis.py` (docs: "JWT Revoking / Blocklist",
//! Redis) on actix-web: `DELETE /logout` revokes the access token that calls it; Redis keeps its
//! `jti` until the token would have expired, so every instance of the app sharing this Redis
//! refuses it with 401 "Token has been revoked". If Redis cannot answer, protected routes
//! answer 503 rather than let a possibly revoked token through.
//!
//! ```sh
//! redis-server --port 6379 --save '' &     # or set REDIS_URL=redis://host:port/db
//! cargo run --example blocklist_redis --features redis      # PORT=8080 cargo run --example blocklist_redis --features redis
//! http POST :5000/login
//! http DELETE :5000/logout Authorization:"Bearer $JWT"
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! ```

#[path = "support/listen.rs"]
mod listen;

use std::time::Duration;

use actix_jwt_extended::blocklist::{self, RedisStore};
use actix_jwt_extended::{
    create_access_token, get_jwt, jwt_required, JwtConfig, JwtError, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;

const ACCESS_EXPIRES: Duration = Duration::from_secs(3600);

/// The JWT manager of this app, keeping revoked tokens in `store`.
pub fn jwt_manager(store: RedisStore) -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        access_token_expires: Some(ACCESS_EXPIRES),
        ..JwtConfig::default()
    };
    // Configure Redis to persist its data (AOF) if a Redis restart must not forget which
    // tokens were revoked.
    JwtManager::builder(config)
        .revocation_store(store)
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

/// Returns an access token (no password check, as upstream).
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Revokes the current access token: its `jti` goes to Redis with a TTL equal to the token's
/// remaining lifetime, so Redis forgets it when the token expires anyway.
#[jwt_required]
async fn logout() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Access token revoked"})))
}

/// A revoked access token no longer gets here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"hello": "world"}))
}

/// Serves the app on `127.0.0.1:port`, with the blocklist in the Redis at `redis_url`.
pub async fn run(port: u16, redis_url: &str) -> std::io::Result<()> {
    let store = RedisStore::connect(redis_url)
        .await
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::ConnectionRefused, e))?;
    let jwt = jwt_manager(store);
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    run(port, &redis_url).await
}
