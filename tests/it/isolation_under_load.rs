//! Isolation under load: 10,000 requests over 64 keep-alive connections to a bound two-worker
//! server, each with its own identity, a quarter of them with an expired token and a quarter
//! with a revoked one, spread over the three doors (`#[jwt_required]`, the `Jwt` extractor, a
//! `JwtRequired` scope) whose handlers all read the token through `get_jwt()` and friends.
//! Every response must belong to its own request — the handler and the error loaders echo the
//! identity and the request number — and no JWT context may leak into an unprotected handler
//! served on the same connections, during and after the load.
//!
//! The client is raw HTTP/1.1 over `std::net::TcpStream`, one thread per connection.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_jwt_extended::{
    get_jwt, get_jwt_identity, get_jwt_request_location, jwt_required, try_get_jwt,
    try_get_jwt_header, try_get_jwt_identity, Jwt, JwtConfig, JwtManager, JwtRequired,
};
use actix_web::{get, web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

const REQUESTS: usize = 10_000;
const CONNECTIONS: usize = 64;
/// Every this many requests, a connection also asks the unprotected handler.
const BARE_EVERY: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Valid,
    Expired,
    Revoked,
}

fn kind_of(i: usize) -> Kind {
    match i % 4 {
        0 | 1 => Kind::Valid,
        2 => Kind::Expired,
        _ => Kind::Revoked,
    }
}

/// The door request `i` goes through, by its path.
fn door(i: usize) -> &'static str {
    match i % 3 {
        0 => "/whoami",
        1 => "/extractor/whoami",
        _ => "/scope/whoami",
    }
}

#[get("/whoami/{i}")]
#[jwt_required]
async fn whoami(i: web::Path<usize>) -> HttpResponse {
    answer(i.into_inner()).await
}

#[get("/extractor/whoami/{i}")]
async fn extractor_whoami(_jwt: Jwt, i: web::Path<usize>) -> HttpResponse {
    answer(i.into_inner()).await
}

async fn scope_whoami(i: web::Path<usize>) -> HttpResponse {
    answer(i.into_inner()).await
}

/// Reads the identity, yields to the other requests of the worker for a request-specific
/// time, and reads it again.
async fn answer(i: usize) -> HttpResponse {
    let before = get_jwt_identity();
    actix_web::rt::time::sleep(Duration::from_micros((i as u64 * 7_919) % 1_500)).await;
    HttpResponse::Ok().json(json!({
        "i": i,
        "sub": before,
        "sub_after_await": get_jwt_identity(),
        "claims_sub": get_jwt().sub(),
    }))
}

/// An unprotected handler: it must see no JWT context at all.
#[get("/bare")]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "jwt_is_err": try_get_jwt().is_err(),
        "header_is_err": try_get_jwt_header().is_err(),
        "identity_is_err": try_get_jwt_identity().is_err(),
        "location_is_none": get_jwt_request_location().is_none(),
    }))
}

fn no_context() -> Value {
    json!({
        "jwt_is_err": true,
        "header_is_err": true,
        "identity_is_err": true,
        "location_is_none": true,
    })
}

/// The manager: expiry and revocation responses echo the token's `sub`, so that error
/// responses too can be matched to their request.
fn manager(revoked: Arc<HashSet<String>>) -> JwtManager {
    let config = JwtConfig {
        secret_key: Some("isolation-secret".into()),
        ..JwtConfig::default()
    };
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .token_in_blocklist_loader(move |_header, claims| {
            let is_revoked = claims.jti().is_some_and(|jti| revoked.contains(jti));
            async move { is_revoked }
        })
        .expired_token_loader(|_header, claims| {
            HttpResponse::Unauthorized()
                .json(json!({"msg": "Token has expired", "sub": claims.sub()}))
        })
        .revoked_token_loader(|_header, claims| {
            HttpResponse::Unauthorized()
                .json(json!({"msg": "Token has been revoked", "sub": claims.sub()}))
        })
        .build()
        .unwrap()
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
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends one GET and reads its response: status and JSON body.
    fn get(&mut self, path: &str, token: Option<&str>) -> (u16, Value) {
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n");
        self.stream.write_all(request.as_bytes()).unwrap();
        let head_end = loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            self.fill();
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no content-length in {head}"));
        while self.buf.len() < head_end + length {
            self.fill();
        }
        let body = serde_json::from_slice(&self.buf[head_end..head_end + length]).unwrap();
        self.buf.drain(..head_end + length);
        (status, body)
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).unwrap();
        assert!(n > 0, "server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }
}

/// What request `i` must get back.
fn expected(i: usize) -> (u16, Value) {
    let me = format!("user-{i}");
    match kind_of(i) {
        Kind::Valid => (
            200,
            json!({"i": i, "sub": me, "sub_after_await": me, "claims_sub": me}),
        ),
        Kind::Expired => (401, json!({"msg": "Token has expired", "sub": me})),
        Kind::Revoked => (401, json!({"msg": "Token has been revoked", "sub": me})),
    }
}

#[test]
fn ten_thousand_requests_over_64_connections_stay_isolated() {
    // Tokens first: the revoked set must be known to the loader.
    let minting = manager(Arc::new(HashSet::new()));
    let past = SystemTime::now() - Duration::from_secs(3600);
    let tokens: Vec<String> = (0..REQUESTS)
        .map(|i| {
            let builder = minting.create_access_token(format!("user-{i}"));
            match kind_of(i) {
                Kind::Expired => builder.expires_at(past),
                _ => builder,
            }
            .finish()
            .unwrap()
        })
        .collect();
    let revoked: HashSet<String> = (0..REQUESTS)
        .filter(|&i| kind_of(i) == Kind::Revoked)
        .map(|i| {
            minting
                .decode_token(&tokens[i], false)
                .unwrap()
                .jti()
                .unwrap()
                .to_owned()
        })
        .collect();
    let jwt = manager(Arc::new(revoked));

    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let server_thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(jwt.clone())
                    .app_data(jwt.clone())
                    .service(whoami)
                    .service(extractor_whoami)
                    .service(
                        web::scope("/scope")
                            .wrap(JwtRequired::new())
                            .route("/whoami/{i}", web::get().to(scope_whoami)),
                    )
                    .service(bare)
            })
            .workers(2)
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            addr_tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = addr_rx.recv().unwrap();

    let tokens = Arc::new(tokens);
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            let tokens = Arc::clone(&tokens);
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                let mut served = 0;
                for i in (c..REQUESTS).step_by(CONNECTIONS) {
                    let got = conn.get(&format!("{}/{i}", door(i)), Some(&tokens[i]));
                    assert_eq!(got, expected(i), "request {i} on connection {c}");
                    served += 1;
                    if served % BARE_EVERY == 0 {
                        assert_eq!(
                            conn.get("/bare", None),
                            (200, no_context()),
                            "mid-load, {c}"
                        );
                    }
                }
                // Afterwards, on the same connection, with and without a token: no context.
                assert_eq!(conn.get("/bare", None), (200, no_context()), "after, {c}");
                assert_eq!(
                    conn.get("/bare", Some(&tokens[c])),
                    (200, no_context()),
                    "after, with a token, {c}"
                );
                served
            })
        })
        .collect();
    let served: usize = clients.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(served, REQUESTS);

    actix_web::rt::System::new().block_on(handle.stop(true));
    server_thread.join().unwrap().unwrap();
}
