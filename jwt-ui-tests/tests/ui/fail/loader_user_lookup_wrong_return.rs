use actix_jwt_extended::{user_lookup_loader, Claims, JwtHeader};

struct User;

#[user_lookup_loader]
async fn load_user(_header: &JwtHeader, _claims: &Claims) -> User {
    User
}

fn main() {}
