//! `CurrentUser<U>`: the user the `user_lookup_loader` loaded, as a handler argument (the
//! extractor form of Flask's `current_user`).

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::request::context::{user_of, VerifiedJwt};
use crate::request::options::VerifyOptions;
use crate::request::pipeline::start_verification;

/// The user of a verified access token, loaded by the `user_lookup_loader`: what
/// `current_user::<U>()` returns inside a `#[jwt_required]` handler, as an extractor.
///
/// It runs the same verification as `#[jwt_required]` with the default options (an access
/// token, from the configured locations), then the user lookup; the handler runs only when
/// both pass. It dereferences to the user.
///
/// Errors, each a [`JwtError`] rendered by the manager's loaders: every verification failure
/// as with `#[jwt_required]` (no user found is Flask's 401 "Error loading the user
/// `<identity>`" through the `user_lookup_error_loader`); no `user_lookup_loader` registered,
/// or one that returns another type than `U`, is a 500 (kinds `NoUserLookupLoader` and
/// `WrongUserType`), never a panic. OPTIONS requests are verified like any other; when the
/// manager exempts them (`exempt_options(true)`, Flask's behaviour) they are refused (401): the
/// extractor cannot hold a user it has not loaded.
///
/// With the app wrapped in the manager (`.wrap(jwt)`), `get_jwt()` and friends see the token
/// in the handler too; [`CurrentUser::claims`] works everywhere. Beside a [`Jwt`](crate::Jwt)
/// extractor or under `JwtRequired`, the request is verified and the user loaded once.
///
/// ```no_run
/// use actix_web::{get, HttpResponse};
/// use actix_jwt_extended::CurrentUser;
///
/// struct User { id: i64, username: String }
///
/// #[get("/who_am_i")]
/// async fn who_am_i(user: CurrentUser<User>) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "id": user.id, "username": user.username }))
/// }
/// ```
pub struct CurrentUser<U> {
    user: Arc<U>,
    jwt: VerifiedJwt,
}

impl<U> CurrentUser<U> {
    /// The user, shared with the request's other readers.
    pub fn into_inner(self) -> Arc<U> {
        self.user
    }

    /// The claims of the token the user was loaded for.
    pub fn claims(&self) -> &Claims {
        &self.jwt.claims
    }

    /// The header of the token the user was loaded for.
    pub fn header(&self) -> &JwtHeader {
        &self.jwt.header
    }

    /// The verified token the user was loaded for.
    pub fn jwt(&self) -> &VerifiedJwt {
        &self.jwt
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;
    fn deref(&self) -> &U {
        &self.user
    }
}

impl<U> Clone for CurrentUser<U> {
    fn clone(&self) -> Self {
        Self {
            user: Arc::clone(&self.user),
            jwt: self.jwt.clone(),
        }
    }
}

impl<U: std::fmt::Debug> std::fmt::Debug for CurrentUser<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CurrentUser").field(&self.user).finish()
    }
}

impl<U> crate::loaders::checks::Door for CurrentUser<U> {}

impl<U: Send + Sync + 'static> FromRequest for CurrentUser<U> {
    type Error = JwtError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, JwtError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        start_verification(req, payload, VerifyOptions::new(), |context| {
            // Only an OPTIONS request the manager exempts passes with no token.
            let Some(jwt) = context.jwt.clone() else {
                return Err(JwtError::new(JwtErrorKind::NoAuthorization, "Missing JWT")
                    .with_manager(&context.manager));
            };
            match user_of::<U>(&jwt) {
                Ok(user) => Ok(CurrentUser { user, jwt }),
                Err(e) => Err(e.with_manager(&context.manager)),
            }
        })
    }
}
