//! Property tests of hostile input (proptest, 256 cases per property, no persisted failures):
//! arbitrary bytes in every token location, arbitrary mutations of a valid token, and
//! arbitrary JSON payloads and headers signed with the app's own key. Each case goes through a
//! real actix app (`init_service`); a panic anywhere in the pipeline fails the property.
//!
//! The properties: nothing verifies that should not (only the unchanged token gets 200), every
//! refusal is one of the pipeline's statuses with a JSON `{"msg": ...}` body, and nothing
//! panics.

use actix_jwt_extended::{get_jwt_identity, jwt_required, JwtConfig, TokenLocation};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{route, web, App, HttpResponse};
use jsonwebtoken::{Algorithm, EncodingKey};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};

use crate::support;
use crate::support::{b64url, config, manager_with, now, SECRET};

/// Cases per property: enough to vary every part of a token, few enough for every test run.
const CASES: u32 = 256;

const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        // Failures are reported with their minimal input; nothing is written into tests/.
        failure_persistence: None,
        ..Config::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens.

/// A token over the JSON texts `header` and `payload`, HS256-signed with the app's secret.
fn sign_text(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    );
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{input}.{signature}")
}

// ---------------------------------------------------------------------------------------------
// The app: every location, and the three kinds of route.

fn identity() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": get_jwt_identity() }))
}

#[route("/protected", method = "GET", method = "POST")]
#[jwt_required]
async fn protected_route() -> HttpResponse {
    identity()
}

#[route("/fresh", method = "GET", method = "POST")]
#[jwt_required(fresh)]
async fn fresh_route() -> HttpResponse {
    identity()
}

#[route("/refresh", method = "GET", method = "POST")]
#[jwt_required(refresh)]
async fn refresh_route() -> HttpResponse {
    identity()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(protected_route)
        .service(fresh_route)
        .service(refresh_route);
}

fn all_locations() -> JwtConfig {
    JwtConfig {
        token_location: TokenLocation::ALL.to_vec(),
        ..config()
    }
}

/// Sends `req` and returns the status and the body, which must be JSON.
async fn send<S, R, B>(app: &S, req: R) -> Result<(StatusCode, Value), TestCaseError>
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    support::try_reply(test::call_service(app, req).await)
        .await
        .map_err(TestCaseError::fail)
}

/// A refusal by the pipeline: 401, 413 or 422 with a `{"msg": "<text>"}` body.
fn assert_refused(status: StatusCode, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(status.as_u16(), 401 | 413 | 422),
        "not refused: {status} {body}"
    );
    prop_assert!(body["msg"].is_string(), "{status} {body}");
    prop_assert_eq!(
        body.as_object().map(Map::len),
        Some(1),
        "{} {}",
        status,
        body
    );
    Ok(())
}

/// Where a token (or any text) is put in a request.
#[derive(Debug, Clone, Copy)]
enum Location {
    Header,
    BareHeader,
    Cookie,
    CookiePost,
    Query,
    Json,
}

/// Every location, also a header without its `Bearer` scheme.
fn location() -> impl Strategy<Value = Location> {
    prop_oneof![Just(Location::BareHeader), token_location()]
}

/// The locations where the app finds a token.
fn token_location() -> impl Strategy<Value = Location> {
    prop_oneof![
        Just(Location::Header),
        Just(Location::Cookie),
        Just(Location::CookiePost),
        Just(Location::Query),
        Just(Location::Json),
    ]
}

/// Percent-encodes every byte, so the query carries exactly `bytes` once decoded.
fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// A request to `path` carrying `bytes` in `location`; `None` when the bytes cannot be a
/// header value at all (control characters), which no client can send.
fn request(path: &str, location: Location, bytes: &[u8], csrf: &[u8]) -> Option<TestRequest> {
    let header = |prefix: &[u8]| HeaderValue::from_bytes(&[prefix, bytes].concat()).ok();
    Some(match location {
        Location::Header => TestRequest::get()
            .uri(path)
            .insert_header(("Authorization", header(b"Bearer ")?)),
        Location::BareHeader => TestRequest::get()
            .uri(path)
            .insert_header(("Authorization", header(b"")?)),
        Location::Cookie => TestRequest::get()
            .uri(path)
            .insert_header(("Cookie", header(b"access_token_cookie=")?)),
        Location::CookiePost => TestRequest::post()
            .uri(path)
            .insert_header(("Cookie", header(b"access_token_cookie=")?))
            .insert_header(("X-CSRF-TOKEN", HeaderValue::from_bytes(csrf).ok()?)),
        Location::Query => TestRequest::get().uri(&format!("{path}?jwt={}", percent_encode(bytes))),
        Location::Json => TestRequest::post()
            .uri(path)
            .set_json(json!({ "access_token": String::from_utf8_lossy(bytes) })),
    })
}

// ---------------------------------------------------------------------------------------------
// Arbitrary bytes.

