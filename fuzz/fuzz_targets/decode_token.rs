//! Token decoding: `JwtManager::decode_token` / `decode_complete` and
//! `get_unverified_jwt_headers` on any text. Nothing panics, and only a seed decodes.
#![no_main]

use std::sync::LazyLock;

use actix_jwt_extended::{get_unverified_jwt_headers, JwtConfig, JwtManager};
use actix_jwt_extended_fuzz::{base_config, is_seed_signing_input, manager};
use libfuzzer_sys::fuzz_target;

/// The default manager, and one checking audience and issuer with a leeway.
static MANAGERS: LazyLock<[JwtManager; 2]> = LazyLock::new(|| {
    [
        manager(base_config()),
        manager(JwtConfig {
            decode_audience: Some(vec!["api".into(), "other".into()]),
            decode_issuer: Some("ann".into()),
            decode_leeway: std::time::Duration::from_secs(30),
            verify_sub: false,
            ..base_config()
        }),
    ]
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = get_unverified_jwt_headers(&text);
    for jwt in MANAGERS.iter() {
        for allow_expired in [false, true] {
            if jwt.decode_token(&text, allow_expired).is_ok() {
                assert!(
                    is_seed_signing_input(&text),
                    "decoded a forged token: {text}"
                );
            }
        }
        if jwt
            .decode_complete(&text, Some("seed-csrf-access"), false)
            .is_ok()
        {
            assert!(
                is_seed_signing_input(&text),
                "decoded a forged token: {text}"
            );
        }
    }
});
