//! `JwtRequired`: the scope-middleware door to the same pipeline as `#[jwt_required]`.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::ResponseError;

use crate::foundation::config::TokenLocation;
use crate::foundation::error::JwtError;
use crate::manager::JwtManager;
use crate::request::body::LazyBody;
use crate::request::options::VerifyOptions;
use crate::request::pipeline::verify;

/// Protects every route of a scope as `#[jwt_required(...)]` protects one handler; the
/// handlers then read `get_jwt()` and friends as usual.
///
/// ```no_run
/// use actix_web::{web, App, HttpResponse};
/// use actix_jwt_extended::{get_jwt_identity, JwtRequired};
///
/// let app = App::new().service(
///     web::scope("/api")
///         .wrap(JwtRequired::new().fresh())
///         .route("/me", web::get().to(|| async {
///             HttpResponse::Ok().json(serde_json::json!({ "me": get_jwt_identity() }))
///         })),
/// );
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JwtRequired {
    options: VerifyOptions,
}

impl JwtRequired {
    /// A required access token from the configured locations.
    pub fn new() -> Self {
        Self::default()
    }

    /// `optional`: requests without a token pass anonymously.
    pub fn optional(mut self) -> Self {
        self.options = self.options.optional();
        self
    }

    /// `fresh`: a fresh access token is required.
    pub fn fresh(mut self) -> Self {
        self.options = self.options.fresh();
        self
    }

    /// `refresh`: a refresh token is required.
    pub fn refresh(mut self) -> Self {
        self.options = self.options.refresh();
        self
    }

    /// `locations`: where to look, in order, instead of `JWT_TOKEN_LOCATION`.
    pub fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.options = self.options.locations(locations);
        self
    }

    /// `verify_type`: whether the token type is checked.
    pub fn verify_type(mut self, verify_type: bool) -> Self {
        self.options = self.options.verify_type(verify_type);
        self
    }

    /// `skip_revocation_check`: the blocklist is not asked.
    pub fn skip_revocation_check(mut self) -> Self {
        self.options = self.options.skip_revocation_check();
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for JwtRequired
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = JwtRequiredMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(JwtRequiredMiddleware {
            service: Rc::new(service),
            options: self.options,
        }))
    }
}

/// The service [`JwtRequired`] wraps a scope's services in.
pub struct JwtRequiredMiddleware<S> {
    service: Rc<S>,
    options: VerifyOptions,
}

// The wrapped service is actix's, rarely `Debug`: only the options are shown.
impl<S> std::fmt::Debug for JwtRequiredMiddleware<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtRequiredMiddleware")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for JwtRequiredMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let options = self.options;
        Box::pin(async move {
            let (http_req, payload) = req.into_parts();
            let refuse = |req, error: JwtError| {
                Ok(ServiceResponse::new(req, error.error_response()).map_into_right_body())
            };
            let Some(manager) = JwtManager::from_request(&http_req) else {
                return refuse(http_req, JwtError::no_manager());
            };
            let mut body = LazyBody::new(payload);
            let outcome = verify(&manager, &http_req, &mut body, options).await;
            let payload = body.into_payload();
            let req = ServiceRequest::from_parts(http_req, payload);
            let response = match outcome {
                Err(error) => return refuse(req.request().clone(), error),
                Ok(context) => {
                    context
                        .scope(async move { service.call(req).await })
                        .await?
                }
            };
            Ok(response.map_into_left_body())
        })
    }
}
