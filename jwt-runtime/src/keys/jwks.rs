//! `JwksSource`: verification keys fetched from a JWKS URL (an OpenID Connect provider's
//! `jwks_uri`, or another service's [`KeySet::jwks_service`](crate::KeySet::jwks_service)),
//! cached, and refreshed on an interval and when a token names an unknown `kid`.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use actix_web::http::header::{ACCEPT, AGE, CACHE_CONTROL};
use actix_web::http::Uri;
use awc::error::{ConnectError, SendRequestError};
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
/// # When the keys are fetched
///
/// The keys are cached and refreshed in two ways:
/// - **On schedule.** A successful fetch is good for the `max-age` of the response's
///   `Cache-Control` (less its `Age`), clamped to
///   [`max_age_bounds`](JwksSourceBuilder::max_age_bounds) (default 1 minute to 24 hours;
///   `no-cache`, `no-store` and `max-age=0` get the low bound), or for
///   [`refresh_interval`](JwksSourceBuilder::refresh_interval) (default 5 minutes) when the
///   response says nothing. The first verification after that starts a refresh in the
///   background (never sooner than `min_refresh_gap` after the last fetch) and is answered
///   from the cache meanwhile. Keys that providers publish ahead of
///   use (Keycloak, Auth0 and Entra ID do) are so fetched before their first token, and keys
///   the provider removed stop verifying.
/// - **On a miss.** A token naming a `kid` the cache lacks (the provider rotated without
///   publishing ahead, or the `kid` is made up) needs a fetch that started after the request
///   arrived before it may be called unknown. Such fetches are at most one per
///   [`min_refresh_gap`](JwksSourceBuilder::min_refresh_gap) (default 5 seconds, so at most
///   12 a minute however many tokens with made-up `kid`s arrive), and every request waiting
///   for the keys shares the one fetch under way.
///
/// # The answer to a token whose `kid` is not cached
///
/// The request arrived at *A*; the verification goes through these steps, in this order,
/// until one answers:
/// 1. The key is cached (it may have arrived while waiting): the token is verified with it.
/// 2. A fetch that started at or after *A* succeeded and lacks the `kid`: the key is not
///    the provider's, 422 `{"msg": "Unable to find a signing key that matches the token's
///    kid"}` (Flask-JWT-Extended's answer).
/// 3. A fetch is under way: the request waits for it, then goes back to step 1.
/// 4. A fetch is allowed now (the gap has passed since the last one started, or the backoff
///    after a failure): the request starts it and waits for it, then goes back to step 1.
/// 5. The next fetch is allowed at *T*: the request sleeps until *T* if
///    *T* ≤ *A* + [`max_wait`](JwksSourceBuilder::max_wait) (default 2 seconds), then goes
///    back to step 1; otherwise it is answered at once with 503
///    `{"msg": "signing keys unavailable"}` ([`JwtErrorKind::SigningKeysUnavailable`]) and
///    `Retry-After` (the seconds until *T*, rounded up).
///
/// A request never waits past *A* + `max_wait`: it is then answered 503 with `Retry-After:
/// 1`, and the fetch carries on for the next requests. So a token signed by a newly published
/// key is never refused with a 4xx because the cache was behind: it waits or is told to come
/// back, and is accepted at most `min_refresh_gap` after the last fetch that missed the key,
/// plus one fetch's round trip (with the defaults, within about 5 seconds of the key's
/// publication). A client that honours `Retry-After` keeps its token.
///
/// With the defaults, say the last fetch began at 0 s and the provider, having rotated, signs
/// a token that arrives at 1 s: until 3 s such tokens get 503 with `Retry-After: 4` down to
/// `2`; from 3 s they wait for the fetch that begins at 5 s, and are accepted when it returns.
/// A made-up `kid` takes the same course and gets 422 from that fetch on; the requests that
/// arrive while it runs wait for the next one, at 10 s, or get 503.
///
/// A token without `kid` waits for the first fetch only: it is verified by a configured key
/// or a key without `kid`, or refused for lacking one, which no later fetch changes.
///
/// # When the provider fails
///
/// A failed fetch (provider down, bad answer) keeps the cached keys in service; the next fetch
/// is allowed after a backoff of 1 second, doubling with each further failure up to the gap.
/// [`last_error`](Self::last_error) tells what failed. A fetch replaces the whole cache at
/// once. While the provider fails, tokens with cached keys keep verifying, and the others
/// get 503 with `Retry-After` (step 2 needs a fetch that succeeded).
///
/// # Outside the request pipeline
///
/// The request pipeline awaits [`prepare`](Self::prepare) before decoding, which takes the
/// steps above. Direct calls to `JwtManager::decode_token` are synchronous and read the cache
/// only: a miss schedules a refresh on the current actix arbiter and is a 422 while the last
/// fetch succeeded, a 503 otherwise; await `prepare` yourself before them, and
/// [`refresh`](Self::refresh) at start-up to fill the cache. Fetches run as tasks of the
/// current actix arbiter, so that a request giving up does not cancel them; without an
/// arbiter (a plain tokio runtime), the request that needs a fetch runs it itself.
///
/// Credentials in the URL (`https://user:password@idp/...`) never appear in errors, `Debug`
/// output or [`url`](Self::url): they show as `***`.
///
/// The client is actix's `awc` over rustls (its aws-lc-rs provider, passed explicitly: the
/// source installs no process-wide crypto provider) with the webpki root certificates, plus
/// any [`root_certificate`](JwksSourceBuilder::root_certificate) of a private CA; or the
/// app's own [`tls_config`](JwksSourceBuilder::tls_config) or
/// [`http_client`](JwksSourceBuilder::http_client). The client is made once per source and
/// worker thread and reused by every fetch, so that its connections are kept alive between
/// fetches. Plain `http` is accepted only for loopback hosts unless
/// [`allow_http`](JwksSourceBuilder::allow_http).
///
/// ```no_run
/// use std::time::Duration;
/// use actix_jwt_extended::{Algorithm, JwksSource, JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let jwks = JwksSource::builder("https://idp.example/.well-known/jwks.json")
///     // For a provider that sends no `Cache-Control`.
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
    max_wait: Duration,
    max_age_bounds: (Duration, Duration),
    timeout: Duration,
    client: ClientMaker,
    keys: KeySet,
    status: Mutex<Status>,
    /// Bumped when a fetch ends (or is abandoned): what waiting requests wake on.
    ended: tokio::sync::watch::Sender<u64>,
}

