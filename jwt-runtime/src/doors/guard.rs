//! `JwtGuard`, the hidden extractor argument `#[jwt_required]` adds to a handler. Not public
//! API: reached only through `actix_jwt_extended::__private`.

use std::future::Future;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::foundation::error::JwtError;
use crate::request::context::RequestContext;
use crate::request::options::{options_from_bits, VerifyOptions};
use crate::request::pipeline::{start_verification, Verification};

/// Verifies the request with the route's options before the handler runs, then runs the
/// handler's body in the task-local context. `OPTIONS` holds the options as
/// [`options_to_bits`](crate::request::options::options_to_bits) encodes them.
pub struct JwtGuard<const OPTIONS: u32> {
    context: Arc<RequestContext>,
}

impl<const OPTIONS: u32> std::fmt::Debug for JwtGuard<OPTIONS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtGuard")
            .field("options", &Self::OPTIONS)
            .field("jwt", &self.context.jwt)
            .finish()
    }
}

impl<const OPTIONS: u32> JwtGuard<OPTIONS> {
    const OPTIONS: VerifyOptions = options_from_bits(OPTIONS);

    /// Runs the handler's body with the verified token visible to `get_jwt()` and friends.
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        self.context.scope(fut).await
    }
}

impl<const OPTIONS: u32> crate::loaders::checks::Door for JwtGuard<OPTIONS> {}

impl<const OPTIONS: u32> FromRequest for JwtGuard<OPTIONS> {
    type Error = JwtError;
    type Future = Verification<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, Self::OPTIONS, |context| {
            Ok(JwtGuard { context })
        })
    }
}
