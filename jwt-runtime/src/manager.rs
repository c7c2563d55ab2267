//! `JwtManager`: the config, parsed keys and loader callbacks of one app, cheap to clone.

use std::future::{ready, Future, Ready};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{HttpRequest, HttpResponse};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use serde_json::Value;
use tokio::task::futures::TaskLocalFuture;

use crate::blocklist::RevocationStore;
use crate::cache::{CacheStats, VerifiedCache};
use crate::callbacks::{Callbacks, CheckOutcome};
use crate::claims::{Claims, JwtHeader};
use crate::config::JwtConfig;
use crate::error::{ConfigError, JwtError};
use crate::keys::Keys;
use crate::tokens::{create_access_token, create_refresh_token, to_object, TokenBuilder};

tokio::task_local! {
    /// The manager of the app serving the current request (set by the middleware).
    static CURRENT_MANAGER: JwtManager;
}

struct Inner {
    config: JwtConfig,
    keys: Keys,
    callbacks: Callbacks,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    revocation_timeout: Duration,
    www_authenticate: bool,
    verified_cache: Option<VerifiedCache>,
    exempt_options: bool,
}

/// Flask-JWT-Extended's `JWTManager`: config, keys and loaders of one app.
///
/// Build it once at start-up (a bad config is a [`ConfigError`] then) and register it on the
/// app. `.wrap(jwt.clone())` makes it the current manager of every request, as Flask's
/// `current_app` does, so `create_access_token(..).finish()` and `decode_token` find it;
/// `.app_data(jwt.clone())` alone suffices for protected routes.
///
/// ```
/// use actix_web::App;
/// use actix_jwt_extended_runtime::{JwtConfig, JwtManager};
///
/// let jwt = JwtManager::new(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .expect("valid JWT config");
/// let app = App::new().wrap(jwt.clone()).app_data(jwt.clone());
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct JwtManager {
    inner: Arc<Inner>,
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
        JwtManagerBuilder {
            config,
            callbacks: Callbacks::default(),
            registered_loaders: true,
            revocation_store: None,
            revocation_timeout: DEFAULT_REVOCATION_TIMEOUT,
            www_authenticate: false,
            verified_cache: None,
            exempt_options: false,
            key_sources: Default::default(),
        }
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

    pub(crate) fn www_authenticate(&self) -> bool {
        self.inner.www_authenticate
    }

    pub(crate) fn exempt_options(&self) -> bool {
        self.inner.exempt_options
    }

    pub(crate) fn verified_cache(&self) -> Option<&VerifiedCache> {
        self.inner.verified_cache.as_ref()
    }

    /// What the verified-token cache holds (see
    /// [`JwtManagerBuilder::verified_token_cache`]), `None` when it is off.
    pub fn verified_token_cache_stats(&self) -> Option<CacheStats> {
        self.verified_cache().map(VerifiedCache::stats)
    }

    /// The manager of the request being served, when the app is wrapped with one.
    pub fn current() -> Option<JwtManager> {
        CURRENT_MANAGER
            .try_with(JwtManager::clone)
            .ok()
            .or_else(crate::context::current_manager)
    }

    /// [`JwtManager::current`], or the error saying how to register one.
    pub(crate) fn current_or_error() -> Result<JwtManager, JwtError> {
        JwtManager::current().ok_or_else(JwtError::no_manager)
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

    /// Runs `fut` with this manager as the current one (what the middleware does per request).
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        CURRENT_MANAGER.scope(self.clone(), fut).await
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

    /// Like [`decode_token`](Self::decode_token), returning the header too and checking the
    /// `csrf` claim against `csrf` when given.
    pub fn decode_complete(
        &self,
        token: &str,
        csrf: Option<&str>,
        allow_expired: bool,
    ) -> Result<(JwtHeader, Claims), JwtError> {
        crate::decode::decode(self, token, csrf, allow_expired).map_err(|e| e.with_manager(self))
    }
}

/// Registers loader callbacks, then checks the config and parses the keys in
/// [`build`](Self::build). A callback set here wins over one registered by attribute.
#[must_use = "call `.build()` to get the manager"]
pub struct JwtManagerBuilder {
    config: JwtConfig,
    callbacks: Callbacks,
    registered_loaders: bool,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    revocation_timeout: Duration,
    www_authenticate: bool,
    key_sources: crate::keys::KeySources,
    verified_cache: Option<usize>,
    exempt_options: bool,
}

/// How long the blocklist check waits for a [`RevocationStore`] before refusing the request.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_secs(2);

impl JwtManagerBuilder {
    /// Checks the config, parses the keys once, and returns the manager.
    pub fn build(mut self) -> Result<JwtManager, ConfigError> {
        self.config.validate()?;
        // The backend this crate was built with becomes jsonwebtoken's provider: aws-lc when
        // both features are on (cargo unifies features across a build, and jsonwebtoken then
        // has no default of its own), as the prepared keys choose it. The first provider
        // installed stays for the whole process, so one the app installed before wins.
        #[cfg(feature = "aws_lc_rs")]
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(ConfigError::new(
                "crypto backend",
                "enable the feature `aws_lc_rs` or `rust_crypto`, or install a jsonwebtoken \
                 CryptoProvider before building the manager",
            ));
        }
        if self.registered_loaders {
            crate::registry::apply(&mut self.callbacks)?;
        }
        let keys = Keys::from_config(
            &self.config,
            self.callbacks.encode_key.is_some(),
            self.callbacks.decode_key.is_some(),
            self.key_sources,
        )?;
        // Only fixed keys: with a key loader, a key set or a JWKS, a key can be withdrawn, and
        // a cached token would outlive it.
        let keys_fixed = self.callbacks.decode_key.is_none() && !keys.sources.verifies();
        let verified_cache = match self.verified_cache {
            Some(_) if !keys_fixed => {
                return Err(ConfigError::new(
                    "verified_token_cache",
                    "needs fixed verification keys: it cannot be combined with a \
                     `decode_key_loader`, a key set or a JWKS source",
                ))
            }
            capacity => capacity.map(VerifiedCache::new),
        };
        Ok(JwtManager {
            inner: Arc::new(Inner {
                config: self.config,
                keys,
                callbacks: self.callbacks,
                revocation_store: self.revocation_store,
                revocation_timeout: self.revocation_timeout,
                www_authenticate: self.www_authenticate,
                verified_cache,
                exempt_options: self.exempt_options,
            }),
        })
    }

    /// Whether OPTIONS requests pass protected routes unverified, as in Flask (default `false`:
    /// OPTIONS is verified like any other method).
    ///
    /// Flask never runs a view for the OPTIONS answer it makes itself, and runs a protected
    /// view for OPTIONS only when its route lists OPTIONS. In actix,
    /// `web::resource(..).to(handler)`, `web::to`, default services and [`JwtRequired`]
    /// scopes route OPTIONS to the handler, so an exemption runs that handler without a token.
    /// Answer CORS preflights with `actix-cors` wrapped outside the protected routes instead.
    ///
    /// With `true`, an OPTIONS request runs `#[jwt_required]` and [`JwtRequired`] handlers as
    /// an optional route without a token does: `get_jwt()` is empty and `get_jwt_identity()`
    /// is `None`. The extractors that hold a token ([`Jwt`], [`CurrentUser`]) refuse it with
    /// 401, [`OptionalJwt`] gives `None`, and [`verify_jwt_in_request`] returns `None`.
    ///
    /// [`JwtRequired`]: crate::JwtRequired
    /// [`Jwt`]: crate::Jwt
    /// [`CurrentUser`]: crate::CurrentUser
    /// [`OptionalJwt`]: crate::OptionalJwt
    /// [`verify_jwt_in_request`]: crate::verify_jwt_in_request
    pub fn exempt_options(mut self, exempt: bool) -> Self {
        self.exempt_options = exempt;
        self
    }

    /// Keeps up to `capacity` verified tokens, so a client that repeats its token pays the
    /// signature check once (worth it for RS256/ES256, whose verification dominates a
    /// request). Keyed by the whole token: no other token nor a tampered copy can hit an entry.
    /// Time, CSRF, type, freshness and revocation checks still run on every request; entries
    /// last until the token's `exp` (tokens without `exp` are not kept). Memory: about
    /// `2 × token length + 160` bytes per entry, see [`JwtManager::verified_token_cache_stats`].
    /// Off by default; needs fixed keys (not with key loaders, key sets or JWKS).
    pub fn verified_token_cache(mut self, capacity: usize) -> Self {
        self.verified_cache = Some(capacity);
        self
    }

    /// Ignores the loaders registered by attribute (`#[user_lookup_loader]`, ...): only the
    /// callbacks set on this builder apply. Useful to run apps with different loaders in one
    /// process, e.g. in tests.
    pub fn ignore_registered_loaders(mut self) -> Self {
        self.registered_loaders = false;
        self
    }

    /// Keeps revoked tokens in `store`: the blocklist check asks it for every token. With a
    /// `token_in_blocklist_loader` too, a token is refused when either says it is revoked.
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocation_store = Some(Arc::new(store));
        self
    }

    /// How long the blocklist check waits for the store before refusing the request with
    /// 503 (fail closed). Default: [`DEFAULT_REVOCATION_TIMEOUT`].
    pub fn revocation_timeout(mut self, timeout: Duration) -> Self {
        self.revocation_timeout = timeout;
        self
    }

    /// Adds the RFC 6750 `WWW-Authenticate: Bearer ...` header to every 401 response this
    /// crate renders: bare `Bearer` when no token was sent, `error="invalid_token"` for an
    /// expired, revoked or otherwise refused token, `error="insufficient_scope"` when a fresh
    /// token is required. Off by default, as in Flask.
    pub fn www_authenticate(mut self, enabled: bool) -> Self {
        self.www_authenticate = enabled;
        self
    }

    /// `user_identity_loader`: turns the identity given to `create_*_token` (as JSON) into
    /// the identity claim. Default: unchanged.
    pub fn user_identity_loader<F, R>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> R + Send + Sync + 'static,
        R: Serialize,
    {
        self.callbacks.user_identity = Some(Arc::new(move |identity| {
            serde_json::to_value(f(identity)).map_err(|e| {
                JwtError::new(
                    crate::JwtErrorKind::Encode,
                    format!("identity cannot be serialised: {e}"),
                )
            })
        }));
        self
    }

    /// `additional_claims_loader`: claims added to every new token (a serde value that
    /// serialises to an object). Default: none.
    pub fn additional_claims_loader<F, R>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> R + Send + Sync + 'static,
        R: Serialize,
    {
        self.callbacks.additional_claims = Some(Arc::new(move |identity| {
            to_object(f(identity), "additional claims")
                .map_err(|e| JwtError::new(crate::JwtErrorKind::Encode, e))
        }));
        self
    }

    /// `additional_headers_loader`: JWT headers added to every new token. Default: none.
    pub fn additional_headers_loader<F, R>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> R + Send + Sync + 'static,
        R: Serialize,
    {
        self.callbacks.additional_headers = Some(Arc::new(move |identity| {
            to_object(f(identity), "additional headers")
                .map_err(|e| JwtError::new(crate::JwtErrorKind::Encode, e))
        }));
        self
    }

    /// `encode_key_loader`: the signing key for a new token of `identity`. Default: the
    /// configured secret or private key.
    pub fn encode_key_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> EncodingKey + Send + Sync + 'static,
    {
        self.callbacks.encode_key = Some(Arc::new(move |identity| Ok(f(identity))));
        self
    }

    /// `decode_key_loader`: the verification key for a token, given its unverified header and
    /// claims. Default: the configured secret or public key.
    pub fn decode_key_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> DecodingKey + Send + Sync + 'static,
    {
        self.callbacks.decode_key = Some(Arc::new(move |header, claims| Ok(f(header, claims))));
        self
    }

    /// `token_in_blocklist_loader`: whether a token is revoked (`true` → 401 "Token has been
    /// revoked"). Returning `Err` refuses the request (fail closed). Default: never revoked.
    pub fn token_in_blocklist_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(JwtHeader, Claims) -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: CheckOutcome,
    {
        let f = Arc::new(f);
        self.callbacks.token_in_blocklist = Some(Arc::new(move |_req, header, claims| {
            let fut = f(header.clone(), claims.clone());
            Box::pin(async move { fut.await.into_outcome() })
        }));
        self
    }

    /// `token_verification_loader`: custom checks of the claims (`false` → 400 "User claims
    /// verification failed"). Default: always passes.
    pub fn token_verification_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(JwtHeader, Claims) -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: CheckOutcome,
    {
        let f = Arc::new(f);
        self.callbacks.token_verification = Some(Arc::new(move |_req, header, claims| {
            let fut = f(header.clone(), claims.clone());
            Box::pin(async move { fut.await.into_outcome() })
        }));
        self
    }

    /// `user_lookup_loader`: loads the user of a verified token; `None` → 401 "Error loading
    /// the user `<identity>`". Read it with `current_user::<U>()`.
    pub fn user_lookup_loader<F, Fut, U>(mut self, f: F) -> Self
    where
        F: Fn(JwtHeader, Claims) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<U>> + 'static,
        U: Send + Sync + 'static,
    {
        let f = Arc::new(f);
        self.callbacks.user_lookup = Some(Arc::new(move |_req, header, claims| {
            let fut = f(header.clone(), claims.clone());
            Box::pin(async move {
                Ok(fut
                    .await
                    .map(|user| Arc::new(user) as crate::callbacks::AnyUser))
            })
        }));
        self
    }

    /// `unauthorized_loader`: the response when no token is found or the CSRF check fails.
    /// Default: 401 `{"msg": <message>}`.
    pub fn unauthorized_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.unauthorized = Some(Arc::new(f));
        self
    }

    /// `invalid_token_loader`: the response for a malformed or invalid token.
    /// Default: 422 `{"msg": <message>}`.
    pub fn invalid_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.invalid_token = Some(Arc::new(f));
        self
    }

    /// `expired_token_loader`: the response for an expired token.
    /// Default: 401 `{"msg": "Token has expired"}`.
    pub fn expired_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.expired_token = Some(Arc::new(f));
        self
    }

    /// `needs_fresh_token_loader`: the response when a fresh token is required.
    /// Default: 401 `{"msg": "Fresh token required"}`.
    pub fn needs_fresh_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.needs_fresh_token = Some(Arc::new(f));
        self
    }

    /// `revoked_token_loader`: the response for a revoked token.
    /// Default: 401 `{"msg": "Token has been revoked"}`.
    pub fn revoked_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.revoked_token = Some(Arc::new(f));
        self
    }

    /// `token_verification_failed_loader`: the response when the verification loader says no.
    /// Default: 400 `{"msg": "User claims verification failed"}`.
    pub fn token_verification_failed_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.token_verification_failed = Some(Arc::new(f));
        self
    }

    /// `user_lookup_error_loader`: the response when the user loader finds no user.
    /// Default: 401 `{"msg": "Error loading the user <identity>"}`.
    pub fn user_lookup_error_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
    {
        self.callbacks.user_lookup_error = Some(Arc::new(f));
        self
    }

    /// Signs new tokens with the current key of `keys` (each names it in a `kid` header) and
    /// verifies a token with the key its `kid` names, so keys rotate while the app runs: keep
    /// a clone of the [`KeySet`](crate::KeySet) to insert, make current and remove keys.
    ///
    /// The set replaces `JWT_PRIVATE_KEY` / `JWT_SECRET_KEY` for signing; a configured key
    /// still verifies tokens without `kid` (made before rotation was set up). It cannot be
    /// combined with an `encode_key_loader` or `decode_key_loader` (a `ConfigError`), and
    /// its current key must use `JWT_ALGORITHM`.
    pub fn key_set(mut self, keys: crate::KeySet) -> Self {
        self.key_sources.key_set = Some(keys);
        self
    }

    /// Verifies tokens with the keys of a JWKS URL (say, an OpenID Connect provider's
    /// `jwks_uri`), chosen by the token's `kid`; see [`JwksSource`](crate::JwksSource) for
    /// caching and refreshing. No private key is needed: such an app may only verify.
    ///
    /// `JWT_DECODE_AUDIENCE` (`decode_audience`) is then required, a [`ConfigError`]
    /// otherwise: the provider signs tokens for all its clients, ID tokens included, and a
    /// token without `type` counts as an access token, so without an audience check any of
    /// them would open this app. `decode_issuer` is checked too when set.
    #[cfg(feature = "jwks")]
    pub fn jwks(mut self, source: crate::JwksSource) -> Self {
        self.key_sources.jwks = Some(source);
        self
    }

    /// Lets a [`jwks`](Self::jwks) source verify without `decode_audience`, so that every
    /// token the provider signs, for any of its clients, passes. Only for a provider that
    /// issues tokens to this app alone (say, your own service publishing a
    /// [`KeySet::jwks_service`](crate::KeySet::jwks_service)); set `decode_audience` for an
    /// identity provider. A `decode_audience` that is set is still checked.
    #[cfg(feature = "jwks")]
    pub fn insecure_skip_jwks_audience(mut self) -> Self {
        self.key_sources.jwks_any_audience = true;
        self
    }
}

/// The middleware form of the manager: it makes the manager current for every request.
impl<S, B> Transform<S, ServiceRequest> for JwtManager
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ManagerMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ManagerMiddleware {
            service,
            manager: self.clone(),
        }))
    }
}

/// The service [`JwtManager`] wraps an app's services in; see its `Transform` impl.
pub struct ManagerMiddleware<S> {
    service: S,
    manager: JwtManager,
}

impl<S, B> Service<ServiceRequest> for ManagerMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = TaskLocalFuture<JwtManager, S::Future>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // The inner service may start its work in `call` (a scope middleware verifying the
        // request, say) as well as in its future: both see the manager. Nothing is boxed.
        let manager = &self.manager;
        let future = CURRENT_MANAGER.sync_scope(manager.clone(), || self.service.call(req));
        CURRENT_MANAGER.scope(manager.clone(), future)
    }
}
