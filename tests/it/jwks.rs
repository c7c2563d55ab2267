//! JWKS: a `JwksSource` verifying against a local actix server (bound on 127.0.0.1:0) that
//! serves a JWKS and rotates it; `KeySet::jwks_service` publishing an app's keys, so that
//! service A issues and service B verifies. Beyond Flask-JWT-Extended, so no upstream test name.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_jwt_extended::{
    jwt_required, Algorithm, Audience, DecodingKey, EncodingKey, JwksSource, JwtConfig,
    JwtErrorKind, JwtManager, KeySet,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, Service, ServiceResponse};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{get, web, App, HttpResponse, HttpServer};
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::keys::{EC_P256_A_PRIVATE, RSA_A_PRIVATE, RSA_B_PRIVATE};
use crate::support::{get_protected, get_with};

const UNKNOWN_KID: &str = "Unable to find a signing key that matches the token's kid";
const KEYS_UNAVAILABLE: &str = "signing keys unavailable";
/// What the verifiers accept, as their managers' `effective_decode_algorithms` say.
const ALGORITHMS: [Algorithm; 1] = [Algorithm::RS256];
/// This API's client ID at the provider: the `aud` of the tokens meant for it.
const API: &str = "my-api";

/// A JWKS provider on a real socket: serves its key set at `/jwks.json`, or 503 while down,
/// counting the requests; its answers may carry a `Cache-Control` and come after a delay.
struct Provider {
    down: Arc<AtomicBool>,
    body: Arc<Mutex<Option<String>>>,
    cache_control: Arc<Mutex<Option<String>>>,
    delay_ms: Arc<AtomicU64>,
    hits: Arc<AtomicUsize>,
    /// TCP connections accepted.
    connections: Arc<AtomicUsize>,
    url: String,
    handle: ServerHandle,
}

