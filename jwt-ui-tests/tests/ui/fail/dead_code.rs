// Characterisation: `dead_code` still fires on a decorated handler nobody registers.
#![deny(dead_code)]

use actix_jwt_extended::jwt_required;
use actix_web::HttpResponse;

#[jwt_required]
async fn forgotten() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
