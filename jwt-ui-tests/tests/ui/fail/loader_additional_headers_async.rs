use actix_jwt_extended::additional_headers_loader;
use serde_json::{json, Value};

#[additional_headers_loader]
async fn additional_headers(_identity: &Value) -> Value {
    json!({ "kid": "2024" })
}

fn main() {}
