//! Ports of upstream `tests/test_view_decorators.py` and cases beyond it (freshness without
//! leeway, the order of the checks, repeated schemes, OPTIONS and HEAD, any user value,
//! `verify_jwt_in_request` without a token): the options of `#[jwt_required]`, the custom
//! response loaders, the order of the pipeline's checks and `verify_jwt_in_request`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    create_access_token, current_user, decode_token, get_jwt_identity, jwt_required, try_get_jwt,
    verify_jwt_in_request, Algorithm, Claims, JwtConfig, JwtError, JwtErrorKind, JwtHeader,
    JwtManager, TokenLocation, VerifyOptions,
};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{get, route, web, App, HttpRequest, HttpResponse};
use serde_json::json;

use crate::support::{
    access, bearer, config, fresh_access, get, get_with, manager, msg, refresh, send_lenient,
    sign_raw, SECRET,
};

// ---------------------------------------------------------------------------------------------
// The upstream fixture's routes.

fn foo(value: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "foo": value }))
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    foo("bar")
}

#[get("/fresh_protected")]
#[jwt_required(fresh)]
async fn fresh_protected() -> HttpResponse {
    foo("bar")
}

#[get("/refresh_protected")]
#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    foo("bar")
}

#[get("/optional_protected")]
#[jwt_required(optional)]
async fn optional_protected() -> HttpResponse {
    if get_jwt_identity().is_some() {
        foo("baz")
    } else {
        foo("bar")
    }
}

#[get("/no_typecheck")]
#[jwt_required(verify_type = false)]
async fn no_typecheck() -> HttpResponse {
    foo("bar")
}

// Upstream `test_override_jwt_location`: the route-level `locations` override. Upstream's third
// route,
// `@jwt_required(locations="INVALID_LOCATION")` → 500 at request time, is a compile error
// here (`unknown location`), covered by the trybuild UI tests, so it has no HTTP test.
#[get("/protected_other")]
#[jwt_required(locations = "headers")]
async fn protected_other() -> HttpResponse {
    foo("bar")
}

// OPTIONS and HEAD are verified like GET; with `exempt_options(true)` OPTIONS runs the
// handler without verification.
#[route(
    "/options_protected",
    method = "GET",
    method = "HEAD",
    method = "OPTIONS"
)]
#[jwt_required]
async fn options_protected() -> HttpResponse {
    match try_get_jwt() {
        Ok(claims) => HttpResponse::Ok().json(json!({ "context": true, "sub": claims.sub() })),
        Err(e) => HttpResponse::Ok().json(json!({
            "context": false,
            "no_context": e.kind() == JwtErrorKind::NoContext,
        })),
    }
}

// Upstream `test_expired_token_via_decode_token` and
// `test_verify_jwt_in_request_returns_decoded_token`: unprotected handlers calling the runtime
// themselves.
#[get("/decode_expired")]
async fn decode_expired() -> Result<HttpResponse, JwtError> {
    let token = create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()?;
    decode_token(&token, false)?;
    Ok(HttpResponse::Ok().json(json!({ "msg": "baz" })))
}

async fn describe_verification(
    req: &HttpRequest,
    payload: web::Payload,
    options: VerifyOptions,
) -> Result<HttpResponse, JwtError> {
    let mut payload = payload.into_inner();
    let verified = verify_jwt_in_request(req, &mut payload, options).await?;
    Ok(HttpResponse::Ok().json(match verified {
        Some(jwt) => json!({
            "verified": true,
            "alg": jwt.header.alg(),
            "sub": jwt.claims.sub(),
            "type": jwt.claims.token_type(),
            "location": jwt.location.as_str(),
        }),
        None => json!({ "verified": false }),
    }))
}

#[route("/protected_custom", method = "GET", method = "OPTIONS")]
async fn protected_custom(
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, JwtError> {
    describe_verification(&req, payload, VerifyOptions::new()).await
}

#[get("/optional_custom")]
async fn optional_custom(
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, JwtError> {
    describe_verification(&req, payload, VerifyOptions::new().optional()).await
}

// The user loaded for the token, whatever its value.
#[get("/user_i32")]
#[jwt_required]
async fn user_i32() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": current_user::<i32>().map(|u| *u) }))
}

#[get("/user_string")]
#[jwt_required]
async fn user_string() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": current_user::<String>().map(|u| (*u).clone()) }))
}

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: &JwtManager = &$jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(protected)
                .service(fresh_protected)
                .service(refresh_protected)
                .service(optional_protected)
                .service(no_typecheck)
                .service(protected_other)
                .service(options_protected)
                .service(decode_expired)
                .service(protected_custom)
                .service(optional_custom)
                .service(user_i32)
                .service(user_string),
        )
        .await
    }};
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn get_auth(uri: &str, authorization: &str) -> TestRequest {
    get(uri).insert_header(("Authorization", authorization.to_owned()))
}

