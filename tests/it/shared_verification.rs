//! One verification per request, and the readers behind every door: a handler with several
//! doors (`JwtRequired`, `Jwt`, `CurrentUser`, `#[jwt_required]`) checks the signature, asks
//! the revocation store and loads the user once; a door with stricter options runs only the
//! checks it adds; a door that would find another token verifies that one. The counts come
//! from a counting decode-key loader (one call per signature check), a counting store and a
//! counting user loader.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_jwt_extended::blocklist::{
    BoxFuture, MemoryStore, RevocationStore, StoreError, TokenIds,
};
use actix_jwt_extended::{
    get_jwt_identity, jwt_required, try_get_jwt, CurrentUser, DecodingKey, FreshAccess, Jwt,
    JwtConfig, JwtErrorKind, JwtManager, JwtRequired, Refresh, TokenLocation,
};
use actix_web::{test, web, App, HttpResponse};
use serde_json::json;

use crate::support::{bearer, get_with, send_u16};

const SECRET: &str = "shared-verification-secret";

/// How often each part of the pipeline ran.
#[derive(Default)]
struct Counts {
    signatures: AtomicUsize,
    revocation_checks: AtomicUsize,
    user_lookups: AtomicUsize,
}

impl Counts {
    fn take(&self) -> [usize; 3] {
        [
            self.signatures.swap(0, Ordering::SeqCst),
            self.revocation_checks.swap(0, Ordering::SeqCst),
            self.user_lookups.swap(0, Ordering::SeqCst),
        ]
    }
}

/// A `MemoryStore` that counts the revocation checks it answers.
struct CountingStore {
    inner: MemoryStore,
    counts: Arc<Counts>,
}

impl RevocationStore for CountingStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<std::time::SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.revoke(jti, expires_at)
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.is_revoked(jti)
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.counts.revocation_checks.fetch_add(1, Ordering::SeqCst);
        self.inner.is_token_revoked(token)
    }
}

#[derive(Debug)]
struct User {
    name: String,
}

/// A manager searching headers, then cookies, counting in `counts`.
fn manager(counts: &Arc<Counts>) -> JwtManager {
    let config = JwtConfig {
        token_location: vec![TokenLocation::Headers, TokenLocation::Cookies],
        cookie_csrf_protect: false,
        ..JwtConfig::default()
    };
    counting_manager(counts, config, false)
}

/// A manager searching the JSON body, then headers, counting in `counts`.
fn json_manager(counts: &Arc<Counts>, exempt_options: bool) -> JwtManager {
    let config = JwtConfig {
        token_location: vec![TokenLocation::Json, TokenLocation::Headers],
        ..JwtConfig::default()
    };
    counting_manager(counts, config, exempt_options)
}

fn counting_manager(counts: &Arc<Counts>, config: JwtConfig, exempt_options: bool) -> JwtManager {
    let config = JwtConfig {
        secret_key: Some(SECRET.into()),
        ..config
    };
    let signatures = Arc::clone(counts);
    let lookups = Arc::clone(counts);
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .exempt_options(exempt_options)
        .decode_key_loader(move |_, _| {
            signatures.signatures.fetch_add(1, Ordering::SeqCst);
            DecodingKey::from_secret(SECRET.as_bytes()).unwrap()
        })
        .user_lookup_loader(move |_, claims| {
            lookups.user_lookups.fetch_add(1, Ordering::SeqCst);
            let name = claims.sub().map(str::to_owned);
            async move { name.map(|name| User { name }) }
        })
        .revocation_store(CountingStore {
            inner: MemoryStore::new(),
            counts: Arc::clone(counts),
        })
        .build()
        .unwrap()
}

async fn three_doors(jwt: Jwt, user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": jwt.sub(),
        "user": user.name,
        "identity": get_jwt_identity(),
    }))
}

async fn fresh_under_scope(jwt: Jwt<FreshAccess>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.sub() }))
}

async fn refresh_under_scope(jwt: Jwt<Refresh>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.sub() }))
}

async fn extractor_only(jwt: Jwt) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": jwt.sub(), "identity": get_jwt_identity() }))
}

#[jwt_required(locations = "cookies")]
async fn cookie_macro_under_header_scope() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "identity": get_jwt_identity() }))
}

