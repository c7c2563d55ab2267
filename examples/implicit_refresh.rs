//! Flask-JWT-Extended's `examples/implicit_refresh.py` (docs: "Refreshing Tokens", implicit
//! refreshing with cookies) on actix-web: access tokens live one hour in a cookie, and every
//! successful response of a protected route replaces a token that expires within 30 minutes,
//! so an active user is never logged out.
//!
//! ```sh
//! cargo run --example implicit_refresh  # PORT=8080 cargo run --example implicit_refresh
//! http --session=demo POST :5000/login
//! http --session=demo GET :5000/protected
//! http --session=demo POST :5000/logout
//! ```

#[path = "support/listen.rs"]
mod listen;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_jwt_extended::{
    create_access_token, jwt_required, JwtConfig, JwtCookies, JwtError, JwtManager, TokenLocation,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer, Responder};
use serde_json::json;

/// A token expiring sooner than this is replaced (Flask's `timedelta(minutes=30)`).
pub const REFRESH_WINDOW: Duration = Duration::from_secs(30 * 60);

/// The JWT manager of this app.
pub fn jwt_manager() -> JwtManager {
    let config = JwtConfig {
        // `Secure` cookies are only sent over HTTPS, and this demo serves plain HTTP on
        // localhost. In production, set this to true.
        cookie_secure: false,
        token_location: vec![TokenLocation::Cookies],
        secret_key: Some("super-secret".into()), // change this!
        access_token_expires: Some(Duration::from_secs(3600)),
        ..JwtConfig::default()
    };
    JwtManager::new(config).expect("valid JWT config")
}

/// The routes of this app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `web::resource` rather than `#[post]`: a wrong method then gets 405, as in Flask.
    cfg.service(web::resource("/login").route(web::post().to(login)))
        .service(web::resource("/logout").route(web::post().to(logout)))
        // Flask's `after_request` runs after every route, but it only acts where `get_jwt()`
        // works, i.e. after a protected route: so the middleware wraps the protected routes.
        .service(
            web::resource("/protected")
                .wrap(from_fn(refresh_expiring_jwts))
                .route(web::get().to(protected)),
        );
}

/// After a protected route answered, replaces an access cookie that expires within
/// [`REFRESH_WINDOW`] (Flask's `refresh_expiring_jwts`).
///
/// Flask reads the claims with `get_jwt()`. Here the claims `#[jwt_required]` verified live only
/// while the handler runs, so this decodes the request's access cookie again, with
/// `allow_expired = false`: that verifies the signature and expiry just as the route did, so only
/// a valid token is ever renewed. Error responses (no, invalid or expired token) are left as they
/// are, as Flask's `except (RuntimeError, KeyError)` does, and so are tokens without `exp`.
pub async fn refresh_expiring_jwts(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if !res.status().is_success() {
        return Ok(res);
    }
    let Some(jwt) = JwtManager::from_request(res.request()) else {
        return Ok(res);
    };
    let Some(cookie) = res.request().cookie(&jwt.config().access_cookie_name) else {
        return Ok(res);
    };
    let Ok(claims) = jwt.decode_token(cookie.value(), false) else {
        return Ok(res);
    };
    let (Some(exp), Some(identity)) = (claims.exp(), claims.get(&jwt.config().identity_claim))
    else {
        return Ok(res);
    };
    let target = SystemTime::now() + REFRESH_WINDOW;
    let target = target
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    if i64::try_from(target).unwrap_or(i64::MAX) > exp {
        let access_token = create_access_token(identity).manager(&jwt).finish()?;
        res.response_mut().set_access_cookies(&access_token)?;
    }
    Ok(res)
}

/// Sets the access cookie (and its CSRF cookie).
async fn login() -> Result<HttpResponse, JwtError> {
    let access_token = create_access_token("example_user").finish()?;
    let mut response = HttpResponse::Ok();
    response.set_access_cookies(&access_token)?;
    Ok(response.json(json!({"msg": "login successful"})))
}

/// Deletes the cookies.
async fn logout() -> Result<HttpResponse, JwtError> {
    let mut response = HttpResponse::Ok();
    response.unset_jwt_cookies(None)?;
    Ok(response.json(json!({"msg": "logout successful"})))
}

/// Only requests with a valid access cookie get here.
#[jwt_required]
async fn protected() -> impl Responder {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = listen::port()?;
    let jwt = jwt_manager();
    let server = HttpServer::new(move || App::new().wrap(jwt.clone()).configure(configure))
        .bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port}");
    server.run().await
}