/// Bytes a header value may hold (visible ASCII, space, tab and obs-text), mostly, with some
/// that it may not (then the case is skipped: no client can send them).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(
            prop_oneof![0x20u8..=0x7e, 0x80u8..=0xff, Just(b'\t'), Just(b'.'), Just(b',')],
            0..400
        ),
        1 => prop::collection::vec(any::<u8>(), 0..400),
        // Three base64url-ish segments, to get past the structural checks.
        2 => "[A-Za-z0-9_=-]{0,80}\\.[A-Za-z0-9_=-]{0,200}\\.[A-Za-z0-9_=-]{0,60}"
            .prop_map(String::into_bytes),
        // Real base64url of arbitrary JSON-ish text, to reach the claim checks.
        2 => ("\\{[ -~]{0,60}\\}", "\\{[ -~]{0,120}\\}", "[A-Za-z0-9_-]{0,50}")
            .prop_map(|(h, p, s)| format!("{}.{}.{s}", b64url(h.as_bytes()), b64url(p.as_bytes())).into_bytes()),
    ]
}

/// Arbitrary bytes as a token in every location (header with and without the scheme, cookie
/// on GET and on POST with an arbitrary CSRF header, query, JSON body) never verify and never
/// panic, on every kind of route.
#[test]
fn arbitrary_bytes_in_every_location_never_verify() {
    let rt = actix_web::rt::System::new();
    let jwt = manager_with(all_locations());
    let app = rt.block_on(test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt).configure(routes),
    ));
    let strategy = (
        location(),
        prop::sample::select(vec!["/protected", "/fresh", "/refresh"]),
        header_bytes(),
        prop::collection::vec(0x20u8..=0x7e, 0..40),
    );
    runner()
        .run(&strategy, |(location, path, bytes, csrf)| {
            let Some(req) = request(path, location, &bytes, &csrf) else {
                return Ok(());
            };
            let (status, body) = rt.block_on(send(&app, req.to_request()))?;
            assert_refused(status, &body)
        })
        .unwrap();
}

/// Arbitrary bytes as a whole JSON body (any content type) never verify and never panic.
#[test]
fn arbitrary_json_bodies_never_verify() {
    let rt = actix_web::rt::System::new();
    let jwt = manager_with(JwtConfig {
        token_location: vec![TokenLocation::Json],
        ..config()
    });
    let app = rt.block_on(test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt).configure(routes),
    ));
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        "\\{\"access_token\": ?[ -~]{0,200}\\}".prop_map(String::into_bytes),
    ];
    let content_type = prop::sample::select(vec![
        "application/json",
        "application/vnd.api+json",
        "application/json; charset=latin-1",
        "text/plain",
    ]);
    runner()
        .run(&(body, content_type), |(body, content_type)| {
            let req = TestRequest::post()
                .uri("/protected")
                .insert_header(("Content-Type", content_type))
                .set_payload(body);
            let (status, body) = rt.block_on(send(&app, req.to_request()))?;
            assert_refused(status, &body)
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid token.

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    /// A permutation of the three segments (0 is the identity).
    Permute(usize),
    /// Appends a suffix (padding, another segment, ...).
    Append(String),
    /// Replaces the last byte.
    SetLast(u8),
}

/// Bytes a mutation writes: anything but whitespace and the separators of the locations
/// (`,` in headers, `;` in cookies), which would only change how the request is split.
fn mutation_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        8 => prop::sample::select(B64_ALPHABET.to_vec()),
        2 => Just(b'.'),
        1 => Just(b'='),
        3 => (0x21u8..=0x7e).prop_filter("separator", |b| !matches!(b, b',' | b';' | b'"' | b'\\')),
        1 => 0x80u8..=0xff,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<Index>(), mutation_byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        2 => (any::<Index>(), mutation_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => any::<Index>().prop_map(Mutation::Delete),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (0usize..6).prop_map(Mutation::Permute),
        1 => prop::sample::select(vec!["=", "==", ".", ".x", "A", "AA"])
            .prop_map(|s| Mutation::Append(s.to_owned())),
    ]
}

fn mutate(token: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    for m in mutations {
        match m {
            Mutation::Replace(i, b) if !bytes.is_empty() => {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            Mutation::Insert(i, b) => {
                let i = i.index(bytes.len() + 1);
                bytes.insert(i, *b);
            }
            Mutation::Delete(i) if !bytes.is_empty() => {
                let i = i.index(bytes.len());
                bytes.remove(i);
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len() + 1)),
            Mutation::Permute(p) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let parts: Vec<&str> = text.splitn(3, '.').collect();
                if parts.len() == 3 {
                    const ORDERS: [[usize; 3]; 6] = [
                        [0, 1, 2],
                        [0, 2, 1],
                        [1, 0, 2],
                        [1, 2, 0],
                        [2, 0, 1],
                        [2, 1, 0],
                    ];
                    let [a, b, c] = ORDERS[*p];
                    bytes = format!("{}.{}.{}", parts[a], parts[b], parts[c]).into_bytes();
                }
            }
            Mutation::Append(s) => bytes.extend_from_slice(s.as_bytes()),
            Mutation::SetLast(b) => {
                if let Some(last) = bytes.last_mut() {
                    *last = *b;
                }
            }
            _ => {}
        }
    }
    bytes
}

