//! The task-local JWT context under concurrency: many requests interleaved on the same worker
//! threads must each see their own token, before and after an `.await`.
//!
//! One test speaks raw HTTP/1.1 to a bound two-worker server over real sockets; the other
//! interleaves the same requests on one thread through `init_service`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use actix_jwt_extended::{get_jwt, get_jwt_identity, jwt_required, JwtManager};
use actix_web::rt::net::TcpStream;
use actix_web::rt::time::{sleep, timeout};
use actix_web::test::{self, TestRequest};
use actix_web::{get, web, App, HttpResponse, HttpServer};
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{bearer, manager};

const REQUESTS: usize = 1_000;

/// A short delay that differs from request to request (0–22 ms), the same on every run.
fn delay_for(i: usize) -> Duration {
    Duration::from_millis((i as u64 * 7_919) % 23)
}

/// Reads the identity, sleeps a request-specific time so that other requests run meanwhile,
/// and reads it again.
#[get("/whoami/{i}")]
#[jwt_required]
async fn whoami(i: web::Path<usize>) -> HttpResponse {
    let first = get_jwt_identity();
    sleep(delay_for(i.into_inner())).await;
    let second = get_jwt_identity();
    HttpResponse::Ok().json(json!({
        "first": first,
        "second": second,
        "claims_sub": get_jwt().sub(),
        "thread": format!("{:?}", std::thread::current().id()),
    }))
}

fn tokens(jwt: &JwtManager) -> Vec<String> {
    (0..REQUESTS)
        .map(|i| {
            jwt.create_access_token(format!("user-{i}"))
                .finish()
                .unwrap()
        })
        .collect()
}

/// Checks that response `i` names `user-<i>` in every read.
fn assert_own_identity(i: usize, body: &Value) {
    let me = format!("user-{i}");
    assert_eq!(body["first"], me.as_str(), "request {i}: {body}");
    assert_eq!(body["second"], me.as_str(), "request {i}: {body}");
    assert_eq!(body["claims_sub"], me.as_str(), "request {i}: {body}");
}

/// Writes all of `bytes` with the readiness API (no `io-util` feature needed).
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads until the server closes the connection.
async fn read_to_end(stream: &TcpStream) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// One `GET /whoami/<i>` on its own connection; returns the status line and the JSON body.
async fn raw_request(addr: SocketAddr, i: usize, token: &str) -> (String, Value) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /whoami/{i} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    write_all(&stream, request.as_bytes()).await.expect("write");
    let response = read_to_end(&stream).await.expect("read");
    let response = String::from_utf8(response).expect("UTF-8 response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a complete response");
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    (status_line, body)
}

#[actix_web::test]
async fn test_concurrent_identities_over_sockets() {
    let jwt = manager();
    let tokens = tokens(&jwt);
    let server = {
        let jwt = jwt.clone();
        HttpServer::new(move || {
            App::new()
                .wrap(jwt.clone())
                .app_data(jwt.clone())
                .service(whoami)
        })
        .workers(2)
        .backlog(2_048)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("bind")
    };
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let requests = join_all(
        tokens
            .iter()
            .enumerate()
            .map(|(i, token)| raw_request(addr, i, token)),
    );
    // A safety net against a hang, not a performance assertion: the run takes well under 1 s.
    let responses = timeout(Duration::from_secs(10), requests)
        .await
        .expect("1,000 requests finish");
    handle.stop(false).await;

    let mut threads = BTreeSet::new();
    for (i, (status_line, body)) in responses.iter().enumerate() {
        assert_eq!(status_line, "HTTP/1.1 200 OK", "request {i}: {body}");
        assert_own_identity(i, body);
        threads.insert(body["thread"].as_str().unwrap_or_default().to_owned());
    }
    // Connections are dealt to the workers in turn, so both served some.
    assert_eq!(threads.len(), 2, "{threads:?}");
}

#[actix_web::test]
async fn test_concurrent_identities_in_process() {
    let jwt = manager();
    let tokens = tokens(&jwt);
    let app = test::init_service(
        App::new()
            .wrap(jwt.clone())
            .app_data(jwt.clone())
            .service(whoami),
    )
    .await;

    let calls = tokens.iter().enumerate().map(|(i, token)| {
        let req = TestRequest::get()
            .uri(&format!("/whoami/{i}"))
            .insert_header(bearer(token))
            .to_request();
        test::call_and_read_body_json::<_, _, Value>(&app, req)
    });
    let bodies = timeout(Duration::from_secs(10), join_all(calls))
        .await
        .expect("1,000 requests finish");
    assert_eq!(bodies.len(), REQUESTS);
    for (i, body) in bodies.iter().enumerate() {
        assert_own_identity(i, body);
    }
}
