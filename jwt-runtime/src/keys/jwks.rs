//! `JwksSource`: verification keys fetched from a JWKS URL (an OpenID Connect provider's
//! `jwks_uri`, or another service's [`KeySet::jwks_service`](crate::KeySet::jwks_service)),
//! cached, and refreshed on an interval and when a token names an unknown `kid`.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::header::ACCEPT;
use actix_web::http::Uri;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::Algorithm;
use serde_json::Value;

use crate::foundation::error::{cause, Cause};
use crate::foundation::error::{ConfigError, JwtError, JwtErrorKind};
use crate::foundation::redact::{hide_userinfo, redact_url};
use crate::foundation::trace;
use crate::keys::key_set::{entry_from_jwk, KeyEntry, KeySet};

/// A JWKS larger than this is refused (a real one is a few kilobytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// The wait before retrying a failed fetch; it doubles with each further failure, up to
/// `min_refresh_gap`. An outage then costs seconds of 503s, not a whole gap.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// Why a JWKS refresh failed; the cached keys stay in use.
///
/// When the document is not JSON, [`source`](std::error::Error::source) returns the parser's
/// error. The HTTP client's errors are kept as text only, with any credentials of the URL
/// hidden.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct JwksError {
    /// The JWKS URL, credentials redacted (see [`JwksSource::url`]).
    pub url: String,
    /// What went wrong (connection, status, body).
    pub reason: String,
    source: Option<Cause>,
}

/// Equal when the URL and the reason are: the source is not compared.
impl PartialEq for JwksError {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url && self.reason == other.reason
    }
}

impl Eq for JwksError {}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot refresh the JWKS from `{}`: {}",
            self.url, self.reason
        )
    }
}

impl std::error::Error for JwksError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        cause(&self.source)
    }
}

/// Verification keys from a JWKS URL, for
/// [`JwtManagerBuilder::jwks`](crate::JwtManagerBuilder::jwks) (feature `jwks`).
///
/// The keys are cached and refreshed:
/// - when a token names a `kid` the cache lacks (the provider rotated its keys), at most once
///   per [`min_refresh_gap`](JwksSourceBuilder::min_refresh_gap), so tokens with made-up
///   `kid`s cannot flood the provider;
/// - when the cache is older than [`refresh_interval`](JwksSourceBuilder::refresh_interval),
///   so removed keys stop verifying.
///
/// A failed refresh (provider down, bad answer) keeps the cached keys in service and is
/// retried by the next tokens after a short backoff (1 s, doubling up to `min_refresh_gap`);
/// [`last_error`](Self::last_error) tells what failed. A refresh replaces the whole cache at
/// once.
///
/// While the keys cannot be fetched (never fetched yet, or the last fetch failed), a token
/// whose key is not cached is refused with 503 `{"msg": "signing keys unavailable"}`
/// ([`JwtErrorKind::SigningKeysUnavailable`]):
/// its key may be one the provider has and we could not get, so the client should retry, not
/// drop its token. Once a fetch succeeds, an unknown `kid` is an invalid token again (422).
///
/// The request pipeline awaits [`prepare`](Self::prepare) before decoding, so a token with a
/// `kid` the cache does not know yet triggers a (rate-limited) refresh first. Direct calls to
/// `JwtManager::decode_token` are synchronous and read the cache only (a miss schedules a
/// refresh on the current actix arbiter); await `prepare` yourself before them, and
/// [`refresh`](Self::refresh) at start-up to fill the cache.
///
/// Credentials in the URL (`https://user:password@idp/...`) never appear in errors, `Debug`
/// output or [`url`](Self::url): they show as `***`.
///
/// The client is actix's `awc` over rustls with the webpki root certificates; plain `http`
/// is accepted only for loopback hosts unless [`allow_http`](JwksSourceBuilder::allow_http).
///
/// ```no_run
/// use std::time::Duration;
/// use actix_jwt_extended::{Algorithm, JwksSource, JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let jwks = JwksSource::builder("https://idp.example/.well-known/jwks.json")
///     .refresh_interval(Duration::from_secs(600))
///     .build()?;
/// jwks.refresh().await?; // optional: fail fast at start-up
/// let jwt = JwtManager::builder(JwtConfig {
///     algorithm: Algorithm::RS256,
///     decode_audience: Some(vec!["my-api".into()]),
///     ..JwtConfig::default()
/// })
/// .jwks(jwks)
/// .build()?;
/// # drop(jwt); Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwksSource {
    inner: Arc<Inner>,
}

