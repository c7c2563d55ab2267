//! What the blocklist check costs per request, for each revocation store: the time of one
//! `GET /protected` with a valid (not revoked) token, as a ratio to the same request without a
//! blocklist, all measured in the same run. Each store holds 10,000 revoked tokens.
//!
//! Requests go through actix's in-process test service (no sockets), so the ratios show the
//! check against the rest of the pipeline (routing, decoding, HS256); over the network, the
//! fixed costs are larger and the ratios closer to 1. Redis, direct and cached, is measured
//! when `REDIS_URL` (default `redis://127.0.0.1:6379`) answers, PostgreSQL when `POSTGRES_URL`
//! is set.
//!
//! ```sh
//! cargo run --release --example blocklist_cost --features redis,sqlx-sqlite,sqlx-postgres
//! ```

use std::time::{Duration, Instant, SystemTime};

use actix_jwt_extended::blocklist::{
    CachedPostgresStore, CachedRedisStore, MemoryStore, PostgresStore, RedisStore, RevocationStore,
    SqliteStore,
};
use actix_jwt_extended::{jwt_required, JwtConfig, JwtManager};
use actix_web::test::{self, TestRequest};
use actix_web::{get, App, HttpResponse};

const REVOKED: usize = 10_000;
const REQUESTS: u32 = 2_000;
const ROUNDS: usize = 25;

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn config() -> JwtConfig {
    JwtConfig {
        secret_key: Some("super-secret".into()), // change this!
        ..JwtConfig::default()
    }
}

/// A manager over `store`, with `REVOKED` tokens revoked in it.
async fn with_store(store: impl RevocationStore + Clone) -> JwtManager {
    let expires = Some(SystemTime::now() + Duration::from_secs(3600));
    for i in 0..REVOKED {
        let jti = format!("00000000-0000-4000-8000-{i:012}");
        store.revoke(&jti, expires).await.expect("revoke");
    }
    JwtManager::builder(config())
        .revocation_store(store)
        .build()
        .expect("valid JWT config")
}

/// The mean time of one request to `jwt`'s app, over `REQUESTS` requests.
async fn time_requests(jwt: &JwtManager) -> Duration {
    let app = test::init_service(App::new().wrap(jwt.clone()).service(protected)).await;
    let token = jwt.create_access_token("user").finish().expect("token");
    let request = || {
        TestRequest::get()
            .uri("/protected")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    for _ in 0..REQUESTS / 10 {
        test::call_service(&app, request()).await;
    }
    let start = Instant::now();
    for _ in 0..REQUESTS {
        let response = test::call_service(&app, request()).await;
        assert!(response.status().is_success(), "{}", response.status());
    }
    start.elapsed() / REQUESTS
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("jwt-blocklist-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = |url: String| async move { SqliteStore::connect(&url).await.expect("SQLite") };

    let mut setups: Vec<(&str, JwtManager)> = vec![
        (
            "no blocklist",
            JwtManager::new(config()).expect("valid JWT config"),
        ),
        ("MemoryStore", with_store(MemoryStore::new()).await),
        (
            "SqliteStore (in memory)",
            with_store(sqlite("sqlite::memory:".into()).await).await,
        ),
        (
            "SqliteStore (file)",
            with_store(sqlite(format!("sqlite://{}", dir.join("blocklist.db").display())).await)
                .await,
        ),
    ];
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    match RedisStore::connect(&redis_url).await {
        Ok(store) => {
            let store = store.with_prefix(format!("blocklist_cost_{}:", std::process::id()));
            setups.push(("RedisStore (local)", with_store(store).await));
        }
        Err(e) => println!("RedisStore skipped: {e}"),
    }
    match CachedRedisStore::connect(&redis_url).await {
        Ok(store) => {
            let prefix = format!("blocklist_cost_cached_{}:", std::process::id());
            setups.push((
                "CachedRedisStore (local)",
                with_store(store.with_prefix(prefix)).await,
            ));
        }
        Err(e) => println!("CachedRedisStore skipped: {e}"),
    }
    match std::env::var("POSTGRES_URL") {
        Ok(url) => {
            let store = PostgresStore::connect(&url).await.expect("PostgreSQL");
            setups.push(("PostgresStore (local)", with_store(store).await));
            let store = CachedPostgresStore::connect(&url)
                .await
                .expect("PostgreSQL");
            setups.push(("CachedPostgresStore (local)", with_store(store).await));
        }
        Err(_) => println!("PostgresStore skipped: set POSTGRES_URL"),
    }

    // Interleaved rounds: drifts and neighbours' load hit every setup alike. The best round
    // of each setup is its least disturbed one; the median shows the typical one.
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); setups.len()];
    for _ in 0..ROUNDS {
        for ((_, jwt), times) in setups.iter().zip(&mut times) {
            times.push(time_requests(jwt).await);
        }
    }
    for times in &mut times {
        times.sort();
    }
    println!(
        "{ROUNDS} rounds of {REQUESTS} requests, time per request; {REVOKED} revoked tokens in each store"
    );
    println!(
        "{:<26} {:>10} {:>10} {:>8} {:>10} {:>8}",
        "store", "best", "check", "ratio", "median", "ratio"
    );
    let (best0, median0) = (times[0][0], times[0][ROUNDS / 2]);
    for ((name, _), times) in setups.iter().zip(&times) {
        let (best, median) = (times[0], times[ROUNDS / 2]);
        println!(
            "{name:<26} {best:>10.1?} {:>10.1?} {:>7.2}x {median:>10.1?} {:>7.2}x",
            best.saturating_sub(best0),
            best.as_secs_f64() / best0.as_secs_f64(),
            median.as_secs_f64() / median0.as_secs_f64(),
        );
    }
    std::fs::remove_dir_all(&dir)
}
