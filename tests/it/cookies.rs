//! Ports of upstream `tests/test_cookies.py`, cases beyond it (CSRF errors that do not fall
//! through, garbage cookies, CSRF-exempt methods, the attributes of unset cookies), and hostile
//! cookie requests: the cookie location, the CSRF double
//! submit check and the `Set-Cookie` headers of the cookie helpers.

use std::time::Duration;

use actix_jwt_extended::{
    create_access_token, create_refresh_token, jwt_required, CookieOptions, JwtConfig, JwtCookies,
    JwtError, JwtManager, TokenLocation,
};
use actix_web::cookie::SameSite;
use actix_web::http::header::COOKIE;
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{web, App, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::support::config;
use crate::support::cookies::{call, Jar, Reply};

// ---------------------------------------------------------------------------------------------
// The upstream fixture: locations `[cookies]`, login routes calling `set_*_cookies`, logout
// routes calling `unset_*`, and protected GET/POST routes for access and refresh tokens.

#[derive(Deserialize)]
struct DomainArg {
    domain: Option<String>,
}

impl DomainArg {
    fn options(&self) -> CookieOptions {
        CookieOptions {
            domain: self.domain.clone(),
            ..CookieOptions::default()
        }
    }
}

async fn access_token(arg: web::Query<DomainArg>) -> Result<HttpResponse, JwtError> {
    let token = create_access_token("username").finish()?;
    let mut resp = HttpResponse::Ok();
    resp.set_access_cookies_with(&token, &arg.options())?;
    Ok(resp.json(json!({"login": true})))
}

async fn refresh_token(arg: web::Query<DomainArg>) -> Result<HttpResponse, JwtError> {
    let token = create_refresh_token("username").finish()?;
    let mut resp = HttpResponse::Ok();
    resp.set_refresh_cookies_with(&token, &arg.options())?;
    Ok(resp.json(json!({"login": true})))
}

/// An explicit `max_age` on the helper.
async fn access_token_max_age() -> Result<HttpResponse, JwtError> {
    let token = create_access_token("username").finish()?;
    let options = CookieOptions {
        max_age: Some(Duration::from_secs(60)),
        domain: None,
    };
    let mut resp = HttpResponse::Ok();
    resp.set_access_cookies_with(&token, &options)?;
    Ok(resp.json(json!({"login": true})))
}

async fn delete_tokens(arg: web::Query<DomainArg>) -> Result<HttpResponse, JwtError> {
    let mut resp = HttpResponse::Ok();
    resp.unset_jwt_cookies(arg.domain.as_deref())?;
    Ok(resp.json(json!({"logout": true})))
}

async fn delete_access_tokens(arg: web::Query<DomainArg>) -> Result<HttpResponse, JwtError> {
    let mut resp = HttpResponse::Ok();
    resp.unset_access_cookies(arg.domain.as_deref())?;
    Ok(resp.json(json!({"access_revoked": true})))
}

async fn delete_refresh_tokens(arg: web::Query<DomainArg>) -> Result<HttpResponse, JwtError> {
    let mut resp = HttpResponse::Ok();
    resp.unset_refresh_cookies(arg.domain.as_deref())?;
    Ok(resp.json(json!({"refresh_revoked": true})))
}

#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[jwt_required(optional)]
async fn optional_post_protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/access_token", web::get().to(access_token))
        .route("/refresh_token", web::get().to(refresh_token))
        .route("/access_token_max_age", web::get().to(access_token_max_age))
        .route("/delete_tokens", web::get().to(delete_tokens))
        .route("/delete_access_tokens", web::get().to(delete_access_tokens))
        .route(
            "/delete_refresh_tokens",
            web::get().to(delete_refresh_tokens),
        )
        .route("/protected", web::get().to(protected))
        .route("/post_protected", web::post().to(protected))
        .route("/refresh_protected", web::get().to(refresh_protected))
        .route("/post_refresh_protected", web::post().to(refresh_protected))
        .route(
            "/optional_post_protected",
            web::post().to(optional_post_protected),
        );
}

/// Upstream's fixture config: secret `foobarbaz`, locations `[cookies]`.
fn cookie_config() -> JwtConfig {
    JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..config()
    }
}

/// The fixture app over `$config`, as a test service.
macro_rules! app {
    ($config:expr) => {{
        let jwt = JwtManager::new($config).expect("valid config");
        test::init_service(App::new().wrap(jwt.clone()).app_data(jwt).configure(routes)).await
    }};
}

