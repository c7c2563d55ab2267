use actix_jwt_extended::invalid_token_loader;
use actix_web::HttpResponse;

#[invalid_token_loader]
unsafe fn invalid(message: &str) -> HttpResponse {
    HttpResponse::UnprocessableEntity().body(message.to_owned())
}

fn main() {}
