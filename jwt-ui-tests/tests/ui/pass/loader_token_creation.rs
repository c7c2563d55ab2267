// The loaders of token creation and keys: the identity by reference or deserialized by value,
// any `Serialize` return, and keys plain or in a `Result`.
#![deny(warnings)]

use actix_jwt_extended::{
    additional_claims_loader, additional_headers_loader, decode_key_loader, encode_key_loader,
    user_identity_loader, Claims, DecodingKey, EncodingKey, JwtHeader,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Serialize, Deserialize)]
struct User {
    id: i64,
}

#[derive(Serialize)]
struct Headers {
    kid: &'static str,
}

#[user_identity_loader]
fn user_identity(user: User) -> String {
    user.id.to_string()
}

#[additional_claims_loader]
fn additional_claims(identity: &Value) -> Value {
    json!({ "is_administrator": identity == "1" })
}

#[additional_headers_loader]
fn additional_headers(_identity: &Value) -> impl Serialize {
    Headers { kid: "2024" }
}

// jsonwebtoken's constructors return a `Result`, which the key loaders accept.
#[encode_key_loader]
fn encode_key(_identity: &serde_json::Value) -> Result<EncodingKey, impl std::fmt::Display> {
    EncodingKey::from_secret(b"secret")
}

#[decode_key_loader]
fn decode_key(_header: &JwtHeader, _claims: &Claims) -> DecodingKey {
    DecodingKey::from_secret(b"secret").expect("a non-empty secret")
}

fn main() {}
