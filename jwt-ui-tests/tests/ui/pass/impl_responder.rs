// `impl Responder` bodies, including a bare `HttpResponse::Ok()` builder (which is also a
// future) and a body that returns early.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{web, App, HttpResponse, Responder};

#[jwt_required]
async fn builder() -> impl Responder {
    HttpResponse::Ok()
}

#[jwt_required(optional)]
async fn text(name: web::Path<String>) -> impl Responder {
    if name.is_empty() {
        return String::from("nobody");
    }
    format!("hello {name}")
}

fn main() {
    let _app = App::new()
        .route("/builder", web::get().to(builder))
        .route("/text/{name}", web::get().to(text));
}
