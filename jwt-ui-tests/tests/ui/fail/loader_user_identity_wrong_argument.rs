use actix_jwt_extended::user_identity_loader;

struct User {
    id: i64,
}

#[user_identity_loader]
fn user_identity(user: User) -> i64 {
    user.id
}

fn main() {}
