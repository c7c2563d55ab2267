//! Ports of upstream `tests/test_decode_tokens.py` and of `test_expired_token_via_decode_token`
//! (from `tests/test_view_decorators.py`), cases beyond them (the order of the checks, time
//! claims, JTI and audience types, minimal foreign tokens, the custom error key), and the exact
//! claim set of new tokens.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    create_access_token, decode_token, get_jti, get_jwt, get_unverified_jwt_headers, jwt_required,
    Audience, DecodingKey, EncodingKey, JwtConfig, JwtError, JwtErrorKind, JwtManager,
    TokenLocation,
};
use actix_web::test::{call_service, init_service, read_body, read_body_json, TestRequest};
use actix_web::{get, App, HttpResponse};
use serde_json::{json, Map, Value};

use crate::support;
use crate::support::{bearer, now, sign_raw};

/// The secret of upstream's `app` fixture in this file.
const KEY: &str = "change_me";

/// Upstream's fixture: secret `change_me`, locations `[cookies, headers]`, CSRF protection on.
fn config() -> JwtConfig {
    JwtConfig {
        secret_key: Some(KEY.into()),
        token_location: vec![TokenLocation::Cookies, TokenLocation::Headers],
        cookie_csrf_protect: true,
        ..JwtConfig::default()
    }
}

fn manager() -> JwtManager {
    manager_with(|_| {})
}

fn manager_with(change: impl FnOnce(&mut JwtConfig)) -> JwtManager {
    let mut config = config();
    change(&mut config);
    JwtManager::new(config).expect("valid test config")
}

/// Upstream's `default_access_token` fixture: the payload of a hand-signed token.
fn default_access_token() -> Map<String, Value> {
    json!({"jti": "1234", "sub": "username", "type": "access", "fresh": true, "csrf": "abcd"})
        .as_object()
        .unwrap()
        .clone()
}

/// Upstream's `encode_token(app, payload)`: `payload` signed with the fixture's key.
fn encode_token(payload: &Map<String, Value>) -> String {
    sign_raw(&Value::Object(payload.clone()), KEY)
}

fn with(mut payload: Map<String, Value>, key: &str, value: Value) -> Map<String, Value> {
    payload.insert(key.into(), value);
    payload
}

fn without(mut payload: Map<String, Value>, key: &str) -> Map<String, Value> {
    payload.remove(key);
    payload
}

/// Decodes a token that must fail, returning the error.
fn decode_error(jwt: &JwtManager, token: &str) -> JwtError {
    match jwt.decode_token(token, false) {
        Ok(claims) => panic!("token decoded, but an error was expected: {claims:?}"),
        Err(e) => e,
    }
}

fn assert_decode_error(jwt: &JwtManager, token: &str, message: &str) {
    let err = decode_error(jwt, token);
    assert_eq!(err.kind(), JwtErrorKind::Decode, "{err:?}");
    assert_eq!(err.message(), message);
}

fn ago(seconds: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(seconds)
}

// Upstream `test_missing_claims`.
#[test]
fn test_missing_claims() {
    let jwt = manager();

    let token = encode_token(&without(default_access_token(), "sub"));
    let err = jwt
        .decode_complete(&token, Some("abcd"), false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Decode);
    assert_eq!(err.message(), "Missing claim: sub");

    let token = encode_token(&without(default_access_token(), "csrf"));
    let err = jwt
        .decode_complete(&token, Some("abcd"), false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Decode);
    assert_eq!(err.message(), "Missing claim: csrf");

    // The complete payload passes the same call.
    let token = encode_token(&default_access_token());
    let (_, claims) = jwt.decode_complete(&token, Some("abcd"), false).unwrap();
    assert_eq!(claims["csrf"], "abcd");
}

// Upstream `test_default_decode_token_values`.
#[test]
fn test_default_decode_token_values() {
    let mut payload = default_access_token();
    for claim in ["type", "jti", "fresh"] {
        payload.remove(claim);
    }
    let decoded = manager()
        .decode_token(&encode_token(&payload), false)
        .unwrap();
    assert_eq!(decoded["type"], "access");
    assert_eq!(decoded["jti"], Value::Null);
    assert_eq!(decoded["fresh"], false);
}

// Upstream `test_supports_decoding_other_token_types`.
#[test]
fn test_supports_decoding_other_token_types() {
    let token = encode_token(&with(default_access_token(), "type", json!("app")));
    let decoded = manager().decode_token(&token, false).unwrap();
    assert_eq!(decoded["type"], "app");
}

