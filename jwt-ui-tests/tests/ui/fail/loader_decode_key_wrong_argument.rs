use actix_jwt_extended::{decode_key_loader, DecodingKey, JwtHeader};

#[decode_key_loader]
fn decode_key(_header: &JwtHeader, _claims: &serde_json::Value) -> DecodingKey {
    DecodingKey::from_secret(b"secret").expect("a secret")
}

fn main() {}
