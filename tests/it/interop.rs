//! Tokens are interchangeable with a real Flask-JWT-Extended 4.7.1 sharing the secret: each
//! side decodes the other's tokens to the same claims and header.
//!
//! * Flask → Rust: `tests/fixtures/flask_tokens.json` holds tokens made by Flask-JWT-Extended
//!   (see `tests/fixtures/README.md`); no Python is needed.
//! * Rust → Flask: our tokens are piped into `tests/fixtures/verify_with_flask.py`, run by the
//!   Python at `$FLASK_JWT_PYTHON` (default `/tmp/fjwt-venv/bin/python`). Without it the test
//!   is skipped, except on CI (`CI=true`), where it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use actix_jwt_extended::{
    get_jwt, get_jwt_header, get_jwt_identity, jwt_required, JwtConfig, JwtErrorKind, JwtManager,
};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Map, Value};

use crate::support;
use crate::support::bearer;

/// The secret of both fixture directions.
const INTEROP_SECRET: &str = "interop-secret";

/// The fixture file made by `make_flask_tokens.py`.
static FLASK: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../fixtures/flask_tokens.json")).expect("valid fixture JSON")
});

fn flask_token(name: &str) -> &'static str {
    FLASK["tokens"][name].as_str().expect("fixture token")
}

fn flask_object(section: &str, name: &str) -> &'static Map<String, Value> {
    FLASK[section][name].as_object().expect("fixture object")
}

/// A manager like the Flask app of the fixtures: the shared secret, defaults otherwise.
fn manager() -> JwtManager {
    let secret = FLASK["secret"].as_str().unwrap();
    assert_eq!(secret, INTEROP_SECRET);
    JwtManager::new(JwtConfig {
        secret_key: Some(secret.into()),
        ..JwtConfig::default()
    })
    .unwrap()
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "identity": get_jwt_identity(),
        "claims": get_jwt(),
        "header": get_jwt_header(),
    }))
}

#[get("/refresh")]
#[jwt_required(refresh)]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "identity": get_jwt_identity(),
        "claims": get_jwt(),
        "header": get_jwt_header(),
    }))
}

// Every Flask-made token decodes to the claims and header Flask decoded.
#[test]
fn test_decode_flask_tokens() {
    assert_eq!(FLASK["versions"]["flask_jwt_extended"], "4.7.1");
    let jwt = manager();
    for name in ["access", "access_fresh", "refresh", "with_header"] {
        let (header, claims) = jwt
            .decode_complete(flask_token(name), None, false)
            .unwrap_or_else(|e| panic!("Flask token `{name}`: {e:?}"));
        assert_eq!(
            claims.as_map(),
            flask_object("claims", name),
            "claims of `{name}`"
        );
        assert_eq!(
            header.as_map(),
            flask_object("headers", name),
            "header of `{name}`"
        );
        assert_eq!(claims.sub(), FLASK["identity"].as_str());
    }
    assert_eq!(
        jwt.decode_token(flask_token("access"), false).unwrap()["roles"],
        json!(["admin"])
    );
    assert!(
        jwt.decode_token(flask_token("access_fresh"), false)
            .unwrap()["fresh"]
            == true
    );
    assert_eq!(
        get_jwt_header_kid(flask_token("with_header")),
        Some("k1".to_owned())
    );

    // The expired one is expired, and otherwise valid.
    let err = jwt.decode_token(flask_token("expired"), false).unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Expired);
    assert_eq!(err.message(), "Token has expired");
    let claims = jwt.decode_token(flask_token("expired"), true).unwrap();
    assert_eq!(claims.as_map(), flask_object("claims", "expired"));

    // The Flask app's CSRF values check out as a double submit.
    let csrf = flask_object("claims", "access")["csrf"].as_str().unwrap();
    jwt.decode_complete(flask_token("access"), Some(csrf), false)
        .unwrap();

    // Another secret refuses them.
    let other = JwtManager::new(support::config()).unwrap();
    let err = other
        .decode_token(flask_token("access"), false)
        .unwrap_err();
    assert_eq!(err.message(), "Signature verification failed");
}

