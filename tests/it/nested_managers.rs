//! A manager given to one scope (`.app_data(b)`) inside an app wrapped with another
//! (`.wrap(a)`): behind every door, the helpers a handler calls (revocation, refresh-token
//! rotation, token functions, cookie helpers) use the manager that verified the request, its
//! keys and its store, never the app's.

use actix_jwt_extended::blocklist::{self, MemoryStore, RefreshRotation, RevocationStore};
use actix_jwt_extended::{
    create_access_token, decode_token, get_csrf_token, get_jwt, jwt_required, Jwt, JwtConfig,
    JwtCookies, JwtError, JwtManager, JwtRequired, Refresh, TokenLocation,
};
use actix_web::{test, web, App, HttpRequest, HttpResponse};
use serde_json::json;

use crate::support::{get_with, send_u16};

/// A manager with its own secret and store, reading headers and cookies (so that its tokens
/// carry the CSRF claim the cookie helpers need).
fn manager(secret: &str, store: &MemoryStore) -> JwtManager {
    let config = JwtConfig {
        secret_key: Some(secret.into()),
        token_location: vec![TokenLocation::Headers, TokenLocation::Cookies],
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .revocation_store(store.clone())
        .build()
        .unwrap()
}

// The handler bodies, the same behind every door.

async fn logout() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "revoked"})))
}

