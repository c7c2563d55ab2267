use actix_jwt_extended::{expired_token_loader, Claims, JwtHeader};

#[expired_token_loader]
fn expired(_header: &JwtHeader, _claims: &Claims) -> String {
    "Token has expired".to_owned()
}

fn main() {}
