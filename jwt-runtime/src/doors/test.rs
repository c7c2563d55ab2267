//! Helpers for testing an app protected by this crate, with `actix_web::test`: put a token in a
//! [`TestRequest`] where the app's [`JwtManager`] looks for it, and mint the tokens a test needs
//! without a server or a login route.
//!
//! Tokens are minted with the manager's own builders, which take every variant a test needs:
//!
//! | Token | Builder |
//! |---|---|
//! | access, not fresh | `jwt.create_access_token("alice")` |
//! | fresh | `.fresh(true)` |
//! | refresh | `jwt.create_refresh_token("alice")` |
//! | chosen claims | `.additional_claims(json!({"role": "admin"}))` or `.claim("role", "admin")` |
//! | expired | [`.expired()`](TestTokenBuilder::expired) (this module) |
//!
//! and [`JwtTestRequest`] adds them to a request: as the `Authorization` header, or as the
//! cookies plus the CSRF header of Flask-JWT-Extended's double submit.
//!
//! ```
//! use actix_jwt_extended::test::{JwtTestRequest, TestTokenBuilder};
//! use actix_jwt_extended::{JwtConfig, JwtManager};
//! use actix_web::test::TestRequest;
//!
//! let jwt = JwtManager::new(JwtConfig { secret_key: Some("test".into()), ..Default::default() })?;
//! let token = jwt.create_access_token("alice").claim("role", "admin").finish()?;
//! let request = TestRequest::get().uri("/admin").with_jwt_header(&jwt, &token);
//! let expired = jwt.create_access_token("alice").expired().finish()?;
//! let request = TestRequest::post().uri("/admin").with_jwt_cookies(&jwt, &expired)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;

use crate::foundation::error::JwtError;
use crate::manager::token_functions::TokenBuilder;
use crate::manager::JwtManager;

/// Puts a token into an `actix_web::test::TestRequest` where a [`JwtManager`] looks for it.
pub trait JwtTestRequest: Sized {
    /// `Authorization: Bearer <token>`, Flask-JWT-Extended's default header.
    fn with_bearer(self, token: &str) -> Self;

    /// The token in the header `jwt` reads (`JWT_HEADER_NAME`, `JWT_HEADER_TYPE`).
    fn with_jwt_header(self, jwt: &JwtManager, token: &str) -> Self;

    /// The token as the access or refresh cookie (by its type), plus the CSRF header with the
    /// token's `csrf` claim when `JWT_COOKIE_CSRF_PROTECT` is on, as a browser that read the
    /// CSRF cookie sends them. Fails when the token does not decode with `jwt` (an expired one
    /// does).
    fn with_jwt_cookies(self, jwt: &JwtManager, token: &str) -> Result<Self, JwtError>;
}

impl JwtTestRequest for TestRequest {
    fn with_bearer(self, token: &str) -> Self {
        self.insert_header(("Authorization", format!("Bearer {token}")))
    }

    fn with_jwt_header(self, jwt: &JwtManager, token: &str) -> Self {
        let config = jwt.config();
        let value = match config.header_type.as_str() {
            "" => token.to_owned(),
            kind => format!("{kind} {token}"),
        };
        self.insert_header((config.header_name.as_str(), value))
    }

    fn with_jwt_cookies(self, jwt: &JwtManager, token: &str) -> Result<Self, JwtError> {
        let config = jwt.config();
        let claims = jwt.decode_token(token, true)?;
        let (cookie, csrf_header) = match claims.is_refresh() {
            true => (
                &config.refresh_cookie_name,
                &config.refresh_csrf_header_name,
            ),
            false => (&config.access_cookie_name, &config.access_csrf_header_name),
        };
        let request = self.cookie(Cookie::new(cookie.clone(), token.to_owned()));
        Ok(match claims.csrf() {
            Some(csrf) if config.cookie_csrf_protect => {
                request.insert_header((csrf_header.as_str(), csrf.to_owned()))
            }
            _ => request,
        })
    }
}

/// Token variants for tests, on the builders of `create_access_token` and
/// `create_refresh_token`.
pub trait TestTokenBuilder {
    /// A token that expired an hour ago (issued now): the app answers 401 "Token has expired".
    #[must_use]
    fn expired(self) -> Self;
}

impl TestTokenBuilder for TokenBuilder {
    fn expired(self) -> Self {
        self.expires_at(SystemTime::now() - Duration::from_secs(3600))
    }
}