fn expired_access(jwt: &JwtManager) -> String {
    jwt.create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap()
}

/// What a token-receiving loader saw: `alg` header, `sub` and `type` claims.
type Seen = Arc<Mutex<Vec<(Option<String>, Option<String>, String)>>>;

fn record(seen: &Seen, header: &JwtHeader, claims: &Claims) {
    seen.lock().unwrap().push((
        header.alg().map(str::to_owned),
        claims.sub().map(str::to_owned),
        claims.token_type().to_owned(),
    ));
}

fn username_access() -> Vec<(Option<String>, Option<String>, String)> {
    vec![(
        Some("HS256".into()),
        Some("username".into()),
        "access".into(),
    )]
}

fn foobar(status: StatusCode) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "msg": "foobar" }))
}

// ---------------------------------------------------------------------------------------------
// Upstream tests.

// Upstream `test_jwt_required`.
#[actix_web::test]
async fn test_jwt_required() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/protected";

    for token in [access(&jwt), fresh_access(&jwt)] {
        let (status, body) = send_lenient(&app, get_with(url, &token).to_request()).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));
    }

    let (status, body) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let (status, body) = send_lenient(&app, get_with(url, &refresh(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Only non-refresh tokens are allowed")
        )
    );
}

// Upstream `test_fresh_jwt_required`.
#[actix_web::test]
async fn test_fresh_jwt_required() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/fresh_protected";
    let now = SystemTime::now();
    let fresh_timed = jwt
        .create_access_token("username")
        .fresh_for(Duration::from_secs(5 * 60))
        .finish()
        .unwrap();
    let stale_timed = jwt
        .create_access_token("username")
        .fresh_until(now - Duration::from_secs(60))
        .finish()
        .unwrap();

    let (status, body) = send_lenient(&app, get_with(url, &fresh_access(&jwt)).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Fresh token required"))
    );

    let (status, body) = send_lenient(&app, get_with(url, &fresh_timed).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    let (status, body) = send_lenient(&app, get_with(url, &stale_timed).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Fresh token required"))
    );

    let (status, body) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let (status, body) = send_lenient(&app, get_with(url, &refresh(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Only non-refresh tokens are allowed")
        )
    );

    let seen = Seen::default();
    let custom = {
        let seen = Arc::clone(&seen);
        JwtManager::builder(config())
            .needs_fresh_token_loader(move |header, claims| {
                record(&seen, header, claims);
                foobar(StatusCode::CREATED)
            })
            .build()
            .unwrap()
    };
    let app = app!(custom);
    let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
    assert_eq!((status, body), (StatusCode::CREATED, msg("foobar")));
    assert_eq!(*seen.lock().unwrap(), username_access());
}

// Upstream `test_refresh_jwt_required`.
#[actix_web::test]
async fn test_refresh_jwt_required() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/refresh_protected";

    for token in [access(&jwt), fresh_access(&jwt)] {
        let (status, body) = send_lenient(&app, get_with(url, &token).to_request()).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                msg("Only refresh tokens are allowed")
            )
        );
    }

    let (status, body) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let (status, body) = send_lenient(&app, get_with(url, &refresh(&jwt)).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));
}

// Upstream `test_jwt_required_no_typecheck`.
#[actix_web::test]
async fn test_jwt_required_no_typecheck() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/no_typecheck";

    for token in [access(&jwt), fresh_access(&jwt), refresh(&jwt)] {
        let (status, body) = send_lenient(&app, get_with(url, &token).to_request()).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));
    }

    let (status, body) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );
}

