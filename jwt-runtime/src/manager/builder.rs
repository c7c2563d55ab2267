//! `JwtManagerBuilder`: the loader callbacks, key sources and options of an app, checked and
//! assembled into a [`JwtManager`] once, at start-up.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use serde_json::Value;

use super::{Inner, JwtManager, DEFAULT_REVOCATION_TIMEOUT};
use crate::blocklist::RevocationStore;
use crate::foundation::claims::{to_object, Claims, JwtHeader};
use crate::foundation::config::{JwtConfig, TokenLocation};
use crate::foundation::error::{ConfigError, JwtError, JwtErrorKind};
use crate::foundation::trace;
use crate::keys::key_set::KeySet;
use crate::keys::{normal_typ, KeySources, Keys};
use crate::loaders::callbacks::{AnyUser, Callbacks, CheckOutcome};
use crate::loaders::for_each_loader;
use crate::tokens::cache::VerifiedCache;

/// Registers loader callbacks, then checks the config and parses the keys in
/// [`build`](Self::build). A callback set here wins over one registered by attribute.
#[must_use = "call `.build()` to get the manager"]
pub struct JwtManagerBuilder {
    config: JwtConfig,
    callbacks: Callbacks,
    registered_loaders: bool,
    revocation_store: Option<Arc<dyn RevocationStore>>,
    revocation_timeout: Duration,
    clock_skew: Duration,
    www_authenticate: bool,
    key_sources: KeySources,
    verified_cache: Option<usize>,
    exempt_options: bool,
}

// The config's secrets show as `<redacted>` and a key set only by its key ids; the loaders
// and the store are closures and trait objects, shown as whether they are set.
impl std::fmt::Debug for JwtManagerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtManagerBuilder")
            .field("config", &self.config)
            .field("registered_loaders", &self.registered_loaders)
            .field("revocation_store", &self.revocation_store.is_some())
            .field("revocation_timeout", &self.revocation_timeout)
            .field("clock_skew", &self.clock_skew)
            .field("www_authenticate", &self.www_authenticate)
            .field("key_set", &self.key_sources.key_set)
            .field("verified_cache", &self.verified_cache)
            .field("exempt_options", &self.exempt_options)
            .finish_non_exhaustive()
    }
}

impl JwtManagerBuilder {
    pub(super) fn new(config: JwtConfig) -> Self {
        Self {
            config,
            callbacks: Callbacks::default(),
            registered_loaders: true,
            revocation_store: None,
            revocation_timeout: DEFAULT_REVOCATION_TIMEOUT,
            clock_skew: crate::blocklist::CLOCK_SLACK,
            www_authenticate: false,
            verified_cache: None,
            exempt_options: false,
            key_sources: Default::default(),
        }
    }

