//! JWKS: a `JwksSource` verifying against a local actix server (bound on 127.0.0.1:0) that
//! serves a JWKS and rotates it; `KeySet::jwks_service` publishing an app's keys, so that
//! service A issues and service B verifies. Beyond Flask-JWT-Extended, so no upstream test name.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_jwt_extended::{
    jwt_required, Algorithm, Audience, DecodingKey, EncodingKey, JwksSource, JwtConfig,
    JwtErrorKind, JwtManager, KeySet,
};
use actix_web::dev::ServerHandle;
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{get, web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::support::get_protected;
use crate::support::keys::{EC_P256_A_PRIVATE, RSA_A_PRIVATE, RSA_B_PRIVATE};

const UNKNOWN_KID: &str = "Unable to find a signing key that matches the token's kid";
const KEYS_UNAVAILABLE: &str = "signing keys unavailable";
/// What the verifiers accept, as their managers' `effective_decode_algorithms` say.
const ALGORITHMS: [Algorithm; 1] = [Algorithm::RS256];
/// This API's client ID at the provider: the `aud` of the tokens meant for it.
const API: &str = "my-api";

/// A JWKS provider on a real socket: serves its key set at `/jwks.json`, or 503 while down,
/// counting the requests.
struct Provider {
    down: Arc<AtomicBool>,
    body: Arc<Mutex<Option<String>>>,
    hits: Arc<AtomicUsize>,
    url: String,
    handle: ServerHandle,
}

impl Provider {
    fn start(keys: KeySet) -> Self {
        let down = Arc::new(AtomicBool::new(false));
        let body = Arc::new(Mutex::new(None::<String>));
        let hits = Arc::new(AtomicUsize::new(0));
        let state = (keys.clone(), down.clone(), body.clone(), hits.clone());
        let server = HttpServer::new(move || {
            let (keys, down, body, hits) = state.clone();
            App::new().route(
                "/jwks.json",
                web::get().to(move || {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let response = if down.load(Ordering::SeqCst) {
                        HttpResponse::ServiceUnavailable().finish()
                    } else if let Some(body) = body.lock().unwrap().clone() {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    } else {
                        HttpResponse::Ok().json(keys.jwks())
                    };
                    async move { response }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let url = format!("http://{}/jwks.json", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            down,
            body,
            hits,
            url,
            handle,
        }
    }

    fn source(&self, refresh_interval: Duration, min_refresh_gap: Duration) -> JwksSource {
        JwksSource::builder(&self.url)
            .refresh_interval(refresh_interval)
            .min_refresh_gap(min_refresh_gap)
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap()
    }
}

fn rs256() -> JwtConfig {
    JwtConfig {
        algorithm: Algorithm::RS256,
        ..JwtConfig::default()
    }
}

/// RS256 tokens meant for this API: `aud` must name it.
fn api() -> JwtConfig {
    JwtConfig {
        decode_audience: Some(vec![API.into()]),
        ..rs256()
    }
}

/// The identity provider's own signing app: a key set with key `p1` current, tokens for `API`.
fn issuer() -> (KeySet, JwtManager) {
    let keys = KeySet::new();
    keys.insert_private_pem("p1", Algorithm::RS256, RSA_A_PRIVATE)
        .unwrap();
    keys.set_current("p1").unwrap();
    let config = JwtConfig {
        encode_audience: Some(Audience::One(API.into())),
        ..rs256()
    };
    let jwt = JwtManager::builder(config)
        .key_set(keys.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    (keys, jwt)
}

/// A verify-only app over `source`, for tokens meant for `API`.
fn verifier(source: &JwksSource) -> JwtManager {
    JwtManager::builder(api())
        .jwks(source.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap()
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// Repeats `GET /protected` until it answers `status` (a refresh scheduled by one request
/// serves the next ones) or 3 s pass; returns the answers seen.
async fn until_status(jwt: &JwtManager, token: &str, status: u16) -> Vec<(u16, Value)> {
    let mut seen = Vec::new();
    for _ in 0..60 {
        let answer = get_protected(jwt, protected, token).await;
        let done = answer.0 == status;
        seen.push(answer);
        if done {
            return seen;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never answered {status}: {seen:?}");
}

fn forged(kid: &str) -> String {
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let key = EncodingKey::from_rsa_pem(RSA_B_PRIVATE.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &json!({"sub": "mallory"}), &key).unwrap()
}

// Verify, rotate at the provider (a new `kid` triggers one refresh), keep verifying the old
// key's tokens until the provider drops it and the cache is due.
#[actix_web::test]
async fn verifies_tokens_from_a_rotating_provider() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_millis(1500), Duration::from_millis(200));
    assert_eq!(source.refresh().await, Ok(1));
    assert_eq!(source.kids(), ["p1"]);
    let jwt = verifier(&source);

    let token1 = issuer.create_access_token("username").finish().unwrap();
    assert_eq!(get_protected(&jwt, protected, &token1).await.0, 200);
    assert_eq!(source.fetches(), 1);

    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    let answers = until_status(&jwt, &token2, 200).await;
    // Refused at most once while the refresh ran, with the unknown-kid message.
    for (status, body) in &answers[..answers.len() - 1] {
        assert_eq!((*status, body), (422, &json!({ "msg": UNKNOWN_KID })));
    }
    assert_eq!(source.fetches(), 2, "one refresh for the new kid");
    assert_eq!(source.kids(), ["p1", "p2"]);
    assert_eq!(get_protected(&jwt, protected, &token1).await.0, 200);

    keys.remove("p1").unwrap();
    // Still cached until the interval passes, then refused.
    assert_eq!(get_protected(&jwt, protected, &token1).await.0, 200);
    actix_web::rt::time::sleep(Duration::from_millis(1600)).await;
    let answers = until_status(&jwt, &token1, 422).await;
    assert_eq!(answers.last().unwrap().1, json!({ "msg": UNKNOWN_KID }));
    assert_eq!(get_protected(&jwt, protected, &token2).await.0, 200);
    provider.handle.stop(false).await;
}

// `prepare` awaits the refresh a token needs, so the synchronous decode that follows succeeds
// at the first try (what the request pipeline does when it awaits it).
#[actix_web::test]
async fn prepare_refreshes_before_decoding() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    let jwt = verifier(&source);
    let token1 = issuer.create_access_token("username").finish().unwrap();
    source.prepare(&token1, &ALGORITHMS).await;
    assert_eq!(jwt.decode_token(&token1, false).unwrap()["sub"], "username");

    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    source.prepare(&token2, &ALGORITHMS).await;
    assert_eq!(jwt.decode_token(&token2, false).unwrap()["sub"], "username");
    // Known kid, fresh cache: no fetch.
    source.prepare(&token1, &ALGORITHMS).await;
    assert_eq!(source.fetches(), 2);
    // A garbage token prepares nothing and fails as usual.
    source.prepare("not a token", &ALGORITHMS).await;
    assert_eq!(source.fetches(), 2);
    provider.handle.stop(false).await;
}

// Needs `verify_token` (jwt-runtime/src/request/pipeline.rs) to await `JwksSource::prepare`
// before `decode_complete`; until then a new `kid` is served from the next request on.
#[actix_web::test]
async fn first_request_with_a_new_kid_succeeds() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    let jwt = verifier(&source);
    let token = issuer.create_access_token("username").finish().unwrap();
    assert_eq!(get_protected(&jwt, protected, &token).await.0, 200);
    provider.handle.stop(false).await;
}

// While the provider is down the cached keys keep verifying; the failure is recorded and
// retried at most once per gap; once back, a rotation is picked up.
#[actix_web::test]
async fn provider_briefly_down_keeps_cached_keys() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_millis(100), Duration::from_millis(300));
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let token1 = issuer.create_access_token("username").finish().unwrap();

    provider.down.store(true, Ordering::SeqCst);
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    let hits_before = provider.hits.load(Ordering::SeqCst);
    let started = std::time::Instant::now();
    for _ in 0..20 {
        assert_eq!(get_protected(&jwt, protected, &token1).await.0, 200);
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    // One attempt per 300 ms gap at most, not one per request.
    let attempts = provider.hits.load(Ordering::SeqCst) - hits_before;
    let allowed = started.elapsed().as_millis() as usize / 300 + 1;
    assert!(
        (1..=allowed).contains(&attempts),
        "{attempts} fetches, {allowed} allowed"
    );
    let error = source.last_error().expect("the failure is recorded");
    assert!(error.contains("503"), "{error}");
    assert_eq!(source.kids(), ["p1"]);
    // While the keys cannot be refreshed, a `kid` the cache lacks may be a new key: 503, not 422.
    assert_eq!(
        get_protected(&jwt, protected, &forged("p9")).await,
        (503, json!({ "msg": KEYS_UNAVAILABLE }))
    );
    assert_eq!(
        source.refresh().await.unwrap_err().reason,
        "HTTP status 503 Service Unavailable"
    );

    provider.down.store(false, Ordering::SeqCst);
    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let answers = until_status(&jwt, &token2, 200).await;
    for (status, _) in &answers {
        assert!(matches!(status, 200 | 503), "{answers:?}");
    }
    assert_eq!(source.last_error(), None);
    // Healthy again: an unknown `kid` is refused as before.
    assert_eq!(
        get_protected(&jwt, protected, &forged("p9")).await,
        (422, json!({ "msg": UNKNOWN_KID }))
    );
    provider.handle.stop(false).await;
}

// Tokens with made-up `kid`s cannot make the verifier hammer the provider.
#[actix_web::test]
async fn unknown_kid_refreshes_are_rate_limited() {
    let (keys, _issuer) = issuer();
    let provider = Provider::start(keys);
    let source = provider.source(Duration::from_secs(300), Duration::from_secs(60));
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    for i in 0..40 {
        assert_eq!(
            get_protected(&jwt, protected, &forged(&format!("k{i}"))).await,
            (422, json!({ "msg": UNKNOWN_KID }))
        );
    }
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(source.fetches(), 1, "no fetch within the gap");
    assert_eq!(provider.hits.load(Ordering::SeqCst), 1);

    // With a short gap, one refresh serves a burst: a couple of fetches, not forty.
    let source = provider.source(Duration::from_secs(300), Duration::from_millis(500));
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    for i in 0..40 {
        assert_eq!(
            get_protected(&jwt, protected, &forged(&format!("k{i}")))
                .await
                .0,
            422
        );
    }
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let allowed = 1 + started.elapsed().as_millis() as u64 / 500 + 1;
    assert!(source.fetches() <= allowed, "{} fetches", source.fetches());
    assert!(source.fetches() >= 2, "the burst refreshed once");
    provider.handle.stop(false).await;
}

// A refused `alg` never reaches the key source: no fetch for `alg: none` tokens.
#[actix_web::test]
async fn refused_alg_starts_no_fetch() {
    let (keys, _issuer) = issuer();
    let provider = Provider::start(keys);
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    let jwt = verifier(&source);
    let none = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIiwia2lkIjoicDEifQ", // {"alg":"none","kid":"p1"}
        "eyJzdWIiOiJ1c2VybmFtZSJ9"            // {"sub":"username"}
    );
    assert_eq!(
        get_protected(&jwt, protected, &none).await,
        (
            422,
            json!({"msg": "The specified alg value is not allowed"})
        )
    );
    let hs = JwtManager::new(JwtConfig {
        secret_key: Some("foobarbaz".into()),
        ..JwtConfig::default()
    })
    .unwrap()
    .create_access_token("username")
    .finish()
    .unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &hs).await,
        (
            422,
            json!({"msg": "The specified alg value is not allowed"})
        )
    );
    // Nor does `prepare` (what the request pipeline awaits) fetch for them.
    source.prepare(&none, &ALGORITHMS).await;
    source.prepare(&hs, &ALGORITHMS).await;
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(source.fetches(), 0);
    assert_eq!(provider.hits.load(Ordering::SeqCst), 0);
    provider.handle.stop(false).await;
}

// An `alg` the manager refuses never reaches the key source either, even one a JWKS key could
// verify (another asymmetric algorithm) with a `kid` the cache lacks: such tokens would
// otherwise make the verifier fetch the JWKS for nothing.
#[actix_web::test]
async fn refused_alg_with_an_unknown_kid_starts_no_fetch() {
    let (keys, _issuer) = issuer();
    let provider = Provider::start(keys);
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    let jwt = verifier(&source);
    let claims = json!({"sub": "username", "aud": API});
    let mut es256 = jsonwebtoken::Header::new(Algorithm::ES256);
    es256.kid = Some("new".into());
    let es256 = jsonwebtoken::encode(
        &es256,
        &claims,
        &EncodingKey::from_ec_pem(EC_P256_A_PRIVATE.as_bytes()).unwrap(),
    )
    .unwrap();
    let mut ps256 = jsonwebtoken::Header::new(Algorithm::PS256);
    ps256.kid = Some("new".into());
    let ps256 = jsonwebtoken::encode(
        &ps256,
        &claims,
        &EncodingKey::from_rsa_pem(RSA_A_PRIVATE.as_bytes()).unwrap(),
    )
    .unwrap();
    for token in [&es256, &ps256] {
        assert_eq!(
            get_protected(&jwt, protected, token).await,
            (
                422,
                json!({"msg": "The specified alg value is not allowed"})
            )
        );
    }
    // Nor does `prepare` with the manager's algorithms, which the pipeline passes.
    let algorithms = jwt.config().effective_decode_algorithms();
    source.prepare(&es256, &algorithms).await;
    source.prepare(&ps256, &algorithms).await;
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(source.fetches(), 0);
    assert_eq!(provider.hits.load(Ordering::SeqCst), 0);
    provider.handle.stop(false).await;
}

// Keys from a third party need an audience check: the provider signs tokens for every client
// it serves (ID tokens too), and without one any of them would open this API.
#[test]
fn jwks_verifier_needs_an_audience() {
    let source = JwksSource::new("https://idp.example/jwks.json").unwrap();
    let err = JwtManager::builder(rs256())
        .jwks(source.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap_err();
    assert_eq!(err.option, "JWT_DECODE_AUDIENCE");
    assert!(err.reason.contains("insecure_skip_jwks_audience"), "{err}");
    // With an issuer but no audience: still refused.
    let err = JwtManager::builder(JwtConfig {
        decode_issuer: Some("https://idp.example".into()),
        ..rs256()
    })
    .jwks(source.clone())
    .ignore_registered_loaders()
    .build()
    .unwrap_err();
    assert_eq!(err.option, "JWT_DECODE_AUDIENCE");
    JwtManager::builder(api())
        .jwks(source.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    // The explicit opt-out.
    JwtManager::builder(rs256())
        .jwks(source)
        .insecure_skip_jwks_audience()
        .ignore_registered_loaders()
        .build()
        .unwrap();
}

// The audience (and the issuer, when set) is checked on every token of the provider: a token
// for another client, or an ID token without `aud`, is refused.
#[actix_web::test]
async fn jwks_verifier_refuses_tokens_for_other_clients() {
    const ISSUER: &str = "https://idp.example";
    let keys = KeySet::new();
    keys.insert_private_pem("p1", Algorithm::RS256, RSA_A_PRIVATE)
        .unwrap();
    keys.set_current("p1").unwrap();
    let idp = JwtManager::builder(rs256())
        .key_set(keys.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let provider = Provider::start(keys);
    let source = provider.source(Duration::from_secs(300), Duration::from_secs(30));
    let token = |claims: Value| {
        idp.create_access_token("username")
            .additional_claims(claims)
            .finish()
            .unwrap()
    };
    let jwt = JwtManager::builder(JwtConfig {
        decode_issuer: Some(ISSUER.into()),
        ..api()
    })
    .jwks(source)
    .ignore_registered_loaders()
    .build()
    .unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &token(json!({"aud": API, "iss": ISSUER}))).await,
        (200, json!({"foo": "bar"}))
    );
    assert_eq!(
        get_protected(
            &jwt,
            protected,
            &token(json!({"aud": [API, "other"], "iss": ISSUER}))
        )
        .await,
        (200, json!({"foo": "bar"}))
    );
    for (claims, message) in [
        (
            json!({"aud": "other-client", "iss": ISSUER}),
            "Audience doesn't match",
        ),
        (json!({"iss": ISSUER}), "Token is missing the \"aud\" claim"),
        (
            json!({"aud": API, "iss": "https://elsewhere"}),
            "Invalid issuer",
        ),
    ] {
        assert_eq!(
            get_protected(&jwt, protected, &token(claims)).await,
            (422, json!({ "msg": message }))
        );
    }
    provider.handle.stop(false).await;
}

// A provider that is down while the API starts and comes up two seconds later: valid tokens
// are answered 503 (retryable) until its keys arrive, then 200, never a 4xx, which clients take
// for "log the user out". The failed fetches are retried soon, not after the default 30 s gap.
#[actix_web::test]
async fn provider_down_at_start_up_answers_503_then_200() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys);
    provider.down.store(true, Ordering::SeqCst);
    let down = provider.down.clone();
    actix_web::rt::spawn(async move {
        actix_web::rt::time::sleep(Duration::from_secs(2)).await;
        down.store(false, Ordering::SeqCst);
    });
    let source = JwksSource::builder(&provider.url)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let jwt = verifier(&source);
    let token = issuer.create_access_token("username").finish().unwrap();
    let mut seen = Vec::new();
    for _ in 0..150 {
        let answer = get_protected(&jwt, protected, &token).await;
        let done = answer.0 == 200;
        seen.push(answer);
        if done {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        seen[0],
        (503, json!({ "msg": KEYS_UNAVAILABLE })),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().unwrap(),
        &(200, json!({"foo": "bar"})),
        "{seen:?}"
    );
    for answer in &seen[..seen.len() - 1] {
        assert_eq!(
            answer,
            &(503, json!({ "msg": KEYS_UNAVAILABLE })),
            "{seen:?}"
        );
    }
    assert_eq!(source.last_error(), None);
    provider.handle.stop(false).await;
}

// A provider that refuses connections: valid tokens are answered 503, not 422.
#[actix_web::test]
async fn unreachable_provider_answers_503() {
    let (_keys, issuer) = issuer();
    let source = JwksSource::builder("http://127.0.0.1:1/jwks.json")
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let jwt = verifier(&source);
    let token = issuer.create_access_token("username").finish().unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &token).await,
        (503, json!({ "msg": KEYS_UNAVAILABLE }))
    );
    assert_eq!(source.fetches(), 1);
    // A direct decode says the same, with the cause for logs.
    let err = jwt.decode_token(&token, false).unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::SigningKeysUnavailable);
    assert!(
        err.detail().is_some_and(|d| d.contains("127.0.0.1:1")),
        "{err:?}"
    );
}

