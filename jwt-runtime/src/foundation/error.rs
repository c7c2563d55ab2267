//! `JwtError`, the one error type of the request pipeline and the token functions, and `ConfigError`,
//! returned when a manager is built from a bad configuration.
//!
//! An error knows nothing of the manager: it may carry a [`Renderer`], which the manager is,
//! and the manager turns it into a response (`manager/respond.rs`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::foundation::claims::{Claims, JwtHeader};

/// What went wrong, mirroring Flask-JWT-Extended's exception classes.
///
/// The status of the default response is given for each kind; a registered loader callback
/// (see [`JwtManagerBuilder`](crate::JwtManagerBuilder)) may answer differently.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtErrorKind {
    /// No token in any searched location (Flask `NoAuthorizationError`); 401 via `unauthorized_loader`.
    NoAuthorization,
    /// CSRF double-submit value missing or different (Flask `CSRFError`); 401 via `unauthorized_loader`.
    Csrf,
    /// The token header is malformed (Flask `InvalidHeaderError`); 422 via `invalid_token_loader`.
    InvalidHeader,
    /// The query-string value lacks its prefix (Flask `InvalidQueryParamError`); 422 via `invalid_token_loader`.
    InvalidQueryParam,
    /// The token cannot be decoded or one of its claims is invalid (PyJWT `InvalidTokenError`,
    /// Flask `JWTDecodeError`); 422 via `invalid_token_loader`.
    Decode,
    /// An access token where a refresh token is needed or the reverse (Flask `WrongTokenError`); 422.
    WrongTokenType,
    /// The token has expired (PyJWT `ExpiredSignatureError`); 401 via `expired_token_loader`.
    Expired,
    /// A fresh token is required (Flask `FreshTokenRequired`); 401 via `needs_fresh_token_loader`.
    NeedsFresh,
    /// The token has been revoked (Flask `RevokedTokenError`); 401 via `revoked_token_loader`.
    Revoked,
    /// The token-verification loader refused the claims (Flask `UserClaimsVerificationError`); 400.
    VerificationFailed,
    /// The user-lookup loader found no user (Flask `UserLookupError`); 401 via `user_lookup_error_loader`.
    UserLookup,
    /// The request body, read to find a JSON token or CSRF form field, is too large; 413.
    PayloadTooLarge,
    /// The request body could not be read; 400.
    BadBody,
    /// The revocation store could not answer (down, timeout): refused, fail closed; 503.
    RevocationUnavailable,
    /// The token's key is not cached and the JWKS source could not confirm it is unknown in
    /// time (no fetch allowed yet, a fetch too slow or failing): refused, fail closed, worth
    /// retrying; 503 with `Retry-After`.
    SigningKeysUnavailable,
    /// A context reader was used outside any verified request (Flask `RuntimeError`); 500.
    NoContext,
    /// `current_user` was read but no `user_lookup_loader` is registered (Flask `RuntimeError`); 500.
    NoUserLookupLoader,
    /// `current_user::<U>()` asked for another type than the user loader returns; 500.
    WrongUserType,
    /// No [`JwtManager`](crate::JwtManager) could be found for this request or call; 500.
    NoManager,
    /// A token could not be created (unserialisable claims, bad key); 500.
    Encode,
    /// A loader callback or store failed; 500.
    Internal,
}

