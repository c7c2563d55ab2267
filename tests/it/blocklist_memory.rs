//! The blocklist on the in-memory store: upstream `tests/test_blocklist.py` with a real store
//! instead of the loader, logout and rotation (shared bodies in
//! `support::blocklist`), and what holds for any store: the loader wins, and a store that
//! fails or hangs refuses the request (fail closed). A full memory store revokes more rather
//! than refuse a revocation.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{
    self, BoxFuture, MemoryStore, RefreshRotation, RevocationStore, StoreError, TokenPair,
};
use actix_jwt_extended::JwtError;
use actix_web::test::{self, TestRequest};
use actix_web::{post, web, HttpResponse};
use serde_json::{json, Value};

use crate::support::blocklist::{
    self as blocklist_support, app, builder, call, delete, get, manager, ok, post, revoked,
    store_tests, Down,
};

async fn store() -> Option<(MemoryStore, ())> {
    Some((MemoryStore::new(), ()))
}

store_tests!(store);

/// `POST /login/{user}`: the shared app's `/login`, for any user.
#[post("/login/{user}")]
async fn login_as(user: web::Path<String>) -> Result<HttpResponse, JwtError> {
    let tokens = RefreshRotation::current()?.login(user.as_str())?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// A rotated pair for `$user` from `POST /login/{user}`.
macro_rules! login_as {
    ($app:expr, $user:expr) => {
        async {
            let uri = format!("/login/{}", $user);
            let (status, body) = call!($app, TestRequest::post().uri(&uri)).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_value::<TokenPair>(body).unwrap()
        }
    };
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

/// What a store said is kept for the logs, as the error's detail and source, never sent.
#[actix_web::test]
async fn a_store_error_is_only_the_detail_and_the_source_of_the_503() {
    let err = Down.revoke("another", None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "revocation store unavailable: connection refused"
    );
    // In a handler, `?` keeps that for the logs only.
    let err = JwtError::from(err);
    assert_eq!(err.message(), "revocation store unavailable");
    assert_eq!(err.detail(), Some("connection refused"));
    // The store's error stays the cause.
    let source = std::error::Error::source(&err).expect("the store's error is the source");
    let store_error = source.downcast_ref::<StoreError>().expect("a StoreError");
    assert!(store_error.is_retryable(), "{store_error:?}");
    assert_eq!(store_error.message(), "connection refused");
    // And the driver's error stays the store error's.
    let driver = std::error::Error::source(store_error).expect("the driver's error");
    let io = driver
        .downcast_ref::<std::io::Error>()
        .expect("an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}

/// A store that cannot do an operation says so once and for all: the default
/// `revoke_subject` of a store that does not implement it is not retryable and has no cause.
#[actix_web::test]
async fn an_operation_the_store_cannot_do_is_not_retryable() {
    let err = Down.revoke_subject("ann", 0, None).await.unwrap_err();
    assert_eq!(
        err.message(),
        "this store cannot revoke all tokens of a subject"
    );
    assert!(!err.is_retryable());
    assert!(std::error::Error::source(&err).is_none());
}

/// A store of one entry still takes every logout: the second of one user compacts both
/// into her cutoff; another user's, with nothing to compact, falls back to a global cutoff,
/// which refuses every token issued until then, an innocent user's too.
#[actix_web::test]
async fn a_full_memory_store_revokes_more_rather_than_refuse_a_revocation() {
    let store = MemoryStore::with_capacity(1);
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone())).await;
    let first = jwt.create_access_token("username").finish().unwrap();
    let second = jwt.create_access_token("username").finish().unwrap();
    let someone = jwt.create_access_token("someone").finish().unwrap();
    let innocent = jwt.create_access_token("innocent").finish().unwrap();

    assert_eq!(call!(app, delete("/logout", &first)).await.0, 200);
    assert_eq!(call!(app, delete("/logout", &second)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &first)).await, revoked());
    assert_eq!(call!(app, get("/protected", &second)).await, revoked());
    assert!(store
        .subject_revoked_up_to("username")
        .await
        .unwrap()
        .is_some());
    assert_eq!((store.len(), store.global_cutoff()), (1, None));
    assert_eq!(call!(app, get("/protected", &someone)).await, ok());

    assert_eq!(call!(app, delete("/logout", &someone)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &someone)).await, revoked());
    assert!(store.global_cutoff().is_some());
    assert_eq!(call!(app, get("/protected", &first)).await, revoked());
    // The cost: nobody logged out, yet refused.
    assert_eq!(call!(app, get("/protected", &innocent)).await, revoked());
    assert!(store.len() <= store.capacity());
}

