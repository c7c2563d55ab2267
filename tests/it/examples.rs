//! The docs' HTTPie sessions of Flask-JWT-Extended's examples, replayed against our ports in
//! `examples/`: the very same app (`configure` + `jwt_manager()`), through actix's test service.
//! These are docs examples, not upstream test cases, so they carry no upstream test name.

use actix_web::http::StatusCode;
use actix_web::test;
use serde_json::{json, Value};

use crate::support::examples::{
    additional_data_in_access_token, optional_protected_endpoints, refresh_tokens, simple,
    token_freshness, typed_claims,
};
use crate::support::{self, example_app, send};

/// [`support::bearer`] of a token in a JSON reply.
fn bearer(token: &Value) -> (&'static str, String) {
    support::bearer(token.as_str().expect("token is a string"))
}

fn login_as(username: &str, password: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/login")
        .set_json(json!({"username": username, "password": password}))
}

/// `http GET :5000/protected`, `http POST :5000/login username=test password=test`, then
/// `http GET :5000/protected Authorization:"Bearer $JWT"` (docs: Basic Usage).
#[actix_web::test]
async fn simple_basic_usage_flow() {
    let app = example_app!(simple);
    let jwt = simple::jwt_manager();

    let req = test::TestRequest::get().uri("/protected").to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Missing Authorization Header"}));

    let (status, body) = send(&app, login_as("test", "test").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let access_token = &body["access_token"];
    let claims = jwt
        .decode_token(access_token.as_str().unwrap(), false)
        .unwrap();
    assert_eq!(claims["sub"], "test");
    assert_eq!(claims["type"], "access");
    assert_eq!(claims["fresh"], false);

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(access_token))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"logged_in_as": "test"}));
}

#[actix_web::test]
async fn simple_login_bad_credentials() {
    let app = example_app!(simple);
    for body in [
        json!({"username": "test", "password": "wrong"}),
        json!({"username": "other", "password": "test"}),
        json!({"username": "test"}),
        json!({}),
    ] {
        let req = test::TestRequest::post()
            .uri("/login")
            .set_json(&body)
            .to_request();
        let (status, reply) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(reply, json!({"msg": "Bad username or password"}), "{body}");
    }
}

