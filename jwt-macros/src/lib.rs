//! Attribute macros of `actix-jwt-extended`. Use them through the `actix_jwt_extended` crate,
//! which re-exports them; the code they generate reaches the runtime only through it.

mod errors;
mod jwt_required;

use proc_macro::TokenStream;

/// Protects an actix-web handler: the request must carry a valid JWT, as with
/// Flask-JWT-Extended's `@jwt_required()`.
///
/// The handler runs only once the token is found and verified (type, freshness, revocation,
/// your verification and user lookup loaders). Inside it — and in everything it awaits —
/// `get_jwt()`, `get_jwt_identity()`, `get_jwt_header()`, `get_jwt_request_location()` and
/// `current_user()` read that token. When verification fails the handler does not run and the
/// response is the matching loader's (Flask's 401 / 422 `{"msg": ...}` by default).
///
/// ```ignore
/// use actix_jwt_extended::{get_jwt_identity, jwt_required};
/// use actix_web::{get, HttpResponse, Responder};
///
/// #[get("/protected")]
/// #[jwt_required]
/// async fn protected() -> impl Responder {
///     HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": get_jwt_identity() }))
/// }
/// ```
///
/// # Options
///
/// `#[jwt_required]` and `#[jwt_required()]` are the same. Options are Flask-JWT-Extended's
/// keyword arguments of `jwt_required`; flags are bare words, and each option may be given once.
///
/// | Option | Flask | Effect |
/// |---|---|---|
/// | `optional` | `optional=True` | A request without a token still runs the handler, with an empty context (`get_jwt()` is empty, `get_jwt_identity()` is `None`). An invalid token is still rejected. |
/// | `fresh` | `fresh=True` | Requires a fresh access token. |
/// | `refresh` | `refresh=True` | Requires a refresh token instead of an access token. |
/// | `locations = "cookies"` or `locations = ["headers", "json"]` | `locations=[...]` | Where to look for the token, in this order, instead of `JWT_TOKEN_LOCATION`. Names: `headers`, `cookies`, `query_string`, `json`; at least one, each once. |
/// | `verify_type = false` | `verify_type=False` | Accepts either token type. Default `true`. |
/// | `skip_revocation_check` | `skip_revocation_check=True` | Does not call the `token_in_blocklist` loader. |
/// | `crate = path` | — | Where generated code finds the `actix_jwt_extended` crate, if you renamed or re-exported it. Also accepted as a string: `crate = "path"`. |
///
/// ```ignore
/// #[post("/refresh")]
/// #[jwt_required(refresh)]
/// async fn refresh() -> Result<HttpResponse, JwtError> { /* ... */ }
///
/// #[jwt_required(optional, locations = ["headers", "cookies"], skip_revocation_check)]
/// async fn greet(name: web::Path<String>) -> impl Responder { /* ... */ }
///
/// use actix_jwt_extended as jwt;
/// #[jwt_required(fresh, crate = jwt)]
/// async fn change_password(body: web::Json<Password>) -> impl Responder { /* ... */ }
/// ```
///
/// Every misuse is a compile error pointing at the culprit: an unknown or repeated option, an
/// unknown or repeated location, an empty `locations` list, a value given to a flag or missing
/// from a valued option, a value of the wrong kind, and the attribute on something other than an
/// `async fn`.
///
/// `fresh` together with `refresh` is rejected too: Flask-JWT-Extended accepts the pair, but no
/// request can pass it, since a refresh token is never fresh.
///
/// # What it does to the handler
///
/// It adds one hidden extractor argument before yours, which verifies the token, and runs the
/// body inside a task-local JWT context:
///
/// ```text
/// async fn handler(__jwt_guard: JwtGuard<..>, your: Args) -> R {
///     __jwt_guard.scope(async move { /* your body */ }).await
/// }
/// ```
///
/// Everything else stays as you wrote it: attributes, docs, generics, where clause, argument
/// patterns, return type, inner attributes and spans, so errors in the body point at your code.
/// Hence:
///
/// - It works above or below `#[get]`, `#[post]`, `#[route]`, ..., and with
///   `web::resource("/").to(handler)`.
/// - The hidden argument takes one of the 16 arguments actix allows a handler: a handler that
///   already has 16 arguments no longer compiles; group some of them in a tuple extractor.
/// - The context lives in the handler's future: a task started with `tokio::spawn` or
///   `actix_web::rt::spawn` does not see it; read what you need first and move it in.
/// - The handler must be an `async fn`, not a method taking `self`.
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    jwt_required::jwt_required(args.into(), item.into()).into()
}