// Upstream `test_encode_decode_audience`.
#[test]
fn test_encode_decode_audience() {
    // Default: no audience.
    let jwt = manager();
    let token = jwt.create_access_token("username").finish().unwrap();
    assert!(!jwt.decode_token(&token, false).unwrap().contains_key("aud"));

    // Encode and decode audience configured.
    let jwt = manager_with(|c| {
        c.encode_audience = Some(Audience::One("foo".into()));
        c.decode_audience = Some(vec!["foo".into()]);
    });
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["aud"], "foo");

    // Encode and decode mismatch.
    let jwt = manager_with(|c| {
        c.encode_audience = Some(Audience::One("foo".into()));
        c.decode_audience = Some(vec!["bar".into()]);
    });
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_decode_error(&jwt, &token, "Audience doesn't match");

    // No encode audience.
    let jwt = manager_with(|c| c.decode_audience = Some(vec!["foo".into()]));
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_decode_error(&jwt, &token, "Token is missing the \"aud\" claim");

    // No decode audience.
    let jwt = manager_with(|c| c.encode_audience = Some(Audience::One("foo".into())));
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["aud"], "foo");
}

// Upstream `test_expired_token` (upstream uses `expires_delta=timedelta(minutes=-5)`).
#[test]
fn test_expired_token() {
    let jwt = manager();
    let access = jwt.create_access_token("username").expires_at(ago(300));
    let refresh = jwt.create_refresh_token("username").expires_at(ago(300));
    for token in [access.finish().unwrap(), refresh.finish().unwrap()] {
        let err = decode_error(&jwt, &token);
        assert_eq!(err.kind(), JwtErrorKind::Expired);
        assert_eq!(err.message(), "Token has expired");
        // The error carries the decoded token, for the expired loader.
        let (header, claims) = err.token().expect("expired error carries the token");
        assert_eq!(header.alg(), Some("HS256"));
        assert_eq!(claims.sub(), Some("username"));
    }
}

// Upstream `test_allow_expired_token`.
#[test]
fn test_allow_expired_token() {
    let jwt = manager();
    let access = jwt.create_access_token("username").expires_at(ago(300));
    let refresh = jwt.create_refresh_token("username").expires_at(ago(300));
    for token in [access.finish().unwrap(), refresh.finish().unwrap()] {
        let decoded = jwt.decode_token(&token, true).unwrap();
        assert_eq!(decoded["sub"], "username");
        assert!(decoded.contains_key("exp"));
    }
}

// Upstream `test_never_expire_token`.
#[test]
fn test_never_expire_token() {
    let jwt = manager();
    let access = jwt.create_access_token("username").never_expires();
    let refresh = jwt.create_refresh_token("username").never_expires();
    for token in [access.finish().unwrap(), refresh.finish().unwrap()] {
        let decoded = jwt.decode_token(&token, false).unwrap();
        assert!(!decoded.contains_key("exp"), "{decoded:?}");
    }
}

// Upstream `test_nbf_token_in_future`.
#[test]
fn test_nbf_token_in_future() {
    let jwt = manager();
    let token = jwt
        .create_access_token("username")
        .additional_claims(json!({"nbf": now() + 30}))
        .finish()
        .unwrap();
    assert_decode_error(&jwt, &token, "The token is not yet valid (nbf)");

    let jwt = manager_with(|c| c.decode_leeway = Duration::from_secs(30));
    let normal = jwt.create_access_token("username").finish().unwrap();
    jwt.decode_token(&normal, false).unwrap();
    // The leeway also covers the immature token above (same key).
    jwt.decode_token(&token, false).unwrap();
}

// Upstream `test_alternate_identity_claim`.
#[test]
fn test_alternate_identity_claim() {
    let jwt = manager_with(|c| c.identity_claim = "banana".into());

    let token = encode_token(&default_access_token());
    assert_decode_error(&jwt, &token, "Missing claim: banana");

    let payload = with(
        without(default_access_token(), "sub"),
        "banana",
        json!("username"),
    );
    let decoded = jwt.decode_token(&encode_token(&payload), false).unwrap();
    assert_eq!(decoded["banana"], "username");
    assert!(!decoded.contains_key("sub"));
}

