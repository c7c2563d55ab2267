//! The actix-native doors to the pipeline: the `Jwt<K>` / `OptionalJwt<K>` extractors and the
//! `JwtRequired` scope middleware give the same answers as `#[jwt_required]`.

use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    get_jwt, get_jwt_header, get_jwt_identity, jwt_required, AnyToken, CurrentUser, FreshAccess,
    Jwt, JwtConfig, JwtManager, JwtRequired, OptionalJwt, Refresh, TokenLocation,
};
use actix_web::{test, web, App, HttpResponse};
use serde_json::{json, Value};

use crate::support;

async fn access(jwt: Jwt) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.sub(), "location": jwt.location().as_str() }))
}

async fn fresh(jwt: Jwt<FreshAccess>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.claims().sub() }))
}

async fn refresh(jwt: Jwt<Refresh>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": jwt.token_type() }))
}

async fn any(jwt: Jwt<AnyToken>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": jwt.token_type() }))
}

async fn optional(jwt: OptionalJwt) -> HttpResponse {
    let who = jwt
        .as_ref()
        .and_then(|jwt| jwt.sub())
        .unwrap_or("anonymous user");
    HttpResponse::Ok().json(json!({ "logged_in_as": who }))
}

async fn echo_json(jwt: Jwt, body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.sub(), "other": body["other"] }))
}

async fn me() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "me": get_jwt_identity() }))
}

fn app(
    jwt: JwtManager,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(jwt)
        .route("/access", web::get().to(access))
        .route("/fresh", web::get().to(fresh))
        .route("/refresh", web::post().to(refresh))
        .route("/any", web::get().to(any))
        .route("/optional", web::get().to(optional))
        .route("/echo", web::post().to(echo_json))
        .route(
            "/opts",
            web::method(actix_web::http::Method::OPTIONS).to(access),
        )
}

async fn call<S, R, B>(app: &S, req: R) -> (u16, Value)
where
    S: actix_web::dev::Service<
        R,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let resp = test::call_service(app, req).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn extractor_states_the_token_kind_it_accepts() {
    let jwt = support::manager();
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    let fresh_token = jwt
        .create_access_token("username")
        .fresh(true)
        .finish()
        .unwrap();
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    let get = |path: &str, token: &str| {
        test::TestRequest::get()
            .uri(path)
            .insert_header(support::bearer(token))
    };

    assert_eq!(
        call(&app, (get("/access", &access_token)).to_request()).await,
        (200, json!({"sub": "username", "location": "headers"}))
    );
    assert_eq!(
        call(&app, (test::TestRequest::get().uri("/access")).to_request()).await,
        (401, json!({"msg": "Missing Authorization Header"}))
    );
    assert_eq!(
        call(&app, (get("/access", &refresh_token)).to_request()).await,
        (422, json!({"msg": "Only non-refresh tokens are allowed"}))
    );
    assert_eq!(
        call(&app, (get("/fresh", &access_token)).to_request()).await,
        (401, json!({"msg": "Fresh token required"}))
    );
    assert_eq!(
        call(&app, (get("/fresh", &fresh_token)).to_request())
            .await
            .0,
        200
    );
    let post_refresh = |token: &str| {
        test::TestRequest::post()
            .uri("/refresh")
            .insert_header(support::bearer(token))
    };
    assert_eq!(
        call(&app, (post_refresh(&refresh_token)).to_request()).await,
        (200, json!({"type": "refresh"}))
    );
    assert_eq!(
        call(&app, (post_refresh(&access_token)).to_request()).await,
        (422, json!({"msg": "Only refresh tokens are allowed"}))
    );
    assert_eq!(
        call(&app, (get("/any", &refresh_token)).to_request()).await,
        (200, json!({"type": "refresh"}))
    );
}

#[actix_web::test]
async fn optional_extractor_forgives_only_a_missing_token() {
    let jwt = support::manager();
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let expired = jwt
        .create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    let get = |header: Option<String>| {
        let req = test::TestRequest::get().uri("/optional");
        match header {
            Some(value) => req.insert_header(("Authorization", value)),
            None => req,
        }
    };

    assert_eq!(
        call(&app, (get(None)).to_request()).await,
        (200, json!({"logged_in_as": "anonymous user"}))
    );
    assert_eq!(
        call(&app, (get(Some(format!("Bearer {token}")))).to_request()).await,
        (200, json!({"logged_in_as": "username"}))
    );
    assert_eq!(
        call(&app, (get(Some(format!("Bearer {expired}")))).to_request()).await,
        (401, json!({"msg": "Token has expired"}))
    );
    assert_eq!(
        call(&app, (get(Some("Bearer xxx".into()))).to_request()).await,
        (422, json!({"msg": "Not enough segments"}))
    );
}

#[actix_web::test]
async fn extractor_refuses_options_requests_it_cannot_verify() {
    let app = test::init_service(app(support::manager())).await;
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/opts");
    assert_eq!(call(&app, (req).to_request()).await.0, 401);
}