#[actix_web::test]
async fn three_doors_verify_once() {
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt.clone()).service(
            web::scope("/api")
                .wrap(JwtRequired::new())
                .route("/three", web::get().to(three_doors))
                .route("/fresh", web::get().to(fresh_under_scope))
                .route("/refresh", web::get().to(refresh_under_scope)),
        ),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();

    let (status, body) = send_u16(&app, get_with("/api/three", &token).to_request()).await;
    assert_eq!(
        (status, &body),
        (
            200,
            &json!({"sub": "ann", "user": "ann", "identity": "ann"})
        )
    );
    // JwtRequired, Jwt and CurrentUser: one signature check, one store round trip, one lookup.
    assert_eq!(counts.take(), [1, 1, 1]);

    // A stricter door (fresh) under the scope: only the freshness check is added.
    let (status, body) = send_u16(&app, get_with("/api/fresh", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (401, json!({"msg": "Fresh token required"}))
    );
    assert_eq!(counts.take(), [1, 1, 1]);
    let fresh = jwt.create_access_token("ann").fresh(true).finish().unwrap();
    let (status, _) = send_u16(&app, get_with("/api/fresh", &fresh).to_request()).await;
    assert_eq!(status, 200);
    assert_eq!(counts.take(), [1, 1, 1]);

    // A door that wants another kind of token looks for it itself (and refuses the access
    // token the scope accepted).
    let (status, body) = send_u16(&app, get_with("/api/refresh", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (422, json!({"msg": "Only refresh tokens are allowed"}))
    );
    assert_eq!(counts.take(), [2, 1, 1]);
}

#[actix_web::test]
async fn a_door_that_skipped_revocation_leaves_the_check_to_the_next() {
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt.clone()).service(
            web::scope("/api")
                .wrap(JwtRequired::new().skip_revocation_check())
                .route("/extractor", web::get().to(extractor_only)),
        ),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let (status, _) = send_u16(&app, get_with("/api/extractor", &token).to_request()).await;
    assert_eq!(status, 200);
    assert_eq!(counts.take(), [1, 1, 1]);

    let claims = jwt.decode_token(&token, false).unwrap();
    actix_jwt_extended::blocklist::revoke_claims(&jwt, &claims)
        .await
        .unwrap();
    counts.take();
    let (status, body) = send_u16(&app, get_with("/api/extractor", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (401, json!({"msg": "Token has been revoked"}))
    );
    assert_eq!(counts.take(), [1, 1, 1]);
}

#[actix_web::test]
async fn a_door_searching_elsewhere_verifies_the_token_it_finds() {
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt.clone()).service(
            web::scope("/api")
                .wrap(JwtRequired::new().locations(&[TokenLocation::Headers]))
                .route("/cookie", web::get().to(cookie_macro_under_header_scope)),
        ),
    )
    .await;
    let in_header = jwt.create_access_token("header-user").finish().unwrap();
    let in_cookie = jwt.create_access_token("cookie-user").finish().unwrap();
    let req = test::TestRequest::get()
        .uri("/api/cookie")
        .insert_header(bearer(&in_header))
        .cookie(actix_web::cookie::Cookie::new(
            "access_token_cookie",
            in_cookie,
        ));
    let (status, body) = send_u16(&app, req.to_request()).await;
    assert_eq!((status, body), (200, json!({"identity": "cookie-user"})));
    assert_eq!(counts.take(), [2, 2, 2]);
}

#[actix_web::test]
async fn readers_see_the_token_an_extractor_verified_only_under_the_manager() {
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let token = jwt.create_access_token("ann").finish().unwrap();

    let wrapped = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .route("/extractor", web::get().to(extractor_only)),
    )
    .await;
    let (status, body) = send_u16(&wrapped, get_with("/extractor", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (200, json!({"sub": "ann", "identity": "ann"}))
    );

    // Without `.wrap(jwt)` the extractor still works; the readers have no request to look in.
    async fn reads_context(jwt: Jwt) -> HttpResponse {
        let error = try_get_jwt().unwrap_err();
        HttpResponse::Ok().json(
            json!({ "sub": jwt.sub(), "no_context": error.kind() == JwtErrorKind::NoContext }),
        )
    }
    let bare = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .route("/extractor", web::get().to(reads_context)),
    )
    .await;
    let (status, body) = send_u16(&bare, get_with("/extractor", &token).to_request()).await;
    assert_eq!(
        (status, body),
        (200, json!({"sub": "ann", "no_context": true}))
    );
}

/// A door that creates its `Jwt` first but polls it late, as a wrapper extractor may.
struct LateJwt(Jwt);

impl actix_web::FromRequest for LateJwt {
    type Error = actix_jwt_extended::JwtError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let jwt = Jwt::from_request(req, payload);
        Box::pin(async move {
            actix_web::rt::task::yield_now().await;
            Ok(LateJwt(jwt.await?))
        })
    }
}

