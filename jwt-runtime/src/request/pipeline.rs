//! The one verification pipeline behind every door (`#[jwt_required]`, the extractors, the
//! `JwtRequired` middleware and [`verify_jwt_in_request`]): exempt methods → locate → decode →
//! type → fresh → blocklist → custom verification → user lookup.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::HttpRequest;

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::config::TokenLocation;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::foundation::time::unix_seconds;
use crate::foundation::trace;
use crate::loaders::callbacks::guarded;
use crate::manager::JwtManager;
use crate::request::body::{body_may_hold, hand_off, wants_body, LazyBody, Slot};
use crate::request::context::{RequestContext, VerifiedJwt};
use crate::request::locations;
use crate::request::options::VerifyOptions;
use crate::request::shared::{Again, Asker, Passed, Reuse, SharedVerification};
use crate::tokens::decode::check_not_expired;

/// Verifies the request as `@jwt_required(...)` would and returns the verified token (Flask's
/// `verify_jwt_in_request`), for custom guards: `None` for optional routes without a token, and
/// for OPTIONS requests when the manager exempts them
/// ([`exempt_options(true)`](crate::JwtManagerBuilder::exempt_options)).
///
/// When the JSON location may apply, the body is read and put back into `payload`, so the
/// handler can still read it. It opens no task-local context of its own; with the app wrapped
/// in the manager (`.wrap(jwt)`), `get_jwt()` and friends see the token it verified for the
/// rest of the request, unless `#[jwt_required]` or `JwtRequired` opened a context around the
/// handler already: theirs stays what the readers see.
///
/// Each call is a verification, as in Flask: after the doors of the request (`#[jwt_required]`,
/// an extractor, `JwtRequired`), say in a long handler's body, it reuses their signature check
/// and user lookup, but checks the token's expiry (the clock now, the manager's
/// `decode_leeway`) and its revocation (unless the options skip it) again, with the errors a
/// new request would get: 401 "Token has expired", 401 "Token has been revoked".
///
/// ```no_run
/// use actix_web::{web, HttpRequest, HttpResponse};
/// use actix_jwt_extended::{verify_jwt_in_request, JwtError, VerifyOptions};
///
/// async fn admin_only(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, JwtError> {
///     let mut payload = payload.into_inner();
///     let jwt = verify_jwt_in_request(&req, &mut payload, VerifyOptions::new()).await?;
///     match jwt {
///         Some(jwt) if jwt.claims["is_administrator"] == true => Ok(HttpResponse::Ok().finish()),
///         _ => Ok(HttpResponse::Forbidden().json(serde_json::json!({"msg": "Admins only!"}))),
///     }
/// }
/// ```
pub async fn verify_jwt_in_request(
    req: &HttpRequest,
    payload: &mut Payload,
    options: VerifyOptions,
) -> Result<Option<VerifiedJwt>, JwtError> {
    let manager = JwtManager::from_request(req).ok_or_else(JwtError::no_manager)?;
    let mut body = LazyBody::new(payload.take());
    let outcome =
        verify_taking_turns(&manager, req, &mut body, options, Turn::Wait, Asker::Call).await;
    *payload = body.into_payload();
    Ok(outcome?.jwt.clone())
}

/// An extractor's future: the pipeline, then what the extractor makes of its context.
pub(crate) type Verification<T> = Pin<Box<dyn Future<Output = Result<T, JwtError>>>>;

/// Starts the pipeline for an extractor, whose value `then` makes of the context. When the
/// body may be read, the extractors created after this one get a stream that waits for the
/// pipeline, then yields the body: the bytes it read, or the untouched payload when no
/// location needed them. (actix creates every extractor of a handler before polling any, so
/// a later `web::Json` already holds the payload it was given.)
///
/// One boxed future per request, small enough for the allocator's per-thread cache: `then`
/// runs inside it, as an `async` block awaiting this future would keep a second copy of its
/// state.
pub(crate) fn start_verification<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    options: VerifyOptions,
    then: fn(Arc<RequestContext>) -> Result<T, JwtError>,
) -> Verification<T> {
    let req = req.clone();
    let manager = JwtManager::from_request(&req);
    let handoff = manager
        .as_ref()
        .filter(|manager| wants_body(&options, manager.config(), &req))
        .map(|_| hand_off(payload));
    Box::pin(async move {
        let manager = manager.ok_or_else(JwtError::no_manager)?;
        let outcome = match handoff {
            None => {
                let mut body = LazyBody::new(Payload::None);
                verify_taking_turns(&manager, &req, &mut body, options, Turn::Wait, Asker::Door)
                    .await
            }
            // The later extractors' bodies wait for this door: it must not wait for them.
            Some((original, shared)) => {
                let mut body = LazyBody::new(original);
                let outcome = verify_taking_turns(
                    &manager,
                    &req,
                    &mut body,
                    options,
                    Turn::IfFree,
                    Asker::Door,
                )
                .await;
                Slot::fill(&shared, body.into_payload());
                outcome
            }
        };
        then(outcome?)
    })
}

