use actix_jwt_extended::jwt_required;
use actix_web::HttpResponse;

#[jwt_required(fresher, optional = true, locations = ["cookie"])]
fn handler() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
