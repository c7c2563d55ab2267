//! Layer 3, loaders: Flask-JWT-Extended's fifteen loader callbacks, each slot empty until the
//! app fills it (Flask's default applies then), their registration by attribute, the
//! compile-time checks of the attribute-registered functions, and the error responses the
//! response loaders replace.

pub(crate) mod callbacks;
pub(crate) mod checks;
pub(crate) mod registry;
pub(crate) mod responses;

/// Calls `$then! { rows }` with one row per loader of Flask-JWT-Extended: the one list of
/// them. A row holds the loader's docs, its Flask name, its [`registry::Loader`] variant, its
/// category (what it is given and returns, which decides its slot type, its builder method and
/// its checks), and the messages rustc shows when a function registered with its attribute has
/// the wrong types (literal strings, as `#[diagnostic::on_unimplemented]` wants them).
///
/// From it come the slots of [`callbacks::Callbacks`], the [`registry::Loader`] enum, a
/// module of [`checks`] per loader, and the manager builder's loader methods. The attributes
/// themselves are the macro crate's, which names each loader's checks module.
macro_rules! for_each_loader {
    ($then:ident) => {
        $then! {
            /// `user_identity_loader`: turns the identity given to `create_*_token` (as JSON) into
            /// the identity claim. Default: unchanged.
            user_identity_loader UserIdentity: Identity {
                message: "`#[user_identity_loader]` must return a value that implements `serde::Serialize`, found `{Self}`",
                label: "expected a `Serialize` value",
                note: "`#[user_identity_loader]` expects `fn(&serde_json::Value) -> impl Serialize`",
            }

            /// `additional_claims_loader`: claims added to every new token (a serde value that
            /// serialises to an object). Default: none.
            additional_claims_loader AdditionalClaims: AdditionalClaims {
                message: "`#[additional_claims_loader]` must return a value that implements `serde::Serialize`, found `{Self}`",
                label: "expected a `Serialize` struct or map",
                note: "`#[additional_claims_loader]` expects `fn(&serde_json::Value) -> impl Serialize`, returning a JSON object",
            }

            /// `additional_headers_loader`: JWT headers added to every new token. Default: none.
            additional_headers_loader AdditionalHeaders: AdditionalHeaders {
                message: "`#[additional_headers_loader]` must return a value that implements `serde::Serialize`, found `{Self}`",
                label: "expected a `Serialize` struct or map",
                note: "`#[additional_headers_loader]` expects `fn(&serde_json::Value) -> impl Serialize`, returning a JSON object",
            }

            /// `encode_key_loader`: the signing key for a new token of `identity`. Default: the
            /// configured secret or private key.
            encode_key_loader EncodeKey: EncodeKey {
                message: "`#[encode_key_loader]` must return `EncodingKey` or `Result<EncodingKey, E: Display>`, found `{Self}`",
                label: "expected `EncodingKey`",
                note: "`#[encode_key_loader]` expects `fn(&serde_json::Value) -> EncodingKey`",
            }

            /// `decode_key_loader`: the verification key for a token, given its unverified header and
            /// claims. Default: the configured secret or public key.
            decode_key_loader DecodeKey: DecodeKey {
                message: "`#[decode_key_loader]` must return `DecodingKey` or `Result<DecodingKey, E: Display>`, found `{Self}`",
                label: "expected `DecodingKey`",
                note: "`#[decode_key_loader]` expects `fn(&JwtHeader, &Claims) -> DecodingKey`",
            }

            /// `token_in_blocklist_loader`: whether a token is revoked (`true` → 401 "Token has been
            /// revoked"). Returning `Err` refuses the request (fail closed). Default: never revoked.
            token_in_blocklist_loader TokenInBlocklist: Check {
                message: "`#[token_in_blocklist_loader]` must return `bool` or `Result<bool, E: Display>`, found `{Self}`",
                label: "expected `bool`",
                note: "`#[token_in_blocklist_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> bool`",
            }

            /// `token_verification_loader`: custom checks of the claims (`false` → 400 "User claims
            /// verification failed"). Default: always passes.
            token_verification_loader TokenVerification: Check {
                message: "`#[token_verification_loader]` must return `bool` or `Result<bool, E: Display>`, found `{Self}`",
                label: "expected `bool`",
                note: "`#[token_verification_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> bool`",
            }

            /// `user_lookup_loader`: loads the user of a verified token; `None` → 401 "Error loading
            /// the user `<identity>`". Read it with `current_user::<U>()`.
            user_lookup_loader UserLookup: User {
                message: "`#[user_lookup_loader]` must return `Option<User>` or `Result<Option<User>, E: Display>`, found `{Self}`",
                label: "expected `Option<User>`",
                note: "`#[user_lookup_loader]` expects `async fn(&JwtHeader, &Claims, <extractors>...) -> Option<User>`, where `User: Send + Sync + 'static`",
            }

            /// `unauthorized_loader`: the response when no token is found or the CSRF check fails.
            /// Default: 401 `{"msg": <message>}`.
            unauthorized_loader Unauthorized: MessageResponse {
                message: "`#[unauthorized_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[unauthorized_loader]` expects `fn(&str) -> HttpResponse`",
            }

            /// `invalid_token_loader`: the response for a malformed or invalid token.
            /// Default: 422 `{"msg": <message>}`.
            invalid_token_loader InvalidToken: MessageResponse {
                message: "`#[invalid_token_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[invalid_token_loader]` expects `fn(&str) -> HttpResponse`",
            }

            /// `expired_token_loader`: the response for an expired token.
            /// Default: 401 `{"msg": "Token has expired"}`.
            expired_token_loader ExpiredToken: TokenResponse {
                message: "`#[expired_token_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[expired_token_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`",
            }

            /// `needs_fresh_token_loader`: the response when a fresh token is required.
            /// Default: 401 `{"msg": "Fresh token required"}`.
            needs_fresh_token_loader NeedsFreshToken: TokenResponse {
                message: "`#[needs_fresh_token_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[needs_fresh_token_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`",
            }

            /// `revoked_token_loader`: the response for a revoked token.
            /// Default: 401 `{"msg": "Token has been revoked"}`.
            revoked_token_loader RevokedToken: TokenResponse {
                message: "`#[revoked_token_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[revoked_token_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`",
            }

            /// `token_verification_failed_loader`: the response when the verification loader says no.
            /// Default: 400 `{"msg": "User claims verification failed"}`.
            token_verification_failed_loader TokenVerificationFailed: TokenResponse {
                message: "`#[token_verification_failed_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[token_verification_failed_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`",
            }

            /// `user_lookup_error_loader`: the response when the user loader finds no user.
            /// Default: 401 `{"msg": "Error loading the user <identity>"}`.
            user_lookup_error_loader UserLookupError: TokenResponse {
                message: "`#[user_lookup_error_loader]` must return `HttpResponse`, found `{Self}`",
                label: "expected `HttpResponse`",
                note: "`#[user_lookup_error_loader]` expects `fn(&JwtHeader, &Claims) -> HttpResponse`",
            }
        }
    };
}
pub(crate) use for_each_loader;
