// What the attributes keep: docs, other attributes, `#[cfg]`, visibility, raw names, a loader
// declared inside a function; and no warning in the generated code.
#![deny(warnings)]

use actix_jwt_extended::{invalid_token_loader, unauthorized_loader, user_lookup_error_loader};
use actix_jwt_extended::{Claims, JwtHeader};
use actix_web::HttpResponse;

/// Documented, public, and inlined.
#[unauthorized_loader]
#[inline]
pub fn r#unauthorized(message: &str) -> HttpResponse {
    HttpResponse::Unauthorized().body(message.to_owned())
}

// `#[cfg]`'d: its registration goes with it (rustc strips the item before the attribute runs).
#[cfg(all())]
#[invalid_token_loader]
fn invalid(message: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().body(message.to_owned())
}

fn main() {
    #[user_lookup_error_loader]
    fn local(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
        HttpResponse::NotFound().finish()
    }
}
