// Doc comments and foreign attributes stay on the handler, in their order.
#![deny(missing_docs, warnings)]
//! A crate whose public items must be documented.

use actix_jwt_extended::jwt_required;
use actix_web::{web, App, HttpResponse};

/// Says hello.
///
/// Only to holders of a valid access token.
#[jwt_required]
#[must_use = "a handler's future does nothing unless awaited"]
#[allow(clippy::unused_async)]
pub async fn hello() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {
    let _app = App::new().route("/", web::get().to(hello));
}
