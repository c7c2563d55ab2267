//! Shared by the `blocklist_*` tests: the routes of upstream's `tests/test_blocklist.py` fixture
//! plus rotation routes, one test body per upstream test and per rotation case, run against every
//! store by [`store_tests!`], a private `redis-server` per test, and private PostgreSQL clusters.
#![allow(dead_code)]

pub mod postgres_server;
pub mod redis_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{
    self, BoxFuture, RefreshRotation, RevocationStore, StoreError, TokenIds, TokenPair,
    FAMILY_CLAIM,
};
use actix_jwt_extended::{
    get_jwt, get_jwt_identity, jwt_required, Claims, JwtConfig, JwtError, JwtHeader, JwtManager,
    JwtManagerBuilder,
};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::test::{self, TestRequest};
use actix_web::{delete, get, post, App, HttpResponse};
use serde_json::{json, Value};

use super::config;

// ---------------------------------------------------------------------------------------------
// Upstream's fixture routes.

fn foo_bar() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    foo_bar()
}

#[get("/protected_skip_blocklist")]
#[jwt_required(verify_type = false, skip_revocation_check)]
async fn protected_skip_blocklist() -> HttpResponse {
    foo_bar()
}

#[get("/protected_noskip_blocklist")]
#[jwt_required(verify_type = false)]
async fn protected_noskip_blocklist() -> HttpResponse {
    foo_bar()
}

#[get("/refresh_protected")]
#[jwt_required(refresh)]
async fn refresh_protected() -> HttpResponse {
    foo_bar()
}

// Logout and rotation routes, written as the docs tell users to.

#[delete("/logout")]
#[jwt_required]
async fn logout() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Access token revoked"})))
}

#[post("/login")]
async fn login() -> Result<HttpResponse, JwtError> {
    let tokens = RefreshRotation::current()?.login("username")?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[post("/refresh")]
#[jwt_required(refresh, skip_revocation_check)]
async fn refresh() -> Result<HttpResponse, JwtError> {
    let tokens = RefreshRotation::current()?.refresh(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[delete("/logout_session")]
#[jwt_required]
async fn logout_session() -> Result<HttpResponse, JwtError> {
    RefreshRotation::current()?.logout(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Session revoked"})))
}

#[delete("/logout_everywhere")]
#[jwt_required]
async fn logout_everywhere() -> Result<HttpResponse, JwtError> {
    RefreshRotation::current()?
        .revoke_all_for(get_jwt_identity())
        .await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Every token revoked"})))
}

/// The app of every blocklist test, around `jwt`.
pub fn app(
    jwt: JwtManager,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(jwt.clone())
        .app_data(jwt)
        .service(protected)
        .service(protected_skip_blocklist)
        .service(protected_noskip_blocklist)
        .service(refresh_protected)
        .service(logout)
        .service(login)
        .service(refresh)
        .service(logout_session)
        .service(logout_everywhere)
}

/// A store whose backend refuses every connection.
#[derive(Clone)]
pub struct Down;

impl RevocationStore for Down {
    fn revoke<'a>(
        &'a self,
        _jti: &'a str,
        _expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(refused()) })
    }

    fn is_revoked<'a>(&'a self, _jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { Err(refused()) })
    }
}

/// What [`Down`] answers: a refused connection, retryable, with the I/O error as its source.
fn refused() -> StoreError {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
    StoreError::retryable("connection refused").with_source(io)
}

/// A manager over [`config`] with `store`.
pub fn manager(store: impl RevocationStore) -> JwtManager {
    builder(store).build().expect("valid test config")
}

/// [`manager`]'s builder, to add loaders.
pub fn builder(store: impl RevocationStore) -> JwtManagerBuilder {
    builder_with(config(), store)
}

/// A builder over `config` with `store`.
pub fn builder_with(config: JwtConfig, store: impl RevocationStore) -> JwtManagerBuilder {
    JwtManager::builder(config)
        .ignore_registered_loaders()
        // "Log out everywhere" reaches one second ahead, not a minute: a new login works once
        // `past_the_skew` has waited it out.
        .clock_skew(TEST_CLOCK_SKEW)
        .revocation_store(store)
}

