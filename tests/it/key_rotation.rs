//! Key rotation with a `KeySet` keyed by `kid`: new tokens carry the current `kid`, tokens of
//! an older key verify until it is removed, and the set changes while the app runs. Beyond
//! Flask-JWT-Extended, so no upstream test name.

use std::time::Duration;

use actix_jwt_extended::{
    get_unverified_jwt_headers, jwt_required, Algorithm, DecodingKey, EncodingKey, JwtConfig,
    JwtManager, KeySet,
};
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::get_protected;
use crate::support::keys::{
    EC_P256_A_PRIVATE, EC_P256_B_PRIVATE, EC_P256_B_PUBLIC, ED25519_PRIVATE, RSA_A_PRIVATE,
    RSA_A_PUBLIC, RSA_B_PRIVATE,
};

const UNKNOWN_KID: &str = "Unable to find a signing key that matches the token's kid";

fn rs256() -> JwtConfig {
    JwtConfig {
        algorithm: Algorithm::RS256,
        ..JwtConfig::default()
    }
}

/// An RS256 set with keys "a" (current) and nothing else.
fn rsa_set() -> KeySet {
    let keys = KeySet::new();
    keys.insert_private_pem("a", Algorithm::RS256, RSA_A_PRIVATE)
        .unwrap();
    keys.set_current("a").unwrap();
    keys
}