fn get_jwt_header_kid(token: &str) -> Option<String> {
    actix_jwt_extended::get_unverified_jwt_headers(token)
        .unwrap()
        .kid()
        .map(str::to_owned)
}

// Flask-made tokens open protected routes; the expired one gets Flask's 401.
#[actix_web::test]
async fn test_flask_tokens_on_protected_routes() {
    let jwt = manager();
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected)
            .service(refresh),
    )
    .await;
    let cases = [
        ("access", "/protected", 200),
        ("access_fresh", "/protected", 200),
        ("with_header", "/protected", 200),
        ("refresh", "/refresh", 200),
        ("refresh", "/protected", 422),
        ("access", "/refresh", 422),
        ("expired", "/protected", 401),
    ];
    for (name, uri, expected) in cases {
        let req = TestRequest::get()
            .uri(uri)
            .insert_header(bearer(flask_token(name)));
        let resp = call_service(&app, req.to_request()).await;
        let status = resp.status().as_u16();
        let body: Value = serde_json::from_slice(&read_body(resp).await).unwrap();
        assert_eq!(status, expected, "`{name}` on {uri}: {body}");
        match expected {
            200 => {
                assert_eq!(body["identity"], FLASK["identity"]);
                assert_eq!(&body["claims"], &FLASK["claims"][name]);
                assert_eq!(&body["header"], &FLASK["headers"][name]);
            }
            401 => assert_eq!(body, json!({"msg": "Token has expired"})),
            _ => assert!(body["msg"].as_str().unwrap().starts_with("Only ")),
        }
    }
}

/// The JSON type of a value, with integers apart from other numbers.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Claim names with their JSON types, sorted.
fn shape(claims: &Map<String, Value>) -> Vec<(String, &'static str)> {
    let mut shape: Vec<_> = claims
        .iter()
        .map(|(k, v)| (k.clone(), json_type(v)))
        .collect();
    shape.sort();
    shape
}

/// The claims of `token` as written, without verification or defaults.
fn raw_claims(token: &str) -> Map<String, Value> {
    jsonwebtoken::dangerous::insecure_decode_claims(token).expect("a JWT")
}

/// Our tokens, made like the fixture's Flask tokens.
fn our_tokens(jwt: &JwtManager) -> Vec<(&'static str, String)> {
    let identity = FLASK["identity"].as_str().unwrap();
    vec![
        (
            "access",
            jwt.create_access_token(identity)
                .never_expires()
                .additional_claims(json!({"roles": ["admin"], "n": 7}))
                .finish()
                .unwrap(),
        ),
        (
            "access_fresh",
            jwt.create_access_token(identity)
                .never_expires()
                .fresh(true)
                .finish()
                .unwrap(),
        ),
        (
            "refresh",
            jwt.create_refresh_token(identity)
                .never_expires()
                .finish()
                .unwrap(),
        ),
        (
            "with_header",
            jwt.create_access_token(identity)
                .never_expires()
                .additional_headers(json!({"kid": "k1", "foo": "bar"}))
                .finish()
                .unwrap(),
        ),
    ]
}

// Our tokens have exactly the claim names, JSON types and header of the
// tokens Flask makes with the same arguments.
#[test]
fn test_claim_set_matches_flask() {
    let jwt = manager();
    for (name, token) in our_tokens(&jwt) {
        let ours = raw_claims(&token);
        let flask = flask_object("claims", name);
        assert_eq!(shape(&ours), shape(flask), "claim set of `{name}`");
        for fixed in ["type", "fresh", "sub"] {
            assert_eq!(ours[fixed], flask[fixed], "`{fixed}` of `{name}`");
        }
        assert_eq!(ours["nbf"], ours["iat"]);
        let header = actix_jwt_extended::get_unverified_jwt_headers(&token).unwrap();
        assert_eq!(
            header.as_map(),
            flask_object("headers", name),
            "header of `{name}`"
        );
    }
    let access = raw_claims(&our_tokens(&jwt)[0].1);
    assert_eq!(access["roles"], json!(["admin"]));
    assert_eq!(access["n"], 7);

    // With the configured lifetime, `exp` is the one extra claim, as in Flask's `expired`.
    let token = jwt.create_access_token("flask-user").finish().unwrap();
    assert_eq!(
        shape(&raw_claims(&token)),
        shape(flask_object("claims", "expired"))
    );
}