#[derive(Default)]
struct Status {
    /// When the fetch whose keys are cached (the last successful one) started.
    keys_from: Option<Instant>,
    /// How long after `keys_from` the keys are due for a refresh.
    lifetime: Duration,
    /// When the last fetch started, successful or not: the rate limit counts from there.
    last_attempt: Option<Instant>,
    /// Whether a fetch is under way: one at a time, shared by all who need it.
    in_flight: bool,
    /// The outcome of the last fetch that ended.
    last: Option<Result<usize, JwksError>>,
    /// Fetches that ended with an outcome (not abandoned).
    completed: u64,
    /// Fetches failed in a row since the last success (or since the start).
    failures: u32,
    fetches: u64,
}

impl Status {
    /// When the next fetch may start: `gap` after the last one, or after a failure a backoff
    /// growing from [`FIRST_RETRY`] to `gap`. `None`: now.
    fn next_fetch(&self, gap: Duration) -> Option<Instant> {
        let wait = match self.failures {
            0 => gap,
            n => FIRST_RETRY
                .saturating_mul(2u32.saturating_pow(n - 1))
                .min(gap),
        };
        self.last_attempt.map(|at| at + wait)
    }

    fn may_fetch(&self, now: Instant, gap: Duration) -> bool {
        !self.in_flight && self.next_fetch(gap).is_none_or(|at| now >= at)
    }

    /// Whether the cached keys have outlived their lifetime (or were never fetched).
    fn due(&self, now: Instant) -> bool {
        self.keys_from
            .is_none_or(|from| now.duration_since(from) >= self.lifetime)
    }

    /// Whether a fetch that started at or after `arrived` succeeded: its keys are the
    /// provider's at that time, so a `kid` they lack is not the provider's.
    fn confirms(&self, arrived: Instant) -> bool {
        self.failures == 0 && self.keys_from.is_some_and(|from| from >= arrived)
    }

    /// Marks a fetch as started at `now`.
    fn begin(&mut self, now: Instant) {
        self.in_flight = true;
        self.last_attempt = Some(now);
        self.fetches += 1;
    }
}

