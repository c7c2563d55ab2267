//! The current manager: the one of the app serving the running request, made current by the
//! manager's own middleware (`.wrap(jwt)`) or by the request context a protected handler runs
//! in. Flask's `current_app`, for the token functions and error responses.
//!
//! The middleware also keeps a slot per request that the doors fill with the request's
//! verification, so that `get_jwt()` and friends see a token an extractor verified. What a
//! verification is belongs to the request layer above; this layer asks it one thing, the
//! manager that verified the request: inside a verified request that manager is the current
//! one, not the app's, so that a scope with a manager of its own (`.app_data(other)` under
//! `.wrap(jwt)`) revokes, rotates and signs with the manager its doors verified with.

use std::any::Any;
use std::cell::RefCell;
use std::future::{ready, Future, Ready};
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use tokio::task::futures::TaskLocalFuture;

use super::JwtManager;
use crate::foundation::error::JwtError;

tokio::task_local! {
    /// The manager of the app serving the current request, with the request's slot.
    static CURRENT: Rc<Current>;
}

/// What is current while a request is served. (Public only as part of the middleware's future
/// type; no path names it.)
pub struct Current {
    manager: JwtManager,
    /// Whether the manager that verified the request, when a door did, is current instead of
    /// `manager`: so for the app's manager (the middleware's), not for one a scope names.
    verifier_wins: bool,
    /// The request's verification, as a door above this layer puts it: a new, empty slot for
    /// each request the middleware serves, so nothing passes from one request to the next.
    verification: Option<Slot>,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verified = self
            .verification
            .as_ref()
            .is_some_and(|slot| slot.borrow().is_some());
        f.debug_struct("Current")
            .field("manager", &self.manager)
            .field("verifier_wins", &self.verifier_wins)
            .field("verified", &verified)
            .finish()
    }
}

/// What a door puts in the request's slot: the request's verification, of a type of the
/// request layer, which the readers downcast (through `Any`) to find the verified token.
pub(crate) trait RequestVerification: Any {
    /// The manager whose door verified the request (the latest door's), if one did.
    fn verified_by(&self) -> Option<JwtManager>;
}

/// Where a door puts the request's verification.
type Slot = Rc<RefCell<Option<Rc<dyn RequestVerification>>>>;

impl Current {
    /// What the middleware makes current for one request: a slot of its own.
    fn for_request(manager: JwtManager) -> Rc<Self> {
        Rc::new(Current {
            manager,
            verifier_wins: true,
            verification: Some(Rc::default()),
        })
    }

    /// What [`JwtManager::scope`] makes current: the request's slot when it runs inside one
    /// (a scope opened by a handler keeps seeing its request's token), else none, so that
    /// requests served one after another in one scope share nothing.
    fn nested(manager: JwtManager) -> Rc<Self> {
        let verification = CURRENT
            .try_with(|current| current.verification.clone())
            .ok()
            .flatten();
        Rc::new(Current {
            manager,
            verifier_wins: false,
            verification,
        })
    }

    /// The manager current now: the one that verified the request when the app's manager
    /// would be, else this one.
    fn manager(&self) -> JwtManager {
        let verifier = match (&self.verification, self.verifier_wins) {
            (Some(slot), true) => slot.borrow().as_ref().and_then(|v| v.verified_by()),
            _ => None,
        };
        verifier.unwrap_or_else(|| self.manager.clone())
    }
}

/// The slot of the request being served, when the app is wrapped with a manager: `None`
/// outside the manager's middleware (and in tasks spawned from a handler).
pub(crate) fn request_slot<R>(
    f: impl FnOnce(&RefCell<Option<Rc<dyn RequestVerification>>>) -> R,
) -> Option<R> {
    let slot = CURRENT
        .try_with(|current| current.verification.clone())
        .ok()
        .flatten()?;
    Some(f(&slot))
}

impl JwtManager {
    /// The manager of the request being served, when the app is wrapped with one or a
    /// protected handler is running: the manager that verified the request once a door
    /// (`#[jwt_required]`, an extractor, `JwtRequired`) did, which is the app data of the
    /// handler's scope when a scope has a manager of its own; inside
    /// [`scope`](Self::scope), that scope's manager.
    pub fn current() -> Option<JwtManager> {
        CURRENT.try_with(|current| current.manager()).ok()
    }

    /// [`JwtManager::current`], or the error saying how to register one.
    pub(crate) fn current_or_error() -> Result<JwtManager, JwtError> {
        JwtManager::current().ok_or_else(JwtError::no_manager)
    }

    /// Runs `fut` with this manager as the current one (what the middleware does per request),
    /// whichever manager verified the request it runs in.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        CURRENT.scope(Current::nested(self.clone()), fut).await
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

// The wrapped service is actix's, rarely `Debug`: only the manager is shown.
impl<S> std::fmt::Debug for ManagerMiddleware<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagerMiddleware")
            .field("manager", &self.manager)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for ManagerMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = TaskLocalFuture<Rc<Current>, S::Future>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // The inner service may start its work in `call` (a scope middleware verifying the
        // request, say) as well as in its future: both see the manager and the same slot.
        // Nothing is boxed.
        let current = Current::for_request(self.manager.clone());
        let future = CURRENT.sync_scope(Rc::clone(&current), || self.service.call(req));
        CURRENT.scope(current, future)
    }
}
