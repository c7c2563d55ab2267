use actix_jwt_extended::{user_lookup_loader, Claims, JwtHeader};

struct User;

#[user_lookup_loader]
fn load_user(_header: &JwtHeader, _claims: &Claims) -> Option<User> {
    Some(User)
}

fn main() {}
