//! `JwtGuard`, the hidden extractor argument `#[jwt_required]` adds to a handler. Not public
//! API: reached only through `actix_jwt_extended::__private`.

use std::future::Future;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::foundation::error::JwtError;
use crate::request::context::RequestContext;
use crate::request::options::VerifyOptions;
use crate::request::pipeline::{start_verification, Verification};

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