/// A full store in which every account holds one entry has no subject to compact: the
/// victim's logout falls back to a global cutoff. It is not refused and the stolen token is
/// refused; what it costs is every session of every account, and the tokens issued in the
/// `CLOCK_SLACK` after it.
#[actix_web::test]
async fn a_store_full_of_one_entry_accounts_cuts_everyone_off_rather_than_refuse() {
    const CAPACITY: usize = 100;
    let store = MemoryStore::with_capacity(CAPACITY);
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone()).service(login_as)).await;
    let victim = login_as!(app, "victim").await;
    let mut sessions = Vec::new();
    for account in 0..CAPACITY {
        let pair = login_as!(app, format!("account-{account}")).await;
        let (status, body) = call!(app, post("/refresh", &pair.refresh_token)).await;
        assert_eq!(status, 200, "{body}");
        sessions.push(serde_json::from_value::<TokenPair>(body).unwrap());
    }
    assert_eq!((store.len(), store.global_cutoff()), (CAPACITY, None));

    assert_eq!(
        call!(app, delete("/logout", &victim.access_token)).await.0,
        200
    );
    assert_eq!(
        call!(app, get("/protected", &victim.access_token)).await,
        revoked()
    );
    assert!(store.global_cutoff().is_some());
    RefreshRotation::new(&jwt)
        .revoke_all_for("victim")
        .await
        .expect("revoke_all_for answers");
    assert_eq!(
        call!(app, post("/refresh", &victim.refresh_token)).await,
        revoked()
    );
    // The cost: every account is logged out, and a login right now does not help yet.
    for session in &sessions {
        assert_eq!(
            call!(app, get("/protected", &session.access_token)).await,
            revoked()
        );
        assert_eq!(
            call!(app, post("/refresh", &session.refresh_token)).await,
            revoked()
        );
    }
    let again = login_as!(app, "account-0").await;
    assert_eq!(
        call!(app, get("/protected", &again.access_token)).await,
        revoked()
    );
    assert!(store.len() <= CAPACITY);
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

