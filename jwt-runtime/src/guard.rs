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
use crate::verify::{verify, LazyBody, VerifyOptions};

/// Verifies the request with the options encoded in `FLAGS` and `LOCATIONS` (see
/// [`VerifyOptions::from_bits`]) before the handler runs, then runs the handler's body in the
/// task-local context.
pub struct JwtGuard<const FLAGS: u8, const LOCATIONS: u16> {
    context: RequestContext,
}

impl<const FLAGS: u8, const LOCATIONS: u16> JwtGuard<FLAGS, LOCATIONS> {
    const OPTIONS: VerifyOptions = VerifyOptions::from_bits(FLAGS, LOCATIONS);

    /// Runs the handler's body with the verified token visible to `get_jwt()` and friends.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        self.context.scope(fut).await
    }
}

impl<const FLAGS: u8, const LOCATIONS: u16> FromRequest for JwtGuard<FLAGS, LOCATIONS> {
    type Error = JwtError;
    type Future = Verification<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, Self::OPTIONS, |context| {
            Ok(JwtGuard { context })
        })
    }
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
    then: fn(RequestContext) -> Result<T, JwtError>,
) -> Verification<T> {
    let req = req.clone();
    let manager = JwtManager::from_request(&req);
    let handoff = manager
        .as_ref()
        .filter(|manager| options.wants_body(manager, &req))
        .map(|_| {
            let original = payload.take();
            let shared = Rc::new(RefCell::new(Slot::Waiting(None)));
            *payload = Payload::Stream {
                payload: Box::pin(DeferredBody(Rc::clone(&shared))),
            };
            (original, shared)
        });
    Box::pin(async move {
        let manager = manager.ok_or_else(JwtError::no_manager)?;
        let outcome = match handoff {
            None => verify(&manager, &req, &mut LazyBody::new(Payload::None), options).await,
            Some((original, shared)) => {
                let mut body = LazyBody::new(original);
                let outcome = verify(&manager, &req, &mut body, options).await;
                Slot::fill(&shared, body.into_payload());
                outcome
            }
        };
        then(outcome?)
    })
}

enum Slot {
    Waiting(Option<Waker>),
    Ready(Payload),
}

impl Slot {
    fn fill(shared: &Rc<RefCell<Slot>>, payload: Payload) {
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
