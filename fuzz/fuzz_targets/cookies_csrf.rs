//! Cookie and CSRF extraction: any `Cookie` header, any `X-CSRF-TOKEN` header and any form
//! body, on GET, POST and PUT, with and without the CSRF form check, for access and refresh
//! cookies, through `verify_jwt_in_request` on an `actix_web::test` request. The body must
//! reach the handler unchanged after the CSRF form field was read from it.
//!
//! Input: one control byte, then the cookie header, the CSRF header and the body, separated
//! by NUL bytes.
#![no_main]

use std::sync::LazyLock;

use actix_jwt_extended::{JwtConfig, JwtManager, TokenLocation, VerifyOptions};
use actix_jwt_extended_fuzz::{base_config, manager, parts, verify_and_check};
use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;

static MANAGERS: LazyLock<[JwtManager; 2]> = LazyLock::new(|| {
    let cookies = |csrf_check_form| JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        csrf_check_form,
        ..base_config()
    };
    [manager(cookies(false)), manager(cookies(true))]
});

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let jwt = &MANAGERS[usize::from(control & 1)];
    let methods = [Method::GET, Method::POST, Method::PUT, Method::POST];
    let method = methods[usize::from((control >> 1) & 3)].clone();
    let options = if control & 8 != 0 {
        VerifyOptions::new().refresh()
    } else {
        VerifyOptions::new()
    };
    let pieces = parts(rest, 3);
    let cookie = pieces.first().copied().unwrap_or_default();
    let csrf = pieces.get(1).copied().unwrap_or_default();
    let body = pieces.get(2).copied().unwrap_or_default().to_vec();

    let mut req = TestRequest::default().method(method);
    if let Ok(value) = HeaderValue::from_bytes(cookie) {
        req = req.insert_header(("Cookie", value));
    }
    if let (false, Ok(value)) = (csrf.is_empty(), HeaderValue::from_bytes(csrf)) {
        req = req.insert_header(("X-CSRF-TOKEN", value));
    }
    if control & 16 != 0 {
        req = req.insert_header(("Content-Type", "application/x-www-form-urlencoded"));
    }
    let left = verify_and_check(jwt, req.set_payload(body.clone()), options);
    assert_eq!(left, body, "the body did not reach the handler unchanged");
});