/// What a request whose `kid` is not cached does next (see the steps on [`JwksSource`]).
enum Step {
    /// The key arrived, or a fresh fetch says the `kid` is unknown: decode.
    Decide,
    /// Wait for the fetch under way.
    Wait,
    /// This request started a fetch: run or await it.
    Started(Fetch),
    /// Sleep until a fetch is allowed.
    Until(Instant),
    /// No fetch before the deadline: 503, come back after this long.
    GiveUp(Duration),
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSource")
            .field("url", &self.inner.url)
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

/// Options of a [`JwksSource`]; [`build`](Self::build) checks them.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::JwksSource;
///
/// let jwks = JwksSource::builder("https://idp.example/.well-known/jwks.json")
///     .min_refresh_gap(Duration::from_secs(10)) // at most 6 fetches a minute for unknown `kid`s
///     .max_wait(Duration::from_secs(1))
///     .max_age_bounds(Duration::from_secs(300), Duration::from_secs(3600))
///     .build()
///     .unwrap();
/// # drop(jwks);
/// ```
#[must_use = "call `.build()` to get the source"]
#[derive(Clone)]
pub struct JwksSourceBuilder {
    url: String,
    refresh_interval: Duration,
    min_refresh_gap: Duration,
    max_wait: Duration,
    max_age_bounds: (Duration, Duration),
    timeout: Duration,
    allow_http: bool,
    root_certificates: Vec<Vec<u8>>,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    http_client: Option<MakeClient>,
}

/// The app's own client, made on each worker thread that fetches (awc clients are not `Send`).
type MakeClient = Arc<dyn Fn() -> awc::Client + Send + Sync>;

/// How a source makes its HTTP client.
#[derive(Clone)]
enum ClientMaker {
    /// awc with this TLS config, the source's timeout and no redirects.
    Tls(Arc<rustls::ClientConfig>),
    /// The app's own.
    App(MakeClient),
}

impl ClientMaker {
    fn make(&self, timeout: Duration) -> awc::Client {
        match self {
            Self::Tls(config) => awc::Client::builder()
                .connector(awc::Connector::new().rustls_0_23(config.clone()))
                .timeout(timeout)
                // A redirect could lead from https to plain http.
                .disable_redirects()
                .finish(),
            Self::App(make) => make(),
        }
    }
}

thread_local! {
    /// The HTTP client of each source that fetched on this thread. awc clients are not `Send`,
    /// so each worker thread has its own; a dropped source's entry goes at the next insertion.
    static CLIENTS: RefCell<Vec<(Weak<Inner>, awc::Client)>> = const { RefCell::new(Vec::new()) };
}

/// The TLS config of a source without the app's own: the webpki roots plus `extra` (DER
/// certificates), over rustls's aws-lc-rs provider given explicitly.
fn tls_config(extra: &[Vec<u8>]) -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, der) in extra.iter().enumerate() {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| {
                ConfigError::new(
                    "JWKS root_certificate",
                    format!("certificate #{} is not a usable root: {e}", index + 1),
                )
            })?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::new("JWKS TLS config", e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

impl std::fmt::Debug for JwksSourceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSourceBuilder")
            .field("url", &redact_url(&self.url))
            .field("refresh_interval", &self.refresh_interval)
            .field("min_refresh_gap", &self.min_refresh_gap)
            .field("max_wait", &self.max_wait)
            .field("max_age_bounds", &self.max_age_bounds)
            .field("timeout", &self.timeout)
            .field("allow_http", &self.allow_http)
            .field("root_certificates", &self.root_certificates.len())
            .field("tls_config", &self.tls_config.is_some())
            .field("http_client", &self.http_client.is_some())
            .finish()
    }
}

impl JwksSourceBuilder {
    /// How long fetched keys serve before a verification refreshes them, when the JWKS
    /// response has no `Cache-Control` lifetime (default 5 minutes). A lifetime it has wins,
    /// within [`max_age_bounds`](Self::max_age_bounds).
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// The least time between the starts of two fetches that tokens cause (an unknown `kid`,
    /// keys due): default 5 seconds, so tokens cause at most 12 fetches a minute, whatever
    /// they name. It is also how late a newly published key may be picked up. After a failed
    /// fetch the next one comes sooner: 1 s later, the wait doubling with each further failure
    /// up to this gap. [`JwksSource::refresh`] ignores it.
    pub fn min_refresh_gap(mut self, gap: Duration) -> Self {
        self.min_refresh_gap = gap;
        self
    }

