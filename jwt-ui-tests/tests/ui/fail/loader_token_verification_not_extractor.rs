use actix_jwt_extended::{token_verification_loader, Claims, JwtHeader};

#[token_verification_loader]
async fn verify(_header: &JwtHeader, claims: &Claims, max_age: u64) -> bool {
    claims.iat().is_some_and(|iat| iat as u64 > max_age)
}

fn main() {}
