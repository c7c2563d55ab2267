use actix_jwt_extended::{user_lookup_loader, Claims};

struct User;

#[user_lookup_loader(krate = jwt)]
fn load_user<T>(_claims: &Claims) {
    let _ = User;
}

fn main() {}
