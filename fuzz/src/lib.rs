//! What the fuzz targets share: the managers, the seed tokens (signed with [`SECRET`], the
//! only valid tokens a fuzzer can ever hold), and a small actix runtime that drives
//! `verify_jwt_in_request` on `actix_web::test` requests, as `#[jwt_required]` does.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::LazyLock;

use actix_jwt_extended::{
    verify_jwt_in_request, Claims, JwtConfig, JwtErrorKind, JwtManager, VerifiedJwt, VerifyOptions,
};
use actix_web::dev::Payload;
use actix_web::test::TestRequest;
use actix_web::ResponseError;
use futures_util::Stream;

/// The HMAC secret of every manager here and of the seeds.
pub const SECRET: &str = "fuzz-secret";

/// Valid tokens (HS256, `SECRET`, no `exp` except `expired`), made once with Python's `hmac`.
/// Their `csrf` claims are `seed-csrf-<name>`, their `jti`s `seed-<name>`.
pub const SEEDS: [&str; 4] = [
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmcmVzaCI6ZmFsc2UsImlhdCI6MTcwMDAwMDAwMCwianRpIjoic2VlZC1hY2Nlc3MiLCJ0eXBlIjoiYWNjZXNzIiwic3ViIjoiYW5uIiwibmJmIjoxNzAwMDAwMDAwLCJjc3JmIjoic2VlZC1jc3JmLWFjY2VzcyJ9.bJF9j7GhV6oVx9vPo7eVMlbo358in-KkKyHq-69LCe4",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmcmVzaCI6dHJ1ZSwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiJzZWVkLWZyZXNoIiwidHlwZSI6ImFjY2VzcyIsInN1YiI6ImFubiIsIm5iZiI6MTcwMDAwMDAwMCwiY3NyZiI6InNlZWQtY3NyZi1mcmVzaCJ9.0JNjQygbTWZCDQELsV89qLZ3_yi8zAcgrAPn3lAg7Qg",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmcmVzaCI6ZmFsc2UsImlhdCI6MTcwMDAwMDAwMCwianRpIjoic2VlZC1yZWZyZXNoIiwidHlwZSI6InJlZnJlc2giLCJzdWIiOiJhbm4iLCJuYmYiOjE3MDAwMDAwMDAsImNzcmYiOiJzZWVkLWNzcmYtcmVmcmVzaCJ9.ZkA4XJFs4wZ4iNs1Cg2ZYnaY_1p63449hnKvk4rlPfE",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmcmVzaCI6ZmFsc2UsImlhdCI6MTcwMDAwMDAwMCwianRpIjoic2VlZC1leHBpcmVkIiwidHlwZSI6ImFjY2VzcyIsInN1YiI6ImFubiIsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwOTAwLCJjc3JmIjoic2VlZC1jc3JmLWV4cGlyZWQifQ.whntAzX7u_86tjd9FrXfbbn5LiVqZsKdVDixH8WQW4o",
];

/// The decoded claims of every seed.
pub static SEED_CLAIMS: LazyLock<Vec<Claims>> = LazyLock::new(|| {
    let jwt = manager(base_config());
    SEEDS
        .iter()
        .map(|seed| jwt.decode_token(seed, true).expect("seed tokens are valid"))
        .collect()
});

/// The default config with [`SECRET`].
pub fn base_config() -> JwtConfig {
    JwtConfig {
        secret_key: Some(SECRET.into()),
        ..JwtConfig::default()
    }
}

/// A manager without attribute-registered loaders.
pub fn manager(config: JwtConfig) -> JwtManager {
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .build()
        .expect("valid fuzz config")
}

/// Runs `fut` on this thread's actix runtime, made once per thread.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    thread_local! {
        static RUNTIME: actix_web::rt::SystemRunner = actix_web::rt::System::new();
    }
    RUNTIME.with(|rt| rt.block_on(fut))
}

/// Whether `token` is a seed under its only spelling (what decodes must be a seed: the fuzzer
/// cannot sign).
pub fn is_seed_signing_input(token: &str) -> bool {
    let input = token.rsplit_once('.').map(|(input, _)| input);
    SEEDS
        .iter()
        .any(|seed| seed.rsplit_once('.').map(|(input, _)| input) == input)
}

/// Verifies `req` with `manager` and `options` and checks the outcome: a verified token is one
/// of the seeds, an error maps to one of the pipeline's client statuses and renders. Returns
/// what the handler's extractors would see of the body afterwards.
pub fn verify_and_check(manager: &JwtManager, req: TestRequest, options: VerifyOptions) -> Vec<u8> {
    let (req, mut payload) = req.app_data(manager.clone()).to_http_parts();
    block_on(async {
        match verify_jwt_in_request(&req, &mut payload, options).await {
            Ok(Some(jwt)) => check_verified(&jwt),
            // OPTIONS is verified like any other method unless the manager exempts it (off by
            // default, and off in the fuzz targets' managers).
            Ok(None) => assert!(options.is_optional(), "no token and no error on a required route"),
            Err(error) => {
                use JwtErrorKind::*;
                assert!(
                    matches!(
                        error.kind(),
                        NoAuthorization
                            | Csrf
                            | InvalidHeader
                            | InvalidQueryParam
                            | Decode
                            | WrongTokenType
                            | Expired
                            | NeedsFresh
                            | PayloadTooLarge
                            | BadBody
                    ),
                    "unexpected error kind {:?}: {}",
                    error.kind(),
                    error
                );
                let response = error.error_response();
                assert_eq!(response.status(), error.status_code());
            }
        }
        read_all(&mut payload).await
    })
}

fn check_verified(jwt: &VerifiedJwt) {
    assert!(
        SEED_CLAIMS.iter().any(|seed| seed == &jwt.claims),
        "a token that is not a seed verified: {:?}",
        jwt.claims
    );
}

/// Reads what is left of a payload.
pub async fn read_all(payload: &mut Payload) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await {
        match chunk {
            Ok(bytes) => out.extend_from_slice(&bytes),
            Err(_) => break,
        }
    }
    out
}

/// Splits fuzz input at NUL bytes into at most `n` parts (the last one keeps the rest).
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == 0).collect()
}
