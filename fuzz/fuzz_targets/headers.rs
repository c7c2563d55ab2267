//! Header parsing: up to three `Authorization` lines of any bytes, with the `Bearer` scheme
//! and with `JWT_HEADER_TYPE = ""`, on access, fresh and refresh routes, through
//! `verify_jwt_in_request` on an `actix_web::test` request.
//!
//! Input: one control byte, then the header values separated by NUL bytes.
#![no_main]

use std::sync::LazyLock;

use actix_jwt_extended::{JwtConfig, JwtManager, VerifyOptions};
use actix_jwt_extended_fuzz::{base_config, manager, parts, verify_and_check};
use actix_web::http::header::HeaderValue;
use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;

static MANAGERS: LazyLock<[JwtManager; 2]> = LazyLock::new(|| {
    [
        manager(base_config()),
        manager(JwtConfig {
            header_type: String::new(),
            ..base_config()
        }),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let jwt = &MANAGERS[usize::from(control & 1)];
    let options = match (control >> 1) & 3 {
        0 => VerifyOptions::new(),
        1 => VerifyOptions::new().fresh(),
        2 => VerifyOptions::new().refresh(),
        _ => VerifyOptions::new().optional().verify_type(false),
    };
    let mut req = TestRequest::get();
    for value in parts(rest, 3) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            req = req.append_header(("Authorization", value));
        }
    }
    verify_and_check(jwt, req, options);
});
