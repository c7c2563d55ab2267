//! The context readers (`get_jwt()` and friends, `current_user`): ports of upstream
//! `test_get_jwt_in_non_protected_contexts.py`,
//! `test_get_methods_in_optional_endpoint.py`, `test_options_method.py` and
//! `test_user_lookup.py`, plus empty token values in every location, the request location
//! outside any verification, and the context's life across `.await`s.

use std::any::Any;
use std::panic::{catch_unwind, UnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_jwt_extended::{
    current_user, get_jwt, get_jwt_header, get_jwt_identity, get_jwt_request_location,
    jwt_required, try_current_user, try_get_jwt, try_get_jwt_header, try_get_jwt_identity, Claims,
    JwtError, JwtErrorKind, JwtManager,
};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{get, post, route, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::{access, config, get, get_with, manager, msg, send_lenient};

const NO_CONTEXT: &str =
    "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method";

#[derive(Debug)]
struct User {
    username: String,
}

// ---------------------------------------------------------------------------------------------
// Routes.

/// What each `try_` reader says, as JSON: its error kind and message, or "ok".
fn describe<T>(result: Result<T, JwtError>) -> Value {
    match result {
        Ok(_) => json!("ok"),
        Err(e) => {
            json!({ "no_context": e.kind() == JwtErrorKind::NoContext, "error": e.message() })
        }
    }
}

fn all_readers() -> Value {
    json!({
        "get_jwt": describe(try_get_jwt()),
        "get_jwt_header": describe(try_get_jwt_header()),
        "get_jwt_identity": describe(try_get_jwt_identity()),
        "current_user": describe(try_current_user::<User>()),
        "location": get_jwt_request_location().map(|l| l.as_str()),
    })
}

#[get("/not_protected")]
async fn not_protected() -> HttpResponse {
    HttpResponse::Ok().json(all_readers())
}

#[get("/not_protected_error")]
async fn not_protected_error() -> Result<HttpResponse, JwtError> {
    let claims = try_get_jwt()?;
    Ok(HttpResponse::Ok().json(claims))
}

#[get("/optional_protected")]
#[jwt_required(optional)]
async fn optional_protected() -> HttpResponse {
    let anonymous = get_jwt().is_empty()
        && get_jwt_header().is_empty()
        && get_jwt_identity().is_none()
        && current_user::<User>().is_none()
        && get_jwt_request_location().is_none();
    if anonymous {
        HttpResponse::Ok().json(json!({"foo": "bar"}))
    } else {
        HttpResponse::Ok().json(json!({
            "identity": get_jwt_identity(),
            "location": get_jwt_request_location().map(|l| l.as_str()),
        }))
    }
}

/// "ok" only when the handler runs unverified, as Flask's exempt OPTIONS requests do: here with
/// an empty context, where Flask's `get_jwt()` would raise.
fn ok_without_token() -> HttpResponse {
    match try_get_jwt() {
        Ok(claims) if claims.is_empty() && get_jwt_identity().is_none() => {
            HttpResponse::Ok().body("ok")
        }
        other => HttpResponse::Ok().body(format!("unexpected context: {other:?}")),
    }
}

#[route("/test", method = "GET", method = "OPTIONS")]
#[jwt_required]
async fn options_plain() -> HttpResponse {
    ok_without_token()
}

#[route("/test_refresh", method = "GET", method = "OPTIONS")]
#[jwt_required(refresh)]
async fn options_refresh() -> HttpResponse {
    ok_without_token()
}

#[route("/test_fresh", method = "GET", method = "OPTIONS")]
#[jwt_required(fresh)]
async fn options_fresh() -> HttpResponse {
    ok_without_token()
}

/// Upstream's `get_user1`: `get_current_user()`, with the error caught and returned.
#[get("/get_user1")]
#[jwt_required]
async fn get_user1() -> HttpResponse {
    HttpResponse::Ok().json(match try_current_user::<User>() {
        Ok(user) => json!({ "foo": user.map(|u| u.username.clone()) }),
        Err(e) => json!({ "error": e.message() }),
    })
}

/// Upstream's `get_user2`: `current_user`, whose failure is a panic with Flask's message.
#[get("/get_user2")]
#[jwt_required]
async fn get_user2() -> HttpResponse {
    HttpResponse::Ok().json(match panic_message(current_user::<User>) {
        Ok(user) => json!({ "foo": user.map(|u| u.username.clone()) }),
        Err(message) => json!({ "error": message }),
    })
}

// One route per location, required and optional.
fn who() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "identity": get_jwt_identity(),
        "location": get_jwt_request_location().map(|l| l.as_str()),
    }))
}

