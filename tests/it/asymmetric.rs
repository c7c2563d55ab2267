//! Asymmetric algorithms end to end, algorithm confusion, `alg: none`, PEM checks at start-up
//! and the key loaders with key pairs: the port of upstream `tests/test_asymmetric_crypto.py`
//! (`test_asymmetric_cropto`) and of the key-loader cases of `tests/test_decode_tokens.py`
//! (`test_encode_decode_callback_values`, `test_custom_encode_decode_key_callbacks`) with
//! asymmetric keys.
//!
//! The keys are test keys made with `openssl` (see `tests/fixtures/keys/README.md`).

use std::sync::{Arc, Mutex};

use actix_jwt_extended::{
    jwt_required, Algorithm, ConfigError, DecodingKey, EncodingKey, JwtConfig, JwtManager,
};
use actix_web::{get, HttpResponse};
use serde_json::{json, Value};

use crate::support::keys::{
    EC_P256_A_PRIVATE, EC_P256_A_PUBLIC, EC_P256_B_PRIVATE, EC_P384_PRIVATE, EC_P384_PUBLIC,
    ED25519_PRIVATE, ED25519_PUBLIC, RSA_A_PRIVATE, RSA_A_PRIVATE_PKCS1, RSA_A_PUBLIC,
    RSA_A_PUBLIC_PKCS1, RSA_B_PRIVATE, RSA_B_PUBLIC,
};
use crate::support::{b64url, get_protected};

/// Every asymmetric algorithm with the key pair it uses here.
const ASYMMETRIC: [(Algorithm, &str, &str); 9] = [
    (Algorithm::RS256, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::RS384, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::RS512, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::PS256, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::PS384, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::PS512, RSA_A_PRIVATE, RSA_A_PUBLIC),
    (Algorithm::ES256, EC_P256_A_PRIVATE, EC_P256_A_PUBLIC),
    (Algorithm::ES384, EC_P384_PRIVATE, EC_P384_PUBLIC),
    (Algorithm::EdDSA, ED25519_PRIVATE, ED25519_PUBLIC),
];

fn asymmetric_config(algorithm: Algorithm, private: &str, public: &str) -> JwtConfig {
    JwtConfig {
        algorithm,
        private_key: Some(private.into()),
        public_key: Some(public.into()),
        ..JwtConfig::default()
    }
}