async fn late_and_user(late: LateJwt, user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": late.0.sub(), "user": user.name }))
}

// The door whose body the later doors wait for never waits for them: a JSON body read by a
// door polled first, from a door created first but polled late, completes.
#[actix_web::test]
async fn a_door_polled_late_does_not_deadlock_on_the_body() {
    let counts = Arc::new(Counts::default());
    let jwt = json_manager(&counts, false);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .route("/late", web::post().to(late_and_user)),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let req = test::TestRequest::post()
        .uri("/late")
        .set_json(json!({ "access_token": token }));
    let answered = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        send_u16(&app, req.to_request()),
    )
    .await
    .expect("the request completes");
    assert_eq!(answered, (200, json!({"sub": "ann", "user": "ann"})));
}

// An OPTIONS request the manager exempts reads as an optional route without a token behind
// every door, the extractors included: the readers answer, they do not panic.
#[actix_web::test]
async fn an_exempt_options_request_reads_empty_behind_an_extractor() {
    async fn optional(jwt: actix_jwt_extended::OptionalJwt) -> HttpResponse {
        HttpResponse::Ok().json(json!({
            "token": jwt.as_ref().is_some(),
            "claims": actix_jwt_extended::get_jwt().len(),
            "identity": get_jwt_identity(),
        }))
    }
    let counts = Arc::new(Counts::default());
    let jwt = json_manager(&counts, true);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .route("/optional", web::to(optional)),
    )
    .await;
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/optional");
    assert_eq!(
        send_u16(&app, req.to_request()).await,
        (200, json!({"token": false, "claims": 0, "identity": null}))
    );
}

// Requests served one after another inside one `JwtManager::scope` (no `.wrap(jwt)`) share
// nothing: the second, unprotected, does not see the first one's token.
#[actix_web::test]
async fn requests_in_one_manager_scope_share_nothing() {
    async fn unprotected() -> HttpResponse {
        HttpResponse::Ok().json(json!({ "sees_a_token": try_get_jwt().is_ok() }))
    }
    async fn sub_only(jwt: Jwt) -> HttpResponse {
        HttpResponse::Ok().json(json!({ "sub": jwt.sub() }))
    }
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .route("/extractor", web::get().to(sub_only))
            .route("/unprotected", web::get().to(unprotected)),
    )
    .await;
    let token = jwt.create_access_token("ann").finish().unwrap();
    let (first, second) = jwt
        .scope(async {
            let first = send_u16(&app, get_with("/extractor", &token).to_request()).await;
            let second = send_u16(
                &app,
                test::TestRequest::get().uri("/unprotected").to_request(),
            )
            .await;
            (first, second)
        })
        .await;
    assert_eq!(first, (200, json!({"sub": "ann"})));
    assert_eq!(second, (200, json!({"sees_a_token": false})));
}