#[actix_web::test]
async fn extractor_reads_a_json_token_and_leaves_the_body_to_the_handler() {
    let jwt = JwtManager::new(JwtConfig {
        token_location: vec![TokenLocation::Json],
        ..support::config()
    })
    .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let req = test::TestRequest::post()
        .uri("/echo")
        .set_json(json!({"access_token": token, "other": 42}));
    assert_eq!(
        call(&app, (req).to_request()).await,
        (200, json!({"sub": "username", "other": 42}))
    );
}

#[actix_web::test]
async fn scope_middleware_protects_every_route_of_the_scope() {
    let jwt = support::manager();
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(
                web::scope("/api")
                    .wrap(JwtRequired::new())
                    .route("/me", web::get().to(me)),
            )
            .service(
                web::scope("/fresh")
                    .wrap(JwtRequired::new().fresh())
                    .route("/me", web::get().to(me)),
            )
            .service(
                web::scope("/maybe")
                    .wrap(JwtRequired::new().optional())
                    .route("/me", web::get().to(me)),
            )
            .route(
                "/open",
                web::get().to(|| async { HttpResponse::Ok().finish() }),
            ),
    )
    .await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let get = |path: &str, token: Option<&str>| {
        let req = test::TestRequest::get().uri(path);
        match token {
            Some(token) => req.insert_header(support::bearer(token)),
            None => req,
        }
    };

    assert_eq!(
        call(&app, (get("/api/me", None)).to_request()).await,
        (401, json!({"msg": "Missing Authorization Header"}))
    );
    assert_eq!(
        call(&app, (get("/api/me", Some(&token))).to_request()).await,
        (200, json!({"me": "username"}))
    );
    assert_eq!(
        call(&app, (get("/fresh/me", Some(&token))).to_request()).await,
        (401, json!({"msg": "Fresh token required"}))
    );
    assert_eq!(
        call(&app, (get("/maybe/me", None)).to_request()).await,
        (200, json!({"me": null}))
    );
    assert_eq!(
        call(&app, (get("/maybe/me", Some("garbage"))).to_request()).await,
        (422, json!({"msg": "Not enough segments"}))
    );
    assert_eq!(call(&app, (get("/open", None)).to_request()).await.0, 200);
}

#[actix_web::test]
async fn www_authenticate_header_is_opt_in_and_follows_rfc_6750() {
    let plain = support::manager();
    let jwt = JwtManager::builder(support::config())
        .www_authenticate(true)
        .build()
        .unwrap();
    let expired = jwt
        .create_access_token("username")
        .expires_at(SystemTime::now() - Duration::from_secs(60))
        .finish()
        .unwrap();
    let stale = jwt.create_access_token("username").finish().unwrap();
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    let challenge = |resp: &actix_web::dev::ServiceResponse| {
        resp.headers()
            .get("WWW-Authenticate")
            .map(|v| v.to_str().unwrap().to_owned())
    };

    let service = test::init_service(app(jwt.clone())).await;
    let cases = [
        ("/access", None, 401, Some("Bearer".to_owned())),
        (
            "/access",
            Some(expired.as_str()),
            401,
            Some(
                r#"Bearer error="invalid_token", error_description="Token has expired""#.to_owned(),
            ),
        ),
        (
            "/fresh",
            Some(stale.as_str()),
            401,
            Some(
                r#"Bearer error="insufficient_scope", error_description="Fresh token required""#
                    .to_owned(),
            ),
        ),
        ("/access", Some(refresh_token.as_str()), 422, None),
    ];
    for (path, token, status, expected) in cases {
        let mut req = test::TestRequest::get().uri(path);
        if let Some(token) = token {
            req = req.insert_header(support::bearer(token));
        }
        let resp = test::call_service(&service, req.to_request()).await;
        assert_eq!(resp.status().as_u16(), status, "{path} {token:?}");
        assert_eq!(challenge(&resp), expected, "{path} {token:?}");
    }

    let plain_app = test::init_service(app(plain)).await;
    let req = test::TestRequest::get().uri("/access").to_request();
    let resp = test::call_service(&plain_app, req).await;
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(challenge(&resp), None, "off by default, as in Flask");
}

/// A handler that must not run for a request nobody verified.
async fn ran() -> HttpResponse {
    HttpResponse::Ok().body("ran")
}

/// A protected handler routed without a method, reading the context as any handler would.
#[jwt_required]
async fn any_method() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "claims": get_jwt(),
        "header": get_jwt_header(),
        "identity": get_jwt_identity(),
    }))
}

async fn user_id(user: CurrentUser<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": *user }))
}

/// Every door that actix routes OPTIONS through: a resource without a method, `web::to`, a
/// default service, a `JwtRequired` scope, and the extractors.
fn any_method_app(
    jwt: JwtManager,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(jwt)
        .service(web::resource("/resource").to(any_method))
        .route("/web_to", web::to(any_method))
        .route("/jwt", web::to(access))
        .route("/optional", web::to(optional))
        .route("/user", web::to(user_id))
        .service(
            web::scope("/api")
                .wrap(JwtRequired::new())
                .route("/me", web::to(me))
                .default_service(web::to(ran)),
        )
        .default_service(web::to(any_method))
}

