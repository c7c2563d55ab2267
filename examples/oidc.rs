//! Flask-JWT-Extended's `examples/oidc.py` on actix-web: an API that accepts the access tokens
//! of an OpenID Connect provider (Keycloak, Auth0, Okta, Google, Microsoft, ... or the
//! `asymmetric` example), verifying them with the keys of the provider's JWKS, fetched, cached
//! and refreshed when the provider rotates its keys. Routes: `/anonymous`, `/token-protected`,
//! and `/group-protected` (the token's `groups` claim must hold `api-access`).
//!
//! Where Flask's example reads the first key of the JWKS once at start-up, this one keeps the
//! whole JWKS and picks the key by the token's `kid`, so provider key rotations just work.
//!
//! Settings, from the environment:
//! - `OIDC_JWKS_URL` (required): the provider's `jwks_uri` (see its
//!   `/.well-known/openid-configuration`);
//! - `OIDC_ISSUER_URL`: the required `iss` of tokens, when set;
//! - `OIDC_CLIENT_ID`: the required `aud` (default `example.my-identity-server`).
//!
//! ```sh
//! OIDC_JWKS_URL=https://idp.example/realms/master/protocol/openid-connect/certs \
//! OIDC_ISSUER_URL=https://idp.example/realms/master cargo run --example oidc --features jwks
//! http GET :5000/anonymous
//! http GET :5000/token-protected Authorization:"Bearer $JWT"
//! http GET :5000/group-protected Authorization:"Bearer $JWT"
//! ```
//! Needs the `jwks` feature (`cargo run --example oidc --features jwks`).

use actix_jwt_extended::{
    current_user, get_jwt, jwt_required, Algorithm, JwksSource, JwtConfig, JwtManager,
};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::{json, Value};

/// The claim holding the unique user name (Flask's `OIDC_USERNAME_CLAIM`).
pub const USERNAME_CLAIM: &str = "email";
/// The claim listing the user's groups (Flask's `OIDC_GROUPS_CLAIM`).
pub const GROUPS_CLAIM: &str = "groups";
/// The group `/group-protected` requires.
pub const REQUIRED_GROUP: &str = "api-access";

/// Where the provider's tokens come from and whom they are for.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's JWKS URL.
    pub jwks_url: String,
    /// The required `iss`, if any.
    pub issuer: Option<String>,
    /// The required `aud`: this API's client ID at the provider.
    pub client_id: String,
}

impl OidcSettings {
    /// The settings from `OIDC_JWKS_URL`, `OIDC_ISSUER_URL` and `OIDC_CLIENT_ID`.
    pub fn from_env() -> Result<Self, String> {
        Ok(Self {
            jwks_url: std::env::var("OIDC_JWKS_URL")
                .map_err(|_| "set OIDC_JWKS_URL to the provider's jwks_uri".to_owned())?,
            issuer: std::env::var("OIDC_ISSUER_URL").ok(),
            client_id: std::env::var("OIDC_CLIENT_ID")
                .unwrap_or_else(|_| "example.my-identity-server".to_owned()),
        })
    }
}

/// The user of a verified token (Flask's `User` class of the example).
#[derive(Debug)]
pub struct User {
    /// The `email` claim of the token.
    pub username: String,
}

/// The JWT manager of this app and its JWKS source: RS256 tokens of the provider, checked for
/// audience and issuer, identity in `email`.
pub fn jwt_manager(settings: &OidcSettings) -> Result<(JwtManager, JwksSource), String> {
    let jwks = JwksSource::new(&settings.jwks_url).map_err(|e| e.to_string())?;
    let config = JwtConfig {
        algorithm: Algorithm::RS256,
        decode_audience: Some(vec![settings.client_id.clone()]),
        decode_issuer: settings.issuer.clone(),
        identity_claim: USERNAME_CLAIM.to_owned(),
        ..JwtConfig::default()
    };
    let jwt = JwtManager::builder(config)
        .jwks(jwks.clone())
        .user_lookup_loader(|_header, claims| async move {
            let username = match &claims[USERNAME_CLAIM] {
                Value::String(name) => name.clone(),
                other => other.to_string(),
            };
            Some(User { username })
        })
        .build()
        .map_err(|e| e.to_string())?;
    Ok((jwt, jwks))
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/anonymous").route(web::get().to(anonymous)))
        .service(web::resource("/token-protected").route(web::get().to(token_protected)))
        .service(web::resource("/group-protected").route(web::get().to(group_protected)));
}

async fn anonymous() -> impl Responder {
    HttpResponse::Ok().json(json!({"result": "anonymous ok"}))
}

#[jwt_required]
async fn token_protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"result": "protected by token ok"}))
}

/// A valid token whose `groups` claim lists `api-access`.
#[jwt_required]
async fn group_protected() -> impl Responder {
    let claims = get_jwt();
    let in_group = claims
        .get(GROUPS_CLAIM)
        .and_then(Value::as_array)
        .is_some_and(|groups| groups.iter().any(|g| g == REQUIRED_GROUP));
    if !in_group {
        return HttpResponse::Unauthorized()
            .json(json!({"result": "user not in group required to access this endpoint"}));
    }
    let user = current_user::<User>().expect("the user_lookup_loader always finds a user");
    // Flask's `jsonify(a, b)` answers the JSON array `[a, b]`.
    HttpResponse::Ok().json(json!([
        {"result": "protected by token AND group membership ok"},
        {"user": user.username},
    ]))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|e| invalid(format!("PORT={port}: {e}")))?,
        Err(_) => 5000,
    };
    let settings = OidcSettings::from_env().map_err(invalid)?;
    let (jwt, jwks) = jwt_manager(&settings).map_err(invalid)?;
    // Fetch the keys now. If the provider is down, tokens are answered 503 (retry) until a
    // later fetch, started by the next tokens a second or more apart, gets them.
    match jwks.refresh().await {
        Ok(count) => println!("{count} key(s) from {}", jwks.url()),
        Err(e) => eprintln!("warning: {e}"),
    }
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
