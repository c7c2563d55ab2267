// Characterisation: a type error inside a decorated body points at the user's own line.
use actix_jwt_extended::jwt_required;
use actix_web::HttpResponse;

#[jwt_required]
async fn handler() -> HttpResponse {
    let count: u32 = "three";
    HttpResponse::Ok().body(count.to_string())
}

fn main() {}
