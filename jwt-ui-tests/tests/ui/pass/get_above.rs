// `#[get]` above: it expands first and nests the still-decorated handler inside `register`.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{get, App, HttpResponse, Responder};

#[get("/protected")]
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().body("ok")
}

fn main() {
    let _app = App::new().service(protected);
}
