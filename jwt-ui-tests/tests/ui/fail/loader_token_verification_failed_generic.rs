use actix_jwt_extended::{token_verification_failed_loader, Claims, JwtHeader};
use actix_web::HttpResponse;

#[token_verification_failed_loader]
fn verification_failed<B>(_header: &JwtHeader, _claims: &Claims) -> HttpResponse
where
    B: Default,
{
    HttpResponse::BadRequest().finish()
}

fn main() {}