fn hs_config(algorithm: Algorithm) -> JwtConfig {
    JwtConfig {
        algorithm,
        secret_key: Some("foobarbaz".into()),
        ..JwtConfig::default()
    }
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// An unsigned token: `header.payload.` as an attacker writes it.
fn unsigned(header: Value, payload: Value) -> String {
    format!(
        "{}.{}.",
        b64url(header.to_string().as_bytes()),
        b64url(payload.to_string().as_bytes())
    )
}

/// A token signed by jsonwebtoken directly (an independent signer of `alg`).
fn signed(algorithm: Algorithm, key: &EncodingKey) -> String {
    let claims = json!({"sub": "username", "type": "access", "fresh": false, "jti": "j"});
    jsonwebtoken::encode(&jsonwebtoken::Header::new(algorithm), &claims, key).unwrap()
}

fn rsa_key(pem: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
}

fn ec_key(pem: &str) -> EncodingKey {
    EncodingKey::from_ec_pem(pem.as_bytes()).unwrap()
}

fn config_error(config: JwtConfig) -> ConfigError {
    JwtManager::new(config).expect_err("the config must be refused")
}

// Upstream `test_asymmetric_cropto` [adapt: a 2048-bit RSA key; the algorithm cannot change on a
// built manager, so the RS256 manager is a second one over the same config].
#[actix_web::test]
async fn test_asymmetric_cropto() {
    let config = JwtConfig {
        secret_key: Some("foobarbaz".into()),
        public_key: Some(RSA_A_PUBLIC.into()),
        private_key: Some(RSA_A_PRIVATE.into()),
        ..JwtConfig::default()
    };
    let hs256 = JwtManager::new(config.clone()).unwrap();
    let hs256_token = hs256.create_access_token("username").finish().unwrap();
    let rs256 = JwtManager::new(JwtConfig {
        algorithm: Algorithm::RS256,
        ..config
    })
    .unwrap();
    let rs256_token = rs256.create_access_token("username").finish().unwrap();

    // Ensure the symmetric token does not work now.
    assert_eq!(
        get_protected(&rs256, protected, &hs256_token).await,
        (
            422,
            json!({"msg": "The specified alg value is not allowed"})
        )
    );
    // Ensure the asymmetric token does work.
    assert_eq!(
        get_protected(&rs256, protected, &rs256_token).await,
        (200, json!({"foo": "bar"}))
    );
}

// Every algorithm jsonwebtoken offers signs and verifies end to end, with the right `alg`
// header, and an independent signer's token (jsonwebtoken::encode) verifies too.
#[actix_web::test]
async fn every_algorithm_round_trips() {
    for (algorithm, private, public) in ASYMMETRIC {
        let jwt = JwtManager::new(asymmetric_config(algorithm, private, public))
            .unwrap_or_else(|e| panic!("{algorithm:?}: {e}"));
        let token = jwt.create_access_token("username").finish().unwrap();
        let header = actix_jwt_extended::get_unverified_jwt_headers(&token).unwrap();
        assert_eq!(header.alg(), Some(format!("{algorithm:?}").as_str()));
        assert_eq!(
            get_protected(&jwt, protected, &token).await,
            (200, json!({"foo": "bar"})),
            "{algorithm:?}"
        );
        let key = match algorithm {
            Algorithm::ES256 | Algorithm::ES384 => ec_key(private),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(private.as_bytes()).unwrap(),
            _ => rsa_key(private),
        };
        assert_eq!(
            jwt.decode_token(&signed(algorithm, &key), false).unwrap()["sub"],
            "username",
            "{algorithm:?}"
        );
    }
    for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let jwt = JwtManager::new(hs_config(algorithm)).unwrap();
        let token = jwt.create_access_token("username").finish().unwrap();
        assert_eq!(
            get_protected(&jwt, protected, &token).await,
            (200, json!({"foo": "bar"})),
            "{algorithm:?}"
        );
    }
}

// A token signed by another key of the same algorithm is refused.
#[actix_web::test]
async fn other_key_same_algorithm_is_refused() {
    let rs = JwtManager::new(asymmetric_config(
        Algorithm::RS256,
        RSA_A_PRIVATE,
        RSA_A_PUBLIC,
    ))
    .unwrap();
    let es = JwtManager::new(asymmetric_config(
        Algorithm::ES256,
        EC_P256_A_PRIVATE,
        EC_P256_A_PUBLIC,
    ))
    .unwrap();
    let failed = (422, json!({"msg": "Signature verification failed"}));
    let forged = signed(Algorithm::RS256, &rsa_key(RSA_B_PRIVATE));
    assert_eq!(get_protected(&rs, protected, &forged).await, failed);
    let forged = signed(Algorithm::ES256, &ec_key(EC_P256_B_PRIVATE));
    assert_eq!(get_protected(&es, protected, &forged).await, failed);
}

// An HS app refuses RS/PS/ES/EdDSA tokens, and an asymmetric app refuses HS tokens and the
// tokens of other families: the `alg` is not allowed.
#[actix_web::test]
async fn no_algorithm_confusion_between_families() {
    let not_allowed = (
        422,
        json!({"msg": "The specified alg value is not allowed"}),
    );
    let hs = JwtManager::new(hs_config(Algorithm::HS256)).unwrap();
    for (algorithm, private, public) in ASYMMETRIC {
        let other = JwtManager::new(asymmetric_config(algorithm, private, public)).unwrap();
        let token = other.create_access_token("username").finish().unwrap();
        assert_eq!(
            get_protected(&hs, protected, &token).await,
            not_allowed,
            "{algorithm:?}"
        );
    }
    let hs_token = hs.create_access_token("username").finish().unwrap();
    let es = JwtManager::new(asymmetric_config(
        Algorithm::ES256,
        EC_P256_A_PRIVATE,
        EC_P256_A_PUBLIC,
    ))
    .unwrap();
    let es_token = es.create_access_token("username").finish().unwrap();
    for (algorithm, private, public) in ASYMMETRIC {
        let jwt = JwtManager::new(asymmetric_config(algorithm, private, public)).unwrap();
        assert_eq!(
            get_protected(&jwt, protected, &hs_token).await,
            not_allowed,
            "{algorithm:?}"
        );
        if algorithm != Algorithm::ES256 {
            assert_eq!(
                get_protected(&jwt, protected, &es_token).await,
                not_allowed,
                "{algorithm:?}"
            );
        }
    }
}

