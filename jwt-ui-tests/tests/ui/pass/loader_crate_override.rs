// `crate = ...` finds the facade under another name, as a path or as a string.
#![deny(warnings)]

use actix_jwt_extended as jwt_renamed;
use actix_web::HttpResponse;

mod reexport {
    pub use actix_jwt_extended as jwt;
}

#[jwt_renamed::expired_token_loader(crate = jwt_renamed)]
fn by_path(_: &jwt_renamed::JwtHeader, _: &jwt_renamed::Claims) -> HttpResponse {
    HttpResponse::Unauthorized().finish()
}

#[jwt_renamed::token_in_blocklist_loader(crate = "crate::reexport::jwt")]
async fn by_string(_: &jwt_renamed::JwtHeader, _: &jwt_renamed::Claims) -> bool {
    false
}

fn main() {}
