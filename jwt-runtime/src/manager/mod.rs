//! Layer 5, the manager: `JwtManager`, the config, parsed keys, loader callbacks and
//! revocation store of one app, cheap to clone; made current for a request by `.wrap(jwt)`
//! ([`current`]) and found in `app_data`; the builder that assembles it ([`builder`]); the
//! token functions that use it ([`token_functions`]); and how its errors become responses
//! ([`respond`]).

pub(crate) mod builder;
pub(crate) mod current;
mod respond;
pub(crate) mod token_functions;

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use serde::Serialize;

use crate::blocklist::RevocationStore;
use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::config::JwtConfig;
use crate::foundation::error::{ConfigError, JwtError};
use crate::keys::Keys;
use crate::loaders::callbacks::Callbacks;
use crate::tokens::cache::{VerifiedCache, VerifiedTokenCacheStats};
use crate::tokens::decode::Decoder;
use builder::JwtManagerBuilder;
use token_functions::{create_access_token, create_refresh_token, TokenBuilder};

/// How long the blocklist check waits for a [`RevocationStore`] before refusing the request.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_secs(2);

struct Inner {
    config: JwtConfig,
    keys: Keys,
    callbacks: Callbacks,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    revocation_timeout: Duration,
    clock_skew: Duration,
    www_authenticate: bool,
    verified_cache: Option<VerifiedCache>,
    exempt_options: bool,
}

/// Flask-JWT-Extended's `JWTManager`: config, keys and loaders of one app.
///
/// Build it once at start-up (a bad config is a [`ConfigError`] then) and register it on the
/// app with `.wrap(jwt.clone())`: that makes it the current manager of every request, as
/// Flask's `current_app` does, so every protected route, `create_access_token(..).finish()`,
/// `decode_token` and the cookie helpers find it, and a handler can take it as an argument. A
/// scope with a manager of its own adds that one with `.app_data(other)`.
///
/// ```
/// use actix_web::App;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
///
/// let jwt = JwtManager::new(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .expect("valid JWT config");
/// let app = App::new().wrap(jwt.clone());
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct JwtManager {
    inner: Arc<Inner>,
}

impl JwtManager {
    /// Whether `self` and `other` are clones of one manager.
    pub(crate) fn is_same(&self, other: &JwtManager) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for JwtManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtManager")
            .field("algorithm", &self.inner.config.algorithm)
            .field("token_location", &self.inner.config.token_location)
            .finish_non_exhaustive()
    }
}

impl JwtManager {
    /// A manager with Flask's default loaders; fails when `config` cannot work.
    pub fn new(config: JwtConfig) -> Result<Self, ConfigError> {
        Self::builder(config).build()
    }

    /// A builder to register loader callbacks before the config is checked.
    pub fn builder(config: JwtConfig) -> JwtManagerBuilder {
        JwtManagerBuilder::new(config)
    }

    /// The configuration.
    pub fn config(&self) -> &JwtConfig {
        &self.inner.config
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub(crate) fn callbacks(&self) -> &Callbacks {
        &self.inner.callbacks
    }

    /// The revocation store set with [`JwtManagerBuilder::revocation_store`].
    pub fn revocation_store(&self) -> Option<&Arc<dyn RevocationStore>> {
        self.inner.revocation_store.as_ref()
    }

    pub(crate) fn revocation_timeout(&self) -> Duration {
        self.inner.revocation_timeout
    }

    /// See [`JwtManagerBuilder::clock_skew`].
    pub(crate) fn clock_skew(&self) -> Duration {
        self.inner.clock_skew
    }

    pub(crate) fn exempt_options(&self) -> bool {
        self.inner.exempt_options
    }

    pub(crate) fn verified_cache(&self) -> Option<&VerifiedCache> {
        self.inner.verified_cache.as_ref()
    }

    /// What the verified-token cache holds (see
    /// [`JwtManagerBuilder::verified_token_cache`]), `None` when it is off.
    pub fn verified_token_cache_stats(&self) -> Option<VerifiedTokenCacheStats> {
        self.verified_cache().map(VerifiedCache::stats)
    }

    /// The manager for `req`: the app data, the middleware's, or the context's.
    pub fn from_request(req: &HttpRequest) -> Option<JwtManager> {
        req.app_data::<JwtManager>()
            .cloned()
            .or_else(|| {
                req.app_data::<actix_web::web::Data<JwtManager>>()
                    .map(|data| JwtManager::clone(data))
            })
            .or_else(JwtManager::current)
    }

    /// Starts an access token signed by this manager.
    pub fn create_access_token(&self, identity: impl Serialize) -> TokenBuilder {
        create_access_token(identity).manager(self)
    }

    /// Starts a refresh token signed by this manager.
    pub fn create_refresh_token(&self, identity: impl Serialize) -> TokenBuilder {
        create_refresh_token(identity).manager(self)
    }

    /// Decodes and verifies `token` (Flask's `decode_token`); `allow_expired` skips only the
    /// expiry check. Type, freshness, revocation and user lookup are not checked.
    pub fn decode_token(&self, token: &str, allow_expired: bool) -> Result<Claims, JwtError> {
        self.decode_complete(token, None, allow_expired)
            .map(|(_, claims)| claims)
    }

    /// Like [`decode_token`](Self::decode_token), checking the token's `csrf` claim against
    /// `csrf_value` too (Flask's `decode_token(.., csrf_value=...)`); see the free function
    /// [`decode_token_with_csrf`](crate::decode_token_with_csrf).
    pub fn decode_token_with_csrf(
        &self,
        token: &str,
        csrf_value: &str,
        allow_expired: bool,
    ) -> Result<Claims, JwtError> {
        self.decode_complete(token, Some(csrf_value), allow_expired)
            .map(|(_, claims)| claims)
    }

    /// Like [`decode_token`](Self::decode_token), returning the header too and checking the
    /// `csrf` claim against `csrf` when given.
    pub fn decode_complete(
        &self,
        token: &str,
        csrf: Option<&str>,
        allow_expired: bool,
    ) -> Result<(JwtHeader, Claims), JwtError> {
        crate::tokens::decode::decode(self.decoder(), token, csrf, allow_expired)
            .map_err(|e| e.with_manager(self))
    }

    /// What decoding a token of this app needs.
    pub(crate) fn decoder(&self) -> Decoder<'_> {
        let inner = &*self.inner;
        Decoder {
            config: &inner.config,
            keys: &inner.keys,
            decode_key_loader: inner.callbacks.decode_key_loader.as_ref(),
            cache: inner.verified_cache.as_ref(),
        }
    }
}

/// The manager of the request, as a handler argument (`async fn h(jwt: JwtManager)`): the one
/// [`JwtManager::from_request`] finds, so `.wrap(jwt)` alone is enough. Without one, the 500
/// that says how to register it.
///
/// ```
/// use actix_jwt_extended::JwtManager;
/// use actix_web::HttpResponse;
///
/// async fn settings(jwt: JwtManager) -> HttpResponse {
///     HttpResponse::Ok().body(jwt.config().header_name.clone())
/// }
/// ```
impl actix_web::FromRequest for JwtManager {
    type Error = JwtError;
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(JwtManager::from_request(req).ok_or_else(JwtError::no_manager))
    }
}