    /// How long a request whose `kid` is not cached may wait for the fetch that may bring its
    /// key (default 2 seconds); past it, the request is answered 503 with `Retry-After`.
    /// `Duration::ZERO` never holds a request: it is answered 503 unless a fetch has just
    /// confirmed the `kid` unknown.
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The bounds of the lifetime taken from the JWKS response's `Cache-Control: max-age`
    /// (default 1 minute to 24 hours): a provider asking for a refresh every second, or for
    /// keys kept a year, is not followed. The bounds apply to the provider's word only, not to
    /// [`refresh_interval`](Self::refresh_interval). `min` may not exceed `max`.
    pub fn max_age_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.max_age_bounds = (min, max);
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

    /// Trusts the certificate authority `der` (a DER-encoded X.509 certificate) besides the
    /// webpki roots: a provider behind a private CA, as corporate Keycloaks often are. May be
    /// given several times; a certificate that is not a usable root is a [`ConfigError`] of
    /// [`build`](Self::build). Ignored with [`tls_config`](Self::tls_config) or
    /// [`http_client`](Self::http_client).
    ///
    /// ```no_run
    /// use actix_jwt_extended::JwksSource;
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read("/etc/pki/corporate-ca.der")?;
    /// let jwks = JwksSource::builder("https://kc.corp.example/realms/staff/protocol/openid-connect/certs")
    ///     .root_certificate(ca)
    ///     .build()?;
    /// # drop(jwks); Ok(()) }
    /// ```
    pub fn root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// The app's own rustls client config (its roots, crypto provider, client certificate),
    /// instead of the webpki roots over aws-lc-rs. The source's timeout, size limit and
    /// refusal of redirects stay.
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// The app's own `awc` client, made by `make` once per worker thread that fetches (awc
    /// clients are not `Send`) and reused by every fetch there. The source's timeout and size
    /// limit still bound each fetch; following redirects, proxies and TLS are the client's
    /// business (awc follows redirects unless told `disable_redirects`).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use actix_jwt_extended::JwksSource;
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let jwks = JwksSource::builder("https://idp.example/.well-known/jwks.json")
    ///     .http_client(|| {
    ///         awc::Client::builder()
    ///             .add_default_header(("User-Agent", "my-api/1.0"))
    ///             .disable_redirects()
    ///             .timeout(Duration::from_secs(3))
    ///             .finish()
    ///     })
    ///     .build()?;
    /// # drop(jwks); Ok(()) }
    /// ```
    pub fn http_client(mut self, make: impl Fn() -> awc::Client + Send + Sync + 'static) -> Self {
        self.http_client = Some(Arc::new(make));
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
        let (min, max) = self.max_age_bounds;
        if min > max {
            return Err(ConfigError::new(
                "JWKS max_age_bounds",
                format!("the low bound {min:?} exceeds the high bound {max:?}"),
            ));
        }
        let client = match (self.http_client, self.tls_config) {
            (Some(make), _) => ClientMaker::App(make),
            (None, Some(config)) => ClientMaker::Tls(config),
            (None, None) => ClientMaker::Tls(Arc::new(tls_config(&self.root_certificates)?)),
        };
        Ok(JwksSource {
            inner: Arc::new(Inner {
                fetch_url: self.url,
                url: shown_url,
                refresh_interval: self.refresh_interval,
                min_refresh_gap: self.min_refresh_gap,
                max_wait: self.max_wait,
                max_age_bounds: self.max_age_bounds,
                timeout: self.timeout,
                client,
                keys: KeySet::new(),
                status: Mutex::new(Status::default()),
                ended: tokio::sync::watch::Sender::new(0),
            }),
        })
    }
}

