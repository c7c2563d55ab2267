//! The blocklist on Redis, each test against its own `redis-server`: upstream
//! `tests/test_blocklist.py` with a real store, logout and
//! rotation (shared bodies in `support::blocklist`); the TTL and key prefix of the entries; and
//! fail closed: Redis killed mid-run → 503 within the timeout, restarted → requests work again
//! without restarting the app.

use crate::support::examples::blocklist_redis;

use std::time::{Duration, Instant};

use actix_jwt_extended::blocklist::{
    CachedRedisStore, RedisOptions, RedisStore, RevocationStore, CLOCK_SLACK,
    DEFAULT_CACHE_CAPACITY, DEFAULT_MAX_STALENESS,
};
use actix_web::test::{self, TestRequest};
use actix_web::App;
use serde_json::json;

use crate::support::blocklist::redis_server::RedisServer;
use crate::support::blocklist::{
    self as blocklist_support, app, builder, call, delete, get, manager, ok, post, revoked,
    store_tests,
};
use crate::support::logs::warnings_of;

/// The bound on staleness of the cached stores of these tests.
const STALENESS: Duration = Duration::from_millis(100);

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
    // Nothing listens there yet: a Redis started later would answer.
    assert!(err.is_retryable(), "{err:?}");
}

/// A Redis limited to 8 MB that evicts keys with a TTL first: every revocation has one.
fn evicting_server() -> Option<RedisServer> {
    RedisServer::start_with(&[
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory",
        "8mb",
        "--maxmemory-policy",
        "volatile-lru",
    ])
}

