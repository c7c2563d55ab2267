use actix_jwt_extended::expired_token_loader;

#[expired_token_loader]
struct Expired;

fn main() {}