/// Status and JSON body of `$req` (a `TestRequest`) sent to `$app`.
macro_rules! call {
    ($app:expr, $req:expr) => {
        async {
            let resp = ::actix_web::test::call_service(&$app, $req.to_request()).await;
            $crate::support::blocklist::read(resp).await
        }
    };
}
pub(crate) use call;

/// Status and JSON body of a response.
pub async fn read<B: MessageBody>(resp: ServiceResponse<B>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// `GET path` with `token` as bearer.
pub fn get(path: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
}

/// `POST path` with `token` as bearer.
pub fn post(path: &str, token: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
}

/// `DELETE path` with `token` as bearer.
pub fn delete(path: &str, token: &str) -> TestRequest {
    TestRequest::delete()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
}

/// The `foo: bar` answer of the fixture's routes.
pub fn ok() -> (u16, Value) {
    (200, json!({"foo": "bar"}))
}

/// Flask's answer for a revoked token.
pub fn revoked() -> (u16, Value) {
    (401, json!({"msg": "Token has been revoked"}))
}

// ---------------------------------------------------------------------------------------------
// A store that records what the pipeline asks, to check that the store is (not) consulted.

/// Forwards to `inner` and records the `jti` of every revocation check.
#[derive(Clone)]
pub struct Spy<S> {
    inner: S,
    asked: Arc<Mutex<Vec<String>>>,
}

impl<S: RevocationStore + Clone> Spy<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            asked: Arc::default(),
        }
    }

    /// The `jti`s asked about so far.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl<S: RevocationStore> RevocationStore for Spy<S> {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.revoke(jti, expires_at)
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.asked.lock().unwrap().push(jti.to_owned());
        self.inner.is_revoked(jti)
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.revoke_once(jti, expires_at)
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.revoke_subject(subject, issued_up_to, expires_at)
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        self.inner.subject_revoked_up_to(subject)
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.asked
            .lock()
            .unwrap()
            .push(token.jti.unwrap_or_default().to_owned());
        self.inner.is_token_revoked(token)
    }
}

// ---------------------------------------------------------------------------------------------
// Upstream's test_blocklist.py, with the blocklist loader replaced by a real store: "the loader
// says revoked" becomes "the token was revoked in the store".

/// Revokes `token` (decoded with `jwt`) in `jwt`'s store, as a logout does.
async fn revoke(jwt: &JwtManager, token: &str) {
    let claims = jwt.decode_token(token, false).unwrap();
    blocklist::revoke_claims(jwt, &claims).await.unwrap();
}

fn jti(jwt: &JwtManager, token: &str) -> String {
    jwt.decode_token(token, false)
        .unwrap()
        .jti()
        .unwrap()
        .to_owned()
}

// Upstream `test_blocklisted_access_token_revocation_skip`
pub async fn test_blocklisted_access_token_revocation_skip<S: RevocationStore + Clone>(store: S) {
    let spy = Spy::new(store);
    let jwt = manager(spy.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    revoke(&jwt, &access_token).await;

    assert_eq!(
        call!(app, get("/protected_skip_blocklist", &access_token)).await,
        ok()
    );
    assert!(spy.asked().is_empty(), "the store was consulted");
}

// Upstream `test_blocklisted_access_token_revocation_no_skip`
pub async fn test_blocklisted_access_token_revocation_no_skip<S: RevocationStore + Clone>(
    store: S,
) {
    let spy = Spy::new(store);
    let jwt = manager(spy.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    revoke(&jwt, &access_token).await;

    assert_eq!(
        call!(app, get("/protected_noskip_blocklist", &access_token)).await,
        revoked()
    );
    assert_eq!(spy.asked(), [jti(&jwt, &access_token)]);
}

// Upstream `test_non_blocklisted_access_token`
pub async fn test_non_blocklisted_access_token<S: RevocationStore + Clone>(store: S) {
    let spy = Spy::new(store);
    let jwt = manager(spy.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    let other = jwt.create_access_token("username").finish().unwrap();
    revoke(&jwt, &other).await;

    assert_eq!(call!(app, get("/protected", &access_token)).await, ok());
    assert_eq!(spy.asked(), [jti(&jwt, &access_token)]);
}

// Upstream `test_blocklisted_access_token`
pub async fn test_blocklisted_access_token<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app, get("/protected", &access_token)).await, ok());
    revoke(&jwt, &access_token).await;

    assert_eq!(
        call!(app, get("/protected", &access_token)).await,
        revoked()
    );
}