// Security review: under any `maxmemory-policy` but `noeviction`, Redis evicts revocations
// under memory pressure (a `volatile-*` policy picks them first: they carry a TTL), and
// revoked tokens are accepted again. So connecting to such a Redis is an error.
#[actix_web::test]
async fn connect_refuses_a_redis_that_may_evict_revocations() {
    let Some(server) = evicting_server() else {
        return;
    };
    let err = RedisStore::connect(&server.url()).await.unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("`volatile-lru`"), "{shown}");
    assert!(
        shown.contains("CONFIG SET maxmemory-policy noeviction"),
        "{shown}"
    );
    assert!(shown.contains(&server.url()), "{shown}");
    // Only a change of the policy cures it: connecting again gets the same answer.
    assert!(!err.is_retryable(), "{err:?}");
    let err = CachedRedisStore::connect(&server.url()).await.unwrap_err();
    assert!(err.to_string().contains("`volatile-lru`"), "{err}");
    assert!(!err.is_retryable(), "{err:?}");

    // Any policy but `noeviction`, also one set while Redis runs.
    let Some(server) = RedisServer::start() else {
        return;
    };
    server.command(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    let err = RedisStore::connect(&server.url()).await.unwrap_err();
    assert!(err.to_string().contains("`allkeys-lru`"), "{err}");
    server.command(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    RedisStore::connect(&server.url()).await.unwrap();
}

// Where `CONFIG` is hidden, as on some managed services, the policy is unknown: an error too,
// which names the way out.
#[actix_web::test]
async fn connect_refuses_a_redis_that_hides_its_eviction_policy() {
    let Some(server) = RedisServer::start_with(&["--save", "", "--rename-command", "CONFIG", ""])
    else {
        return;
    };
    for err in [
        RedisStore::connect(&server.url()).await.unwrap_err(),
        CachedRedisStore::connect(&server.url()).await.unwrap_err(),
    ] {
        let shown = err.to_string();
        assert!(shown.contains("CONFIG GET maxmemory-policy"), "{shown}");
        assert!(!err.is_retryable(), "{err:?}");
        // Redis's refusal of `CONFIG` is kept as the cause, which the message quotes.
        let source = std::error::Error::source(&err).expect("the refusal is the source");
        assert!(shown.contains(&source.to_string()), "{shown} / {source}");
        assert!(
            shown.contains("RedisOptions::skip_eviction_policy_check()"),
            "{shown}"
        );
    }
    let options = RedisOptions::new().skip_eviction_policy_check();
    let store = RedisStore::connect_with_options(&server.url(), options.clone())
        .await
        .unwrap();
    store.revoke("some-jti", None).await.unwrap();
    assert!(store.is_revoked("some-jti").await.unwrap());
    let cached = CachedRedisStore::connect_with_options(
        &server.url(),
        DEFAULT_MAX_STALENESS,
        DEFAULT_CACHE_CAPACITY,
        options,
    )
    .await
    .unwrap();
    assert!(cached.is_revoked("some-jti").await.unwrap());
}

/// The warnings `connect` logs on this thread, run to completion on a runtime of its own.
fn warnings_of_connect<F: std::future::Future>(connect: impl FnOnce() -> F) -> Vec<String> {
    warnings_of(|| {
        actix_web::rt::System::new().block_on(connect());
    })
}

// The opt-out connects whatever the policy, with one warning that says what it risks; the
// default policy (`noeviction`) connects without one.
#[test]
fn skipping_the_eviction_check_connects_with_one_warning() {
    let Some(server) = evicting_server() else {
        return;
    };
    let url = server.url();
    let options = || RedisOptions::new().skip_eviction_policy_check();
    let warnings = warnings_of_connect(|| async {
        RedisStore::connect_with_options(&url, options())
            .await
            .unwrap()
    });
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(&url), "{}", warnings[0]);
    assert!(
        warnings[0].contains("RedisOptions::skip_eviction_policy_check"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("noeviction"), "{}", warnings[0]);
    let warnings = warnings_of_connect(|| async {
        CachedRedisStore::connect_with_options(&url, STALENESS, 100, options())
            .await
            .unwrap()
    });
    assert_eq!(warnings.len(), 1, "{warnings:?}");

    let Some(server) = RedisServer::start() else {
        return;
    };
    let memory = server.command(&["INFO", "memory"]).unwrap();
    assert!(memory.contains("maxmemory_policy:noeviction"), "{memory}");
    let warnings = warnings_of_connect(|| async {
        RedisStore::connect(&server.url()).await.unwrap();
        CachedRedisStore::connect(&server.url()).await.unwrap();
    });
    assert_eq!(warnings, Vec::<String>::new());
}

// What the check prevents, shown through the opt-out: a Redis that evicts, filled by other
// data (keys without a TTL, as a cache of the app's own might write), drops the revocation and
// the rotation state, which carry one. The logged-out token is accepted again and the
// exchanged refresh token can be exchanged a second time, unnoticed.
#[actix_web::test]
async fn skipping_the_check_on_an_evicting_redis_un_revokes_tokens() {
    let Some(server) = evicting_server() else {
        return;
    };
    let options = RedisOptions::new().skip_eviction_policy_check();
    let store = RedisStore::connect_with_options(&server.url(), options)
        .await
        .unwrap();
    let jwt = manager(store);
    let app = test::init_service(app(jwt.clone())).await;
    let (status, pair) = call!(app, TestRequest::post().uri("/login")).await;
    assert_eq!(status, 200);
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(call!(app, delete("/logout", &access)).await.0, 200);
    assert_eq!(call!(app, post("/refresh", &refresh)).await.0, 200);
    assert_eq!(call!(app, get("/protected", &access)).await, revoked());

    // 20 MB of other data into 8 MB: Redis evicts what has a TTL, then refuses the rest.
    let value = "x".repeat(1 << 20);
    let mut refused = 0;
    for i in 0..20 {
        if server
            .try_command(&["SET", &format!("other:{i}"), &value])
            .is_err()
        {
            refused += 1;
        }
    }
    assert!(refused > 0, "Redis never ran out of memory");
    let evicted: u64 = server
        .command(&["INFO", "stats"])
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("evicted_keys:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(evicted, 2, "the revocation and the rotation state");

    assert_eq!(call!(app, get("/protected", &access)).await, ok());
    assert_eq!(call!(app, post("/refresh", &refresh)).await.0, 200);
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

/// `CachedRedisStore`: the whole shared suite, then its cache and every way its invalidations
/// can be lost (issue 16 items 1–2). Instance A writes through a plain `RedisStore`; instance B
/// checks through the cache; B must never let a token revoked through A through once
/// `max_staleness` has passed.
mod cached {
    use std::time::{Duration, Instant};

    use actix_jwt_extended::blocklist::{CachedRedisStore, RedisStore, RevocationStore};
    use actix_jwt_extended::JwtManager;
    use actix_web::test;

    use crate::support::blocklist::redis_server::{RedisServer, Switch};
    use crate::support::blocklist::{app, builder, call, delete, get, ok, revoked, store_tests};

    const STALENESS: Duration = Duration::from_millis(100);

    async fn cached_store() -> Option<(CachedRedisStore, RedisServer)> {
        let server = RedisServer::start()?;
        let store = CachedRedisStore::connect_with(&server.url(), STALENESS, 10_000)
            .await
            .unwrap();
        Some((store, server))
    }

    store_tests!(cached_store);

    /// Instance A (plain store) and B (cached store) of one app, on `server`.
    async fn instances(server: &RedisServer) -> (JwtManager, JwtManager, CachedRedisStore) {
        let plain = RedisStore::connect(&server.url()).await.unwrap();
        let cached = CachedRedisStore::connect_with(&server.url(), STALENESS, 10_000)
            .await
            .unwrap();
        let a = builder(plain).build().unwrap();
        let b = builder(cached.clone())
            .revocation_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        (a, b, cached)
    }

    /// The id of the one connection with `CLIENT TRACKING` on: B's invalidation connection.
    fn tracking_client(server: &RedisServer) -> String {
        let mut tracking = server.clients(true);
        assert_eq!(tracking.len(), 1, "{tracking:?}");
        tracking.remove(0)
    }

    /// Waits until `store`'s cache is trusted again (a new invalidation connection is up).
    async fn trusted_again(store: &CachedRedisStore) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !store.stats().trusted {
            assert!(Instant::now() < deadline, "the cache never recovered");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[actix_web::test]
    async fn checks_are_answered_from_memory_and_revocations_reach_it() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let (a, b, cache) = instances(&server).await;
        let app_a = test::init_service(app(a.clone())).await;
        let app_b = test::init_service(app(b.clone())).await;
        let token = a.create_access_token("username").finish().unwrap();
        for _ in 0..10 {
            assert_eq!(call!(app_b, get("/protected", &token)).await, ok());
        }
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits), (1, 9), "{stats:?}");

        assert_eq!(call!(app_a, delete("/logout", &token)).await.0, 200);
        let revoked_at = Instant::now();
        // The invalidation's trip: refused well before the bound, and after it for sure.
        loop {
            let response = call!(app_b, get("/protected", &token)).await;
            if response == revoked() {
                break;
            }
            assert_eq!(response, ok());
            assert!(
                revoked_at.elapsed() <= STALENESS,
                "not refused within the bound"
            );
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(call!(app_b, get("/protected", &token)).await, revoked());
        // B's own writes are read at once.
        let other = a.create_access_token("username").finish().unwrap();
        assert_eq!(call!(app_b, get("/protected", &other)).await, ok());
        assert_eq!(call!(app_b, delete("/logout", &other)).await.0, 200);
        assert_eq!(call!(app_b, get("/protected", &other)).await, revoked());
    }

    /// Every answer of B for a token revoked through A, from `cut` on: 200 is allowed only
    /// before the bound has passed.
    macro_rules! never_ok_after_the_bound {
        ($app:expr, $token:expr, $cut:expr, $until:expr) => {
            let until: Instant = $until;
            while Instant::now() < until {
                let (status, body) = call!($app, get("/protected", $token)).await;
                match status {
                    401 | 503 => {}
                    200 if $cut.elapsed() < STALENESS => {}
                    _ => panic!("{status} {body} {:?} after the cut", $cut.elapsed()),
                }
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
        };
    }

    #[actix_web::test]
    async fn a_killed_invalidation_connection_never_lets_a_revoked_token_through() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let (a, b, cache) = instances(&server).await;
        let app_a = test::init_service(app(a.clone())).await;
        let app_b = test::init_service(app(b.clone())).await;
        let token = a.create_access_token("username").finish().unwrap();
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());

        server.command(&["CLIENT", "KILL", "ID", &tracking_client(&server)]);
        let cut = Instant::now();
        assert_eq!(call!(app_a, delete("/logout", &token)).await.0, 200);
        never_ok_after_the_bound!(app_b, &token, cut, cut + Duration::from_secs(1));
        trusted_again(&cache).await;
        assert_eq!(call!(app_b, get("/protected", &token)).await, revoked());
    }

    #[actix_web::test]
    async fn a_frozen_redis_is_not_trusted_past_the_bound() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let (_, b, cache) = instances(&server).await;
        let app_b = test::init_service(app(b.clone())).await;
        let token = b.create_access_token("username").finish().unwrap();
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());

        server.pause();
        let frozen = Instant::now();
        actix_web::rt::time::sleep(STALENESS + Duration::from_millis(50)).await;
        let response = call!(app_b, get("/protected", &token)).await;
        let elapsed = frozen.elapsed();
        server.resume();
        assert_eq!(response.0, 503, "{response:?} {elapsed:?} after the freeze");
        assert!(!cache.stats().trusted || elapsed < STALENESS);

        trusted_again(&cache).await;
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());
    }

    #[actix_web::test]
    async fn a_restarted_redis_empties_the_cache() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        let (a, b, cache) = instances(&server).await;
        let app_a = test::init_service(app(a.clone())).await;
        let app_b = test::init_service(app(b.clone())).await;
        let token = a.create_access_token("username").finish().unwrap();
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());
        assert_eq!(cache.stats().entries, 2, "its jti and its subject");

        server.restart();
        let cut = Instant::now();
        // A reconnects in the background; its logout succeeds once it has.
        let deadline = Instant::now() + Duration::from_secs(20);
        while call!(app_a, delete("/logout", &token)).await.0 != 200 {
            assert!(Instant::now() < deadline, "A never reconnected");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        never_ok_after_the_bound!(
            app_b,
            &token,
            cut,
            Instant::now() + Duration::from_millis(500)
        );
        trusted_again(&cache).await;
        assert_eq!(call!(app_b, get("/protected", &token)).await, revoked());
    }

    #[actix_web::test]
    async fn a_full_output_buffer_drops_the_cache() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let plain = RedisStore::connect(&server.url()).await.unwrap();
        let cache = CachedRedisStore::connect_with(&server.url(), STALENESS, 10_000)
            .await
            .unwrap();
        let jtis: Vec<String> = (0..2_000).map(|i| format!("flooded-{i:04}")).collect();
        for jti in &jtis {
            assert!(!cache.is_revoked(jti).await.unwrap());
        }
        assert_eq!(cache.stats().entries, 2_000);
        // Redis closes a client whose pending output passes 16 kB: one command that revokes
        // all 2,000 ids queues 2,000 invalidations for B at once.
        server.command(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 16kb 16kb 0",
        ]);
        let mut mset = vec!["MSET".to_owned()];
        for jti in &jtis {
            mset.push(format!("{}jti:{jti}", plain.prefix()));
            mset.push("1".to_owned());
        }
        let args: Vec<&str> = mset.iter().map(String::as_str).collect();
        server.command(&args);
        let cut = Instant::now();
        actix_web::rt::time::sleep(STALENESS).await;
        for jti in &jtis {
            match cache.is_revoked(jti).await {
                Ok(revoked) => assert!(revoked, "{jti} not revoked {:?} after", cut.elapsed()),
                Err(e) => assert!(e.to_string().contains("Redis"), "{e}"),
            }
        }
        server.command(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ]);
        trusted_again(&cache).await;
        assert!(cache.is_revoked(&jtis[0]).await.unwrap());
    }

    /// Cuts the store connections of `server` but the invalidation connections: a store's
    /// connection manager reconnects, wherever its URL leads now.
    fn cut_store_connections(server: &RedisServer) {
        let cut = server.clients(false);
        assert!(!cut.is_empty(), "no store connection");
        for id in cut {
            server.command(&["CLIENT", "KILL", "ID", &id]);
        }
    }

    // The cache is trusted only while a fence, written through the store's connection (the
    // one revocations go through), is read back through the invalidation connection: on a
    // healthy server it stays trusted, and its fence key follows the prefix.
    #[actix_web::test]
    async fn fences_go_through_the_store_connection_and_keep_a_healthy_cache_trusted() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let cache = CachedRedisStore::connect_with(&server.url(), STALENESS, 10_000)
            .await
            .unwrap();
        let fences = || server.command(&["KEYS", "*fence:*"]).unwrap_or_default();
        let first = fences();
        assert!(first.starts_with("jwt_blocklist:fence:"), "{first}");
        let ttl: i64 = server.command(&["TTL", &first]).unwrap().parse().unwrap();
        assert!((1..=60).contains(&ttl), "TTL {ttl}");

        let cache = cache.with_prefix("myapp:");
        let until = Instant::now() + STALENESS * 10;
        while Instant::now() < until {
            assert!(cache.stats().trusted, "a healthy cache lost its trust");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        let moved = format!("myapp:{}", first.strip_prefix("jwt_blocklist:").unwrap());
        assert!(fences().lines().any(|key| key == moved), "{}", fences());
        // Fences do not cost the cache its answers.
        assert!(!cache.is_revoked("some-jti").await.unwrap());
        actix_web::rt::time::sleep(STALENESS).await;
        let before = cache.stats();
        assert!(!cache.is_revoked("some-jti").await.unwrap());
        assert_eq!(cache.stats().hits, before.hits + 1, "{before:?}");
    }

    // An invalidation connection that stays up proves nothing when the writes cannot be
    // fenced: the store's connection is down (here it cannot reconnect), so the cache is not
    // trusted past the bound, and checks fail closed until the writes work again.
    #[actix_web::test]
    async fn a_cache_whose_fences_cannot_be_written_is_not_trusted_past_the_bound() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let switch = Switch::to(&server);
        let cache = CachedRedisStore::connect_with(&switch.url(), STALENESS, 10_000)
            .await
            .unwrap();
        assert!(!cache.is_revoked("some-jti").await.unwrap());
        assert!(cache.stats().trusted);

        switch.cut();
        cut_store_connections(&server);
        let cut = Instant::now();
        assert_eq!(
            server.clients(true).len(),
            1,
            "the invalidation connection is up"
        );
        let until = cut + STALENESS * 5;
        while Instant::now() < until {
            if cut.elapsed() > STALENESS + Duration::from_millis(20) {
                assert!(!cache.stats().trusted, "trusted {:?} after", cut.elapsed());
                assert!(cache.is_revoked("some-jti").await.is_err(), "fail closed");
            }
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(server.clients(true).len(), 1, "still up");

        switch.point_to(&server);
        trusted_again(&cache).await;
        assert!(!cache.is_revoked("some-jti").await.unwrap());
    }

    // A failover (Sentinel, DNS) that moves the writes to a new primary while the invalidation
    // connection stays on the old one: that connection answers and hears nothing of the
    // revocations. The fence written on the new primary is not read on the old one, so the
    // cache is not trusted past the bound, then the connection is replaced by one to the new
    // primary.
    #[actix_web::test]
    async fn an_invalidation_connection_left_on_the_old_primary_is_not_trusted() {
        let (Some(old), Some(new)) = (RedisServer::start(), RedisServer::start()) else {
            return;
        };
        let switch = Switch::to(&old);
        let cache = CachedRedisStore::connect_with(&switch.url(), STALENESS, 10_000)
            .await
            .unwrap();
        let jwt = builder(cache.clone())
            .revocation_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let app_b = test::init_service(app(jwt.clone())).await;
        let token = jwt.create_access_token("username").finish().unwrap();
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());
        assert_eq!(call!(app_b, get("/protected", &token)).await, ok());

        // The failover: new connections reach `new`; the store's connection reconnects there.
        switch.point_to(&new);
        cut_store_connections(&old);
        let cut = Instant::now();
        // Another instance, already on the new primary, logs the token out.
        let a = builder(RedisStore::connect(&new.url()).await.unwrap())
            .build()
            .unwrap();
        let app_a = test::init_service(app(a)).await;
        assert_eq!(call!(app_a, delete("/logout", &token)).await.0, 200);
        never_ok_after_the_bound!(app_b, &token, cut, cut + Duration::from_secs(1));

        trusted_again(&cache).await;
        assert_eq!(call!(app_b, get("/protected", &token)).await, revoked());
        assert_eq!(
            new.clients(true).len(),
            1,
            "the new invalidation connection"
        );
        assert!(old.clients(true).is_empty(), "the old one is closed");
    }
}
