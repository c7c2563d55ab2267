//! The blocklist on Redis, each test against its own `redis-server`: upstream
//! `tests/test_blocklist.py` (BEHAVIOUR.md §6 items 12–18) with a real store, logout and
//! rotation (shared bodies in `blocklist_support`); the TTL and key prefix of the entries; and
//! fail closed: Redis killed mid-run → 503 within the timeout, restarted → requests work again
//! without restarting the app.

#[macro_use]
mod blocklist_support;

#[path = "../examples/blocklist_redis.rs"]
#[allow(dead_code)]
mod blocklist_redis;

use std::time::{Duration, Instant};

use actix_jwt_extended::blocklist::{RedisStore, RevocationStore, CLOCK_SLACK};
use actix_web::test::{self, TestRequest};
use actix_web::App;
use serde_json::json;

use blocklist_support::redis_server::RedisServer;
use blocklist_support::{app, builder, delete, get, manager, revoked};

async fn store() -> Option<(RedisStore, RedisServer)> {
    let server = RedisServer::start()?;
    let store = RedisStore::connect(&server.url()).await.unwrap();
    Some((store, server))
}

store_tests!(store);

#[actix_web::test]
async fn rotation_state_is_one_entry_per_family() {
    let Some((store, server)) = store().await else {
        return;
    };
    let keys = || {
        let size = server.command(&["DBSIZE"]).unwrap();
        std::future::ready(size.trim().parse::<usize>().unwrap())
    };
    blocklist_support::rotation_state_is_one_entry_per_family(store, keys).await;
}

// Issue 12 item 7: the password of a Redis URL is never shown.
#[actix_web::test]
async fn connection_errors_do_not_show_the_password() {
    let err = RedisStore::connect("redis://:hunter2@127.0.0.1:1/0")
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("redis://***@127.0.0.1:1/0"), "{shown}");
}

#[actix_web::test]
async fn a_revoked_jti_lives_in_redis_for_the_token_remaining_lifetime() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("myapp:revoked:");
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt
        .create_access_token("username")
        .expires_in(Duration::from_secs(600))
        .finish()
        .unwrap();
    let forever = jwt
        .create_access_token("username")
        .never_expires()
        .finish()
        .unwrap();
    let jti = |token: &str| {
        jwt.decode_token(token, false)
            .unwrap()
            .jti()
            .unwrap()
            .to_owned()
    };

    assert_eq!(call!(app, delete("/logout", &token)).await.0, 200);
    assert_eq!(call!(app, delete("/logout", &forever)).await.0, 200);

    let ttl: i64 = server
        .command(&["TTL", &format!("myapp:revoked:jti:{}", jti(&token))])
        .unwrap()
        .parse()
        .unwrap();
    // The token's lifetime, its leeway (none here) and the clock slack.
    let slack = CLOCK_SLACK.as_secs() as i64;
    assert!((590 + slack..=600 + slack).contains(&ttl), "TTL {ttl}");
    let ttl = server.command(&["TTL", &format!("myapp:revoked:jti:{}", jti(&forever))]);
    assert_eq!(
        ttl.as_deref(),
        Some("-1"),
        "no expiry for a token without `exp`"
    );
    assert_eq!(
        server.command(&["EXISTS", &format!("jwt_blocklist:jti:{}", jti(&token))]),
        Some("0".into()),
        "the default prefix is not used"
    );
}

#[actix_web::test]
async fn stores_with_different_prefixes_do_not_share_revocations() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let first = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("app1:");
    let second = first.clone().with_prefix("app2:");
    assert_eq!(second.prefix(), "app2:");

    first.revoke("some-jti", None).await.unwrap();
    assert!(first.is_revoked("some-jti").await.unwrap());
    assert!(!second.is_revoked("some-jti").await.unwrap());
}

#[actix_web::test]
async fn redis_down_fails_closed_and_recovers_after_a_restart() {
    // Persistence on, so the revocation made before the crash is still there after it.
    let Some(mut server) = RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
    ]) else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let jwt = builder(store)
        .revocation_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let app = test::init_service(app(jwt.clone())).await;
    let token = jwt.create_access_token("username").finish().unwrap();
    let logged_out = jwt.create_access_token("username").finish().unwrap();
    assert_eq!(call!(app, delete("/logout", &logged_out)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &token)).await.0, 200);

    server.stop();
    // The outer bound only turns a hang into a failure instead of a stuck test run.
    let bound = Duration::from_secs(10);
    for request in [
        get("/protected", &token),
        get("/protected", &logged_out),
        delete("/logout", &token),
    ] {
        let response = tokio::time::timeout(bound, call!(app, request))
            .await
            .expect("refused in time, no hang");
        assert_eq!(
            response,
            (503, json!({"msg": "revocation store unavailable"}))
        );
    }

    server.restart();
    // The managed connection reconnects in the background; until then requests get 503.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = tokio::time::timeout(bound, call!(app, get("/protected", &token)))
            .await
            .expect("no hang");
        match response.0 {
            200 => break,
            503 if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            _ => panic!("no recovery after the restart: {response:?}"),
        }
    }
    assert_eq!(call!(app, get("/protected", &logged_out)).await, revoked());
    assert_eq!(
        call!(app, delete("/logout", &token)).await,
        (200, json!({"msg": "Access token revoked"}))
    );
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());
}

/// The docs' session of upstream's `blocklist_redis.py`, against our `blocklist_redis` example.
#[actix_web::test]
async fn the_blocklist_redis_example_revokes_on_logout() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let jwt = blocklist_redis::jwt_manager(RedisStore::connect(&server.url()).await.unwrap());
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt)
            .configure(blocklist_redis::configure),
    )
    .await;

    let (status, body) = call!(app, TestRequest::post().uri("/login")).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call!(app, get("/protected", &token)).await,
        (200, json!({"hello": "world"}))
    );
    assert_eq!(
        call!(app, delete("/logout", &token)).await,
        (200, json!({"msg": "Access token revoked"}))
    );
    assert_eq!(call!(app, get("/protected", &token)).await, revoked());
    assert_eq!(call!(app, get("/logout", &token)).await.0, 405);
}
