use actix_jwt_extended::invalid_token_loader;
use actix_web::HttpResponse;

#[invalid_token_loader]
fn invalid(status: u16) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

fn main() {}