// Upstream `test_non_blocklisted_refresh_token`
pub async fn test_non_blocklisted_refresh_token<S: RevocationStore + Clone>(store: S) {
    let spy = Spy::new(store);
    let jwt = manager(spy.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();

    assert_eq!(
        call!(app, get("/refresh_protected", &refresh_token)).await,
        ok()
    );
    assert_eq!(spy.asked(), [jti(&jwt, &refresh_token)]);
}

// Upstream `test_blocklisted_refresh_token`
pub async fn test_blocklisted_refresh_token<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let refresh_token = jwt.create_refresh_token("username").finish().unwrap();
    revoke(&jwt, &refresh_token).await;

    assert_eq!(
        call!(app, get("/refresh_protected", &refresh_token)).await,
        revoked()
    );
}

// Upstream `test_custom_blocklisted_message`
pub async fn test_custom_blocklisted_message<S: RevocationStore + Clone>(store: S) {
    let seen = Arc::new(Mutex::new(None));
    let seen_in_loader = Arc::clone(&seen);
    let jwt = builder(store.clone())
        .revoked_token_loader(move |header: &JwtHeader, claims: &Claims| {
            *seen_in_loader.lock().unwrap() = Some((
                header.alg().map(str::to_owned),
                claims.sub().map(str::to_owned),
            ));
            HttpResponse::NotFound().json(json!({"baz": "foo"}))
        })
        .build()
        .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let access_token = jwt.create_access_token("username").finish().unwrap();
    revoke(&jwt, &access_token).await;

    assert_eq!(
        call!(app, get("/protected", &access_token)).await,
        (404, json!({"baz": "foo"}))
    );
    assert_eq!(
        *seen.lock().unwrap(),
        Some((Some("HS256".to_owned()), Some("username".to_owned())))
    );
}

// ---------------------------------------------------------------------------------------------
// Logout (the docs' blocklist examples) and store behaviour shared by every store.

/// `DELETE /logout` revokes exactly the token that called it, until its `exp`.
pub async fn logout_revokes_only_the_calling_token<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let other = jwt.create_access_token("username").finish().unwrap();

    assert_eq!(
        call!(app, delete("/logout", &token)).await,
        (200, json!({"msg": "Access token revoked"}))
    );
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());
    assert_eq!(call!(app, delete("/logout", &token)).await, revoked());
    assert_eq!(call!(app, get("/protected", &other)).await, ok());
    assert!(store.is_revoked(&jti(&jwt, &token)).await.unwrap());
    assert!(!store.is_revoked(&jti(&jwt, &other)).await.unwrap());
}

/// Many concurrent `revoke_once` of one id: exactly one wins (the rotation's exchange step).
pub async fn revoke_once_has_exactly_one_winner<S: RevocationStore + Clone>(store: S) {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            actix_web::rt::spawn(
                async move { store.revoke_once("contended-jti", None).await.unwrap() },
            )
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
    assert!(!store.revoke_once("contended-jti", None).await.unwrap());
    assert!(store.revoke_once("other-jti", None).await.unwrap());
}

