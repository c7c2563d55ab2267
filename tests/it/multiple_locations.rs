//! Ports of upstream `tests/test_multiple_token_locations.py` and the not-found message over
//! all four locations, each on upstream's two apps: all four locations in
//! `JWT_TOKEN_LOCATION`, and `[headers]` in the config with the four listed on the route.

use actix_jwt_extended::{
    create_access_token, get_jwt_request_location, jwt_required, JwtConfig, JwtCookies, JwtError,
    JwtManager, TokenLocation,
};
use actix_web::http::header::COOKIE;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use serde_json::{json, Value};

use crate::support::cookies;
use crate::support::{bearer, config, send};

use TokenLocation::{Cookies, Headers, Json, QueryString};

async fn cookie_login() -> Result<HttpResponse, JwtError> {
    let token = create_access_token("username").finish()?;
    let mut resp = HttpResponse::Ok();
    resp.set_access_cookies(&token)?;
    Ok(resp.json(json!({"login": true})))
}

fn located() -> HttpResponse {
    let location = get_jwt_request_location().map(TokenLocation::as_str);
    HttpResponse::Ok().json(json!({"foo": "bar", "location": location}))
}

/// Upstream's `app`: the locations come from the config.
#[jwt_required]
async fn config_protected() -> HttpResponse {
    located()
}

/// Upstream's `app_with_locations`: the route lists all four.
#[jwt_required(locations = ["headers", "cookies", "query_string", "json"])]
async fn route_protected() -> HttpResponse {
    located()
}

// `test_no_jwt_in_request` and the two `test_order_of_jwt_locations*` on route-level lists
// too (upstream changes only the config).
#[jwt_required(locations = ["cookies", "headers"])]
async fn cookies_headers() -> HttpResponse {
    located()
}

#[jwt_required(locations = ["headers", "cookies"])]
async fn headers_cookies() -> HttpResponse {
    located()
}

#[jwt_required(locations = ["json", "query_string"])]
async fn json_query_string() -> HttpResponse {
    located()
}

/// Which of upstream's two apps.
#[derive(Clone, Copy, Debug)]
enum Variant {
    Config,
    Route,
}

const VARIANTS: [Variant; 2] = [Variant::Config, Variant::Route];

fn routes(variant: Variant) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let protected = match variant {
            Variant::Config => web::resource("/protected")
                .route(web::get().to(config_protected))
                .route(web::post().to(config_protected)),
            Variant::Route => web::resource("/protected")
                .route(web::get().to(route_protected))
                .route(web::post().to(route_protected)),
        };
        cfg.route("/cookie_login", web::get().to(cookie_login))
            .service(protected)
            .route("/cookies_headers", web::get().to(cookies_headers))
            .route("/headers_cookies", web::get().to(headers_cookies))
            .route("/json_query_string", web::get().to(json_query_string));
    }
}

fn variant_config(variant: Variant) -> JwtConfig {
    let token_location = match variant {
        Variant::Config => vec![Headers, Cookies, QueryString, Json],
        Variant::Route => vec![Headers],
    };
    JwtConfig {
        token_location,
        ..config()
    }
}

/// The app of `$variant` over `$config`, as a test service.
macro_rules! app {
    ($variant:expr, $config:expr) => {{
        let jwt = JwtManager::new($config).expect("valid config");
        test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt)
                .configure(routes($variant)),
        )
        .await
    }};
    ($variant:expr) => {
        app!($variant, variant_config($variant))
    };
}

/// Logs in through `/cookie_login` and returns the `Cookie` header a browser would send back.
macro_rules! cookie_login {
    ($app:expr) => {{
        let reply = cookies::call!($app, TestRequest::get().uri("/cookie_login"));
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.set_cookies.len(), 2, "{:?}", reply.set_cookies);
        let header = reply
            .parsed_cookies()
            .iter()
            .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
            .collect::<Vec<_>>()
            .join("; ");
        (COOKIE, header)
    }};
}

fn token() -> String {
    JwtManager::new(config())
        .unwrap()
        .create_access_token("username")
        .finish()
        .unwrap()
}

fn found_in(location: &str) -> (StatusCode, Value) {
    (StatusCode::OK, json!({"foo": "bar", "location": location}))
}

// Upstream `test_header_access`.
#[actix_web::test]
async fn test_header_access() {
    for variant in VARIANTS {
        let app = app!(variant);
        let req = TestRequest::get()
            .uri("/protected")
            .insert_header(bearer(&token()));
        assert_eq!(send!(&app, req), found_in("headers"), "{variant:?}");
    }
}

// Upstream `test_cookie_access`.
#[actix_web::test]
async fn test_cookie_access() {
    for variant in VARIANTS {
        let app = app!(variant);
        let cookie = cookie_login!(app);
        let req = TestRequest::get().uri("/protected").insert_header(cookie);
        assert_eq!(send!(&app, req), found_in("cookies"), "{variant:?}");
    }
}

// Upstream `test_query_string_access`.
#[actix_web::test]
async fn test_query_string_access() {
    for variant in VARIANTS {
        let app = app!(variant);
        let req = TestRequest::get().uri(&format!("/protected?jwt={}", token()));
        assert_eq!(send!(&app, req), found_in("query_string"), "{variant:?}");
    }
}