/// Flask answers a method the route does not list with 405.
#[actix_web::test]
async fn simple_wrong_method_is_405() {
    let app = example_app!(simple);
    for req in [
        test::TestRequest::get().uri("/login"),
        test::TestRequest::post().uri("/protected"),
        test::TestRequest::delete().uri("/protected"),
    ] {
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}

/// Flask's `request.json` gives 415 unless the body is declared JSON, and 400 when it does not parse.
#[actix_web::test]
async fn simple_login_body_not_json() {
    let app = example_app!(simple);
    let req = test::TestRequest::post()
        .uri("/login")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("username=test&password=test")
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["msg"].as_str().unwrap().contains("Content-Type"),
        "{body}"
    );

    let req = test::TestRequest::post().uri("/login").to_request();
    let (status, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let req = test::TestRequest::post()
        .uri("/login")
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{not json")
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["msg"].is_string(), "{body}");
}

/// `http POST :5000/login`, then `http POST :5000/refresh Authorization:"Bearer $REFRESH_TOKEN"`
/// (docs: Refreshing Tokens), and the new access token opens `/protected`.
#[actix_web::test]
async fn refresh_tokens_flow() {
    let app = example_app!(refresh_tokens);
    let jwt = refresh_tokens::jwt_manager();

    let req = test::TestRequest::post().uri("/login").to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    let (access_token, refresh_token) = (&body["access_token"], &body["refresh_token"]);
    let access = jwt
        .decode_token(access_token.as_str().unwrap(), false)
        .unwrap();
    let refresh = jwt
        .decode_token(refresh_token.as_str().unwrap(), false)
        .unwrap();
    assert_eq!(
        (access["sub"].clone(), access["type"].clone()),
        (json!("example_user"), json!("access"))
    );
    assert_eq!(
        (refresh["sub"].clone(), refresh["type"].clone()),
        (json!("example_user"), json!("refresh"))
    );
    // JWT_ACCESS_TOKEN_EXPIRES = 1 hour, JWT_REFRESH_TOKEN_EXPIRES = 30 days.
    assert_eq!(access.exp().unwrap() - access.iat().unwrap(), 3600);
    assert_eq!(
        refresh.exp().unwrap() - refresh.iat().unwrap(),
        30 * 24 * 3600
    );

    let req = test::TestRequest::post()
        .uri("/refresh")
        .insert_header(bearer(refresh_token))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    let new_access_token = &body["access_token"];
    let new_access = jwt
        .decode_token(new_access_token.as_str().unwrap(), false)
        .unwrap();
    assert_eq!(new_access["sub"], "example_user");
    assert_eq!(new_access["type"], "access");

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(new_access_token))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Each token opens only its own routes.
#[actix_web::test]
async fn refresh_tokens_wrong_token_type() {
    let app = example_app!(refresh_tokens);
    let req = test::TestRequest::post().uri("/login").to_request();
    let (_, tokens) = send(&app, req).await;

    let req = test::TestRequest::post()
        .uri("/refresh")
        .insert_header(bearer(&tokens["access_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, json!({"msg": "Only refresh tokens are allowed"}));

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&tokens["refresh_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, json!({"msg": "Only non-refresh tokens are allowed"}));

    let req = test::TestRequest::post().uri("/refresh").to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Missing Authorization Header"}));

    let res = test::call_service(&app, test::TestRequest::get().uri("/refresh").to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// The login's fresh token opens `/protected`; the refreshed, non-fresh one gets
/// 401 "Fresh token required" (docs: Token Freshness Pattern).
#[actix_web::test]
async fn token_freshness_flow() {
    let app = example_app!(token_freshness);
    let jwt = token_freshness::jwt_manager();

    let (status, body) = send(&app, login_as("test", "nope").to_request()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Bad username or password"}));

    let (status, tokens) = send(&app, login_as("test", "test").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let fresh = jwt
        .decode_token(tokens["access_token"].as_str().unwrap(), false)
        .unwrap();
    assert_eq!(fresh["fresh"], true);
    assert_eq!(fresh["sub"], "example_user");

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&tokens["access_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"foo": "bar"}));

    let req = test::TestRequest::post()
        .uri("/refresh")
        .insert_header(bearer(&tokens["refresh_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    let stale_token = &body["access_token"];
    let stale = jwt
        .decode_token(stale_token.as_str().unwrap(), false)
        .unwrap();
    assert_eq!(stale["fresh"], false);
    assert_eq!(stale["sub"], "example_user");

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(stale_token))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Fresh token required"}));

    let req = test::TestRequest::get().uri("/protected").to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Missing Authorization Header"}));

    let req = test::TestRequest::post()
        .uri("/login")
        .set_payload("username=test&password=test")
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

/// Flask's `if current_identity:`: a token whose identity is falsy (an empty string; other
/// falsy values are not valid subjects) reads as anonymous in the docs' partially protected
/// route, as it does in Flask.
#[actix_web::test]
async fn optional_protected_endpoints_treat_a_falsy_identity_as_anonymous() {
    let app = example_app!(optional_protected_endpoints);
    let jwt = optional_protected_endpoints::jwt_manager();
    for identity in [json!("")] {
        let token = jwt.create_access_token(&identity).finish().unwrap();
        let req = test::TestRequest::get()
            .uri("/optionally_protected")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let (status, body) = send(&app, req).await;
        assert_eq!(status, StatusCode::OK, "{identity}");
        assert_eq!(
            body,
            json!({"logged_in_as": "anonymous user"}),
            "{identity}"
        );
    }
}

/// Anonymous without a token, the identity with one, and an invalid token still rejected
/// (docs: Partially protecting routes).
#[actix_web::test]
async fn optional_protected_endpoints_flow() {
    let app = example_app!(optional_protected_endpoints);

    let req = test::TestRequest::get()
        .uri("/optionally_protected")
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"logged_in_as": "anonymous user"}));

    let (status, tokens) = send(&app, login_as("test", "test").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let req = test::TestRequest::get()
        .uri("/optionally_protected")
        .insert_header(bearer(&tokens["access_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"logged_in_as": "test"}));

    let req = test::TestRequest::get()
        .uri("/optionally_protected")
        .insert_header(("Authorization", "Bearer not-a-token"))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, json!({"msg": "Not enough segments"}));

    let (status, body) = send(&app, login_as("x", "y").to_request()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Bad username or password"}));

    let res = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/optionally_protected")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// The claims added at login are in the token and `get_jwt()` reads them back (docs: Storing
/// Additional Data in JWTs). `aud` is not checked since `JWT_DECODE_AUDIENCE` is unset.
#[actix_web::test]
async fn additional_data_in_access_token_flow() {
    let app = example_app!(additional_data_in_access_token);
    let jwt = additional_data_in_access_token::jwt_manager();

    let (status, tokens) = send(&app, login_as("test", "test").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let claims = jwt
        .decode_token(tokens["access_token"].as_str().unwrap(), false)
        .unwrap();
    assert_eq!(claims["aud"], "some_audience");
    assert_eq!(claims["foo"], "bar");
    assert_eq!(claims["sub"], "test");

    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&tokens["access_token"]))
        .to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"foo": "bar"}));

    let req = test::TestRequest::get().uri("/protected").to_request();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Missing Authorization Header"}));

    let (status, body) = send(&app, login_as("test", "bad").to_request()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!({"msg": "Bad username or password"}));
}

/// The claims added at login read the same as a map, as a type, and through the extractor;
/// a token without them is refused by the typed routes with 422 naming the claim.
#[actix_web::test]
async fn typed_claims_flow() {
    let app = example_app!(typed_claims);
    let jwt = typed_claims::jwt_manager();

    let (status, tokens) = send(&app, login_as("test", "test").to_request()).await;
    assert_eq!(status, StatusCode::OK);
    let expected = json!({"user": "test", "roles": ["admin", "ops"]});
    for route in ["/map", "/typed", "/extractor"] {
        let req = test::TestRequest::get()
            .uri(route)
            .insert_header(bearer(&tokens["access_token"]))
            .to_request();
        assert_eq!(
            send(&app, req).await,
            (StatusCode::OK, expected.clone()),
            "{route}"
        );
    }

    let without_roles = jwt.create_access_token("test").finish().unwrap();
    for route in ["/typed", "/extractor"] {
        let req = test::TestRequest::get()
            .uri(route)
            .insert_header(support::bearer(&without_roles))
            .to_request();
        assert_eq!(
            send(&app, req).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"msg": "unexpected token content: missing field `roles`"})
            ),
            "{route}"
        );
    }
}

/// Backs README's "differences from Flask": outside any verification the readers fail as
/// Flask's `RuntimeError` does, and the `try_` twins return the error instead.
#[actix_web::test]
#[should_panic(
    expected = "You must call `@jwt_required()` or `verify_jwt_in_request()` before using this method"
)]
async fn get_jwt_outside_verification_panics() {
    let err = actix_jwt_extended::try_get_jwt().unwrap_err();
    assert_eq!(err.kind(), actix_jwt_extended::JwtErrorKind::NoContext);
    assert!(actix_jwt_extended::try_get_jwt_identity().is_err());
    actix_jwt_extended::get_jwt();
}

/// Backs README's "differences from Flask": a config that cannot work fails at start-up.
#[actix_web::test]
async fn missing_secret_is_a_config_error_at_start_up() {
    let err =
        actix_jwt_extended::JwtManager::new(actix_jwt_extended::JwtConfig::default()).unwrap_err();
    assert!(err.to_string().contains("JWT_SECRET_KEY"), "{err}");
}