const OPTIONS_PATHS: [&str; 6] = ["/resource", "/web_to", "/jwt", "/user", "/api/me", "/api/x"];

fn options(path: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri(path)
}

// Security review (issue 12, item 4): actix routes OPTIONS to handlers Flask would never run
// for it, so OPTIONS is verified like any other method unless the app opts in.
#[actix_web::test]
async fn options_requests_are_verified_by_default() {
    let jwt = JwtManager::builder(support::config())
        .user_lookup_loader(|_, claims| {
            let sub = claims.sub().map(str::to_owned);
            async move { sub }
        })
        .build()
        .unwrap();
    let app = test::init_service(any_method_app(jwt.clone())).await;
    let missing = json!({"msg": "Missing Authorization Header"});
    for path in OPTIONS_PATHS.into_iter().chain(["/default"]) {
        assert_eq!(
            call(&app, options(path).to_request()).await,
            (401, missing.clone()),
            "OPTIONS {path}"
        );
    }
    assert_eq!(
        call(&app, options("/optional").to_request()).await,
        (200, json!({"logged_in_as": "anonymous user"}))
    );

    let token = jwt.create_access_token("username").finish().unwrap();
    let with_token = |path: &str| options(path).insert_header(support::bearer(&token));
    let (status, body) = call(&app, with_token("/resource").to_request()).await;
    assert_eq!((status, &body["identity"]), (200, &json!("username")));
    assert_eq!(
        call(&app, with_token("/jwt").to_request()).await,
        (200, json!({"sub": "username", "location": "headers"}))
    );
    assert_eq!(
        call(&app, with_token("/user").to_request()).await,
        (200, json!({"user": "username"}))
    );
    assert_eq!(
        call(&app, with_token("/api/me").to_request()).await,
        (200, json!({"me": "username"}))
    );
    let bad = options("/api/x").insert_header(("Authorization", "Bearer not.a.token"));
    assert_eq!(call(&app, bad.to_request()).await.0, 422);
}

// Flask's exemption, opted into: the handlers run as in an optional route without a token, so
// reading the context does not panic; the extractors that hold a token refuse the request.
#[actix_web::test]
async fn exempt_options_run_handlers_with_an_empty_context() {
    let jwt = JwtManager::builder(support::config())
        .exempt_options(true)
        .build()
        .unwrap();
    let app = test::init_service(any_method_app(jwt)).await;
    let empty = json!({"claims": {}, "header": {}, "identity": null});
    for path in ["/resource", "/web_to", "/default"] {
        // Even an invalid token is not looked at, as in Flask.
        let req = options(path).insert_header(("Authorization", "Bearer not.a.token"));
        assert_eq!(
            call(&app, req.to_request()).await,
            (200, empty.clone()),
            "OPTIONS {path}"
        );
    }
    assert_eq!(
        call(&app, options("/api/me").to_request()).await,
        (200, json!({"me": null}))
    );
    let resp = test::call_service(&app, options("/api/x").to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(test::read_body(resp).await, "ran");
    assert_eq!(
        call(&app, options("/optional").to_request()).await,
        (200, json!({"logged_in_as": "anonymous user"}))
    );
    for path in ["/jwt", "/user"] {
        assert_eq!(
            call(&app, options(path).to_request()).await,
            (401, json!({"msg": "Missing JWT"})),
            "OPTIONS {path}"
        );
    }
}

// The README's answer to CORS: `actix-cors`, wrapped outside the protected routes, answers
// preflights itself; an OPTIONS request it passes on is verified.
#[actix_web::test]
async fn cors_preflights_are_answered_outside_the_protected_routes() {
    let jwt = support::manager();
    let app = test::init_service(
        App::new()
            .service(web::resource("/items").to(any_method))
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            // The last `wrap` is the outermost: preflights never reach the routes.
            .wrap(
                actix_cors::Cors::default()
                    .allowed_origin("https://app.example.com")
                    .allow_any_method()
                    .allow_any_header(),
            ),
    )
    .await;
    let preflight = options("/items")
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header(("Access-Control-Request-Method", "DELETE"))
        .insert_header(("Access-Control-Request-Headers", "authorization"));
    let resp = test::call_service(&app, preflight.to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    assert!(test::read_body(resp).await.is_empty(), "the handler ran");

    let token = jwt.create_access_token("username").finish().unwrap();
    let delete = test::TestRequest::delete()
        .uri("/items")
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header(support::bearer(&token));
    let resp = test::call_service(&app, delete.to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    let unauthenticated = options("/items").insert_header(("Origin", "https://app.example.com"));
    assert_eq!(
        call(&app, unauthenticated.to_request()).await,
        (401, json!({"msg": "Missing Authorization Header"}))
    );
}
