//! The request body as the pipeline sees it: read only when a location needs it (a JSON
//! token, a CSRF form field), and handed on to whatever reads the body next, as the bytes the
//! pipeline read or as the untouched payload.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes, BytesMut, PayloadConfig};
use actix_web::{FromRequest, HttpRequest};
use futures_core::Stream;

use crate::foundation::config::{JwtConfig, TokenLocation};
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::request::locations;
use crate::request::options::VerifyOptions;

/// The largest body read to look for a token (a JSON body, or a form with the CSRF field):
/// actix's default `JsonConfig` limit. An app's `PayloadConfig`, when it registers one, lowers
/// it (actix-web offers no way to read a `JsonConfig`'s limit; a `web::Json` extractor after
/// the door still applies its own to the bytes it is handed).
pub const JSON_BODY_LIMIT: usize = 2_097_152;

/// Whether the body may be read for this request: a location that can need it is searched
/// (see [`body_may_hold`]).
pub(crate) fn wants_body(options: &VerifyOptions, config: &JwtConfig, req: &HttpRequest) -> bool {
    options
        .searched(config)
        .iter()
        .any(|&location| body_may_hold(location, config, req))
}

/// Whether `location` reads the body of `req`: the JSON location with a JSON body, or cookies
/// with the CSRF form check, a form body and a CSRF method.
pub(crate) fn body_may_hold(
    location: TokenLocation,
    config: &JwtConfig,
    req: &HttpRequest,
) -> bool {
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

/// The request body as the pipeline sees it: read (up to [`JSON_BODY_LIMIT`]) only when the
/// search reaches a location that needs it, and handed on afterwards either way.
pub(crate) struct LazyBody(BodyState, bool);

enum BodyState {
    Unread(Payload),
    /// What the locations read (decoded, when the app's actix decompresses bodies) and the
    /// bytes as they came, for whatever reads the body next (which decodes them itself).
    Read {
        body: Bytes,
        received: Bytes,
    },
    Failed,
}

impl LazyBody {
    pub(crate) fn new(payload: Payload) -> Self {
        let present = !matches!(payload, Payload::None);
        Self(BodyState::Unread(payload), present)
    }

    /// Whether there was a body to read: a door given none (`Payload::None`) cannot tell
    /// whether the body holds a token.
    pub(crate) fn is_present(&self) -> bool {
        self.1
    }

    /// The whole body, read now if it was not yet, within the limits of `req`'s app (see
    /// [`JSON_BODY_LIMIT`]).
    pub(crate) async fn bytes(&mut self, req: &HttpRequest) -> Result<&[u8], JwtError> {
        if let BodyState::Unread(payload) = &mut self.0 {
            let read = read_body(payload.take(), req).await;
            self.0 = match read {
                Ok((body, received)) => BodyState::Read { body, received },
                Err(e) => {
                    self.0 = BodyState::Failed;
                    return Err(e);
                }
            };
        }
        match &self.0 {
            BodyState::Read { body, .. } => Ok(body),
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
            BodyState::Read { received, .. } => Payload::from(received),
            BodyState::Failed => Payload::None,
        }
    }
}

/// Reads a whole body up to [`JSON_BODY_LIMIT`], and within the app's `PayloadConfig` when it
/// registers one (read as actix's `web::Bytes` extractor reads it: its limit, its content
/// type, `Content-Length` refused before reading).
pub(crate) async fn read_body(
    payload: Payload,
    req: &HttpRequest,
) -> Result<(Bytes, Bytes), JwtError> {
    let registered = req.app_data::<PayloadConfig>().is_some()
        || req.app_data::<web::Data<PayloadConfig>>().is_some();
    if !registered {
        let body = read_up_to_limit(payload).await?;
        return Ok((body.clone(), body));
    }
    // actix decodes a compressed body for `Bytes` (with its compress features); what comes
    // next decodes it itself, so it is handed the bytes as they came.
    let encoded = req
        .headers()
        .get(actix_web::http::header::CONTENT_ENCODING)
        .is_some_and(|encoding| encoding != "identity");
    let received = encoded.then(|| Rc::new(RefCell::new(BytesMut::new())));
    let mut limited: Payload = Payload::Stream {
        payload: Box::pin(UpToLimit {
            payload,
            left: JSON_BODY_LIMIT,
            received: received.clone(),
        }),
    };
    let body = Bytes::from_request(req, &mut limited).await.map_err(|e| {
        match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => too_large("the app's body limit"),
            _ => unreadable(e),
        }
    })?;
    drop(limited);
    let received = match received {
        Some(received) => received.take().freeze(),
        None => body.clone(),
    };
    Ok((body, received))
}

async fn read_up_to_limit(mut payload: Payload) -> Result<Bytes, JwtError> {
    let mut body = BytesMut::new();
    loop {
        let chunk = std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await;
        match chunk {
            None => return Ok(body.freeze()),
            Some(Ok(chunk)) => {
                if body.len() + chunk.len() > JSON_BODY_LIMIT {
                    return Err(too_large(&format!("{JSON_BODY_LIMIT} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            Some(Err(e)) => return Err(unreadable(e)),
        }
    }
}

fn too_large(limit: &str) -> JwtError {
    JwtError::new(
        JwtErrorKind::PayloadTooLarge,
        format!("request body is larger than {limit}"),
    )
}

fn unreadable(e: impl std::fmt::Display) -> JwtError {
    JwtError::new(
        JwtErrorKind::BadBody,
        format!("cannot read the request body: {e}"),
    )
}

/// A body that fails with `Overflow` past `left` more bytes, keeping a copy of what it yields
/// in `received` when there is one.
struct UpToLimit {
    payload: Payload,
    left: usize,
    received: Option<Rc<RefCell<BytesMut>>>,
}

impl Stream for UpToLimit {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.payload).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            match self.left.checked_sub(chunk.len()) {
                Some(left) => self.left = left,
                None => return Poll::Ready(Some(Err(PayloadError::Overflow))),
            }
            if let Some(received) = &self.received {
                received.borrow_mut().extend_from_slice(chunk);
            }
        }
        polled
    }
}

/// Takes the body out of `payload` for the pipeline and leaves in its place a stream that
/// waits for the pipeline, then yields the body: the bytes it read, or the untouched payload
/// when no location needed them. Fill the returned slot with [`Slot::fill`] once the pipeline
/// is done with the body.
pub(crate) fn hand_off(payload: &mut Payload) -> (Payload, Rc<RefCell<Slot>>) {
    let original = payload.take();
    let shared = Rc::new(RefCell::new(Slot::Waiting(None)));
    *payload = Payload::Stream {
        payload: Box::pin(DeferredBody(Rc::clone(&shared))),
    };
    (original, shared)
}

/// Where the body goes once the pipeline is done with it.
pub(crate) enum Slot {
    Waiting(Option<Waker>),
    Ready(Payload),
}

impl Slot {
    pub(crate) fn fill(shared: &Rc<RefCell<Slot>>, payload: Payload) {
        let previous = std::mem::replace(&mut *shared.borrow_mut(), Slot::Ready(payload));
        if let Slot::Waiting(Some(waker)) = previous {
            waker.wake();
        }
    }
}

/// The body as later extractors see it: pending until the guard is done with it.
struct DeferredBody(Rc<RefCell<Slot>>);

impl Stream for DeferredBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut *self.0.borrow_mut() {
            Slot::Waiting(waker) => {
                *waker = Some(cx.waker().clone());
                Poll::Pending
            }
            Slot::Ready(payload) => Pin::new(payload).poll_next(cx),
        }
    }
}
