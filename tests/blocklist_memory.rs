//! The blocklist on the in-memory store: upstream `tests/test_blocklist.py` (BEHAVIOUR.md §6
//! items 12–18) with a real store instead of the loader, logout and rotation (shared bodies in
//! `blocklist_support`), and what holds for any store: the loader wins, and a store that
//! fails, hangs or is full refuses the request (fail closed).

#[macro_use]
mod blocklist_support;

use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{BoxFuture, MemoryStore, RevocationStore, StoreError};
use actix_web::test;
use serde_json::{json, Value};

use blocklist_support::{app, builder, delete, get, manager, ok, revoked};

async fn store() -> Option<(MemoryStore, ())> {
    Some((MemoryStore::new(), ()))
}

store_tests!(store);

/// A store whose backend refuses every connection.
#[derive(Clone)]
struct Down;

impl RevocationStore for Down {
    fn revoke<'a>(
        &'a self,
        _jti: &'a str,
        _expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Err(StoreError("connection refused".into())) })
    }

    fn is_revoked<'a>(&'a self, _jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { Err(StoreError("connection refused".into())) })
    }
}

/// A store that never answers.
#[derive(Clone)]
struct Hanging;

impl RevocationStore for Hanging {
    fn revoke<'a>(
        &'a self,
        _jti: &'a str,
        _expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::pending())
    }

    fn is_revoked<'a>(&'a self, _jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::pending())
    }
}

/// 503 with a JSON message, without the store's own error text (CWE-209).
fn assert_unavailable(response: (u16, Value)) {
    assert_eq!(
        response,
        (503, json!({"msg": "revocation store unavailable"}))
    );
}

#[actix_web::test]
async fn a_failing_store_refuses_the_request_with_503() {
    let jwt = manager(Down);
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();

    assert_unavailable(call!(app, get("/protected", &token)).await);
    assert_unavailable(call!(app, delete("/logout", &token)).await);
    // A route that skips the check does not need the store.
    assert_eq!(
        call!(app, get("/protected_skip_blocklist", &token)).await,
        ok()
    );
}

#[actix_web::test]
async fn a_hanging_store_refuses_the_request_within_the_timeout() {
    let jwt = builder(Hanging)
        .revocation_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();

    // The outer bound only turns a hang into a failure instead of a stuck test run.
    let bound = Duration::from_secs(10);
    let response = tokio::time::timeout(bound, call!(app, get("/protected", &token))).await;
    assert_unavailable(response.expect("no hang"));
    let response = tokio::time::timeout(bound, call!(app, delete("/logout", &token))).await;
    assert_unavailable(response.expect("no hang"));
}

#[actix_web::test]
async fn a_full_memory_store_refuses_new_revocations_and_keeps_the_old_ones() {
    let store = MemoryStore::with_capacity(1);
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let first = jwt.create_access_token("username").finish().unwrap();
    let second = jwt.create_access_token("username").finish().unwrap();

    assert_eq!(call!(app, delete("/logout", &first)).await.0, 200);
    assert_eq!(
        call!(app, delete("/logout", &second)).await,
        (503, json!({"msg": "revocation store unavailable"}))
    );
    let claims = jwt.decode_token(&second, false).unwrap();
    let err = store.revoke_claims(&claims).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "revocation store unavailable: the in-memory revocation store is full (1 unexpired entries)"
    );
    // In a handler, `?` keeps that for the logs only.
    let err = actix_jwt_extended::JwtError::from(err);
    assert_eq!(err.message(), "revocation store unavailable");
    assert_eq!(
        err.detail(),
        Some("the in-memory revocation store is full (1 unexpired entries)")
    );
    assert_eq!(call!(app, get("/protected", &first)).await, revoked());
    assert_eq!(call!(app, get("/protected", &second)).await, ok());
}

#[actix_web::test]
async fn a_registered_blocklist_loader_wins_over_the_store() {
    let store = MemoryStore::new();
    let says_no = builder(store.clone())
        .token_in_blocklist_loader(|_, _| async { false })
        .build()
        .unwrap();
    let app_no = test::init_service(app(says_no.clone())).await;
    let token = says_no.create_access_token("username").finish().unwrap();
    let claims = says_no.decode_token(&token, false).unwrap();
    store.revoke_claims(&claims).await.unwrap();
    assert_eq!(call!(app_no, get("/protected", &token)).await, ok());

    let says_yes = builder(MemoryStore::new())
        .token_in_blocklist_loader(|_, _| async { true })
        .build()
        .unwrap();
    let app_yes = test::init_service(app(says_yes.clone())).await;
    let token = says_yes.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app_yes, get("/protected", &token)).await, revoked());
}

#[actix_web::test]
async fn a_token_revoked_through_one_manager_is_refused_by_another_sharing_the_store() {
    let store = MemoryStore::new();
    let first = manager(store.clone());
    let second = manager(store);
    let app_first = test::init_service(app(first.clone())).await;
    let app_second = test::init_service(app(second)).await;
    let token = first.create_access_token("username").finish().unwrap();

    assert_eq!(call!(app_second, get("/protected", &token)).await, ok());
    assert_eq!(call!(app_first, delete("/logout", &token)).await.0, 200);
    assert_eq!(
        call!(app_second, get("/protected", &token)).await,
        revoked()
    );
}
