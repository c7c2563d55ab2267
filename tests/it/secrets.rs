//! Secrets stay secret: `Debug` (and, where implemented, `Display`) of the config, the manager,
//! `Secret`, the errors and the verified token never print an HMAC secret, a private key or a
//! whole token; error bodies never carry unsigned attacker input, and what they do carry (the
//! signed identity) is JSON-escaped; the CSRF comparison is constant-time; an HMAC secret
//! shorter than the hash output is warned about, once, at start-up, without showing it.
//!
//! `JwtConfig`, `JwtManager`, its builder and middleware, `Secret`, `VerifiedJwt` and the
//! extractors implement `Debug` only (no `Display`); `JwtError` and `ConfigError` implement
//! both.

use actix_jwt_extended::{
    jwt_required, verify_jwt_in_request, Access, Algorithm, AnyToken, FreshAccess, Jwt, JwtConfig,
    JwtError, JwtManager, JwtRequired, OptionalJwt, Refresh, Secret, TokenLocation, VerifyOptions,
};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{get, web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::support::keys::{RSA_PRIVATE_PEM, RSA_PUBLIC_PEM};
use crate::support::logs::{named_warnings_of, warnings_of};
use crate::support::{b64url, manager_with};

const HMAC_SECRET: &str = "hmac-secret-that-must-never-be-printed";
const SCRIPT: &str = "<script>alert(1)</script>";

/// Lines of the private key's base64 body: none of them may show up anywhere.
fn private_key_lines() -> Vec<&'static str> {
    RSA_PRIVATE_PEM
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() > 20)
        .collect()
}

/// Asserts that `text` shows none of the secrets nor any of `tokens` (whole or signature).
fn assert_no_secret(what: &str, text: &str, tokens: &[&str]) {
    assert!(
        !text.contains(HMAC_SECRET),
        "{what} shows the HMAC secret: {text}"
    );
    assert!(
        !text.contains("PRIVATE KEY"),
        "{what} shows a private key: {text}"
    );
    for line in private_key_lines() {
        assert!(!text.contains(line), "{what} shows the private key: {text}");
    }
    for token in tokens {
        assert!(!text.contains(token), "{what} shows a whole token: {text}");
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            !text.contains(signature),
            "{what} shows a token's signature: {text}"
        );
    }
}

