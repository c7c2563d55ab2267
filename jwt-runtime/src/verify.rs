//! The one verification pipeline behind `#[jwt_required]`, the extractors and
//! [`verify_jwt_in_request`]: exempt methods → locate → decode → type → fresh → blocklist →
//! custom verification → user lookup (BEHAVIOUR.md §3.1).

use std::time::SystemTime;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpRequest;

use crate::callbacks::guarded;
use crate::config::TokenLocation;
use crate::context::{RequestContext, VerifiedJwt};
use crate::error::{JwtError, JwtErrorKind};
use crate::locations;
use crate::manager::JwtManager;
use crate::tokens::unix_seconds;

/// The largest JSON body read to look for a token: actix's default `JsonConfig` limit.
pub const JSON_BODY_LIMIT: usize = 2_097_152;

/// The options of `@jwt_required(...)` / `verify_jwt_in_request(...)`, same names and defaults.
///
/// ```
/// use actix_jwt_extended_runtime::{TokenLocation, VerifyOptions};
/// let options = VerifyOptions::new().fresh().locations(&[TokenLocation::Cookies]);
/// assert!(options.fresh && options.verify_type);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Let requests without any token through (the handler sees no claims).
    pub optional: bool,
    /// Require a fresh access token.
    pub fresh: bool,
    /// Require a refresh token instead of an access token.
    pub refresh: bool,
    /// Where to look; `None` = `JWT_TOKEN_LOCATION`.
    pub locations: Option<LocationList>,
    /// Check the token's type (access vs refresh).
    pub verify_type: bool,
    /// Do not ask the blocklist whether the token is revoked.
    pub skip_revocation_check: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyOptions {
    /// Flask's defaults: a required, non-fresh access token from the configured locations.
    pub const fn new() -> Self {
        Self {
            optional: false,
            fresh: false,
            refresh: false,
            locations: None,
            verify_type: true,
            skip_revocation_check: false,
        }
    }

    /// Sets `optional`.
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Sets `fresh`.
    pub const fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// Sets `refresh`.
    pub const fn refresh(mut self) -> Self {
        self.refresh = true;
        self
    }

    /// Sets the locations to search, in order (a location listed twice counts once; an empty
    /// list means `JWT_TOKEN_LOCATION`).
    pub const fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.locations = LocationList::new(locations);
        self
    }

    /// Sets `verify_type`.
    pub const fn verify_type(mut self, verify_type: bool) -> Self {
        self.verify_type = verify_type;
        self
    }

    /// Sets `skip_revocation_check`.
    pub const fn skip_revocation_check(mut self) -> Self {
        self.skip_revocation_check = true;
        self
    }

    fn searched<'a>(&'a self, manager: &'a JwtManager) -> &'a [TokenLocation] {
        match &self.locations {
            Some(list) => list.as_slice(),
            None => &manager.config().token_location,
        }
    }

    /// The options `#[jwt_required]` encodes in its hidden argument's const parameters:
    /// flag bits, and the locations packed three bits each (first in the lowest bits).
    /// Not public API: the encoding may change with the macro.
    #[doc(hidden)]
    pub const fn from_bits(flags: u8, packed_locations: u16) -> Self {
        Self {
            optional: flags & FLAG_OPTIONAL != 0,
            fresh: flags & FLAG_FRESH != 0,
            refresh: flags & FLAG_REFRESH != 0,
            locations: LocationList::from_packed(packed_locations),
            verify_type: flags & FLAG_NO_VERIFY_TYPE == 0,
            skip_revocation_check: flags & FLAG_SKIP_REVOCATION != 0,
        }
    }

    /// Whether the body may be read for this request: a location that can need it is
    /// searched (see [`body_may_hold`]).
    pub(crate) fn wants_body(&self, manager: &JwtManager, req: &HttpRequest) -> bool {
        self.searched(manager)
            .iter()
            .any(|&location| body_may_hold(location, manager, req))
    }
}