// Upstream `test_get_jti`.
#[actix_web::test]
async fn test_get_jti() {
    let jwt = manager();
    let token = encode_token(&default_access_token());
    let jti = jwt.scope(async { get_jti(&token) }).await.unwrap();
    assert_eq!(jti.as_deref(), Some("1234"));
    // Outside any manager's scope there is nothing to decode with.
    assert_eq!(get_jti(&token).unwrap_err().kind(), JwtErrorKind::NoManager);
}

// Upstream `test_encode_decode_callback_values` [adapt: the key callbacks are private; observe the
// keys they yield instead].
#[test]
fn test_encode_decode_callback_values() {
    let foobarbaz = |c: &mut JwtConfig| c.secret_key = Some("foobarbaz".into());

    // Default loaders: the secret signs and verifies.
    let jwt = manager_with(foobarbaz);
    let token = jwt.create_access_token("username").finish().unwrap();
    jwt.decode_token(&token, false).unwrap();
    manager_with(foobarbaz).decode_token(&token, false).unwrap();
    jwt.decode_token(&sign_raw(&json!({"sub": "username"}), "foobarbaz"), false)
        .unwrap();

    // An encode-key loader's key signs instead of the secret.
    let jwt = JwtManager::builder(JwtConfig {
        secret_key: Some("foobarbaz".into()),
        ..config()
    })
    .encode_key_loader(|_| EncodingKey::from_secret(b"different secret").unwrap())
    .build()
    .unwrap();
    let token = jwt.create_access_token("username").finish().unwrap();
    manager_with(|c| c.secret_key = Some("different secret".into()))
        .decode_token(&token, false)
        .unwrap();

    // A decode-key loader's key verifies instead of the secret.
    let jwt = JwtManager::builder(JwtConfig {
        secret_key: Some("foobarbaz".into()),
        ..config()
    })
    .decode_key_loader(|_, _| DecodingKey::from_secret(b"different secret").unwrap())
    .build()
    .unwrap();
    jwt.decode_token(
        &sign_raw(&json!({"sub": "username"}), "different secret"),
        false,
    )
    .unwrap();
    assert_decode_error(
        &jwt,
        &sign_raw(&json!({"sub": "username"}), "foobarbaz"),
        "Signature verification failed",
    );
}

// Upstream `test_custom_encode_decode_key_callbacks`.
#[test]
fn test_custom_encode_decode_key_callbacks() {
    let identities = Arc::new(Mutex::new(Vec::<Value>::new()));
    let seen = Arc::clone(&identities);
    let encode_loader = move |identity: &Value| {
        seen.lock().unwrap().push(identity.clone());
        EncodingKey::from_secret(b"different secret").unwrap()
    };
    let base = JwtConfig {
        secret_key: Some("foobarbaz".into()),
        ..config()
    };

    let jwt = JwtManager::builder(base.clone())
        .encode_key_loader(encode_loader.clone())
        .build()
        .unwrap();
    let access = jwt.create_access_token("username").finish().unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();
    for token in [&access, &refresh] {
        assert_decode_error(&jwt, token, "Signature verification failed");
    }
    assert_eq!(
        *identities.lock().unwrap(),
        [json!("username"), json!("username")]
    );

    let decoded_with = Arc::new(Mutex::new(Vec::<(Value, Value)>::new()));
    let seen = Arc::clone(&decoded_with);
    let jwt = JwtManager::builder(base)
        .encode_key_loader(encode_loader)
        .decode_key_loader(move |header, claims| {
            seen.lock()
                .unwrap()
                .push((header["alg"].clone(), claims["sub"].clone()));
            DecodingKey::from_secret(b"different secret").unwrap()
        })
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
            (json!("HS256"), json!("username")),
            (json!("HS256"), json!("username"))
        ]
    );
}

// Upstream `test_valid_aud`.
#[test]
fn test_valid_aud() {
    let jwt = manager_with(|c| c.decode_audience = Some(vec!["foo".into(), "bar".into()]));
    for aud in [json!("foo"), json!(["bar"]), json!(["foo", "bar", "baz"])] {
        let token = encode_token(&with(default_access_token(), "aud", aud.clone()));
        assert_eq!(jwt.decode_token(&token, false).unwrap()["aud"], aud);
    }
}

// Upstream `test_invalid_aud`.
#[test]
fn test_invalid_aud() {
    let jwt = manager_with(|c| c.decode_audience = Some(vec!["foo".into()]));
    for aud in [json!("bar"), json!(["bar"]), json!(["bar", "baz"])] {
        let token = encode_token(&with(default_access_token(), "aud", aud));
        assert_decode_error(&jwt, &token, "Audience doesn't match");
    }
}