// Credentials in a JWKS URL never show in errors, `Debug` output or the URL the source reports
// (what apps log).
#[actix_web::test]
async fn jwks_url_credentials_are_redacted() {
    const SECRET: &str = "s3cr3t-pw";
    let url = format!("https://jwks-user:{SECRET}@127.0.0.1:1/jwks.json");
    let source = JwksSource::builder(&url)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = source.refresh().await.unwrap_err();
    let (_keys, issuer) = issuer();
    let token = issuer.create_access_token("username").finish().unwrap();
    let refused = verifier(&source).decode_token(&token, false).unwrap_err();
    let shown = [
        format!("{:?}", JwksSource::builder(&url)),
        format!("{source:?}"),
        source.url().to_owned(),
        err.to_string(),
        format!("{err:?}"),
        source.last_error().unwrap(),
        format!("{refused:?}"),
    ];
    for text in &shown {
        assert!(
            !text.contains(SECRET) && !text.contains("jwks-user"),
            "{text}"
        );
    }
    assert_eq!(source.url(), "https://***@127.0.0.1:1/jwks.json");
    assert_eq!(err.url, source.url());
    // Nor in the errors of URLs refused when the source is built.
    for bad in [
        format!("http://jwks-user:{SECRET}@idp.example/jwks.json"),
        format!("https://jwks-user:{SECRET}@idp example/jwks.json"),
        format!("ftp://jwks-user:{SECRET}@idp.example/jwks.json"),
    ] {
        let err = JwksSource::new(&bad).unwrap_err();
        assert!(!err.to_string().contains(SECRET), "{err}");
    }
}