/// The Python that runs `verify_with_flask.py`, or why there is none.
fn flask_python() -> Result<PathBuf, String> {
    let python = std::env::var_os("FLASK_JWT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/fjwt-venv/bin/python"));
    if python.is_file() {
        Ok(python)
    } else {
        Err(format!(
            "no Python with Flask-JWT-Extended at `{}`; install one with\n    \
             python3 -m venv /tmp/fjwt-venv && /tmp/fjwt-venv/bin/pip install \
             flask-jwt-extended==4.7.1 PyJWT==2.10.1 flask\n\
             or point FLASK_JWT_PYTHON at one (see tests/fixtures/README.md)",
            python.display()
        ))
    }
}

// Rust → Flask: Flask-JWT-Extended decodes our tokens and lets them through
// `@jwt_required()` / `@jwt_required(refresh=True)`.
#[test]
fn test_flask_accepts_our_tokens() {
    let python = match flask_python() {
        Ok(python) => python,
        Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => panic!("{why}"),
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let jwt = JwtManager::new(JwtConfig {
        secret_key: Some(INTEROP_SECRET.into()),
        ..JwtConfig::default()
    })
    .unwrap();
    let tokens = vec![
        (
            "access",
            jwt.create_access_token("rust-user").finish().unwrap(),
        ),
        (
            "access",
            jwt.create_access_token("rust-user")
                .fresh(true)
                .finish()
                .unwrap(),
        ),
        (
            "refresh",
            jwt.create_refresh_token("rust-user").finish().unwrap(),
        ),
        (
            "access",
            jwt.create_access_token("rust-user")
                .additional_claims(json!({"roles": ["admin"], "n": 7}))
                .additional_headers(json!({"kid": "k1", "foo": "bar"}))
                .finish()
                .unwrap(),
        ),
        (
            "refresh",
            jwt.create_refresh_token("rust-user")
                .additional_claims(json!({"roles": ["admin"]}))
                .additional_headers(json!({"kid": "k2"}))
                .finish()
                .unwrap(),
        ),
    ];

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verify_with_flask.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", python.display()));
    {
        let mut stdin = child.stdin.take().unwrap();
        for (_, token) in &tokens {
            writeln!(stdin, "{token}").unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "verify_with_flask.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );

    let lines: Vec<&str> = stdout.lines().collect();
    let ok: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("OK "))
        .collect();
    let http: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("HTTP "))
        .collect();
    assert_eq!(ok.len(), tokens.len(), "{stdout}");
    assert_eq!(http.len(), tokens.len(), "{stdout}");
    for (((kind, token), ok), http) in tokens.iter().zip(&ok).zip(&http) {
        // "OK <type> <sub> <sorted claim names>", as Flask decoded the token.
        let mut names: Vec<String> = raw_claims(token).keys().cloned().collect();
        names.sort();
        assert_eq!(
            *ok,
            format!("OK {kind} rust-user {}", names.join(",")),
            "{stdout}"
        );
        // "HTTP <route> 200 <body>".
        let route = if *kind == "refresh" {
            "/refresh"
        } else {
            "/protected"
        };
        let expected = format!(
            "HTTP {route} 200 {}",
            serde_json::to_string(&json!({"identity": "rust-user", "type": kind})).unwrap()
        );
        assert_eq!(
            http.replace(": ", ":").replace(", ", ","),
            expected,
            "{stdout}"
        );
    }
}
