//! The `tracing` span and events of the crate, gathered here so that each call site is one
//! line. The span and the events of requests and stores need the feature `tracing`: without it
//! those functions are empty (or hand back the future they are given) and compile to nothing.
//! The warnings of a risky configuration and the report of a 5xx response are emitted whatever
//! the feature (they are all a user without a subscriber hears of them, through `log`), once per
//! start-up or per failing response.
//!
//! Every event has the target `actix_jwt_extended` (filter with
//! `RUST_LOG=actix_jwt_extended=debug` or `Targets::new().with_target("actix_jwt_extended", ..)`)
//! and a name from the table in the crate docs. Events carry ids (`jti`, the subject), the route
//! and the reason, never a token, a key or a secret: what a refusal knows of its token is its
//! decoded claims, and a store's or JWKS fetch's cause comes redacted (no URL password).
//!
//! Cost: each event and the span start with tracing's static callsite check (a load and a
//! compare when no subscriber wants them); the route is looked up, and anything formatted, only
//! when a subscriber has enabled the event.

#[cfg(feature = "tracing")]
pub(crate) use enabled::*;

#[cfg(not(feature = "tracing"))]
pub(crate) use disabled::*;

use jsonwebtoken::Algorithm;

use crate::foundation::error::JwtError;

/// The target of every span and event of the crate, stable across its module layout.
const TARGET: &str = "actix_jwt_extended";

#[cfg(feature = "tracing")]
mod enabled {
    use std::fmt;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use actix_web::HttpRequest;
    use serde_json::Value;
    use tracing::{Level, Span};

    use super::TARGET;
    use crate::foundation::claims::Claims;
    use crate::foundation::config::{JwtConfig, TokenLocation};
    use crate::foundation::error::{JwtError, JwtErrorKind};

    /// Runs one verification of `req` (the token searched in `searched`) in a `verify_jwt`
    /// span, and reports its refusal, if it is one, inside that span. The verification is
    /// pinned by the caller: this wrapper then adds a pointer and the span to the request's
    /// future, where an `async fn` would keep copies of the whole verification.
    pub(crate) fn verification<'a, F>(
        req: &'a HttpRequest,
        config: &'a JwtConfig,
        searched: &'a [TokenLocation],
        verifying: Pin<&'a mut F>,
    ) -> Verification<'a, F> {
        let span = tracing::debug_span!(
            target: TARGET,
            "verify_jwt",
            route = %Route(req),
            method = %req.method(),
            locations = %Locations(searched),
        );
        Verification {
            verifying,
            span,
            req,
            config,
            searched,
        }
    }

    /// The future of [`verification`].
    pub(crate) struct Verification<'a, F> {
        verifying: Pin<&'a mut F>,
        span: Span,
        req: &'a HttpRequest,
        config: &'a JwtConfig,
        searched: &'a [TokenLocation],
    }

    impl<F, T> Future for Verification<'_, F>
    where
        F: Future<Output = Result<T, JwtError>>,
    {
        type Output = Result<T, JwtError>;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            // `Pin<&mut F>` is `Unpin`, and so is this struct: no projection needed.
            let this = self.get_mut();
            let _entered = this.span.enter();
            let poll = this.verifying.as_mut().poll(cx);
            if let Poll::Ready(Err(error)) = &poll {
                refused(error, this.req, this.config, this.searched);
            }
            poll
        }
    }

    /// The `refused` event of a verification that failed with `error`: `info` for a revoked
    /// token, `error` when the revocation store or a loader failed, `warn` when the signing
    /// keys could not be fetched, `debug` for everything a client got wrong.
    fn refused(
        error: &JwtError,
        req: &HttpRequest,
        config: &JwtConfig,
        searched: &[TokenLocation],
    ) {
        let claims = error.token().map(|(_, claims)| claims);
        let jti = claims.and_then(Claims::jti);
        let sub = claims.and_then(|claims| claims.get(&config.identity_claim));
        macro_rules! refused_at {
            ($level:expr) => {
                tracing::event!(
                    name: "refused",
                    target: TARGET,
                    $level,
                    kind = ?error.kind(),
                    status = error.kind().default_status().as_u16(),
                    route = %Route(req),
                    locations = %Locations(searched),
                    jti,
                    sub = sub.map(|sub| tracing::field::display(Subject(sub))),
                    cause = error.detail(),
                    "{}",
                    error.message(),
                )
            };
        }
        match error.kind() {
            JwtErrorKind::Revoked => refused_at!(Level::INFO),
            JwtErrorKind::RevocationUnavailable | JwtErrorKind::Internal => {
                refused_at!(Level::ERROR)
            }
            // Tokens with made-up `kid`s get these at the sender's rate; a provider that
            // cannot be reached is `jwks_refresh_failed`'s, once per fetch.
            _ => refused_at!(Level::DEBUG),
        }
    }

    /// The `refresh_refused` event (`info`): [`RefreshRotation`](crate::blocklist::RefreshRotation)
    /// refused to exchange the refresh token with `claims`, either because it was exchanged
    /// before (`reused`: the whole family has just been revoked) or because it is revoked.
    pub(crate) fn refresh_refused(
        claims: &Claims,
        family: &str,
        identity_claim: &str,
        reused: bool,
    ) {
        let sub = claims.get(identity_claim);
        tracing::event!(
            name: "refresh_refused",
            target: TARGET,
            Level::INFO,
            kind = ?JwtErrorKind::Revoked,
            reused,
            jti = claims.jti(),
            family,
            sub = sub.map(|sub| tracing::field::display(Subject(sub))),
            "{}",
            match reused {
                true => "refresh token reused: its family is revoked",
                false => "refresh token revoked",
            },
        );
    }

    /// The `revocation_store_failed` event (`error`): a revocation helper (revoking, rotating)
    /// got no answer from the store; `error` is what the caller gets back.
    pub(crate) fn store_failed(error: &JwtError) {
        tracing::event!(
            name: "revocation_store_failed",
            target: TARGET,
            Level::ERROR,
            kind = ?error.kind(),
            cause = error.detail(),
            "{}",
            error.message(),
        );
    }

    /// The `jwks_refreshed` event (`debug`): the JWKS at `url` was fetched, `keys` usable keys.
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    pub(crate) fn jwks_refreshed(url: &str, keys: usize) {
        tracing::event!(
            name: "jwks_refreshed",
            target: TARGET,
            Level::DEBUG,
            url,
            keys,
            "JWKS refreshed",
        );
    }

    /// The `jwks_refresh_failed` event (`warn`): fetching the JWKS at `url` (credentials
    /// redacted) failed for `cause`, the `failures`-th time in a row; the cached keys stay.
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    pub(crate) fn jwks_refresh_failed(url: &str, cause: &str, failures: u32) {
        tracing::event!(
            name: "jwks_refresh_failed",
            target: TARGET,
            Level::WARN,
            url,
            cause,
            failures,
            "JWKS refresh failed; the cached keys stay in use",
        );
    }

    /// The route of a request, as its pattern (`/users/{id}`) when routing matched one, else
    /// its path; formatted only when an event is recorded.
    struct Route<'a>(&'a HttpRequest);

    impl fmt::Display for Route<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0.match_pattern() {
                Some(pattern) => f.write_str(&pattern),
                None => f.write_str(self.0.path()),
            }
        }
    }

    /// The locations searched, as `headers,cookies`.
    struct Locations<'a>(&'a [TokenLocation]);

    impl fmt::Display for Locations<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for (i, location) in self.0.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                f.write_str(location.as_str())?;
            }
            Ok(())
        }
    }

    /// The identity claim as text: a string as it is, any other value as JSON.
    struct Subject<'a>(&'a Value);

    impl fmt::Display for Subject<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                Value::String(s) => f.write_str(s),
                other => fmt::Display::fmt(other, f),
            }
        }
    }
}

