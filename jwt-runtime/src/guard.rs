//! `JwtGuard`, the hidden extractor argument `#[jwt_required]` adds to a handler. Not public
//! API: reached only through `actix_jwt_extended::__private`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_core::Stream;

use crate::context::RequestContext;
use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::verify::{read_body, verify, Outcome, VerifyOptions};

/// Verifies the request with the options encoded in `FLAGS` and `LOCATIONS` (see
/// [`VerifyOptions::from_bits`]) before the handler runs, then runs the handler's body in the
/// task-local context.
pub struct JwtGuard<const FLAGS: u8, const LOCATIONS: u16> {
    context: Option<RequestContext>,
}

impl<const FLAGS: u8, const LOCATIONS: u16> JwtGuard<FLAGS, LOCATIONS> {
    const OPTIONS: VerifyOptions = VerifyOptions::from_bits(FLAGS, LOCATIONS);

    /// Runs the handler's body with the verified token visible to `get_jwt()` and friends.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        match self.context {
            Some(context) => context.scope(fut).await,
            None => fut.await,
        }
    }
}

impl<const FLAGS: u8, const LOCATIONS: u16> FromRequest for JwtGuard<FLAGS, LOCATIONS> {
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verification = start_verification(req, payload, Self::OPTIONS);
        Box::pin(async move {
            let context = match verification.await? {
                Outcome::Exempt => None,
                Outcome::Context(context) => Some(context),
            };
            Ok(JwtGuard { context })
        })
    }
}

/// Starts the pipeline for an extractor. When the body must be read, the extractors created
/// after this one get a stream that yields the body once it is read: actix creates every
/// extractor of a handler before polling any, so a later `web::Json` already holds the
/// payload it was given.
pub(crate) fn start_verification(
    req: &HttpRequest,
    payload: &mut Payload,
    options: VerifyOptions,
) -> Pin<Box<dyn Future<Output = Result<Outcome, JwtError>>>> {
    let req = req.clone();
    let Some(manager) = JwtManager::from_request(&req) else {
        return Box::pin(async { Err(JwtError::no_manager()) });
    };
    let body = options.wants_body(&manager, &req).then(|| {
        let original = payload.take();
        let shared = Rc::new(RefCell::new(Slot::Waiting(None)));
        *payload = Payload::Stream {
            payload: Box::pin(DeferredBody(Rc::clone(&shared))),
        };
        (original, shared)
    });
    Box::pin(async move {
        let bytes = match body {
            None => None,
            Some((original, shared)) => {
                let read = read_body(original).await;
                Slot::fill(&shared, read.as_ref().ok().cloned());
                Some(read.map_err(|e| e.with_manager(&manager))?)
            }
        };
        verify(&manager, &req, bytes.as_deref(), options).await
    })
}

enum Slot {
    Waiting(Option<Waker>),
    Ready(Option<Bytes>),
    Done,
}

impl Slot {
    fn fill(shared: &Rc<RefCell<Slot>>, bytes: Option<Bytes>) {
        let previous = std::mem::replace(&mut *shared.borrow_mut(), Slot::Ready(bytes));
        if let Slot::Waiting(Some(waker)) = previous {
            waker.wake();
        }
    }
}

/// The body as later extractors see it: pending until the guard has read it.
struct DeferredBody(Rc<RefCell<Slot>>);

impl Stream for DeferredBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut slot = self.0.borrow_mut();
        match std::mem::replace(&mut *slot, Slot::Done) {
            Slot::Waiting(_) => {
                *slot = Slot::Waiting(Some(cx.waker().clone()));
                Poll::Pending
            }
            Slot::Ready(Some(bytes)) if !bytes.is_empty() => Poll::Ready(Some(Ok(bytes))),
            Slot::Ready(Some(_)) | Slot::Done => Poll::Ready(None),
            Slot::Ready(None) => Poll::Ready(Some(Err(PayloadError::Incomplete(None)))),
        }
    }
}