struct Inner {
    /// The URL as given, credentials included: only the HTTP client sees it.
    fetch_url: String,
    /// `fetch_url` with its credentials redacted: the only form errors and `Debug` show.
    url: String,
    refresh_interval: Duration,
    min_refresh_gap: Duration,
    timeout: Duration,
    keys: KeySet,
    status: Mutex<Status>,
    /// One fetch at a time: requests waiting for the same refresh share its result.
    fetch_lock: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Status {
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_error: Option<String>,
    /// Fetches failed in a row since the last success (or since the start).
    failures: u32,
    fetches: u64,
    background: bool,
}

impl Status {
    /// Whether the cache is fit to call a `kid` unknown: filled, and the last fetch succeeded.
    fn healthy(&self) -> bool {
        self.fetched_at.is_some() && self.failures == 0
    }

    /// Whether a token may start a fetch at `now`: `gap` after a success, a backoff growing
    /// from [`FIRST_RETRY`] to `gap` after failures.
    fn may_fetch(&self, now: Instant, gap: Duration) -> bool {
        let wait = match self.failures {
            0 => gap,
            n => FIRST_RETRY
                .saturating_mul(2u32.saturating_pow(n - 1))
                .min(gap),
        };
        self.last_attempt
            .is_none_or(|at| now.duration_since(at) >= wait)
    }
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSource")
            .field("url", &self.inner.url)
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

/// Options of a [`JwksSource`]; [`build`](Self::build) checks the URL.
#[must_use = "call `.build()` to get the source"]
#[derive(Clone)]
pub struct JwksSourceBuilder {
    url: String,
    refresh_interval: Duration,
    min_refresh_gap: Duration,
    timeout: Duration,
    allow_http: bool,
}

impl std::fmt::Debug for JwksSourceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSourceBuilder")
            .field("url", &redact_url(&self.url))
            .field("refresh_interval", &self.refresh_interval)
            .field("min_refresh_gap", &self.min_refresh_gap)
            .field("timeout", &self.timeout)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl JwksSourceBuilder {
    /// How old the cache may get before the next token verification refreshes it
    /// (default 5 minutes).
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// The least time between two fetches that tokens cause (an unknown `kid`, a stale
    /// cache). Default 30 seconds. After a failed fetch the next one comes sooner: 1 s later,
    /// the wait doubling with each further failure up to this gap. [`JwksSource::refresh`]
    /// ignores it.
    pub fn min_refresh_gap(mut self, gap: Duration) -> Self {
        self.min_refresh_gap = gap;
        self
    }

    /// How long one fetch may take, connection and body (default 5 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Accepts a plain `http` URL on any host. Keys fetched without TLS can be swapped by
    /// anyone on the path, so only loopback hosts are accepted without this.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The source, with an empty cache: the first token (or [`JwksSource::refresh`]) fills it.
    pub fn build(self) -> Result<JwksSource, ConfigError> {
        let shown_url = redact_url(&self.url);
        let bad = |reason: String| ConfigError::new("JWKS URL", reason);
        let uri: Uri = self
            .url
            .parse()
            .map_err(|e| bad(format!("`{shown_url}` is not a URL: {e}")))?;
        let host = uri.host().unwrap_or_default();
        match uri.scheme_str() {
            Some("https") => {}
            Some("http")
                if self.allow_http || matches!(host, "localhost" | "127.0.0.1" | "[::1]") => {}
            Some("http") => {
                return Err(bad(format!(
                    "`{shown_url}` is plain http: use https (or `allow_http(true)`)"
                )))
            }
            _ => return Err(bad(format!("`{shown_url}` is not an http(s) URL"))),
        }
        Ok(JwksSource {
            inner: Arc::new(Inner {
                fetch_url: self.url,
                url: shown_url,
                refresh_interval: self.refresh_interval,
                min_refresh_gap: self.min_refresh_gap,
                timeout: self.timeout,
                keys: KeySet::new(),
                status: Mutex::new(Status::default()),
                fetch_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

impl JwksSource {
    /// Options for a source fetching `url`.
    pub fn builder(url: impl Into<String>) -> JwksSourceBuilder {
        JwksSourceBuilder {
            url: url.into(),
            refresh_interval: Duration::from_secs(300),
            min_refresh_gap: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            allow_http: false,
        }
    }

    /// A source fetching `url` with the default options.
    pub fn new(url: impl Into<String>) -> Result<Self, ConfigError> {
        Self::builder(url).build()
    }

    /// The JWKS URL as it may be logged: credentials in it (`user:password@`) show as `***`.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The `kid`s of the cached keys.
    pub fn kids(&self) -> Vec<String> {
        self.inner.keys.kids()
    }

    /// How many fetches were started, successful or not.
    pub fn fetches(&self) -> u64 {
        self.status().fetches
    }

    /// Why the last fetch failed, if it did (cleared by a successful one).
    pub fn last_error(&self) -> Option<String> {
        self.status().last_error.clone()
    }

    /// Fetches the JWKS now (waiting for a fetch already under way instead of starting a
    /// second), replacing the cache; returns the number of usable keys. On error the cached
    /// keys stay.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let started = Instant::now();
        let _fetching = self.inner.fetch_lock.lock().await;
        let fresh = {
            let status = self.status();
            status.fetched_at.is_some_and(|at| at >= started)
        };
        if fresh {
            return Ok(self.inner.keys.len());
        }
        self.fetch().await
    }

    /// Makes sure the cache can verify `token`, whose `alg` must be one of `algorithms` (the
    /// manager's, [`JwtConfig::effective_decode_algorithms`](crate::JwtConfig::effective_decode_algorithms)):
    /// refreshes the cache (rate-limited) when the token's `kid` is unknown or the cache is due,
    /// or waits for a refresh under way that may bring the `kid`. Never fails; a token the keys
    /// cannot verify is refused by the verification that follows.
    ///
    /// A token with another `alg` starts no fetch, whatever its `kid`: the verification will
    /// refuse it anyway, and made-up tokens must not make the app call the provider.
    pub async fn prepare(&self, token: &str, algorithms: &[Algorithm]) {
        let Ok(header) = crate::foundation::compact::get_unverified_jwt_headers(token) else {
            return;
        };
        // `none`, HMAC or unknown algorithms never verify with a JWKS key: no fetch for them.
        let verifiable = header
            .alg()
            .and_then(|alg| alg.parse::<Algorithm>().ok())
            .is_some_and(|alg| {
                crate::foundation::config::is_asymmetric(alg) && algorithms.contains(&alg)
            });
        if !verifiable {
            return;
        }
        let kid = header.kid();
        // A fetch under way (another request's, a background refresh) may bring an unknown
        // `kid`: waiting for it beats refusing a valid token.
        let awaits_fetch = self.inner.keys.find(kid).is_none() && self.fetching();
        if !self.wants_refresh(kid) && !awaits_fetch {
            return;
        }
        let _fetching = self.inner.fetch_lock.lock().await;
        // Whoever held the lock may have fetched what this token needs.
        if self.wants_refresh(kid) {
            let _ = self.fetch().await;
        }
    }

    /// The error for a token whose key is not cached, when the keys cannot be fetched (never
    /// fetched yet, or the last fetch failed): the key may exist at the provider, so the token
    /// is not called invalid. `None` while the provider answers.
    pub(crate) fn unavailable(&self) -> Option<JwtError> {
        let status = self.status();
        if status.healthy() {
            return None;
        }
        let detail = status.last_error.clone().unwrap_or_else(|| {
            format!(
                "the JWKS from `{}` has not been fetched yet",
                self.inner.url
            )
        });
        Some(
            JwtError::new(
                JwtErrorKind::SigningKeysUnavailable,
                "signing keys unavailable",
            )
            .with_detail(detail),
        )
    }

    /// The cached key for `kid`; when it is missing or the cache is due, a refresh is
    /// scheduled on the current actix arbiter for the next requests.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<Arc<KeyEntry>> {
        let entry = self.inner.keys.find(kid);
        if self.wants_refresh(kid) {
            self.refresh_in_background();
        }
        entry
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.inner
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a fetch is under way.
    fn fetching(&self) -> bool {
        self.inner.fetch_lock.try_lock().is_err()
    }

    /// Whether a token with `kid` calls for a fetch now: the key is unknown or the cache is
    /// due, and the rate limit allows one (see [`Status::may_fetch`]).
    fn wants_refresh(&self, kid: Option<&str>) -> bool {
        let status = self.status();
        let now = Instant::now();
        let may_fetch = status.may_fetch(now, self.inner.min_refresh_gap);
        let due = status
            .fetched_at
            .is_none_or(|at| now.duration_since(at) >= self.inner.refresh_interval);
        drop(status);
        may_fetch && (due || self.inner.keys.find(kid).is_none())
    }

    fn refresh_in_background(&self) {
        {
            let mut status = self.status();
            if status.background {
                return;
            }
            status.background = true;
        }
        let source = self.clone();
        // awc futures are not `Send`: the task is created on the arbiter's own thread.
        let queued = actix_rt::Arbiter::try_current().is_some_and(|arbiter| {
            arbiter.spawn_fn(move || {
                actix_rt::spawn(async move {
                    {
                        let _fetching = source.inner.fetch_lock.lock().await;
                        if source.gap_allows() {
                            let _ = source.fetch().await;
                        }
                    }
                    source.status().background = false;
                });
            })
        });
        if !queued {
            self.status().background = false;
        }
    }

    /// The rate limit alone (see [`Status::may_fetch`]).
    fn gap_allows(&self) -> bool {
        self.status()
            .may_fetch(Instant::now(), self.inner.min_refresh_gap)
    }

    /// One fetch; the caller holds `fetch_lock`.
    async fn fetch(&self) -> Result<usize, JwksError> {
        {
            let mut status = self.status();
            status.last_attempt = Some(Instant::now());
            status.fetches += 1;
        }
        let result = match tokio::time::timeout(self.inner.timeout, self.download()).await {
            Ok(result) => result
                .map_err(|reason| (reason, None))
                .and_then(|body| parse_jwks(&body)),
            Err(_) => Err((format!("no answer within {:?}", self.inner.timeout), None)),
        };
        let mut status = self.status();
        match result {
            Ok(keys) => {
                let count = keys.len();
                self.inner.keys.replace_all(keys);
                status.fetched_at = Some(Instant::now());
                status.last_error = None;
                status.failures = 0;
                // Subscribers may write to a slow sink: not while requests wait for the lock.
                drop(status);
                trace::jwks_refreshed(&self.inner.url, count);
                Ok(count)
            }
            Err((reason, source)) => {
                let error = JwksError {
                    url: self.inner.url.clone(),
                    // The HTTP client's messages do not quote the URL today; if one ever
                    // does, its credentials still stay out.
                    reason: hide_userinfo(&self.inner.fetch_url, &reason),
                    source,
                };
                status.last_error = Some(error.to_string());
                status.failures = status.failures.saturating_add(1);
                let failures = status.failures;
                drop(status);
                trace::jwks_refresh_failed(&error.url, &error.reason, failures);
                Err(error)
            }
        }
    }

    async fn download(&self) -> Result<actix_web::web::Bytes, String> {
        // rustls needs a process-wide crypto provider; another crate may have chosen one.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let client = awc::Client::builder()
            .timeout(self.inner.timeout)
            // A redirect could lead from https to plain http.
            .disable_redirects()
            .finish();
        let mut response = client
            .get(&self.inner.fetch_url)
            .insert_header((ACCEPT, "application/json"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP status {}", response.status()));
        }
        response
            .body()
            .limit(MAX_JWKS_BYTES)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The usable keys of a JWKS document. Keys that cannot verify tokens (encryption keys,
/// unknown types or algorithms, symmetric keys) are skipped, not fatal: providers publish them.
/// A failure is its text and, for a parser's error, the error.
fn parse_jwks(body: &[u8]) -> Result<Vec<KeyEntry>, (String, Option<Cause>)> {
    let document: Value = serde_json::from_slice(body).map_err(|e| {
        (
            format!("not a JWKS (JSON): {e}"),
            Some(Arc::new(e) as Cause),
        )
    })?;
    let Some(Value::Array(listed)) = document.get("keys") else {
        return Err(("not a JWKS: no `keys` array".into(), None));
    };
    let mut keys: Vec<KeyEntry> = Vec::new();
    let mut skipped = Vec::new();
    for value in listed {
        let entry = serde_json::from_value::<Jwk>(value.clone())
            .map_err(|e| format!("unreadable JWK: {e}"))
            .and_then(|jwk| entry_from_jwk(&jwk));
        match entry {
            // A repeated `kid` keeps its first key, as lookups would.
            Ok(entry) if keys.iter().any(|k| k.kid == entry.kid) => {}
            Ok(entry) => keys.push(entry),
            Err(reason) => skipped.push(reason),
        }
    }
    if keys.is_empty() && !skipped.is_empty() {
        return Err((format!("no usable key: {}", skipped.join("; ")), None));
    }
    Ok(keys)
}
