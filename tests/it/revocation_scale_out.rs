//! Scale-out proof of the shared stores: three server processes share one Redis (each checking
//! revocations through a `CachedRedisStore`) or one PostgreSQL database (`PostgresStore`, and
//! `CachedPostgresStore`).
//! Under concurrent load (valid and revoked tokens mixed), a token revoked through any instance
//! is refused by every instance within the store's bound, refresh-token reuse is detected across
//! processes, and the propagation latency of each revocation to the other instances is reported
//! as a histogram.
//!
//! The server processes are this test binary run again with `JWT_SCALE_OUT_PORT` set (as in
//! `blocklist_scale_out.rs`), serving the app of [`serve`] until killed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_jwt_extended::blocklist::{
    self, CachedPostgresStore, CachedRedisStore, PostgresStore, RefreshRotation,
};
use actix_jwt_extended::{get_jwt, jwt_required, JwtConfig, JwtError, JwtManager};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::support::blocklist::postgres_server::PgServer;
use crate::support::blocklist::redis_server::RedisServer;

const PORT_VAR: &str = "JWT_SCALE_OUT_PORT";
/// The store's URL: `redis://...` for a `CachedRedisStore`, `postgres://...` for a
/// `PostgresStore`, `cached+postgres://...` for a `CachedPostgresStore`.
const STORE_VAR: &str = "JWT_SCALE_OUT_STORE_URL";
/// The store's bound: no instance trusts its cache longer without hearing from Redis.
const STALENESS: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// The server side.

#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"hello": "world"}))
}

async fn login() -> Result<HttpResponse, JwtError> {
    Ok(HttpResponse::Ok().json(RefreshRotation::current()?.login("user")?))
}

#[jwt_required(refresh, skip_revocation_check)]
async fn refresh() -> Result<HttpResponse, JwtError> {
    let tokens = RefreshRotation::current()?.refresh(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

#[jwt_required]
async fn logout() -> Result<HttpResponse, JwtError> {
    blocklist::revoke_token(&get_jwt()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "revoked"})))
}

/// The child process's side: serve until killed.
fn serve(port: &str) {
    let port: u16 = port.parse().expect("port");
    let url = std::env::var(STORE_VAR).expect("store URL");
    actix_web::rt::System::new()
        .block_on(async move {
            let config = JwtConfig {
                secret_key: Some("scale-out-secret".into()),
                ..JwtConfig::default()
            };
            let builder = JwtManager::builder(config).ignore_registered_loaders();
            let builder = if url.starts_with("redis") {
                let store = CachedRedisStore::connect_with(&url, STALENESS, 100_000).await;
                builder.revocation_store(store.expect("Redis"))
            } else if let Some(url) = url.strip_prefix("cached+") {
                let store = CachedPostgresStore::connect_with(url, STALENESS, 100_000).await;
                builder.revocation_store(store.expect("PostgreSQL"))
            } else {
                builder.revocation_store(PostgresStore::connect(&url).await.expect("PostgreSQL"))
            };
            let jwt = builder.build().expect("valid config");
            HttpServer::new(move || {
                App::new()
                    .wrap(jwt.clone())
                    .app_data(jwt.clone())
                    .route("/login", web::post().to(login))
                    .route("/refresh", web::post().to(refresh))
                    .route("/logout", web::delete().to(logout))
                    .route("/protected", web::get().to(protected))
            })
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
            .await
        })
        .expect("the app serves");
}

// ---------------------------------------------------------------------------------------------
// The client side.

/// One instance: this test binary serving on `port`, killed on drop.
struct Instance {
    child: Child,
    port: u16,
}