#[get("/cookies")]
#[jwt_required(locations = "cookies")]
async fn cookies() -> HttpResponse {
    who()
}

#[get("/cookies_optional")]
#[jwt_required(optional, locations = "cookies")]
async fn cookies_optional() -> HttpResponse {
    who()
}

#[get("/query")]
#[jwt_required(locations = "query_string")]
async fn query() -> HttpResponse {
    who()
}

#[get("/query_optional")]
#[jwt_required(optional, locations = "query_string")]
async fn query_optional() -> HttpResponse {
    who()
}

#[post("/json")]
#[jwt_required(locations = "json")]
async fn json_route() -> HttpResponse {
    who()
}

#[post("/json_optional")]
#[jwt_required(optional, locations = "json")]
async fn json_optional() -> HttpResponse {
    who()
}

#[get("/headers")]
#[jwt_required(locations = "headers")]
async fn headers() -> HttpResponse {
    who()
}

#[get("/headers_optional")]
#[jwt_required(optional, locations = "headers")]
async fn headers_optional() -> HttpResponse {
    who()
}

// The context across `.await`s and in async functions the handler awaits.
async fn read_later(delay_ms: u64) -> (Option<Value>, Claims) {
    actix_web::rt::time::sleep(Duration::from_millis(delay_ms)).await;
    let identity = get_jwt_identity();
    actix_web::rt::task::yield_now().await;
    (identity, get_jwt())
}

#[get("/awaits")]
#[jwt_required]
async fn awaits() -> HttpResponse {
    let before = get_jwt();
    actix_web::rt::time::sleep(Duration::from_millis(2)).await;
    actix_web::rt::task::yield_now().await;
    let after_sleep = get_jwt_identity();
    let (nested_identity, nested_claims) = read_later(3).await;
    let nested_twice = async { read_later(1).await }.await;
    // Spawned tasks do not inherit the context (documented).
    let spawned_has_context = actix_web::rt::spawn(async { try_get_jwt().is_ok() })
        .await
        .unwrap();
    HttpResponse::Ok().json(json!({
        "before": before.sub(),
        "after_sleep": after_sleep,
        "nested": nested_identity,
        "nested_same_jti": nested_claims.jti() == before.jti() && nested_twice.1.jti() == before.jti(),
        "nested_twice": nested_twice.0,
        "header_alg": get_jwt_header().alg(),
        "location": get_jwt_request_location().map(|l| l.as_str()),
        "spawned_has_context": spawned_has_context,
    }))
}

macro_rules! app {
    ($jwt:expr) => {{
        let jwt: &JwtManager = &$jwt;
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(not_protected)
                .service(not_protected_error)
                .service(optional_protected)
                .service(options_plain)
                .service(options_refresh)
                .service(options_fresh)
                .service(get_user1)
                .service(get_user2)
                .service(cookies)
                .service(cookies_optional)
                .service(query)
                .service(query_optional)
                .service(json_route)
                .service(json_optional)
                .service(headers)
                .service(headers_optional)
                .service(awaits),
        )
        .await
    }};
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Runs `f`, turning a panic into its message.
fn panic_message<T>(f: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    catch_unwind(f).map_err(|payload: Box<dyn Any + Send>| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "<non-string panic>".to_owned())
    })
}

