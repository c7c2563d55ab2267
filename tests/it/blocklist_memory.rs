//! The blocklist on the in-memory store: upstream `tests/test_blocklist.py` with a real store
//! instead of the loader, logout and rotation (shared bodies in
//! `support::blocklist`), and what holds for any store: the loader wins, and a store that
//! fails, hangs or is full refuses the request (fail closed).

use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{
    self, BoxFuture, MemoryStore, RefreshRotation, RevocationStore, StoreError,
};
use actix_web::test;
use serde_json::{json, Value};

use crate::support::blocklist::{
    self as blocklist_support, app, builder, call, delete, get, manager, ok, post, revoked,
    store_tests, Down,
};

async fn store() -> Option<(MemoryStore, ())> {
    Some((MemoryStore::new(), ()))
}

store_tests!(store);

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
    let err = store.revoke("another", None).await.unwrap_err();
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
    // The store's error stays the cause.
    let source = std::error::Error::source(&err).expect("the store's error is the source");
    assert!(source.downcast_ref::<StoreError>().is_some(), "{source:?}");
    assert_eq!(call!(app, get("/protected", &first)).await, revoked());
    assert_eq!(call!(app, get("/protected", &second)).await, ok());
}

// Issue 12 item 5: a loader that knows nothing of the store's revocations does not hide them.
#[actix_web::test]
async fn a_registered_blocklist_loader_and_the_store_both_revoke() {
    let store = MemoryStore::new();
    let says_no = builder(store.clone())
        .token_in_blocklist_loader(|_, _| async { false })
        .build()
        .unwrap();
    let app_no = test::init_service(app(says_no.clone())).await;
    let token = says_no.create_access_token("username").finish().unwrap();
    let other = says_no.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app_no, get("/protected", &token)).await, ok());
    assert_eq!(call!(app_no, delete("/logout", &token)).await.0, 200);
    assert_eq!(call!(app_no, get("/protected", &token)).await, revoked());
    assert_eq!(call!(app_no, get("/protected", &other)).await, ok());

    let says_yes = builder(MemoryStore::new())
        .token_in_blocklist_loader(|_, _| async { true })
        .build()
        .unwrap();
    let app_yes = test::init_service(app(says_yes.clone())).await;
    let token = says_yes.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app_yes, get("/protected", &token)).await, revoked());
}

#[actix_web::test]
async fn rotation_state_is_one_entry_per_family() {
    let store = MemoryStore::new();
    let len = || std::future::ready(store.len());
    blocklist_support::rotation_state_is_one_entry_per_family(store.clone(), len).await;
}