/// The same functions, doing nothing.
#[cfg(not(feature = "tracing"))]
mod disabled {
    use std::pin::Pin;

    use actix_web::HttpRequest;

    use crate::foundation::claims::Claims;
    use crate::foundation::config::{JwtConfig, TokenLocation};
    use crate::foundation::error::JwtError;

    #[inline(always)]
    pub(crate) fn verification<'a, F>(
        _req: &HttpRequest,
        _config: &JwtConfig,
        _searched: &[TokenLocation],
        verifying: Pin<&'a mut F>,
    ) -> Pin<&'a mut F> {
        verifying
    }

    #[inline(always)]
    pub(crate) fn refresh_refused(
        _claims: &Claims,
        _family: &str,
        _identity_claim: &str,
        _reused: bool,
    ) {
    }

    #[inline(always)]
    pub(crate) fn store_failed(_error: &JwtError) {}

    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    #[inline(always)]
    pub(crate) fn jwks_refreshed(_url: &str, _keys: usize) {}

    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    #[inline(always)]
    pub(crate) fn jwks_refresh_failed(_url: &str, _cause: &str, _failures: u32) {}
}

// The warnings and the 5xx report, whatever the feature.

/// The `weak_hmac_secret` event (`warn`, at start-up): the HMAC secret `what` (an option's
/// name, or a key set's `kid`) is `length` bytes long, shorter than the `required` bytes of
/// `algorithm`. The event never carries the secret.
pub(crate) fn weak_hmac_secret(what: &str, algorithm: Algorithm, length: usize, required: usize) {
    tracing::event!(
        name: "weak_hmac_secret",
        target: TARGET,
        tracing::Level::WARN,
        secret = what,
        algorithm = ?algorithm,
        length,
        required,
        "{what} is {length} bytes long, shorter than the {required} bytes RFC 7518 §3.2 requires \
         for {algorithm:?}: whoever holds a token can try to guess it offline; use {required} or \
         more random bytes",
    );
}

/// The `insecure_cookies` event (`warn`, at start-up): cookies are a token location while
/// `cookie_secure` is off.
pub(crate) fn insecure_cookies() {
    tracing::event!(
        name: "insecure_cookies",
        target: TARGET,
        tracing::Level::WARN,
        "JWT_COOKIE_SECURE is off while cookies are a token location: browsers send the token \
         cookies over plain HTTP too, where anyone on the way can read them; set \
         `cookie_secure: true` (JWT_COOKIE_SECURE=true) wherever the app is served over HTTPS",
    );
}

/// The `eviction_policy_unchecked` event (`warn`, at connection): a Redis store connected to
/// `redis` (credentials redacted) without checking that it never evicts keys.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn eviction_policy_unchecked(redis: &str) {
    tracing::event!(
        name: "eviction_policy_unchecked",
        target: TARGET,
        tracing::Level::WARN,
        redis,
        "the eviction policy of {redis} is not checked \
         (`RedisOptions::skip_eviction_policy_check`): unless its `maxmemory-policy` is \
         `noeviction`, Redis evicts revocations when it is full and revoked tokens are accepted \
         again",
    );
}

/// The `server_error` event (`error`): a response with the 5xx `status` answers `error`,
/// whose detail (`cause`) the client does not see.
pub(crate) fn server_error(error: &JwtError, status: u16) {
    tracing::event!(
        name: "server_error",
        target: TARGET,
        tracing::Level::ERROR,
        kind = ?error.kind(),
        status,
        cause = error.detail(),
        "{}{}",
        error.message(),
        error.detail().map(|d| format!(": {d}")).unwrap_or_default(),
    );
}