/// A manager whose user loader builds a [`User`] from `sub`, or finds none, counting its calls.
fn with_user_loader(found: bool) -> (JwtManager, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let jwt = JwtManager::builder(config())
        .user_lookup_loader(move |_, claims| {
            counter.fetch_add(1, Ordering::SeqCst);
            let user = claims.sub().filter(|_| found).map(|sub| User {
                username: sub.to_owned(),
            });
            async move { user }
        })
        .build()
        .unwrap();
    (jwt, calls)
}

// ---------------------------------------------------------------------------------------------
// Readers outside any verification (upstream's `test_get_jwt_in_non_protected_contexts.py`):
// the `try_` twins say `NoContext` with Flask's message, in a route as anywhere else; the plain
// readers panic with that message.

fn assert_no_context_error<T: std::fmt::Debug>(result: Result<T, JwtError>) {
    let error = result.expect_err("no verification ran");
    assert_eq!(error.kind(), JwtErrorKind::NoContext);
    assert_eq!(error.message(), NO_CONTEXT);
}

fn assert_panics_with_no_context<T: std::fmt::Debug>(f: impl FnOnce() -> T + UnwindSafe) {
    assert_eq!(
        panic_message(f).expect_err("the plain reader panics"),
        NO_CONTEXT
    );
}

#[actix_web::test]
async fn test_readers_in_non_protected_route() {
    let app = app!(manager());
    let no_context = json!({ "no_context": true, "error": NO_CONTEXT });
    let (status, body) = send_lenient(&app, get("/not_protected").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "get_jwt": no_context,
            "get_jwt_header": no_context,
            "get_jwt_identity": no_context,
            "current_user": no_context,
            "location": null,
        })
    );

    // Even with a valid token: nothing verified it.
    let jwt = manager();
    let (_, with_token) =
        send_lenient(&app, get_with("/not_protected", &access(&jwt)).to_request()).await;
    assert_eq!(with_token, body);

    // Returned as an error, it is Flask's uncaught RuntimeError: a 500.
    let (status, body) = send_lenient(&app, get("/not_protected_error").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::INTERNAL_SERVER_ERROR, msg(NO_CONTEXT))
    );
}

// Upstream `test_get_jwt_in_non_protected_route`.
#[test]
fn test_get_jwt_in_non_protected_route() {
    assert_no_context_error(try_get_jwt());
    assert_panics_with_no_context(get_jwt);
}

// Upstream `test_get_jwt_header_in_non_protected_route`.
#[test]
fn test_get_jwt_header_in_non_protected_route() {
    assert_no_context_error(try_get_jwt_header());
    assert_panics_with_no_context(get_jwt_header);
}

// Upstream `test_get_jwt_identity_in_non_protected_route`.
#[test]
fn test_get_jwt_identity_in_non_protected_route() {
    assert_no_context_error(try_get_jwt_identity());
    assert_panics_with_no_context(get_jwt_identity);
}

// Upstream `test_current_user_in_non_protected_route` (`current_user`).
#[test]
fn test_current_user_in_non_protected_route() {
    assert_panics_with_no_context(current_user::<User>);
}

// Upstream `test_get_current_user_in_non_protected_route` (`get_current_user()`: the `try_` twin
// here).
#[test]
fn test_get_current_user_in_non_protected_route() {
    assert_no_context_error(try_current_user::<User>());
}

// Upstream `test_get_jwt_in_optional_route`.
#[actix_web::test]
async fn test_get_jwt_in_optional_route() {
    let (jwt, calls) = with_user_loader(false);
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get("/optional_protected").to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"foo": "bar"})));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the user loader is not called without a token"
    );
}

// ---------------------------------------------------------------------------------------------
// OPTIONS on protected routes (upstream's `test_options_method.py`): with Flask's exemption
// opted into, the handler runs unverified; by default OPTIONS is verified like GET.

async fn options_ok(url: &str) {
    let exempting = JwtManager::builder(config())
        .exempt_options(true)
        .build()
        .unwrap();
    let app = app!(exempting);
    let req = || TestRequest::default().method(Method::OPTIONS).uri(url);
    let (status, body) = send_lenient(&app, req().to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!("ok")),
        "OPTIONS {url}"
    );
    let (status, _) = send_lenient(&app!(manager()), req().to_request()).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "OPTIONS {url}, not exempt"
    );
    // GET on the same route is protected.
    let (status, _) = send_lenient(&app, get(url).to_request()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "GET {url}");
}