// Upstream `test_jwt_optional`.
#[actix_web::test]
async fn test_jwt_optional() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/optional_protected";

    for token in [fresh_access(&jwt), access(&jwt)] {
        let (status, body) = send_lenient(&app, get_with(url, &token).to_request()).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"foo": "baz"})));
    }

    let (status, body) = send_lenient(&app, get_with(url, &refresh(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Only non-refresh tokens are allowed")
        )
    );

    let (status, body) =
        send_lenient(&app, get_with(url, &expired_access(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Token has expired"))
    );
}

// Upstream `test_jwt_optional_with_no_valid_jwt`.
#[actix_web::test]
async fn test_jwt_optional_with_no_valid_jwt() {
    let jwt = manager();
    let app = app!(jwt);
    let url = "/optional_protected";
    let bad_header = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";

    let (status, body) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    let cases = [
        ("basic creds", StatusCode::OK, json!({"foo": "bar"})),
        ("Bearer ", StatusCode::UNPROCESSABLE_ENTITY, msg(bad_header)),
        (
            "Bearer xxx",
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Not enough segments"),
        ),
        (
            "Foo 1, Bar 2, Baz, 3",
            StatusCode::OK,
            json!({"foo": "bar"}),
        ),
        (
            "Foo 1, Bearer, Baz, 3",
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(bad_header),
        ),
        (
            "Foo 1, Bearer 2, Baz, 3",
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Not enough segments"),
        ),
        (
            "Bearer ,,0",
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(bad_header),
        ),
    ];
    for (header, want_status, want_body) in cases {
        let (status, body) = send_lenient(&app, get_auth(url, header).to_request()).await;
        assert_eq!(
            (status, body),
            (want_status, want_body),
            "Authorization: {header:?}"
        );
    }
}

// Upstream `test_override_jwt_location` (the invalid-location route is a compile error, see
// `protected_other`).
#[actix_web::test]
async fn test_override_jwt_location() {
    let jwt = JwtManager::new(JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let token = access(&jwt);

    let (status, body) =
        send_lenient(&app, get_with("/protected_other", &token).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing cookie \"access_token_cookie\"")
        )
    );
}

// Upstream `test_invalid_jwt`.
#[actix_web::test]
async fn test_invalid_jwt() {
    let invalid_token = "aaaaa.bbbbb.ccccc";
    let app = app!(manager());
    let (status, body) =
        send_lenient(&app, get_with("/protected", invalid_token).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Invalid header padding")
        )
    );

    let messages = Arc::new(Mutex::new(Vec::new()));
    let custom = {
        let messages = Arc::clone(&messages);
        JwtManager::builder(config())
            .invalid_token_loader(move |message| {
                messages.lock().unwrap().push(message.to_owned());
                foobar(StatusCode::CREATED)
            })
            .build()
            .unwrap()
    };
    let app = app!(custom);
    let (status, body) =
        send_lenient(&app, get_with("/protected", invalid_token).to_request()).await;
    assert_eq!((status, body), (StatusCode::CREATED, msg("foobar")));
    assert_eq!(*messages.lock().unwrap(), ["Invalid header padding"]);
}

// Upstream `test_jwt_missing_claims`.
#[actix_web::test]
async fn test_jwt_missing_claims() {
    let app = app!(manager());
    let token = sign_raw(&json!({"foo": "bar"}), SECRET);
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg("Missing claim: sub"))
    );
}

// Upstream `test_jwt_invalid_audience`.
#[actix_web::test]
async fn test_jwt_invalid_audience() {
    let no_aud = sign_raw(&json!({"sub": "me"}), SECRET);

    // No audience claim expected or provided: fine.
    let app = app!(manager());
    let (status, body) = send_lenient(&app, get_with("/protected", &no_aud).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    // Audience expected and not provided.
    let jwt = JwtManager::new(JwtConfig {
        decode_audience: Some(vec!["my_audience".into()]),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get_with("/protected", &no_aud).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Token is missing the \"aud\" claim")
        )
    );

    // Audience expected and a different one provided.
    let other = sign_raw(&json!({"aud": "different_audience", "sub": "me"}), SECRET);
    let (status, body) = send_lenient(&app, get_with("/protected", &other).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Audience doesn't match")
        )
    );
}

// Upstream `test_jwt_invalid_issuer`.
#[actix_web::test]
async fn test_jwt_invalid_issuer() {
    let no_iss = sign_raw(&json!({"sub": "me"}), SECRET);

    let app = app!(manager());
    let (status, body) = send_lenient(&app, get_with("/protected", &no_iss).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));

    let jwt = JwtManager::new(JwtConfig {
        decode_issuer: Some("my_issuer".into()),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get_with("/protected", &no_iss).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Token is missing the \"iss\" claim")
        )
    );

    let other = sign_raw(&json!({"iss": "different_issuer", "sub": "me"}), SECRET);
    let (status, body) = send_lenient(&app, get_with("/protected", &other).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg("Invalid issuer"))
    );
}

