// A decorated handler registered by name, with `web::resource().to()` and `web::to()`.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{web, App, HttpResponse};

#[jwt_required(locations = "cookies")]
async fn handler(body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

fn main() {
    let _app = App::new()
        .service(web::resource("/resource").to(handler))
        .default_service(web::to(handler));
}
