//! Flask-JWT-Extended's `examples/blocklist_database.py` (docs: "JWT Revoking / Blocklist",
//! database) on actix-web: `DELETE /logout` records the calling token's `jti` in a database
//! table (created if missing); a revoked token gets 401 "Token has been revoked".
//!
//! `DATABASE_URL` picks the database: PostgreSQL for a `postgres://` (or `postgresql://`) URL,
//! SQLite for any other. As upstream, the default is an in-memory SQLite database; set
//! `DATABASE_URL=sqlite://blocklist.db` to keep revocations across restarts, or a PostgreSQL
//! URL to share them between app instances (and call the store's `purge` now and then).
//! Needs the features `sqlx-sqlite` and `sqlx-postgres` (this repository's dev-dependencies
//! enable both).
//!
//! ```sh
//! cargo run --example blocklist_database --features sqlx-sqlite,sqlx-postgres   # PORT=8080 ...
//! DATABASE_URL=postgres://app:secret@127.0.0.1/app cargo run --example blocklist_database --features sqlx-sqlite,sqlx-postgres
//! http POST :5000/login
//! http DELETE :5000/logout Authorization:"Bearer $JWT"
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! ```

#[path = "support/listen.rs"]
mod listen;

use std::sync::Arc;
use std::time::Duration;

use actix_jwt_extended::blocklist::{self, PostgresStore, RevocationStore, SqliteStore};
use actix_jwt_extended::{
    create_access_token, get_jwt, jwt_required, JwtConfig, JwtError, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;

const ACCESS_EXPIRES: Duration = Duration::from_secs(3600);

/// The JWT manager of this app, keeping revoked tokens in `store`.
pub fn jwt_manager(store: impl RevocationStore) -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        access_token_expires: Some(ACCESS_EXPIRES),
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .revocation_store(store)
        .build()
        .expect("valid JWT config")
}

/// The blocklist database at `DATABASE_URL`, by default in memory as upstream's; see
/// [`store_at`].
pub async fn store() -> std::io::Result<Arc<dyn RevocationStore>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    store_at(&url).await
}

/// The blocklist database at `url`: a `PostgresStore` for `postgres://` and `postgresql://`
/// URLs, an `SqliteStore` (`sqlite://path.db`, `sqlite::memory:`) otherwise. Its tables are
/// created if missing.
pub async fn store_at(url: &str) -> std::io::Result<Arc<dyn RevocationStore>> {
    let store: Arc<dyn RevocationStore> =
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Arc::new(
                PostgresStore::connect(url)
                    .await
                    .map_err(std::io::Error::other)?,
            )
        } else {
            Arc::new(
                SqliteStore::connect(url)
                    .await
                    .map_err(std::io::Error::other)?,
            )
        };
    Ok(store)
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/logout").route(web::delete().to(modify_token)))
        .service(web::resource("/protected").route(web::get().to(protected)));
}

/// Returns an access token (no password check, as upstream).
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Revokes the current access token: its `jti` and expiry go into the `jwt_blocklist` table.
#[jwt_required]
async fn modify_token() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "JWT revoked"})))
}

/// A revoked access token no longer gets here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"hello": "world"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let jwt = jwt_manager(store().await?);
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
