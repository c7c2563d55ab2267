use actix_jwt_extended::{needs_fresh_token_loader, Claims, JwtHeader};

#[needs_fresh_token_loader]
fn needs_fresh(_header: &JwtHeader, _claims: &Claims) {}

fn main() {}