/// One parametrisation of upstream's access/refresh cases.
struct Kind {
    auth_url: &'static str,
    cookie_name: &'static str,
    csrf_cookie_name: &'static str,
    get_url: &'static str,
    post_url: &'static str,
    delete_url: &'static str,
}

const KINDS: [Kind; 2] = [
    Kind {
        auth_url: "/access_token",
        cookie_name: "access_token_cookie",
        csrf_cookie_name: "csrf_access_token",
        get_url: "/protected",
        post_url: "/post_protected",
        delete_url: "/delete_access_tokens",
    },
    Kind {
        auth_url: "/refresh_token",
        cookie_name: "refresh_token_cookie",
        csrf_cookie_name: "csrf_refresh_token",
        get_url: "/refresh_protected",
        post_url: "/post_refresh_protected",
        delete_url: "/delete_refresh_tokens",
    },
];

/// GET `$uri` with the jar's cookies, checks it succeeds and stores the cookies it sets.
macro_rules! login {
    ($app:expr, $jar:expr, $uri:expr) => {{
        let reply = call!($app, $jar.attach(TestRequest::get().uri($uri)));
        assert_eq!(reply.status, StatusCode::OK, "{}: {}", $uri, reply.body);
        $jar.store(&reply);
        reply
    }};
}

fn missing_cookie(name: &str) -> Value {
    json!({ "msg": format!("Missing cookie \"{name}\"") })
}

fn foo_bar() -> Value {
    json!({"foo": "bar"})
}

// ---------------------------------------------------------------------------------------------
// Upstream tests.

// Upstream `test_jwt_refresh_required_with_cookies`.
#[actix_web::test]
async fn test_jwt_refresh_required_with_cookies() {
    for k in &KINDS {
        let app = app!(cookie_config());
        let mut jar = Jar::default();

        let reply = call!(app, TestRequest::get().uri(k.get_url));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, missing_cookie(k.cookie_name));

        login!(app, jar, k.auth_url);
        let reply = call!(app, jar.attach(TestRequest::get().uri(k.get_url)));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));

        login!(app, jar, k.delete_url);
        let reply = call!(app, jar.attach(TestRequest::get().uri(k.get_url)));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, missing_cookie(k.cookie_name));

        login!(app, jar, k.auth_url);
        let reply = call!(app, jar.attach(TestRequest::get().uri(k.get_url)));
        assert_eq!(reply.status, StatusCode::OK);

        login!(app, jar, "/delete_tokens");
        let reply = call!(app, jar.attach(TestRequest::get().uri(k.get_url)));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, missing_cookie(k.cookie_name));
    }
}

// Upstream `test_default_access_csrf_protection`.
#[actix_web::test]
async fn test_default_access_csrf_protection() {
    for k in &KINDS {
        let app = app!(cookie_config());
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);

        let reply = call!(app, jar.attach(TestRequest::post().uri(k.post_url)));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("X-CSRF-TOKEN", csrf));
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_non_matching_csrf_token`.
#[actix_web::test]
async fn test_non_matching_csrf_token() {
    for k in &KINDS {
        let app = app!(cookie_config());
        let mut jar = Jar::default();
        login!(app, jar, k.auth_url);
        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("X-CSRF-TOKEN", "totally_wrong_token"));
        let reply = call!(app, jar.attach(req));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.body,
            json!({"msg": "CSRF double submit tokens do not match"})
        );
    }
}

// Upstream `test_csrf_disabled`.
#[actix_web::test]
async fn test_csrf_disabled() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            cookie_csrf_protect: false,
            ..cookie_config()
        });
        let mut jar = Jar::default();
        login!(app, jar, k.auth_url);
        let reply = call!(app, jar.attach(TestRequest::post().uri(k.post_url)));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_csrf_with_custom_header_names`.
#[actix_web::test]
async fn test_csrf_with_custom_header_names() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            access_csrf_header_name: "FOO".into(),
            refresh_csrf_header_name: "FOO".into(),
            ..cookie_config()
        });
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);

        // The default header name no longer counts.
        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("X-CSRF-TOKEN", csrf.clone()));
        let reply = call!(app, jar.attach(req));
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("FOO", csrf));
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_csrf_with_default_form_field`.
#[actix_web::test]
async fn test_csrf_with_default_form_field() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            csrf_check_form: true,
            ..cookie_config()
        });
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);
        let req = TestRequest::post()
            .uri(k.post_url)
            .set_form([("csrf_token", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_csrf_with_custom_form_field`.
