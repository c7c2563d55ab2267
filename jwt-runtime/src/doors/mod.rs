//! Layer 7, the doors a request comes through, each running the one pipeline: the hidden
//! guard argument `#[jwt_required]` adds, the extractors (`Jwt`, `OptionalJwt`,
//! `CurrentUser`), the `JwtRequired` scope middleware; the cookie helpers on responses; the
//! OpenAPI security schemes (`openapi`, feature `utoipa`); and the `test` helpers that put
//! tokens into an app's test requests.

pub(crate) mod cookies;
pub(crate) mod current_user;
pub(crate) mod extract;
pub(crate) mod guard;
pub(crate) mod middleware;
#[cfg(feature = "utoipa")]
pub(crate) mod openapi;
pub mod test;
