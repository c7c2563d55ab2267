use actix_jwt_extended::unauthorized_loader;
use actix_web::{web, HttpResponse};

#[unauthorized_loader]
fn unauthorized(message: &str, realm: web::Data<String>) -> HttpResponse {
    HttpResponse::Unauthorized().body(format!("{}: {message}", realm.as_str()))
}

fn main() {}
