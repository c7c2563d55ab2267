//! The attack suite: hostile tokens and requests against real actix apps, each case asserting
//! the exact status and message Flask-JWT-Extended gives and citing the weakness it covers —
//! mostly the sections of RFC 8725 (JWT Best Current Practices) or a CWE.
//!
//! Every token here is built by hand: base64url(header JSON) "." base64url(payload JSON) "."
//! signature, so that headers and claims can hold anything an attacker can write. Signatures
//! come from `jsonwebtoken::crypto::sign` with the key the case needs (the app's own, another
//! secret, or the RSA public key misused as an HMAC secret).
//!
//! The RSA key pair in `tests/fixtures/test_rsa_*` was made for these tests with
//! `openssl genrsa 2048`; it protects nothing.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    get_jwt_identity, jwt_required, Algorithm, JwtConfig, JwtErrorKind, JwtManager, TokenLocation,
};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::{get, route, web, App, HttpResponse, HttpServer};
use jsonwebtoken::EncodingKey;
use serde_json::{json, Value};

use crate::support::keys::{
    RSA_PRIVATE_PEM, RSA_PUBLIC_PEM, RSA_PUBLIC_PKCS1_DER, RSA_PUBLIC_SPKI_DER,
};
use crate::support::{b64url, config, get, manager_with, msg, now, send, SECRET};

const NOT_ALLOWED: &str = "The specified alg value is not allowed";
const BAD_SIGNATURE: &str = "Signature verification failed";
const BAD_CRYPTO_PADDING: &str = "Invalid crypto padding";
const NOT_ENOUGH_SEGMENTS: &str = "Not enough segments";
const EXPIRED: &str = "Token has expired";
const TWO_BEARERS: &str =
    "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";
const CSRF_MISMATCH: &str = "CSRF double submit tokens do not match";

// ---------------------------------------------------------------------------------------------
// Hand-made tokens.

fn hs256_header() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

/// `header.payload` of a token whose header and payload are exactly these JSON texts.
fn signing_input(header: &str, payload: &str) -> String {
    format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    )
}

/// A token over the JSON texts `header` and `payload`, signed with `key` and `alg` whatever
/// the header says.
fn sign_text(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = signing_input(header, payload);
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// A token over `header` and `payload`, HS256-signed with the raw `secret`.
fn sign_with(header: &Value, payload: &Value, secret: &[u8]) -> String {
    sign_text(
        &header.to_string(),
        &payload.to_string(),
        &EncodingKey::from_secret(secret).unwrap(),
        Algorithm::HS256,
    )
}

/// A token over `payload` that the app's own secret signs, as only the app could make it.
fn signed(payload: &Value) -> String {
    sign_with(&hs256_header(), payload, SECRET.as_bytes())
}

/// A token over `header` and `payload` with the signature text `signature`.
fn unsigned(header: &Value, payload: &Value, signature: &str) -> String {
    format!(
        "{}.{signature}",
        signing_input(&header.to_string(), &payload.to_string())
    )
}

/// The claims Flask-JWT-Extended writes into a 15-minute access token of `sub`.
fn claims(sub: &str) -> Value {
    static JTI: AtomicU64 = AtomicU64::new(0);
    let now = now();
    json!({
        "fresh": false,
        "iat": now - 5,
        "jti": format!("jti-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        "type": "access",
        "sub": sub,
        "nbf": now - 5,
        "exp": now + 900,
    })
}

/// `claims("ann")` with `key` set to `value`.
fn ann_with(key: &str, value: Value) -> Value {
    let mut payload = claims("ann");
    payload[key] = value;
    payload
}

/// `claims("ann")` without `key`.
fn ann_without(key: &str) -> Value {
    let mut payload = claims("ann");
    payload.as_object_mut().unwrap().remove(key);
    payload
}

/// The three segments of a compact token.
fn segments(token: &str) -> [&str; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    [parts[0], parts[1], parts[2]]
}

// ---------------------------------------------------------------------------------------------
// The app.

fn identity() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": get_jwt_identity() }))
}

#[route("/protected", method = "GET", method = "POST")]
#[jwt_required]
async fn protected_route() -> HttpResponse {
    identity()
}

#[get("/fresh")]
#[jwt_required(fresh)]
async fn fresh_route() -> HttpResponse {
    identity()
}

#[get("/refresh")]
#[jwt_required(refresh)]
async fn refresh_route() -> HttpResponse {
    identity()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(protected_route)
        .service(fresh_route)
        .service(refresh_route);
}

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: JwtManager = $jwt;
        test::init_service(App::new().wrap(jwt.clone()).app_data(jwt).configure(routes)).await
    }};
}

/// The default config: HS256 with `"foobarbaz"`, tokens in headers only.
fn headers_app_manager() -> JwtManager {
    manager_with(config())
}

fn locations_config(locations: &[TokenLocation]) -> JwtConfig {
    JwtConfig {
        token_location: locations.to_vec(),
        ..config()
    }
}

fn rsa_config() -> JwtConfig {
    JwtConfig {
        algorithm: Algorithm::RS256,
        private_key: Some(RSA_PRIVATE_PEM.into()),
        public_key: Some(RSA_PUBLIC_PEM.into()),
        ..config()
    }
}

fn with_bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

/// A raw header value, any bytes `HeaderValue` accepts (also non-UTF-8 ones).
fn raw_header(req: TestRequest, name: &'static str, bytes: &[u8]) -> TestRequest {
    req.append_header((
        HeaderName::from_static(name),
        HeaderValue::from_bytes(bytes).expect("a valid header value"),
    ))
}

fn ok(sub: Value) -> Value {
    json!({ "sub": sub })
}

/// Asserts that `$req` gets exactly `$status` and `$body`; `$what` names the case.
macro_rules! check {
    ($app:expr, $what:expr, $req:expr, $status:expr, $body:expr $(,)?) => {{
        let (status, body) = send(&$app, $req.to_request()).await;
        let expected: Value = $body;
        assert_eq!(
            (status.as_u16(), &body),
            ($status, &expected),
            "case: {}",
            $what
        );
    }};
}

/// Asserts that `$req` gets `$status` with a message starting with `$prefix` (for PyJWT's
/// messages whose detail is Python-specific, such as a JSON parse error's).
macro_rules! check_prefix {
    ($app:expr, $what:expr, $req:expr, $status:expr, $prefix:expr $(,)?) => {{
        let (status, body) = send(&$app, $req.to_request()).await;
        let message = body["msg"].as_str().unwrap_or_default();
        assert!(
            status.as_u16() == $status && message.starts_with($prefix),
            "case: {}: got {status} {body}, expected {} {:?}...",
            $what,
            $status,
            $prefix
        );
    }};
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §2.1 / §3.1: `alg: none` and other algorithm values outside the allowed list.

/// RFC 8725 §2.1 ("Weak Signatures and Insufficient Signature Validation") and §3.1 ("Perform
/// Algorithm Verification"): `alg: none` in any spelling is refused, with an empty signature,
/// with a valid HS256 signature over the same bytes and with any other signature text.
#[actix_web::test]
async fn alg_none_in_any_case_is_rejected() {
    let app = app!(headers_app_manager());
    let payload = claims("mallory");
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "JWT"});
        let tokens = [
            unsigned(&header, &payload, ""),
            sign_with(&header, &payload, SECRET.as_bytes()),
            unsigned(&header, &payload, "AAAA"),
        ];
        for token in tokens {
            check!(
                app,
                format!("alg {alg}: {token}"),
                with_bearer(get("/protected"), &token),
                422,
                msg(NOT_ALLOWED)
            );
        }
        // Without the final dot it is not even a JWS.
        let bare = signing_input(&header.to_string(), &payload.to_string());
        check!(
            app,
            format!("alg {alg} without signature segment"),
            with_bearer(get("/protected"), &bare),
            422,
            msg(NOT_ENOUGH_SEGMENTS)
        );
    }
}

