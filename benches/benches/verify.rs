//! Per-request cost of verification and token creation: our pipeline against the bare
//! `jsonwebtoken` calls a careful engineer would write with a prebuilt key (issue 7).
//!
//! ```sh
//! cd benches && nice -n 10 cargo bench -j2 --bench verify && cargo run --release --bin report
//! ```
//!
//! Group `verify_<alg>`:
//! - `bare_decode`: `jsonwebtoken::decode` into a typed claims struct, prebuilt key and
//!   `Validation` (no leeway, `exp`/`nbf` checked, `sub` required), plus the `type` check.
//! - `bare_decode_value`: the same into `serde_json::Value` (what our claims map holds).
//! - `hand_header`: `Authorization: Bearer` parsing, then `bare_decode` (the `/hand` route).
//! - `decode_token`: `JwtManager::decode_token` (PyJWT-exact decoding only).
//! - `pipeline`: `verify_jwt_in_request` on a request (header → decode → type/fresh →
//!   blocklist → context), as `#[jwt_required]` runs it.
//! - `pipeline_cached` (RS256): `pipeline` with the opt-in verified-token cache and a repeated
//!   token.
//! - `pipeline_user` (HS256): the same with a trivial user loader and the in-memory
//!   revocation store (`blocklist::MemoryStore`).
//! - `claims_map` / `claims_typed` (HS256): `pipeline`, then the handler's reading of every
//!   claim: from the JSON map (`claims.sub()`, `claims["fresh"]`, ...) against deserializing
//!   them into a typed struct (what `get_jwt_as` and `Jwt<K, C>` do once per request).
//!
//! Each iteration verifies a new request: the request's extensions, where the doors of one
//! request share its verification, are cleared first.
//!
//! Group `create_<alg>`: `bare_encode` (`jsonwebtoken::encode`, same claims) against
//! `create_access_token`.

use std::hint::black_box;

use actix_jwt_extended::{verify_jwt_in_request, JwtManager, VerifyOptions};
use actix_jwt_extended_benches::{
    access_token, hs256_manager, hs256_user_manager, poll_ready, rs256_cached_manager,
    rs256_manager, HandClaims, HandSigner, HandVerifier, TOKEN_LIFETIME,
};
use actix_web::dev::Payload;
use actix_web::test::TestRequest;
use actix_web::{HttpMessage, HttpRequest};

/// `verify_jwt_in_request` on `req` as a new request: its extensions cleared, so that no
/// verification of an earlier iteration is shared.
fn verify_afresh(req: &HttpRequest) -> actix_jwt_extended::VerifiedJwt {
    req.extensions_mut().clear();
    poll_ready(verify_jwt_in_request(
        black_box(req),
        &mut Payload::None,
        VerifyOptions::new(),
    ))
    .expect("valid")
    .expect("a token")
}
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_verify(c: &mut Criterion, name: &str, jwt: &JwtManager, hand: &HandVerifier) {
    let token = access_token(jwt);
    let bearer = format!("Bearer {token}");
    let (req, _) = TestRequest::default()
        .insert_header(("Authorization", bearer.as_str()))
        .app_data(jwt.clone())
        .to_http_parts();

    // The same answers, or the comparison means nothing.
    assert!(hand.verify(&token).is_some());
    assert!(jwt.decode_token(&token, false).is_ok());
    assert!(poll_ready(verify_jwt_in_request(
        &req,
        &mut Payload::None,
        VerifyOptions::new()
    ))
    .expect("pipeline accepts the token")
    .is_some());

    let mut group = c.benchmark_group(format!("verify_{name}"));
    group.bench_function("bare_decode", |b| {
        b.iter(|| hand.verify(black_box(&token)).expect("valid"))
    });
    group.bench_function("bare_decode_value", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(
                black_box(&token),
                &hand.key,
                &hand.validation,
            )
            .expect("valid")
        })
    });
    group.bench_function("hand_header", |b| {
        b.iter(|| {
            let value = black_box(&req)
                .headers()
                .get("Authorization")
                .map(|v| v.as_bytes());
            hand.verify_header(value).expect("valid")
        })
    });
    group.bench_function("decode_token", |b| {
        b.iter(|| jwt.decode_token(black_box(&token), false).expect("valid"))
    });
    group.bench_function("pipeline", |b| b.iter(|| verify_afresh(&req)));
    if name == "hs256" {
        group.bench_function("claims_map", |b| {
            b.iter(|| {
                let claims = verify_afresh(&req).claims;
                black_box((
                    claims.sub().map(str::to_owned),
                    claims.exp(),
                    claims.get("nbf").and_then(serde_json::Value::as_i64),
                    claims.iat(),
                    claims.jti().map(str::to_owned),
                    claims.token_type().to_owned(),
                    claims.get("fresh").and_then(serde_json::Value::as_bool),
                    claims.csrf().map(str::to_owned),
                ))
            })
        });
        group.bench_function("claims_typed", |b| {
            b.iter(|| {
                let claims = verify_afresh(&req).claims;
                black_box(claims.deserialize::<HandClaims>().expect("fits"))
            })
        });
    }
    if name == "rs256" {
        let cached_jwt = rs256_cached_manager();
        let (cached_req, _) = TestRequest::default()
            .insert_header(("Authorization", bearer.as_str()))
            .app_data(cached_jwt.clone())
            .to_http_parts();
        group.bench_function("pipeline_cached", |b| b.iter(|| verify_afresh(&cached_req)));
    }
    if name == "hs256" {
        // The revocation store's check runs under `tokio::time::timeout`: enter a runtime
        // with a timer (the store answers at once, so the future is still ready when polled).
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let _entered = runtime.enter();
        let (user_jwt, _store) = hs256_user_manager();
        let user_token = access_token(&user_jwt);
        let (user_req, _) = TestRequest::default()
            .insert_header(("Authorization", format!("Bearer {user_token}")))
            .app_data(user_jwt.clone())
            .to_http_parts();
        group.bench_function("pipeline_user", |b| b.iter(|| verify_afresh(&user_req)));
    }
    group.finish();
}

fn bench_create(c: &mut Criterion, name: &str, jwt: &JwtManager, hand: &HandSigner) {
    let mut group = c.benchmark_group(format!("create_{name}"));
    group.bench_function("bare_encode", |b| {
        b.iter(|| hand.sign(black_box("bench-user")))
    });
    group.bench_function("create_access_token", |b| {
        b.iter(|| {
            jwt.create_access_token(black_box("bench-user"))
                .expires_in(TOKEN_LIFETIME)
                .finish()
                .expect("token")
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let hs256 = hs256_manager();
    let rs256 = rs256_manager();
    bench_verify(c, "hs256", &hs256, &HandVerifier::hs256());
    bench_verify(c, "rs256", &rs256, &HandVerifier::rs256());
    bench_create(c, "hs256", &hs256, &HandSigner::hs256());
    bench_create(c, "rs256", &rs256, &HandSigner::rs256());
}

criterion_group!(verify, benches);
criterion_main!(verify);
