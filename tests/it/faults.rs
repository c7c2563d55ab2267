//! Faults in the application's loaders, over real sockets: a `user_lookup_loader`,
//! `token_in_blocklist_loader` or `token_verification_loader` that fails (`Err`) or panics —
//! inside its future or before returning it — costs only the request that hit it: that request
//! gets a 500 JSON error, the worker keeps serving, a request in flight on the same worker
//! meanwhile completes, and the next request (on the same connection or a new one) works.
//!
//! The server has one worker, so every request lands on the worker that saw the fault.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::blocklist::{BoxFuture, RevocationStore, StoreError};
use actix_jwt_extended::{get_jwt_identity, jwt_required, Claims, JwtConfig, JwtManager};
use actix_web::dev::ServerHandle;
use actix_web::{get, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// Part of a loader's error text that must not reach the client (it could be a connection
/// string or a query).
const INTERNAL_DETAIL: &str = "postgres://app:hunter2@db.internal/users";

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": get_jwt_identity() }))
}

/// Holds the worker's attention for a while, to be in flight when another request panics.
#[get("/slow")]
#[jwt_required]
async fn slow() -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    HttpResponse::Ok().json(json!({ "sub": get_jwt_identity(), "slow": true }))
}

#[get("/unprotected")]
async fn unprotected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "ok": true }))
}

type Check = Pin<Box<dyn Future<Output = Result<bool, String>>>>;

/// The blocklist and verification loaders: `sub` names the fault to act out.
fn checking(fault_prefix: &'static str) -> impl Fn(Claims) -> Check {
    move |claims| {
        let sub = claims.sub().unwrap_or_default().to_owned();
        let fault = sub
            .strip_prefix(fault_prefix)
            .unwrap_or_default()
            .to_owned();
        if fault == "panic-sync" {
            panic!("{fault_prefix}loader panicked before returning its future");
        }
        Box::pin(async move {
            match fault.as_str() {
                "error" => Err(format!("cannot reach {INTERNAL_DETAIL}")),
                "panic" => panic!("{fault_prefix}loader panicked in its future"),
                _ => Ok(false),
            }
        })
    }
}

fn manager() -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("faults-secret".into()),
        ..JwtConfig::default()
    };
    let blocklist = checking("blocklist-");
    let verification = checking("verify-");
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .token_in_blocklist_loader(move |_header, claims| blocklist(claims))
        // Answers "revoked?" and "valid?": an `Ok(false)` from the checker means "valid".
        .token_verification_loader(move |_header, claims| {
            let check = verification(claims);
            async move { check.await.map(|failed| !failed) }
        })
        .user_lookup_loader(|_header, claims| {
            let sub = claims.sub().unwrap_or_default().to_owned();
            if sub == "user-panic-sync" {
                panic!("user loader panicked before returning its future");
            }
            Box::pin(async move {
                match sub.as_str() {
                    "user-panic" => panic!("user loader panicked in its future"),
                    "user-none" => None,
                    _ => Some(sub),
                }
            }) as Pin<Box<dyn Future<Output = Option<String>>>>
        })
        .build()
        .unwrap()
}

struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl Server {
    fn start(jwt: JwtManager) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(jwt.clone())
                        .app_data(jwt.clone())
                        .service(protected)
                        .service(slow)
                        .service(unprotected)
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).unwrap();
                server.await
            })
        });
        let (addr, handle) = rx.recv().unwrap();
        Self {
            addr,
            handle,
            thread,
        }
    }

    fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(true));
        self.thread.join().unwrap().unwrap();
    }
}

/// A response as the client saw it.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: Option<String>,
    body: Value,
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, path: &str, token: Option<&str>) {
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n");
        self.stream.write_all(request.as_bytes()).unwrap();
    }

    /// Reads one response; `Err` with what was received when the server closed the
    /// connection instead of answering.
    fn receive(&mut self) -> Result<Reply, String> {
        let head_end = loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let header = |wanted: &str| {
            head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case(wanted)
                    .then(|| value.trim().to_owned())
            })
        };
        let length: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
        while self.buf.len() < head_end + length {
            self.fill()?;
        }
        let bytes = self.buf[head_end..head_end + length].to_vec();
        self.buf.drain(..head_end + length);
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Reply {
            status,
            content_type: header("content-type"),
            body,
        })
    }

    fn get(&mut self, path: &str, token: Option<&str>) -> Result<Reply, String> {
        self.send(path, token);
        self.receive()
    }

    fn fill(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(format!(
                "connection closed without a response (had {:?})",
                String::from_utf8_lossy(&self.buf)
            )),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) => Err(format!("connection failed without a response: {e}")),
        }
    }
}

/// Asserts a 500 with a JSON `{"msg": "..."}` body.
fn assert_json_500(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 500, "{what}: {reply:?}");
    assert_eq!(
        reply.content_type.as_deref(),
        Some("application/json"),
        "{what}: {reply:?}"
    );
    assert!(reply.body["msg"].is_string(), "{what}: {reply:?}");
}