// Upstream `test_verify_no_aud`.
#[test]
fn test_verify_no_aud() {
    let jwt = manager_with(|c| c.decode_audience = None);
    for aud in [json!("bar"), json!(["bar"]), json!(["bar", "baz"])] {
        let token = encode_token(&with(default_access_token(), "aud", aud.clone()));
        assert_eq!(jwt.decode_token(&token, false).unwrap()["aud"], aud);
    }
}

// Upstream `test_invalid_sub_values`.
#[test]
fn test_invalid_sub_values() {
    let jwt = manager();
    for sub in [json!(123), json!({}), json!([]), json!(false)] {
        let token = encode_token(&with(default_access_token(), "sub", sub));
        assert_decode_error(&jwt, &token, "Subject must be a string");
    }
}

// Upstream `test_invalid_sub_values_allowed_with_no_verify`.
#[test]
fn test_invalid_sub_values_allowed_with_no_verify() {
    let jwt = manager_with(|c| c.verify_sub = false);
    for sub in [json!(123), json!({}), json!([]), json!(false)] {
        let token = encode_token(&with(default_access_token(), "sub", sub.clone()));
        assert_eq!(jwt.decode_token(&token, false).unwrap()["sub"], sub);
    }
}

// Upstream `test_encode_iss`.
#[test]
fn test_encode_iss() {
    let jwt = manager_with(|c| c.encode_issuer = Some("foobar".into()));
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(jwt.decode_token(&token, false).unwrap()["iss"], "foobar");
}

// Upstream `test_mismatch_iss`.
#[test]
fn test_mismatch_iss() {
    let jwt = manager_with(|c| {
        c.encode_issuer = Some("foobar".into());
        c.decode_issuer = Some("baz".into());
    });
    let token = jwt.create_access_token("username").finish().unwrap();
    assert_decode_error(&jwt, &token, "Invalid issuer");
}

// Upstream `test_valid_decode_iss`.
#[test]
fn test_valid_decode_iss() {
    let jwt = manager_with(|c| c.decode_issuer = Some("foobar".into()));
    let token = encode_token(&with(default_access_token(), "iss", json!("foobar")));
    assert_eq!(jwt.decode_token(&token, false).unwrap()["iss"], "foobar");
}

// Upstream `test_invalid_decode_iss`.
#[test]
fn test_invalid_decode_iss() {
    let jwt = manager_with(|c| c.decode_issuer = Some("baz".into()));
    let token = encode_token(&with(default_access_token(), "iss", json!("foobar")));
    assert_decode_error(&jwt, &token, "Invalid issuer");
    // Exact match, not PyJWT 2.10.0's substring test, which would accept any issuer containing
    // the configured one.
    let jwt = manager_with(|c| c.decode_issuer = Some("foobarbaz".into()));
    assert_decode_error(&jwt, &token, "Invalid issuer");
}

// Upstream `test_malformed_token`.
#[test]
fn test_malformed_token() {
    assert_decode_error(&manager(), "foobarbaz", "Not enough segments");
}

// Upstream `test_jwt_headers`.
#[test]
fn test_jwt_headers() {
    let jwt = manager();
    let access = jwt
        .create_access_token("username")
        .additional_headers(json!({"foo": "bar"}));
    let refresh = jwt
        .create_refresh_token("username")
        .additional_headers(json!({"foo": "bar"}));
    for token in [access.finish().unwrap(), refresh.finish().unwrap()] {
        let header = get_unverified_jwt_headers(&token).unwrap();
        assert_eq!(header["foo"], "bar");
        assert_eq!(header.alg(), Some("HS256"));
        assert_eq!(header["typ"], "JWT");
    }
    let err = get_unverified_jwt_headers("foobarbaz").unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Decode);
    assert_eq!(err.message(), "Not enough segments");
}

// Upstream `test_token_expires_time`.
#[test]
fn test_token_expires_time() {
    let jwt = manager_with(|c| {
        c.access_token_expires = Some(Duration::from_secs(3600));
        c.refresh_token_expires = Some(Duration::from_secs(7200));
    });
    let before = now();
    let access = jwt.create_access_token("username").finish().unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();
    let access_exp = jwt.decode_token(&access, false).unwrap().exp().unwrap();
    let refresh_exp = jwt.decode_token(&refresh, false).unwrap().exp().unwrap();
    assert!((access_exp - (before + 3600)).abs() < 2, "{access_exp}");
    assert!((refresh_exp - (before + 7200)).abs() < 2, "{refresh_exp}");
}

