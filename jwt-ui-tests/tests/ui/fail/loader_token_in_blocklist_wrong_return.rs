use actix_jwt_extended::{token_in_blocklist_loader, Claims, JwtHeader};

#[token_in_blocklist_loader]
async fn is_revoked(_header: &JwtHeader, claims: &Claims) -> Option<bool> {
    claims.jti().map(|_| false)
}

fn main() {}
