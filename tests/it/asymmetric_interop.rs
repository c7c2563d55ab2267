//! Asymmetric interop with PyJWT, an independent implementation: RS256, ES256, PS256 and EdDSA
//! tokens PyJWT made (tests/fixtures/interop_asymmetric/pyjwt_tokens.json) verify here, with a
//! PEM key or by `kid` through a key set; and PyJWT verifies ours, with PEM keys and with the
//! JWKS our `KeySet` publishes. See tests/fixtures/interop_asymmetric/README.md. Beyond the
//! upstream test suite, so no upstream test name.
//!
//! The PyJWT half needs a Python with PyJWT and `cryptography` at `$FLASK_JWT_PYTHON` (default
//! `/tmp/fjwt-venv/bin/python`); without one it is skipped, except in CI (`CI=true`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use actix_jwt_extended::{jwt_required, Algorithm, JwtConfig, JwtManager, KeySet};
use actix_web::{get, HttpResponse};
use serde_json::{json, Value};

use crate::support::get_protected;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn key_file(name: &str) -> String {
    std::fs::read_to_string(fixtures().join("keys").join(name)).unwrap()
}

fn pyjwt_tokens() -> &'static Value {
    static TOKENS: OnceLock<Value> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let text = std::fs::read_to_string(fixtures().join("interop_asymmetric/pyjwt_tokens.json"))
            .unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn private_of(public: &str) -> String {
    key_file(&public.replace("public", "private"))
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    let claims = actix_jwt_extended::get_jwt();
    HttpResponse::Ok().json(json!({"sub": claims["sub"], "roles": claims["roles"]}))
}

// PyJWT → us, PEM keys: each PyJWT token opens a protected route of an app configured with
// its algorithm and key pair, with its claims intact.
#[actix_web::test]
async fn pyjwt_tokens_verify_with_pem_keys() {
    let tokens = pyjwt_tokens()["tokens"].as_object().unwrap();
    assert_eq!(tokens.len(), 6);
    for (name, item) in tokens {
        let algorithm: Algorithm = item["alg"].as_str().unwrap().parse().unwrap();
        let public = item["public_key"].as_str().unwrap();
        let jwt = JwtManager::new(JwtConfig {
            algorithm,
            private_key: Some(private_of(public).into()),
            public_key: Some(key_file(public)),
            ..JwtConfig::default()
        })
        .unwrap();
        let token = item["token"].as_str().unwrap();
        assert_eq!(
            get_protected(&jwt, protected, token).await,
            (200, json!({"sub": "py-user", "roles": ["reader"]})),
            "{name}"
        );
        let claims = jwt.decode_token(token, false).unwrap();
        assert_eq!(Value::Object(claims.to_map()), item["claims"], "{name}");
        // Tampering with the payload breaks PyJWT's signature here too.
        let mut parts: Vec<&str> = token.split('.').collect();
        let other = tokens.values().find(|t| t["alg"] != item["alg"]).unwrap();
        let other_payload = other["token"].as_str().unwrap().split('.').nth(1).unwrap();
        parts[1] = other_payload;
        assert_eq!(
            jwt.decode_token(&parts.join("."), false)
                .unwrap_err()
                .message(),
            "Signature verification failed",
            "{name}"
        );
    }
}

// PyJWT → us, by `kid`: PyJWT tokens naming their key verify through a key set holding the
// public keys only.
#[actix_web::test]
async fn pyjwt_tokens_verify_by_kid() {
    let tokens = &pyjwt_tokens()["tokens"];
    let keys = KeySet::new();
    keys.insert_public_pem("py-rsa-b", Algorithm::RS256, key_file("rsa_b_public.pem"))
        .unwrap();
    keys.insert_public_pem(
        "py-ec-b",
        Algorithm::ES256,
        key_file("ec_p256_b_public.pem"),
    )
    .unwrap();
    let jwt = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::RS256,
        decode_algorithms: vec![Algorithm::RS256, Algorithm::ES256],
        ..JwtConfig::default()
    })
    .key_set(keys)
    .ignore_registered_loaders()
    .build()
    .unwrap();
    for name in ["rs256_kid", "es256_kid"] {
        let token = tokens[name]["token"].as_str().unwrap();
        assert_eq!(get_protected(&jwt, protected, token).await.0, 200, "{name}");
    }
    // The kid-less PyJWT tokens name no key of the set.
    assert_eq!(
        get_protected(&jwt, protected, tokens["rs256"]["token"].as_str().unwrap()).await,
        (422, json!({"msg": "Token is missing the \"kid\" header"}))
    );
}