// The classic confusion attack: an HS256 token whose HMAC secret is the app's *public* RSA
// key. Refused even when HS256 is among the decode algorithms, since an RSA key never checks
// an HMAC; and an ES256 token against an RSA key is refused the same way.
#[actix_web::test]
async fn public_key_as_hmac_secret_is_refused() {
    let permissive = JwtManager::new(JwtConfig {
        decode_algorithms: vec![Algorithm::RS256, Algorithm::HS256, Algorithm::ES256],
        ..asymmetric_config(Algorithm::RS256, RSA_A_PRIVATE, RSA_A_PUBLIC)
    })
    .unwrap();
    let failed = (422, json!({"msg": "Signature verification failed"}));
    for secret in [RSA_A_PUBLIC, RSA_A_PUBLIC.trim()] {
        let forged = signed(
            Algorithm::HS256,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        );
        assert_eq!(get_protected(&permissive, protected, &forged).await, failed);
    }
    let es_token = signed(Algorithm::ES256, &ec_key(EC_P256_A_PRIVATE));
    assert_eq!(
        get_protected(&permissive, protected, &es_token).await,
        failed
    );

    let strict = JwtManager::new(asymmetric_config(
        Algorithm::RS256,
        RSA_A_PRIVATE,
        RSA_A_PUBLIC,
    ))
    .unwrap();
    let forged = signed(
        Algorithm::HS256,
        &EncodingKey::from_secret(RSA_A_PUBLIC.as_bytes()).unwrap(),
    );
    assert_eq!(
        get_protected(&strict, protected, &forged).await,
        (
            422,
            json!({"msg": "The specified alg value is not allowed"})
        )
    );
}

// `alg: none` in any spelling, with or without a signature, is refused by every kind of
// app; a missing `alg` too.
#[actix_web::test]
async fn alg_none_is_always_refused() {
    let apps = [
        JwtManager::new(hs_config(Algorithm::HS256)).unwrap(),
        JwtManager::new(JwtConfig {
            decode_algorithms: vec![Algorithm::HS256, Algorithm::RS256, Algorithm::EdDSA],
            ..asymmetric_config(Algorithm::RS256, RSA_A_PRIVATE, RSA_A_PUBLIC)
        })
        .unwrap(),
        JwtManager::new(asymmetric_config(
            Algorithm::EdDSA,
            ED25519_PRIVATE,
            ED25519_PUBLIC,
        ))
        .unwrap(),
    ];
    let payload = json!({"sub": "username", "type": "access", "fresh": true, "jti": "j"});
    for jwt in &apps {
        for alg in ["none", "None", "NONE", "nOnE", ""] {
            for kid in [None, Some("k1")] {
                let mut header = json!({"alg": alg, "typ": "JWT"});
                if let Some(kid) = kid {
                    header["kid"] = kid.into();
                }
                let token = unsigned(header.clone(), payload.clone());
                assert_eq!(
                    get_protected(jwt, protected, &token).await,
                    (
                        422,
                        json!({"msg": "The specified alg value is not allowed"})
                    ),
                    "{header}"
                );
                // A signature stolen from a valid token does not help.
                let valid = jwt.create_access_token("username").finish().unwrap();
                let stolen = format!("{token}{}", valid.rsplit('.').next().unwrap());
                assert_eq!(
                    get_protected(jwt, protected, &stolen).await.0,
                    422,
                    "{header}"
                );
            }
        }
        let token = unsigned(json!({"typ": "JWT"}), payload.clone());
        assert_eq!(
            get_protected(jwt, protected, &token).await,
            (422, json!({"msg": "Algorithm not specified"}))
        );
    }
}