/// Runs the fault of `sub` and checks that only its request suffered: a slow request in
/// flight on the same worker completes, the faulty request gets a JSON 500, and the next
/// requests on the same connection and on a new one work. Every check is made before the
/// test fails, so that a failure lists all that went wrong.
fn fault_costs_one_request(sub: &str) {
    let jwt = manager();
    let server = Server::start(jwt.clone());
    let token = |sub: &str| jwt.create_access_token(sub).finish().unwrap();
    let good = token("ann");
    let mut failures = Vec::new();
    let mut expect = |what: &str, got: Result<Reply, String>, status: u16, body: Option<Value>| {
        let ok = match &got {
            Ok(reply) => {
                reply.status == status
                    && reply.content_type.as_deref() == Some("application/json")
                    && match &body {
                        Some(body) => &reply.body == body,
                        None => reply.body["msg"].is_string(),
                    }
            }
            Err(_) => false,
        };
        if !ok {
            failures.push(format!("{what}: expected {status} {body:?}, got {got:?}"));
        }
    };

    let mut in_flight = Conn::open(server.addr);
    in_flight.send("/slow", Some(&good));
    std::thread::sleep(Duration::from_millis(100));

    let mut conn = Conn::open(server.addr);
    expect(
        "the faulty request",
        conn.get("/protected", Some(&token(sub))),
        500,
        None,
    );
    expect(
        "the request in flight meanwhile",
        in_flight.receive(),
        200,
        Some(json!({"sub": "ann", "slow": true})),
    );
    if conn.stream.peer_addr().is_ok() {
        expect(
            "the next request, same connection",
            conn.get("/protected", Some(&good)),
            200,
            Some(json!({"sub": "ann"})),
        );
    }
    expect(
        "the next request, new connection",
        Conn::open(server.addr).get("/protected", Some(&good)),
        200,
        Some(json!({"sub": "ann"})),
    );
    expect(
        "an unprotected request",
        Conn::open(server.addr).get("/unprotected", None),
        200,
        Some(json!({"ok": true})),
    );
    server.stop();
    assert!(failures.is_empty(), "{sub}:\n{}", failures.join("\n"));
}

/// A blocklist loader returning `Err` refuses the request (fail closed) with a JSON 500.
#[test]
fn erroring_blocklist_loader() {
    fault_costs_one_request("blocklist-error");
}

/// A verification loader returning `Err` refuses the request with a JSON 500.
#[test]
fn erroring_verification_loader() {
    fault_costs_one_request("verify-error");
}

/// A blocklist loader whose future panics: JSON 500 for that request only.
#[test]
fn blocklist_loader_panicking_in_its_future() {
    fault_costs_one_request("blocklist-panic");
}

/// A verification loader whose future panics: JSON 500 for that request only.
#[test]
fn verification_loader_panicking_in_its_future() {
    fault_costs_one_request("verify-panic");
}

/// A user loader whose future panics: JSON 500 for that request only.
#[test]
fn user_lookup_loader_panicking_in_its_future() {
    fault_costs_one_request("user-panic");
}

/// A blocklist loader closure that panics before it returns its future (the synchronous part
/// of `|header, claims| { ...; async move { ... } }`): JSON 500 for that request only.
#[test]
fn blocklist_loader_panicking_before_its_future() {
    fault_costs_one_request("blocklist-panic-sync");
}

/// A user loader closure that panics before it returns its future: JSON 500 for that request.
#[test]
fn user_lookup_loader_panicking_before_its_future() {
    fault_costs_one_request("user-panic-sync");
}

/// CWE-209 (Information Exposure Through an Error Message): the text of a loader's error —
/// which may name a database, a host or a credential — is not sent to the client; the 500
/// says which loader failed, as the panic responses do.
#[test]
fn loader_error_text_is_not_sent_to_the_client() {
    let jwt = manager();
    let server = Server::start(jwt.clone());
    for sub in ["blocklist-error", "verify-error"] {
        let token = jwt.create_access_token(sub).finish().unwrap();
        let reply = Conn::open(server.addr)
            .get("/protected", Some(&token))
            .unwrap();
        assert_json_500(&reply, sub);
        let text = reply.body.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("db.internal"),
            "{sub}: the loader's error text reached the client: {text}"
        );
    }
    server.stop();
}

/// A revocation store that cannot answer.
struct BrokenStore;

impl RevocationStore for BrokenStore {
    fn revoke<'a>(
        &'a self,
        _jti: &'a str,
        _expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    fn is_revoked<'a>(&'a self, _jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async {
            Err(StoreError::retryable(format!(
                "cannot reach {INTERNAL_DETAIL}"
            )))
        })
    }
}

/// CWE-209, for the revocation store: a store that fails refuses the request (fail closed,
/// 503) without sending the store's error text to the client.
#[test]
fn revocation_store_error_text_is_not_sent_to_the_client() {
    let config = JwtConfig {
        secret_key: Some("faults-secret".into()),
        ..JwtConfig::default()
    };
    let jwt = JwtManager::builder(config)
        .ignore_registered_loaders()
        .revocation_store(BrokenStore)
        .build()
        .unwrap();
    let server = Server::start(jwt.clone());
    let token = jwt.create_access_token("ann").finish().unwrap();
    let reply = Conn::open(server.addr)
        .get("/protected", Some(&token))
        .unwrap();
    server.stop();
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(reply.body["msg"].is_string(), "{reply:?}");
    let text = reply.body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("db.internal"),
        "the store's error text reached the client: {text}"
    );
}

/// Control: the same loaders answer normally for ordinary tokens, and a user loader's `None`
/// is the 401 of Flask, not a fault.
#[test]
fn loaders_without_faults() {
    let jwt = manager();
    let server = Server::start(jwt.clone());
    let mut conn = Conn::open(server.addr);
    let token = jwt.create_access_token("ann").finish().unwrap();
    let reply = conn.get("/protected", Some(&token)).unwrap();
    assert_eq!((reply.status, reply.body), (200, json!({"sub": "ann"})));
    let token = jwt.create_access_token("user-none").finish().unwrap();
    let reply = conn.get("/protected", Some(&token)).unwrap();
    assert_eq!(
        (reply.status, reply.body),
        (401, json!({"msg": "Error loading the user user-none"}))
    );
    server.stop();
}
