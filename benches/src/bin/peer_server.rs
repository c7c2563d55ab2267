//! The Rust peer comparator of the load benchmark (issue 7): the same protected HS256 route
//! as `/hand` and `/macro`, guarded by actix-jwt-auth-middleware 0.5 (jwt-compact, pure-Rust
//! HMAC) as its README sets it up, with the token in a header.
//!
//! The token travels in its `access_token: <JWT>` header, not `Authorization: Bearer <JWT>`:
//! with `enable_authorization_header`, version 0.5 hands the whole header value, `Bearer `
//! included, to the decoder and answers 400 to every such request.
//!
//! - `/open`: no authentication (the load script waits for it).
//! - `/peer`: the middleware on a scope, the claims extracted by its derived `FromRequest`.
//!
//! Built only with `--features peer`; environment as `bench_server` (`PORT`, `BENCH_WORKERS`,
//! `BENCH_TOKENS`, which receives `PEER_TOKEN=...`).

use actix_jwt_auth_middleware::use_jwt::UseJWTOnApp;
use actix_jwt_auth_middleware::{Authority, FromRequest, TokenSigner};
use actix_jwt_extended_benches::{SECRET, TOKEN_LIFETIME};
use actix_web::{web, App, HttpResponse, HttpServer};
use jwt_compact::alg::{Hs256, Hs256Key};
use serde::{Deserialize, Serialize};

/// The peer's custom claims: Flask-JWT-Extended's claim set (the peer adds `exp` and `iat`;
/// `nbf` is left out, as jwt-compact reserves it), so its tokens are about as long as ours.
#[derive(Serialize, Deserialize, Clone, FromRequest)]
struct PeerClaims {
    fresh: bool,
    jti: String,
    #[serde(rename = "type")]
    kind: String,
    sub: String,
    csrf: String,
}

async fn open() -> HttpResponse {
    HttpResponse::Ok().body("bench-user")
}

async fn peer(claims: PeerClaims) -> HttpResponse {
    HttpResponse::Ok().body(claims.sub)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn signer() -> TokenSigner<PeerClaims, Hs256> {
    TokenSigner::new()
        .signing_key(Hs256Key::new(SECRET.as_bytes()))
        .algorithm(Hs256)
        .build()
        .expect("peer token signer")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = env_or("PORT", 18082);
    let workers: usize = env_or("BENCH_WORKERS", 2);

    let claims = PeerClaims {
        fresh: false,
        jti: uuid::Uuid::new_v4().to_string(),
        kind: "access".to_owned(),
        sub: "bench-user".to_owned(),
        csrf: uuid::Uuid::new_v4().to_string(),
    };
    let token = signer()
        .create_signed_token(&claims, TOKEN_LIFETIME)
        .expect("peer token");
    let tokens = format!("PEER_TOKEN={token}\n");
    match std::env::var_os("BENCH_TOKENS") {
        Some(path) => std::fs::write(path, tokens)?,
        None => print!("{tokens}"),
    }

    HttpServer::new(|| {
        let authority = Authority::<PeerClaims, Hs256, _, _>::new()
            .refresh_authorizer(|| async move { Ok(()) })
            .renew_access_token_automatically(false)
            .enable_header_tokens(true)
            .enable_cookie_tokens(false)
            .token_signer(Some(signer()))
            .verifying_key(Hs256Key::new(SECRET.as_bytes()))
            .build()
            .expect("peer authority");
        App::new().route("/open", web::get().to(open)).use_jwt(
            authority,
            web::scope("/peer").route("", web::get().to(peer)),
        )
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
