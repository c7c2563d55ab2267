use actix_jwt_extended::jwt_required;
use actix_web::HttpResponse;

#[jwt_required(locations = ["headers", "cookie"])]
async fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
