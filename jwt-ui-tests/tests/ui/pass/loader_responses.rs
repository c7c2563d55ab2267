// The response loaders: by token (header and claims) and by message.
#![deny(warnings)]

use actix_jwt_extended::{
    expired_token_loader, invalid_token_loader, needs_fresh_token_loader, revoked_token_loader,
    token_verification_failed_loader, unauthorized_loader, user_lookup_error_loader, Claims,
    JwtHeader,
};
use actix_web::HttpResponse;

#[expired_token_loader]
fn expired(_jwt_header: &JwtHeader, _jwt_payload: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

#[needs_fresh_token_loader]
fn needs_fresh(_: &JwtHeader, _: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

#[revoked_token_loader]
fn revoked(header: JwtHeader, claims: Claims) -> HttpResponse {
    HttpResponse::Unauthorized().json((header.alg(), claims.sub()))
}

#[token_verification_failed_loader]
fn verification_failed(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
    HttpResponse::BadRequest().finish()
}

#[user_lookup_error_loader]
fn user_lookup_error(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
    HttpResponse::NotFound().finish()
}

#[invalid_token_loader]
fn invalid(message: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().body(message.to_owned())
}

// The message may be taken as an owned `String` too.
#[unauthorized_loader]
fn unauthorized(message: String) -> HttpResponse {
    HttpResponse::Unauthorized().body(message)
}

fn main() {}
