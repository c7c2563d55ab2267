//! A real OpenID Provider on loopback: node's `oidc-provider` (an OpenID-certified
//! implementation, installed from npm into `tests/oidc-provider/` by `.ci/run`), run by
//! `tests/oidc-provider/server.mjs`. It issues RFC 9068 JWT access tokens to a confidential
//! client through the client-credentials grant, and a test can make it publish or rotate its
//! signing keys, or go down. Without Node.js or the installed package the test is skipped,
//! except under `CI=true`, where that is a failure.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::Value;

/// The API the provider's tokens are meant for: the resource indicator, so their `aud`.
pub const AUDIENCE: &str = "urn:actix-jwt-extended:api";

/// Settings of a provider: the algorithm it signs with, the path of its issuer (as a
/// Keycloak realm has one), its tokens' lifetime.
#[derive(Clone, Debug)]
pub struct Settings {
    pub alg: &'static str,
    pub issuer_path: &'static str,
    pub access_token_ttl: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            alg: "RS256",
            issuer_path: "",
            access_token_ttl: 300,
        }
    }
}

/// A running provider; stopped when dropped.
pub struct IdentityProvider {
    child: Child,
    // The process ends when its stdin closes, so it does not outlive a test that panics.
    _stdin: ChildStdin,
    issuer: String,
    client_id: String,
    client_secret: String,
}

impl IdentityProvider {
    /// A provider with the default settings; `None` (skipped) outside CI when Node.js or the
    /// npm package is missing.
    pub fn start() -> Option<Self> {
        Self::start_with(Settings::default())
    }

    pub fn start_with(settings: Settings) -> Option<Self> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider");
        let installed = dir.join("node_modules/oidc-provider/package.json").exists();
        let node = Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !(installed && node) {
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("the test OpenID Provider is not installed, and CI=true: see .ci/run");
            }
            eprintln!("skipped: no test OpenID Provider (install Node.js, then `npm ci` in tests/oidc-provider)");
            return None;
        }
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("PORT", "0")
            .env("ALG", settings.alg)
            .env("ISSUER_PATH", settings.issuer_path)
            .env("AUDIENCE", AUDIENCE)
            .env("ACCESS_TOKEN_TTL", settings.access_token_ttl.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the provider says where it listens");
        let started: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider did not start ({e}): {line:?}"));
        let field = |name: &str| started[name].as_str().expect(name).to_owned();
        Some(Self {
            issuer: field("issuer"),
            client_id: field("clientId"),
            client_secret: field("clientSecret"),
            child,
            _stdin: stdin,
        })
    }

    /// The issuer identifier, `http://127.0.0.1:PORT` followed by the issuer path.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The provider's JWKS URL, as its discovery document names it.
    pub fn jwks_uri(&self) -> String {
        format!("{}/jwks", self.issuer)
    }

    fn origin(&self) -> &str {
        let after_scheme = "http://".len();
        let end = self.issuer[after_scheme..]
            .find('/')
            .map_or(self.issuer.len(), |i| i + after_scheme);
        &self.issuer[..end]
    }

    /// A JWT access token for [`AUDIENCE`] with `scope`, through the client-credentials grant.
    pub async fn access_token(&self, scope: &str) -> String {
        self.token(&[("resource", AUDIENCE), ("scope", scope)])
            .await
    }

    /// An opaque access token: one asked for without a resource indicator.
    pub async fn opaque_token(&self) -> String {
        self.token(&[("scope", "items:read")]).await
    }

    async fn token(&self, form: &[(&str, &str)]) -> String {
        let mut fields = vec![("grant_type", "client_credentials")];
        fields.extend_from_slice(form);
        let mut response = awc::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth(&self.client_id, &self.client_secret)
            .send_form(&fields)
            .await
            .expect("the token endpoint answers");
        let body: Value = response.json().await.expect("a JSON token response");
        assert!(response.status().is_success(), "token request: {body}");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    async fn control(&self, what: &str) -> Value {
        let url = format!("{}/control/{what}", self.origin());
        let request = match what {
            "stats" => awc::Client::new().get(url),
            _ => awc::Client::new().post(url),
        };
        let mut response = request.send().await.expect("the control endpoint answers");
        assert!(response.status().is_success(), "control {what}");
        response.json().await.expect("a JSON control response")
    }

    /// Publishes a new key, still signing with the current one; returns its `kid`.
    pub async fn publish_key(&self) -> String {
        let kids = self.control("publish").await["kids"].clone();
        kids.as_array()
            .and_then(|k| k.last())
            .and_then(Value::as_str)
            .expect("kids")
            .to_owned()
    }

    /// Signs with a new key from now on (the old ones stay published); returns its `kid`.
    pub async fn rotate(&self) -> String {
        self.control("rotate").await["signing"]
            .as_str()
            .expect("signing")
            .to_owned()
    }

    /// Signs with the key published last by [`publish_key`](Self::publish_key).
    pub async fn sign_with_published(&self) -> String {
        self.control("rotate?published=1").await["signing"]
            .as_str()
            .expect("signing")
            .to_owned()
    }

    /// Answers 503 to everything (the control endpoints aside) until [`up`](Self::up).
    pub async fn down(&self) {
        self.control("down").await;
    }

    pub async fn up(&self) {
        self.control("up").await;
    }

    /// How many times the JWKS was served.
    pub async fn jwks_fetches(&self) -> u64 {
        self.control("stats").await["jwks"]
            .as_u64()
            .expect("jwks count")
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