async fn rotate() -> Result<HttpResponse, JwtError> {
    let tokens = RefreshRotation::current()?.refresh(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Decodes the request's own bearer token, reads its CSRF value, mints a token and sets the
/// request's token as cookies, all with the current manager.
fn token_functions(req: &HttpRequest) -> Result<HttpResponse, JwtError> {
    let header = req
        .headers()
        .get("Authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let token = header.strip_prefix("Bearer ").unwrap();
    let claims = decode_token(token, false)?;
    let csrf = get_csrf_token(token)?;
    let minted = create_access_token("minted").finish()?;
    let mut response = HttpResponse::Ok();
    response.set_access_cookies(token)?;
    Ok(response.json(json!({"sub": claims.sub(), "csrf": csrf, "minted": minted})))
}

#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": get_jwt()["sub"]}))
}

#[jwt_required]
async fn macro_logout() -> Result<HttpResponse, JwtError> {
    logout().await
}

#[jwt_required(refresh, skip_revocation_check)]
async fn macro_rotate() -> Result<HttpResponse, JwtError> {
    rotate().await
}

#[jwt_required]
async fn macro_token_functions(req: HttpRequest) -> Result<HttpResponse, JwtError> {
    token_functions(&req)
}

async fn extractor_logout(_jwt: Jwt) -> Result<HttpResponse, JwtError> {
    logout().await
}

async fn extractor_rotate(_jwt: Jwt<Refresh>) -> Result<HttpResponse, JwtError> {
    rotate().await
}

async fn extractor_token_functions(_jwt: Jwt, req: HttpRequest) -> Result<HttpResponse, JwtError> {
    token_functions(&req)
}

async fn plain_logout() -> Result<HttpResponse, JwtError> {
    logout().await
}

async fn plain_rotate() -> Result<HttpResponse, JwtError> {
    rotate().await
}

async fn plain_token_functions(req: HttpRequest) -> Result<HttpResponse, JwtError> {
    token_functions(&req)
}

/// The doors, each a scope under `/b`: `/b/<door>/logout`, `/b/<door>/refresh`,
/// `/b/<door>/functions`.
const DOORS: [&str; 3] = ["macro", "extractor", "middleware"];

/// `a` wraps the app and serves `/a/protected`; `b` is the app data of the scope `/b`.
macro_rules! nested_app {
    ($a:expr, $b:expr) => {
        test::init_service(
            App::new()
                .wrap($a.clone())
                .app_data($a.clone())
                .route("/a/protected", web::get().to(protected))
                .service(
                    web::scope("/b")
                        .app_data($b.clone())
                        .route("/protected", web::get().to(protected))
                        .service(
                            web::scope("/macro")
                                .route("/logout", web::delete().to(macro_logout))
                                .route("/refresh", web::post().to(macro_rotate))
                                .route("/functions", web::get().to(macro_token_functions)),
                        )
                        .service(
                            web::scope("/extractor")
                                .route("/logout", web::delete().to(extractor_logout))
                                .route("/refresh", web::post().to(extractor_rotate))
                                .route("/functions", web::get().to(extractor_token_functions)),
                        )
                        .service(
                            web::scope("/middleware")
                                .service(
                                    web::scope("/refresh")
                                        .wrap(JwtRequired::new().refresh().skip_revocation_check())
                                        .route("", web::post().to(plain_rotate)),
                                )
                                .service(
                                    web::scope("")
                                        .wrap(JwtRequired::new())
                                        .route("/logout", web::delete().to(plain_logout))
                                        .route("/functions", web::get().to(plain_token_functions)),
                                ),
                        ),
                ),
        )
        .await
    };
}

#[actix_web::test]
async fn a_token_revoked_under_a_nested_manager_is_refused_by_it() {
    let (store_a, store_b) = (MemoryStore::new(), MemoryStore::new());
    let (a, b) = (manager("secret-a", &store_a), manager("secret-b", &store_b));
    let app = nested_app!(a, b);
    for door in DOORS {
        let token = b.create_access_token("bob").finish().unwrap();
        let jti = b
            .decode_token(&token, false)
            .unwrap()
            .jti()
            .unwrap()
            .to_owned();
        let logout = test::TestRequest::delete()
            .uri(&format!("/b/{door}/logout"))
            .insert_header(crate::support::bearer(&token));
        assert_eq!(
            send_u16(&app, logout.to_request()).await,
            (200, json!({"msg": "revoked"})),
            "{door}"
        );
        assert_eq!(
            send_u16(&app, get_with("/b/protected", &token).to_request()).await,
            (401, json!({"msg": "Token has been revoked"})),
            "{door}: the token of b is revoked in b's store"
        );
        assert!(store_b.is_revoked(&jti).await.unwrap(), "{door}");
        assert!(!store_a.is_revoked(&jti).await.unwrap(), "{door}");
    }
}

#[actix_web::test]
async fn rotation_under_a_nested_manager_signs_with_it() {
    let (store_a, store_b) = (MemoryStore::new(), MemoryStore::new());
    let (a, b) = (manager("secret-a", &store_a), manager("secret-b", &store_b));
    let app = nested_app!(a, b);
    for door in DOORS {
        let refresh = RefreshRotation::new(&b).login("bob").unwrap().refresh_token;
        let exchange = test::TestRequest::post()
            .uri(&format!("/b/{door}/refresh"))
            .insert_header(crate::support::bearer(&refresh));
        let (status, body) = send_u16(&app, exchange.to_request()).await;
        assert_eq!(status, 200, "{door}: {body}");
        for token in [&body["access_token"], &body["refresh_token"]] {
            let token = token.as_str().unwrap();
            assert!(b.decode_token(token, false).is_ok(), "{door}");
            assert!(a.decode_token(token, false).is_err(), "{door}");
        }
        let access = body["access_token"].as_str().unwrap();
        assert_eq!(
            send_u16(&app, get_with("/b/protected", access).to_request()).await,
            (200, json!({"sub": "bob"})),
            "{door}"
        );
        assert_eq!(
            send_u16(&app, get_with("/a/protected", access).to_request()).await,
            (422, json!({"msg": "Signature verification failed"})),
            "{door}"
        );
        // The exchange was recorded in b's store: the old refresh token is now reuse.
        let again = test::TestRequest::post()
            .uri(&format!("/b/{door}/refresh"))
            .insert_header(crate::support::bearer(&refresh));
        assert_eq!(
            send_u16(&app, again.to_request()).await,
            (401, json!({"msg": "Token has been revoked"})),
            "{door}"
        );
    }
}

#[actix_web::test]
async fn token_functions_under_a_nested_manager_use_it() {
    let (store_a, store_b) = (MemoryStore::new(), MemoryStore::new());
    let (a, b) = (manager("secret-a", &store_a), manager("secret-b", &store_b));
    let app = nested_app!(a, b);
    for door in DOORS {
        let token = b.create_access_token("bob").finish().unwrap();
        let csrf = b.decode_token(&token, false).unwrap()["csrf"].clone();
        let req = get_with(&format!("/b/{door}/functions"), &token).to_request();
        let resp = test::call_service(&app, req).await;
        let status = resp.status().as_u16();
        let cookies: Vec<String> = resp
            .response()
            .cookies()
            .map(|cookie| cookie.name().to_owned())
            .collect();
        let body: serde_json::Value = test::read_body_json(resp).await;
        assert_eq!(status, 200, "{door}: {body}");
        assert_eq!(
            (&body["sub"], &body["csrf"]),
            (&json!("bob"), &csrf),
            "{door}"
        );
        let minted = body["minted"].as_str().unwrap();
        assert!(b.decode_token(minted, false).is_ok(), "{door}");
        assert!(a.decode_token(minted, false).is_err(), "{door}");
        assert_eq!(
            cookies,
            ["access_token_cookie", "csrf_access_token"],
            "{door}"
        );
    }
}

// A scope wrapped with its own manager as well makes it current on the routes without a door
// too: its login signs with it.
#[actix_web::test]
async fn a_scope_wrapped_with_its_manager_makes_it_current_without_a_door() {
    async fn login() -> Result<HttpResponse, JwtError> {
        let token = create_access_token("bob").finish()?;
        Ok(HttpResponse::Ok().json(json!({ "token": token })))
    }
    let (store_a, store_b) = (MemoryStore::new(), MemoryStore::new());
    let (a, b) = (manager("secret-a", &store_a), manager("secret-b", &store_b));
    let app = test::init_service(
        App::new().wrap(a.clone()).app_data(a.clone()).service(
            web::scope("/wrapped")
                .app_data(b.clone())
                .wrap(b.clone())
                .route("/login", web::post().to(login))
                .route("/logout", web::delete().to(extractor_logout))
                .route("/protected", web::get().to(protected)),
        ),
    )
    .await;
    let login = test::TestRequest::post().uri("/wrapped/login");
    let (status, body) = send_u16(&app, login.to_request()).await;
    assert_eq!(status, 200);
    let token = body["token"].as_str().unwrap();
    assert!(b.decode_token(token, false).is_ok());
    assert!(a.decode_token(token, false).is_err());
    let logout = test::TestRequest::delete()
        .uri("/wrapped/logout")
        .insert_header(crate::support::bearer(token));
    assert_eq!(send_u16(&app, logout.to_request()).await.0, 200);
    assert_eq!(
        send_u16(&app, get_with("/wrapped/protected", token).to_request()).await,
        (401, json!({"msg": "Token has been revoked"}))
    );
}