// Upstream `test_json_access`.
#[actix_web::test]
async fn test_json_access() {
    for variant in VARIANTS {
        let app = app!(variant);
        let req = TestRequest::post()
            .uri("/protected")
            .set_json(json!({"access_token": token()}));
        assert_eq!(send!(&app, req), found_in("json"), "{variant:?}");
    }
}

const COOKIES_HEADERS_MISSING: &str = "Missing JWT in cookies or headers (Missing cookie \"access_token_cookie\"; Missing Authorization Header)";
const JSON_QUERY_MISSING: &str = "Missing JWT in json or query_string (Invalid content-type. Must be application/json.; Missing 'jwt' query paramater)";

// Upstream `test_no_jwt_in_request`: on the config's list, and (beyond upstream) on a route's list.
#[actix_web::test]
async fn test_no_jwt_in_request() {
    let cases = [
        (
            vec![Cookies, Headers],
            "/cookies_headers",
            COOKIES_HEADERS_MISSING,
        ),
        (
            vec![Json, QueryString],
            "/json_query_string",
            JSON_QUERY_MISSING,
        ),
    ];
    for (token_location, route, expected) in cases {
        let expected = (StatusCode::UNAUTHORIZED, json!({ "msg": expected }));
        let app = app!(
            Variant::Config,
            JwtConfig {
                token_location,
                ..config()
            }
        );
        assert_eq!(send!(&app, TestRequest::get().uri("/protected")), expected);

        let app = app!(Variant::Route);
        assert_eq!(send!(&app, TestRequest::get().uri(route)), expected);
    }
}

// Upstream `test_order_of_jwt_locations_in_request`.
#[actix_web::test]
async fn test_order_of_jwt_locations_in_request() {
    for (token_location, route) in [
        (vec![Cookies, Headers], "/cookies_headers"),
        (vec![Headers, Cookies], "/headers_cookies"),
    ] {
        let app = app!(
            Variant::Config,
            JwtConfig {
                token_location,
                ..config()
            }
        );
        let cookie = cookie_login!(app);
        let req = TestRequest::get().uri("/protected").insert_header(cookie);
        assert_eq!(send!(&app, req), found_in("cookies"), "{route}");

        let app = app!(Variant::Route);
        let cookie = cookie_login!(app);
        let req = TestRequest::get().uri(route).insert_header(cookie);
        assert_eq!(send!(&app, req), found_in("cookies"), "{route}");
    }
}

// Upstream `test_order_of_jwt_locations_with_one_invalid_token_in_request`: an invalid token in an
// earlier location is not skipped.
#[actix_web::test]
async fn test_order_of_jwt_locations_with_one_invalid_token_in_request() {
    let corrupted = format!("000000{}", &token()[5..]);
    let invalid = (
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"msg": "Invalid header padding"}),
    );
    for (token_location, route, expected) in [
        (
            vec![Cookies, Headers],
            "/cookies_headers",
            found_in("cookies"),
        ),
        (vec![Headers, Cookies], "/headers_cookies", invalid),
    ] {
        let app = app!(
            Variant::Config,
            JwtConfig {
                token_location,
                ..config()
            }
        );
        let cookie = cookie_login!(app);
        let req = TestRequest::get()
            .uri("/protected")
            .insert_header(cookie)
            .insert_header(bearer(&corrupted));
        assert_eq!(send!(&app, req), expected, "{route}");

        let app = app!(Variant::Route);
        let cookie = cookie_login!(app);
        let req = TestRequest::get()
            .uri(route)
            .insert_header(cookie)
            .insert_header(bearer(&corrupted));
        assert_eq!(send!(&app, req), expected, "{route}");
    }
}

// The not-found message over all four locations: each location's message, in search order.
#[actix_web::test]
async fn test_no_jwt_in_any_of_four_locations() {
    let expected = (
        StatusCode::UNAUTHORIZED,
        json!({"msg": "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Invalid content-type. Must be application/json.)"}),
    );
    for variant in VARIANTS {
        let app = app!(variant);
        assert_eq!(
            send!(&app, TestRequest::get().uri("/protected")),
            expected,
            "{variant:?}"
        );
        // A JSON body without the key changes only the json part of the message.
        let (status, body) = send!(
            &app,
            TestRequest::post()
                .uri("/protected")
                .set_json(json!({"foo": "bar"}))
        );
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body["msg"],
            "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Missing \"access_token\" key in json data.)",
            "{variant:?}"
        );
    }
}

// The first location holding a token wins, the later ones are not looked at.
#[actix_web::test]
async fn test_first_location_wins_over_later_garbage() {
    for variant in VARIANTS {
        let app = app!(variant);
        let req = TestRequest::post()
            .uri("/protected?jwt=garbage")
            .insert_header(bearer(&token()))
            .set_json(json!({"access_token": "garbage"}));
        assert_eq!(send!(&app, req), found_in("headers"), "{variant:?}");

        let req = TestRequest::post()
            .uri(&format!("/protected?jwt={}", token()))
            .set_json(json!({"access_token": "garbage"}));
        assert_eq!(send!(&app, req), found_in("query_string"), "{variant:?}");
    }
}