// A door given no body (a custom guard calling `verify_jwt_in_request` with `Payload::None`)
// did not search the JSON body: a later door that has it verifies the JSON token, here an
// expired one, instead of reusing the header's.
#[actix_web::test]
async fn a_door_without_the_body_does_not_speak_for_the_json_location() {
    use actix_web::body::MessageBody;
    use actix_web::dev::{ServiceRequest, ServiceResponse};
    use actix_web::middleware::{from_fn, Next};

    async fn guard_without_body(
        req: ServiceRequest,
        next: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        let seen = actix_jwt_extended::verify_jwt_in_request(
            req.request(),
            &mut actix_web::dev::Payload::None,
            actix_jwt_extended::VerifyOptions::new(),
        )
        .await?;
        assert!(seen.is_some(), "the guard verifies the header's token");
        next.call(req).await
    }
    let counts = Arc::new(Counts::default());
    let jwt = json_manager(&counts, false);
    let app = test::init_service(
        App::new().wrap(jwt.clone()).app_data(jwt.clone()).route(
            "/json",
            web::post()
                .to(extractor_only)
                .wrap(from_fn(guard_without_body)),
        ),
    )
    .await;
    let in_header = jwt.create_access_token("header-user").finish().unwrap();
    let expired = jwt
        .create_access_token("json-user")
        .expires_at(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .finish()
        .unwrap();
    let req = test::TestRequest::post()
        .uri("/json")
        .insert_header(bearer(&in_header))
        .set_json(json!({ "access_token": expired }));
    assert_eq!(
        send_u16(&app, req.to_request()).await,
        (401, json!({"msg": "Token has expired"}))
    );
}

// A call of `verify_jwt_in_request` in the handler's body, after the doors, is a verification
// again: it sees a revocation made since the doors (one more store round trip, no signature
// check, no user lookup), behind the macro, an extractor and `JwtRequired` alike.
#[actix_web::test]
async fn a_verification_in_the_handler_body_sees_a_revocation_since_the_doors() {
    async fn revoke_then_verify(
        req: actix_web::HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, actix_jwt_extended::JwtError> {
        use actix_jwt_extended::{blocklist, get_jwt, verify_jwt_in_request, VerifyOptions};
        blocklist::revoke_token(&get_jwt()).await?;
        let mut payload = payload.into_inner();
        let skipping = VerifyOptions::new().skip_revocation_check();
        let seen = verify_jwt_in_request(&req, &mut payload, skipping).await?;
        assert!(seen.is_some(), "the options skip the revocation check");
        verify_jwt_in_request(&req, &mut payload, VerifyOptions::new()).await?;
        Ok(HttpResponse::Ok().json(json!({"msg": "still valid"})))
    }
    #[jwt_required]
    async fn behind_the_macro(
        req: actix_web::HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, actix_jwt_extended::JwtError> {
        revoke_then_verify(req, payload).await
    }
    async fn behind_an_extractor(
        _jwt: Jwt,
        req: actix_web::HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, actix_jwt_extended::JwtError> {
        revoke_then_verify(req, payload).await
    }
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .route("/macro", web::get().to(behind_the_macro))
            .route("/extractor", web::get().to(behind_an_extractor))
            .service(
                web::scope("/scope")
                    .wrap(JwtRequired::new())
                    .route("", web::get().to(revoke_then_verify)),
            ),
    )
    .await;
    for route in ["/macro", "/extractor", "/scope"] {
        let token = jwt.create_access_token("ann").finish().unwrap();
        assert_eq!(
            send_u16(&app, get_with(route, &token).to_request()).await,
            (401, json!({"msg": "Token has been revoked"})),
            "{route}"
        );
        // The doors' verification, then the handler's store round trip.
        assert_eq!(counts.take(), [1, 2, 1], "{route}");
    }
}

// A handler that outlives its token (a long poll, an upload) and verifies it again gets what
// a new request with the token would get.
#[actix_web::test]
async fn a_verification_in_the_handler_body_sees_the_token_expire() {
    async fn outlive_the_token(
        _jwt: Jwt,
        req: actix_web::HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, actix_jwt_extended::JwtError> {
        use actix_jwt_extended::{verify_jwt_in_request, VerifyOptions};
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2100)).await;
        let mut payload = payload.into_inner();
        verify_jwt_in_request(&req, &mut payload, VerifyOptions::new()).await?;
        Ok(HttpResponse::Ok().json(json!({"msg": "still valid"})))
    }
    let counts = Arc::new(Counts::default());
    let jwt = manager(&counts);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .route("/long", web::get().to(outlive_the_token)),
    )
    .await;
    // `exp` has whole seconds: the token lives between one and two seconds.
    let token = jwt
        .create_access_token("ann")
        .expires_in(std::time::Duration::from_secs(2))
        .finish()
        .unwrap();
    assert_eq!(
        send_u16(&app, get_with("/long", &token).to_request()).await,
        (401, json!({"msg": "Token has expired"}))
    );
    assert_eq!(
        send_u16(&app, get_with("/long", &token).to_request()).await,
        (401, json!({"msg": "Token has expired"})),
        "a new request with the token"
    );

    // The manager's decode leeway counts as it does for a new request.
    async fn verify_again(
        _jwt: Jwt,
        req: actix_web::HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, actix_jwt_extended::JwtError> {
        use actix_jwt_extended::{verify_jwt_in_request, VerifyOptions};
        let mut payload = payload.into_inner();
        verify_jwt_in_request(&req, &mut payload, VerifyOptions::new()).await?;
        Ok(HttpResponse::Ok().json(json!({"msg": "still valid"})))
    }
    let config = JwtConfig {
        decode_leeway: std::time::Duration::from_secs(60),
        ..JwtConfig::default()
    };
    let lenient = counting_manager(&counts, config, false);
    let app = test::init_service(
        App::new()
            .wrap(lenient.clone())
            .app_data(lenient.clone())
            .route("/again", web::get().to(verify_again)),
    )
    .await;
    let expired_within_leeway = lenient
        .create_access_token("ann")
        .expires_at(std::time::SystemTime::now() - std::time::Duration::from_secs(5))
        .finish()
        .unwrap();
    assert_eq!(
        send_u16(
            &app,
            get_with("/again", &expired_within_leeway).to_request()
        )
        .await,
        (200, json!({"msg": "still valid"}))
    );
}