// Upstream `test_nbf_is_present_by_default`.
#[test]
fn test_nbf_is_present_by_default() {
    let jwt = manager();
    let token = jwt
        .create_access_token("username")
        .fresh(true)
        .finish()
        .unwrap();
    let decoded = jwt.decode_token(&token, false).unwrap();
    assert_eq!(decoded["nbf"], decoded["iat"]);
}

// Upstream `test_disable_nbf_encoding`.
#[test]
fn test_disable_nbf_encoding() {
    let jwt = manager_with(|c| c.encode_nbf = false);
    let token = jwt
        .create_access_token("username")
        .fresh(true)
        .finish()
        .unwrap();
    let decoded = jwt.decode_token(&token, false).unwrap();
    assert!(!decoded.contains_key("nbf"), "{decoded:?}");
    assert!(decoded.contains_key("iat"));
}

#[get("/test")]
async fn decode_expired_in_unprotected_route() -> Result<HttpResponse, JwtError> {
    let token = create_access_token("username")
        .expires_at(ago(60))
        .finish()?;
    decode_token(&token, false)?;
    Ok(HttpResponse::Ok().json(json!({"msg": "baz"})))
}

// Upstream `test_expired_token_via_decode_token` (from tests/test_view_decorators.py): the error of
// the free `decode_token`, returned by an unprotected handler, is rendered by the manager's expired
// loader.
#[actix_web::test]
async fn test_expired_token_via_decode_token() {
    let jwt = JwtManager::builder(support::config())
        .expired_token_loader(|header, claims| {
            if header.alg() == Some("HS256") && claims.sub() == Some("username") {
                HttpResponse::Unauthorized().json(json!({"msg": "foobar"}))
            } else {
                HttpResponse::InternalServerError()
                    .json(json!({"header": header, "claims": claims}))
            }
        })
        .build()
        .unwrap();
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(decode_expired_in_unprotected_route),
    )
    .await;
    let resp = call_service(&app, TestRequest::get().uri("/test").to_request()).await;
    assert_eq!(resp.status(), 401);
    let body: Value = read_body_json(resp).await;
    assert_eq!(body, json!({"msg": "foobar"}));
}

// The `csrf` claim follows JWT_COOKIE_CSRF_PROTECT at creation, whatever the locations.
#[test]
fn test_csrf_claim_follows_csrf_protect_not_locations() {
    let jwt = manager_with(|c| c.token_location = vec![TokenLocation::Headers]);
    for token in [
        jwt.create_access_token("username").finish().unwrap(),
        jwt.create_refresh_token("username").finish().unwrap(),
    ] {
        let decoded = jwt.decode_token(&token, false).unwrap();
        let csrf = decoded.csrf().expect("a csrf claim");
        assert_ne!(Some(csrf), decoded.jti(), "csrf is not the jti");
    }

    let jwt = manager_with(|c| c.cookie_csrf_protect = false);
    let token = jwt.create_access_token("username").finish().unwrap();
    assert!(!jwt
        .decode_token(&token, false)
        .unwrap()
        .contains_key("csrf"));
}

// Expiry has the lowest precedence of all decode errors.
#[test]
fn test_expiry_is_reported_after_other_decode_errors() {
    let expired = with(default_access_token(), "exp", json!(now() - 60));

    let jwt = manager_with(|c| c.decode_audience = Some(vec!["foo".into()]));
    let token = encode_token(&with(expired.clone(), "aud", json!("bar")));
    assert_decode_error(&jwt, &token, "Audience doesn't match");

    let jwt = manager();
    assert_decode_error(
        &jwt,
        &encode_token(&without(expired.clone(), "sub")),
        "Missing claim: sub",
    );
    // A CSRF mismatch too beats expiry.
    let err = jwt
        .decode_complete(&encode_token(&expired), Some("wrong"), false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Csrf);
    assert_eq!(err.message(), "CSRF double submit tokens do not match");
    // Otherwise valid: expired.
    assert_eq!(
        decode_error(&jwt, &encode_token(&expired)).kind(),
        JwtErrorKind::Expired
    );
}