impl Provider {
    fn start(keys: KeySet) -> Self {
        let down = Arc::new(AtomicBool::new(false));
        let body = Arc::new(Mutex::new(None::<String>));
        let cache_control = Arc::new(Mutex::new(None::<String>));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let hits = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = connections.clone();
        let state = (
            keys.clone(),
            down.clone(),
            body.clone(),
            cache_control.clone(),
            delay_ms.clone(),
            hits.clone(),
        );
        let server = HttpServer::new(move || {
            let (keys, down, body, cache_control, delay_ms, hits) = state.clone();
            App::new().route(
                "/jwks.json",
                web::get().to(move || {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let mut response = if down.load(Ordering::SeqCst) {
                        HttpResponse::ServiceUnavailable().finish()
                    } else if let Some(body) = body.lock().unwrap().clone() {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    } else {
                        HttpResponse::Ok().json(keys.jwks())
                    };
                    if let Some(value) = cache_control.lock().unwrap().clone() {
                        response.headers_mut().insert(
                            actix_web::http::header::CACHE_CONTROL,
                            value.parse().unwrap(),
                        );
                    }
                    let delay = Duration::from_millis(delay_ms.load(Ordering::SeqCst));
                    async move {
                        actix_web::rt::time::sleep(delay).await;
                        response
                    }
                }),
            )
        })
        .on_connect(move |_, _| {
            accepted.fetch_add(1, Ordering::SeqCst);
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
            cache_control,
            delay_ms,
            hits,
            connections,
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

// Verify, rotate at the provider (a new `kid` triggers one refresh, which the request waits
// for), keep verifying the old key's tokens until the provider drops it and the cache is due.
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
    // The request waits for the refresh its `kid` needs: accepted at once.
    assert_eq!(get_protected(&jwt, protected, &token2).await.0, 200);
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
    source.prepare(&token1, &ALGORITHMS).await.unwrap();
    assert_eq!(jwt.decode_token(&token1, false).unwrap()["sub"], "username");

    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    source.prepare(&token2, &ALGORITHMS).await.unwrap();
    assert_eq!(jwt.decode_token(&token2, false).unwrap()["sub"], "username");
    // Known kid, fresh cache: no fetch.
    source.prepare(&token1, &ALGORITHMS).await.unwrap();
    assert_eq!(source.fetches(), 2);
    // A garbage token prepares nothing and fails as usual.
    source.prepare("not a token", &ALGORITHMS).await.unwrap();
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

// Tokens with made-up `kid`s cannot make the verifier hammer the provider: within the gap
// they are answered 503 (the next fetch is too far off to wait for), and a request that can
// wait for the next fetch is answered 422 once that fetch lacks its `kid`.
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
            (503, json!({ "msg": KEYS_UNAVAILABLE }))
        );
    }
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(source.fetches(), 1, "no fetch within the gap");
    assert_eq!(provider.hits.load(Ordering::SeqCst), 1);

    // With a gap shorter than the wait, each waits for the next fetch: one per gap.
    let source = provider.source(Duration::from_secs(300), Duration::from_millis(300));
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let started = Instant::now();
    for i in 0..6 {
        assert_eq!(
            get_protected(&jwt, protected, &forged(&format!("k{i}"))).await,
            (422, json!({ "msg": UNKNOWN_KID }))
        );
    }
    let allowed = 1 + started.elapsed().as_millis() as u64 / 300 + 1;
    assert!(source.fetches() <= allowed, "{} fetches", source.fetches());
    assert_eq!(source.fetches(), 7, "one fetch after each request arrived");
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
    source.prepare(&none, &ALGORITHMS).await.unwrap();
    source.prepare(&hs, &ALGORITHMS).await.unwrap();
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
    source.prepare(&es256, &algorithms).await.unwrap();
    source.prepare(&ps256, &algorithms).await.unwrap();
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
    // The request retried once within its wait (1 s after the first failure), no more.
    assert_eq!(source.fetches(), 2);
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
    source.prepare(&token, &ALGORITHMS).await.unwrap();
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

/// What `GET /protected` answered: status, `Retry-After` (whole seconds) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

/// Sends `req` to `app` (a real actix service): its [`Answer`].
async fn ask<S, R, B>(app: &S, req: R) -> Answer
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = call_service(app, req).await;
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = serde_json::from_slice(&read_body(res).await).unwrap();
    Answer {
        status,
        retry_after,
        body,
    }
}

/// How one rotation went: from the publication of the new key to the first 200, and every
/// answer refusing a new-key token before it.
struct PickUp {
    /// `None` when it never came (within 10 s).
    took: Option<Duration>,
    refused: Vec<Answer>,
    unavailable: usize,
}

/// Publishes key `kid` at the provider and signs with it at once (what a provider that rotates
/// without publishing ahead does), then asks `app` with a new-key token every 20 ms until it
/// answers 200 (10 s at most), and 20 more times, which must all be 200.
async fn rotate<S, R, B>(
    app: &S,
    request: impl Fn(&str) -> R,
    (keys, issuer): (&KeySet, &JwtManager),
    kid: &str,
    pem: &str,
) -> PickUp
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    keys.insert_private_pem(kid, Algorithm::RS256, pem).unwrap();
    keys.set_current(kid).unwrap();
    let published = Instant::now();
    let token = issuer.create_access_token("username").finish().unwrap();
    let mut refused = Vec::new();
    let mut unavailable = 0;
    let mut took = None;
    while published.elapsed() < Duration::from_secs(10) {
        let answer = ask(app, request(&token)).await;
        match answer.status {
            200 => {
                took = Some(published.elapsed());
                break;
            }
            503 => {
                assert!(answer.retry_after.is_some_and(|s| s >= 1), "{answer:?}");
                unavailable += 1;
            }
            _ => refused.push(answer),
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..20 {
        if took.is_none() {
            break;
        }
        let answer = ask(app, request(&token)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    PickUp {
        took,
        refused,
        unavailable,
    }
}

// The provider rotates: publishes a new key and signs with it at once. With the default
// settings, every request with a new-key token is answered 200 within the refetch interval
// (plus a second of slack for a loaded machine), and none is refused with a 4xx meanwhile:
// clients take a 4xx for "log out". A 503 with `Retry-After` ("come back") is allowed.
#[actix_web::test]
async fn rotation_without_refusals() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = JwksSource::new(&provider.url).unwrap();
    assert_eq!(source.refresh().await, Ok(1));
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let to_protected = |token: &str| get_with("/protected", token).to_request();
    // The second rotation follows the first's fetch at once: the worst case of the interval.
    for (kid, pem) in [("p2", RSA_B_PRIVATE), ("p3", RSA_A_PRIVATE)] {
        let pick_up = rotate(&app, to_protected, (&keys, &issuer), kid, pem).await;
        assert!(pick_up.refused.is_empty(), "{kid}: {:?}", pick_up.refused);
        assert!(
            pick_up
                .took
                .is_some_and(|took| took < Duration::from_secs(6)),
            "{kid} took {:?}",
            pick_up.took
        );
    }
    provider.handle.stop(false).await;
}

/// A token with a made-up `kid` in a header of its own and a borrowed signature: a verifier
/// that lacks the `kid` never reaches the signature, and no signing per token keeps a flood
/// cheap to make.
fn made_up(kid: &str) -> String {
    static FORGED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let forged = FORGED.get_or_init(|| forged("k"));
    let rest = &forged[forged.find('.').unwrap()..];
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid}).to_string();
    format!("{}{rest}", b64url(header.as_bytes()))
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

// 10,000 requests with made-up `kid`s, in waves of 500 concurrent ones: with the default
// settings (a fetch per 5 s at most) they cause at most one fetch per 5 s begun of the flood,
// and each is answered 422 (a fetch after it arrived lacks its `kid`) or 503 with
// `Retry-After`.
#[actix_web::test]
async fn unknown_kid_flood_fetches_at_most_once_per_gap() {
    const GAP: Duration = Duration::from_secs(5);
    let (keys, _issuer) = issuer();
    let provider = Provider::start(keys);
    let source = JwksSource::new(&provider.url).unwrap();
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let started = Instant::now();
    let (mut unknown, mut unavailable) = (0, 0);
    for wave in 0..20 {
        let tokens: Vec<String> = (0..500).map(|i| made_up(&format!("k{wave}-{i}"))).collect();
        let answers = join_all(
            tokens
                .iter()
                .map(|token| ask(&app, get_with("/protected", token).to_request())),
        )
        .await;
        for answer in answers {
            match answer.status {
                422 => {
                    assert_eq!(answer.body, json!({ "msg": UNKNOWN_KID }));
                    unknown += 1;
                }
                503 => {
                    assert_eq!(answer.body, json!({ "msg": KEYS_UNAVAILABLE }));
                    assert!(answer.retry_after.is_some_and(|s| (1..=5).contains(&s)));
                    unavailable += 1;
                }
                _ => panic!("{answer:?}"),
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    }
    let elapsed = started.elapsed();
    let fetches = source.fetches() - 1;
    let allowed = elapsed.as_secs() / GAP.as_secs() + 1;
    println!(
        "flood: 10000 made-up kids in {elapsed:?}: {fetches} fetches ({allowed} allowed), \
         {unknown} answered 422, {unavailable} answered 503"
    );
    assert!(fetches <= allowed, "{fetches} fetches, {allowed} allowed");
    assert_eq!(
        provider.hits.load(Ordering::SeqCst) as u64,
        source.fetches()
    );
    provider.handle.stop(false).await;
}

// Concurrent requests with a new `kid` all wait for the one fetch under way, which brings
// the key: one fetch, however many waiters, even with no rate limit at all.
#[actix_web::test]
async fn concurrent_waiters_share_one_fetch() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_secs(300), Duration::ZERO);
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token = issuer.create_access_token("username").finish().unwrap();
    // A slow provider: every waiter arrives while the fetch is under way.
    provider.delay_ms.store(300, Ordering::SeqCst);
    let answers =
        join_all((0..200).map(|_| ask(&app, get_with("/protected", &token).to_request()))).await;
    for answer in &answers {
        assert_eq!((answer.status, &answer.body), (200, &json!({"foo": "bar"})));
    }
    assert_eq!(
        provider.hits.load(Ordering::SeqCst),
        2,
        "one fetch for 200 waiters"
    );
    assert_eq!(source.fetches(), 2);
    // Explicit refreshes share a fetch under way too.
    let (first, second) = futures_util::future::join(source.refresh(), source.refresh()).await;
    assert_eq!((first, second), (Ok(2), Ok(2)));
    assert_eq!(provider.hits.load(Ordering::SeqCst), 3);
    provider.handle.stop(false).await;
}

// The keys serve for the response's `Cache-Control: max-age`, clamped to the bounds: a key the
// provider publishes ahead of use is fetched by the refresh that falls due, before its first
// token, which then needs no fetch.
#[actix_web::test]
async fn cache_control_max_age_is_honoured() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    *provider.cache_control.lock().unwrap() = Some("public, max-age=1".into());
    // The schedule never fetches more often than the gap: shortened with the low bound.
    let source = JwksSource::builder(&provider.url)
        .max_age_bounds(Duration::from_millis(500), Duration::from_secs(3600))
        .min_refresh_gap(Duration::from_millis(200))
        .build()
        .unwrap();
    source.refresh().await.unwrap();
    assert_eq!(source.lifetime(), Some(Duration::from_secs(1)));
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let token1 = issuer.create_access_token("username").finish().unwrap();

    // The provider publishes its next key, not signing with it yet.
    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    let ask1 = || ask(&app, get_with("/protected", &token1).to_request());
    assert_eq!(ask1().await.status, 200);
    assert_eq!(source.fetches(), 1, "not due yet");
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    // Due: answered from the cache, refreshed in the background.
    assert_eq!(ask1().await.status, 200);
    for _ in 0..50 {
        if source.kids().len() == 2 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(source.kids(), ["p1", "p2"]);
    assert_eq!(source.fetches(), 2);
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    assert_eq!(
        ask(&app, get_with("/protected", &token2).to_request())
            .await
            .status,
        200
    );
    assert_eq!(
        source.fetches(),
        2,
        "the first new-key token needs no fetch"
    );

    // The bounds: the provider's word within them, the interval when it says nothing.
    for (header, lifetime) in [
        (Some("no-cache"), Duration::from_millis(500)),
        (Some("max-age=0"), Duration::from_millis(500)),
        (
            Some("public, max-age=600, must-revalidate"),
            Duration::from_secs(600),
        ),
        (Some("max-age=31536000"), Duration::from_secs(3600)),
        (None, Duration::from_secs(300)),
    ] {
        *provider.cache_control.lock().unwrap() = header.map(str::to_owned);
        source.refresh().await.unwrap();
        assert_eq!(source.lifetime(), Some(lifetime), "{header:?}");
    }
    // The default bounds: 1 minute to 24 hours.
    let defaults = JwksSource::new(&provider.url).unwrap();
    for (header, lifetime) in [
        ("max-age=1", Duration::from_secs(60)),
        ("max-age=31536000", Duration::from_secs(24 * 60 * 60)),
    ] {
        *provider.cache_control.lock().unwrap() = Some(header.into());
        defaults.refresh().await.unwrap();
        assert_eq!(defaults.lifetime(), Some(lifetime), "{header}");
    }
    let err = JwksSource::builder(&provider.url)
        .max_age_bounds(Duration::from_secs(60), Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert_eq!(err.option, "JWKS max_age_bounds");
    provider.handle.stop(false).await;
}

// The provider goes down mid-run: tokens of cached keys keep verifying (the refreshes that fall
// due fail), a token whose key is not cached gets 503 with `Retry-After`, never a 422, and once
// the provider is back the new key is accepted.
#[actix_web::test]
async fn outage_keeps_cached_keys_and_answers_503_with_retry_after() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_millis(200), Duration::from_millis(500));
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let token1 = issuer.create_access_token("username").finish().unwrap();

    provider.down.store(true, Ordering::SeqCst);
    keys.insert_private_pem("p2", Algorithm::RS256, RSA_B_PRIVATE)
        .unwrap();
    keys.set_current("p2").unwrap();
    let token2 = issuer.create_access_token("username").finish().unwrap();
    for _ in 0..10 {
        let answer = ask(&app, get_with("/protected", &token1).to_request()).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    for token in [&token2, &made_up("p9")] {
        let answer = ask(&app, get_with("/protected", token).to_request()).await;
        assert_eq!(
            (answer.status, &answer.body),
            (503, &json!({ "msg": KEYS_UNAVAILABLE })),
        );
        assert!(answer.retry_after.is_some_and(|s| s >= 1), "{answer:?}");
    }
    assert!(source.last_error().unwrap().contains("503"));
    assert_eq!(source.kids(), ["p1"]);
    assert_eq!(
        ask(&app, get_with("/protected", &token1).to_request())
            .await
            .status,
        200
    );

    provider.down.store(false, Ordering::SeqCst);
    let back = Instant::now();
    loop {
        let answer = ask(&app, get_with("/protected", &token2).to_request()).await;
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503, "{answer:?}");
        assert!(answer.retry_after.is_some(), "{answer:?}");
        assert!(back.elapsed() < Duration::from_secs(5), "{answer:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(source.last_error(), None);
    provider.handle.stop(false).await;
}

// The figures of issue 20's rotation without refusals: 20 rotations with the default
// settings, each published at another point of the refetch interval; prints the pick-up times
// (publication to first 200) and the refusals. A measurement, not a check: run it with
// `cargo test --test it jwks::rotation_pick_up_figures -- --ignored --nocapture`.
#[actix_web::test]
#[ignore = "a measurement of about a minute and a half"]
async fn rotation_pick_up_figures() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = JwksSource::new(&provider.url).unwrap();
    source.refresh().await.unwrap();
    let jwt = verifier(&source);
    let app = init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let to_protected = |token: &str| get_with("/protected", token).to_request();
    let mut took = Vec::new();
    let mut refused = 0;
    for i in 0..20u32 {
        // From right after the last fetch to 4.75 s later, by quarter seconds.
        actix_web::rt::time::sleep(Duration::from_millis(u64::from(i) * 250)).await;
        let (kid, pem) = match i % 2 {
            0 => (format!("r{i}"), RSA_B_PRIVATE),
            _ => (format!("r{i}"), RSA_A_PRIVATE),
        };
        let pick_up = rotate(&app, to_protected, (&keys, &issuer), &kid, pem).await;
        println!(
            "rotation {i:2}: {:?} to the first 200, {} answered 503, {} refused",
            pick_up.took,
            pick_up.unavailable,
            pick_up.refused.len()
        );
        refused += pick_up.refused.len();
        took.push(pick_up.took.expect("picked up"));
    }
    took.sort();
    println!(
        "pick-up over 20 rotations: median {:?}, worst {:?}; {refused} refused; {} fetches",
        (took[9] + took[10]) / 2,
        took[19],
        source.fetches()
    );
    assert_eq!(refused, 0);
    provider.handle.stop(false).await;
}

// One HTTP client per source: its fetches share one kept-alive connection, where a client per
// fetch would open a connection each time.
#[actix_web::test]
async fn fetches_reuse_one_connection() {
    let (keys, _) = issuer();
    let provider = Provider::start(keys);
    let source = provider.source(Duration::from_secs(300), Duration::from_secs(5));
    for _ in 0..5 {
        assert_eq!(source.refresh().await, Ok(1));
    }
    assert_eq!(provider.hits.load(Ordering::SeqCst), 5);
    assert_eq!(provider.connections.load(Ordering::SeqCst), 1);
    // A second source has a client of its own.
    let other = provider.source(Duration::from_secs(300), Duration::from_secs(5));
    assert_eq!(other.refresh().await, Ok(1));
    assert_eq!(source.refresh().await, Ok(1));
    assert_eq!(provider.connections.load(Ordering::SeqCst), 2);
    provider.handle.stop(false).await;
}

// The app's own client serves the fetches, made once on this thread.
#[actix_web::test]
async fn app_supplied_http_client() {
    let (keys, _) = issuer();
    let provider = Provider::start(keys);
    let made = Arc::new(AtomicUsize::new(0));
    let counter = made.clone();
    let source = JwksSource::builder(&provider.url)
        .http_client(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            awc::Client::builder().disable_redirects().finish()
        })
        .build()
        .unwrap();
    assert_eq!(source.refresh().await, Ok(1));
    assert_eq!(source.refresh().await, Ok(1));
    assert_eq!(made.load(Ordering::SeqCst), 1);
    assert_eq!(provider.connections.load(Ordering::SeqCst), 1);
    provider.handle.stop(false).await;
}

// A root certificate that is not one is a start-up error naming the option.
#[test]
fn bad_root_certificate_is_a_config_error() {
    let err = JwksSource::builder("https://idp.example/jwks.json")
        .root_certificate(b"not a certificate".to_vec())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("JWKS root_certificate"), "{err}");
}

