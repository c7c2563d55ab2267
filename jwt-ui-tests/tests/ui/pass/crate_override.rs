// `crate = ...` finds the facade under another name, as a path or as a string.
#![deny(warnings)]

use actix_jwt_extended as jwt_renamed;
use actix_web::{web, App, HttpResponse};

mod reexport {
    pub use actix_jwt_extended as jwt;
}

#[jwt_renamed::jwt_required(crate = jwt_renamed)]
async fn by_path() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[jwt_renamed::jwt_required(fresh, crate = "crate::reexport::jwt")]
async fn by_string() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new()
        .route("/path", web::get().to(by_path))
        .route("/string", web::get().to(by_string));
}