// Providers publish keys we cannot use (encryption keys, secrets, unknown types): they are
// skipped, the rest serve. A document that is not a JWKS fails the refresh, keeping the cache.
#[actix_web::test]
async fn jwks_documents_from_the_wild() {
    let ec = KeySet::new();
    ec.insert_private_pem("ec", Algorithm::ES256, EC_P256_A_PRIVATE)
        .unwrap();
    let ec_jwk = serde_json::to_value(&ec.jwks().keys[0]).unwrap();
    let mut enc = ec_jwk.clone();
    enc["kid"] = "enc".into();
    enc["use"] = "enc".into();
    let mut oaep = ec_jwk.clone();
    oaep["kid"] = "oaep".into();
    oaep["alg"] = "RSA-OAEP".into();
    let mut dup = ec_jwk.clone();
    dup["x"] = "AAAA".into();
    let document = json!({"keys": [
        enc,
        {"kty": "oct", "kid": "secret", "k": "c2VjcmV0", "alg": "HS256"},
        {"kty": "XYZ", "kid": "odd"},
        oaep,
        ec_jwk,
        dup,
    ]});

    let provider = Provider::start(KeySet::new());
    *provider.body.lock().unwrap() = Some(document.to_string());
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    assert_eq!(source.refresh().await, Ok(1));
    assert_eq!(source.kids(), ["ec"]);

    let jwt = JwtManager::builder(JwtConfig {
        algorithm: Algorithm::ES256,
        ..api()
    })
    .jwks(source.clone())
    .ignore_registered_loaders()
    .build()
    .unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
    header.kid = Some("ec".into());
    let key = EncodingKey::from_ec_pem(EC_P256_A_PRIVATE.as_bytes()).unwrap();
    let claims = json!({"sub": "username", "aud": API});
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(get_protected(&jwt, protected, &token).await.0, 200);

    for bad in [
        "not json",
        "{}",
        r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#,
    ] {
        *provider.body.lock().unwrap() = Some(bad.to_owned());
        let err = source.refresh().await.unwrap_err();
        assert!(err.to_string().contains(&provider.url), "{err}");
        assert_eq!(source.kids(), ["ec"], "the cache stays after {bad:?}");
    }
    assert_eq!(get_protected(&jwt, protected, &token).await.0, 200);
    provider.handle.stop(false).await;
}

