//! How a [`JwtError`] becomes a response: through the loaders of the manager it came from,
//! else of the current request's manager, else as Flask's default `{"msg": ...}`.

use std::sync::Arc;

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
        if let Some(renderer) = self.renderer() {
            return renderer.render(self);
        }
        match JwtManager::current() {
            Some(manager) => manager.inner.render(self),
            None => default_response(self, "msg"),
        }
    }
}