// Upstream `test_malformed_token`.
#[actix_web::test]
async fn test_malformed_token() {
    let app = app!(manager());
    let (status, body) = send_lenient(&app, get_with("/protected", "foobarbaz").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg("Not enough segments"))
    );
}

// Upstream `test_expired_token`.
#[actix_web::test]
async fn test_expired_token() {
    let jwt = manager();
    let app = app!(jwt);
    let token = expired_access(&jwt);
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Token has expired"))
    );

    let seen = Seen::default();
    let custom = {
        let seen = Arc::clone(&seen);
        JwtManager::builder(config())
            .expired_token_loader(move |header, claims| {
                record(&seen, header, claims);
                foobar(StatusCode::CREATED)
            })
            .build()
            .unwrap()
    };
    let app = app!(custom);
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!((status, body), (StatusCode::CREATED, msg("foobar")));
    assert_eq!(*seen.lock().unwrap(), username_access());
}

// Upstream `test_expired_token_via_decode_token`.
#[actix_web::test]
async fn test_expired_token_via_decode_token() {
    let seen = Seen::default();
    let jwt = {
        let seen = Arc::clone(&seen);
        JwtManager::builder(config())
            .expired_token_loader(move |header, claims| {
                record(&seen, header, claims);
                foobar(StatusCode::UNAUTHORIZED)
            })
            .build()
            .unwrap()
    };
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get("/decode_expired").to_request()).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, msg("foobar")));
    assert_eq!(*seen.lock().unwrap(), username_access());
}