// A token is expired at its `exp` second; the default leeway is 0.
#[test]
fn test_expired_at_exp_second() {
    let jwt = manager();
    for exp in [now(), now() - 1] {
        let token = encode_token(&with(default_access_token(), "exp", json!(exp)));
        let err = decode_error(&jwt, &token);
        assert_eq!(
            err.kind(),
            JwtErrorKind::Expired,
            "exp = now - {}",
            now() - exp
        );
    }
    let token = encode_token(&with(default_access_token(), "exp", json!(now() + 60)));
    jwt.decode_token(&token, false).unwrap();
    // Leeway applies to `exp`.
    let token = encode_token(&with(default_access_token(), "exp", json!(now() - 1)));
    manager_with(|c| c.decode_leeway = Duration::from_secs(60))
        .decode_token(&token, false)
        .unwrap();
}

// `iat` in the future is immature, unless within the leeway.
#[test]
fn test_iat_in_future() {
    let token = encode_token(&with(default_access_token(), "iat", json!(now() + 60)));
    assert_decode_error(&manager(), &token, "The token is not yet valid (iat)");
    manager_with(|c| c.decode_leeway = Duration::from_secs(60))
        .decode_token(&token, false)
        .unwrap();
}

// A `jti` that is not a string is refused.
#[test]
fn test_non_string_jti() {
    for jti in [json!(1234), json!(["1234"]), json!(true)] {
        let token = encode_token(&with(default_access_token(), "jti", jti));
        assert_decode_error(&manager(), &token, "JWT ID must be a string");
    }
}

// `aud` without a configured audience is accepted, and no claim but the identity is
// required (tokens minted elsewhere with only `sub`).
#[test]
fn test_minimal_foreign_token() {
    let jwt = manager();
    let token = sign_raw(&json!({"sub": "me", "aud": ["x", 1]}), KEY);
    let decoded = jwt.decode_token(&token, false).unwrap();
    assert_eq!(decoded["aud"], json!(["x", 1]));
    assert!(!decoded.contains_key("exp"));

    let token = sign_raw(&json!({"sub": "me"}), KEY);
    let decoded = jwt.decode_token(&token, false).unwrap();
    assert_eq!(
        Value::Object(decoded.to_map()),
        json!({"sub": "me", "type": "access", "fresh": false, "jti": null})
    );
}

// A zero lifetime, per call or configured, means no `exp` (Flask's falsy timedelta).
#[test]
fn test_zero_lifetime_means_no_exp() {
    let jwt = manager();
    let access = jwt
        .create_access_token("username")
        .expires_in(Duration::ZERO);
    let refresh = jwt
        .create_refresh_token("username")
        .expires_in(Duration::ZERO);
    for token in [access.finish().unwrap(), refresh.finish().unwrap()] {
        assert!(!jwt.decode_token(&token, false).unwrap().contains_key("exp"));
    }

    let jwt = manager_with(|c| {
        c.access_token_expires = Some(Duration::ZERO);
        c.refresh_token_expires = Some(Duration::ZERO);
    });
    for token in [
        jwt.create_access_token("username").finish().unwrap(),
        jwt.create_refresh_token("username").finish().unwrap(),
    ] {
        assert!(!jwt.decode_token(&token, false).unwrap().contains_key("exp"));
    }
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt())
}

#[get("/refresh")]
#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    HttpResponse::Ok().json(get_jwt())
}

#[get("/decode")]
async fn decode_expired(
    query: actix_web::web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, JwtError> {
    decode_token(&query["token"], false)?;
    Ok(HttpResponse::Ok().finish())
}

/// Sends `GET uri` (with the token as a bearer header when given) and returns status and body.
macro_rules! get_json {
    ($app:expr, $uri:expr $(, $token:expr)?) => {{
        let req = TestRequest::get().uri(&$uri)$(.insert_header(bearer(&$token)))?;
        let resp = call_service(&$app, req.to_request()).await;
        let status = resp.status().as_u16();
        let body = read_body(resp).await;
        (status, serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null))
    }};
}

// Per-call claims override even `type` and `sub`.
#[actix_web::test]
async fn test_additional_claims_override_type_and_sub() {
    let jwt = support::manager();
    let app = init_service(
        App::new()
            .app_data(jwt.clone())
            .service(protected)
            .service(refresh_protected),
    )
    .await;

    let as_refresh = jwt
        .create_access_token("username")
        .additional_claims(json!({"type": "refresh"}))
        .finish()
        .unwrap();
    let (status, body) = get_json!(app, "/protected", as_refresh);
    assert_eq!(
        (status, body),
        (422, json!({"msg": "Only non-refresh tokens are allowed"}))
    );
    let (status, body) = get_json!(app, "/refresh", as_refresh);
    assert_eq!(status, 200);
    assert_eq!(body["type"], "refresh");

    let other = jwt
        .create_access_token("username")
        .additional_claims(json!({"sub": "other"}))
        .finish()
        .unwrap();
    let (status, body) = get_json!(app, "/protected", other);
    assert_eq!(status, 200);
    assert_eq!(body["sub"], "other");
}