/// Issue 12 item 2: one user refreshing 100,000 times does not fill a store of 10,000 entries:
/// other users still refresh and log out, and reuse in the flooding family is still detected.
#[actix_web::test]
async fn one_subject_rotating_100_000_times_leaves_room_for_everyone() {
    let store = MemoryStore::with_capacity(10_000);
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let rotation = RefreshRotation::new(&jwt);
    let first = rotation.login("flooder").unwrap();
    let mut pair = first.clone();
    for _ in 0..100_000 {
        let claims = jwt.decode_token(&pair.refresh_token, false).unwrap();
        pair = rotation.refresh(&claims).await.unwrap();
    }
    assert!(store.len() <= 2, "{} entries", store.len());

    let someone = jwt.create_refresh_token("someone").finish().unwrap();
    assert_eq!(call!(app, post("/refresh", &someone)).await.0, 200);
    let token = jwt.create_access_token("someone").finish().unwrap();
    assert_eq!(call!(app, delete("/logout", &token)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());

    assert_eq!(
        call!(app, post("/refresh", &first.refresh_token)).await,
        revoked()
    );
    assert_eq!(
        call!(app, post("/refresh", &pair.refresh_token)).await,
        revoked()
    );
    assert_eq!(
        call!(app, get("/protected", &pair.access_token)).await,
        revoked()
    );
}

/// Issue 12 item 2: one user logging out 20,000 tokens does not fill a store of 10,000
/// entries: past its share its entries become one cutoff, which keeps every one of its
/// logged-out tokens refused; other users still log out.
#[actix_web::test]
async fn one_subject_logging_out_20_000_times_is_compacted_into_a_cutoff() {
    let store = MemoryStore::with_capacity(10_000);
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let mut logged_out = Vec::new();
    for i in 0..20_000 {
        let token = jwt.create_access_token("flooder").finish().unwrap();
        let claims = jwt.decode_token(&token, false).unwrap();
        blocklist::revoke_claims(&jwt, &claims).await.unwrap();
        if i % 1_000 == 0 {
            logged_out.push(token);
        }
    }
    assert!(
        store.len() <= store.per_subject_limit() + 1,
        "{}",
        store.len()
    );
    for token in &logged_out {
        assert_eq!(call!(app, get("/protected", token)).await, revoked());
    }
    let token = jwt.create_access_token("someone").finish().unwrap();
    assert_eq!(call!(app, delete("/logout", &token)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());
    let other = jwt.create_access_token("someone").finish().unwrap();
    assert_eq!(call!(app, get("/protected", &other)).await, ok());
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

// `revoke_all_for` uses the clock of the instance that calls it: a token another instance
// issued a moment before, by a clock running a few seconds ahead (here accepted through the
// manager's decode leeway), carries an `iat` after that instant and must be refused all the
// same.
#[actix_web::test]
async fn revoke_all_for_refuses_a_token_issued_by_a_clock_running_ahead() {
    let config = actix_jwt_extended::JwtConfig {
        decode_leeway: Duration::from_secs(10),
        ..crate::support::config()
    };
    let jwt = blocklist_support::builder_with(config, MemoryStore::new())
        .build()
        .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let now = crate::support::now();
    let claims = json!({
        "sub": "username", "iat": now + 5, "exp": now + 600,
        "jti": "issued-ahead", "type": "access", "fresh": false,
    });
    let ahead = crate::support::sign_raw(&claims, crate::support::SECRET);
    assert_eq!(call!(app, get("/protected", &ahead)).await, ok());

    let rotation = RefreshRotation::new(&jwt);
    rotation.revoke_all_for("username").await.unwrap();
    assert_eq!(call!(app, get("/protected", &ahead)).await, revoked());
}

// "Log out everywhere", then logging in again at once on the same instance: the new tokens
// work, although the cutoff reaches `CLOCK_SLACK` ahead, and so do their successors exchanged
// on another instance sharing the store. A token of that window the instance did not issue
// (another instance's, whatever `after_cutoff` claim it was given) stays refused, and a
// second "log out everywhere" refuses the tokens issued after the first.
#[actix_web::test]
async fn a_login_right_after_revoke_all_for_works_on_the_same_manager() {
    let store = MemoryStore::new();
    let (jwt, other) = (manager(store.clone()), manager(store));
    let other_app = test::init_service(app(other.clone())).await;
    let app = test::init_service(app(jwt.clone())).await;
    let rotation = RefreshRotation::new(&jwt);
    let session = rotation.login("username").unwrap();
    assert_eq!(
        call!(app, delete("/logout_everywhere", &session.access_token))
            .await
            .0,
        200
    );
    assert_eq!(
        call!(app, get("/protected", &session.access_token)).await,
        revoked()
    );

    let again = rotation.login("username").unwrap();
    assert_eq!(
        call!(app, get("/protected", &again.access_token)).await,
        ok()
    );
    let plain = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(call!(other_app, get("/protected", &plain)).await, ok());
    let (status, body) = call!(other_app, post("/refresh", &again.refresh_token)).await;
    assert_eq!(status, 200, "{body}");
    let refreshed = body["access_token"].as_str().unwrap();
    assert_eq!(call!(app, get("/protected", refreshed)).await, ok());

    let elsewhere = other
        .create_access_token("username")
        .claim(blocklist::AFTER_CUTOFF_CLAIM, i64::MAX)
        .finish()
        .unwrap();
    assert_eq!(call!(app, get("/protected", &elsewhere)).await, revoked());

    rotation.revoke_all_for("username").await.unwrap();
    for token in [&again.access_token, &plain, refreshed] {
        assert_eq!(call!(app, get("/protected", token)).await, revoked());
    }
}
