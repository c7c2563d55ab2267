//! The docs' flows of Flask-JWT-Extended's `jwt_locations.py` and `implicit_refresh.py`,
//! replayed against our ports in `examples/`: the very same app (`configure` + `jwt_manager()`)
//! through actix's test service. Docs examples, not upstream test cases: no upstream test
//! name, except where noted.

use std::time::{Duration, SystemTime};

use actix_web::cookie::Cookie;
use actix_web::http::header::COOKIE;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::json;

use crate::support::cookies::{call, Jar};
use crate::support::examples::{implicit_refresh, jwt_locations};
use crate::support::{example_app, now};

// ---------------------------------------------------------------------------------------------
// jwt_locations

const ALL_MISSING: &str = "Missing JWT in headers, cookies, json or query_string (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Invalid content-type. Must be application/json.; Missing 'jwt' query paramater)";

#[actix_web::test]
async fn jwt_locations_browser_flow() {
    let app = example_app!(jwt_locations, jwt_locations::jwt_manager());
    let mut jar = Jar::default();

    let reply = call!(app, TestRequest::post().uri("/login_with_cookies"));
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"msg": "login successful"}));
    assert_eq!(reply.set_cookies.len(), 2);
    let access = reply
        .set_cookie("access_token_cookie")
        .expect("access cookie");
    assert_eq!(access.http_only(), Some(true));
    // The example serves plain HTTP on localhost: no `Secure`.
    assert_ne!(access.secure(), Some(true));
    let csrf_cookie = reply.set_cookie("csrf_access_token").expect("CSRF cookie");
    assert_ne!(
        csrf_cookie.http_only(),
        Some(true),
        "JavaScript must read it"
    );
    jar.store(&reply);
    let csrf = jar.0["csrf_access_token"].clone();

    // A state-changing request: the page's JavaScript copies the CSRF cookie into the header.
    let req = TestRequest::post()
        .uri("/protected")
        .insert_header(("X-CSRF-TOKEN", csrf.clone()));
    let reply = call!(app, jar.attach(req));
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, json!({"foo": "bar"}))
    );

    // A forged cross-site POST carries the cookies but cannot read the CSRF cookie.
    let reply = call!(app, jar.attach(TestRequest::post().uri("/protected")));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));
    let req = TestRequest::post()
        .uri("/protected")
        .insert_header(("X-CSRF-TOKEN", "guessed"));
    let reply = call!(app, jar.attach(req));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({"msg": "CSRF double submit tokens do not match"})
    );

    // GET needs no CSRF value.
    let reply = call!(app, jar.attach(TestRequest::get().uri("/protected")));
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, json!({"foo": "bar"}))
    );

    // `/only_headers` ignores the cookie.
    let reply = call!(app, jar.attach(TestRequest::get().uri("/only_headers")));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"msg": "Missing Authorization Header"}));

    let req = TestRequest::post()
        .uri("/logout_with_cookies")
        .insert_header(("X-CSRF-TOKEN", csrf));
    let reply = call!(app, jar.attach(req));
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"msg": "logout successful"}));
    // Access and refresh cookies with their CSRF cookies, emptied and expired.
    assert_eq!(reply.set_cookies.len(), 4);
    for cookie in reply.parsed_cookies() {
        assert_eq!(cookie.value(), "", "{}", cookie.name());
        assert_eq!(
            cookie.expires_datetime().map(|at| at.unix_timestamp()),
            Some(0),
            "{}",
            cookie.name()
        );
    }
    jar.store(&reply);
    assert!(jar.0.is_empty(), "{:?}", jar.0);

    let reply = call!(app, jar.attach(TestRequest::get().uri("/protected")));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({ "msg": ALL_MISSING }));
}

#[actix_web::test]
async fn jwt_locations_without_cookies() {
    let app = example_app!(jwt_locations, jwt_locations::jwt_manager());

    let reply = call!(app, TestRequest::post().uri("/login_without_cookies"));
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.set_cookies.is_empty());
    let token = reply.body["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let foo_bar = (StatusCode::OK, json!({"foo": "bar"}));

    let req = TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")));
    let reply = call!(app, req);
    assert_eq!((reply.status, reply.body), foo_bar);

    let req = TestRequest::post()
        .uri("/protected")
        .set_json(json!({ "access_token": token }));
    let reply = call!(app, req);
    assert_eq!((reply.status, reply.body), foo_bar);

    let reply = call!(
        app,
        TestRequest::get().uri(&format!("/protected?jwt={token}"))
    );
    assert_eq!((reply.status, reply.body), foo_bar);

    let req = TestRequest::get()
        .uri("/only_headers")
        .insert_header(("Authorization", format!("Bearer {token}")));
    let reply = call!(app, req);
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, json!({"foo": "baz"}))
    );
    let reply = call!(
        app,
        TestRequest::get().uri(&format!("/only_headers?jwt={token}"))
    );
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let reply = call!(app, TestRequest::get().uri("/protected"));
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::UNAUTHORIZED, json!({ "msg": ALL_MISSING }))
    );
    // The routes keep Flask's methods.
    let reply = test::call_service(
        &app,
        TestRequest::get().uri("/login_with_cookies").to_request(),
    )
    .await;
    assert_eq!(reply.status(), StatusCode::METHOD_NOT_ALLOWED);
}