/// One to three single-byte replacements, insertions, deletions, truncations, segment
/// permutations or suffixes applied to a valid token never verify unless the token is
/// unchanged, in every location, and never panic. One case in three aims at the signature's
/// last character, whose two low bits are unused (CWE-347: no second spelling of a token).
#[test]
fn mutations_of_a_valid_token_never_verify() {
    let tail = prop_oneof![
        prop::sample::select(B64_ALPHABET.to_vec()).prop_map(|b| vec![Mutation::SetLast(b)]),
        Just(vec![Mutation::Append("=".into())]),
    ];
    let strategy = prop_oneof![1 => tail, 2 => prop::collection::vec(mutation(), 1..=3)];
    let rt = actix_web::rt::System::new();
    let jwt = manager_with(all_locations());
    let app = rt.block_on(test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(routes),
    ));
    let token = jwt.create_access_token("ann").finish().unwrap();
    let csrf = jwt.decode_token(&token, false).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    runner()
        .run(&(token_location(), strategy), |(location, mutations)| {
            let mutated = mutate(&token, &mutations);
            let Some(req) = request("/protected", location, &mutated, csrf.as_bytes()) else {
                return Ok(());
            };
            let (status, body) = rt.block_on(send(&app, req.to_request()))?;
            if mutated == token.as_bytes() {
                prop_assert_eq!(status.as_u16(), 200, "unchanged token refused: {}", body);
                prop_assert_eq!(&body, &json!({"sub": "ann"}));
            } else {
                prop_assert_ne!(
                    status.as_u16(),
                    200,
                    "mutated token verified: {}",
                    String::from_utf8_lossy(&mutated)
                );
                assert_refused(status, &body)?;
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Arbitrary JSON signed with the right key.

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (now() - 100_000..now() + 100_000).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["refresh", "access", "ann", "api", "true"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A payload: any JSON value, or a plausible claim set with some claims replaced by any JSON.
fn payload() -> impl Strategy<Value = Value> {
    let claim = prop::sample::select(vec![
        "sub", "exp", "nbf", "iat", "type", "fresh", "jti", "csrf", "aud", "iss", "other",
    ]);
    prop_oneof![
        1 => json_value(),
        4 => prop::collection::vec((claim, prop::option::of(json_value())), 0..5).prop_map(|edits| {
            let now = now();
            let mut payload = json!({
                "fresh": true, "iat": now, "nbf": now, "exp": now + 900,
                "jti": "j", "type": "access", "sub": "ann",
            });
            for (claim, value) in edits {
                let map = payload.as_object_mut().unwrap();
                match value {
                    Some(value) => map.insert(claim.to_owned(), value),
                    None => map.remove(claim),
                };
            }
            payload
        }),
    ]
}

/// A header: `alg` HS256 plus any other JSON members (`kid`, `typ`, `crit`, ...), or any JSON.
fn header() -> impl Strategy<Value = Value> {
    let member = prop::sample::select(vec!["kid", "typ", "crit", "jku", "cty", "zip", "x"]);
    prop_oneof![
        6 => prop::collection::vec((member, json_value()), 0..3).prop_map(|members| {
            let mut header = json!({"alg": "HS256"});
            for (name, value) in members {
                header[name] = value;
            }
            header
        }),
        1 => json_value(),
    ]
}

/// Any JSON payload and header signed with the app's own key goes through the pipeline of
/// every route kind, in a plain app and in one checking audience and issuer, without a
/// panic or a 500; what verifies echoes the token's own string `sub`.
#[test]
fn arbitrary_json_signed_with_the_right_key_never_panics() {
    let rt = actix_web::rt::System::new();
    let plain = manager_with(config());
    let strict = manager_with(JwtConfig {
        decode_audience: Some(vec!["api".into()]),
        decode_issuer: Some("ann".into()),
        ..config()
    });
    let plain_app = rt.block_on(test::init_service(
        App::new()
            .wrap(plain.clone())
            .app_data(plain)
            .configure(routes),
    ));
    let strict_app = rt.block_on(test::init_service(
        App::new()
            .wrap(strict.clone())
            .app_data(strict)
            .configure(routes),
    ));
    let strategy = (
        header(),
        payload(),
        prop::sample::select(vec!["/protected", "/fresh", "/refresh"]),
        any::<bool>(),
    );
    runner()
        .run(&strategy, |(header, payload, path, use_strict)| {
            let token = sign_text(&header.to_string(), &payload.to_string());
            let req = TestRequest::get()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .to_request();
            let (status, body) = if use_strict {
                rt.block_on(send(&strict_app, req))?
            } else {
                rt.block_on(send(&plain_app, req))?
            };
            if status == StatusCode::OK {
                prop_assert!(
                    payload["sub"].is_string(),
                    "verified with sub {}",
                    payload["sub"]
                );
                prop_assert_eq!(&body, &json!({ "sub": payload["sub"] }));
            } else {
                assert_refused(status, &body)?;
            }
            Ok(())
        })
        .unwrap();
}