// RFC 9068 §4: with `require_typ("at+jwt")`, the provider's ID token (same keys, same `iss`,
// `aud` = this API's client id, `typ: JWT`) is refused, as is a token without `typ`; its
// access token (`typ: at+jwt`, in any case or as `application/at+jwt`) is accepted.
#[actix_web::test]
async fn required_typ_refuses_id_tokens() {
    let (keys, issuer) = issuer();
    let provider = Provider::start(keys.clone());
    let source = provider.source(Duration::from_secs(300), Duration::from_secs(5));
    let jwt = JwtManager::builder(api())
        .jwks(source)
        .require_typ("at+jwt")
        .ignore_registered_loaders()
        .build()
        .unwrap();
    let typed = |typ: &str| {
        issuer
            .create_access_token("alice")
            .additional_headers(json!({ "typ": typ }))
            .finish()
            .unwrap()
    };
    let refused = json!({"msg": "Invalid \"typ\" header: expected \"at+jwt\""});
    let id_token = issuer.create_access_token("alice").finish().unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &id_token).await,
        (422, refused.clone())
    );
    assert_eq!(
        get_protected(&jwt, protected, &typed("dpop+jwt")).await,
        (422, refused.clone())
    );
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.kid = Some("p1".into());
    header.typ = None;
    let claims = json!({"sub": "alice", "aud": API});
    let key = EncodingKey::from_rsa_pem(RSA_A_PRIVATE.as_bytes()).unwrap();
    let untyped = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(
        get_protected(&jwt, protected, &untyped).await,
        (422, refused)
    );
    for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
        assert_eq!(
            get_protected(&jwt, protected, &typed(typ)).await,
            (200, json!({"foo": "bar"})),
            "{typ}"
        );
    }
    // Without the option the ID token passes: nothing else tells them apart.
    assert_eq!(
        get_protected(
            &verifier(&provider.source(Duration::from_secs(300), Duration::from_secs(5))),
            protected,
            &id_token
        )
        .await
        .0,
        200
    );
    provider.handle.stop(false).await;
}
