//! Asymmetric keys (RS256) on actix-web: tokens are signed with a private key held in a
//! `KeySet` (each token names its key in a `kid` header), verified with the public key, and the
//! public keys are published as a JWKS so other services can verify these tokens too (see the
//! `oidc` example). With one key and no JWKS, Flask's way works as well:
//! `JwtConfig { algorithm: RS256, private_key, public_key, .. }`.
//!
//! The key pair is a TEST KEY from `tests/fixtures/keys/` — public, in this repository, and
//! therefore worthless as a secret. Make your own (`openssl genpkey -algorithm RSA
//! -pkeyopt rsa_keygen_bits:2048 -out private.pem`) and load it from a file or a secret store.
//!
//! ```sh
//! cargo run --example asymmetric            # PORT=8080 cargo run --example asymmetric
//! http POST :5000/login username=test password=test
//! http GET :5000/protected Authorization:"Bearer $JWT"
//! http GET :5000/.well-known/jwks.json
//! ```

#[path = "support/listen.rs"]
mod listen;

use std::sync::OnceLock;

use actix_jwt_extended::{
    create_access_token, get_jwt_identity, jwt_required, Algorithm, JwtConfig, JwtError,
    JwtManager, KeySet,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::{json, Value};

/// TEST KEY, NOT SECRET (see the module docs).
const TEST_PRIVATE_KEY: &str = include_str!("../tests/fixtures/keys/rsa_a_private.pem");

/// The `kid` of the example key.
pub const KID: &str = "example-rsa-a";

/// The signing keys of this app: kept to rotate keys while it runs and to publish them.
pub fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let keys = KeySet::new();
        keys.insert_private_pem(KID, Algorithm::RS256, TEST_PRIVATE_KEY)
            .expect("valid example key");
        keys.set_current(KID).expect("the example key signs");
        keys
    })
}

/// The JWT manager of this app.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        algorithm: Algorithm::RS256,
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .key_set(keys().clone())
        .build()
        .expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/protected").route(web::get().to(protected)))
        .service(keys().jwks_service("/.well-known/jwks.json"));
}

/// Authenticates the user and returns an RS256 access token.
async fn login(body: web::Json<Value>) -> Result<HttpResponse, JwtError> {
    let username = body.get("username").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if username != Some("test") || password != Some("test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let access_token = create_access_token(username).finish()?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only requests with a valid access token get here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({ "logged_in_as": get_jwt_identity() }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let jwt = jwt_manager();
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port} (JWKS at /.well-known/jwks.json)");
    server.run().await
}
