//! How a [`JwtError`] becomes a response: through the loaders of the manager it came from,
//! else of the current request's manager, else as Flask's default `{"msg": ...}`.

use std::sync::Arc;

use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use super::{Inner, JwtManager};
use crate::foundation::error::{JwtError, Renderer};
use crate::loaders::responses::{default_response, Responses};

impl Renderer for Inner {
    fn render(&self, error: &JwtError) -> HttpResponse {
        Responses {
            loaders: &self.callbacks,
            message_key: &self.config.error_message_key,
            www_authenticate: self.www_authenticate,
        }
        .respond(error)
    }
}

impl JwtError {
    /// Remembers the manager whose loaders render this error, so the response is right even
    /// where no manager is current (an extractor error rendered by actix).
    pub(crate) fn with_manager(self, manager: &JwtManager) -> Self {
        if self.renderer().is_some() {
            return self;
        }
        self.rendered_by(Arc::clone(&manager.inner) as Arc<dyn Renderer>)
    }
}

impl ResponseError for JwtError {
    fn status_code(&self) -> StatusCode {
        self.kind().default_status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = if let Some(renderer) = self.renderer() {
            renderer.render(self)
        } else {
            match JwtManager::current() {
                Some(manager) => manager.inner.render(self),
                None => default_response(self, "msg"),
            }
        };
        add_retry_after(self, &mut response);
        response
    }
}

/// `Retry-After` on a "come back later" answer (503, 429) to an error that says when, also when
/// a loader made the response, unless it set its own: clients and proxies read it to retry
/// instead of giving up on the token.
fn add_retry_after(error: &JwtError, response: &mut HttpResponse) {
    let Some(after) = error.retry_after() else {
        return;
    };
    let retryable = matches!(
        response.status(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
    );
    if retryable && !response.headers().contains_key(RETRY_AFTER) {
        // Whole seconds, rounded up: a client retrying earlier than we said would be early.
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
}