/// A subject cutoff revokes the tokens issued up to it, not the later ones, and only moves
/// forward.
pub async fn subject_revocation_is_a_cutoff<S: RevocationStore + Clone>(store: S) {
    let ids = |subject: &'static str, iat| TokenIds {
        subject: Some(subject.into()),
        issued_at: Some(iat),
        ..TokenIds::default()
    };
    assert_eq!(store.subject_revoked_up_to("ann").await.unwrap(), None);
    store.revoke_subject("ann", 1_000, None).await.unwrap();
    assert!(store.is_token_revoked(&ids("ann", 999)).await.unwrap());
    assert!(store.is_token_revoked(&ids("ann", 1_000)).await.unwrap());
    assert!(!store.is_token_revoked(&ids("ann", 1_001)).await.unwrap());
    assert!(!store.is_token_revoked(&ids("bob", 999)).await.unwrap());
    // Issue 12 item 5: a token without `iat` cannot show it is newer than the cutoff.
    let no_iat = TokenIds {
        subject: Some("ann".into()),
        ..TokenIds::default()
    };
    assert!(store.is_token_revoked(&no_iat).await.unwrap());
    store.revoke_subject("ann", 500, None).await.unwrap();
    assert_eq!(
        store.subject_revoked_up_to("ann").await.unwrap(),
        Some(1_000)
    );
    let family = TokenIds {
        jti: Some("not-revoked"),
        family: Some("fam-1"),
        ..TokenIds::default()
    };
    assert!(!store.is_token_revoked(&family).await.unwrap());
    store.revoke("fam-1", None).await.unwrap();
    assert!(store.is_token_revoked(&family).await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// Refresh-token rotation with reuse detection.

/// `POST /login`: a new rotated pair.
macro_rules! login_pair {
    ($app:expr) => {
        async {
            let (status, body) = call!($app, TestRequest::post().uri("/login")).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_value::<TokenPair>(body).unwrap()
        }
    };
}

/// `POST /refresh` with `$refresh_token`.
macro_rules! exchange {
    ($app:expr, $refresh_token:expr) => {
        call!($app, post("/refresh", $refresh_token))
    };
}

fn family(jwt: &JwtManager, token: &str) -> String {
    jwt.decode_token(token, false).unwrap()[FAMILY_CLAIM]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Exchanging a refresh token returns a new pair of the same family; the new tokens work.
pub async fn rotation_exchange_keeps_the_family<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let first = login_pair!(app).await;
    let access = jwt.decode_token(&first.access_token, false).unwrap();
    assert_eq!(access["fresh"], true, "login tokens are fresh");
    assert_eq!(access["sub"], "username");
    assert_eq!(
        family(&jwt, &first.access_token),
        family(&jwt, &first.refresh_token)
    );

    let (status, body) = exchange!(app, &first.refresh_token).await;
    assert_eq!(status, 200, "{body}");
    let second: TokenPair = serde_json::from_value(body).unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        family(&jwt, &second.refresh_token),
        family(&jwt, &first.refresh_token)
    );
    let access = jwt.decode_token(&second.access_token, false).unwrap();
    assert_eq!(
        (access["fresh"].clone(), access["sub"].clone()),
        (json!(false), json!("username"))
    );
    assert_eq!(
        call!(app, get("/protected", &second.access_token)).await,
        ok()
    );
    assert_eq!(exchange!(app, &second.refresh_token).await.0, 200);
    // An access token is not a refresh token.
    assert_eq!(
        exchange!(app, &second.access_token).await,
        (422, json!({"msg": "Only refresh tokens are allowed"}))
    );
}

/// Presenting an exchanged refresh token again revokes its whole family: the thief's and the
/// user's refresh tokens are refused; other families are untouched.
pub async fn rotation_reuse_revokes_the_family<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let first = login_pair!(app).await;
    let other_session = login_pair!(app).await;
    let (status, body) = exchange!(app, &first.refresh_token).await;
    assert_eq!(status, 200);
    let second: TokenPair = serde_json::from_value(body).unwrap();

    assert_eq!(exchange!(app, &first.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &second.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &other_session.refresh_token).await.0, 200);
}

/// After reuse, the access tokens of the family are refused by every route too.
pub async fn rotation_reuse_revokes_the_family_access_tokens<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let first = login_pair!(app).await;
    let other_session = login_pair!(app).await;
    let (_, body) = exchange!(app, &first.refresh_token).await;
    let second: TokenPair = serde_json::from_value(body).unwrap();
    assert_eq!(
        call!(app, get("/protected", &second.access_token)).await,
        ok()
    );

    assert_eq!(exchange!(app, &first.refresh_token).await, revoked());
    assert_eq!(
        call!(app, get("/protected", &first.access_token)).await,
        revoked()
    );
    assert_eq!(
        call!(app, get("/protected", &second.access_token)).await,
        revoked()
    );
    assert_eq!(
        call!(app, get("/protected", &other_session.access_token)).await,
        ok()
    );
}

/// `logout` of a rotated session revokes its family: its refresh token cannot be exchanged.
pub async fn rotation_logout_revokes_the_session<S: RevocationStore + Clone>(store: S) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let session = login_pair!(app).await;
    let other_session = login_pair!(app).await;

    assert_eq!(
        call!(app, delete("/logout_session", &session.access_token))
            .await
            .0,
        200
    );
    assert_eq!(exchange!(app, &session.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &other_session.refresh_token).await.0, 200);
}