/// Both `{:?}` and `{:#?}` of `value`.
fn debug_forms(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

fn hs_config() -> JwtConfig {
    JwtConfig {
        secret_key: Some(HMAC_SECRET.into()),
        ..JwtConfig::default()
    }
}

fn rs_config() -> JwtConfig {
    JwtConfig {
        algorithm: Algorithm::RS256,
        private_key: Some(RSA_PRIVATE_PEM.into()),
        public_key: Some(RSA_PUBLIC_PEM.into()),
        ..JwtConfig::default()
    }
}

#[test]
fn debug_of_secret_is_redacted() {
    let secret = Secret::from(HMAC_SECRET);
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    assert_eq!(
        format!("{:?}", Some(secret.clone())),
        "Some(Secret(<redacted>))"
    );
    assert_no_secret("Secret", &debug_forms(&secret), &[]);
    assert_no_secret(
        "private key Secret",
        &debug_forms(&Secret::from(RSA_PRIVATE_PEM)),
        &[],
    );
}

#[test]
fn debug_of_config_hides_the_secret_and_the_private_key() {
    for (what, config) in [("HS256 config", hs_config()), ("RS256 config", rs_config())] {
        let text = debug_forms(&config);
        assert_no_secret(what, &text, &[]);
        assert!(text.contains("Secret(<redacted>)"), "{what}: {text}");
    }
    // The public key is public: printing it is fine, and shows that the redaction is targeted.
    assert!(format!("{:?}", rs_config()).contains("PUBLIC KEY"));
}

#[test]
fn debug_of_manager_and_token_builder_hide_keys() {
    for (what, config) in [("HS256", hs_config()), ("RS256", rs_config())] {
        let jwt = manager_with(config);
        assert_no_secret(&format!("{what} manager"), &debug_forms(&jwt), &[]);
        let builder = jwt
            .create_access_token("ann")
            .additional_claims(json!({"role": "admin"}));
        assert_no_secret(
            &format!("{what} token builder"),
            &debug_forms(&builder),
            &[],
        );
    }
}

/// The builder shows its config as the config does (secrets redacted) and a key set by its
/// key ids; the middlewares show their options or manager; the token kinds their names.
#[actix_web::test]
async fn debug_of_builder_middlewares_and_token_kinds_hides_keys() {
    for (what, config) in [("HS256", hs_config()), ("RS256", rs_config())] {
        let builder = JwtManager::builder(config.clone());
        let text = debug_forms(&builder);
        assert_no_secret(&format!("{what} builder"), &text, &[]);
        assert!(text.starts_with("JwtManagerBuilder {"), "{text}");
        assert!(
            text.contains("Secret(<redacted>)"),
            "{what} builder: {text}"
        );

        let jwt = manager_with(config);
        let middleware = jwt.new_transform(test::ok_service()).await.unwrap();
        let text = debug_forms(&middleware);
        assert_no_secret(&format!("{what} manager middleware"), &text, &[]);
        assert!(
            text.starts_with("ManagerMiddleware { manager: JwtManager {"),
            "{text}"
        );
    }
    let scope = JwtRequired::new()
        .fresh()
        .new_transform(test::ok_service())
        .await
        .unwrap();
    let text = format!("{scope:?}");
    assert!(
        text.starts_with("JwtRequiredMiddleware { options: "),
        "{text}"
    );
    assert!(text.contains("fresh: true"), "{text}");
    let kinds = [
        format!("{Access:?}"),
        format!("{FreshAccess:?}"),
        format!("{Refresh:?}"),
        format!("{AnyToken:?}"),
    ];
    assert_eq!(kinds, ["Access", "FreshAccess", "Refresh", "AnyToken"]);
}

/// Errors from every decoding step, including the expired error that carries the token's
/// claims, print neither the token nor the key.
#[test]
fn debug_and_display_of_errors_hide_tokens_and_keys() {
    let jwt = manager_with(hs_config());
    let valid = jwt.create_access_token("ann").finish().unwrap();
    let expired = jwt
        .create_access_token("ann")
        .expires_at(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1))
        .finish()
        .unwrap();
    let other = manager_with(JwtConfig {
        secret_key: Some("another-secret".into()),
        ..JwtConfig::default()
    })
    .create_access_token("ann")
    .finish()
    .unwrap();
    let [h, p, _] = <[&str; 3]>::try_from(valid.split('.').collect::<Vec<_>>()).unwrap();
    let tampered = [
        other.clone(),
        format!("{h}.{p}.AAAA"),
        format!("{h}.{p}"),
        format!("{h}.{}.{}", &p[1..], valid.rsplit('.').next().unwrap()),
        format!("{p}.{h}.{}", valid.rsplit('.').next().unwrap()),
    ];
    let mut errors: Vec<(String, JwtError)> = vec![(
        expired.clone(),
        jwt.decode_token(&expired, false).unwrap_err(),
    )];
    for token in tampered {
        let error = jwt.decode_token(&token, false).unwrap_err();
        errors.push((token, error));
    }
    for (token, error) in &errors {
        let text = format!("{error}\n{}", debug_forms(error));
        assert_no_secret("JwtError", &text, &[token, &valid, &expired]);
        assert!(
            !text.contains("\"sub\""),
            "JwtError shows the claims: {text}"
        );
    }
    // The expired error keeps the claims for the loaders, but does not print them.
    assert!(errors[0].1.token().is_some());
}

