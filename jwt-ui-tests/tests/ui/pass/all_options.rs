// Every option at once, each in the form the docs show.
#![deny(warnings)]

use actix_jwt_extended::jwt_required;
use actix_web::{post, App, HttpResponse};

#[post("/all")]
#[jwt_required(
    optional,
    refresh,
    locations = ["headers", "cookies", "query_string", "json"],
    verify_type = false,
    skip_revocation_check,
    crate = ::actix_jwt_extended,
)]
async fn all() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/some")]
#[jwt_required(fresh, locations = "json", verify_type = true)]
async fn some() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/none")]
#[jwt_required()]
async fn none() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new().service(all).service(some).service(none);
}