impl JwksSource {
    /// Options for a source fetching `url`, with the defaults given on each option.
    pub fn builder(url: impl Into<String>) -> JwksSourceBuilder {
        JwksSourceBuilder {
            url: url.into(),
            refresh_interval: Duration::from_secs(300),
            min_refresh_gap: Duration::from_secs(5),
            max_wait: Duration::from_secs(2),
            max_age_bounds: (Duration::from_secs(60), Duration::from_secs(24 * 60 * 60)),
            timeout: Duration::from_secs(5),
            allow_http: false,
            root_certificates: Vec::new(),
            tls_config: None,
            http_client: None,
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
        match &self.status().last {
            Some(Err(error)) => Some(error.to_string()),
            _ => None,
        }
    }

    /// How long the cached keys serve before the next refresh: the last response's
    /// `Cache-Control` lifetime within the bounds, else the refresh interval. `None` before
    /// the first successful fetch.
    pub fn lifetime(&self) -> Option<Duration> {
        let status = self.status();
        status.keys_from.map(|_| status.lifetime)
    }

    /// Fetches the JWKS now, ignoring the rate limit, replacing the cache; returns the number
    /// of usable keys. A fetch already under way is awaited instead of starting a second. On
    /// error the cached keys stay.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let mut ended = self.inner.ended.subscribe();
        loop {
            // Either this call starts a fetch, or it waits for the one under way.
            let (started, completed) = {
                let mut status = self.status();
                if status.in_flight {
                    (None, status.completed)
                } else {
                    let now = Instant::now();
                    status.begin(now);
                    (Some(now), status.completed)
                }
            };
            if let Some(started) = started {
                return Fetch::new(self, started).run().await;
            }
            // The sender lives as long as `self`.
            let _ = ended.changed().await;
            let status = self.status();
            // A fetch that was abandoned brings nothing: then this call fetches.
            if let Some(last) = status
                .last
                .as_ref()
                .filter(|_| status.completed > completed)
            {
                return last.clone().map(|_| self.inner.keys.len());
            }
        }
    }

    /// Makes sure the cache can verify `token`, whose `alg` must be one of `algorithms` (the
    /// manager's, [`JwtConfig::effective_decode_algorithms`](crate::JwtConfig::effective_decode_algorithms)),
    /// taking the steps listed on [`JwksSource`]: waits (at most
    /// [`max_wait`](JwksSourceBuilder::max_wait)) for a fetch when the token's `kid` is not
    /// cached, and starts a background refresh when the keys are due.
    ///
    /// `Ok` means "decode now": the key is cached, or a fetch made since this call says the
    /// provider has no such key (the decoding then refuses the token with 422). The error is
    /// the 503 [`JwtErrorKind::SigningKeysUnavailable`], with
    /// [`retry_after`](JwtError::retry_after): the key may exist, and the cache could not tell
    /// in time.
    ///
    /// A token with another `alg` (or not a JWT) starts no fetch, whatever its `kid`: the
    /// verification will refuse it anyway, and made-up tokens must not make the app call the
    /// provider.
    pub async fn prepare(&self, token: &str, algorithms: &[Algorithm]) -> Result<(), JwtError> {
        let arrived = Instant::now();
        let Ok(header) = crate::foundation::compact::get_unverified_jwt_headers(token) else {
            return Ok(());
        };
        // `none`, HMAC or unknown algorithms never verify with a JWKS key: no fetch for them.
        let verifiable = header
            .alg()
            .and_then(|alg| alg.parse::<Algorithm>().ok())
            .is_some_and(|alg| {
                crate::foundation::config::is_asymmetric(alg) && algorithms.contains(&alg)
            });
        if !verifiable {
            return Ok(());
        }
        let kid = header.kid();
        // A token without `kid` waits for the first fetch only: it is verified by a configured
        // key or a key without `kid`, or refused for lacking one, which no later fetch changes.
        let waits = match kid {
            Some(_) => self.inner.keys.find(kid).is_none(),
            None => self.status().keys_from.is_none(),
        };
        if waits {
            return self.await_kid(kid, arrived).await;
        }
        self.refresh_if_due().await;
        Ok(())
    }

    /// The steps for a `kid` the cache lacks, for a request that arrived at `arrived`.
    async fn await_kid(&self, kid: Option<&str>, arrived: Instant) -> Result<(), JwtError> {
        let deadline = arrived + self.inner.max_wait;
        let mut ended = self.inner.ended.subscribe();
        loop {
            let step = self.step(kid, arrived, deadline);
            let past = Instant::now() >= deadline;
            let wake = match step {
                Step::Decide => return Ok(()),
                Step::GiveUp(after) => return Err(self.unavailable_error(after)),
                Step::Until(at) => at,
                Step::Wait => deadline,
                Step::Started(fetch) => match fetch.spawn() {
                    None => deadline,
                    // No arbiter to run it: this request runs it, within its wait.
                    Some(fetch) if !past => {
                        let _ = tokio::time::timeout_at(deadline.into(), fetch.run()).await;
                        continue;
                    }
                    // Dropped: it ends unstarted.
                    Some(_) => deadline,
                },
            };
            if past {
                // The fetch under way (or just started) carries on for the next requests.
                return Err(self.unavailable_error(Duration::from_secs(1)));
            }
            // Woken by the end of a fetch, or at `wake`: either way, the next step.
            let _ = tokio::time::timeout_at(wake.into(), ended.changed()).await;
        }
    }