/// Whether `location` reads the body of `req`: the JSON location with a JSON body, or cookies
/// with the CSRF form check, a form body and a CSRF method.
fn body_may_hold(location: TokenLocation, manager: &JwtManager, req: &HttpRequest) -> bool {
    let config = manager.config();
    match location {
        TokenLocation::Json => locations::is_json(req),
        TokenLocation::Cookies => {
            config.csrf_check_form
                && config.csrf_methods.contains(req.method())
                && locations::is_form(req)
        }
        _ => false,
    }
}

/// Flag bit of [`VerifyOptions::from_bits`]: `optional`.
pub const FLAG_OPTIONAL: u8 = 1;
/// Flag bit: `fresh`.
pub const FLAG_FRESH: u8 = 2;
/// Flag bit: `refresh`.
pub const FLAG_REFRESH: u8 = 4;
/// Flag bit: `verify_type = false`.
pub const FLAG_NO_VERIFY_TYPE: u8 = 8;
/// Flag bit: `skip_revocation_check`.
pub const FLAG_SKIP_REVOCATION: u8 = 16;

/// A route's own list of token locations: at most the four, in order, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocationList {
    items: [TokenLocation; 4],
    len: u8,
}

impl LocationList {
    /// The list of `locations` without repeats; `None` when empty.
    pub const fn new(locations: &[TokenLocation]) -> Option<Self> {
        let mut list = Self {
            items: [TokenLocation::Headers; 4],
            len: 0,
        };
        let mut i = 0;
        while i < locations.len() {
            list = list.with(locations[i]);
            i += 1;
        }
        if list.len == 0 {
            None
        } else {
            Some(list)
        }
    }

    #[doc(hidden)]
    /// Unpacks three bits per location (1 headers, 2 cookies, 3 query_string, 4 json), first
    /// location in the lowest bits, until a zero; `None` when `packed` is zero.
    pub const fn from_packed(mut packed: u16) -> Option<Self> {
        let mut list = Self {
            items: [TokenLocation::Headers; 4],
            len: 0,
        };
        while packed != 0 {
            let location = match packed & 0b111 {
                0 => break,
                1 => TokenLocation::Headers,
                2 => TokenLocation::Cookies,
                3 => TokenLocation::QueryString,
                _ => TokenLocation::Json,
            };
            list = list.with(location);
            packed >>= 3;
        }
        if list.len == 0 {
            None
        } else {
            Some(list)
        }
    }

    const fn with(mut self, location: TokenLocation) -> Self {
        let mut i = 0;
        while i < self.len as usize {
            if self.items[i] as u8 == location as u8 {
                return self;
            }
            i += 1;
        }
        if (self.len as usize) < self.items.len() {
            self.items[self.len as usize] = location;
            self.len += 1;
        }
        self
    }

    /// The locations, in search order.
    pub fn as_slice(&self) -> &[TokenLocation] {
        &self.items[..self.len as usize]
    }
}

/// Verifies the request as `@jwt_required(...)` would and returns the verified token (Flask's
/// `verify_jwt_in_request`), for custom guards: `None` for optional routes without a token, and
/// for OPTIONS requests when the manager exempts them
/// ([`exempt_options(true)`](crate::JwtManagerBuilder::exempt_options)).
///
/// When the JSON location may apply, the body is read and put back into `payload`, so the
/// handler can still read it. It opens no context: for `get_jwt()` and friends, use
/// `#[jwt_required]` or the `JwtRequired` middleware instead.
///
/// ```no_run
/// use actix_web::{web, HttpRequest, HttpResponse};
/// use actix_jwt_extended_runtime::{verify_jwt_in_request, JwtError, VerifyOptions};
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
    let outcome = verify(&manager, req, &mut body, options).await;
    *payload = body.into_payload();
    Ok(outcome?.jwt)
}