// Service A issues tokens and publishes its keys with `jwks_service`; service B verifies A's
// tokens through the JWKS, A's rotations included.
#[actix_web::test]
async fn service_a_publishes_service_b_verifies() {
    let (keys, service_a) = issuer();
    let published = keys.clone();
    let server = HttpServer::new(move || {
        App::new().service(published.jwks_service("/.well-known/jwks.json"))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let url = format!("http://{}/.well-known/jwks.json", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let source = JwksSource::builder(url)
        .min_refresh_gap(Duration::ZERO)
        .build()
        .unwrap();
    let service_b = verifier(&source);
    let token = service_a.create_access_token("username").finish().unwrap();
    source.prepare(&token, &ALGORITHMS).await;
    assert_eq!(
        get_protected(&service_b, protected, &token).await,
        (200, json!({"foo": "bar"}))
    );

    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let rotated = service_a.create_access_token("username").finish().unwrap();
    until_status(&service_b, &rotated, 200).await;
    assert_eq!(source.kids(), ["p1", "p2"]);
    handle.stop(false).await;
}

// What `jwks_service` serves: public parameters with `kid`, `alg`, `use`, nothing private,
// a cache lifetime, and every rotation at once.
#[actix_web::test]
async fn jwks_service_document() {
    let keys = KeySet::new();
    keys.insert_private_pem("r", Algorithm::PS256, RSA_A_PRIVATE)
        .unwrap();
    keys.insert_private_pem("e", Algorithm::ES256, EC_P256_A_PRIVATE)
        .unwrap();
    keys.insert_secret("s", Algorithm::HS256, "never published")
        .unwrap();
    keys.set_current("r").unwrap();
    let app = init_service(App::new().service(keys.jwks_service("/.well-known/jwks.json"))).await;
    let fetch = || async {
        let req = TestRequest::get()
            .uri("/.well-known/jwks.json")
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers().get("cache-control").unwrap(),
            "public, max-age=300"
        );
        let body = read_body(res).await;
        serde_json::from_slice::<Value>(&body).unwrap()
    };
    let document = fetch().await;
    let listed = document["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{document}");
    assert_eq!(
        (
            &listed[0]["kid"],
            &listed[0]["alg"],
            &listed[0]["use"],
            &listed[0]["kty"]
        ),
        (&json!("r"), &json!("PS256"), &json!("sig"), &json!("RSA"))
    );
    assert!(listed[0]["n"].is_string() && listed[0]["e"] == "AQAB");
    assert_eq!(
        (&listed[1]["kid"], &listed[1]["alg"], &listed[1]["crv"]),
        (&json!("e"), &json!("ES256"), &json!("P-256"))
    );
    for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        assert!(
            listed.iter().all(|key| key.get(private).is_none()),
            "{private} published: {document}"
        );
    }
    // The published key verifies what the set signs.
    let jwk: actix_jwt_extended::Jwk = serde_json::from_value(listed[0].clone()).unwrap();
    let public = DecodingKey::from_jwk(&jwk).unwrap();
    let signature = jsonwebtoken::crypto::sign(
        b"m",
        &EncodingKey::from_rsa_pem(RSA_A_PRIVATE.as_bytes()).unwrap(),
        Algorithm::PS256,
    )
    .unwrap();
    assert!(jsonwebtoken::crypto::verify(&signature, b"m", &public, Algorithm::PS256).unwrap());

    keys.insert_private_pem("r2", Algorithm::PS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("r2").unwrap();
    keys.remove("r").unwrap();
    let kids: Vec<Value> = fetch().await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(kids, [json!("e"), json!("r2")]);
}

// URLs are checked when the source is built: https, or http on loopback only unless allowed.
#[test]
fn jwks_urls() {
    JwksSource::new("https://idp.example/.well-known/jwks.json").unwrap();
    JwksSource::new("http://127.0.0.1:8080/jwks.json").unwrap();
    JwksSource::new("http://localhost/jwks.json").unwrap();
    let err = JwksSource::new("http://idp.example/jwks.json").unwrap_err();
    assert!(err.reason.contains("plain http"), "{err}");
    JwksSource::builder("http://idp.example/jwks.json")
        .allow_http(true)
        .build()
        .unwrap();
    assert!(JwksSource::new("ftp://idp.example/jwks.json").is_err());
    assert!(JwksSource::new("not a url").is_err());
}

// The TLS client starts (rustls with its crypto provider) and a refused connection is an
// error, not a panic.
#[actix_web::test]
async fn unreachable_https_provider_is_an_error() {
    let source = JwksSource::builder("https://127.0.0.1:1/jwks.json")
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = source.refresh().await.unwrap_err();
    assert_eq!(err.url, "https://127.0.0.1:1/jwks.json");
    assert_eq!(source.fetches(), 1);
    assert!(source.last_error().is_some());
}

// A verify-only app needs no private key; it cannot sign, and a JWKS with a decode-key loader
// is a `ConfigError`.
#[test]
fn jwks_manager_config() {
    let source = JwksSource::new("https://idp.example/jwks.json").unwrap();
    let jwt = JwtManager::builder(api())
        .jwks(source.clone())
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let err = jwt.create_access_token("u").finish().unwrap_err();
    assert_eq!(err.kind(), JwtErrorKind::Encode);
    let err = JwtManager::builder(api())
        .jwks(source)
        .decode_key_loader(|_, _| DecodingKey::from_secret(b"x").unwrap())
        .ignore_registered_loaders()
        .build()
        .unwrap_err();
    assert_eq!(err.option, "JWT_PUBLIC_KEY");
}
