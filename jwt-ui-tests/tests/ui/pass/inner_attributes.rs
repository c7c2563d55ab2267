// Inner attributes stay first in the body and still apply to all of it.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{web, App, HttpResponse};

#[jwt_required]
async fn handler() -> HttpResponse {
    #![allow(unused_variables)]
    let unused = 1;
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new().route("/", web::get().to(handler));
}
