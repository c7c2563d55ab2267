//! Error responses: the response loader that matches an error's kind, else Flask's default
//! `{"msg": "..."}` with the kind's status; and the `WWW-Authenticate` challenge when the
//! manager adds it.

use actix_web::http::header::{HeaderValue, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{Map, Value};

use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::foundation::trace;
use crate::loaders::callbacks::{Callbacks, MessageResponseFn, TokenResponseFn};

/// How an app answers errors: its loaders, the key of the message in default responses
/// (`JWT_ERROR_MESSAGE_KEY`), and whether a 401 carries a `WWW-Authenticate` challenge.
pub(crate) struct Responses<'a> {
    pub(crate) loaders: &'a Callbacks,
    pub(crate) message_key: &'a str,
    pub(crate) www_authenticate: bool,
}

impl Responses<'_> {
    /// The response for `error`: the matching loader's, or Flask's default. A panicking loader
    /// gives a 500; every 5xx is logged with the error's detail, which the client never sees,
    /// but for the 503 of signing keys not fetched yet: a token with a made-up `kid` gets one,
    /// at whatever rate it is sent, and a provider that cannot be reached is logged once per
    /// fetch.
    pub(crate) fn respond(&self, error: &JwtError) -> HttpResponse {
        let key = self.message_key;
        let mut response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.respond_unguarded(error)
        }))
        .unwrap_or_else(|_| {
            default_response(&JwtError::internal("the error response loader failed"), key)
        });
        if response.status().is_server_error()
            && error.kind() != JwtErrorKind::SigningKeysUnavailable
        {
            trace::server_error(error, response.status().as_u16());
        }
        if self.www_authenticate && response.status() == StatusCode::UNAUTHORIZED {
            if let Ok(value) = HeaderValue::from_str(&www_authenticate(error)) {
                response.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }

    fn respond_unguarded(&self, error: &JwtError) -> HttpResponse {
        let key = self.message_key;
        let loaders = self.loaders;
        let by_message = |slot: &Option<MessageResponseFn>| match slot {
            Some(f) => f(error.message()),
            None => default_response(error, key),
        };
        let by_token = |slot: &Option<TokenResponseFn>| match (slot, error.token()) {
            (Some(f), Some((header, claims))) => f(header, claims),
            _ => default_response(error, key),
        };
        use JwtErrorKind::*;
        match error.kind() {
            NoAuthorization | Csrf => by_message(&loaders.unauthorized_loader),
            InvalidHeader | InvalidQueryParam | Decode | WrongTokenType => {
                by_message(&loaders.invalid_token_loader)
            }
            Expired => by_token(&loaders.expired_token_loader),
            NeedsFresh => by_token(&loaders.needs_fresh_token_loader),
            Revoked => by_token(&loaders.revoked_token_loader),
            VerificationFailed => by_token(&loaders.token_verification_failed_loader),
            UserLookup => by_token(&loaders.user_lookup_error_loader),
            _ => default_response(error, key),
        }
    }
}

/// The RFC 6750 §3 challenge for a 401 caused by `error`.
fn www_authenticate(error: &JwtError) -> String {
    let code = match error.kind() {
        JwtErrorKind::NoAuthorization => return "Bearer".to_owned(),
        JwtErrorKind::NeedsFresh => "insufficient_scope",
        _ => "invalid_token",
    };
    // error_description allows no `"` or `\` (RFC 6750 §3).
    let description: String = error
        .message()
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .collect();
    format!("Bearer error=\"{code}\", error_description=\"{description}\"")
}

/// Flask's default error response: `{"<key>": "<message>"}` with the kind's status.
pub(crate) fn default_response(error: &JwtError, key: &str) -> HttpResponse {
    let mut body = Map::new();
    body.insert(key.to_owned(), error.message().into());
    HttpResponse::build(error.kind().default_status()).json(Value::Object(body))
}
