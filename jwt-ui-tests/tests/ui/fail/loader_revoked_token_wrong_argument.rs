use actix_jwt_extended::{revoked_token_loader, Claims};
use actix_web::HttpResponse;

#[revoked_token_loader]
fn revoked(_claims: &Claims, _header: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

fn main() {}