// JWT_ERROR_MESSAGE_KEY applies to every default response.
#[actix_web::test]
async fn test_custom_error_key_for_every_default_response() {
    let jwt = JwtManager::new(JwtConfig {
        error_message_key: "message".into(),
        ..support::config()
    })
    .unwrap();
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected)
            .service(refresh_protected)
            .service(decode_expired),
    )
    .await;
    let expired = jwt
        .create_access_token("username")
        .expires_at(ago(60))
        .finish()
        .unwrap();
    let refresh = jwt.create_refresh_token("username").finish().unwrap();

    let (status, body) = get_json!(app, "/protected", expired);
    assert_eq!(
        (status, body),
        (401, json!({"message": "Token has expired"}))
    );
    let (status, body) = get_json!(app, format!("/decode?token={expired}"));
    assert_eq!(
        (status, body),
        (401, json!({"message": "Token has expired"}))
    );
    let (status, body) = get_json!(app, "/protected", "foobarbaz");
    assert_eq!(
        (status, body),
        (422, json!({"message": "Not enough segments"}))
    );
    let (status, body) = get_json!(app, "/protected", refresh);
    assert_eq!(
        (status, body),
        (
            422,
            json!({"message": "Only non-refresh tokens are allowed"})
        )
    );
    let (status, body) = get_json!(app, "/protected");
    assert_eq!(
        (status, body),
        (401, json!({"message": "Missing Authorization Header"}))
    );
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

/// The claims of `token` as written (no defaults filled in), with their JSON types, sorted.
fn claim_types(token: &str) -> Vec<(String, &'static str)> {
    let payload: Map<String, Value> =
        jsonwebtoken::dangerous::insecure_decode_claims(token).expect("a JWT");
    let mut types: Vec<_> = payload
        .iter()
        .map(|(name, value)| (name.clone(), json_type(value)))
        .collect();
    types.sort();
    types
}

// New tokens carry exactly Flask's claims (`fresh`, `iat`, `jti`, `type`, the identity, `nbf`,
// `csrf`, `exp`), with their JSON types, as written (not as filled in by decoding).
#[test]
fn test_new_token_claim_set() {
    let jwt = manager();
    let expected = |fresh: &'static str| {
        let mut set = vec![
            ("csrf".to_owned(), "string"),
            ("exp".to_owned(), "integer"),
            ("fresh".to_owned(), fresh),
            ("iat".to_owned(), "integer"),
            ("jti".to_owned(), "string"),
            ("nbf".to_owned(), "integer"),
            ("sub".to_owned(), "string"),
            ("type".to_owned(), "string"),
        ];
        set.sort();
        set
    };
    let access = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(claim_types(&access), expected("bool"));
    let refresh = jwt.create_refresh_token("username").finish().unwrap();
    assert_eq!(claim_types(&refresh), expected("bool"));
    let fresh_for = jwt
        .create_access_token("username")
        .fresh_for(Duration::from_millis(300_500))
        .finish()
        .unwrap();
    assert_eq!(claim_types(&fresh_for), expected("float"));

    let decoded = jwt.decode_token(&access, false).unwrap();
    assert_eq!(decoded["type"], "access");
    assert_eq!(decoded["fresh"], false);
    assert_eq!(decoded["nbf"], decoded["iat"]);
    assert_eq!(decoded.exp(), Some(decoded.iat().unwrap() + 900));
    let refresh = jwt.decode_token(&refresh, false).unwrap();
    assert_eq!(refresh["type"], "refresh");
    assert_eq!(refresh.exp(), Some(refresh.iat().unwrap() + 30 * 24 * 3600));
    assert_ne!(decoded.jti(), refresh.jti());

    // `aud` and `iss` only when configured.
    let jwt = manager_with(|c| {
        c.encode_audience = Some(Audience::Many(vec!["a".into(), "b".into()]));
        c.encode_issuer = Some("me".into());
    });
    let token = jwt.create_access_token("username").finish().unwrap();
    let types = claim_types(&token);
    assert!(types.contains(&("aud".to_owned(), "array")), "{types:?}");
    assert!(types.contains(&("iss".to_owned(), "string")), "{types:?}");
    assert_eq!(types.len(), 10);
}

