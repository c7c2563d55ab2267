//! The `asymmetric` and `oidc` examples, as their docs use them: the `asymmetric` app issues
//! RS256 tokens and publishes its JWKS on a real socket (127.0.0.1:0), and the `oidc` app
//! verifies the provider's tokens against that JWKS URL. Docs examples, not upstream test
//! cases, so no upstream test name.

use crate::support::examples::asymmetric;

use crate::support::examples::oidc;

use actix_jwt_extended::{
    get_unverified_jwt_headers, Algorithm, Audience, JwtConfig, JwtManager, KeySet,
};
use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::test::{init_service, TestRequest};
use actix_web::{App, HttpServer};
use serde_json::{json, Value};

use crate::support::keys::RSA_B_PRIVATE;
use crate::support::{bearer, send};

const CLIENT_ID: &str = "example.my-identity-server";
const ISSUER: &str = "https://idp.example/realms/master";

#[actix_web::test]
async fn asymmetric_example_session() {
    let jwt = asymmetric::jwt_manager();
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(asymmetric::configure),
    )
    .await;
    let login = |body: Value| {
        TestRequest::post()
            .uri("/login")
            .set_json(body)
            .to_request()
    };

    let (status, body) = send(&app, login(json!({"username": "test", "password": "nope"}))).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Bad username or password"})
        )
    );

    let (status, body) = send(&app, login(json!({"username": "test", "password": "test"}))).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let header = get_unverified_jwt_headers(&token).unwrap();
    assert_eq!(
        (header.alg(), header.kid()),
        (Some("RS256"), Some(asymmetric::KID))
    );

    let req = TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&token))
        .to_request();
    assert_eq!(
        send(&app, req).await,
        (StatusCode::OK, json!({"logged_in_as": "test"}))
    );
    let req = TestRequest::get().uri("/protected").to_request();
    assert_eq!(
        send(&app, req).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );

    let req = TestRequest::get()
        .uri("/.well-known/jwks.json")
        .to_request();
    let (status, jwks) = send(&app, req).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], asymmetric::KID);
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert!(jwks["keys"][0].get("d").is_none());
}

/// The `asymmetric` example's JWKS endpoint on a real socket; returns its JWKS URL.
fn start_provider() -> (String, ServerHandle) {
    let server = HttpServer::new(|| App::new().configure(asymmetric::configure))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
    let url = format!("http://{}/.well-known/jwks.json", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, handle)
}

/// The identity provider's tokens: the example key, OIDC-style claims.
fn provider_token(keys: &KeySet, email: &str, groups: Value, audience: &str) -> String {
    let idp = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::RS256,
        identity_claim: "email".into(),
        encode_audience: Some(Audience::One(audience.into())),
        encode_issuer: Some(ISSUER.into()),
        ..JwtConfig::default()
    })
    .key_set(keys.clone())
    .ignore_registered_loaders()
    .build()
    .unwrap();
    idp.create_access_token(email)
        .claim("groups", groups)
        .finish()
        .unwrap()
}

#[actix_web::test]
async fn oidc_example_against_a_local_jwks() {
    let (jwks_url, provider) = start_provider();
    let settings = oidc::OidcSettings {
        jwks_url,
        issuer: Some(ISSUER.into()),
        client_id: CLIENT_ID.into(),
    };
    let (jwt, jwks) = oidc::jwt_manager(&settings).unwrap();
    assert_eq!(jwks.refresh().await, Ok(1));
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(oidc::configure),
    )
    .await;
    let get = |uri: &str, token: Option<&str>| {
        let mut req = TestRequest::get().uri(uri);
        if let Some(token) = token {
            req = req.insert_header(bearer(token));
        }
        req.to_request()
    };
    let keys = asymmetric::keys();
    let ann = provider_token(
        keys,
        "ann@example.com",
        json!(["api-access", "staff"]),
        CLIENT_ID,
    );
    let bob = provider_token(keys, "bob@example.com", json!(["staff"]), CLIENT_ID);

    assert_eq!(
        send(&app, get("/anonymous", None)).await,
        (StatusCode::OK, json!({"result": "anonymous ok"}))
    );
    assert_eq!(
        send(&app, get("/token-protected", None)).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
    for token in [&ann, &bob] {
        assert_eq!(
            send(&app, get("/token-protected", Some(token))).await,
            (StatusCode::OK, json!({"result": "protected by token ok"}))
        );
    }
    assert_eq!(
        send(&app, get("/group-protected", Some(&ann))).await,
        (
            StatusCode::OK,
            json!([
                {"result": "protected by token AND group membership ok"},
                {"user": "ann@example.com"}
            ])
        )
    );
    assert_eq!(
        send(&app, get("/group-protected", Some(&bob))).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"result": "user not in group required to access this endpoint"})
        )
    );

    // Another audience, a token of some other issuer's key: refused.
    let other_aud = provider_token(keys, "ann@example.com", json!(["api-access"]), "other-api");
    assert_eq!(
        send(&app, get("/token-protected", Some(&other_aud))).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Audience doesn't match"})
        )
    );
    let stranger = KeySet::new();
    stranger
        .insert_private_pem(asymmetric::KID, Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    stranger.set_current(asymmetric::KID).unwrap();
    let forged = provider_token(
        &stranger,
        "ann@example.com",
        json!(["api-access"]),
        CLIENT_ID,
    );
    assert_eq!(
        send(&app, get("/group-protected", Some(&forged))).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Signature verification failed"})
        )
    );
    provider.stop(false).await;
}