#[actix_web::test]
async fn test_csrf_with_custom_form_field() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            csrf_check_form: true,
            access_csrf_field_name: "FOO".into(),
            refresh_csrf_field_name: "FOO".into(),
            ..cookie_config()
        });
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);

        // The default field name no longer counts.
        let req = TestRequest::post()
            .uri(k.post_url)
            .set_form([("csrf_token", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

        let req = TestRequest::post()
            .uri(k.post_url)
            .set_form([("FOO", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_custom_csrf_methods`.
#[actix_web::test]
async fn test_custom_csrf_methods() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            csrf_methods: vec![Method::GET],
            ..cookie_config()
        });
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);

        let reply = call!(app, jar.attach(TestRequest::post().uri(k.post_url)));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));

        let reply = call!(app, jar.attach(TestRequest::get().uri(k.get_url)));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

        let req = TestRequest::get()
            .uri(k.get_url)
            .insert_header(("X-CSRF-TOKEN", csrf));
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// Upstream `test_default_cookie_options`.
#[actix_web::test]
async fn test_default_cookie_options() {
    let app = app!(cookie_config());
    for k in &KINDS {
        let reply = call!(app, TestRequest::get().uri(k.auth_url));
        assert_eq!(reply.set_cookies.len(), 2, "{:?}", reply.set_cookies);

        let jwt_cookie = reply.cookie(k.cookie_name).expect("JWT cookie");
        assert_eq!(jwt_cookie["path"], "/");
        assert!(jwt_cookie.contains_key("httponly"));
        assert!(!jwt_cookie.contains_key("samesite"));
        // Session cookies by default: no lifetime, no Secure, no Domain.
        for absent in ["max-age", "expires", "secure", "domain"] {
            assert!(!jwt_cookie.contains_key(absent), "{absent}: {jwt_cookie:?}");
        }

        let csrf_cookie = reply.cookie(k.csrf_cookie_name).expect("CSRF cookie");
        assert_eq!(csrf_cookie["path"], "/");
        assert!(!csrf_cookie.contains_key("httponly"));
        assert!(!csrf_cookie.contains_key("samesite"));
        assert!(!csrf_cookie[k.csrf_cookie_name].is_empty());
    }
}

// Upstream `test_custom_cookie_options`.
#[actix_web::test]
async fn test_custom_cookie_options() {
    let app = app!(JwtConfig {
        cookie_secure: true,
        cookie_domain: Some("test.com".into()),
        session_cookie: false,
        cookie_samesite: Some(SameSite::Strict),
        ..cookie_config()
    });
    for k in &KINDS {
        let reply = call!(app, TestRequest::get().uri(k.auth_url));
        assert_eq!(reply.set_cookies.len(), 2, "{:?}", reply.set_cookies);
        for name in [k.cookie_name, k.csrf_cookie_name] {
            let cookie = reply.cookie(name).expect(name);
            assert_eq!(cookie["domain"], "test.com", "{name}");
            assert_eq!(cookie["path"], "/", "{name}");
            assert!(!cookie["expires"].is_empty(), "{name}");
            // Non-session cookies live 31,540,000 s, Flask-JWT-Extended's `JWT_COOKIE_MAX_AGE`
            // default.
            assert_eq!(cookie["max-age"], "31540000", "{name}");
            assert!(cookie.contains_key("secure"), "{name}");
            assert_eq!(cookie["samesite"], "Strict", "{name}");
        }
        assert!(reply
            .cookie(k.cookie_name)
            .unwrap()
            .contains_key("httponly"));
        assert!(!reply
            .cookie(k.csrf_cookie_name)
            .unwrap()
            .contains_key("httponly"));
    }
}

// Upstream `test_custom_cookie_names_and_paths`.
#[actix_web::test]
async fn test_custom_cookie_names_and_paths() {
    let app = app!(JwtConfig {
        access_csrf_cookie_name: "access_foo_csrf".into(),
        refresh_csrf_cookie_name: "refresh_foo_csrf".into(),
        access_csrf_cookie_path: "/protected".into(),
        refresh_csrf_cookie_path: "/refresh_protected".into(),
        access_cookie_name: "access_foo".into(),
        refresh_cookie_name: "refresh_foo".into(),
        access_cookie_path: "/protected".into(),
        refresh_cookie_path: "/refresh_protected".into(),
        ..cookie_config()
    });
    let cases = [
        (
            "/access_token",
            "access_foo",
            "access_foo_csrf",
            "/protected",
        ),
        (
            "/refresh_token",
            "refresh_foo",
            "refresh_foo_csrf",
            "/refresh_protected",
        ),
    ];
    for (auth_url, name, csrf_name, path) in cases {
        let reply = call!(app, TestRequest::get().uri(auth_url));
        assert_eq!(reply.set_cookies.len(), 2, "{:?}", reply.set_cookies);
        assert_eq!(reply.cookie(name).expect(name)["path"], path);
        assert_eq!(reply.cookie(csrf_name).expect(csrf_name)["path"], path);
    }
}

// Upstream `test_csrf_token_not_in_cookie`.
#[actix_web::test]
async fn test_csrf_token_not_in_cookie() {
    let app = app!(JwtConfig {
        csrf_in_cookies: false,
        ..cookie_config()
    });
    for k in &KINDS {
        let reply = call!(app, TestRequest::get().uri(k.auth_url));
        assert_eq!(reply.set_cookies.len(), 1, "{:?}", reply.set_cookies);
        assert!(reply.cookie(k.cookie_name).is_some());
    }
}

// Upstream `test_cookies_without_csrf`.
#[actix_web::test]
async fn test_cookies_without_csrf() {
    let app = app!(JwtConfig {
        cookie_csrf_protect: false,
        ..cookie_config()
    });
    for k in &KINDS {
        let reply = call!(app, TestRequest::get().uri(k.auth_url));
        assert_eq!(reply.set_cookies.len(), 1, "{:?}", reply.set_cookies);
        assert!(reply.cookie(k.cookie_name).is_some());
    }
}

// Upstream `test_jwt_optional_with_csrf_enabled`.
#[actix_web::test]
async fn test_jwt_optional_with_csrf_enabled() {
    let app = app!(cookie_config());
    let mut jar = Jar::default();

    let reply = call!(app, TestRequest::post().uri("/optional_post_protected"));
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));

    login!(app, jar, "/access_token");
    let reply = call!(
        app,
        jar.attach(TestRequest::post().uri("/optional_post_protected"))
    );
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));
}

// Upstream `test_override_domain_option`.
#[actix_web::test]
async fn test_override_domain_option() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            cookie_domain: Some("test.com".into()),
            ..cookie_config()
        });
        for url in [k.auth_url, k.delete_url] {
            let reply = call!(
                app,
                TestRequest::get().uri(&format!("{url}?domain=yolo.com"))
            );
            assert_eq!(reply.set_cookies.len(), 2, "{url}: {:?}", reply.set_cookies);
            for name in [k.cookie_name, k.csrf_cookie_name] {
                let cookie = reply.cookie(name).expect(name);
                assert_eq!(cookie["domain"], "yolo.com", "{url} {name}");
            }
        }
        // Without the argument, the config's domain is used.
        let reply = call!(app, TestRequest::get().uri(k.auth_url));
        assert_eq!(reply.cookie(k.cookie_name).unwrap()["domain"], "test.com");
    }
}

// ---------------------------------------------------------------------------------------------
// Cases beyond upstream's tests.

// A CSRF error on the cookie location does not fall through to a valid header token.
#[actix_web::test]
async fn test_csrf_error_does_not_fall_through_to_headers() {
    let app = app!(JwtConfig {
        token_location: vec![TokenLocation::Cookies, TokenLocation::Headers],
        ..config()
    });
    let mut jar = Jar::default();
    login!(app, jar, "/access_token");
    let header_token = {
        let reply = call!(app, TestRequest::get().uri("/access_token"));
        reply.cookie_value("access_token_cookie")
    };
    let req = TestRequest::post()
        .uri("/post_protected")
        .insert_header(("Authorization", format!("Bearer {header_token}")));
    let reply = call!(app, jar.attach(req));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

    // Control: the same header token alone is accepted.
    let req = TestRequest::post()
        .uri("/post_protected")
        .insert_header(("Authorization", format!("Bearer {header_token}")));
    let reply = call!(app, req);
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
}

// A garbage cookie on a POST without the CSRF header is refused for the
// missing CSRF value, before the cookie is decoded.
#[actix_web::test]
async fn test_garbage_cookie_without_csrf_header() {
    let app = app!(cookie_config());
    for k in &KINDS {
        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header((COOKIE, format!("{}=garbage", k.cookie_name)));
        let reply = call!(app, req);
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", k.post_url);
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));

        // With a CSRF header, the garbage is decoded and refused.
        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header((COOKIE, format!("{}=garbage", k.cookie_name)))
            .insert_header(("X-CSRF-TOKEN", "whatever"));
        let reply = call!(app, req);
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body, json!({"msg": "Not enough segments"}));
    }
}

// The CSRF value is not checked on methods outside `JWT_CSRF_METHODS`.
#[actix_web::test]
async fn test_wrong_csrf_header_ignored_on_get() {
    for k in &KINDS {
        let app = app!(cookie_config());
        let mut jar = Jar::default();
        login!(app, jar, k.auth_url);
        let req = TestRequest::get()
            .uri(k.get_url)
            .insert_header(("X-CSRF-TOKEN", "totally_wrong_token"));
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    }
}

// With the form check on, an empty header falls back to the form field, but a wrong
// non-empty header wins over a correct form field.
#[actix_web::test]
async fn test_csrf_form_field_and_header_precedence() {
    for k in &KINDS {
        let app = app!(JwtConfig {
            csrf_check_form: true,
            ..cookie_config()
        });
        let mut jar = Jar::default();
        let csrf = login!(app, jar, k.auth_url).cookie_value(k.csrf_cookie_name);

        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("X-CSRF-TOKEN", ""))
            .set_form([("csrf_token", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));

        let req = TestRequest::post()
            .uri(k.post_url)
            .insert_header(("X-CSRF-TOKEN", "wrong"))
            .set_form([("csrf_token", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            reply.body,
            json!({"msg": "CSRF double submit tokens do not match"})
        );

        // A form field that is not the CSRF value is a mismatch too; no field at all is missing.
        let req = TestRequest::post()
            .uri(k.post_url)
            .set_form([("csrf_token", "wrong")]);
        let reply = call!(app, jar.attach(req));
        assert_eq!(
            reply.body,
            json!({"msg": "CSRF double submit tokens do not match"})
        );
        let req = TestRequest::post()
            .uri(k.post_url)
            .set_form([("other", csrf.as_str())]);
        let reply = call!(app, jar.attach(req));
        assert_eq!(reply.body, json!({"msg": "Missing CSRF token"}));
    }
}

// An explicit `max_age` writes `Max-Age` and `Expires` even for session cookies.
#[actix_web::test]
async fn test_explicit_max_age_on_session_cookies() {
    let app = app!(cookie_config());
    let reply = call!(app, TestRequest::get().uri("/access_token_max_age"));
    assert_eq!(reply.set_cookies.len(), 2, "{:?}", reply.set_cookies);
    for name in ["access_token_cookie", "csrf_access_token"] {
        let cookie = reply.cookie(name).expect(name);
        assert_eq!(cookie["max-age"], "60", "{name}");
        assert!(!cookie["expires"].is_empty(), "{name}");
        assert_ne!(cookie["expires"], EPOCH, "{name}");
    }
}

const EPOCH: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

/// Checks that `reply` deletes exactly `names` (JWT cookies first, then CSRF cookies) with the
/// attributes they were set with.
fn assert_unsets(
    reply: &Reply,
    jwt_names: &[&str],
    csrf_names: &[&str],
    expected: &[(&str, &str)],
) {
    assert_eq!(
        reply.set_cookies.len(),
        jwt_names.len() + csrf_names.len(),
        "{:?}",
        reply.set_cookies
    );
    for (name, http_only) in jwt_names
        .iter()
        .map(|n| (n, true))
        .chain(csrf_names.iter().map(|n| (n, false)))
    {
        let cookie = reply
            .cookie(name)
            .unwrap_or_else(|| panic!("no unset of {name}"));
        assert_eq!(cookie[*name], "", "{name} value");
        assert_eq!(cookie["expires"], EPOCH, "{name}");
        assert_eq!(cookie["max-age"], "0", "{name}");
        assert_eq!(cookie.contains_key("httponly"), http_only, "{name}");
        for (key, value) in expected {
            assert_eq!(
                cookie.get(*key).map(String::as_str),
                Some(*value),
                "{name} {key}"
            );
        }
    }
}

// `unset_jwt_cookies` deletes all four cookies with the same attributes; two without CSRF.
#[actix_web::test]
async fn test_unset_cookies_attributes() {
    let app = app!(JwtConfig {
        cookie_secure: true,
        cookie_domain: Some("test.com".into()),
        cookie_samesite: Some(SameSite::Lax),
        ..cookie_config()
    });
    let expected = [
        ("path", "/"),
        ("domain", "test.com"),
        ("secure", ""),
        ("samesite", "Lax"),
    ];
    let reply = call!(app, TestRequest::get().uri("/delete_tokens"));
    assert_unsets(
        &reply,
        &["access_token_cookie", "refresh_token_cookie"],
        &["csrf_access_token", "csrf_refresh_token"],
        &expected,
    );
    let reply = call!(app, TestRequest::get().uri("/delete_access_tokens"));
    assert_unsets(
        &reply,
        &["access_token_cookie"],
        &["csrf_access_token"],
        &expected,
    );
    let reply = call!(app, TestRequest::get().uri("/delete_refresh_tokens"));
    assert_unsets(
        &reply,
        &["refresh_token_cookie"],
        &["csrf_refresh_token"],
        &expected,
    );

    let app = app!(JwtConfig {
        cookie_csrf_protect: false,
        ..cookie_config()
    });
    let reply = call!(app, TestRequest::get().uri("/delete_tokens"));
    assert_unsets(
        &reply,
        &["access_token_cookie", "refresh_token_cookie"],
        &[],
        &[("path", "/")],
    );
    assert!(reply.cookie("csrf_access_token").is_none());
}

// ---------------------------------------------------------------------------------------------
// Hostile requests.

/// A signed access token of the fixture's manager and its `csrf` claim.
fn token_and_csrf(jwt: &JwtManager) -> (String, String) {
    let token = jwt.create_access_token("username").finish().unwrap();
    let csrf = jwt
        .decode_token(&token, false)
        .unwrap()
        .csrf()
        .expect("csrf claim")
        .to_owned();
    (token, csrf)
}

// A CSRF header holding the `csrf` claim of ANOTHER valid token is a mismatch: the header must
// equal this token's claim.
#[actix_web::test]
async fn test_csrf_value_of_another_token() {
    let jwt = JwtManager::new(cookie_config()).unwrap();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(routes),
    )
    .await;
    let (token_a, csrf_a) = token_and_csrf(&jwt);
    let (_token_b, csrf_b) = token_and_csrf(&jwt);
    assert_ne!(csrf_a, csrf_b);

    let req = TestRequest::post()
        .uri("/post_protected")
        .insert_header((COOKIE, format!("access_token_cookie={token_a}")))
        .insert_header(("X-CSRF-TOKEN", csrf_b));
    let reply = call!(app, req);
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.body,
        json!({"msg": "CSRF double submit tokens do not match"})
    );

    let req = TestRequest::post()
        .uri("/post_protected")
        .insert_header((COOKIE, format!("access_token_cookie={token_a}")))
        .insert_header(("X-CSRF-TOKEN", csrf_a));
    let reply = call!(app, req);
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
}

// The same cookie sent twice, in two `Cookie` headers or twice in one: the first one wins, as
// Werkzeug's `request.cookies.get` (and the more specific path comes first from browsers).
#[actix_web::test]
async fn test_duplicated_cookies() {
    let jwt = JwtManager::new(cookie_config()).unwrap();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(routes),
    )
    .await;
    let (token, _) = token_and_csrf(&jwt);
    let good = format!("access_token_cookie={token}");
    let bad = "access_token_cookie=garbage".to_owned();

    let two_headers = |first: &str, second: &str| {
        TestRequest::get()
            .uri("/protected")
            .append_header((COOKIE, first.to_owned()))
            .append_header((COOKIE, second.to_owned()))
    };
    let reply = call!(app, two_headers(&good, &bad));
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    let reply = call!(app, two_headers(&bad, &good));
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"msg": "Not enough segments"}));

    let one_header = |first: &str, second: &str| {
        TestRequest::get()
            .uri("/protected")
            .insert_header((COOKIE, format!("{first}; {second}")))
    };
    let reply = call!(app, one_header(&good, &bad));
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
    let reply = call!(app, one_header(&bad, &good));
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"msg": "Not enough segments"}));

    // An empty first value counts as missing, whatever follows.
    let reply = call!(app, one_header("access_token_cookie=", &good));
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, missing_cookie("access_token_cookie"));
}

// A malformed cookie piece (no `=`, as browsers send for nameless cookies) does not hide the
// token cookie next to it.
#[actix_web::test]
async fn test_malformed_cookie_piece_is_skipped() {
    let jwt = JwtManager::new(cookie_config()).unwrap();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .configure(routes),
    )
    .await;
    let (token, _) = token_and_csrf(&jwt);
    let req = TestRequest::get()
        .uri("/protected")
        .insert_header((COOKIE, format!("nameless; access_token_cookie={token}; =x")));
    let reply = call!(app, req);
    assert_eq!((reply.status, reply.body), (StatusCode::OK, foo_bar()));
}