/// The request body as the pipeline sees it: read (up to [`JSON_BODY_LIMIT`]) only when the
/// search reaches a location that needs it, and handed on afterwards either way.
pub(crate) struct LazyBody(BodyState);

enum BodyState {
    Unread(Payload),
    Read(Bytes),
    Failed,
}

impl LazyBody {
    pub(crate) fn new(payload: Payload) -> Self {
        Self(BodyState::Unread(payload))
    }

    /// The whole body, read now if it was not yet.
    async fn bytes(&mut self) -> Result<&[u8], JwtError> {
        if let BodyState::Unread(payload) = &mut self.0 {
            let read = read_body(payload.take()).await;
            self.0 = match read {
                Ok(bytes) => BodyState::Read(bytes),
                Err(e) => {
                    self.0 = BodyState::Failed;
                    return Err(e);
                }
            };
        }
        match &self.0 {
            BodyState::Read(bytes) => Ok(bytes),
            _ => Err(JwtError::new(
                JwtErrorKind::BadBody,
                "the request body could not be read",
            )),
        }
    }

    /// The body for the extractors and handler that come next: untouched when never read.
    pub(crate) fn into_payload(self) -> Payload {
        match self.0 {
            BodyState::Unread(payload) => payload,
            BodyState::Read(bytes) => Payload::from(bytes),
            BodyState::Failed => Payload::None,
        }
    }
}