// PEM keys are parsed and checked when the manager is built: a bad key, a key of the wrong
// family or two halves of different pairs are `ConfigError`s naming the option.
#[test]
fn bad_pem_keys_are_config_errors() {
    let rs = |private: &str, public: &str| asymmetric_config(Algorithm::RS256, private, public);
    // PEM armour around something that is not a key.
    let garbage =
        "-----BEGIN PRIVATE KEY-----\nTm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        config_error(rs(garbage, RSA_A_PUBLIC)).option,
        "JWT_PRIVATE_KEY"
    );
    let garbage_public = garbage.replace("PRIVATE", "PUBLIC");
    assert_eq!(
        config_error(rs(RSA_A_PRIVATE, &garbage_public)).option,
        "JWT_PUBLIC_KEY"
    );
    // An EC key for RS256, an RSA key for ES256, an Ed25519 key for ES384.
    assert_eq!(
        config_error(rs(EC_P256_A_PRIVATE, RSA_A_PUBLIC)).option,
        "JWT_PRIVATE_KEY"
    );
    assert_eq!(
        config_error(rs(RSA_A_PRIVATE, EC_P256_A_PUBLIC)).option,
        "JWT_PUBLIC_KEY"
    );
    let err = config_error(asymmetric_config(
        Algorithm::ES256,
        RSA_A_PRIVATE,
        EC_P256_A_PUBLIC,
    ));
    assert_eq!(err.option, "JWT_PRIVATE_KEY");
    assert!(err.reason.contains("ES256"), "{err}");
    // A P-384 key for ES256.
    assert_eq!(
        config_error(asymmetric_config(
            Algorithm::ES256,
            EC_P384_PRIVATE,
            EC_P384_PUBLIC
        ))
        .option,
        "JWT_PRIVATE_KEY"
    );
    // Halves of two pairs: this app could not verify its own tokens.
    let err = config_error(rs(RSA_A_PRIVATE, RSA_B_PUBLIC));
    assert_eq!(err.option, "JWT_PUBLIC_KEY");
    assert!(err.reason.contains("not one key pair"), "{err}");
    // PKCS#1 ("RSA PRIVATE KEY" / "RSA PUBLIC KEY", upstream's format) is accepted.
    let jwt = JwtManager::new(rs(RSA_A_PRIVATE_PKCS1, RSA_A_PUBLIC_PKCS1)).unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    jwt.decode_token(&token, false).unwrap();
}

// `JWT_PRIVATE_KEY_FILE` / `JWT_PUBLIC_KEY_FILE` name PEM files, read and parsed at start-up.
#[test]
fn pem_keys_from_env_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys");
    let env = [
        ("JWT_ALGORITHM", "ES256".to_owned()),
        (
            "JWT_PRIVATE_KEY_FILE",
            format!("{dir}/ec_p256_a_private.pem"),
        ),
        ("JWT_PUBLIC_KEY_FILE", format!("{dir}/ec_p256_a_public.pem")),
    ];
    let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    let jwt = JwtManager::new(JwtConfig::from_lookup(lookup).unwrap()).unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["sub"], "username");
    // The file's key is the one used: a token of the other P-256 key is refused.
    let other = signed(Algorithm::ES256, &ec_key(EC_P256_B_PRIVATE));
    assert_eq!(
        jwt.decode_token(&other, false).unwrap_err().message(),
        "Signature verification failed"
    );
}