impl Instance {
    fn spawn(test_name: &str, store_url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(std::env::current_exe().unwrap())
            .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
            .env(PORT_VAR, port.to_string())
            .env(STORE_VAR, store_url)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut instance = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = instance.child.try_wait().unwrap() {
                panic!("instance on port {port} exited: {status}");
            }
            assert!(Instant::now() < deadline, "instance on port {port} not up");
            std::thread::sleep(Duration::from_millis(20));
        }
        instance
    }

    /// Sends `method path` with `token` as bearer; the status and JSON body.
    fn request(&self, method: &str, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Length: 0\r\n\
             Connection: close\r\n\r\n",
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
        let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn login(&self) -> (String, String) {
        let (status, body) = self.request("POST", "/login", None);
        assert_eq!(status, 200, "{body}");
        let field = |name: &str| body[name].as_str().unwrap().to_owned();
        (field("access_token"), field("refresh_token"))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `p`-th percentile of sorted `samples`.
fn percentile(samples: &[Duration], p: f64) -> Duration {
    let rank = ((samples.len() as f64 - 1.0) * p / 100.0).round() as usize;
    samples[rank]
}

#[test]
fn three_cached_redis_instances_share_revocations_under_load() {
    if let Ok(port) = std::env::var(PORT_VAR) {
        return serve(&port);
    }
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let name = "revocation_scale_out::three_cached_redis_instances_share_revocations_under_load";
    scale_out("CachedRedisStore", name, &redis.url(), STALENESS);
}

#[test]
fn three_postgres_instances_share_revocations_under_load() {
    if let Ok(port) = std::env::var(PORT_VAR) {
        return serve(&port);
    }
    let Some(server) = PgServer::start() else {
        return;
    };
    let url = actix_web::rt::System::new().block_on(server.database());
    let name = "revocation_scale_out::three_postgres_instances_share_revocations_under_load";
    scale_out("PostgresStore", name, &url, Duration::ZERO);
}

#[test]
fn three_cached_postgres_instances_share_revocations_under_load() {
    if let Ok(port) = std::env::var(PORT_VAR) {
        return serve(&port);
    }
    let Some(server) = PgServer::start() else {
        return;
    };
    let url = actix_web::rt::System::new().block_on(server.database());
    let name = "revocation_scale_out::three_cached_postgres_instances_share_revocations_under_load";
    scale_out(
        "CachedPostgresStore",
        name,
        &format!("cached+{url}"),
        STALENESS,
    );
}

/// Three instances of [`serve`] on the store at `store_url`, under load; `bound` is how long
/// after a revocation an instance may still accept the token.
fn scale_out(store: &str, test_name: &str, store_url: &str, bound: Duration) {
    let instances: Arc<Vec<Instance>> = Arc::new(
        (0..3)
            .map(|_| Instance::spawn(test_name, store_url))
            .collect(),
    );
    let hello = (200, json!({"hello": "world"}));
    let revoked = (401, json!({"msg": "Token has been revoked"}));

    // Refresh-token reuse across processes: issued by 0, exchanged on 1, replayed on 2.
    let (_, first_refresh) = instances[0].login();
    let (status, body) = instances[1].request("POST", "/refresh", Some(&first_refresh));
    assert_eq!(status, 200, "{body}");
    let second_refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let second_access = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        instances[2].request("GET", "/protected", Some(&second_access)),
        hello
    );
    assert_eq!(
        instances[2].request("POST", "/refresh", Some(&first_refresh)),
        revoked
    );
    for instance in instances.iter() {
        assert_eq!(
            instance.request("POST", "/refresh", Some(&second_refresh)),
            revoked
        );
        assert_eq!(
            instance.request("GET", "/protected", Some(&second_access)),
            revoked
        );
    }

    // Background load: valid tokens must keep answering 200 on every instance.
    let valid: Vec<String> = (0..30).map(|i| instances[i % 3].login().0).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let load: Vec<_> = (0..4)
        .map(|worker| {
            let (instances, valid, stop, served) = (
                Arc::clone(&instances),
                valid.clone(),
                Arc::clone(&stop),
                Arc::clone(&served),
            );
            std::thread::spawn(move || {
                let mut i = worker;
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = instances[i % 3].request(
                        "GET",
                        "/protected",
                        Some(&valid[i % valid.len()]),
                    );
                    assert_eq!(status, 200, "a valid token refused: {body}");
                    served.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();

    // Revocations through each instance in turn, while the others are polled until they refuse.
    let mut latencies = Vec::new();
    let mut stale = 0;
    let mut revoked_tokens = Vec::new();
    for round in 0..150 {
        let through = round % 3;
        let (token, _) = instances[through].login();
        // Every instance caches the token as "not revoked" first.
        for instance in instances.iter() {
            assert_eq!(instance.request("GET", "/protected", Some(&token)), hello);
        }
        assert_eq!(
            instances[through]
                .request("DELETE", "/logout", Some(&token))
                .0,
            200
        );
        let revoked_at = Instant::now();
        for (other, instance) in instances.iter().enumerate() {
            if other == through {
                assert_eq!(instance.request("GET", "/protected", Some(&token)), revoked);
                continue;
            }
            loop {
                // A request sent within the bound may still be answered from a cache; one sent
                // after it never is, and a direct store has no bound at all.
                let sent = revoked_at.elapsed();
                let response = instance.request("GET", "/protected", Some(&token));
                if response == revoked {
                    latencies.push(revoked_at.elapsed());
                    break;
                }
                assert_eq!(response, hello);
                stale += 1;
                assert!(
                    sent <= bound,
                    "instance {other} still accepts a request sent {sent:?} after the revocation"
                );
            }
        }
        revoked_tokens.push(token);
    }
    // Mixed: every revoked token stays refused everywhere, under the same load.
    for token in &revoked_tokens {
        for instance in instances.iter() {
            assert_eq!(instance.request("GET", "/protected", Some(token)), revoked);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for worker in load {
        worker.join().unwrap();
    }

    latencies.sort();
    let report = [50.0, 90.0, 99.0, 100.0]
        .map(|p| format!("p{p}: {:?}", percentile(&latencies, p)))
        .join(", ");
    println!(
        "{store}: propagation to the other instances ({} samples): {report}; {stale} requests \
         accepted after the revocation, inside the bound; {} valid requests served meanwhile",
        latencies.len(),
        served.load(Ordering::Relaxed)
    );
    let edges_ms = [1, 2, 5, 10, 25, 50];
    let mut buckets = [0usize; 7];
    for latency in &latencies {
        let ms = latency.as_secs_f64() * 1e3;
        let bucket = edges_ms.iter().position(|&edge| ms < f64::from(edge));
        buckets[bucket.unwrap_or(edges_ms.len())] += 1;
    }
    let mut histogram: Vec<String> = edges_ms
        .iter()
        .zip(&buckets)
        .map(|(edge, count)| format!("<{edge}ms {count}"))
        .collect();
    histogram.push(format!("≥50ms {}", buckets[edges_ms.len()]));
    println!(
        "histogram (each sample includes one request's round trip): {}",
        histogram.join(", ")
    );
    assert!(served.load(Ordering::Relaxed) > 0);
}