fn manager(config: JwtConfig, keys: &KeySet) -> JwtManager {
    JwtManager::builder(config)
        .key_set(keys.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap()
}

fn kid(token: &str) -> Option<String> {
    get_unverified_jwt_headers(token)
        .unwrap()
        .kid()
        .map(str::to_owned)
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

fn ok() -> (u16, Value) {
    (200, json!({"foo": "bar"}))
}

fn refused(msg: &str) -> (u16, Value) {
    (422, json!({ "msg": msg }))
}

// New tokens name the current key; after a rotation the old key's tokens still verify, new
// ones name the new key, and removing the old key refuses its tokens at once — all on one
// running app, through the handle the test kept.
#[actix_web::test]
async fn rotation_while_running() {
    let keys = rsa_set();
    let jwt = manager(rs256(), &keys);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let call = |token: String| {
        TestRequest::get()
            .uri("/protected")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };

    let old = jwt.create_access_token("username").finish().unwrap();
    let old_refresh = jwt.create_refresh_token("username").finish().unwrap();
    assert_eq!(kid(&old).as_deref(), Some("a"));
    assert_eq!(call_service(&app, call(old.clone())).await.status(), 200);

    keys.insert_private_pem("b", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("b").unwrap();
    let new = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(kid(&new).as_deref(), Some("b"));
    assert_eq!(call_service(&app, call(new.clone())).await.status(), 200);
    assert_eq!(call_service(&app, call(old.clone())).await.status(), 200);
    assert_eq!(
        jwt.decode_token(&old_refresh, false).unwrap()["type"],
        "refresh"
    );

    keys.remove("a").unwrap();
    let res = call_service(&app, call(old.clone())).await;
    assert_eq!(res.status(), 422);
    let body: Value = read_body_json(res).await;
    assert_eq!(body, json!({ "msg": UNKNOWN_KID }));
    assert_eq!(
        jwt.decode_token(&old_refresh, false).unwrap_err().message(),
        UNKNOWN_KID
    );
    assert_eq!(call_service(&app, call(new)).await.status(), 200);
}

// A token naming a `kid` the set never had, even correctly signed with a key of the set, is
// refused; so is a kid-less token when no configured key could verify it.
#[actix_web::test]
async fn unknown_or_missing_kid() {
    let keys = rsa_set();
    let jwt = manager(rs256(), &keys);
    // The set names the signing key itself: a per-call `kid` cannot point elsewhere.
    let made = jwt
        .create_access_token("username")
        .additional_headers(json!({"kid": "zzz"}))
        .finish()
        .unwrap();
    assert_eq!(kid(&made).as_deref(), Some("a"));

    let claims = json!({"sub": "username"});
    let key = EncodingKey::from_rsa_pem(RSA_A_PRIVATE.as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("zzz".into());
    let forged = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(kid(&forged).as_deref(), Some("zzz"));
    assert_eq!(
        get_protected(&jwt, protected, &forged).await,
        refused(UNKNOWN_KID)
    );

    let kidless =
        jsonwebtoken::encode(&jsonwebtoken::Header::new(Algorithm::RS256), &claims, &key).unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &kidless).await,
        refused("Token is missing the \"kid\" header")
    );
}

// Migration: tokens made before the key set (no `kid`) verify with the configured public
// key, while new tokens use the set.
#[actix_web::test]
async fn kidless_tokens_use_the_configured_key() {
    let before = JwtManager::new(JwtConfig {
        private_key: Some(RSA_A_PRIVATE.into()),
        public_key: Some(RSA_A_PUBLIC.into()),
        ..rs256()
    })
    .unwrap();
    let legacy = before.create_access_token("username").finish().unwrap();
    assert_eq!(kid(&legacy), None);

    let keys = KeySet::new();
    keys.insert_private_pem("b", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("b").unwrap();
    let jwt = manager(
        JwtConfig {
            public_key: Some(RSA_A_PUBLIC.into()),
            ..rs256()
        },
        &keys,
    );
    assert_eq!(get_protected(&jwt, protected, &legacy).await, ok());
    let new = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(kid(&new).as_deref(), Some("b"));
    assert_eq!(get_protected(&jwt, protected, &new).await, ok());
}

// A key verifies only its own algorithm, even among the allowed decode algorithms: an RS256
// key does not check a PS256 signature made with it.
#[actix_web::test]
async fn a_key_verifies_only_its_algorithm() {
    let keys = rsa_set();
    let jwt = manager(
        JwtConfig {
            decode_algorithms: vec![Algorithm::RS256, Algorithm::PS256],
            ..rs256()
        },
        &keys,
    );
    let mut header = jsonwebtoken::Header::new(Algorithm::PS256);
    header.kid = Some("a".into());
    let key = EncodingKey::from_rsa_pem(RSA_A_PRIVATE.as_bytes()).unwrap();
    let ps256 = jsonwebtoken::encode(&header, &json!({"sub": "username"}), &key).unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &ps256).await,
        refused("The specified alg value is not allowed")
    );
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("a".into());
    let rs256 = jsonwebtoken::encode(&header, &json!({"sub": "username"}), &key).unwrap();
    assert_eq!(get_protected(&jwt, protected, &rs256).await, ok());
}

// ES256 and EdDSA sets, a verification-only public key, and HMAC secrets rotate the same way.
#[actix_web::test]
async fn other_algorithms_and_key_kinds() {
    let keys = KeySet::new();
    keys.insert_private_pem("ec-a", Algorithm::ES256, EC_P256_A_PRIVATE)
        .unwrap();
    keys.insert_public_pem("ec-b", Algorithm::ES256, EC_P256_B_PUBLIC)
        .unwrap();
    keys.set_current("ec-a").unwrap();
    let jwt = manager(
        JwtConfig {
            algorithm: Algorithm::ES256,
            ..JwtConfig::default()
        },
        &keys,
    );
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(get_protected(&jwt, protected, &token).await, ok());
    // A token signed elsewhere with the private half of the published-only key.
    let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
    header.kid = Some("ec-b".into());
    let key = EncodingKey::from_ec_pem(EC_P256_B_PRIVATE.as_bytes()).unwrap();
    let elsewhere = jsonwebtoken::encode(&header, &json!({"sub": "username"}), &key).unwrap();
    assert_eq!(get_protected(&jwt, protected, &elsewhere).await, ok());

    let keys = KeySet::new();
    keys.insert_private_pem("ed", Algorithm::EdDSA, ED25519_PRIVATE)
        .unwrap();
    keys.set_current("ed").unwrap();
    let jwt = manager(
        JwtConfig {
            algorithm: Algorithm::EdDSA,
            ..JwtConfig::default()
        },
        &keys,
    );
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(get_protected(&jwt, protected, &token).await, ok());

    let keys = KeySet::new();
    keys.insert_secret("s1", Algorithm::HS256, "first secret")
        .unwrap();
    keys.set_current("s1").unwrap();
    let jwt = manager(JwtConfig::default(), &keys);
    let first = jwt.create_access_token("username").finish().unwrap();
    keys.insert_secret("s2", Algorithm::HS256, "second secret")
        .unwrap();
    keys.set_current("s2").unwrap();
    let second = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(kid(&second).as_deref(), Some("s2"));
    assert_eq!(get_protected(&jwt, protected, &first).await, ok());
    assert_eq!(get_protected(&jwt, protected, &second).await, ok());
    keys.remove("s1").unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &first).await,
        refused(UNKNOWN_KID)
    );
    // Secrets are never published.
    assert!(keys.jwks().keys.is_empty());
}

// The `additional_headers_loader` still runs, after the `kid` is written.
#[test]
fn kid_header_with_additional_headers_loader() {
    let keys = rsa_set();
    let jwt = JwtManager::builder(rs256())
        .additional_headers_loader(|_| json!({"foo": "bar"}))
        .key_set(keys)
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    let header = get_unverified_jwt_headers(&token).unwrap();
    assert_eq!(header.kid(), Some("a"));
    assert_eq!(header["foo"], "bar");
    jwt.decode_token(&token, false).unwrap();
}

