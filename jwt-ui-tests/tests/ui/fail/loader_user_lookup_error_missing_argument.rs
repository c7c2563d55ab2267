use actix_jwt_extended::{user_lookup_error_loader, Claims};
use actix_web::HttpResponse;

#[user_lookup_error_loader]
fn user_lookup_error(_claims: &Claims) -> HttpResponse {
    HttpResponse::NotFound().finish()
}

fn main() {}
