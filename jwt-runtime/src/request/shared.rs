//! One verification per request: the doors of a request (`#[jwt_required]`, the extractors,
//! `JwtRequired`, `verify_jwt_in_request`) share the token the first of them verified, through
//! the request's extensions.
//!
//! A later door reuses it when it has the same manager and its options find the same token:
//! the same token kind (the `refresh` option picks the cookie and JSON names), and the location
//! it was found in comes first among the later door's locations once the locations the first
//! door found empty are left out. Then only the checks that differ run: type and freshness
//! (no I/O) always, the revocation check when the first door skipped it. Signature, custom
//! verification and user lookup are not repeated. Otherwise the later door runs the whole
//! pipeline.
//!
//! The reuse is for the doors, which run together while the request is extracted. A call of
//! `verify_jwt_in_request` may come much later (in the handler's body), so it reuses the
//! signature check only: the expiry and the revocation (unless its options skip it) are
//! checked again, with the errors a new request would get.
//!
//! actix creates every extractor of a handler before polling any, so two doors may start
//! together: they take turns, and the second finds the first one's result.

use std::rc::Rc;
use std::sync::Arc;

use actix_web::{HttpMessage, HttpRequest};

use crate::foundation::config::TokenLocation;
use crate::manager::current::{request_slot, RequestVerification};
use crate::manager::JwtManager;
use crate::request::context::RequestContext;
use crate::request::options::VerifyOptions;

/// What the request's extensions hold: the turn the doors take, the token they share.
pub(crate) struct SharedVerification {
    turn: tokio::sync::Mutex<Option<Passed>>,
    /// The latest context a door verified, for the readers (`get_jwt()`) of a handler whose
    /// doors open no task-local context themselves; its manager is the request's current one.
    latest: std::cell::RefCell<Option<Arc<RequestContext>>>,
}

/// A verification that found a token and passed.
pub(crate) struct Passed {
    pub(crate) context: Arc<RequestContext>,
    /// The locations searched before the token's own, all found empty, in order.
    pub(crate) empty: Vec<TokenLocation>,
    pub(crate) refresh: bool,
    pub(crate) revocation_checked: bool,
}

/// Who asks for the request's verification: what an earlier verification is worth to it.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Asker {
    /// A door that runs while the request is extracted (`#[jwt_required]`'s guard, an
    /// extractor, `JwtRequired` before the handler): the doors' verification holds for it.
    Door,
    /// An explicit call of `verify_jwt_in_request`, which may come long after the doors (in
    /// the handler's body, in a long poll): as in Flask, which decodes and asks the blocklist
    /// on every call, the token's expiry and revocation are checked again, now.
    Call,
}

/// How a door may use what an earlier door verified.
pub(crate) enum Reuse {
    /// Nothing to reuse: run the whole pipeline.
    No,
    /// The same token: run the type and freshness checks of these options, and the checks
    /// `again` names.
    Token {
        context: Arc<RequestContext>,
        again: Again,
    },
}

/// The checks of the pipeline a reuse runs again.
#[derive(Clone, Copy)]
pub(crate) struct Again {
    /// The expiry, against the clock now.
    pub(crate) expiry: bool,
    /// The revocation check.
    pub(crate) revocation: bool,
}

impl SharedVerification {
    /// The request's shared verification, created by the first door that asks. With the app
    /// wrapped in the manager, the readers find it too.
    pub(crate) fn of(req: &HttpRequest) -> Rc<SharedVerification> {
        let existing = req.extensions().get::<Rc<SharedVerification>>().cloned();
        let shared = existing.unwrap_or_else(|| {
            let shared = Rc::new(SharedVerification {
                turn: tokio::sync::Mutex::new(None),
                latest: std::cell::RefCell::new(None),
            });
            req.extensions_mut().insert(Rc::clone(&shared));
            shared
        });
        // The slot of the manager's middleware, when the request runs in one that has not
        // seen this verification yet.
        request_slot(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.is_none() {
                *slot = Some(Rc::clone(&shared) as Rc<dyn RequestVerification>);
            }
        });
        shared
    }

    /// Waits for the doors before this one, then holds the turn until the guard is dropped.
    pub(crate) async fn turn(&self) -> tokio::sync::MutexGuard<'_, Option<Passed>> {
        self.turn.lock().await
    }

    /// The turn, when no door holds it.
    pub(crate) fn try_turn(&self) -> Option<tokio::sync::MutexGuard<'_, Option<Passed>>> {
        self.turn.try_lock().ok()
    }

    /// Makes `context` what the readers see.
    pub(crate) fn publish(&self, context: &Arc<RequestContext>) {
        *self.latest.borrow_mut() = Some(Arc::clone(context));
    }

    /// The latest verified context of the request being served, when the app is wrapped in
    /// the manager and a door verified it.
    pub(crate) fn current_context() -> Option<Arc<RequestContext>> {
        request_slot(|slot| {
            let any: Rc<dyn std::any::Any> = slot.borrow().clone()?;
            let shared = any.downcast::<SharedVerification>().ok()?;
            let latest = shared.latest.borrow().clone();
            latest
        })
        .flatten()
    }
}

/// The manager of the latest verification is the current manager of the request (see
/// `manager::current`).
impl RequestVerification for SharedVerification {
    fn verified_by(&self) -> Option<JwtManager> {
        let latest = self.latest.borrow();
        latest.as_ref().map(|context| context.manager.clone())
    }
}

impl Passed {
    /// How `asker`, of `manager` with `options`, searching `searched`, may use this
    /// verification.
    pub(crate) fn reuse(
        &self,
        asker: Asker,
        manager: &JwtManager,
        options: &VerifyOptions,
        searched: &[TokenLocation],
    ) -> Reuse {
        let Some(jwt) = &self.context.jwt else {
            return Reuse::No;
        };
        // Another manager (a scope with its own) has its own keys, loaders and store.
        if !self.context.manager.is_same(manager) || options.refresh != self.refresh {
            return Reuse::No;
        }
        // The first location of `searched` that may hold a token must be the token's own.
        let first = searched.iter().find(|l| !self.empty.contains(l));
        if first != Some(&jwt.location) {
            return Reuse::No;
        }
        let call = asker == Asker::Call;
        Reuse::Token {
            context: Arc::clone(&self.context),
            again: Again {
                expiry: call,
                revocation: !options.skip_revocation_check && (call || !self.revocation_checked),
            },
        }
    }
}