    /// Checks the config, parses the keys once, and returns the manager.
    pub fn build(mut self) -> Result<JwtManager, ConfigError> {
        self.config.validate()?;
        warn_if_cookies_are_not_secure(&self.config);
        if !crate::keys::install_backend_provider() {
            return Err(ConfigError::new(
                "crypto backend",
                "enable the feature `aws_lc_rs` or `rust_crypto`, or install a jsonwebtoken \
                 CryptoProvider before building the manager",
            ));
        }
        if self.registered_loaders {
            crate::loaders::registry::apply(&mut self.callbacks)?;
        }
        let keys = Keys::from_config(
            &self.config,
            self.callbacks.encode_key_loader.is_some(),
            self.callbacks.decode_key_loader.is_some(),
            self.key_sources,
        )?;
        // Only fixed keys: with a key loader, a key set or a JWKS, a key can be withdrawn, and
        // a cached token would outlive it.
        let keys_fixed = self.callbacks.decode_key_loader.is_none() && !keys.sources.verifies();
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
                clock_skew: self.clock_skew,
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

    /// How far ahead of this instance's clock the clocks of the other instances issuing
    /// tokens (and of a Flask service sharing the key) may run. "Log out everywhere"
    /// ([`RefreshRotation::revoke_all_for`](crate::blocklist::RefreshRotation::revoke_all_for))
    /// refuses the user's tokens issued up to this long after the call, so that a token
    /// issued just before by a clock running ahead is refused too; a user who logs in again
    /// within it gets tokens that are refused until it has passed. Default:
    /// [`CLOCK_SLACK`](crate::blocklist::CLOCK_SLACK), one minute; lower it when the clocks
    /// are kept in step (NTP keeps them within milliseconds), down to zero for one instance.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
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

    /// Signs new tokens with the current key of `keys` (each names it in a `kid` header) and
    /// verifies a token with the key its `kid` names, so keys rotate while the app runs: keep
    /// a clone of the [`KeySet`] to insert, make current and remove keys.
    ///
    /// The set replaces `JWT_PRIVATE_KEY` / `JWT_SECRET_KEY` for signing; a configured key
    /// still verifies tokens without `kid` (made before rotation was set up). It cannot be
    /// combined with an `encode_key_loader` or `decode_key_loader` (a `ConfigError`), and
    /// its current key must use `JWT_ALGORITHM`.
    pub fn key_set(mut self, keys: KeySet) -> Self {
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
    pub fn jwks(mut self, source: crate::keys::jwks::JwksSource) -> Self {
        self.key_sources.jwks = Some(source);
        self
    }

    /// Refuses every token whose `typ` header is not `typ`, with 422 `{"msg": "Invalid
    /// \"typ\" header: expected \"at+jwt\""}` (or the `typ` given), a token without `typ`
    /// included. For an API taking an identity provider's access tokens, `"at+jwt"` (RFC 9068
    /// §4) keeps out the provider's ID tokens and other JWTs signed by the same keys, which
    /// carry the same `iss` and often an `aud` the API accepts (an ID token's `aud` is the
    /// client id). As RFC 7515 §4.1.9 asks, the comparison ignores case and an
    /// `application/` prefix: `application/at+jwt` is `at+jwt`.
    ///
    /// Off by default, including for a [`jwks`](Self::jwks) source: many providers (Keycloak
    /// and Entra ID among them) sign their access tokens with `typ: JWT`, or without `typ`,
    /// so a default would refuse all their tokens. The tokens this library issues carry
    /// `typ: JWT` unless `additional_headers` say otherwise.
    ///
    /// ```
    /// use actix_jwt_extended::{JwtConfig, JwtManager};
    ///
    /// let jwt = JwtManager::builder(JwtConfig {
    ///     secret_key: Some("change-me".into()),
    ///     ..JwtConfig::default()
    /// })
    /// .require_typ("at+jwt")
    /// .build()
    /// .unwrap();
    /// let plain = jwt.create_access_token("alice").finish().unwrap(); // `typ: JWT`
    /// let err = jwt.decode_token(&plain, false).unwrap_err();
    /// assert_eq!(err.message(), "Invalid \"typ\" header: expected \"at+jwt\"");
    ///
    /// let typed = jwt
    ///     .create_access_token("alice")
    ///     .additional_headers(serde_json::json!({"typ": "application/at+jwt"}))
    ///     .finish()
    ///     .unwrap();
    /// assert!(jwt.decode_token(&typed, false).is_ok());
    /// ```
    pub fn require_typ(mut self, typ: impl Into<String>) -> Self {
        self.key_sources.required_typ = Some(normal_typ(&typ.into()));
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

/// One builder method per loader, whose closure type follows the loader's category.
macro_rules! loader_methods {
    ($($(#[$doc:meta])* $name:ident $variant:ident: $category:ident { $($messages:tt)* })*) => {
        impl JwtManagerBuilder {
            $(loader_method!($category $name $(#[$doc])*);)*
        }
    };
}

/// The builder method of a loader of a category: it fills the loader's slot with `f`, adapted.
macro_rules! loader_method {
    (Identity $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F, R>(mut self, f: F) -> Self
        where
            F: Fn(&Value) -> R + Send + Sync + 'static,
            R: Serialize,
        {
            self.callbacks.$name = Some(Arc::new(move |identity| {
                serde_json::to_value(f(identity)).map_err(|e| {
                    JwtError::new(
                        JwtErrorKind::Encode,
                        format!("identity cannot be serialised: {e}"),
                    )
                })
            }));
            self
        }
    };
    (AdditionalClaims $name:ident $(#[$doc:meta])*) => {
        loader_method!(@object "additional claims" $name $(#[$doc])*);
    };
    (AdditionalHeaders $name:ident $(#[$doc:meta])*) => {
        loader_method!(@object "additional headers" $name $(#[$doc])*);
    };
    (@object $what:literal $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F, R>(mut self, f: F) -> Self
        where
            F: Fn(&Value) -> R + Send + Sync + 'static,
            R: Serialize,
        {
            self.callbacks.$name = Some(Arc::new(move |identity| {
                to_object(f(identity), $what).map_err(|e| JwtError::new(JwtErrorKind::Encode, e))
            }));
            self
        }
    };
    (EncodeKey $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F>(mut self, f: F) -> Self
        where
            F: Fn(&Value) -> EncodingKey + Send + Sync + 'static,
        {
            self.callbacks.$name = Some(Arc::new(move |identity| Ok(f(identity))));
            self
        }
    };
    (DecodeKey $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F>(mut self, f: F) -> Self
        where
            F: Fn(&JwtHeader, &Claims) -> DecodingKey + Send + Sync + 'static,
        {
            self.callbacks.$name = Some(Arc::new(move |header, claims| Ok(f(header, claims))));
            self
        }
    };
    (Check $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F, Fut>(mut self, f: F) -> Self
        where
            F: Fn(JwtHeader, Claims) -> Fut + Send + Sync + 'static,
            Fut: Future + 'static,
            Fut::Output: CheckOutcome,
        {
            let f = Arc::new(f);
            self.callbacks.$name = Some(Arc::new(move |_req, header, claims| {
                let fut = f(header.clone(), claims.clone());
                Box::pin(async move { fut.await.into_outcome() })
            }));
            self
        }
    };
    (User $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F, Fut, U>(mut self, f: F) -> Self
        where
            F: Fn(JwtHeader, Claims) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Option<U>> + 'static,
            U: Send + Sync + 'static,
        {
            let f = Arc::new(f);
            self.callbacks.$name = Some(Arc::new(move |_req, header, claims| {
                let fut = f(header.clone(), claims.clone());
                Box::pin(async move { Ok(fut.await.map(|user| Arc::new(user) as AnyUser)) })
            }));
            self
        }
    };
    (MessageResponse $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F>(mut self, f: F) -> Self
        where
            F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
        {
            self.callbacks.$name = Some(Arc::new(f));
            self
        }
    };
    (TokenResponse $name:ident $(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn $name<F>(mut self, f: F) -> Self
        where
            F: Fn(&JwtHeader, &Claims) -> HttpResponse + Send + Sync + 'static,
        {
            self.callbacks.$name = Some(Arc::new(f));
            self
        }
    };
}

for_each_loader!(loader_methods);

/// Warns (`insecure_cookies`) when cookies are a token location and `cookie_secure` is off (Flask's
/// default, which local development over plain HTTP needs): the browser then sends the token
/// cookies over plain HTTP as well, where anyone on the way can read them.
fn warn_if_cookies_are_not_secure(config: &JwtConfig) {
    if config.token_location.contains(&TokenLocation::Cookies) && !config.cookie_secure {
        trace::insecure_cookies();
    }
}