    /// The next step for a request that arrived at `arrived` and may wait until `deadline`
    /// (see the list on [`JwksSource`]).
    fn step(&self, kid: Option<&str>, arrived: Instant, deadline: Instant) -> Step {
        if self.inner.keys.find(kid).is_some() {
            return Step::Decide;
        }
        let now = Instant::now();
        let mut status = self.status();
        if status.confirms(arrived) {
            return Step::Decide;
        }
        if status.in_flight {
            return Step::Wait;
        }
        match status.next_fetch(self.inner.min_refresh_gap) {
            Some(at) if at > now && at > deadline => Step::GiveUp(at - now),
            Some(at) if at > now => Step::Until(at),
            _ => {
                status.begin(now);
                drop(status);
                Step::Started(Fetch::new(self, now))
            }
        }
    }

    /// Starts a refresh of keys that are due, without waiting for it; where no arbiter can run
    /// it, runs it here.
    async fn refresh_if_due(&self) {
        if let Some(fetch) = self.start_if_due().and_then(Fetch::spawn) {
            let _ = fetch.run().await;
        }
    }

    /// A fetch of keys that are due, when the rate limit allows one.
    fn start_if_due(&self) -> Option<Fetch> {
        let now = Instant::now();
        let mut status = self.status();
        if !(status.due(now) && status.may_fetch(now, self.inner.min_refresh_gap)) {
            return None;
        }
        status.begin(now);
        drop(status);
        Some(Fetch::new(self, now))
    }

    /// The 503 for a request whose key is not cached and not known to be absent; come back
    /// `after`.
    fn unavailable_error(&self, after: Duration) -> JwtError {
        let detail = match &self.status().last {
            Some(Err(error)) => error.to_string(),
            Some(Ok(_)) => format!(
                "the JWKS from `{}` has not been fetched since the token arrived",
                self.inner.url
            ),
            None => format!(
                "the JWKS from `{}` has not been fetched yet",
                self.inner.url
            ),
        };
        JwtError::new(
            JwtErrorKind::SigningKeysUnavailable,
            "signing keys unavailable",
        )
        .with_detail(detail)
        .with_retry_after(after.max(Duration::from_secs(1)))
    }