// Upstream `test_no_token`.
#[actix_web::test]
async fn test_no_token() {
    let app = app!(manager());
    let (status, body) = send_lenient(&app, get("/protected").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let messages = Arc::new(Mutex::new(Vec::new()));
    let custom = {
        let messages = Arc::clone(&messages);
        JwtManager::builder(config())
            .unauthorized_loader(move |message| {
                messages.lock().unwrap().push(message.to_owned());
                foobar(StatusCode::CREATED)
            })
            .build()
            .unwrap()
    };
    let app = app!(custom);
    let (status, body) = send_lenient(&app, get("/protected").to_request()).await;
    assert_eq!((status, body), (StatusCode::CREATED, msg("foobar")));
    assert_eq!(*messages.lock().unwrap(), ["Missing Authorization Header"]);
}

// Upstream `test_different_token_algorightm`.
#[actix_web::test]
async fn test_different_token_algorightm() {
    let token = access(&manager());
    let jwt = JwtManager::new(JwtConfig {
        algorithm: Algorithm::HS512,
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("The specified alg value is not allowed")
        )
    );
}

// Upstream `test_verify_jwt_in_request_returns_decoded_token`.
#[actix_web::test]
async fn test_verify_jwt_in_request_returns_decoded_token() {
    let jwt = manager();
    let app = app!(jwt);
    let (status, body) = send_lenient(
        &app,
        get_with("/protected_custom", &access(&jwt)).to_request(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({
                "verified": true,
                "alg": "HS256",
                "sub": "username",
                "type": "access",
                "location": "headers",
            })
        )
    );

    // Its errors are the pipeline's, with the manager's responses.
    let (status, body) = send_lenient(&app, get("/protected_custom").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );
}

// Upstream `test_non_string_identity`.
#[actix_web::test]
async fn test_non_string_identity() {
    let jwt = manager();
    let token = jwt
        .create_access_token(1234)
        .finish()
        .expect("a numeric identity is accepted");
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Subject must be a string")
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Cases beyond upstream's tests.

// Freshness has no leeway, even when decoding has some.
#[actix_web::test]
async fn test_fresh_timestamp_ignores_leeway() {
    let jwt = JwtManager::new(JwtConfig {
        decode_leeway: Duration::from_secs(60),
        ..config()
    })
    .unwrap();
    let app = app!(jwt);
    let stale = jwt
        .create_access_token("username")
        .fresh_until(SystemTime::now() - Duration::from_secs(1))
        .finish()
        .unwrap();
    let (status, body) =
        send_lenient(&app, get_with("/fresh_protected", &stale).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Fresh token required"))
    );

    // The same token is otherwise valid.
    let (status, _) = send_lenient(&app, get_with("/protected", &stale).to_request()).await;
    assert_eq!(status, StatusCode::OK);
}

/// A manager whose blocklist, verification and user loaders answer as told and count their calls.
struct Counted {
    jwt: JwtManager,
    blocklist: Arc<AtomicUsize>,
    verification: Arc<AtomicUsize>,
    user: Arc<AtomicUsize>,
}

fn counted(revoked: bool, verified: bool) -> Counted {
    let blocklist = Arc::new(AtomicUsize::new(0));
    let verification = Arc::new(AtomicUsize::new(0));
    let user = Arc::new(AtomicUsize::new(0));
    let jwt = {
        let (b, v, u) = (
            Arc::clone(&blocklist),
            Arc::clone(&verification),
            Arc::clone(&user),
        );
        JwtManager::builder(config())
            .token_in_blocklist_loader(move |_, _| {
                b.fetch_add(1, Ordering::SeqCst);
                async move { revoked }
            })
            .token_verification_loader(move |_, _| {
                v.fetch_add(1, Ordering::SeqCst);
                async move { verified }
            })
            .user_lookup_loader(move |_, claims| {
                u.fetch_add(1, Ordering::SeqCst);
                let sub = claims.sub().map(str::to_owned);
                async move { sub }
            })
            .build()
            .unwrap()
    };
    Counted {
        jwt,
        blocklist,
        verification,
        user,
    }
}

impl Counted {
    fn calls(&self) -> [usize; 3] {
        [&self.blocklist, &self.verification, &self.user].map(|c| c.load(Ordering::SeqCst))
    }
}

// Fresh → blocklist → verification → user lookup; a failing step stops the pipeline.
#[actix_web::test]
async fn test_order_of_checks() {
    // Non-fresh and revoked, on a fresh route: freshness is reported, the blocklist not asked.
    let c = counted(true, true);
    let app = app!(c.jwt);
    let token = access(&c.jwt);
    let (status, body) =
        send_lenient(&app, get_with("/fresh_protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Fresh token required"))
    );
    assert_eq!(c.calls(), [0, 0, 0]);
    // The blocklist would have said revoked.
    let (status, body) = send_lenient(&app, get_with("/protected", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Token has been revoked"))
    );
    assert_eq!(c.calls(), [1, 0, 0]);

    // Revoked, and the verification loader would refuse: revoked, verification not asked.
    let c = counted(true, false);
    let app = app!(c.jwt);
    let (status, body) =
        send_lenient(&app, get_with("/protected", &access(&c.jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, msg("Token has been revoked"))
    );
    assert_eq!(c.calls(), [1, 0, 0]);

    // Verification refuses: 400, the user loader is not called.
    let c = counted(false, false);
    let app = app!(c.jwt);
    let (status, body) =
        send_lenient(&app, get_with("/protected", &access(&c.jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            msg("User claims verification failed")
        )
    );
    assert_eq!(c.calls(), [1, 1, 0]);

    // Everything passes: each loader once.
    let c = counted(false, true);
    let app = app!(c.jwt);
    let (status, _) =
        send_lenient(&app, get_with("/protected", &access(&c.jwt)).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c.calls(), [1, 1, 1]);
}

// Two `Bearer` pieces are "not found": 401 on a required route, anonymous on an optional one.
#[actix_web::test]
async fn test_two_bearer_pieces() {
    let jwt = manager();
    let app = app!(jwt);
    let header = format!("Bearer {}, Bearer {}", access(&jwt), access(&jwt));
    let (status, body) = send_lenient(&app, get_auth("/protected", &header).to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'")
        )
    );
    let (status, body) =
        send_lenient(&app, get_auth("/optional_protected", &header).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));
}

// The scheme is case-sensitive; a third word is a bad header.
#[actix_web::test]
async fn test_header_scheme_case_and_extra_words() {
    let jwt = manager();
    let app = app!(jwt);
    let token = access(&jwt);

    let (status, body) = send_lenient(
        &app,
        get_auth("/protected", &format!("bearer {token}")).to_request(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'")
        )
    );

    let (status, body) = send_lenient(
        &app,
        get_auth("/protected", &format!("Bearer {token} extra")).to_request(),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")
        )
    );
}

// OPTIONS is verified like GET by default. With Flask's exemption opted into, OPTIONS
// passes even with an invalid token, and the handler runs with an empty context (where Flask's
// `get_jwt()` would raise); HEAD is verified either way.
#[actix_web::test]
async fn test_options_and_head_methods() {
    let url = "/options_protected";
    let options = || {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri(url)
            .insert_header(("Authorization", "Bearer not.a.token"))
    };
    let strict = manager();
    let app = app!(strict);
    let (status, _) = send_lenient(&app, options().to_request()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let jwt = JwtManager::builder(config())
        .exempt_options(true)
        .build()
        .unwrap();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, options().to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"context": true, "sub": null}))
    );

    let req = TestRequest::default().method(Method::HEAD).uri(url);
    let (status, _) = send_lenient(&app, req.to_request()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let req = TestRequest::default()
        .method(Method::HEAD)
        .uri(url)
        .insert_header(bearer(&access(&jwt)));
    let (status, _) = send_lenient(&app, req.to_request()).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"context": true, "sub": "username"}))
    );
}

