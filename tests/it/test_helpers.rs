//! The `test` module, as an app's tests use it: tokens minted without a login route, put in
//! requests to a real app as header or as cookies with the CSRF header.

use actix_jwt_extended::test::{JwtTestRequest, TestTokenBuilder};
use actix_jwt_extended::{get_jwt, jwt_required, JwtConfig, JwtManager, TokenLocation};
use actix_web::test::{self, TestRequest};
use actix_web::{get, post, App, HttpResponse};
use serde_json::{json, Value};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"role": get_jwt().get("role")}))
}

#[post("/sensitive")]
#[jwt_required(fresh)]
async fn sensitive() -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true}))
}

#[post("/refresh")]
#[jwt_required(refresh)]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({"refreshed": true}))
}

fn manager(config: JwtConfig) -> JwtManager {
    JwtManager::builder(JwtConfig {
        secret_key: Some("test-helpers".into()),
        ..config
    })
    .ignore_registered_loaders()
    .build()
    .unwrap()
}

async fn send(jwt: &JwtManager, request: TestRequest) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(protected)
            .service(sensitive)
            .service(refresh),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status().as_u16();
    (status, test::read_body_json(response).await)
}

#[actix_web::test]
async fn header_tokens_of_every_kind() {
    let jwt = manager(JwtConfig::default());
    let admin = jwt
        .create_access_token("alice")
        .claim("role", "admin")
        .finish()
        .unwrap();
    let get = || TestRequest::get().uri("/protected");
    assert_eq!(
        send(&jwt, get().with_bearer(&admin)).await,
        (200, json!({"role": "admin"}))
    );
    let expired = jwt.create_access_token("alice").expired().finish().unwrap();
    assert_eq!(
        send(&jwt, get().with_jwt_header(&jwt, &expired)).await,
        (401, json!({"msg": "Token has expired"}))
    );
    let stale = jwt.create_access_token("alice").finish().unwrap();
    let post = || TestRequest::post().uri("/sensitive");
    assert_eq!(
        send(&jwt, post().with_bearer(&stale)).await,
        (401, json!({"msg": "Fresh token required"}))
    );
    let fresh = jwt
        .create_access_token("alice")
        .fresh(true)
        .finish()
        .unwrap();
    assert_eq!(send(&jwt, post().with_bearer(&fresh)).await.0, 200);
    let refresh_token = jwt.create_refresh_token("alice").finish().unwrap();
    let exchange = TestRequest::post()
        .uri("/refresh")
        .with_bearer(&refresh_token);
    assert_eq!(
        send(&jwt, exchange).await,
        (200, json!({"refreshed": true}))
    );
}

#[actix_web::test]
async fn a_custom_header_is_followed() {
    let jwt = manager(JwtConfig {
        header_name: "X-Auth".into(),
        header_type: "".into(),
        ..JwtConfig::default()
    });
    let token = jwt.create_access_token("bob").finish().unwrap();
    let request = TestRequest::get()
        .uri("/protected")
        .with_jwt_header(&jwt, &token);
    assert_eq!(send(&jwt, request).await.0, 200);
}

#[actix_web::test]
async fn cookie_tokens_carry_the_csrf_header() {
    let jwt = manager(JwtConfig {
        token_location: vec![TokenLocation::Cookies],
        ..JwtConfig::default()
    });
    let fresh = jwt
        .create_access_token("carol")
        .fresh(true)
        .finish()
        .unwrap();
    let request = TestRequest::post()
        .uri("/sensitive")
        .with_jwt_cookies(&jwt, &fresh)
        .unwrap();
    assert_eq!(send(&jwt, request).await, (200, json!({"ok": true})));
    // The same cookie without the header is refused: the helper did add it.
    let bare = TestRequest::post()
        .uri("/sensitive")
        .cookie(actix_web::cookie::Cookie::new("access_token_cookie", fresh));
    assert_eq!(
        send(&jwt, bare).await,
        (401, json!({"msg": "Missing CSRF token"}))
    );
    let refresh_token = jwt.create_refresh_token("carol").finish().unwrap();
    let request = TestRequest::post()
        .uri("/refresh")
        .with_jwt_cookies(&jwt, &refresh_token)
        .unwrap();
    assert_eq!(send(&jwt, request).await.0, 200);
    assert!(TestRequest::get()
        .with_jwt_cookies(&jwt, "not.a.token")
        .is_err());
}

// The README's "Testing your app" example, as it stands there.
mod readme {
    use actix_jwt_extended::test::{JwtTestRequest, TestTokenBuilder};
    use actix_jwt_extended::{get_jwt, jwt_required, JwtConfig, JwtManager};
    use actix_web::test::{self, TestRequest};
    use actix_web::{get, App, HttpResponse};
    use serde_json::json;

    #[get("/protected")]
    #[jwt_required]
    async fn protected() -> HttpResponse {
        HttpResponse::Ok().json(json!({"role": get_jwt().get("role")}))
    }

    #[actix_web::test]
    async fn admins_get_in_and_expired_tokens_do_not() {
        let jwt = JwtManager::new(JwtConfig {
            secret_key: Some("test".into()),
            ..Default::default()
        })
        .unwrap();
        let app = test::init_service(
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(protected),
        )
        .await;

        let admin = jwt
            .create_access_token("alice")
            .claim("role", "admin")
            .finish()
            .unwrap();
        let request = TestRequest::get()
            .uri("/protected")
            .with_bearer(&admin)
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), 200);

        let expired = jwt.create_access_token("alice").expired().finish().unwrap();
        let request = TestRequest::get()
            .uri("/protected")
            .with_bearer(&expired)
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), 401); // {"msg": "Token has expired"}
    }
}
