// `#[get]` below: `#[jwt_required]` expands first and must keep `#[get]` on the handler.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{get, web, App, HttpResponse, Responder};

#[jwt_required(fresh)]
#[get("/items/{id}")]
async fn item(id: web::Path<u32>) -> impl Responder {
    HttpResponse::Ok().body(id.to_string())
}

fn main() {
    let _app = App::new().service(item);
}