// Upstream `test_access_jwt_required_enpoint`.
#[actix_web::test]
async fn test_access_jwt_required_enpoint() {
    options_ok("/test").await;
}

// Upstream `test_access_jwt_refresh_token_required_enpoint`.
#[actix_web::test]
async fn test_access_jwt_refresh_token_required_enpoint() {
    options_ok("/test_refresh").await;
}

// Upstream `test_access_fresh_jwt_required_enpoint`.
#[actix_web::test]
async fn test_access_fresh_jwt_required_enpoint() {
    options_ok("/test_fresh").await;
}

// ---------------------------------------------------------------------------------------------
// User lookup (upstream's `test_user_lookup.py`), each on both routes as upstream.

// Upstream `test_no_user_lookup_loader_specified`.
#[actix_web::test]
async fn test_no_user_lookup_loader_specified() {
    let jwt = manager();
    let app = app!(jwt);
    for url in ["/get_user1", "/get_user2"] {
        let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains("@jwt.user_lookup_loader"), "{url}: {body}");
    }
}

// Upstream `test_load_valid_user`.
#[actix_web::test]
async fn test_load_valid_user() {
    let (jwt, calls) = with_user_loader(true);
    let app = app!(jwt);
    for url in ["/get_user1", "/get_user2"] {
        let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"foo": "username"})),
            "{url}"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// Upstream `test_load_invalid_user`.
#[actix_web::test]
async fn test_load_invalid_user() {
    let (jwt, _) = with_user_loader(false);
    let app = app!(jwt);
    for url in ["/get_user1", "/get_user2"] {
        let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNAUTHORIZED,
                msg("Error loading the user username")
            ),
            "{url}"
        );
    }
}

// Upstream `test_custom_user_lookup_errors`.
#[actix_web::test]
async fn test_custom_user_lookup_errors() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let jwt = {
        let seen = Arc::clone(&seen);
        JwtManager::builder(config())
            .user_lookup_loader(|_, _| async { None::<User> })
            .user_lookup_error_loader(move |header, claims| {
                seen.lock().unwrap().push((
                    header.alg().map(str::to_owned),
                    claims.sub().map(str::to_owned),
                ));
                HttpResponse::Created().json(json!({"foo": "bar"}))
            })
            .build()
            .unwrap()
    };
    let app = app!(jwt);
    for url in ["/get_user1", "/get_user2"] {
        let (status, body) = send_lenient(&app, get_with(url, &access(&jwt)).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::CREATED, json!({"foo": "bar"})),
            "{url}"
        );
    }
    let expected = (Some("HS256".to_owned()), Some("username".to_owned()));
    assert_eq!(*seen.lock().unwrap(), [expected.clone(), expected]);
}

// `current_user::<U>()` with another type than the loader's is an error, not a wrong value.
#[actix_web::test]
async fn test_current_user_of_another_type() {
    let jwt = JwtManager::builder(config())
        .user_lookup_loader(|_, _| async { Some(42u64) })
        .build()
        .unwrap();
    let app = app!(jwt);
    let (status, body) =
        send_lenient(&app, get_with("/get_user1", &access(&jwt)).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("User") && error.contains("user_lookup_loader"),
        "{body}"
    );
}

// ---------------------------------------------------------------------------------------------
// Empty values are "missing" in every location, and anonymous on optional routes.

