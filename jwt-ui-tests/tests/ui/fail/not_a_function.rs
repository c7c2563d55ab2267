use actix_jwt_extended::jwt_required;

#[jwt_required]
/// Not a handler.
pub struct Handler;

fn main() {}
