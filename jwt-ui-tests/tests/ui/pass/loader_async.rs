// The async loaders, with actix extractors after their fixed arguments and every accepted
// return type.
#![deny(warnings)]

use actix_jwt_extended::{
    token_in_blocklist_loader, token_verification_loader, user_lookup_loader, Claims, JwtHeader,
};
use actix_web::{web, HttpRequest};

struct Db;
struct User;

#[token_in_blocklist_loader]
async fn is_revoked(
    _header: &JwtHeader,
    claims: &Claims,
    _db: web::Data<Db>,
    req: HttpRequest,
) -> bool {
    claims.jti().is_none() || req.path().is_empty()
}

// Owned header and claims are accepted too.
#[token_verification_loader]
async fn verify(header: JwtHeader, claims: Claims) -> Result<bool, String> {
    Ok(header.alg().is_some() && claims.sub().is_some())
}

#[user_lookup_loader]
async fn load_user(
    _header: &JwtHeader,
    claims: &Claims,
    _db: web::Data<Db>,
) -> Result<Option<User>, std::io::Error> {
    Ok(claims.sub().map(|_| User))
}

fn main() {}
