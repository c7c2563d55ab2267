use actix_jwt_extended::encode_key_loader;

#[encode_key_loader]
fn encode_key(_identity: &serde_json::Value) -> String {
    "secret".to_owned()
}

fn main() {}
