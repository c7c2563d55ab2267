//! Extractors: the actix-native door to the same pipeline as `#[jwt_required]`.
//!
//! A handler's signature states what it accepts: `Jwt` (an access token), `Jwt<FreshAccess>`,
//! `Jwt<Refresh>`, `Jwt<AnyToken>` (no type check), and `OptionalJwt<..>` for routes that
//! also serve anonymous requests.
//!
//! `Jwt<K, C>` also reads the claims as your own type `C` (deserialized once per request).
//!
//! The extractors hand the token to the handler as an argument; with the app wrapped in the
//! manager (`.wrap(jwt)`), `get_jwt()` and friends see it too. Doors of one request share one
//! verification: a second extractor, or one under `JwtRequired`, runs only the checks its
//! options add. Put them before body extractors (`web::Json<T>`): a token in the JSON body can only be read
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
use serde::de::DeserializeOwned;

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::config::TokenLocation;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::request::context::{user_of, RequestContext, VerifiedJwt};
use crate::request::options::VerifyOptions;
use crate::request::pipeline::start_verification;

/// What a token must be for an extractor: its `@jwt_required` options.
pub trait TokenRequirement: 'static {
    /// The options the pipeline runs with.
    const OPTIONS: VerifyOptions;
}

/// A non-refresh (access) token: `@jwt_required()`.
#[derive(Debug)]
pub struct Access;
/// A fresh access token: `@jwt_required(fresh=True)`.
#[derive(Debug)]
pub struct FreshAccess;
/// A refresh token: `@jwt_required(refresh=True)`.
#[derive(Debug)]
pub struct Refresh;
/// Any token type: `@jwt_required(verify_type=False)`.
#[derive(Debug)]
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

/// A verified token of kind `K`, extracted from the request, with its claims as `C`; it
/// dereferences to them. `C` is the [`Claims`] map unless you name your own type, which is
/// deserialized once per request (shared with [`get_jwt_as`](crate::get_jwt_as)); a token whose
/// claims do not fit `C` is refused with 422 and a message naming the claim. OPTIONS requests are verified like any other; when the manager exempts them
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
///
/// With a claims type of your own:
///
/// ```no_run
/// use actix_web::{get, HttpResponse};
/// use actix_jwt_extended::{Access, Jwt};
///
/// #[derive(serde::Deserialize)]
/// struct MyClaims {
///     sub: String,
///     roles: Vec<String>,
/// }
///
/// #[get("/admin")]
/// async fn admin(jwt: Jwt<Access, MyClaims>) -> HttpResponse {
///     match jwt.roles.iter().any(|role| role == "admin") {
///         true => HttpResponse::Ok().json(serde_json::json!({ "admin": jwt.sub })),
///         false => HttpResponse::Forbidden().finish(),
///     }
/// }
/// ```
pub struct Jwt<K = Access, C = Claims> {
    jwt: VerifiedJwt,
    typed: Arc<C>,
    kind: PhantomData<K>,
}

// Neither bound on `K` nor on `C`: what is shown is the verified token's own debug form (its
// location and `jti`), never the claims, which may carry personal data.
impl<K, C> std::fmt::Debug for Jwt<K, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Jwt").field(&self.jwt).finish()
    }
}

impl<K, C> Jwt<K, C> {
    /// The token's header.
    pub fn header(&self) -> &JwtHeader {
        &self.jwt.header
    }

    /// The token's claims, as the JSON map (also with a claims type of your own).
    pub fn claims(&self) -> &Claims {
        &self.jwt.claims
    }

    /// The claims as `C`, shared with the request's other readers.
    pub fn typed_claims(&self) -> Arc<C> {
        Arc::clone(&self.typed)
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

impl<K, C> Deref for Jwt<K, C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.typed
    }
}

impl<K, C> Jwt<K, C>
where
    C: DeserializeOwned + Send + Sync + 'static,
{
    /// The token of a verified context, with its claims as `C`; `None` when it holds no token.
    fn from_context(context: &RequestContext) -> Option<Result<Self, JwtError>> {
        let jwt = context.jwt.as_ref()?;
        Some(match context.claims_as::<C>() {
            Ok(typed) => Ok(Jwt {
                jwt: jwt.clone(),
                typed,
                kind: PhantomData,
            }),
            Err(e) => Err(e.with_manager(&context.manager)),
        })
    }
}

impl<K, C> crate::loaders::checks::Door for Jwt<K, C> {}
impl<K, C> crate::loaders::checks::Door for OptionalJwt<K, C> {}

impl<K, C> FromRequest for Jwt<K, C>
where
    K: TokenRequirement,
    C: DeserializeOwned + Send + Sync + 'static,
{
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, K::OPTIONS, |context| {
            // Only an OPTIONS request the manager exempts passes with no token.
            Self::from_context(&context)
                .unwrap_or_else(|| Err(missing().with_manager(&context.manager)))
        })
    }
}

/// A verified token of kind `K`, or `None` when the request carries no token at all
/// (`@jwt_required(optional=True)`): any other failure (expired, invalid, wrong type) is
/// still refused.
pub struct OptionalJwt<K = Access, C = Claims> {
    jwt: Option<Jwt<K, C>>,
}

impl<K, C> std::fmt::Debug for OptionalJwt<K, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OptionalJwt").field(&self.jwt).finish()
    }
}

impl<K, C> OptionalJwt<K, C> {
    /// The token, when the request carried one.
    pub fn as_ref(&self) -> Option<&Jwt<K, C>> {
        self.jwt.as_ref()
    }

    /// The token, when the request carried one.
    pub fn into_inner(self) -> Option<Jwt<K, C>> {
        self.jwt
    }
}

impl<K, C> FromRequest for OptionalJwt<K, C>
where
    K: TokenRequirement,
    C: DeserializeOwned + Send + Sync + 'static,
{
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, K::OPTIONS.optional(), |context| {
            let jwt = Jwt::from_context(&context).transpose()?;
            Ok(OptionalJwt { jwt })
        })
    }
}

fn missing() -> JwtError {
    JwtError::new(JwtErrorKind::NoAuthorization, "Missing JWT")
}
