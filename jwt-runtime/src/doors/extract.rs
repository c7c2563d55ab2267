//! Extractors: the actix-native door to the same pipeline as `#[jwt_required]`.
//!
//! A handler's signature states what it accepts: `Jwt` (an access token), `Jwt<FreshAccess>`,
//! `Jwt<Refresh>`, `Jwt<AnyToken>` (no type check), and `OptionalJwt<..>` for routes that
//! also serve anonymous requests.
//!
//! The extractors hand the token to the handler as an argument; they open no task-local
//! context, so `get_jwt()` and friends are for `#[jwt_required]` and `JwtRequired` routes.
//! Put them before body extractors (`web::Json<T>`): a token in the JSON body can only be read
//! by an extractor that comes first.
//!
//! Why not `Option<Jwt>`: actix's `Option<T>` extractor turns *every* error into `None`, so an
//! expired or tampered token would pass as anonymous. Flask's `optional=True` forgives only a
//! missing token, and so does [`OptionalJwt`].

use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::config::TokenLocation;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::request::context::{user_of, VerifiedJwt};
use crate::request::options::VerifyOptions;
use crate::request::pipeline::start_verification;

/// What a token must be for an extractor: its `@jwt_required` options.
pub trait TokenRequirement: 'static {
    /// The options the pipeline runs with.
    const OPTIONS: VerifyOptions;
}

/// A non-refresh (access) token: `@jwt_required()`.
pub struct Access;
/// A fresh access token: `@jwt_required(fresh=True)`.
pub struct FreshAccess;
/// A refresh token: `@jwt_required(refresh=True)`.
pub struct Refresh;
/// Any token type: `@jwt_required(verify_type=False)`.
pub struct AnyToken;

impl TokenRequirement for Access {
    const OPTIONS: VerifyOptions = VerifyOptions::new();
}
impl TokenRequirement for FreshAccess {
    const OPTIONS: VerifyOptions = VerifyOptions::new().fresh();
}
impl TokenRequirement for Refresh {
    const OPTIONS: VerifyOptions = VerifyOptions::new().refresh();
}
impl TokenRequirement for AnyToken {
    const OPTIONS: VerifyOptions = VerifyOptions::new().verify_type(false);
}

/// A verified token of kind `K`, extracted from the request; it dereferences to its
/// [`Claims`]. OPTIONS requests are verified like any other; when the manager exempts them
/// ([`exempt_options(true)`](crate::JwtManagerBuilder::exempt_options), Flask's behaviour) this
/// extractor refuses them (401), since it cannot hold a token it has not verified.
///
/// ```no_run
/// use actix_web::{get, HttpResponse};
/// use actix_jwt_extended::{FreshAccess, Jwt};
///
/// #[get("/protected")]
/// async fn protected(jwt: Jwt<FreshAccess>) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": jwt.sub() }))
/// }
/// ```
pub struct Jwt<K = Access> {
    jwt: VerifiedJwt,
    kind: PhantomData<K>,
}

impl<K> Jwt<K> {
    /// The token's header.
    pub fn header(&self) -> &JwtHeader {
        &self.jwt.header
    }

    /// The token's claims.
    pub fn claims(&self) -> &Claims {
        &self.jwt.claims
    }

    /// Where the token was found.
    pub fn location(&self) -> TokenLocation {
        self.jwt.location
    }

    /// The user loaded by the `user_lookup_loader`, as `current_user::<U>()` gives it.
    pub fn user<U: Send + Sync + 'static>(&self) -> Result<Arc<U>, JwtError> {
        user_of(&self.jwt)
    }

    /// The verified token with its user.
    pub fn into_inner(self) -> VerifiedJwt {
        self.jwt
    }
}

impl<K> Deref for Jwt<K> {
    type Target = Claims;
    fn deref(&self) -> &Claims {
        &self.jwt.claims
    }
}

impl<K: TokenRequirement> FromRequest for Jwt<K> {
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, K::OPTIONS, |context| match context.jwt {
            Some(jwt) => Ok(Jwt {
                jwt,
                kind: PhantomData,
            }),
            // Only an OPTIONS request the manager exempts passes with no token.
            None => Err(missing().with_manager(&context.manager)),
        })
    }
}

/// A verified token of kind `K`, or `None` when the request carries no token at all
/// (`@jwt_required(optional=True)`): any other failure (expired, invalid, wrong type) is
/// still refused.
pub struct OptionalJwt<K = Access> {
    jwt: Option<Jwt<K>>,
}

impl<K> OptionalJwt<K> {
    /// The token, when the request carried one.
    pub fn as_ref(&self) -> Option<&Jwt<K>> {
        self.jwt.as_ref()
    }

    /// The token, when the request carried one.
    pub fn into_inner(self) -> Option<Jwt<K>> {
        self.jwt
    }
}

impl<K: TokenRequirement> FromRequest for OptionalJwt<K> {
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, K::OPTIONS.optional(), |context| {
            Ok(OptionalJwt {
                jwt: context.jwt.map(|jwt| Jwt {
                    jwt,
                    kind: PhantomData,
                }),
            })
        })
    }
}

fn missing() -> JwtError {
    JwtError::new(JwtErrorKind::NoAuthorization, "Missing JWT")
}