// ---------------------------------------------------------------------------------------------
// implicit_refresh

/// An access cookie for `example_user` that expires in `lifetime`.
fn cookie_expiring_in(
    jwt: &actix_jwt_extended::JwtManager,
    lifetime: Duration,
) -> (&'static str, String) {
    let token = jwt
        .create_access_token("example_user")
        .expires_in(lifetime)
        .finish()
        .unwrap();
    ("Cookie", format!("access_token_cookie={token}"))
}

#[actix_web::test]
async fn implicit_refresh_renews_a_token_close_to_expiry() {
    let jwt = implicit_refresh::jwt_manager();
    let app = example_app!(implicit_refresh, jwt.clone());

    for minutes in [1, 10, 29] {
        let req = TestRequest::get()
            .uri("/protected")
            .insert_header(cookie_expiring_in(&jwt, Duration::from_secs(minutes * 60)));
        let reply = call!(app, req);
        assert_eq!(
            (reply.status, &reply.body),
            (StatusCode::OK, &json!({"foo": "bar"}))
        );
        assert_eq!(
            reply.set_cookies.len(),
            2,
            "{minutes} min: {:?}",
            reply.set_cookies
        );
        let renewed = reply
            .set_cookie("access_token_cookie")
            .unwrap_or_else(|| panic!("{minutes} min: no renewed cookie"));
        let claims = jwt
            .decode_token(renewed.value(), false)
            .expect("valid new token");
        assert_eq!(claims.sub(), Some("example_user"));
        // A full new lifetime: one hour from now.
        let exp = claims.exp().expect("exp");
        assert!((exp - now() - 3600).abs() <= 5, "exp {exp}");
        // Its CSRF cookie comes along, matching the new token.
        assert_eq!(
            reply
                .set_cookie("csrf_access_token")
                .as_ref()
                .map(Cookie::value),
            claims.csrf()
        );
    }
}

#[actix_web::test]
async fn implicit_refresh_keeps_a_fresh_token() {
    let jwt = implicit_refresh::jwt_manager();
    let app = example_app!(implicit_refresh, jwt.clone());

    for minutes in [31, 60] {
        let req = TestRequest::get()
            .uri("/protected")
            .insert_header(cookie_expiring_in(&jwt, Duration::from_secs(minutes * 60)));
        let reply = call!(app, req);
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.set_cookies.is_empty(),
            "{minutes} min: {:?}",
            reply.set_cookies
        );
    }

    // A login cookie is a full hour's: the next request keeps it.
    let mut jar = Jar::default();
    let reply = call!(app, TestRequest::post().uri("/login"));
    assert_eq!(reply.body, json!({"msg": "login successful"}));
    jar.store(&reply);
    let reply = call!(app, jar.attach(TestRequest::get().uri("/protected")));
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.set_cookies.is_empty(), "{:?}", reply.set_cookies);
}

#[actix_web::test]
async fn implicit_refresh_leaves_errors_and_logout_alone() {
    let jwt = implicit_refresh::jwt_manager();
    let app = example_app!(implicit_refresh, jwt.clone());

    // No cookie, an expired one, one signed with another key: refused, nothing renewed.
    let reply = call!(app, TestRequest::get().uri("/protected"));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.set_cookies.is_empty());

    let expired = jwt
        .create_access_token("example_user")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    let req = TestRequest::get()
        .uri("/protected")
        .insert_header((COOKIE, format!("access_token_cookie={expired}")));
    let reply = call!(app, req);
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"})
        )
    );
    assert!(reply.set_cookies.is_empty());

    let other = actix_jwt_extended::JwtManager::new(actix_jwt_extended::JwtConfig {
        secret_key: Some("another-secret".into()),
        ..actix_jwt_extended::JwtConfig::default()
    })
    .unwrap();
    let req = TestRequest::get()
        .uri("/protected")
        .insert_header(cookie_expiring_in(&other, Duration::from_secs(60)));
    let reply = call!(app, req);
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.set_cookies.is_empty());

    // Logging out with a token close to expiry deletes the cookies and sets none back.
    let (_, cookie) = cookie_expiring_in(&jwt, Duration::from_secs(60));
    let csrf = {
        let token = cookie.trim_start_matches("access_token_cookie=");
        jwt.decode_token(token, false)
            .unwrap()
            .csrf()
            .unwrap()
            .to_owned()
    };
    let req = TestRequest::post()
        .uri("/logout")
        .insert_header((COOKIE, cookie))
        .insert_header(("X-CSRF-TOKEN", csrf));
    let reply = call!(app, req);
    assert_eq!(reply.body, json!({"msg": "logout successful"}));
    assert_eq!(reply.set_cookies.len(), 4);
    assert!(
        reply.parsed_cookies().iter().all(|c| c.value().is_empty()),
        "{:?}",
        reply.set_cookies
    );
}