/// `revoke_all_for` refuses the refresh tokens of every family of the user; a new login
/// (past the manager's `clock_skew`) works.
pub async fn rotation_revoke_all_for_refuses_every_refresh_token<S: RevocationStore + Clone>(
    store: S,
) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let first = login_pair!(app).await;
    let second = login_pair!(app).await;
    let someone_else = jwt.create_refresh_token("someone_else").finish().unwrap();

    assert_eq!(
        call!(app, delete("/logout_everywhere", &first.access_token))
            .await
            .0,
        200
    );
    assert_eq!(exchange!(app, &first.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &second.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &someone_else).await.0, 200);

    // Tokens issued within the skew are refused too (`iat` has whole seconds: those of the
    // cutoff's second as well); past it, a new login works.
    let early = login_pair!(app).await;
    assert_eq!(exchange!(app, &early.refresh_token).await, revoked());
    past_the_skew().await;
    let again = login_pair!(app).await;
    assert_eq!(exchange!(app, &again.refresh_token).await.0, 200);
}

/// `revoke_all_for` refuses every access token of the user on every route, rotated or not.
pub async fn rotation_revoke_all_for_refuses_every_access_token<S: RevocationStore + Clone>(
    store: S,
) {
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let session = login_pair!(app).await;
    let plain = jwt.create_access_token("username").finish().unwrap();
    let someone_else = jwt.create_access_token("someone_else").finish().unwrap();

    assert_eq!(
        call!(app, delete("/logout_everywhere", &plain)).await.0,
        200
    );
    assert_eq!(
        call!(app, get("/protected", &session.access_token)).await,
        revoked()
    );
    assert_eq!(call!(app, get("/protected", &plain)).await, revoked());
    assert_eq!(call!(app, get("/protected", &someone_else)).await, ok());
    past_the_skew().await;
    let again = login_pair!(app).await;
    assert_eq!(
        call!(app, get("/protected", &again.access_token)).await,
        ok()
    );
}

/// Issue 12 item 6: revoked ids, subject cutoffs and family state live in separate
/// namespaces: revoking a `jti` spelled like a store key never moves a subject's cutoff.
pub async fn a_jti_cannot_overwrite_a_subject_cutoff<S: RevocationStore + Clone>(store: S) {
    store.revoke_subject("alice", 1_000, None).await.unwrap();
    for jti in ["sub:alice", "alice", "fam:alice", "jti:sub:alice"] {
        store.revoke(jti, None).await.unwrap();
        store.revoke_once(jti, None).await.unwrap();
    }
    assert_eq!(
        store.subject_revoked_up_to("alice").await.unwrap(),
        Some(1_000)
    );
    let alice = TokenIds {
        jti: Some("fresh-jti"),
        subject: Some("alice".into()),
        issued_at: Some(900),
        ..TokenIds::default()
    };
    assert!(store.is_token_revoked(&alice).await.unwrap());
    // And family state is not a revocation.
    assert!(store.advance_family("fam-x", 0, None, None).await.unwrap());
    let family = TokenIds {
        family: Some("fam-x"),
        ..TokenIds::default()
    };
    assert!(!store.is_token_revoked(&family).await.unwrap());
}

/// Many concurrent exchanges of one generation of a family: exactly one wins.
pub async fn advance_family_has_exactly_one_winner<S: RevocationStore + Clone>(store: S) {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            actix_web::rt::spawn(async move {
                store
                    .advance_family("contended-family", 3, Some("ann"), None)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
    let advance = |generation| store.advance_family("contended-family", generation, None, None);
    assert!(!advance(2).await.unwrap(), "an older generation");
    assert!(!advance(3).await.unwrap(), "the same generation");
    assert!(advance(4).await.unwrap());
}

/// Issue 12 item 1: with a leeway, a token is accepted after its `exp`, so its revocation must
/// outlive `exp`. Lifetimes of 2 s, leeway 60 s, the checks 3 s and 4.5 s after issue, with a
/// purge in between: a refresh token exchanged inside the leeway cannot be exchanged again
/// (the family is revoked), and a logged-out access token stays refused.
pub async fn revocations_outlive_exp_by_the_leeway<S: RevocationStore + Clone>(store: S) {
    let jwt = builder_with(
        JwtConfig {
            access_token_expires: Some(Duration::from_secs(2)),
            refresh_token_expires: Some(Duration::from_secs(2)),
            decode_leeway: Duration::from_secs(60),
            ..config()
        },
        store.clone(),
    )
    .build()
    .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let session = login_pair!(app).await;
    let logged_out = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app, delete("/logout", &logged_out)).await.0, 200);

    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        call!(app, get("/protected", &session.access_token)).await,
        ok()
    );
    let (status, body) = exchange!(app, &session.refresh_token).await;
    assert_eq!(status, 200, "{body}");
    let next: TokenPair = serde_json::from_value(body).unwrap();

    // Past the one-second floor an old Redis TTL had, and after a purge.
    actix_web::rt::time::sleep(Duration::from_millis(1_500)).await;
    store.purge().await.unwrap();
    assert_eq!(call!(app, get("/protected", &logged_out)).await, revoked());
    assert_eq!(exchange!(app, &session.refresh_token).await, revoked());
    assert_eq!(exchange!(app, &next.refresh_token).await, revoked());
    assert_eq!(
        call!(app, get("/protected", &next.access_token)).await,
        revoked()
    );
}