    /// The error of a synchronous decode (no [`prepare`](Self::prepare)) for a token whose key
    /// is not cached, when the keys cannot be fetched (never fetched yet, or the last fetch
    /// failed): the key may exist at the provider, so the token is not called invalid. `None`
    /// while the provider answers.
    pub(crate) fn unavailable(&self) -> Option<JwtError> {
        let (healthy, after) = {
            let status = self.status();
            let healthy = status.keys_from.is_some() && status.failures == 0;
            let now = Instant::now();
            let after = status
                .next_fetch(self.inner.min_refresh_gap)
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(now));
            (healthy, after)
        };
        (!healthy).then(|| self.unavailable_error(after))
    }

    /// The cached key for `kid`; when it is missing or the keys are due, a refresh (within
    /// the rate limit) is scheduled on the current actix arbiter for the next requests.
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<Arc<KeyEntry>> {
        let entry = self.inner.keys.find(kid);
        let fetch = match entry {
            Some(_) => self.start_if_due(),
            None => {
                let now = Instant::now();
                let mut status = self.status();
                status.may_fetch(now, self.inner.min_refresh_gap).then(|| {
                    status.begin(now);
                    drop(status);
                    Fetch::new(self, now)
                })
            }
        };
        // Without an arbiter, nothing can run it: dropping it ends it unstarted.
        drop(fetch.and_then(Fetch::spawn));
        entry
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.inner
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, reason: String, source: Option<Cause>) -> JwksError {
        JwksError {
            url: self.inner.url.clone(),
            // The HTTP client's messages do not quote the URL today; if one ever does, its
            // credentials still stay out.
            reason: hide_userinfo(&self.inner.fetch_url, &reason),
            source,
        }
    }

    /// Records the outcome of the fetch that started at `started` and wakes who waits for it.
    fn end_fetch(
        &self,
        started: Instant,
        result: Result<Fetched, (String, Option<Cause>)>,
    ) -> Result<usize, JwksError> {
        let mut status = self.status();
        status.in_flight = false;
        let outcome = match result {
            Ok((keys, max_age)) => {
                let count = keys.len();
                self.inner.keys.replace_all(keys);
                let (min, max) = self.inner.max_age_bounds;
                status.keys_from = Some(started);
                status.lifetime =
                    max_age.map_or(self.inner.refresh_interval, |age| age.clamp(min, max));
                status.failures = 0;
                Ok(count)
            }
            Err((reason, source)) => {
                status.failures = status.failures.saturating_add(1);
                Err(self.error(reason, source))
            }
        };
        status.last = Some(outcome.clone());
        status.completed += 1;
        let failures = status.failures;
        // Subscribers may write to a slow sink: not while requests wait for the lock.
        drop(status);
        self.inner.ended.send_modify(|ended| *ended += 1);
        match &outcome {
            Ok(count) => trace::jwks_refreshed(&self.inner.url, *count),
            Err(error) => trace::jwks_refresh_failed(&error.url, &error.reason, failures),
        }
        outcome
    }

    /// This source's client on this thread, made at its first fetch here.
    fn client(&self) -> awc::Client {
        let this = Arc::downgrade(&self.inner);
        CLIENTS.with_borrow_mut(|clients| {
            if let Some((_, client)) = clients.iter().find(|(of, _)| of.ptr_eq(&this)) {
                return client.clone();
            }
            clients.retain(|(of, _)| of.strong_count() > 0);
            let client = self.inner.client.make(self.inner.timeout);
            clients.push((this, client.clone()));
            client
        })
    }

    /// The document and its `Cache-Control` lifetime.
    async fn download(&self) -> Result<(actix_web::web::Bytes, Option<Duration>), String> {
        let client = self.client();
        let send = || {
            client
                .get(&self.inner.fetch_url)
                .insert_header((ACCEPT, "application/json"))
                .send()
        };
        let mut response = match send().await {
            // A kept-alive connection the server closed meanwhile fails on the write or ends
            // before the answer; the pool drops it, so the second try opens a fresh one.
            Err(
                SendRequestError::Send(_)
                | SendRequestError::Response(_)
                | SendRequestError::Connect(ConnectError::Disconnected),
            ) => send().await,
            other => other,
        }
        .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP status {}", response.status()));
        }
        let max_age = max_age(response.headers());
        let body = response
            .body()
            .limit(MAX_JWKS_BYTES)
            .await
            .map_err(|e| e.to_string())?;
        Ok((body, max_age))
    }
}

/// What a successful fetch brings: the usable keys and the response's `Cache-Control`
/// lifetime.
type Fetched = (Vec<KeyEntry>, Option<Duration>);

/// A fetch that was started ([`Status::begin`]): run it, spawn it, or drop it, which marks it
/// ended without an outcome, so that nobody waits for a fetch that will never end.
struct Fetch {
    source: Option<JwksSource>,
    started: Instant,
}

impl Fetch {
    /// The fetch `source` began at `started`.
    fn new(source: &JwksSource, started: Instant) -> Self {
        Self {
            source: Some(source.clone()),
            started,
        }
    }

    async fn run(mut self) -> Result<usize, JwksError> {
        let source = self.source.clone().expect("a fetch runs once");
        let timeout = source.inner.timeout;
        let result = match tokio::time::timeout(timeout, source.download()).await {
            Ok(downloaded) => downloaded
                .map_err(|reason| (reason, None))
                .and_then(|(body, max_age)| Ok((parse_jwks(&body)?, max_age))),
            Err(_) => Err((format!("no answer within {timeout:?}"), None)),
        };
        self.source = None;
        source.end_fetch(self.started, result)
    }