/// A bad key is reported by option name; the key's content is never echoed.
#[test]
fn config_errors_do_not_echo_key_material() {
    let secretish = "TOPSECRETKEYMATERIALTOPSECRETKEYMATERIAL";
    let bad_private =
        format!("-----BEGIN PRIVATE KEY-----\n{secretish}\n-----END PRIVATE KEY-----\n");
    let bad_public = format!("-----BEGIN PUBLIC KEY-----\n{secretish}\n-----END PUBLIC KEY-----\n");
    let configs = [
        JwtConfig {
            private_key: Some(bad_private.clone().into()),
            ..rs_config()
        },
        JwtConfig {
            private_key: Some(secretish.into()),
            ..rs_config()
        },
        JwtConfig {
            public_key: Some(bad_public),
            ..rs_config()
        },
        JwtConfig {
            private_key: Some(RSA_PRIVATE_PEM.into()),
            public_key: Some(RSA_PRIVATE_PEM.into()),
            ..rs_config()
        },
        JwtConfig {
            algorithm: Algorithm::ES256,
            ..rs_config()
        },
    ];
    for config in configs {
        let error = JwtManager::builder(config)
            .ignore_registered_loaders()
            .build()
            .unwrap_err();
        let text = format!("{error}\n{}", debug_forms(&error));
        assert!(
            !text.contains(secretish),
            "ConfigError echoes the key: {text}"
        );
        assert_no_secret("ConfigError", &text, &[]);
        assert!(error.option.starts_with("JWT_"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// What the responses say.

/// Reports the verified token's `Debug` form, to check it over HTTP.
#[get("/verified")]
async fn verified(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, JwtError> {
    let mut payload = payload.into_inner();
    let jwt = verify_jwt_in_request(&req, &mut payload, VerifyOptions::new()).await?;
    Ok(HttpResponse::Ok().json(json!({ "debug": format!("{jwt:?}\n{jwt:#?}") })))
}

#[actix_web::post("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true}))
}

async fn send<S, R, B>(app: &S, req: R) -> (StatusCode, String)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req).await;
    let status = res.status();
    if status != StatusCode::OK {
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/json",
            "{status}"
        );
    }
    let bytes = test::read_body(res).await;
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[actix_web::test]
async fn debug_of_verified_jwt_hides_the_token_and_csrf_value() {
    let jwt = manager_with(JwtConfig {
        token_location: vec![TokenLocation::Headers],
        ..hs_config()
    });
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(verified),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let csrf = jwt.decode_token(&token, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = TestRequest::get()
        .uri("/verified")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let debug: Value = serde_json::from_str(&body).unwrap();
    let debug = debug["debug"].as_str().unwrap();
    assert!(debug.contains("VerifiedJwt"), "{debug}");
    assert_no_secret("VerifiedJwt", debug, &[&token]);
    assert!(
        !debug.contains(&csrf),
        "VerifiedJwt shows the CSRF value: {debug}"
    );
}

/// Reports the `Debug` forms of the extractors, to check them over HTTP.
#[get("/extractors")]
async fn extractors(
    jwt: Jwt<AnyToken>,
    typed: Jwt<Access, Value>,
    optional: OptionalJwt,
) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "jwt": debug_forms(&jwt),
        "typed": debug_forms(&typed),
        "optional": debug_forms(&optional),
    }))
}

#[get("/optional")]
async fn optional_only(optional: OptionalJwt) -> HttpResponse {
    HttpResponse::Ok().body(format!("{optional:?}"))
}

