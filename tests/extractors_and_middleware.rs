//! The actix-native doors to the pipeline: the `Jwt<K>` / `OptionalJwt<K>` extractors and the
//! `JwtRequired` scope middleware give the same answers as `#[jwt_required]`.

mod common;

use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    get_jwt_identity, AnyToken, FreshAccess, Jwt, JwtConfig, JwtManager, JwtRequired, OptionalJwt,
    Refresh, TokenLocation,
};
use actix_web::{test, web, App, HttpResponse};
use serde_json::{json, Value};

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
    let jwt = common::manager();
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
            .insert_header(common::bearer(token))
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
            .insert_header(common::bearer(token))
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
    let jwt = common::manager();
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
    let app = test::init_service(app(common::manager())).await;
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/opts");
    assert_eq!(call(&app, (req).to_request()).await.0, 401);
}

#[actix_web::test]
async fn extractor_reads_a_json_token_and_leaves_the_body_to_the_handler() {
    let jwt = JwtManager::new(JwtConfig {
        token_location: vec![TokenLocation::Json],
        ..common::config()
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
    let jwt = common::manager();
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
            Some(token) => req.insert_header(common::bearer(token)),
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
    let plain = common::manager();
    let jwt = JwtManager::builder(common::config())
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
            req = req.insert_header(common::bearer(token));
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

#[actix_web::test]
async fn options_requests_can_be_verified_like_any_other() {
    let strict = JwtManager::builder(common::config())
        .exempt_options(false)
        .build()
        .unwrap();
    let app = test::init_service(
        App::new().app_data(strict).service(
            web::scope("/api")
                .wrap(JwtRequired::new())
                .default_service(web::to(|| async { HttpResponse::Ok().body("ran") })),
        ),
    )
    .await;
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/delete");
    assert_eq!(
        call(&app, req.to_request()).await,
        (401, json!({"msg": "Missing Authorization Header"}))
    );
}