impl JwtErrorKind {
    /// The status of the default response for this kind.
    pub fn default_status(self) -> StatusCode {
        use JwtErrorKind::*;
        match self {
            NoAuthorization | Csrf | Expired | NeedsFresh | Revoked | UserLookup => {
                StatusCode::UNAUTHORIZED
            }
            InvalidHeader | InvalidQueryParam | Decode | WrongTokenType => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            VerificationFailed | BadBody => StatusCode::BAD_REQUEST,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RevocationUnavailable | SigningKeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            NoContext | NoUserLookupLoader | WrongUserType | NoManager | Encode | Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// The error of every fallible operation of this crate except configuration.
///
/// It implements actix's [`ResponseError`](actix_web::ResponseError): returning it from a handler (or from an extractor)
/// produces Flask-JWT-Extended's response, `{"msg": "..."}` with Flask's status, or whatever the
/// matching loader callback of the [`JwtManager`](crate::JwtManager) answers.
///
/// ```
/// use actix_jwt_extended::{JwtError, JwtErrorKind};
/// let err = JwtError::new(JwtErrorKind::NoAuthorization, "Missing Authorization Header");
/// assert_eq!(err.to_string(), "Missing Authorization Header");
/// assert_eq!(err.kind(), JwtErrorKind::NoAuthorization);
/// ```
#[derive(Clone)]
pub struct JwtError {
    kind: JwtErrorKind,
    message: String,
    detail: Option<String>,
    retry_after: Option<Duration>,
    source: Option<Cause>,
    token: Option<Arc<(JwtHeader, Claims)>>,
    renderer: Option<Arc<dyn Renderer>>,
}

/// What turns an error into the app's response: the manager, through its loaders.
///
/// An error keeps the renderer of the app it came from, since actix renders an extractor's
/// error without the request, where no manager can be looked up.
pub(crate) trait Renderer: Send + Sync {
    /// The response for `error`.
    fn render(&self, error: &JwtError) -> HttpResponse;
}

impl JwtError {
    /// An error of `kind` with Flask's message text.
    pub fn new(kind: JwtErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            detail: None,
            retry_after: None,
            source: None,
            token: None,
            renderer: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> JwtErrorKind {
        self.kind
    }

    /// The message of the default response (Flask's text).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What a failing loader or store said, for logs: never sent to the client, since it may
    /// name a database, a host or a credential (CWE-209).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// When the client may try again, for errors that are worth retrying (the default
    /// response carries it as `Retry-After`, in whole seconds). An app answering such errors
    /// itself can send it too.
    ///
    /// ```
    /// use actix_jwt_extended::{JwtError, JwtErrorKind};
    /// let err = JwtError::new(JwtErrorKind::NoAuthorization, "Missing Authorization Header");
    /// assert_eq!(err.retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    // Only the JWKS source says when to come back today.
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    pub(crate) fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Keeps `cause` (a store's or loader's error), returned by
    /// [`source`](std::error::Error::source); its text is the [`detail`](Self::detail) unless
    /// one is set.
    pub(crate) fn with_source(
        mut self,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.detail.get_or_insert_with(|| cause.to_string());
        self.source = Some(Arc::new(cause));
        self
    }

    /// The header and claims of the token the error is about, when it was decoded
    /// (expired, needs fresh, revoked, verification failed, user lookup).
    pub fn token(&self) -> Option<(&JwtHeader, &Claims)> {
        self.token.as_deref().map(|(h, c)| (h, c))
    }

    pub(crate) fn with_token(mut self, header: JwtHeader, claims: Claims) -> Self {
        self.token = Some(Arc::new((header, claims)));
        self
    }

    /// Remembers what renders this error, unless it already knows (the first app to see an
    /// error renders it).
    pub(crate) fn rendered_by(mut self, renderer: Arc<dyn Renderer>) -> Self {
        if self.renderer.is_none() {
            self.renderer = Some(renderer);
        }
        self
    }

    /// What renders this error, when it came through an app.
    pub(crate) fn renderer(&self) -> Option<&dyn Renderer> {
        self.renderer.as_deref()
    }

    pub(crate) fn no_manager() -> Self {
        Self::new(
            JwtErrorKind::NoManager,
            "no JwtManager found: wrap the app with `.wrap(jwt.clone())`",
        )
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(JwtErrorKind::Internal, message)
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for JwtError {
    // The token and renderer are left out on purpose: they may hold secrets or user data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("detail", &self.detail)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

impl std::error::Error for JwtError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        cause(&self.source)
    }
}

/// The error behind another: kept shared, so the errors holding it stay `Clone`.
pub(crate) type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// `source()` of an error that may keep a [`Cause`].
pub(crate) fn cause(source: &Option<Cause>) -> Option<&(dyn std::error::Error + 'static)> {
    source
        .as_deref()
        .map(|e| e as &(dyn std::error::Error + 'static))
}

/// A `Decode` error: the token cannot be decoded or one of its claims is invalid.
pub(crate) fn decode_error(message: impl Into<String>) -> JwtError {
    JwtError::new(JwtErrorKind::Decode, message)
}

/// A configuration value that cannot work, found when the manager is built.
///
/// The message names the Flask-JWT-Extended option (`JWT_*`) so it can be found in either
/// project's documentation. When a library error is behind it (a file that cannot be read),
/// [`source`](std::error::Error::source) returns it.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The `JWT_*` option at fault.
    pub option: &'static str,
    /// Why the value cannot work.
    pub reason: String,
    source: Option<Cause>,
}

impl ConfigError {
    pub(crate) fn new(option: &'static str, reason: impl Into<String>) -> Self {
        Self {
            option,
            reason: reason.into(),
            source: None,
        }
    }

    /// Keeps `cause` as the error's source.
    pub(crate) fn with_source(
        mut self,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(cause));
        self
    }
}

/// Equal when the option and the reason are: the source is not compared.
impl PartialEq for ConfigError {
    fn eq(&self, other: &Self) -> bool {
        self.option == other.option && self.reason == other.reason
    }
}

impl Eq for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.option, self.reason)
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        cause(&self.source)
    }
}