#[actix_web::test]
async fn test_empty_values_are_missing() {
    let app = app!(manager());
    let anonymous = json!({"identity": null, "location": null});

    type MakeRequest = fn(&str) -> TestRequest;
    let in_cookie = |uri: &str| get(uri).insert_header(("Cookie", "access_token_cookie="));
    let in_query = |uri: &str| get(&format!("{uri}?jwt="));
    let in_json = |uri: &str| {
        TestRequest::post()
            .uri(uri)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(r#"{"access_token": ""}"#)
    };
    let cases: [(&str, MakeRequest, &str); 3] = [
        (
            "/cookies",
            in_cookie,
            "Missing cookie \"access_token_cookie\"",
        ),
        ("/query", in_query, "Missing 'jwt' query paramater"),
        (
            "/json",
            in_json,
            "Missing \"access_token\" key in json data.",
        ),
    ];
    for (url, make, message) in cases {
        let (status, body) = send_lenient(&app, make(url).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, msg(message)),
            "{url}"
        );
        let optional = format!("{url}_optional");
        let (status, body) = send_lenient(&app, make(&optional).to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, anonymous.clone()),
            "{optional}"
        );
    }

    for value in ["", "   ", ",", " ,,, "] {
        let header = |uri: &str| get(uri).insert_header(("Authorization", value));
        let (status, body) = send_lenient(&app, header("/headers").to_request()).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNAUTHORIZED,
                msg("Missing Authorization Header")
            ),
            "{value:?}"
        );
        let (status, body) = send_lenient(&app, header("/headers_optional").to_request()).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, anonymous.clone()),
            "{value:?}"
        );
    }
    // As upstream (`.strip().strip(",")`), whitespace between commas is not trimmed: that value
    // is a header without the `Bearer` scheme, still "not found".
    let header = |uri: &str| get(uri).insert_header(("Authorization", " , ,, "));
    let (status, body) = send_lenient(&app, header("/headers").to_request()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            msg("Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'")
        )
    );
    let (status, body) = send_lenient(&app, header("/headers_optional").to_request()).await;
    assert_eq!((status, body), (StatusCode::OK, anonymous.clone()));

    // An empty JSON body, and one that is not an object, are "missing" too.
    for payload in ["", "[]", "\"x\"", "null"] {
        let req = TestRequest::post()
            .uri("/json")
            .insert_header(("Content-Type", "application/json"))
            .set_payload(payload);
        let (status, body) = send_lenient(&app, req.to_request()).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNAUTHORIZED,
                msg("Missing \"access_token\" key in json data.")
            ),
            "{payload:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// `get_jwt_request_location()` is never an error.

#[test]
fn test_request_location_outside_verification() {
    assert_eq!(get_jwt_request_location(), None);
}

#[actix_web::test]
async fn test_request_location_in_routes() {
    let jwt = manager();
    let app = app!(jwt);
    let token = access(&jwt);

    let (_, body) = send_lenient(&app, get_with("/not_protected", &token).to_request()).await;
    assert_eq!(body["location"], Value::Null);

    let (status, body) = send_lenient(&app, get("/headers_optional").to_request()).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"identity": null, "location": null}))
    );

    let expected = |location: &str| json!({"identity": "username", "location": location});
    let (_, body) = send_lenient(&app, get_with("/headers_optional", &token).to_request()).await;
    assert_eq!(body, expected("headers"));
    let req = get("/cookies").insert_header(("Cookie", format!("access_token_cookie={token}")));
    assert_eq!(
        send_lenient(&app, req.to_request()).await.1,
        expected("cookies")
    );
    let (_, body) = send_lenient(&app, get(&format!("/query?jwt={token}")).to_request()).await;
    assert_eq!(body, expected("query_string"));
    let req = TestRequest::post()
        .uri("/json")
        .set_json(json!({ "access_token": token }));
    assert_eq!(
        send_lenient(&app, req.to_request()).await.1,
        expected("json")
    );
}

// ---------------------------------------------------------------------------------------------
// The context survives `.await`s and reaches the async functions the handler awaits.

#[actix_web::test]
async fn test_readers_after_awaits_and_in_nested_async_fns() {
    let jwt = manager();
    let app = app!(jwt);
    let (status, body) = send_lenient(&app, get_with("/awaits", &access(&jwt)).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "before": "username",
            "after_sleep": "username",
            "nested": "username",
            "nested_same_jti": true,
            "nested_twice": "username",
            "header_alg": "HS256",
            "location": "headers",
            "spawned_has_context": false,
        })
    );
}