/// The Python that runs `verify_with_pyjwt.py`, or why there is none.
fn pyjwt_python() -> Result<PathBuf, String> {
    let python = std::env::var_os("FLASK_JWT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/fjwt-venv/bin/python"));
    let usable = python.is_file()
        && Command::new(&python)
            .args(["-c", "import jwt, cryptography"])
            .status()
            .is_ok_and(|s| s.success());
    if usable {
        Ok(python)
    } else {
        Err(format!(
            "no Python with PyJWT and cryptography at `{}`; install them with\n    \
             /tmp/fjwt-venv/bin/pip install PyJWT==2.10.1 cryptography\n\
             or point FLASK_JWT_PYTHON at one (see tests/fixtures/interop_asymmetric/README.md)",
            python.display()
        ))
    }
}

// Us → PyJWT: PyJWT verifies our RS256, ES256, PS256 and EdDSA tokens with the PEM public
// keys, and our key-set tokens with the JWKS we publish.
#[test]
fn pyjwt_accepts_our_tokens() {
    let python = match pyjwt_python() {
        Ok(python) => python,
        Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!("{why}"),
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let pairs = [
        (Algorithm::RS256, "rsa_a"),
        (Algorithm::ES256, "ec_p256_a"),
        (Algorithm::PS256, "rsa_a"),
        (Algorithm::EdDSA, "ed25519"),
    ];
    let mut tokens = Vec::new();
    for (algorithm, key) in pairs {
        let public = key_file(&format!("{key}_public.pem"));
        let jwt = JwtManager::new(JwtConfig {
            algorithm,
            private_key: Some(key_file(&format!("{key}_private.pem")).into()),
            public_key: Some(public.clone()),
            ..JwtConfig::default()
        })
        .unwrap();
        let token = jwt.create_access_token("rust-user").finish().unwrap();
        tokens.push(json!({"alg": format!("{algorithm:?}"), "public_key": public, "token": token}));
    }
    let keys = KeySet::new();
    keys.insert_private_pem(
        "rust-rsa-b",
        Algorithm::RS256,
        key_file("rsa_b_private.pem"),
    )
    .unwrap();
    keys.insert_private_pem(
        "rust-ec-b",
        Algorithm::ES256,
        key_file("ec_p256_b_private.pem"),
    )
    .unwrap();
    let mut jwks_tokens = Vec::new();
    for (kid, algorithm) in [
        ("rust-rsa-b", Algorithm::RS256),
        ("rust-ec-b", Algorithm::ES256),
    ] {
        keys.set_current(kid).unwrap();
        let jwt = JwtManager::builder(JwtConfig {
            algorithm,
            ..JwtConfig::default()
        })
        .key_set(keys.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
        jwks_tokens.push(jwt.create_refresh_token("rust-user").finish().unwrap());
    }
    let document = json!({"tokens": tokens, "jwks": keys.jwks(), "jwks_tokens": jwks_tokens});

    let script = fixtures().join("interop_asymmetric/verify_with_pyjwt.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", python.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "verify_with_pyjwt.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "OK RS256 None rust-user access",
            "OK ES256 None rust-user access",
            "OK PS256 None rust-user access",
            "OK EdDSA None rust-user access",
            "OK RS256 rust-rsa-b rust-user refresh",
            "OK ES256 rust-ec-b rust-user refresh",
        ],
        "{stdout}"
    );
}