// Upstream `test_encode_decode_callback_values` [adapt: RS256 key pairs instead of the secret]: the
// default loaders use the configured private key to sign and public key to verify; registered
// loaders' keys replace them.
#[test]
fn test_encode_decode_callback_values() {
    let verify_with = |token: &str, public: &str| {
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<Value>(
            token,
            &DecodingKey::from_rsa_pem(public.as_bytes()).unwrap(),
            &validation,
        )
        .is_ok()
    };
    let config = asymmetric_config(Algorithm::RS256, RSA_A_PRIVATE, RSA_A_PUBLIC);
    let jwt = JwtManager::new(config.clone()).unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert!(verify_with(&token, RSA_A_PUBLIC));
    assert!(!verify_with(&token, RSA_B_PUBLIC));
    jwt.decode_token(&signed(Algorithm::RS256, &rsa_key(RSA_A_PRIVATE)), false)
        .unwrap();

    let jwt = JwtManager::builder(config)
        .encode_key_loader(|_| rsa_key(RSA_B_PRIVATE))
        .decode_key_loader(|_, _| DecodingKey::from_rsa_pem(RSA_B_PUBLIC.as_bytes()).unwrap())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert!(verify_with(&token, RSA_B_PUBLIC));
    assert!(!verify_with(&token, RSA_A_PUBLIC));
    jwt.decode_token(&signed(Algorithm::RS256, &rsa_key(RSA_B_PRIVATE)), false)
        .unwrap();
    assert_eq!(
        jwt.decode_token(&signed(Algorithm::RS256, &rsa_key(RSA_A_PRIVATE)), false)
            .unwrap_err()
            .message(),
        "Signature verification failed"
    );
}

// Upstream `test_custom_encode_decode_key_callbacks` [adapt: RS256 key pairs]: an encode-key
// loader's private key B signs, so the configured public key A refuses access and refresh tokens; a
// decode-key loader (given the unverified header and claims) returning public key B lets both
// through.
#[test]
fn test_custom_encode_decode_key_callbacks() {
    let identities = Arc::new(Mutex::new(Vec::<Value>::new()));
    let seen = Arc::clone(&identities);
    let encode_loader = move |identity: &Value| {
        seen.lock().unwrap().push(identity.clone());
        rsa_key(RSA_B_PRIVATE)
    };
    let config = asymmetric_config(Algorithm::RS256, RSA_A_PRIVATE, RSA_A_PUBLIC);

    let jwt = JwtManager::builder(config.clone())
        .encode_key_loader(encode_loader.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let access = jwt.create_access_token("username").finish().unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();
    for token in [&access, &refresh] {
        assert_eq!(
            jwt.decode_token(token, false).unwrap_err().message(),
            "Signature verification failed"
        );
    }
    assert_eq!(
        *identities.lock().unwrap(),
        [json!("username"), json!("username")]
    );

    let decoded_with = Arc::new(Mutex::new(Vec::<(Value, Value)>::new()));
    let seen = Arc::clone(&decoded_with);
    let jwt = JwtManager::builder(config)
        .encode_key_loader(encode_loader)
        .decode_key_loader(move |header, claims| {
            seen.lock()
                .unwrap()
                .push((header["alg"].clone(), claims["sub"].clone()));
            DecodingKey::from_rsa_pem(RSA_B_PUBLIC.as_bytes()).unwrap()
        })
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let access = jwt.create_access_token("username").finish().unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&access, false).unwrap()["type"], "access");
    assert_eq!(
        jwt.decode_token(&refresh, false).unwrap()["type"],
        "refresh"
    );
    assert_eq!(
        *decoded_with.lock().unwrap(),
        [
            (json!("RS256"), json!("username")),
            (json!("RS256"), json!("username"))
        ]
    );
}

// With key loaders for both directions no PEM key is needed at all, whatever the algorithm.
#[actix_web::test]
async fn loaders_replace_pem_keys() {
    let jwt = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::ES256,
        ..JwtConfig::default()
    })
    .encode_key_loader(|_| ec_key(EC_P256_A_PRIVATE))
    .decode_key_loader(|_, _| DecodingKey::from_ec_pem(EC_P256_A_PUBLIC.as_bytes()).unwrap())
    .ignore_registered_loaders()
    .build()
    .unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &token).await,
        (200, json!({"foo": "bar"}))
    );
    // A decode loader returning a key of the wrong family refuses the token.
    let jwt = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::ES256,
        ..JwtConfig::default()
    })
    .encode_key_loader(|_| ec_key(EC_P256_A_PRIVATE))
    .decode_key_loader(|_, _| DecodingKey::from_rsa_pem(RSA_A_PUBLIC.as_bytes()).unwrap())
    .ignore_registered_loaders()
    .build()
    .unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &token).await,
        (422, json!({"msg": "Signature verification failed"}))
    );
}
