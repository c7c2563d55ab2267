// An explicit `Result` return type: `?` converts errors and `return Err(..)` coerces exactly as
// in an undecorated `async fn`.
#![deny(warnings)]

use std::fmt;

use actix_jwt_extended::jwt_required;
use actix_web::{error, web, App, HttpResponse, ResponseError};

#[derive(Debug)]
struct NotANumber;

impl fmt::Display for NotANumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a number")
    }
}

impl ResponseError for NotANumber {}

impl From<std::num::ParseIntError> for NotANumber {
    fn from(_: std::num::ParseIntError) -> Self {
        NotANumber
    }
}

#[jwt_required]
async fn double(raw: web::Path<String>) -> Result<HttpResponse, actix_web::Error> {
    let n: u32 = raw.parse().map_err(error::ErrorBadRequest)?;
    Ok(HttpResponse::Ok().body((n * 2).to_string()))
}

#[jwt_required]
async fn own_error(raw: web::Path<String>) -> Result<String, NotANumber> {
    let n: u32 = raw.parse()?;
    Ok(n.to_string())
}

// `Box::new(NotANumber)` becomes a `Box<dyn ResponseError>` only if the return type is known
// while the body is checked.
#[jwt_required]
async fn boxed(raw: web::Path<String>) -> Result<HttpResponse, Box<dyn ResponseError>> {
    if raw.is_empty() {
        return Err(Box::new(NotANumber));
    }
    Ok(HttpResponse::Ok().finish())
}

fn main() {
    let _app = App::new()
        .route("/double/{raw}", web::get().to(double))
        .route("/own/{raw}", web::get().to(own_error))
        .route("/boxed/{raw}", web::get().to(boxed));
}