/// Reads a whole body up to [`JSON_BODY_LIMIT`].
pub(crate) async fn read_body(mut payload: Payload) -> Result<Bytes, JwtError> {
    use std::future::poll_fn;
    use std::pin::Pin;

    use futures_core::Stream;

    let mut body = BytesMut::new();
    loop {
        let chunk = poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await;
        match chunk {
            None => return Ok(body.freeze()),
            Some(Ok(chunk)) => {
                if body.len() + chunk.len() > JSON_BODY_LIMIT {
                    return Err(JwtError::new(
                        JwtErrorKind::PayloadTooLarge,
                        format!("request body is larger than {JSON_BODY_LIMIT} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Some(Err(e)) => {
                return Err(JwtError::new(
                    JwtErrorKind::BadBody,
                    format!("cannot read the request body: {e}"),
                ))
            }
        }
    }
}

/// The pipeline itself: the context the handler runs in. An OPTIONS request the manager
/// exempts gets an empty one, as an optional route without a token does, so that a handler
/// reading it does not panic.
pub(crate) async fn verify(
    manager: &JwtManager,
    req: &HttpRequest,
    body: &mut LazyBody,
    options: VerifyOptions,
) -> Result<RequestContext, JwtError> {
    let jwt = if req.method() == Method::OPTIONS && manager.exempt_options() {
        None
    } else {
        verify_token(manager, req, body, options)
            .await
            .map_err(|e| e.with_manager(manager))?
    };
    Ok(RequestContext {
        manager: manager.clone(),
        jwt,
    })
}

async fn verify_token(
    manager: &JwtManager,
    req: &HttpRequest,
    body: &mut LazyBody,
    options: VerifyOptions,
) -> Result<Option<VerifiedJwt>, JwtError> {
    // The awaits that only some apps or requests reach (reading the body, fetching JWKS keys,
    // asking a revocation store) are boxed where they happen: inline, their state would make
    // every request's future larger than the allocator's small-size caches.
    let config = manager.config();
    let searched = options.searched(manager);
    let mut misses = Vec::new();
    let mut decoded = None;
    for &location in searched {
        let body = match body_may_hold(location, manager, req) {
            true => Some(Box::pin(body.bytes()).await?),
            false => None,
        };
        match locations::find(location, req, body, config, options.refresh) {
            Ok(found) => {
                // A JWKS source fetches keys it does not know yet before the (synchronous)
                // decoding looks for them.
                #[cfg(feature = "jwks")]
                if let Some(jwks) = &manager.keys().sources.jwks {
                    let algorithms = &manager.keys().decode_algorithms;
                    Box::pin(jwks.prepare(&found.token, algorithms)).await;
                }
                let (header, claims) =
                    manager.decode_complete(&found.token, found.csrf.as_deref(), false)?;
                decoded = Some((header, claims, location));
                break;
            }
            Err(e) if e.kind() == JwtErrorKind::NoAuthorization => {
                misses.push(e.message().to_owned())
            }
            Err(e) => return Err(e),
        }
    }
    let Some((header, claims, location)) = decoded else {
        if options.optional {
            return Ok(None);
        }
        let message = match misses.as_slice() {
            [only] => only.clone(),
            _ => locations::combined_not_found(searched, &misses),
        };
        return Err(JwtError::new(JwtErrorKind::NoAuthorization, message));
    };

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
                .with_token(header, claims),
        );
    }
    let callbacks = manager.callbacks();
    let asks_revocation = !options.skip_revocation_check
        && (callbacks.token_in_blocklist.is_some() || manager.revocation_store().is_some());
    if asks_revocation && Box::pin(is_revoked(manager, req, &header, &claims)).await? {
        return Err(
            JwtError::new(JwtErrorKind::Revoked, "Token has been revoked")
                .with_token(header, claims),
        );
    }
    if let Some(check) = &callbacks.token_verification {
        if !guarded("token_verification_loader", || check(req, &header, &claims)).await? {
            return Err(JwtError::new(
                JwtErrorKind::VerificationFailed,
                "User claims verification failed",
            )
            .with_token(header, claims));
        }
    }
    let user = match &callbacks.user_lookup {
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
    Ok(Some(VerifiedJwt {
        header,
        claims,
        location,
        user,
    }))
}

/// The blocklist check: the token is revoked when the registered loader says so or the
/// revocation store does (fail closed: no answer within the timeout refuses the request).
/// With both set, both are asked: the loader answers for what the app tracks itself, the store
/// for what this crate records (logouts, rotated families, subject cutoffs).
async fn is_revoked(
    manager: &JwtManager,
    req: &HttpRequest,
    header: &crate::JwtHeader,
    claims: &crate::Claims,
) -> Result<bool, JwtError> {
    if let Some(check) = &manager.callbacks().token_in_blocklist {
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
        Ok(Err(e)) => Err(unavailable().with_detail(e.to_string())),
        Err(_) => Err(unavailable().with_detail("no answer in time")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The numbers `#[jwt_required]` writes (jwt-macros/src/jwt_required/expand.rs) must mean
    // the same here.
    #[test]
    fn from_bits_reads_the_macro_encoding() {
        let options = VerifyOptions::from_bits(FLAG_OPTIONAL | FLAG_NO_VERIFY_TYPE, 1 << 3 | 4);
        assert!(options.optional && !options.verify_type);
        assert!(!options.fresh && !options.refresh && !options.skip_revocation_check);
        assert_eq!(
            options.locations.unwrap().as_slice(),
            [TokenLocation::Json, TokenLocation::Headers]
        );
        let options = VerifyOptions::from_bits(FLAG_FRESH | FLAG_SKIP_REVOCATION, 0);
        assert!(options.fresh && options.skip_revocation_check && options.verify_type);
        assert!(options.locations.is_none());
        let all = VerifyOptions::from_bits(FLAG_REFRESH, 4 << 9 | 3 << 6 | 2 << 3 | 1);
        assert_eq!(all.locations.unwrap().as_slice(), TokenLocation::ALL);
    }

    #[test]
    fn location_list_keeps_order_and_drops_repeats() {
        use TokenLocation::*;
        let list = LocationList::new(&[Cookies, Headers, Cookies]).unwrap();
        assert_eq!(list.as_slice(), [Cookies, Headers]);
        assert!(LocationList::new(&[]).is_none());
    }
}