/// The pipeline itself: the context the handler runs in. An OPTIONS request the manager
/// exempts gets an empty one, as an optional route without a token does, so that a handler
/// reading it does not panic.
///
/// A token an earlier door of the request verified is reused when these options find the same
/// one; then only the checks that differ run (see `request::shared`).
pub(crate) async fn verify(
    manager: &JwtManager,
    req: &HttpRequest,
    body: &mut LazyBody,
    options: VerifyOptions,
) -> Result<Arc<RequestContext>, JwtError> {
    verify_taking_turns(manager, req, body, options, Turn::Wait, Asker::Door).await
}

/// Whether a door waits for the doors before it (see [`verify_taking_turns`]).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Turn {
    /// Wait for the doors in progress, then share what they verified.
    Wait,
    /// Share what is there if no door is in progress, else verify alone: for a door whose
    /// body later doors wait for, which must not wait for them in turn.
    IfFree,
}

/// [`verify`], telling whether the door may wait for the other doors of the request, and who
/// asks (what an earlier verification is worth to it).
pub(crate) async fn verify_taking_turns(
    manager: &JwtManager,
    req: &HttpRequest,
    body: &mut LazyBody,
    options: VerifyOptions,
    turn: Turn,
    asker: Asker,
) -> Result<Arc<RequestContext>, JwtError> {
    let shared = SharedVerification::of(req);
    if req.method() == Method::OPTIONS && manager.exempt_options() {
        let context = Arc::new(RequestContext::new(manager.clone(), None));
        shared.publish(&context);
        return Ok(context);
    }
    let config = manager.config();
    let searched = options.searched(config);
    let mut turn = match turn {
        Turn::Wait => Some(shared.turn().await),
        Turn::IfFree => shared.try_turn(),
    };
    let reuse = match turn.as_deref() {
        Some(Some(passed)) => passed.reuse(asker, manager, &options, searched),
        _ => Reuse::No,
    };
    let context = match reuse {
        Reuse::Token { context, again } => {
            {
                let reverifying = std::pin::pin!(reverify(manager, req, &options, &context, again));
                trace::verification(req, config, searched, reverifying)
                    .await
                    .map_err(|e| e.with_manager(manager))?;
            }
            if again.revocation {
                if let Some(Some(kept)) = turn.as_deref_mut() {
                    kept.revocation_checked = true;
                }
            }
            context
        }
        Reuse::No => {
            let verifying = std::pin::pin!(verify_token(manager, req, body, options));
            let found = trace::verification(req, config, searched, verifying)
                .await
                .map_err(|e| e.with_manager(manager))?;
            let context = Arc::new(RequestContext::new(manager.clone(), found.jwt));
            if let (Some(turn), true) = (turn.as_deref_mut(), context.jwt.is_some()) {
                *turn = Some(Passed {
                    context: Arc::clone(&context),
                    empty: found.empty,
                    refresh: options.refresh,
                    revocation_checked: !options.skip_revocation_check,
                });
            }
            context
        }
    };
    shared.publish(&context);
    Ok(context)
}

/// The checks of `options` that an earlier door's verification of the same token did not
/// cover: the type and freshness, and, as `again` says, the expiry (now, in the order a new
/// request's decoding reports it: before the type) and the revocation check.
async fn reverify(
    manager: &JwtManager,
    req: &HttpRequest,
    options: &VerifyOptions,
    context: &RequestContext,
    again: Again,
) -> Result<(), JwtError> {
    let Some(jwt) = &context.jwt else {
        return Ok(());
    };
    if again.expiry {
        check_not_expired(manager.config(), &jwt.header, &jwt.claims)?;
    }
    check_kind(options, &jwt.header, &jwt.claims)?;
    if again.revocation {
        check_revocation_of(manager, req, &jwt.header, &jwt.claims).await?;
    }
    Ok(())
}

/// What the pipeline found: the verified token (none in an optional route without one), and
/// the locations searched before its own, all empty.
struct Found {
    jwt: Option<VerifiedJwt>,
    empty: Vec<TokenLocation>,
}

/// The type and freshness checks of `options`.
fn check_kind(
    options: &VerifyOptions,
    header: &JwtHeader,
    claims: &Claims,
) -> Result<(), JwtError> {
    if options.verify_type {
        if options.refresh && !claims.is_refresh() {
            return Err(JwtError::new(
                JwtErrorKind::WrongTokenType,
                "Only refresh tokens are allowed",
            ));
        }
        if !options.refresh && claims.is_refresh() {
            return Err(JwtError::new(
                JwtErrorKind::WrongTokenType,
                "Only non-refresh tokens are allowed",
            ));
        }
    }
    if options.fresh && !claims.is_fresh_at(unix_seconds(SystemTime::now())) {
        return Err(
            JwtError::new(JwtErrorKind::NeedsFresh, "Fresh token required")
                .with_token(header.clone(), claims.clone()),
        );
    }
    Ok(())
}

