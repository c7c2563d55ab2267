//! The JSON location: any body under several content types, for access and refresh keys,
//! through `verify_jwt_in_request` on an `actix_web::test` request. The body must reach the
//! handler unchanged after the token was taken from it.
//!
//! Input: one control byte, then the body.
#![no_main]

use std::sync::LazyLock;

use actix_jwt_extended::{JwtConfig, JwtManager, TokenLocation, VerifyOptions};
use actix_jwt_extended_fuzz::{base_config, manager, verify_and_check};
use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;

static MANAGER: LazyLock<JwtManager> = LazyLock::new(|| {
    manager(JwtConfig {
        token_location: vec![TokenLocation::Json],
        ..base_config()
    })
});

const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/vnd.api+json; charset=utf-8",
    "APPLICATION/JSON",
    "text/plain",
];

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(control & 3)];
    let options = match (control >> 2) & 3 {
        0 => VerifyOptions::new(),
        1 => VerifyOptions::new().refresh(),
        2 => VerifyOptions::new().fresh(),
        _ => VerifyOptions::new().optional(),
    };
    let req = TestRequest::post()
        .insert_header(("Content-Type", content_type))
        .set_payload(body.to_vec());
    let left = verify_and_check(&MANAGER, req, options);
    assert_eq!(left, body, "the body did not reach the handler unchanged");
});
