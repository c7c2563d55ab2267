use actix_jwt_extended::additional_claims_loader;

struct Claims {
    admin: bool,
}

#[additional_claims_loader]
fn additional_claims(identity: &serde_json::Value) -> Claims {
    Claims {
        admin: identity == "admin",
    }
}

fn main() {}