/// The blocklist check, when the app has a loader or a store: a revoked token is refused.
async fn check_revocation_of(
    manager: &JwtManager,
    req: &HttpRequest,
    header: &JwtHeader,
    claims: &Claims,
) -> Result<(), JwtError> {
    let asks = manager.callbacks().token_in_blocklist_loader.is_some()
        || manager.revocation_store().is_some();
    if asks && Box::pin(is_revoked(manager, req, header, claims)).await? {
        return Err(
            JwtError::new(JwtErrorKind::Revoked, "Token has been revoked")
                .with_token(header.clone(), claims.clone()),
        );
    }
    Ok(())
}

async fn verify_token(
    manager: &JwtManager,
    req: &HttpRequest,
    body: &mut LazyBody,
    options: VerifyOptions,
) -> Result<Found, JwtError> {
    // The awaits that only some apps or requests reach (reading the body, fetching JWKS keys,
    // asking a revocation store) are boxed where they happen: inline, their state would make
    // every request's future larger than the allocator's small-size caches.
    let config = manager.config();
    let searched = options.searched(config);
    let mut misses = Vec::new();
    let mut empty = Vec::new();
    let mut decoded = None;
    let has_body = body.is_present();
    for &location in searched {
        let may_hold = body_may_hold(location, config, req);
        let body = match may_hold {
            true => Some(Box::pin(body.bytes(req)).await?),
            false => None,
        };
        match locations::find(location, req, body, config, options.refresh) {
            Ok(found) => {
                // A JWKS source fetches keys it does not know yet before the (synchronous)
                // decoding looks for them, or answers 503 when it cannot tell in time.
                #[cfg(feature = "jwks")]
                if let Some(jwks) = &manager.keys().sources.jwks {
                    let algorithms = &manager.keys().decode_algorithms;
                    Box::pin(jwks.prepare(&found.token, algorithms)).await?;
                }
                let (header, claims) =
                    manager.decode_complete(&found.token, found.csrf.as_deref(), false)?;
                decoded = Some((header, claims, location));
                break;
            }
            Err(e) if e.kind() == JwtErrorKind::NoAuthorization => {
                misses.push(e.message().to_owned());
                // Given no body, a door did not search a JSON body: another door that has it
                // may find a token there.
                if !(location == TokenLocation::Json && may_hold && !has_body) {
                    empty.push(location);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let Some((header, claims, location)) = decoded else {
        if options.optional {
            return Ok(Found { jwt: None, empty });
        }
        let message = match misses.as_slice() {
            [only] => only.clone(),
            _ => locations::combined_not_found(searched, &misses),
        };
        return Err(JwtError::new(JwtErrorKind::NoAuthorization, message));
    };

    check_kind(&options, &header, &claims)?;
    let callbacks = manager.callbacks();
    if !options.skip_revocation_check {
        check_revocation_of(manager, req, &header, &claims).await?;
    }
    if let Some(check) = &callbacks.token_verification_loader {
        if !guarded("token_verification_loader", || check(req, &header, &claims)).await? {
            return Err(JwtError::new(
                JwtErrorKind::VerificationFailed,
                "User claims verification failed",
            )
            .with_token(header, claims));
        }
    }
    let user = match &callbacks.user_lookup_loader {
        None => None,
        Some(lookup) => {
            match guarded("user_lookup_loader", || lookup(req, &header, &claims)).await? {
                Some(user) => Some(user),
                None => {
                    let identity = match claims.get(&config.identity_claim) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    return Err(JwtError::new(
                        JwtErrorKind::UserLookup,
                        format!("Error loading the user {identity}"),
                    )
                    .with_token(header, claims));
                }
            }
        }
    };
    let jwt = VerifiedJwt {
        header,
        claims,
        location,
        user,
    };
    Ok(Found {
        jwt: Some(jwt),
        empty,
    })
}

/// The blocklist check: the token is revoked when the registered loader says so or the
/// revocation store does (fail closed: no answer within the timeout refuses the request).
/// With both set, both are asked: the loader answers for what the app tracks itself, the store
/// for what this crate records (logouts, rotated families, subject cutoffs).
async fn is_revoked(
    manager: &JwtManager,
    req: &HttpRequest,
    header: &JwtHeader,
    claims: &Claims,
) -> Result<bool, JwtError> {
    if let Some(check) = &manager.callbacks().token_in_blocklist_loader {
        if guarded("token_in_blocklist_loader", || check(req, header, claims)).await? {
            return Ok(true);
        }
    }
    let Some(store) = manager.revocation_store() else {
        return Ok(false);
    };
    let ids = crate::blocklist::TokenIds::from_claims(claims, &manager.config().identity_claim);
    let unavailable = || {
        JwtError::new(
            JwtErrorKind::RevocationUnavailable,
            "revocation store unavailable",
        )
    };
    match tokio::time::timeout(manager.revocation_timeout(), store.is_token_revoked(&ids)).await {
        Ok(Ok(revoked)) => Ok(revoked),
        Ok(Err(e)) => Err(unavailable().with_source(e)),
        Err(_) => Err(unavailable().with_detail("no answer in time")),
    }
}
