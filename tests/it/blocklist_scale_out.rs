//! Scale-out: two separate server processes of the `blocklist_redis` example app share one
//! Redis; a token revoked through one instance is refused by the other on the very next
//! request. Spoken to over raw HTTP/1.1 on real sockets.
//!
//! The server processes are this test binary run again with `JWT_SCALE_OUT_PORT` set: the test
//! then serves the example app (its `run`, as its `main` does) until it is killed, so no other
//! binary has to be built first.

use crate::support::examples::blocklist_redis;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::blocklist::redis_server::RedisServer;

/// This test's name as the test harness knows it (its path inside the test binary).
const TEST_NAME: &str = "blocklist_scale_out::two_instances_share_revocations_through_one_redis";
const PORT_VAR: &str = "JWT_SCALE_OUT_PORT";
const REDIS_VAR: &str = "JWT_SCALE_OUT_REDIS_URL";

/// One instance of the app: this test binary serving on `port`, killed on drop.
struct Instance {
    child: Child,
    port: u16,
}

impl Instance {
    fn spawn(redis_url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(std::env::current_exe().unwrap())
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(PORT_VAR, port.to_string())
            .env(REDIS_VAR, redis_url)
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

    /// Sends `method path` (with `token` as bearer) and returns the status and JSON body.
    fn request(&self, method: &str, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Content-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.port
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
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child process's side: serve the example app until killed.
fn serve(port: &str) {
    let port = port.parse().expect("port");
    let redis_url = std::env::var(REDIS_VAR).expect("Redis URL");
    actix_web::rt::System::new()
        .block_on(blocklist_redis::run(port, &redis_url))
        .expect("the app serves");
}

#[test]
fn two_instances_share_revocations_through_one_redis() {
    if let Ok(port) = std::env::var(PORT_VAR) {
        return serve(&port);
    }
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let a = Instance::spawn(&redis.url());
    let b = Instance::spawn(&redis.url());
    let revoked = (401, json!({"msg": "Token has been revoked"}));
    let hello = (200, json!({"hello": "world"}));

    for (issuer, other) in [(&a, &b), (&b, &a)] {
        let (status, body) = issuer.request("POST", "/login", None);
        assert_eq!(status, 200, "{body}");
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(other.request("GET", "/protected", Some(&token)), hello);
        assert_eq!(issuer.request("GET", "/protected", Some(&token)), hello);

        assert_eq!(
            issuer.request("DELETE", "/logout", Some(&token)),
            (200, json!({"msg": "Access token revoked"}))
        );
        assert_eq!(other.request("GET", "/protected", Some(&token)), revoked);
        assert_eq!(issuer.request("GET", "/protected", Some(&token)), revoked);
    }
}