/// `Jwt` and `OptionalJwt` show the verified token as `VerifiedJwt` does (location and `jti`):
/// not the token, its CSRF value, nor the claims (a claims type need not be `Debug`).
#[actix_web::test]
async fn debug_of_extractors_hides_the_token_and_claims() {
    let jwt = manager_with(JwtConfig {
        token_location: vec![TokenLocation::Headers],
        ..hs_config()
    });
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .service(extractors)
            .service(optional_only),
    )
    .await;
    let token = jwt
        .create_access_token("ann")
        .additional_claims(json!({"role": "admin-role-claim"}))
        .finish()
        .unwrap();
    let claims = jwt.decode_token(&token, false).unwrap();
    let csrf = claims["csrf"].as_str().unwrap().to_owned();
    let jti = claims["jti"].as_str().unwrap().to_owned();
    let req = TestRequest::get()
        .uri("/extractors")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let forms: Value = serde_json::from_str(&body).unwrap();
    for (what, prefix) in [
        ("jwt", "Jwt(VerifiedJwt {"),
        ("typed", "Jwt(VerifiedJwt {"),
        ("optional", "OptionalJwt(Some(Jwt(VerifiedJwt {"),
    ] {
        let text = forms[what].as_str().unwrap();
        assert!(text.starts_with(prefix), "{what}: {text}");
        assert!(
            text.contains(&jti),
            "{what} names its token by `jti`: {text}"
        );
        assert_no_secret(what, text, &[&token]);
        assert!(!text.contains(&csrf), "{what} shows the CSRF value: {text}");
        assert!(
            !text.contains("admin-role-claim"),
            "{what} shows the claims: {text}"
        );
    }
    let (status, body) = send(&app, TestRequest::get().uri("/optional").to_request()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "OptionalJwt(None)");
}

