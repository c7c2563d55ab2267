//! Typed claims: `get_jwt_as::<C>()`, `get_jwt_identity_as::<T>()` and `Jwt<K, C>` read the
//! claims as the app's own types, deserialized once per request; additional claims are given
//! as any `Serialize` type; a type that does not fit is Flask's 422 naming the claim.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_jwt_extended::{
    get_jwt_as, get_jwt_identity_as, jwt_required, Access, Jwt, JwtConfig, JwtError, JwtManager,
    OptionalJwt,
};
use actix_web::{get, test, App, HttpResponse};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use crate::support::send_u16;

/// The claims the app adds at login.
#[derive(Serialize)]
struct Extra {
    roles: Vec<&'static str>,
    level: u8,
}

/// How many times `Counted` was deserialized (only the test that asserts it uses the type).
static DESERIALIZED: AtomicUsize = AtomicUsize::new(0);

fn counted_roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    DESERIALIZED.fetch_add(1, Ordering::SeqCst);
    Vec::deserialize(d)
}

/// The app's view of its tokens, counting its deserializations.
#[derive(Deserialize)]
struct Counted {
    sub: String,
    #[serde(deserialize_with = "counted_roles")]
    roles: Vec<String>,
    level: u8,
}

#[derive(Deserialize)]
struct Roles {
    roles: Vec<String>,
}

#[derive(Deserialize)]
struct MaybeRoles {
    roles: Option<Vec<String>>,
}

fn manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("typed-claims-secret".into()),
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .build()
        .unwrap()
}

/// The macro's context, an extractor and two readers on one request.
#[get("/counted")]
#[jwt_required]
async fn counted(jwt: Jwt<Access, Counted>) -> Result<HttpResponse, JwtError> {
    let first = get_jwt_as::<Counted>()?;
    let again = get_jwt_as::<Counted>()?;
    Ok(HttpResponse::Ok().json(json!({
        "sub": jwt.sub,
        "roles": first.roles,
        "level": again.level,
        "identity": get_jwt_identity_as::<String>()?,
    })))
}

#[get("/roles")]
async fn roles(jwt: Jwt<Access, Roles>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "roles": jwt.roles }))
}

#[get("/numeric-identity")]
#[jwt_required]
async fn numeric_identity() -> Result<HttpResponse, JwtError> {
    let id: i64 = get_jwt_identity_as()?;
    Ok(HttpResponse::Ok().json(json!({ "id": id })))
}

#[get("/optional")]
async fn optional(jwt: OptionalJwt<Access, MaybeRoles>) -> Result<HttpResponse, JwtError> {
    Ok(HttpResponse::Ok().json(json!({
        "extracted": jwt.as_ref().map(|jwt| jwt.roles.clone()),
        "read": get_jwt_as::<MaybeRoles>()?.roles,
        "identity": get_jwt_identity_as::<Option<String>>()?,
    })))
}

fn get(uri: &str, token: Option<&str>) -> test::TestRequest {
    let req = test::TestRequest::get().uri(uri);
    match token {
        Some(token) => req.insert_header(("Authorization", format!("Bearer {token}"))),
        None => req,
    }
}

#[actix_web::test]
async fn typed_claims_are_deserialized_once_per_request() {
    let jwt = manager();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(counted),
    )
    .await;
    let token = jwt
        .create_access_token("ann")
        .additional_claims(Extra {
            roles: vec!["admin", "ops"],
            level: 3,
        })
        .finish()
        .unwrap();
    let (status, body) = send_u16(&app, get("/counted", Some(&token)).to_request()).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"sub": "ann", "roles": ["admin", "ops"], "level": 3, "identity": "ann"})
        )
    );
    assert_eq!(DESERIALIZED.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn claims_that_do_not_fit_are_a_422_naming_the_claim() {
    let jwt = manager();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(roles)
            .service(numeric_identity),
    )
    .await;
    let fits = jwt
        .create_access_token("ann")
        .claim("roles", ["admin"])
        .finish()
        .unwrap();
    assert_eq!(
        send_u16(&app, get("/roles", Some(&fits)).to_request()).await,
        (200, json!({"roles": ["admin"]}))
    );

    let wrong_type = jwt
        .create_access_token("ann")
        .claim("roles", "admin")
        .finish()
        .unwrap();
    assert_eq!(
        send_u16(&app, get("/roles", Some(&wrong_type)).to_request()).await,
        (
            422,
            json!({"msg": "unexpected claim `roles`: invalid type: string \"admin\", expected a sequence"})
        )
    );
    let missing = jwt.create_access_token("ann").finish().unwrap();
    assert_eq!(
        send_u16(&app, get("/roles", Some(&missing)).to_request()).await,
        (
            422,
            json!({"msg": "unexpected token content: missing field `roles`"})
        )
    );
    assert_eq!(
        send_u16(&app, get("/numeric-identity", Some(&missing)).to_request()).await,
        (
            422,
            json!({"msg": "unexpected claim `sub`: invalid type: string \"ann\", expected i64"})
        )
    );
}

#[actix_web::test]
async fn an_optional_route_without_a_token_reads_empty_claims() {
    let jwt = manager();
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(optional),
    )
    .await;
    assert_eq!(
        send_u16(&app, get("/optional", None).to_request()).await,
        (
            200,
            json!({"extracted": null, "read": null, "identity": null})
        )
    );
    let token = jwt
        .create_access_token("ann")
        .claim("roles", ["admin"])
        .finish()
        .unwrap();
    assert_eq!(
        send_u16(&app, get("/optional", Some(&token)).to_request()).await,
        (
            200,
            json!({"extracted": ["admin"], "read": ["admin"], "identity": "ann"})
        )
    );
}