/// RFC 8725 §3.1: only the exact names of the configured algorithms are allowed; a case
/// variant, a padded name, a null, a list or another algorithm is refused before the
/// signature is looked at, even when the HS256 signature itself is right.
#[actix_web::test]
async fn alg_values_outside_the_allowed_list_are_rejected() {
    let app = app!(headers_app_manager());
    let payload = claims("mallory");
    let algs = [
        json!("hs256"),
        json!("HS256 "),
        json!(" HS256"),
        json!(""),
        json!(null),
        json!(5),
        json!(["HS256"]),
        json!({"HS256": true}),
        json!("HS384"),
        json!("HS512"),
        json!("RS256"),
        json!("PS256"),
        json!("ES256"),
        json!("EdDSA"),
    ];
    for alg in algs {
        let token = sign_with(
            &json!({"alg": alg, "typ": "JWT"}),
            &payload,
            SECRET.as_bytes(),
        );
        check!(
            app,
            format!("alg {alg}"),
            with_bearer(get("/protected"), &token),
            422,
            msg(NOT_ALLOWED)
        );
    }
    let token = sign_with(&json!({"typ": "JWT"}), &payload, SECRET.as_bytes());
    check!(
        app,
        "no alg",
        with_bearer(get("/protected"), &token),
        422,
        msg("Algorithm not specified")
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §2.2 / §3.1 / §3.2: algorithm confusion.

/// RFC 8725 §2.2 ("Possible Cryptographic Attacks", the RS256 → HS256 key confusion) and
/// §3.2 ("Use Appropriate Algorithms"): against an RS256 app, an HS256 token whose HMAC secret
/// is the app's public key (as PEM, SPKI DER or PKCS#1 DER) is refused for its algorithm; even
/// an app misconfigured to also accept HS256 refuses it, because the RSA key is never used as
/// an HMAC secret (jsonwebtoken checks the key family).
#[actix_web::test]
async fn algorithm_confusion_hs256_signed_with_the_rsa_public_key() {
    let jwt = manager_with(rsa_config());
    let app = app!(jwt.clone());
    let own = jwt.create_access_token("ann").finish().unwrap();
    check!(
        app,
        "the app's own RS256 token",
        with_bearer(get("/protected"), &own),
        200,
        ok(json!("ann"))
    );

    let payload = claims("mallory");
    let secrets: [(&str, &[u8]); 4] = [
        ("public key PEM", RSA_PUBLIC_PEM.as_bytes()),
        ("public key PEM, trimmed", RSA_PUBLIC_PEM.trim().as_bytes()),
        ("public key SPKI DER", RSA_PUBLIC_SPKI_DER),
        ("public key PKCS#1 DER", RSA_PUBLIC_PKCS1_DER),
    ];
    let forged: Vec<(&str, String)> = secrets
        .iter()
        .map(|(what, secret)| (*what, sign_with(&hs256_header(), &payload, secret)))
        .collect();
    for (what, token) in &forged {
        check!(
            app,
            format!("RS256 app, HS256 with the {what}"),
            with_bearer(get("/protected"), token),
            422,
            msg(NOT_ALLOWED)
        );
    }
    let none = unsigned(&json!({"alg": "none"}), &payload, "");
    check!(
        app,
        "RS256 app, alg none",
        with_bearer(get("/protected"), &none),
        422,
        msg(NOT_ALLOWED)
    );

    let lax = manager_with(JwtConfig {
        decode_algorithms: vec![Algorithm::RS256, Algorithm::HS256],
        ..rsa_config()
    });
    let lax_app = app!(lax);
    for (what, token) in &forged {
        check!(
            lax_app,
            format!("RS256+HS256 app, HS256 with the {what}"),
            with_bearer(get("/protected"), token),
            422,
            msg(BAD_SIGNATURE)
        );
    }
}

/// RFC 8725 §3.1: the reverse confusion, an attacker's RS256 token against an HS256 app, is
/// refused for its algorithm; the app never looks for a public key in the token.
#[actix_web::test]
async fn rs256_token_against_an_hs256_app() {
    let app = app!(headers_app_manager());
    let key = EncodingKey::from_rsa_pem(RSA_PRIVATE_PEM.as_bytes()).unwrap();
    let header = json!({"alg": "RS256", "typ": "JWT"}).to_string();
    let token = sign_text(
        &header,
        &claims("mallory").to_string(),
        &key,
        Algorithm::RS256,
    );
    check!(
        app,
        "RS256 on HS256 app",
        with_bearer(get("/protected"), &token),
        422,
        msg(NOT_ALLOWED)
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §3.1 / CWE-347: signatures that are missing, cut, borrowed or malformed.

/// RFC 8725 §3.1 and CWE-347 (Improper Verification of Cryptographic Signature): a signature
/// that is stripped, truncated, doubled, borrowed from another token or not base64url never
/// verifies; a truncation that leaves an impossible base64 length is a padding error.
#[actix_web::test]
async fn stripped_and_truncated_signatures() {
    let app = app!(headers_app_manager());
    let token = signed(&claims("ann"));
    let other = signed(&claims("bob"));
    let [h, p, s] = segments(&token);
    assert_eq!(
        s.len(),
        43,
        "HS256 signature: 32 bytes, 43 base64url characters"
    );
    let first = if s.starts_with('A') { 'Q' } else { 'A' };
    assert_eq!(h.len() % 4, 0, "the header segment needs no padding");
    // Right padding changes the signed text (refused by the signature); `====` is never valid.
    let padded_payload = if p.len() % 4 == 0 {
        "Invalid payload padding"
    } else {
        BAD_SIGNATURE
    };
    let cases = [
        (
            "stripped, dot kept",
            format!("{h}.{p}."),
            msg(BAD_SIGNATURE),
        ),
        (
            "stripped with its dot",
            format!("{h}.{p}"),
            msg(NOT_ENOUGH_SEGMENTS),
        ),
        (
            "42 of 43 characters",
            format!("{h}.{p}.{}", &s[..42]),
            msg(BAD_SIGNATURE),
        ),
        (
            "41 of 43 characters",
            format!("{h}.{p}.{}", &s[..41]),
            msg(BAD_CRYPTO_PADDING),
        ),
        (
            "40 of 43 characters",
            format!("{h}.{p}.{}", &s[..40]),
            msg(BAD_SIGNATURE),
        ),
        (
            "22 of 43 characters",
            format!("{h}.{p}.{}", &s[..22]),
            msg(BAD_SIGNATURE),
        ),
        (
            "1 of 43 characters",
            format!("{h}.{p}.{}", &s[..1]),
            msg(BAD_CRYPTO_PADDING),
        ),
        ("doubled", format!("{h}.{p}.{s}{s}"), msg(BAD_SIGNATURE)),
        (
            "first character changed",
            format!("{h}.{p}.{first}{}", &s[1..]),
            msg(BAD_SIGNATURE),
        ),
        (
            "another token's signature",
            format!("{h}.{p}.{}", segments(&other)[2]),
            msg(BAD_SIGNATURE),
        ),
        (
            "not base64url",
            format!("{h}.{p}.{}*", &s[..42]),
            msg(BAD_CRYPTO_PADDING),
        ),
        (
            "standard base64 alphabet",
            format!("{h}.{p}.{}+/", &s[..41]),
            msg(BAD_CRYPTO_PADDING),
        ),
        (
            "`=` after a full header segment",
            format!("{h}=.{p}.{s}"),
            msg("Invalid header padding"),
        ),
        (
            "padding of the payload segment",
            format!("{h}.{p}{}.{s}", "=".repeat(4 - p.len() % 4)),
            msg(padded_payload),
        ),
        (
            "four segments",
            format!("{h}.{p}.{s}.{s}"),
            msg("Invalid payload padding"),
        ),
    ];
    for (what, token, expected) in cases {
        check!(
            app,
            what,
            with_bearer(get("/protected"), &token),
            422,
            expected
        );
    }
}

/// CWE-347 / RFC 7515 §2 (base64url with the padding omitted) and RFC 4648 §3.5 (canonical
/// encoding): a token has one spelling. The structural check reads the signature leniently as
/// PyJWT does, but the signature itself is compared in its canonical form, so flipping the
/// unused low bits of its last character or appending `=` does not give a second valid
/// spelling (a blocklist or cache keyed by the token text cannot be sidestepped that way).
#[actix_web::test]
async fn signature_encoding_must_be_canonical() {
    let app = app!(headers_app_manager());
    let token = signed(&claims("ann"));
    let [h, p, s] = segments(&token);
    // 43 characters carry 258 bits for 256: the last character's two low bits are unused.
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = ALPHABET.find(s.chars().last().unwrap()).unwrap();
    let twin = ALPHABET.as_bytes()[last ^ 1] as char;
    let cases = [
        (
            "unused bits of the last character flipped",
            format!("{h}.{p}.{}{twin}", &s[..42]),
        ),
        ("`=` padding appended", format!("{h}.{p}.{s}=")),
    ];
    for (what, token) in cases {
        check!(
            app,
            what,
            with_bearer(get("/protected"), &token),
            422,
            msg(BAD_SIGNATURE)
        );
    }
}

/// RFC 8725 §2.8 ("Substitution Attacks") and CWE-347: header, payload and signature moved
/// between two valid tokens, or between positions, never verify.
#[actix_web::test]
async fn segments_swapped_between_tokens() {
    let jwt = headers_app_manager();
    let app = app!(jwt.clone());
    let make = |sub: &str, kid: &str| {
        jwt.create_access_token(sub)
            .additional_headers(json!({ "kid": kid }))
            .finish()
            .unwrap()
    };
    let a = make("ann", "a");
    let b = make("bob", "b");
    let r = jwt
        .create_refresh_token("ann")
        .additional_headers(json!({"kid": "a"}))
        .finish()
        .unwrap();
    let foreign = sign_with(&hs256_header(), &claims("ann"), b"another-secret");
    let [ha, pa, sa] = segments(&a);
    let [hb, pb, sb] = segments(&b);
    let pr = segments(&r)[1];
    let cases = [
        (
            "header A, payload B, signature A",
            format!("{ha}.{pb}.{sa}"),
        ),
        (
            "header A, payload B, signature B",
            format!("{ha}.{pb}.{sb}"),
        ),
        (
            "header B, payload A, signature A",
            format!("{hb}.{pa}.{sa}"),
        ),
        (
            "refresh payload in an access token",
            format!("{ha}.{pr}.{sa}"),
        ),
        ("token of another secret", foreign),
    ];
    for (what, token) in cases {
        check!(
            app,
            what,
            with_bearer(get("/protected"), &token),
            422,
            msg(BAD_SIGNATURE)
        );
    }
    check!(
        app,
        "payload and header swapped",
        with_bearer(get("/protected"), &format!("{pa}.{ha}.{sa}")),
        422,
        msg("Algorithm not specified")
    );
    check_prefix!(
        app,
        "signature and payload swapped",
        with_bearer(get("/protected"), &format!("{ha}.{sa}.{pa}")),
        422,
        "Invalid payload string: "
    );
    check_prefix!(
        app,
        "signature as the header",
        with_bearer(get("/protected"), &format!("{sa}.{pa}.{ha}")),
        422,
        "Invalid header string: "
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §3.10 / RFC 7515 §4.1: headers that try to choose the key.

/// RFC 8725 §3.10 ("Do Not Trust Received Claims": `kid`, `jku`, `x5u` lead to injection and
/// SSRF) and the embedded-`jwk` attack (CVE-2018-0114): the key comes from the config only.
/// A token signed with the attacker's secret that points `jku`/`x5u` at a listener and embeds
/// its key as `jwk` is refused, a token signed with the app's key carrying the same headers is
/// accepted (they are ignored), and nothing ever connects to the listener. A non-string `kid`
/// is refused as PyJWT does.
#[actix_web::test]
async fn key_selection_headers_are_ignored_and_never_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let app = app!(headers_app_manager());
    let attacker_secret = b"attacker-secret";
    let redirecting = json!({
        "alg": "HS256",
        "typ": "JWT",
        "kid": "attacker-key",
        "jku": url,
        "x5u": url,
        "jwk": {"kty": "oct", "k": b64url(attacker_secret)},
        "x5c": ["MIIBszCCAVmgAwIBAgIUA"],
        "x5t": "abc",
    });
    let payload = claims("mallory");
    check!(
        app,
        "attacker-signed with jku/x5u/jwk",
        with_bearer(
            get("/protected"),
            &sign_with(&redirecting, &payload, attacker_secret)
        ),
        422,
        msg(BAD_SIGNATURE)
    );
    check!(
        app,
        "app-signed with jku/x5u/jwk",
        with_bearer(
            get("/protected"),
            &sign_with(&redirecting, &payload, SECRET.as_bytes())
        ),
        200,
        ok(json!("mallory"))
    );
    for kid in [
        "",
        "../../../../dev/null",
        "' OR '1'='1",
        "\u{0}",
        url.as_str(),
    ] {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
        check!(
            app,
            format!("app-signed, kid {kid:?}"),
            with_bearer(
                get("/protected"),
                &sign_with(&header, &payload, SECRET.as_bytes())
            ),
            200,
            ok(json!("mallory"))
        );
        check!(
            app,
            format!("attacker-signed, kid {kid:?}"),
            with_bearer(
                get("/protected"),
                &sign_with(&header, &payload, attacker_secret)
            ),
            422,
            msg(BAD_SIGNATURE)
        );
    }
    for kid in [
        json!(5),
        json!(null),
        json!(["a"]),
        json!({"a": 1}),
        json!(true),
    ] {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
        check!(
            app,
            format!("kid {kid}"),
            with_bearer(
                get("/protected"),
                &sign_with(&header, &payload, SECRET.as_bytes())
            ),
            422,
            msg("Key ID header parameter must be a string")
        );
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the jku/x5u listener: {other:?}"),
    }
}

/// RFC 7515 §4.1.11: a `crit` header lists extensions the recipient MUST understand, else the
/// JWS is invalid (PyJWT ≥ 2.12 rejects them, advisory GHSA-752w-5fwx-jx9f; Authlib
/// CVE-2025-59420). We implement no extension, so any `crit` is refused with PyJWT's messages.
#[actix_web::test]
async fn crit_header_with_unknown_extensions_is_rejected() {
    let app = app!(headers_app_manager());
    let payload = claims("ann");
    let cases = [
        (
            json!({"alg": "HS256", "crit": ["x-policy"], "x-policy": "require-mfa"}),
            "Unsupported critical extension: x-policy",
        ),
        (
            json!({"alg": "HS256", "crit": ["exp"]}),
            "Unsupported critical extension: exp",
        ),
        (
            json!({"alg": "HS256", "crit": ["b64"], "b64": false}),
            "Unsupported critical extension: b64",
        ),
        (
            json!({"alg": "HS256", "crit": []}),
            "Invalid 'crit' header: must be a non-empty list",
        ),
        (
            json!({"alg": "HS256", "crit": "x"}),
            "Invalid 'crit' header: must be a non-empty list",
        ),
        (
            json!({"alg": "HS256", "crit": [5]}),
            "Invalid 'crit' header: values must be strings",
        ),
    ];
    for (header, expected) in cases {
        check!(
            app,
            format!("header {header}"),
            with_bearer(
                get("/protected"),
                &sign_with(&header, &payload, SECRET.as_bytes())
            ),
            422,
            msg(expected)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §3.10 / CWE-1284: time claims of the wrong type or out of range.

/// RFC 8725 §3.10 and CWE-1284 (Improper Validation of Specified Quantity in Input): `exp`,
/// `nbf` and `iat` as strings, floats, negative, huge and overflowing numbers never panic and
/// never extend a token's life beyond what its (signed) value says: numbers are compared as
/// PyJWT's `int()` would, other types are refused. A token without `exp` is accepted as in
/// Flask: there is no option that requires expiry, and only the key holder can mint one.
#[actix_web::test]
async fn time_claims_of_wrong_type_or_out_of_range() {
    let app = app!(headers_app_manager());
    let now = now();
    let exp_type = msg("Expiration Time claim (exp) must be an integer.");
    let nbf_type = msg("Not Before claim (nbf) must be an integer.");
    let iat_type = msg("Issued At claim (iat) must be an integer.");
    let nbf_future = msg("The token is not yet valid (nbf)");
    let iat_future = msg("The token is not yet valid (iat)");
    let ann = ok(json!("ann"));
    let cases = [
        ("exp", json!("9999999999"), 422, exp_type.clone()),
        ("exp", json!(null), 422, exp_type.clone()),
        ("exp", json!(true), 422, exp_type.clone()),
        ("exp", json!([now + 900]), 422, exp_type.clone()),
        ("exp", json!({"$gt": 0}), 422, exp_type.clone()),
        ("exp", json!((now + 3600) as f64 + 0.5), 200, ann.clone()),
        ("exp", json!((now - 10) as f64 + 0.5), 401, msg(EXPIRED)),
        ("exp", json!(now), 401, msg(EXPIRED)),
        ("exp", json!(0), 401, msg(EXPIRED)),
        ("exp", json!(-1), 401, msg(EXPIRED)),
        ("exp", json!(1e308), 200, ann.clone()),
        ("exp", json!(-1e308), 401, msg(EXPIRED)),
        ("exp", json!(f64::MAX), 200, ann.clone()),
        ("exp", json!(u64::MAX), 200, ann.clone()),
        ("exp", json!(i64::MAX), 200, ann.clone()),
        ("exp", json!(i64::MIN), 401, msg(EXPIRED)),
        ("nbf", json!("0"), 422, nbf_type.clone()),
        ("nbf", json!(null), 422, nbf_type.clone()),
        (
            "nbf",
            json!((now + 3600) as f64 + 0.5),
            422,
            nbf_future.clone(),
        ),
        ("nbf", json!(1e308), 422, nbf_future.clone()),
        ("nbf", json!(u64::MAX), 422, nbf_future.clone()),
        ("nbf", json!(i64::MAX), 422, nbf_future.clone()),
        ("nbf", json!(-1), 200, ann.clone()),
        ("nbf", json!(-1e308), 200, ann.clone()),
        ("nbf", json!(i64::MIN), 200, ann.clone()),
        ("iat", json!("now"), 422, iat_type.clone()),
        ("iat", json!({}), 422, iat_type.clone()),
        ("iat", json!(now + 60), 422, iat_future.clone()),
        ("iat", json!(1e308), 422, iat_future.clone()),
        ("iat", json!(u64::MAX), 422, iat_future.clone()),
        ("iat", json!(-1), 200, ann.clone()),
        ("iat", json!(-1e308), 200, ann.clone()),
        ("iat", json!(now as f64 - 0.5), 200, ann.clone()),
    ];
    for (claim, value, status, expected) in cases {
        let token = signed(&ann_with(claim, value.clone()));
        check!(
            app,
            format!("{claim}: {value}"),
            with_bearer(get("/protected"), &token),
            status,
            expected
        );
    }
    let token = signed(&ann_without("exp"));
    check!(
        app,
        "no exp",
        with_bearer(get("/protected"), &token),
        200,
        ann.clone()
    );

    // Checked in PyJWT's order, expiry last: a bad `iat` on an expired token is reported.
    let mut payload = ann_with("exp", json!(now - 100));
    payload["iat"] = json!("yesterday");
    check!(
        app,
        "bad iat and expired",
        with_bearer(get("/protected"), &signed(&payload)),
        422,
        iat_type
    );

    // Numbers JSON can write but f64 cannot hold, and integers beyond u64, in the raw text.
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    let raw = |claim: &str, literal: &str| {
        let text = format!(r#"{{"sub":"ann","type":"access","{claim}":{literal}}}"#);
        sign_text(&hs256_header().to_string(), &text, &key, Algorithm::HS256)
    };
    for (claim, literal) in [("exp", "1e400"), ("iat", "-1e400"), ("nbf", "1e99999")] {
        check_prefix!(
            app,
            format!("{claim}: {literal}"),
            with_bearer(get("/protected"), &raw(claim, literal)),
            422,
            "Invalid payload string: "
        );
    }
    let huge = "123456789012345678901234567890";
    check!(
        app,
        "exp beyond u64",
        with_bearer(get("/protected"), &raw("exp", huge)),
        200,
        ann.clone()
    );
    check!(
        app,
        "exp beyond -u64",
        with_bearer(get("/protected"), &raw("exp", &format!("-{huge}"))),
        401,
        msg(EXPIRED)
    );
    check!(
        app,
        "iat beyond u64",
        with_bearer(get("/protected"), &raw("iat", huge)),
        422,
        iat_future
    );
}

/// CWE-190 (Integer Overflow): the same out-of-range time claims with the largest leeway a
/// config may hold (a century) and the verified-token cache, which keeps tokens until their
/// `exp`: each token is sent twice, so the second answer comes from the cache.
#[actix_web::test]
async fn time_claims_out_of_range_with_a_century_of_leeway_and_the_cache() {
    let jwt = JwtManager::builder(JwtConfig {
        decode_leeway: JwtConfig::MAX_LIFETIME,
        ..config()
    })
    .ignore_registered_loaders()
    .verified_token_cache(64)
    .build()
    .unwrap();
    let app = app!(jwt);
    let ann = ok(json!("ann"));
    let nbf_future = msg("The token is not yet valid (nbf)");
    let iat_future = msg("The token is not yet valid (iat)");
    let cases = [
        ("exp", json!(i64::MAX), 200, ann.clone()),
        ("exp", json!(u64::MAX), 200, ann.clone()),
        ("exp", json!(f64::MAX), 200, ann.clone()),
        ("exp", json!(0), 200, ann.clone()),
        ("exp", json!(i64::MIN), 401, msg(EXPIRED)),
        ("exp", json!(-1e308), 401, msg(EXPIRED)),
        ("nbf", json!(i64::MAX), 422, nbf_future.clone()),
        ("nbf", json!(1e308), 422, nbf_future),
        ("nbf", json!(i64::MIN), 200, ann.clone()),
        ("iat", json!(u64::MAX), 422, iat_future),
        ("iat", json!(now() + 3600), 200, ann.clone()),
        ("iat", json!(-1e308), 200, ann.clone()),
    ];
    for (claim, value, status, expected) in cases {
        let token = signed(&ann_with(claim, value.clone()));
        for round in ["first", "cached"] {
            check!(
                app,
                format!("{claim}: {value} ({round})"),
                with_bearer(get("/protected"), &token),
                status,
                expected.clone()
            );
        }
    }
}

/// CWE-190: a lifetime or freshness too long for the time arithmetic (more than a century)
/// is an error when the token is made, never a panic nor a token valid to the end of time.
#[test]
fn token_lifetimes_beyond_a_century_are_errors() {
    let jwt = headers_app_manager();
    let century = Duration::from_secs(3_155_760_000);
    let too_long = century + Duration::from_secs(86_400);
    let later = SystemTime::now() + too_long;
    let builders = [
        (
            "expires_in(MAX)",
            jwt.create_access_token("ann").expires_in(Duration::MAX),
        ),
        (
            "expires_in",
            jwt.create_access_token("ann").expires_in(too_long),
        ),
        (
            "refresh expires_in",
            jwt.create_refresh_token("ann").expires_in(Duration::MAX),
        ),
        (
            "expires_at",
            jwt.create_access_token("ann").expires_at(later),
        ),
        (
            "fresh_for(MAX)",
            jwt.create_access_token("ann").fresh_for(Duration::MAX),
        ),
        (
            "fresh_until",
            jwt.create_access_token("ann").fresh_until(later),
        ),
    ];
    for (what, builder) in builders {
        match builder.finish() {
            Ok(token) => panic!("{what}: made {token}"),
            Err(e) => assert_eq!(e.kind(), JwtErrorKind::Encode, "{what}: {e}"),
        }
    }
    let token = jwt
        .create_access_token("ann")
        .expires_in(century)
        .fresh_for(century)
        .finish()
        .unwrap();
    let claims = jwt.decode_token(&token, false).unwrap();
    assert!(claims.exp().unwrap() > now() + 3_155_000_000);
    assert_eq!(century, JwtConfig::MAX_LIFETIME);
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §2.8 / §3.11: token type confusion (access vs refresh) and freshness.

/// RFC 8725 §2.8 ("Substitution Attacks") and §3.11 ("Use Explicit Typing"): a refresh token
/// never opens an access route and the reverse. As in Flask only `type == "refresh"` is a
/// refresh token, so a non-string `type` counts as access.
#[actix_web::test]
async fn wrong_token_types() {
    let app = app!(headers_app_manager());
    let only_access = msg("Only non-refresh tokens are allowed");
    let only_refresh = msg("Only refresh tokens are allowed");
    let ann = ok(json!("ann"));
    let cases = [
        (
            "/protected",
            Some(json!("refresh")),
            422,
            only_access.clone(),
        ),
        ("/fresh", Some(json!("refresh")), 422, only_access.clone()),
        ("/protected", Some(json!(5)), 200, ann.clone()),
        ("/protected", Some(json!(null)), 200, ann.clone()),
        ("/protected", Some(json!(["refresh"])), 200, ann.clone()),
        ("/protected", Some(json!("Refresh")), 200, ann.clone()),
        ("/refresh", Some(json!(5)), 422, only_refresh.clone()),
        ("/refresh", Some(json!("access")), 422, only_refresh.clone()),
        (
            "/refresh",
            Some(json!("REFRESH")),
            422,
            only_refresh.clone(),
        ),
        (
            "/refresh",
            Some(json!("refresh ")),
            422,
            only_refresh.clone(),
        ),
        (
            "/refresh",
            Some(json!(["refresh"])),
            422,
            only_refresh.clone(),
        ),
        (
            "/refresh",
            Some(json!({"type": "refresh"})),
            422,
            only_refresh.clone(),
        ),
        ("/refresh", None, 422, only_refresh.clone()),
        ("/refresh", Some(json!("refresh")), 200, ann.clone()),
    ];
    for (path, kind, status, expected) in cases {
        let mut payload = ann_with("fresh", json!(true));
        match &kind {
            Some(kind) => payload["type"] = kind.clone(),
            None => {
                payload.as_object_mut().unwrap().remove("type");
            }
        }
        check!(
            app,
            format!("{path} with type {kind:?}"),
            with_bearer(get(path), &signed(&payload)),
            status,
            expected
        );
    }
}

/// A `fresh` claim that is neither a bool nor a number is not fresh, and CWE-1287 (Improper
/// Validation of Specified Type of Input): on a fresh route only `true` or a timestamp not yet
/// passed is fresh; a string, object, list or null is 401, never a 500 and never fresh.
#[actix_web::test]
async fn fresh_of_a_wrong_type() {
    let app = app!(headers_app_manager());
    let now = now();
    let needs_fresh = msg("Fresh token required");
    let ann = ok(json!("ann"));
    let cases = [
        (json!("true"), 401, needs_fresh.clone()),
        (json!("1e308"), 401, needs_fresh.clone()),
        (json!({"fresh": true}), 401, needs_fresh.clone()),
        (json!([true]), 401, needs_fresh.clone()),
        (json!(null), 401, needs_fresh.clone()),
        (json!(false), 401, needs_fresh.clone()),
        (json!(1), 401, needs_fresh.clone()),
        (json!(now - 1), 401, needs_fresh.clone()),
        (json!(-1e308), 401, needs_fresh.clone()),
        (json!(true), 200, ann.clone()),
        (json!(now + 60), 200, ann.clone()),
        (json!(1e308), 200, ann.clone()),
        (json!(u64::MAX), 200, ann.clone()),
    ];
    for (fresh, status, expected) in cases {
        check!(
            app,
            format!("fresh {fresh}"),
            with_bearer(get("/fresh"), &signed(&ann_with("fresh", fresh.clone()))),
            status,
            expected
        );
    }
    check!(
        app,
        "fresh missing",
        with_bearer(get("/fresh"), &signed(&ann_without("fresh"))),
        401,
        needs_fresh
    );
    check!(
        app,
        "fresh \"true\" on a route that does not need fresh",
        with_bearer(
            get("/protected"),
            &signed(&ann_with("fresh", json!("true")))
        ),
        200,
        ann
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 8725 §3.8 / §3.10: identity, audience and issuer.

/// RFC 8725 §3.10 and CWE-843 (Type Confusion): with `JWT_VERIFY_SUB` (the default) a `sub`
/// that is not a string is refused (PyJWT 2.10); a non-string `jti` is refused too.
#[actix_web::test]
async fn non_string_subject_and_jti() {
    let app = app!(headers_app_manager());
    let subjects = [
        json!(5),
        json!(5.5),
        json!({"id": 5}),
        json!(["ann"]),
        json!(true),
        json!(null),
    ];
    for sub in &subjects {
        check!(
            app,
            format!("sub {sub}"),
            with_bearer(get("/protected"), &signed(&ann_with("sub", sub.clone()))),
            422,
            msg("Subject must be a string")
        );
    }
    check!(
        app,
        "no sub",
        with_bearer(get("/protected"), &signed(&ann_without("sub"))),
        422,
        msg("Missing claim: sub")
    );
    for jti in [json!(5), json!(null), json!(["a"])] {
        check!(
            app,
            format!("jti {jti}"),
            with_bearer(get("/protected"), &signed(&ann_with("jti", jti.clone()))),
            422,
            msg("JWT ID must be a string")
        );
    }
    // With the check turned off, the identity is whatever JSON the (signed) claim holds.
    let lax = app!(manager_with(JwtConfig {
        verify_sub: false,
        ..config()
    }));
    for sub in &subjects[..4] {
        check!(
            lax,
            format!("JWT_VERIFY_SUB=false, sub {sub}"),
            with_bearer(get("/protected"), &signed(&ann_with("sub", sub.clone()))),
            200,
            ok(sub.clone())
        );
    }
}

/// RFC 8725 §3.8 ("Validate Issuer and Subject") and §3.9 ("Use and Validate Audience"): an
/// exact issuer (no substring match, PyJWT 2.10.0's bug) and an audience overlap are required
/// when configured; the issuer is checked first, and expiry is reported last.
#[actix_web::test]
async fn audience_and_issuer_mismatches() {
    const ISSUER: &str = "https://issuer.example";
    let app = app!(manager_with(JwtConfig {
        decode_audience: Some(vec!["api".into()]),
        decode_issuer: Some(ISSUER.into()),
        ..config()
    }));
    let base = || {
        let mut payload = claims("ann");
        payload["aud"] = json!("api");
        payload["iss"] = json!(ISSUER);
        payload
    };
    let with = |claim: &str, value: Option<Value>| {
        let mut payload = base();
        match value {
            Some(value) => payload[claim] = value,
            None => {
                payload.as_object_mut().unwrap().remove(claim);
            }
        }
        signed(&payload)
    };
    let invalid_issuer = msg("Invalid issuer");
    let no_aud = msg("Token is missing the \"aud\" claim");
    let other_aud = msg("Audience doesn't match");
    let aud_format = msg("Invalid claim format in token");
    let cases = [
        ("iss", None, 422, msg("Token is missing the \"iss\" claim")),
        (
            "iss",
            Some(json!("https://issuer.example.evil")),
            422,
            invalid_issuer.clone(),
        ),
        (
            "iss",
            Some(json!("https://issuer.exampl")),
            422,
            invalid_issuer.clone(),
        ),
        (
            "iss",
            Some(json!("issuer.example")),
            422,
            invalid_issuer.clone(),
        ),
        (
            "iss",
            Some(json!("HTTPS://ISSUER.EXAMPLE")),
            422,
            invalid_issuer.clone(),
        ),
        ("iss", Some(json!([ISSUER])), 422, invalid_issuer.clone()),
        ("iss", Some(json!(5)), 422, invalid_issuer.clone()),
        ("iss", Some(json!(null)), 422, invalid_issuer.clone()),
        ("aud", None, 422, no_aud.clone()),
        ("aud", Some(json!("")), 422, no_aud.clone()),
        ("aud", Some(json!([])), 422, no_aud.clone()),
        ("aud", Some(json!(null)), 422, no_aud.clone()),
        ("aud", Some(json!("other")), 422, other_aud.clone()),
        ("aud", Some(json!("apix")), 422, other_aud.clone()),
        ("aud", Some(json!("ap")), 422, other_aud.clone()),
        ("aud", Some(json!("API")), 422, other_aud.clone()),
        ("aud", Some(json!(["other", "x"])), 422, other_aud.clone()),
        ("aud", Some(json!(5)), 422, aud_format.clone()),
        ("aud", Some(json!({"api": true})), 422, aud_format.clone()),
        ("aud", Some(json!(["api", 5])), 422, aud_format.clone()),
        ("aud", Some(json!(["other", "api"])), 200, ok(json!("ann"))),
    ];
    for (claim, value, status, expected) in cases {
        check!(
            app,
            format!("{claim}: {value:?}"),
            with_bearer(get("/protected"), &with(claim, value.clone())),
            status,
            expected
        );
    }
    let mut payload = base();
    payload["iss"] = json!("evil");
    payload["aud"] = json!("other");
    check!(
        app,
        "iss and aud wrong",
        with_bearer(get("/protected"), &signed(&payload)),
        422,
        invalid_issuer
    );
    payload["iss"] = json!(ISSUER);
    payload["exp"] = json!(now() - 100);
    check!(
        app,
        "expired, aud wrong",
        with_bearer(get("/protected"), &signed(&payload)),
        422,
        other_aud
    );
}

// ---------------------------------------------------------------------------------------------
// CWE-400 / CWE-770: oversized and degenerate input.

/// CWE-400 (Uncontrolled Resource Consumption): a 1 MB token in every location is decoded
/// and refused like any other (the test service has no header-size limit; over a socket actix
/// refuses such a header first, see `oversized_headers_over_a_socket`), a 3 MB JSON body is
/// refused unread past 2 MiB, and a genuine 1 MB token signed with the app's key works.
#[actix_web::test]
async fn one_megabyte_tokens() {
    let app = app!(manager_with(locations_config(&[
        TokenLocation::Headers,
        TokenLocation::Cookies,
        TokenLocation::QueryString,
        TokenLocation::Json,
    ])));
    let mut payload = claims("ann");
    payload["pad"] = json!("x".repeat(1 << 20));
    let forged = sign_with(&hs256_header(), &payload, b"another-secret");
    let genuine = signed(&payload);
    assert!(forged.len() > 1 << 20);
    check!(
        app,
        "1 MB in the header",
        with_bearer(get("/protected"), &forged),
        422,
        msg(BAD_SIGNATURE)
    );
    check!(
        app,
        "1 MB in the cookie",
        get("/protected").insert_header(("Cookie", format!("access_token_cookie={forged}"))),
        422,
        msg(BAD_SIGNATURE)
    );
    // A URI cannot be longer than 64 KiB (the `http` crate), so the query gets 50 kB.
    let mut query_payload = claims("ann");
    query_payload["pad"] = json!("x".repeat(37_000));
    let query_token = sign_with(&hs256_header(), &query_payload, b"another-secret");
    check!(
        app,
        "50 kB in the query",
        get(&format!("/protected?jwt={query_token}")),
        422,
        msg(BAD_SIGNATURE)
    );
    check!(
        app,
        "1 MB in the JSON body",
        get("/protected").set_json(json!({ "access_token": forged })),
        422,
        msg(BAD_SIGNATURE)
    );
    check!(
        app,
        "genuine 1 MB token",
        with_bearer(get("/protected"), &genuine),
        200,
        ok(json!("ann"))
    );
    check!(
        app,
        "1 MB without a dot",
        with_bearer(get("/protected"), &"a".repeat(1 << 20)),
        422,
        msg(NOT_ENOUGH_SEGMENTS)
    );
    check_prefix!(
        app,
        "1 MB of dots",
        with_bearer(get("/protected"), &".".repeat(1 << 20)),
        422,
        "Invalid header string: "
    );
    let mut big = claims("ann");
    big["pad"] = json!("x".repeat(3 << 20));
    check!(
        app,
        "3 MB JSON body",
        get("/protected").set_json(json!({ "access_token": signed(&big) })),
        413,
        msg("request body is larger than 2097152 bytes")
    );
}

/// CWE-400 / CWE-1333-style worst cases for the header split: 10,000 commas before, after or
/// inside the value are handled in one pass with Flask's results.
#[actix_web::test]
async fn ten_thousand_commas_in_the_authorization_header() {
    let app = app!(headers_app_manager());
    let token = signed(&claims("ann"));
    let commas = ",".repeat(10_000);
    let ann = ok(json!("ann"));
    let cases = [
        (
            "commas after",
            format!("Bearer {token}{commas}"),
            200,
            ann.clone(),
        ),
        (
            "commas before",
            format!("{commas}Bearer {token}"),
            200,
            ann.clone(),
        ),
        (
            "comma-space before",
            format!("{}Bearer {token}", ", ".repeat(10_000)),
            200,
            ann.clone(),
        ),
        (
            "other schemes after",
            format!("Bearer {token}{}", ", Basic x".repeat(10_000)),
            200,
            ann.clone(),
        ),
        (
            "only commas",
            commas.clone(),
            401,
            msg("Missing Authorization Header"),
        ),
        (
            "10,000 Bearer pieces",
            "Bearer,".repeat(10_000),
            401,
            msg(TWO_BEARERS),
        ),
        (
            "10,000 tokens",
            format!("Bearer {token},").repeat(10_000),
            401,
            msg(TWO_BEARERS),
        ),
        (
            "commas inside the token",
            format!("Bearer a{commas}b"),
            422,
            msg(NOT_ENOUGH_SEGMENTS),
        ),
    ];
    for (what, value, status, expected) in cases {
        check!(
            app,
            what,
            get("/protected").insert_header(("Authorization", value)),
            status,
            expected
        );
    }
}

/// CWE-674 (Uncontrolled Recursion): deeply nested JSON in the body, the token header or the
/// token payload stops at serde_json's recursion limit; no stack overflow.
#[actix_web::test]
async fn deeply_nested_json() {
    let app = app!(manager_with(locations_config(&[TokenLocation::Json])));
    let missing_key = msg("Missing \"access_token\" key in json data.");
    let deep = "[".repeat(100_000);
    for body in [deep.clone(), format!(r#"{{"access_token": {deep}"#)] {
        check!(
            app,
            "nested JSON body",
            get("/protected")
                .insert_header(("Content-Type", "application/json"))
                .set_payload(body),
            401,
            missing_key.clone()
        );
    }
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let header = format!(r#"{{"alg":"HS256","x":{nested}}}"#);
    let payload = format!(r#"{{"sub":"ann","x":{nested}}}"#);
    let cases = [
        (
            sign_text(&header, &claims("ann").to_string(), &key, Algorithm::HS256),
            "Invalid header string: ",
        ),
        (
            sign_text(
                &hs256_header().to_string(),
                &payload,
                &key,
                Algorithm::HS256,
            ),
            "Invalid payload string: ",
        ),
    ];
    for (token, prefix) in cases {
        check_prefix!(
            app,
            prefix,
            get("/protected").set_json(json!({ "access_token": token })),
            422,
            prefix
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CWE-172 / CWE-176: bytes that are not UTF-8.

/// CWE-172 (Encoding Error) / CWE-176 (Improper Handling of Unicode Encoding): bytes that are
/// not UTF-8 in the Authorization header, the cookies, the CSRF header, the query and the JSON
/// body never verify and never panic. The header is read lossily (U+FFFD), which then fails as
/// base64url. An unreadable `Cookie` header makes actix drop all its cookies: fails closed.
#[actix_web::test]
async fn non_utf8_bytes_everywhere() {
    let jwt = manager_with(locations_config(&[TokenLocation::Headers]));
    let app = app!(jwt.clone());
    let token = jwt.create_access_token("ann").finish().unwrap();
    let bearer_bytes = |tail: &[u8]| [b"Bearer ".as_slice(), tail].concat();
    let cases: [(&str, Vec<u8>, u16, Value); 4] = [
        (
            "garbage token",
            bearer_bytes(b"\xff\xfe\xfd"),
            422,
            msg(NOT_ENOUGH_SEGMENTS),
        ),
        (
            "valid token + 0xff",
            bearer_bytes(&[token.as_bytes(), b"\xff"].concat()),
            422,
            msg(BAD_CRYPTO_PADDING),
        ),
        (
            "0xff before the scheme",
            [b"\xffBearer ".as_slice(), token.as_bytes()].concat(),
            401,
            msg(TWO_BEARERS),
        ),
        (
            "invalid UTF-8 in each segment",
            bearer_bytes(b"\xc3\x28.\xa0\xa1.\xe2\x28\xa1"),
            422,
            msg("Invalid header padding"),
        ),
    ];
    for (what, bytes, status, expected) in cases {
        check!(
            app,
            what,
            raw_header(get("/protected"), "authorization", &bytes),
            status,
            expected
        );
    }

    let jwt = manager_with(locations_config(&[TokenLocation::Cookies]));
    let app = app!(jwt.clone());
    let token = jwt.create_access_token("ann").finish().unwrap();
    let csrf = jwt.decode_token(&token, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing_cookie = msg("Missing cookie \"access_token_cookie\"");
    let cookie = format!("access_token_cookie={token}");
    check!(
        app,
        "cookie value 0xff",
        raw_header(get("/protected"), "cookie", b"access_token_cookie=\xff\xfe"),
        401,
        missing_cookie.clone()
    );
    check!(
        app,
        "valid cookie next to a 0xff cookie",
        raw_header(
            get("/protected"),
            "cookie",
            &[format!("{cookie}; other=").as_bytes(), b"\xff"].concat()
        ),
        401,
        missing_cookie
    );
    check!(
        app,
        "CSRF header 0xff on POST",
        raw_header(
            TestRequest::post()
                .uri("/protected")
                .insert_header(("Cookie", cookie.clone())),
            "x-csrf-token",
            &[csrf.as_bytes(), b"\xff"].concat()
        ),
        401,
        msg(CSRF_MISMATCH)
    );
    check!(
        app,
        "CSRF header 0xff on GET",
        raw_header(
            get("/protected").insert_header(("Cookie", cookie)),
            "x-csrf-token",
            b"\xff"
        ),
        200,
        ok(json!("ann"))
    );

    let app = app!(manager_with(locations_config(&[
        TokenLocation::QueryString
    ])));
    let cases = [
        (
            "/protected?jwt=%FF%FE".to_owned(),
            422,
            msg(NOT_ENOUGH_SEGMENTS),
        ),
        (
            format!("/protected?jwt={token}%FF"),
            422,
            msg(BAD_CRYPTO_PADDING),
        ),
        (
            format!("/protected?%FF=%FE&jwt={token}"),
            200,
            ok(json!("ann")),
        ),
    ];
    for (uri, status, expected) in cases {
        check!(app, uri.clone(), get(&uri), status, expected);
    }

    let app = app!(manager_with(locations_config(&[TokenLocation::Json])));
    let missing_key = msg("Missing \"access_token\" key in json data.");
    let bodies: [Vec<u8>; 3] = [
        b"{\"access_token\": \"\xff\xfe\"}".to_vec(),
        [
            format!(r#"{{"access_token": "{token}"}}"#).as_bytes(),
            b"\xff",
        ]
        .concat(),
        br#"{"access_token": "\ud800"}"#.to_vec(),
    ];
    for body in bodies {
        check!(
            app,
            String::from_utf8_lossy(&body),
            get("/protected")
                .insert_header(("Content-Type", "application/json"))
                .set_payload(body.clone()),
            401,
            missing_key.clone()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CWE-444-style ambiguity: the same thing sent twice.

/// Ambiguous requests (CWE-436, Interpretation Conflict): two `Authorization` headers are
/// read as one comma-joined value, as upstream's WSGI layer does, so two Bearer tokens are
/// ambiguous and refused; the first cookie and the first query parameter win (Werkzeug's
/// `.get`), the last duplicate JSON key wins (Python's `json`), and the first CSRF header is
/// compared.
#[actix_web::test]
async fn duplicate_headers_cookies_and_parameters() {
    let jwt = manager_with(locations_config(&[TokenLocation::Headers]));
    let app = app!(jwt.clone());
    let ann = jwt.create_access_token("ann").finish().unwrap();
    let bob = jwt.create_access_token("bob").finish().unwrap();
    let two = |first: String, second: String| {
        get("/protected")
            .append_header(("Authorization", first))
            .append_header(("Authorization", second))
    };
    let cases = [
        (
            "two valid Bearer headers",
            two(format!("Bearer {ann}"), format!("Bearer {bob}")),
            401,
            msg(TWO_BEARERS),
        ),
        (
            "valid and garbage Bearer",
            two(format!("Bearer {ann}"), "Bearer x".into()),
            401,
            msg(TWO_BEARERS),
        ),
        (
            "Bearer then Basic",
            two(format!("Bearer {ann}"), "Basic YTpi".into()),
            200,
            ok(json!("ann")),
        ),
        (
            "Basic then Bearer",
            two("Basic YTpi".into(), format!("Bearer {ann}")),
            200,
            ok(json!("ann")),
        ),
    ];
    for (what, req, status, expected) in cases {
        check!(app, what, req, status, expected);
    }

    let app = app!(manager_with(locations_config(&[TokenLocation::Cookies])));
    let name = "access_token_cookie";
    let cases = [
        (
            vec![format!("{name}={ann}; {name}=garbage")],
            200,
            ok(json!("ann")),
        ),
        (
            vec![format!("{name}=garbage; {name}={ann}")],
            422,
            msg(NOT_ENOUGH_SEGMENTS),
        ),
        (
            vec![format!("{name}={ann}; {name}={bob}")],
            200,
            ok(json!("ann")),
        ),
        (
            vec![format!("{name}={ann}"), format!("{name}=garbage")],
            200,
            ok(json!("ann")),
        ),
        (
            vec![format!("{name}=garbage"), format!("{name}={ann}")],
            422,
            msg(NOT_ENOUGH_SEGMENTS),
        ),
    ];
    for (lines, status, expected) in cases {
        let mut req = get("/protected");
        for line in &lines {
            req = req.append_header(("Cookie", line.clone()));
        }
        check!(app, format!("cookies {lines:?}"), req, status, expected);
    }
    let csrf = jwt.decode_token(&ann, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |first: &str, second: &str| {
        TestRequest::post()
            .uri("/protected")
            .insert_header(("Cookie", format!("{name}={ann}")))
            .append_header(("X-CSRF-TOKEN", first.to_owned()))
            .append_header(("X-CSRF-TOKEN", second.to_owned()))
    };
    check!(
        app,
        "CSRF wrong then right",
        post("wrong", &csrf),
        401,
        msg(CSRF_MISMATCH)
    );
    check!(
        app,
        "CSRF right then wrong",
        post(&csrf, "wrong"),
        200,
        ok(json!("ann"))
    );

    let app = app!(manager_with(locations_config(&[
        TokenLocation::QueryString
    ])));
    check!(
        app,
        "?jwt twice, valid first",
        get(&format!("/protected?jwt={ann}&jwt=x")),
        200,
        ok(json!("ann"))
    );
    check!(
        app,
        "?jwt twice, valid last",
        get(&format!("/protected?jwt=x&jwt={ann}")),
        422,
        msg(NOT_ENOUGH_SEGMENTS)
    );

    let app = app!(manager_with(locations_config(&[TokenLocation::Json])));
    let json_body = |body: String| {
        get("/protected")
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body)
    };
    check!(
        app,
        "JSON key twice, valid last",
        json_body(format!(
            r#"{{"access_token": "x", "access_token": "{ann}"}}"#
        )),
        200,
        ok(json!("ann"))
    );
    check!(
        app,
        "JSON key twice, valid first",
        json_body(format!(
            r#"{{"access_token": "{ann}", "access_token": "x"}}"#
        )),
        422,
        msg(NOT_ENOUGH_SEGMENTS)
    );
    let invalid_type = msg("Invalid token type. The \"access_token\" value must be a string");
    for value in ["5", "true", "{\"a\": 1}", "[\"x\"]"] {
        check!(
            app,
            format!("JSON token {value}"),
            json_body(format!(r#"{{"access_token": {value}}}"#)),
            422,
            invalid_type.clone()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// CWE-352: CSRF double submit.

/// CWE-352 (Cross-Site Request Forgery) with the double-submit defence:
/// the CSRF value of another token — even the same user's — or any near miss of the right
/// value (equal length, one character off; prefix; extension; other case) is refused with 401;
/// a token without a `csrf` claim is 422; a non-string `csrf` claim never matches. The
/// comparison is constant-time (`jwt-runtime/src/keys/mod.rs`, `constant_time_eq`).
#[actix_web::test]
async fn csrf_value_from_another_token() {
    let jwt = manager_with(locations_config(&[TokenLocation::Cookies]));
    let app = app!(jwt.clone());
    let csrf_of = |token: &str| {
        jwt.decode_token(token, false).unwrap()["csrf"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ann = jwt.create_access_token("ann").finish().unwrap();
    let ann2 = jwt.create_access_token("ann").finish().unwrap();
    let bob = jwt.create_access_token("bob").finish().unwrap();
    let csrf = csrf_of(&ann);
    let flip = |c: char| if c == '0' { '1' } else { '0' };
    let last_off = format!(
        "{}{}",
        &csrf[..csrf.len() - 1],
        flip(csrf.chars().last().unwrap())
    );
    let first_off = format!("{}{}", flip(csrf.chars().next().unwrap()), &csrf[1..]);
    assert_eq!(last_off.len(), csrf.len());
    let post = |token: &str, header: Option<&str>| {
        let req = TestRequest::post()
            .uri("/protected")
            .insert_header(("Cookie", format!("access_token_cookie={token}")));
        match header {
            Some(value) => req.insert_header(("X-CSRF-TOKEN", value.to_owned())),
            None => req,
        }
    };
    let mismatches = [
        ("the same user's other token", csrf_of(&ann2)),
        ("another user's token", csrf_of(&bob)),
        ("last character off", last_off),
        ("first character off", first_off),
        ("prefix", csrf[..csrf.len() - 1].to_owned()),
        ("extended", format!("{csrf}0")),
        ("upper case", csrf.to_uppercase()),
        ("the token itself", ann.clone()),
        (
            "the jti",
            jwt.decode_token(&ann, false)
                .unwrap()
                .jti()
                .unwrap()
                .to_owned(),
        ),
        ("padded with a space", format!("{csrf} ")),
    ];
    for (what, header) in &mismatches {
        if header == &csrf {
            continue; // `to_uppercase` of an all-digit value
        }
        check!(
            app,
            *what,
            post(&ann, Some(header)),
            401,
            msg(CSRF_MISMATCH)
        );
    }
    check!(
        app,
        "right value",
        post(&ann, Some(&csrf)),
        200,
        ok(json!("ann"))
    );
    check!(
        app,
        "bob with his own value",
        post(&bob, Some(&csrf_of(&bob))),
        200,
        ok(json!("bob"))
    );
    check!(
        app,
        "no CSRF header",
        post(&ann, None),
        401,
        msg("Missing CSRF token")
    );
    check!(
        app,
        "garbage cookie, no header",
        post("garbage", None),
        401,
        msg("Missing CSRF token")
    );

    let cases = [
        (
            ann_without("csrf"),
            "anything",
            422,
            msg("Missing claim: csrf"),
        ),
        (ann_with("csrf", json!(5)), "5", 401, msg(CSRF_MISMATCH)),
        (
            ann_with("csrf", json!(null)),
            "null",
            401,
            msg(CSRF_MISMATCH),
        ),
        (ann_with("csrf", json!(["x"])), "x", 401, msg(CSRF_MISMATCH)),
        (ann_with("csrf", json!("")), " ", 401, msg(CSRF_MISMATCH)),
    ];
    for (payload, header, status, expected) in cases {
        check!(
            app,
            format!("csrf claim {}", payload["csrf"]),
            post(&signed(&payload), Some(header)),
            status,
            expected
        );
    }
}

/// CWE-352, the other direction: methods outside `JWT_CSRF_METHODS` need no CSRF value,
/// so a wrong, foreign or absent `X-CSRF-TOKEN` on a GET changes nothing.
#[actix_web::test]
async fn csrf_header_on_a_get_that_does_not_need_it() {
    let jwt = manager_with(locations_config(&[TokenLocation::Cookies]));
    let app = app!(jwt.clone());
    let ann = jwt.create_access_token("ann").finish().unwrap();
    let bob = jwt.create_access_token("bob").finish().unwrap();
    let bob_csrf = jwt.decode_token(&bob, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = ("Cookie", format!("access_token_cookie={ann}"));
    for header in [Some(bob_csrf.as_str()), Some("wrong"), None] {
        let mut req = get("/protected").insert_header(cookie.clone());
        if let Some(value) = header {
            req = req.insert_header(("X-CSRF-TOKEN", value.to_owned()));
        }
        check!(
            app,
            format!("GET with CSRF {header:?}"),
            req,
            200,
            ok(json!("ann"))
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Over a real socket: actix's own limits come first.

/// CWE-400 over a bound server: a 1 MB Authorization header and 200 headers are refused by
/// actix's HTTP/1 parser with 431 before any JWT code runs, and the server keeps serving.
#[test]
fn oversized_headers_over_a_socket() {
    let jwt = headers_app_manager();
    let token = jwt.create_access_token("ann").finish().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(jwt.clone())
                    .app_data(jwt.clone())
                    .configure(routes)
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            addr_tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = addr_rx.recv().unwrap();

    let exchange = |request: Vec<u8>| -> u16 {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // The server may answer and close before it has read everything: ignore write errors.
        let _ = stream.write_all(&request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response);
        text.split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let huge = format!(
        "GET /protected HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(exchange(huge.into_bytes()), 431, "1 MB header");
    let many: String = (0..200).map(|i| format!("X-Filler-{i}: {i}\r\n")).collect();
    let many = format!("GET /protected HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n");
    assert_eq!(exchange(many.into_bytes()), 431, "200 headers");
    let fine = format!(
        "GET /protected HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(exchange(fine.into_bytes()), 200, "the server still serves");

    actix_web::rt::System::new().block_on(handle.stop(true));
    server_thread.join().unwrap().unwrap();
}