/// CWE-79 / CWE-116 (Improper Encoding or Escaping of Output): no error body carries unsigned
/// attacker input — not in the header, cookie, CSRF header, query or JSON body, and not inside
/// a token's header or payload JSON. Every error body is `application/json`.
#[actix_web::test]
async fn error_bodies_never_echo_attacker_input() {
    let jwt = manager_with(JwtConfig {
        token_location: TokenLocation::ALL.to_vec(),
        ..hs_config()
    });
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected),
    )
    .await;
    let evil_header = format!(r#"{{"alg":"HS256","kid":"{SCRIPT}","x":"{SCRIPT}"}}"#);
    let evil_payload = format!(r#"{{"sub":"{SCRIPT}","exp":"{SCRIPT}"}}"#);
    let tokens = [
        SCRIPT.to_owned(),
        format!("{SCRIPT}.{SCRIPT}.{SCRIPT}"),
        format!(
            "{}.{}.sig",
            b64url(evil_header.as_bytes()),
            b64url(evil_payload.as_bytes())
        ),
        format!(
            "{}.{}.sig",
            b64url(format!(r#"{{"alg":"{SCRIPT}"}}"#).as_bytes()),
            b64url("{}".as_bytes())
        ),
        format!(
            "{}.{}.sig",
            b64url(format!(r#"{{"{SCRIPT}": 1,}}"#).as_bytes()),
            b64url("{}".as_bytes())
        ),
        format!(
            "{}.{}.sig",
            b64url(r#"{"alg":"HS256"}"#.as_bytes()),
            b64url(format!(r#"{{"{SCRIPT}"}}"#).as_bytes())
        ),
        format!(
            "{}.{}.sig",
            b64url(r#"{"alg":"HS256"}"#.as_bytes()),
            b64url(format!(r#"["{SCRIPT}"]"#).as_bytes())
        ),
        format!(
            "{}.{}.sig",
            b64url(format!(r#"{{"alg":"HS256","kid":["{SCRIPT}"]}}"#).as_bytes()),
            b64url("{}".as_bytes())
        ),
    ];
    let mut requests = Vec::new();
    for token in &tokens {
        let post = || TestRequest::post().uri("/protected");
        requests.push(post().insert_header(("Authorization", format!("Bearer {token}"))));
        requests.push(post().insert_header(("Authorization", format!("{SCRIPT} {token}"))));
        requests.push(post().insert_header(("Authorization", format!("Bearer {token} {SCRIPT}"))));
        requests.push(
            post()
                .insert_header(("Cookie", format!("access_token_cookie={token}")))
                .insert_header(("X-CSRF-TOKEN", SCRIPT)),
        );
        requests.push(post().insert_header(("Cookie", format!("access_token_cookie={token}"))));
        requests.push(post().set_json(json!({ "access_token": token })));
    }
    requests.push(TestRequest::post().uri("/protected?jwt=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
    requests.push(
        TestRequest::post()
            .uri("/protected")
            .set_json(json!({ SCRIPT: SCRIPT })),
    );
    requests.push(
        TestRequest::post()
            .uri("/protected")
            .set_json(json!({ "access_token": {SCRIPT: 1} })),
    );
    requests.push(
        TestRequest::post()
            .uri("/protected")
            .insert_header(("Content-Type", "application/json"))
            .set_payload(format!(r#"{{"access_token": "{SCRIPT}""#)),
    );
    for req in requests {
        let (status, body) = send(&app, req.to_request()).await;
        assert_ne!(status, StatusCode::OK, "{body}");
        let value: Value = serde_json::from_str(&body).unwrap();
        assert!(value["msg"].is_string(), "{body}");
        assert!(
            !body.contains("script") && !body.contains("alert"),
            "the error body echoes attacker input: {status} {body}"
        );
    }
}

/// The one message that carries token content is the user loader's "Error loading the user
/// <identity>", Flask's message, from a signed token. It is JSON-escaped: quotes and
/// control characters cannot break out of the string, and the body is `application/json`.
#[actix_web::test]
async fn signed_identity_in_an_error_message_is_json_escaped() {
    let jwt = JwtManager::builder(hs_config())
        .ignore_registered_loaders()
        .user_lookup_loader(|_header, _claims| async { None::<String> })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected),
    )
    .await;
    let identity = format!("\"}}{SCRIPT}\n\u{2028}\\");
    let token = jwt.create_access_token(&identity).finish().unwrap();
    let req = TestRequest::post()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        value,
        json!({ "msg": format!("Error loading the user {identity}") })
    );
    assert!(
        body.contains(r#"\"}"#) && body.contains(r"\n") && body.contains(r"\\"),
        "{body}"
    );
}

/// The `crit` refusal names the first extension, as PyJWT 2.12 does, before the signature is
/// checked: the one place where unsigned token content reaches an error body. It is
/// JSON-escaped like the identity above, in an `application/json` body.
#[actix_web::test]
async fn unsigned_crit_name_in_an_error_message_is_json_escaped() {
    let jwt = manager_with(hs_config());
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected),
    )
    .await;
    let name = format!("\"}}{SCRIPT}\n\\");
    let header = json!({"alg": "HS256", "crit": [name]}).to_string();
    let token = format!(
        "{}.{}.c2ln",
        b64url(header.as_bytes()),
        b64url(r#"{"sub":"ann"}"#.as_bytes())
    );
    let req = TestRequest::post()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        value,
        json!({ "msg": format!("Unsupported critical extension: {name}") })
    );
    assert!(
        body.contains(r#"\"}"#) && body.contains(r"\n") && body.contains(r"\\"),
        "{body}"
    );
}

/// The CSRF double-submit comparison is constant-time: `constant_time_eq` in
/// `jwt-runtime/src/keys/mod.rs` compares every byte (XOR folded into one accumulator, behind
/// `black_box`) and leaks only the length, which is fixed (a UUID, 36 characters). Here: each
/// equal-length value that differs from the right one in a single position is refused.
#[actix_web::test]
async fn csrf_comparison_refuses_every_equal_length_near_miss() {
    let jwt = manager_with(JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..hs_config()
    });
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let csrf = jwt.decode_token(&token, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(csrf.len(), 36);
    let post = |value: String| {
        TestRequest::post()
            .uri("/protected")
            .insert_header(("Cookie", format!("access_token_cookie={token}")))
            .insert_header(("X-CSRF-TOKEN", value))
            .to_request()
    };
    for i in 0..csrf.len() {
        let mut near = csrf.clone().into_bytes();
        near[i] = if near[i] == b'a' { b'b' } else { b'a' };
        let near = String::from_utf8(near).unwrap();
        let (status, body) = send(&app, post(near)).await;
        assert_eq!(
            (status, body.as_str()),
            (
                StatusCode::UNAUTHORIZED,
                r#"{"msg":"CSRF double submit tokens do not match"}"#
            ),
            "position {i}"
        );
    }
    let (status, _) = send(&app, post(csrf)).await;
    assert_eq!(status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Start-up warnings, seen through a tracing subscriber of the test's thread (`support::logs`);
// the crate reports them with or without its `tracing` feature.

// Security review (issue 12, item 7): an HMAC secret shorter than the hash output (RFC 7518
// §3.2: 32 bytes for HS256, 48 for HS384, 64 for HS512) can be guessed offline from any token.
// Flask's examples use short secrets, so it still works, with one warning at start-up that
// names the option and never shows the secret.
#[test]
fn short_hmac_secrets_log_one_warning_at_start_up() {
    for (algorithm, length) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let short = "s".repeat(length - 1);
        let config = |secret: &str| JwtConfig {
            algorithm,
            secret_key: Some(secret.into()),
            ..JwtConfig::default()
        };
        let mut jwt = None;
        let warnings = named_warnings_of(|| jwt = Some(manager_with(config(&short))));
        assert_eq!(warnings.len(), 1, "{algorithm:?}: {warnings:?}");
        let (name, warning) = &warnings[0];
        assert_eq!(*name, "weak_hmac_secret");
        assert!(warning.contains("JWT_SECRET_KEY"), "{warning}");
        assert!(warning.contains(&format!("{length} bytes")), "{warning}");
        assert!(!warning.contains(&short), "the warning shows the secret");
        let jwt = jwt.unwrap();
        let token = jwt.create_access_token("ann").finish().unwrap();
        assert!(jwt.decode_token(&token, false).is_ok(), "{algorithm:?}");

        let long = "s".repeat(length);
        assert_eq!(
            warnings_of(|| drop(manager_with(config(&long)))),
            Vec::<String>::new(),
            "{algorithm:?}"
        );
    }
    let flask_example = JwtConfig {
        secret_key: Some("super-secret".into()),
        ..JwtConfig::default()
    };
    let warnings = warnings_of(|| drop(manager_with(flask_example)));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(!warnings[0].contains("super-secret"), "{}", warnings[0]);
    for config in [hs_config(), rs_config()] {
        assert_eq!(
            warnings_of(|| drop(manager_with(config))),
            Vec::<String>::new()
        );
    }

    // A key set's secrets are HMAC keys too.
    let keys = actix_jwt_extended::KeySet::new();
    let warnings = warnings_of(|| {
        keys.insert_secret("2025", Algorithm::HS512, "tiny-key")
            .unwrap();
        keys.insert_secret("long", Algorithm::HS256, [7u8; 32])
            .unwrap();
    });
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`2025`") && warnings[0].contains("64 bytes"));
    assert!(!warnings[0].contains("tiny-key"), "{}", warnings[0]);
}

// Security review (issue 19): cookies as a token location with `cookie_secure` off (Flask's
// default, needed over plain HTTP in development) send the tokens over plain HTTP too: one
// start-up warning that names the option, none once it is on or cookies are not used.
#[test]
fn cookies_without_cookie_secure_log_one_warning_at_start_up() {
    let config = |locations: Vec<TokenLocation>, cookie_secure| JwtConfig {
        token_location: locations,
        cookie_secure,
        ..hs_config()
    };
    let warnings =
        named_warnings_of(|| drop(manager_with(config(vec![TokenLocation::Cookies], false))));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "insecure_cookies");
    assert!(
        warnings[0].1.contains("JWT_COOKIE_SECURE"),
        "{}",
        warnings[0].1
    );
    let both = vec![TokenLocation::Headers, TokenLocation::Cookies];
    assert_eq!(
        warnings_of(|| drop(manager_with(config(both, false)))).len(),
        1
    );
    for quiet in [
        config(vec![TokenLocation::Cookies], true),
        config(vec![TokenLocation::Headers], false),
    ] {
        assert_eq!(
            warnings_of(|| drop(manager_with(quiet))),
            Vec::<String>::new()
        );
    }
}