// Any user the loader returns is a user, even a falsy one.
#[actix_web::test]
async fn test_falsy_users_are_users() {
    let zero = JwtManager::builder(config())
        .user_lookup_loader(|_, _| async { Some(0i32) })
        .build()
        .unwrap();
    let app = app!(zero);
    let (status, body) =
        send_lenient(&app, get_with("/user_i32", &access(&zero)).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"user": 0})));

    let empty = JwtManager::builder(config())
        .user_lookup_loader(|_, _| async { Some(String::new()) })
        .build()
        .unwrap();
    let app = app!(empty);
    let (status, body) =
        send_lenient(&app, get_with("/user_string", &access(&empty)).to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"user": ""})));
}

// `verify_jwt_in_request` returns `None` for optional without a token, and for OPTIONS
// when the manager exempts it.
#[actix_web::test]
async fn test_verify_jwt_in_request_returns_none() {
    let options = || {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/protected_custom")
    };
    let exempting = JwtManager::builder(config())
        .exempt_options(true)
        .build()
        .unwrap();
    let app = app!(exempting);
    let (status, body) = send_lenient(&app, options().to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"verified": false})));

    let jwt = manager();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, options().to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing Authorization Header")
        )
    );

    let (status, body) = send_lenient(&app, get("/optional_custom").to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"verified": false})));

    // Optional with a token verifies it, and still rejects a bad one.
    let (status, body) = send_lenient(
        &app,
        get_with("/optional_custom", &access(&jwt)).to_request(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["verified"], true);
    let (status, body) =
        send_lenient(&app, get_with("/optional_custom", "foobarbaz").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, msg("Not enough segments"))
    );
}

// The token-receiving response loaders get the token's header and claims (upstream's
// `test_custom_blocklisted_message`, `test_custom_user_lookup_errors`, `test_fresh_jwt_required`
// and `test_expired_token` check `alg`/`sub`; `type` is checked here for all of them).
#[actix_web::test]
async fn test_response_loaders_receive_the_token() {
    let seen = Seen::default();
    let jwt = {
        let (f, r, v, l) = (
            Arc::clone(&seen),
            Arc::clone(&seen),
            Arc::clone(&seen),
            Arc::clone(&seen),
        );
        JwtManager::builder(config())
            .needs_fresh_token_loader(move |h, c| {
                record(&f, h, c);
                HttpResponse::build(StatusCode::IM_A_TEAPOT).json(json!({"loader": "fresh"}))
            })
            .revoked_token_loader(move |h, c| {
                record(&r, h, c);
                HttpResponse::build(StatusCode::IM_A_TEAPOT).json(json!({"loader": "revoked"}))
            })
            .token_verification_failed_loader(move |h, c| {
                record(&v, h, c);
                HttpResponse::build(StatusCode::IM_A_TEAPOT).json(json!({"loader": "verification"}))
            })
            .user_lookup_error_loader(move |h, c| {
                record(&l, h, c);
                HttpResponse::build(StatusCode::IM_A_TEAPOT).json(json!({"loader": "user"}))
            })
            // Revoked when the token says so, refused when it says so, no user when it says so.
            .token_in_blocklist_loader(|_, c| async move { c["case"] == "revoked" })
            .token_verification_loader(|_, c| async move { c["case"] != "verification" })
            .user_lookup_loader(|_, c| async move { (c["case"] != "user").then_some(()) })
            .build()
            .unwrap()
    };
    let app = app!(jwt);
    let token = |case: &str| {
        jwt.create_access_token("username")
            .claim("case", case)
            .finish()
            .unwrap()
    };
    let cases = [
        ("/fresh_protected", "fresh"),
        ("/protected", "revoked"),
        ("/protected", "verification"),
        ("/protected", "user"),
    ];
    for (url, case) in cases {
        let (status, body) = send_lenient(&app, get_with(url, &token(case)).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::IM_A_TEAPOT, json!({"loader": case})),
            "{case}"
        );
    }
    assert_eq!(*seen.lock().unwrap(), vec![username_access()[0].clone(); 4]);
}
