use actix_jwt_extended::{expired_token_loader, Claims, JwtHeader};
use actix_web::HttpResponse;

#[expired_token_loader(status = 401)]
fn expired(_header: &JwtHeader, _claims: &Claims) -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

fn main() {}