/// Issue 12 item 2: a family's rotation state does not grow with its exchanges. `count` says
/// how many entries the store holds.
pub async fn rotation_state_is_one_entry_per_family<S, F, Fut>(store: S, count: F)
where
    S: RevocationStore + Clone,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let jwt = manager(store);
    let rotation = RefreshRotation::new(&jwt);
    let mut pair = rotation.login("username").unwrap();
    let mut seen = Vec::new();
    for _ in 0..200 {
        let claims = jwt.decode_token(&pair.refresh_token, false).unwrap();
        seen.push(claims.clone());
        pair = rotation.refresh(&claims).await.unwrap();
    }
    assert_eq!(count().await, 1, "one entry for 200 exchanges");
    // Every exchanged generation is still seen as reused.
    assert!(rotation.refresh(&seen[57]).await.is_err());
    let claims = jwt.decode_token(&pair.refresh_token, false).unwrap();
    assert!(
        rotation.refresh(&claims).await.is_err(),
        "the family is revoked"
    );
}

/// Sleeps into the next whole second of the clock.
/// The `clock_skew` of the test managers.
pub const TEST_CLOCK_SKEW: Duration = Duration::from_secs(1);

/// Past the second a "log out everywhere" made now reaches ([`TEST_CLOCK_SKEW`] ahead), in
/// whole seconds of `iat`.
async fn past_the_skew() {
    next_second().await;
    actix_web::rt::time::sleep(TEST_CLOCK_SKEW).await;
}

async fn next_second() {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let rest = Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos()));
    actix_web::rt::time::sleep(rest + Duration::from_millis(20)).await;
}

/// Every shared test, as `#[actix_web::test]` functions over `$store`: an `async fn` returning
/// `Option<(store, guard)>` (`None`: skipped, e.g. no `redis-server` outside CI).
macro_rules! store_tests {
    ($store:ident) => {
        $crate::support::blocklist::store_tests!(@tests $store;
            // Upstream `tests/test_blocklist.py`.
            test_blocklisted_access_token_revocation_skip,
            test_blocklisted_access_token_revocation_no_skip,
            test_non_blocklisted_access_token,
            test_blocklisted_access_token,
            test_non_blocklisted_refresh_token,
            test_blocklisted_refresh_token,
            test_custom_blocklisted_message,
            // Beyond upstream: logout, the store primitives, rotation.
            logout_revokes_only_the_calling_token,
            revoke_once_has_exactly_one_winner,
            subject_revocation_is_a_cutoff,
            a_jti_cannot_overwrite_a_subject_cutoff,
            advance_family_has_exactly_one_winner,
            revocations_outlive_exp_by_the_leeway,
            rotation_exchange_keeps_the_family,
            rotation_reuse_revokes_the_family,
            rotation_logout_revokes_the_session,
            rotation_revoke_all_for_refuses_every_refresh_token,
            rotation_reuse_revokes_the_family_access_tokens,
            rotation_revoke_all_for_refuses_every_access_token,
        );
    };
    (@tests $store:ident; $($name:ident,)*) => {$(
        #[actix_web::test]
        async fn $name() {
            let Some((store, _guard)) = $store().await else { return };
            $crate::support::blocklist::$name(store).await;
        }
    )*};
}
pub(crate) use store_tests;