/// Security finding "the memory store fills and revocation fails open": a thousand accounts,
/// each within its share of 1 % of the capacity, log in and refresh until they ask for ten
/// times the capacity. The store stays bounded, and a victim whose access token was stolen
/// can still refresh, log out and log out everywhere, after which the stolen token is refused.
/// The price of the full store is paid by the accounts holding the most entries: their
/// entries are compacted into a cutoff of their own, which logs them out everywhere.
#[actix_web::test]
async fn a_thousand_accounts_within_their_share_never_make_revocation_impossible() {
    const CAPACITY: usize = 2_000;
    let store = MemoryStore::with_capacity(CAPACITY);
    let share = store.per_subject_limit();
    let accounts = 10 * CAPACITY / share;
    assert_eq!((share, accounts), (20, 1_000));
    let jwt = manager(store.clone());
    let app = test::init_service(app(jwt.clone()).service(login_as)).await;
    let victim = login_as!(app, "victim").await;
    let (status, body) = call!(app, post("/refresh", &victim.refresh_token)).await;
    assert_eq!(status, 200, "{body}");
    let victim: TokenPair = serde_json::from_value(body).unwrap();
    let stolen = victim.access_token.clone();

    let mut refreshes = BTreeMap::<u16, usize>::new();
    let mut last_sessions = Vec::new();
    let mut exchanged = Vec::new();
    for account in 0..accounts {
        let user = format!("account-{account}");
        let mut last = None;
        for _ in 0..share {
            let pair = login_as!(app, &user).await;
            let (status, body) = call!(app, post("/refresh", &pair.refresh_token)).await;
            *refreshes.entry(status).or_default() += 1;
            last = serde_json::from_value::<TokenPair>(body).ok();
            exchanged.push(pair.refresh_token);
        }
        last_sessions.extend(last);
        assert!(store.len() <= CAPACITY, "{} entries", store.len());
    }

    let (status, body) = call!(app, post("/refresh", &victim.refresh_token)).await;
    assert_eq!(status, 200, "the victim's refresh: {body}");
    let refreshed: TokenPair = serde_json::from_value(body).unwrap();
    assert_eq!(
        call!(app, delete("/logout", &stolen)).await,
        (200, json!({"msg": "Access token revoked"})),
        "the victim's logout"
    );
    assert_eq!(call!(app, get("/protected", &stolen)).await, revoked());
    assert_eq!(
        call!(app, delete("/logout_everywhere", &refreshed.access_token))
            .await
            .0,
        200,
        "the victim's revoke_all_for"
    );
    assert_eq!(call!(app, get("/protected", &stolen)).await, revoked());
    assert_eq!(
        call!(app, get("/protected", &refreshed.access_token)).await,
        revoked()
    );
    assert_eq!(
        call!(app, post("/refresh", &refreshed.refresh_token)).await,
        revoked()
    );
    assert!(store.len() <= CAPACITY, "{} entries", store.len());

    // Every ordinary refresh was answered, none with 503.
    assert_eq!(refreshes, BTreeMap::from([(200, accounts * share)]));
    // What the full store cost: the accounts compacted to make room are logged out. Each
    // compaction frees at most a share less one entry, so most of the thousand paid.
    let mut logged_out = 0;
    for session in &last_sessions {
        let response = call!(app, get("/protected", &session.access_token)).await;
        if response != ok() {
            assert_eq!(response, revoked());
            logged_out += 1;
        }
    }
    let least = (accounts * share - CAPACITY) / (share - 1);
    assert!(
        (least..accounts).contains(&logged_out),
        "{logged_out} of {accounts} accounts logged out"
    );
    assert_eq!(store.global_cutoff(), None, "no one was cut off but them");
    // Whether its family's rotation state was kept or compacted, an exchanged refresh token
    // is never exchanged again.
    for refresh_token in exchanged.iter().step_by(7) {
        assert_eq!(call!(app, post("/refresh", refresh_token)).await, revoked());
    }
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
        .clock_skew(actix_jwt_extended::blocklist::CLOCK_SLACK)
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

// "Log out everywhere" reaches `CLOCK_SLACK` ahead: logging in again at once gets tokens that
// are refused as well, on every instance, since nothing tells them from a token issued just
// before by a clock running ahead (the documented price of that minute). Other users are not
// touched.
#[actix_web::test]
async fn a_login_right_after_revoke_all_for_is_refused_for_the_slack() {
    let store = MemoryStore::new();
    let with_default_skew = |store: MemoryStore| {
        blocklist_support::builder(store)
            .clock_skew(actix_jwt_extended::blocklist::CLOCK_SLACK)
            .build()
            .unwrap()
    };
    let (jwt, other) = (with_default_skew(store.clone()), with_default_skew(store));
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
    let plain = other.create_access_token("username").finish().unwrap();
    for token in [&again.access_token, &plain] {
        assert_eq!(call!(app, get("/protected", token)).await, revoked());
        assert_eq!(call!(other_app, get("/protected", token)).await, revoked());
    }
    assert_eq!(
        call!(other_app, post("/refresh", &again.refresh_token)).await,
        revoked()
    );
    let someone_else = jwt.create_access_token("another").finish().unwrap();
    assert_eq!(call!(app, get("/protected", &someone_else)).await, ok());
}