    /// Runs the fetch as a task of the current actix arbiter, so that it ends whoever stops
    /// waiting for it (awc futures are not `Send`: the task is created on the arbiter's own
    /// thread). Gives the fetch back when there is no arbiter.
    fn spawn(self) -> Option<Self> {
        let Some(arbiter) = actix_rt::Arbiter::try_current() else {
            return Some(self);
        };
        // A stopped arbiter drops the closure, and with it the fetch, which then ends.
        arbiter.spawn_fn(move || {
            actix_rt::spawn(async move {
                let _ = self.run().await;
            });
        });
        None
    }
}

impl Drop for Fetch {
    fn drop(&mut self) {
        if let Some(source) = self.source.take() {
            source.status().in_flight = false;
            source.inner.ended.send_modify(|ended| *ended += 1);
        }
    }
}

/// The lifetime a JWKS response gives itself: `Cache-Control: max-age` less `Age`; zero for
/// `no-cache`, `no-store` or a `max-age` that is not a number; `None` when it says nothing.
fn max_age(headers: &actix_web::http::header::HeaderMap) -> Option<Duration> {
    let mut seconds = None;
    let directives = headers
        .get_all(CACHE_CONTROL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for directive in directives {
        let (name, argument) = match directive.split_once('=') {
            Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
            None => (directive.trim(), None),
        };
        if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            return Some(Duration::ZERO);
        }
        if name.eq_ignore_ascii_case("max-age") {
            let argument = argument.unwrap_or_default();
            let number = !argument.is_empty() && argument.bytes().all(|b| b.is_ascii_digit());
            // A lifetime too large for a number is as good as the largest.
            seconds = Some(match number {
                true => argument.parse().unwrap_or(u64::MAX),
                false => 0,
            });
        }
    }
    let age = headers
        .get(AGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or(0);
    seconds.map(|seconds: u64| Duration::from_secs(seconds.saturating_sub(age)))
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

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                actix_web::http::header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn max_age_of_a_response() {
        let secs = |s| Some(Duration::from_secs(s));
        for (pairs, expected) in [
            (&[][..], None),
            (&[("cache-control", "public")][..], None),
            (&[("cache-control", "public, max-age=300")][..], secs(300)),
            (&[("cache-control", "Max-Age=\"60\"")][..], secs(60)),
            (
                &[("cache-control", "max-age=300"), ("age", "100")][..],
                secs(200),
            ),
            (
                &[("cache-control", "max-age=300"), ("age", "900")][..],
                secs(0),
            ),
            (&[("cache-control", "max-age=300, no-cache")][..], secs(0)),
            (&[("cache-control", "no-store")][..], secs(0)),
            (&[("cache-control", "max-age=soon")][..], secs(0)),
            (&[("cache-control", "max-age=-1")][..], secs(0)),
            (
                &[("cache-control", "max-age=99999999999999999999999")][..],
                secs(u64::MAX),
            ),
            // Two fields are one list.
            (
                &[("cache-control", "public"), ("cache-control", "max-age=30")][..],
                secs(30),
            ),
        ] {
            assert_eq!(max_age(&headers(pairs)), expected, "{pairs:?}");
        }
    }

    #[test]
    fn fetch_schedule() {
        let gap = Duration::from_secs(5);
        let t0 = Instant::now();
        let mut status = Status::default();
        assert!(status.may_fetch(t0, gap) && status.due(t0));
        status.begin(t0);
        assert!(!status.may_fetch(t0 + gap, gap), "one fetch at a time");
        status.in_flight = false;
        assert_eq!(status.next_fetch(gap), Some(t0 + gap));
        // Failures back off from 1 s, doubling up to the gap.
        for (failures, wait) in [(1, 1), (2, 2), (3, 4), (4, 5), (30, 5)] {
            status.failures = failures;
            assert_eq!(
                status.next_fetch(gap),
                Some(t0 + Duration::from_secs(wait)),
                "{failures}"
            );
        }
        status.failures = 0;
        status.keys_from = Some(t0);
        status.lifetime = Duration::from_secs(60);
        assert!(!status.due(t0 + Duration::from_secs(59)));
        assert!(status.due(t0 + Duration::from_secs(60)));
        // Only a successful fetch begun since the request arrived confirms a `kid` unknown.
        assert!(status.confirms(t0));
        assert!(!status.confirms(t0 + Duration::from_millis(1)));
        status.failures = 1;
        assert!(!status.confirms(t0));
    }
}