// With `allow_expired` the `exp` check is skipped entirely, its type included.
#[test]
fn allow_expired_skips_the_exp_type_check() {
    let jwt = manager();
    let token = encode_token(&with(default_access_token(), "exp", json!("soon")));
    assert_decode_error(
        &jwt,
        &token,
        "Expiration Time claim (exp) must be an integer.",
    );
    let claims = jwt.decode_token(&token, true).unwrap();
    assert_eq!(claims["exp"], "soon");
}

// PyJWT: `if "aud" not in payload or not payload["aud"]`: every falsy `aud` is missing.
#[test]
fn falsy_audience_is_missing() {
    let jwt = manager_with(|c| c.decode_audience = Some(vec!["foo".into()]));
    for aud in [json!(false), json!(0), json!({}), json!([]), json!("")] {
        let token = encode_token(&with(default_access_token(), "aud", aud.clone()));
        assert_decode_error(&jwt, &token, "Token is missing the \"aud\" claim");
    }
}

// Flask's `decode_token(encoded_token, csrf_value=...)`: the value is compared with the token's
// `csrf` claim; a token without one is a decode error, a different value a CSRF error.
#[test]
fn test_decode_token_with_csrf_value() {
    let jwt = manager();
    let token = encode_token(&default_access_token());
    let claims = jwt.decode_token_with_csrf(&token, "abcd", false).unwrap();
    assert_eq!(claims.csrf(), Some("abcd"));

    let err = jwt
        .decode_token_with_csrf(&token, "wrong", false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Csrf, "{err:?}");
    assert_eq!(err.message(), "CSRF double submit tokens do not match");

    // An empty value is compared too (Flask skips it): it never matches a real claim.
    let err = jwt.decode_token_with_csrf(&token, "", false).unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Csrf, "{err:?}");

    let no_csrf = encode_token(&without(default_access_token(), "csrf"));
    let err = jwt
        .decode_token_with_csrf(&no_csrf, "abcd", false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Decode, "{err:?}");
    assert_eq!(err.message(), "Missing claim: csrf");
    // Without a value the claim is not needed, as in Flask.
    assert!(jwt.decode_token(&no_csrf, false).is_ok());
}

// The CSRF check comes before the expiry, as Flask's second decode (with `allow_expired=True`)
// reports it first; with `allow_expired` an expired token with the right value decodes.
#[test]
fn test_decode_token_with_csrf_value_of_expired_token() {
    let jwt = manager();
    let expired = encode_token(&with(default_access_token(), "exp", json!(now() - 60)));
    let err = jwt
        .decode_token_with_csrf(&expired, "wrong", false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Csrf, "{err:?}");
    let err = jwt
        .decode_token_with_csrf(&expired, "abcd", false)
        .unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Expired, "{err:?}");
    let claims = jwt.decode_token_with_csrf(&expired, "abcd", true).unwrap();
    assert_eq!(claims.sub(), Some("username"));
}

/// An unprotected route that checks a token and its double-submit value by hand, as a Flask
/// view calling `decode_token(token, csrf_value=request.headers["X-CSRF-TOKEN"])` does.
#[actix_web::post("/manual")]
async fn decode_with_csrf_in_unprotected_route(
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, JwtError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let claims = actix_jwt_extended::decode_token_with_csrf(
        &header("X-Token"),
        &header("X-CSRF-TOKEN"),
        false,
    )?;
    Ok(HttpResponse::Ok().json(json!({"sub": claims.sub()})))
}

#[actix_web::test]
async fn test_decode_token_with_csrf_value_in_app() {
    let jwt = manager();
    let app = init_service(
        App::new()
            .wrap(jwt.clone())
            .service(decode_with_csrf_in_unprotected_route),
    )
    .await;
    let token = encode_token(&default_access_token());
    let call = |csrf: &'static str| {
        TestRequest::post()
            .uri("/manual")
            .insert_header(("X-Token", token.clone()))
            .insert_header(("X-CSRF-TOKEN", csrf))
            .to_request()
    };
    let resp = call_service(&app, call("abcd")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        read_body_json::<Value, _>(resp).await,
        json!({"sub": "username"})
    );

    let resp = call_service(&app, call("nope")).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        read_body_json::<Value, _>(resp).await,
        json!({"msg": "CSRF double submit tokens do not match"})
    );
}
