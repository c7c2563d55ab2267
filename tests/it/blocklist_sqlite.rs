//! The blocklist on SQLite (sqlx), each test with its own in-memory database: upstream
//! `tests/test_blocklist.py` with a real store, logout and
//! rotation (shared bodies in `support::blocklist`); the tables created if missing and kept
//! across restarts of the app; expired rows removed by `purge_expired`.

use crate::support::examples::blocklist_database;

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{RevocationStore, SqliteStore};
use actix_web::test::{self, TestRequest};
use actix_web::App;
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::ConnectOptions;

use crate::support::blocklist::{
    self as blocklist_support, app, call, delete, get, manager, ok, revoked, store_tests,
};

async fn store() -> Option<(SqliteStore, ())> {
    Some((SqliteStore::connect("sqlite::memory:").await.unwrap(), ()))
}

store_tests!(store);

#[actix_web::test]
async fn rotation_state_is_one_entry_per_family() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    let rows = || async {
        let count: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM jwt_blocklist) \
             + (SELECT count(*) FROM jwt_blocklist_subjects) \
             + (SELECT count(*) FROM jwt_blocklist_families)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        count as usize
    };
    blocklist_support::rotation_state_is_one_entry_per_family(store.clone(), rows).await;
}

/// A database file in a fresh temporary directory, removed on drop.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "jwt-blocklist-sqlite-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.join("blocklist.db").display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store error keeps sqlx's error as its source and says whether asking again may succeed:
/// a database another connection holds is busy (retryable), as is one that does not answer
/// in time; a read-only database takes no revocation however often it is asked (not
/// retryable).
#[actix_web::test]
async fn store_errors_keep_the_sqlx_error_and_say_whether_they_are_retryable() {
    let db = TempDb::new("errors");
    let store = SqliteStore::connect(&db.url()).await.unwrap();
    // SQLite's busy timeout off: a held database is `SQLITE_BUSY` at once.
    let options = SqliteConnectOptions::from_str(&db.url())
        .unwrap()
        .busy_timeout(Duration::ZERO);
    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .unwrap();
    let impatient = SqliteStore::new(pool).await.unwrap();
    let read_only = SqliteStore::connect(&format!("{}?mode=ro", db.url()))
        .await
        .unwrap();

    let mut holder = SqliteConnectOptions::from_str(&db.url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();

    let busy = impatient.revoke("a", None).await.unwrap_err();
    assert!(busy.is_retryable(), "{busy:?}");
    assert!(busy.message().starts_with("SQLite: "), "{busy:?}");
    let source = std::error::Error::source(&busy).expect("sqlx's error is the source");
    let sqlx_error = source.downcast_ref::<sqlx::Error>().expect("a sqlx::Error");
    let code = sqlx_error.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("5"), "SQLITE_BUSY: {sqlx_error:?}");

    let late = store
        .clone()
        .with_timeout(Duration::from_millis(100))
        .revoke("a", None)
        .await
        .unwrap_err();
    assert_eq!(late.message(), "SQLite did not answer in time");
    assert!(late.is_retryable());
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    let refused = read_only.revoke("a", None).await.unwrap_err();
    assert!(!refused.is_retryable(), "{refused:?}");
    let source = std::error::Error::source(&refused).expect("sqlx's error is the source");
    assert!(source.downcast_ref::<sqlx::Error>().is_some(), "{source:?}");
    assert!(store.revoke("a", None).await.is_ok());
}

#[actix_web::test]
async fn the_tables_are_created_if_missing_and_revocations_survive_a_restart() {
    let db = TempDb::new("restart");
    let store = SqliteStore::connect(&db.url()).await.unwrap();
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let other = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app, delete("/logout", &token)).await.0, 200);
    store.pool().close().await;

    // A new app on the same file: `CREATE TABLE IF NOT EXISTS` keeps the rows.
    let store = SqliteStore::connect(&db.url()).await.unwrap();
    let restarted = test::init_service(blocklist_support::app(manager(store.clone()))).await;
    assert_eq!(call!(restarted, get("/protected", &token)).await, revoked());
    assert_eq!(call!(restarted, get("/protected", &other)).await, ok());
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'jwt_blocklist%' \
         ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "jwt_blocklist",
            "jwt_blocklist_families",
            "jwt_blocklist_subjects"
        ]
    );
}

#[actix_web::test]
async fn purge_expired_removes_the_rows_of_expired_tokens_only() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    let past = SystemTime::now() - Duration::from_secs(60);
    let future = SystemTime::now() + Duration::from_secs(600);
    // Rows that expired a while ago, as a store running for a while holds them (a store never
    // records an entry that expires sooner than `CLOCK_SLACK` from now).
    let long_ago = 1_000_000_i64;
    for statement in [
        "INSERT INTO jwt_blocklist (jti, expires_at) VALUES ('expired', ?)",
        "INSERT INTO jwt_blocklist_subjects VALUES ('ann', 1, ?)",
        "INSERT INTO jwt_blocklist_families VALUES ('fam', 3, ?)",
    ] {
        sqlx::query(statement)
            .bind(long_ago)
            .execute(store.pool())
            .await
            .unwrap();
    }
    store.revoke("recent", Some(past)).await.unwrap();
    store.revoke("live", Some(future)).await.unwrap();
    store.revoke("forever", None).await.unwrap();
    store.revoke_subject("bob", 1, Some(future)).await.unwrap();

    assert_eq!(store.purge_expired().await.unwrap(), 3);
    assert!(
        store.is_revoked("recent").await.unwrap(),
        "kept CLOCK_SLACK"
    );
    assert!(!store.is_revoked("expired").await.unwrap());
    assert!(store.is_revoked("live").await.unwrap());
    assert!(store.is_revoked("forever").await.unwrap());
    assert_eq!(store.subject_revoked_up_to("ann").await.unwrap(), None);
    assert_eq!(store.subject_revoked_up_to("bob").await.unwrap(), Some(1));
    assert_eq!(store.purge_expired().await.unwrap(), 0);
}

#[actix_web::test]
async fn revoking_again_keeps_the_later_expiry() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    let soon = SystemTime::now() + Duration::from_secs(60);
    let later = SystemTime::now() + Duration::from_secs(600);
    store.revoke("a", Some(later)).await.unwrap();
    store.revoke("a", Some(soon)).await.unwrap();
    store.revoke("b", None).await.unwrap();
    store.revoke("b", Some(soon)).await.unwrap();

    let expiry = |jti: &'static str| {
        sqlx::query_scalar::<_, Option<i64>>("SELECT expires_at FROM jwt_blocklist WHERE jti = ?")
            .bind(jti)
            .fetch_one(store.pool())
    };
    let later_secs = later
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert_eq!(expiry("a").await.unwrap(), Some(later_secs));
    assert_eq!(expiry("b").await.unwrap(), None);
}

/// The docs' session of upstream's `blocklist_database.py`, against our `blocklist_database`
/// example (its default in-memory database).
#[actix_web::test]
async fn the_blocklist_database_example_revokes_on_logout() {
    let jwt = blocklist_database::jwt_manager(blocklist_database::store().await.unwrap());
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt)
            .configure(blocklist_database::configure),
    )
    .await;

    let (status, body) = call!(app, TestRequest::post().uri("/login")).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call!(app, get("/protected", &token)).await,
        (200, json!({"hello": "world"}))
    );
    assert_eq!(
        call!(app, delete("/logout", &token)).await,
        (200, json!({"msg": "JWT revoked"}))
    );
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());
    assert_eq!(call!(app, get("/logout", &token)).await.0, 405);
}
