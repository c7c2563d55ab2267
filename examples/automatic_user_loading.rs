//! Flask-JWT-Extended's `examples/automatic_user_loading.py` (docs: "Automatic User Loading")
//! on actix-web: the users live in an in-memory SQLite database (through sqlx);
//! `#[user_identity_loader]` turns the `User` given to `create_access_token` into its id,
//! `#[user_lookup_loader]` loads the user back from the database on every protected request,
//! and `/who_am_i` gets it as Flask's `current_user`.
//!
//! The identity is the user id *as a string*: Flask-JWT-Extended 4.7 checks that `sub` is a
//! string (`JWT_VERIFY_SUB`), so the upstream example, which stores the integer id, answers
//! `/who_am_i` with 422 "Subject must be a string". A token whose `sub` is an integer still
//! gets that 422 here.
//!
//! ```sh
//! cargo run --example automatic_user_loading
//! http POST :5000/login username=panther password=password
//! http GET :5000/who_am_i Authorization:"Bearer $JWT"
//! # {"id": 2, "full_name": "Ann Takamaki", "username": "panther"}
//! ```

#[path = "support/json_errors.rs"]
mod json_errors;
#[path = "support/listen.rs"]
mod listen;

use actix_jwt_extended::{
    create_access_token, user_identity_loader, user_lookup_loader, Claims, CurrentUser, JwtConfig,
    JwtHeader, JwtManager,
};
use actix_web::error::ErrorInternalServerError;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::Row;

/// A row of the `user` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
}

impl User {
    // NOTE: In a real application make sure to properly hash and salt passwords
    fn check_password(&self, password: &str) -> bool {
        constant_time_eq(password.as_bytes(), b"password")
    }

    async fn find(
        db: &SqlitePool,
        column: Column,
        value: &str,
    ) -> Result<Option<User>, sqlx::Error> {
        let query = match column {
            Column::Id => "SELECT id, username, full_name FROM user WHERE id = ?",
            Column::Username => "SELECT id, username, full_name FROM user WHERE username = ?",
        };
        sqlx::query(query)
            .bind(value)
            .fetch_optional(db)
            .await?
            .map(|row: SqliteRow| {
                Ok(User {
                    id: row.try_get("id")?,
                    username: row.try_get("username")?,
                    full_name: row.try_get("full_name")?,
                })
            })
            .transpose()
    }
}

/// The columns users are looked up by.
enum Column {
    Id,
    Username,
}

/// Like Python's `hmac.compare_digest`: the time taken does not tell how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An in-memory SQLite database (`sqlite://`) with the example's three users.
pub async fn database() -> Result<SqlitePool, sqlx::Error> {
    // One connection, never closed: every connection to `:memory:` opens a database of its own.
    let db = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await?;
    sqlx::query(
        "CREATE TABLE user (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            full_name TEXT NOT NULL
        )",
    )
    .execute(&db)
    .await?;
    for (full_name, username) in [
        ("Bruce Wayne", "batman"),
        ("Ann Takamaki", "panther"),
        ("Jester Lavore", "little_sapphire"),
    ] {
        sqlx::query("INSERT INTO user (full_name, username) VALUES (?, ?)")
            .bind(full_name)
            .bind(username)
            .execute(&db)
            .await?;
    }
    Ok(db)
}

/// Takes whatever is passed as the identity when creating JWTs (here a `User`) and converts it
/// to the identity stored in the token: the user's id, as a string.
#[user_identity_loader]
fn user_identity_lookup(user: User) -> String {
    user.id.to_string()
}

/// Loads the user from the database whenever a protected route is accessed: `None` (e.g. the
/// user has been deleted) refuses the request with 401 "Error loading the user <id>", and a
/// database error with a 500.
#[user_lookup_loader]
async fn user_lookup_callback(
    _jwt_header: &JwtHeader,
    jwt_data: &Claims,
    db: web::Data<SqlitePool>,
) -> Result<Option<User>, sqlx::Error> {
    let identity = jwt_data.sub().unwrap_or_default();
    User::find(&db, Column::Id, identity).await
}

/// The JWT manager of this app; the loaders above are registered by their attributes.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app. They need the database as app data: `web::Data<SqlitePool>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(
        web::resource("/login")
            .app_data(json_errors::json_config())
            .route(web::post().to(login)),
    )
    .service(web::resource("/who_am_i").route(web::get().to(who_am_i)));
}

/// Checks the username and password and returns an access token for the user.
async fn login(
    body: web::Json<Value>,
    db: web::Data<SqlitePool>,
) -> Result<HttpResponse, actix_web::Error> {
    let username = body.get("username").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    let user = match username {
        Some(username) => User::find(&db, Column::Username, username)
            .await
            .map_err(ErrorInternalServerError)?,
        None => None,
    };
    let Some(user) = user.filter(|user| password.is_some_and(|p| user.check_password(p))) else {
        return Ok(HttpResponse::Unauthorized().json("Wrong username or password"));
    };
    // Notice that we are passing in the actual `User` here.
    let access_token = create_access_token(&user).finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only requests with a valid access token of an existing user get here. `CurrentUser<User>`
/// verifies the token as `#[jwt_required]` does and holds the user the lookup loaded, Flask's
/// `current_user` (in a `#[jwt_required]` handler, `current_user::<User>()` gives the same).
async fn who_am_i(current_user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "id": current_user.id,
        "full_name": current_user.full_name,
        "username": current_user.username,
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let db = web::Data::new(database().await.map_err(std::io::Error::other)?);
    let jwt = jwt_manager();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(jwt.clone())
            .app_data(db.clone())
            .configure(configure)
    })
    .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
