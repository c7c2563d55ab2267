//! The load benchmark's server: every compared route in one process (issue 7).
//!
//! - `/open`: no authentication.
//! - `/hand`, `/hand_rs256`: hand-written `Authorization: Bearer` parsing and
//!   `jsonwebtoken::decode` with a prebuilt key (HS256 / RS256, same crypto backend as ours).
//! - `/macro`, `/macro_rs256`: `#[jwt_required]`, the manager registered as the docs say
//!   (`.wrap(jwt).app_data(jwt)`), on the resource only so the other routes do not pay for it.
//! - `/macro_rs256_cached`: `/macro_rs256` with the opt-in verified-token cache (the same
//!   RS256 token is accepted: same keys).
//! - `/macro_user`: `#[jwt_required]` with a trivial user loader and the in-memory revocation
//!   store (`blocklist::MemoryStore`), the user read back with `current_user`.
//! - `/cookie_csrf` (POST): `#[jwt_required(locations = ["cookies"])]` with the CSRF double
//!   submit (`Cookie: access_token_cookie=...` and `X-CSRF-TOKEN`).
//!
//! - `/macro_memory`, `/macro_redis`, `/macro_redis_cached`, `/macro_postgres`,
//!   `/macro_postgres_cached`: `/macro` with a revocation store holding 10,000 revoked tokens
//!   (the Redis routes only when `BENCH_REDIS_URL` is set, the PostgreSQL ones when
//!   `BENCH_POSTGRES_URL` is; the same HS256 token).
//!
//! Every route answers `200 bench-user`. Environment: `PORT` (18080), `BENCH_WORKERS` (2),
//! `BENCH_TOKENS` (file to write the tokens to, as shell assignments; default: stdout),
//! `BENCH_REDIS_URL`, `BENCH_POSTGRES_URL`.

use actix_jwt_extended::blocklist::{
    CachedPostgresStore, CachedRedisStore, MemoryStore, PostgresStore, RedisStore,
};
use actix_jwt_extended::{current_user, get_jwt_identity, jwt_required, JwtManager};
use actix_jwt_extended_benches::{
    access_token, hs256_manager, hs256_store_manager, hs256_user_manager, rs256_cached_manager,
    rs256_manager, BenchUser, HandVerifier,
};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

async fn open() -> HttpResponse {
    HttpResponse::Ok().body("bench-user")
}

async fn hand(req: HttpRequest, verifier: web::Data<HandVerifier>) -> HttpResponse {
    let header = req.headers().get("Authorization").map(|v| v.as_bytes());
    match verifier.verify_header(header) {
        Some(claims) => HttpResponse::Ok().body(claims.sub),
        None => HttpResponse::Unauthorized().finish(),
    }
}

fn identity_body() -> HttpResponse {
    match get_jwt_identity() {
        Some(serde_json::Value::String(sub)) => HttpResponse::Ok().body(sub),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

#[jwt_required]
async fn macro_route() -> HttpResponse {
    identity_body()
}

#[jwt_required]
async fn macro_user() -> HttpResponse {
    match current_user::<BenchUser>() {
        Some(user) => HttpResponse::Ok().body(user.name.clone()),
        None => HttpResponse::InternalServerError().finish(),
    }
}

#[jwt_required(locations = ["cookies"])]
async fn cookie_csrf() -> HttpResponse {
    identity_body()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = env_or("PORT", 18080);
    let workers: usize = env_or("BENCH_WORKERS", 2);

    let hs256 = hs256_manager();
    let rs256 = rs256_manager();
    let rs256_cached = rs256_cached_manager();
    let (user, _blocklist) = hs256_user_manager();
    let mut stores: Vec<(&str, JwtManager)> = vec![(
        "/macro_memory",
        hs256_store_manager(MemoryStore::new()).await,
    )];
    if let Ok(url) = std::env::var("BENCH_REDIS_URL") {
        let prefix = format!("bench_{}:", std::process::id());
        let direct = RedisStore::connect(&url).await.expect("Redis");
        let cached = CachedRedisStore::connect(&url).await.expect("Redis");
        stores.push((
            "/macro_redis",
            hs256_store_manager(direct.with_prefix(prefix.clone())).await,
        ));
        stores.push((
            "/macro_redis_cached",
            hs256_store_manager(cached.with_prefix(prefix)).await,
        ));
    }
    if let Ok(url) = std::env::var("BENCH_POSTGRES_URL") {
        let direct = PostgresStore::connect(&url).await.expect("PostgreSQL");
        let cached = CachedPostgresStore::connect(&url).await.expect("PostgreSQL");
        stores.push(("/macro_postgres", hs256_store_manager(direct).await));
        stores.push(("/macro_postgres_cached", hs256_store_manager(cached).await));
    }
    let hand_hs256 = web::Data::new(HandVerifier::hs256());
    let hand_rs256 = web::Data::new(HandVerifier::rs256());

    let hs256_token = access_token(&hs256);
    let csrf = hs256
        .decode_token(&hs256_token, false)
        .ok()
        .and_then(|claims| claims.csrf().map(str::to_owned))
        .expect("tokens carry a csrf claim by default");
    let tokens = format!(
        "HS256_TOKEN={hs256_token}\nRS256_TOKEN={}\nUSER_TOKEN={}\nCSRF_TOKEN={csrf}\n",
        access_token(&rs256),
        access_token(&user),
    );
    match std::env::var_os("BENCH_TOKENS") {
        Some(path) => std::fs::write(path, tokens)?,
        None => print!("{tokens}"),
    }

    HttpServer::new(move || {
        let mut app = App::new();
        for (path, jwt) in &stores {
            app = app.service(
                web::resource(*path)
                    .wrap(jwt.clone())
                    .app_data(jwt.clone())
                    .route(web::get().to(macro_route)),
            );
        }
        app.route("/open", web::get().to(open))
            .service(
                web::resource("/hand")
                    .app_data(hand_hs256.clone())
                    .route(web::get().to(hand)),
            )
            .service(
                web::resource("/hand_rs256")
                    .app_data(hand_rs256.clone())
                    .route(web::get().to(hand)),
            )
            .service(
                web::resource("/macro")
                    .wrap(hs256.clone())
                    .app_data(hs256.clone())
                    .route(web::get().to(macro_route)),
            )
            .service(
                web::resource("/macro_user")
                    .wrap(user.clone())
                    .app_data(user.clone())
                    .route(web::get().to(macro_user)),
            )
            .service(
                web::resource("/macro_rs256")
                    .wrap(rs256.clone())
                    .app_data(rs256.clone())
                    .route(web::get().to(macro_route)),
            )
            .service(
                web::resource("/macro_rs256_cached")
                    .wrap(rs256_cached.clone())
                    .app_data(rs256_cached.clone())
                    .route(web::get().to(macro_route)),
            )
            .service(
                web::resource("/cookie_csrf")
                    .wrap(hs256.clone())
                    .app_data(hs256.clone())
                    .route(web::post().to(cookie_csrf)),
            )
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