// Tokens made while another thread rotates keys back and forth always verify: the `kid`
// header and the signature come from the same key.
#[test]
fn concurrent_rotation_never_mismatches_kid_and_key() {
    let keys = rsa_set();
    keys.insert_private_pem("b", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    let jwt = manager(rs256(), &keys);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rotator = {
        let keys = keys.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut flips = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                keys.set_current(if flips.is_multiple_of(2) { "b" } else { "a" })
                    .unwrap();
                flips += 1;
                std::thread::yield_now();
            }
            flips
        })
    };
    let mut kids = std::collections::HashSet::new();
    for _ in 0..300 {
        let token = jwt.create_access_token("username").finish().unwrap();
        jwt.decode_token(&token, false)
            .unwrap_or_else(|e| panic!("{e}: kid {:?}", kid(&token)));
        kids.insert(kid(&token).unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(rotator.join().unwrap() > 0);
    assert!(!kids.is_empty());
}

// What a set refuses, at once and with the key named.
#[test]
fn key_set_refusals() {
    let keys = rsa_set();
    let err = keys.set_current("nope").unwrap_err();
    assert_eq!(
        (err.kid.as_str(), err.reason.as_str()),
        ("nope", "not in the key set")
    );
    assert!(keys
        .remove("a")
        .unwrap_err()
        .reason
        .contains("current signing key"));
    assert!(keys.remove("nope").is_err());
    assert!(keys
        .insert_private_pem("a", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap_err()
        .reason
        .contains("already in the key set"));
    keys.insert_public_pem("pub", Algorithm::RS256, RSA_A_PUBLIC)
        .unwrap();
    assert!(keys
        .set_current("pub")
        .unwrap_err()
        .reason
        .contains("cannot sign"));
    assert!(keys
        .insert_private_pem("x", Algorithm::RS256, EC_P256_A_PRIVATE)
        .is_err());
    assert!(keys
        .insert_private_pem("x", Algorithm::HS256, RSA_A_PRIVATE)
        .unwrap_err()
        .reason
        .contains("insert_secret"));
    assert!(keys.insert_secret("x", Algorithm::RS256, "s").is_err());
    assert!(keys.insert_secret("x", Algorithm::HS256, "").is_err());
    assert!(keys
        .insert_public_pem("x", Algorithm::ES256, RSA_A_PUBLIC)
        .is_err());
    assert_eq!(keys.kids(), ["a", "pub"]);
    assert_eq!(keys.current_kid().as_deref(), Some("a"));
    // Debug output names the keys, never their material.
    let debug = format!("{keys:?}");
    assert!(
        debug.contains("\"a\"") && !debug.contains("BEGIN"),
        "{debug}"
    );
}

// A key set and a loader for the same direction, or a current key of another algorithm than
// JWT_ALGORITHM, are `ConfigError`s at start-up.
#[test]
fn key_set_config_errors() {
    let err = JwtManager::builder(rs256())
        .key_set(rsa_set())
        .decode_key_loader(|_, _| DecodingKey::from_secret(b"x").unwrap())
        .ignore_registered_loaders()
        .build()
        .unwrap_err();
    assert_eq!(err.option, "JWT_PUBLIC_KEY");
    let err = JwtManager::builder(rs256())
        .key_set(rsa_set())
        .encode_key_loader(|_| EncodingKey::from_secret(b"x").unwrap())
        .ignore_registered_loaders()
        .build()
        .unwrap_err();
    assert_eq!(err.option, "JWT_PRIVATE_KEY");
    let err = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::ES256,
        ..JwtConfig::default()
    })
    .key_set(rsa_set())
    .ignore_registered_loaders()
    .build()
    .unwrap_err();
    assert_eq!(err.option, "JWT_ALGORITHM");
    // A set made current later with another algorithm: creating a token says why it cannot.
    let keys = KeySet::new();
    let jwt = manager(rs256(), &keys);
    assert_eq!(
        jwt.create_access_token("u").finish().unwrap_err().message(),
        "no signing key configured"
    );
    keys.insert_private_pem("ec", Algorithm::ES256, EC_P256_A_PRIVATE)
        .unwrap();
    keys.set_current("ec").unwrap();
    let err = jwt.create_access_token("u").finish().unwrap_err();
    assert!(err.message().contains("ES256"), "{err}");
}

// Lookups take a read lock only: many verifications while the set is written to.
#[actix_web::test]
async fn verification_under_concurrent_writes() {
    let keys = rsa_set();
    let jwt = manager(rs256(), &keys);
    let token = jwt.create_access_token("username").finish().unwrap();
    let writer = {
        let keys = keys.clone();
        std::thread::spawn(move || {
            for i in 0..50 {
                let kid = format!("ec{i}");
                keys.insert_private_pem(&kid, Algorithm::ES256, EC_P256_A_PRIVATE)
                    .unwrap();
                keys.remove(&kid).unwrap();
                std::thread::sleep(Duration::from_micros(50));
            }
        })
    };
    for _ in 0..50 {
        assert_eq!(get_protected(&jwt, protected, &token).await, ok());
    }
    writer.join().unwrap();
    assert_eq!(keys.kids(), ["a"]);
}
