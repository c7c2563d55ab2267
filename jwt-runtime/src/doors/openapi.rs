//! [`JwtSecuritySchemes`]: how the doors take a token, told to an OpenAPI document (feature
//! `utoipa`).

use std::borrow::Cow;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Components, OpenApi};
use utoipa::Modify;

use crate::foundation::config::JwtConfig;

/// The security schemes of a protected API, for a [utoipa](https://docs.rs/utoipa) OpenAPI
/// document (feature `utoipa`): a [`Modify`] that adds them to the document's components.
///
/// Three schemes, named by the constants below for `security(...)` requirements:
///
/// * [`BEARER`](Self::BEARER): the token in the `Authorization: Bearer <JWT>` header (HTTP
///   bearer, format `JWT`). With another `JWT_HEADER_NAME` or `JWT_HEADER_TYPE`, an API key in
///   that header instead, described as `<type> <JWT>`.
/// * [`COOKIE`](Self::COOKIE): the access token in the `JWT_ACCESS_COOKIE_NAME` cookie.
/// * [`CSRF`](Self::CSRF): the double-submit CSRF token in the `JWT_ACCESS_CSRF_HEADER_NAME`
///   header, which cookie-authenticated requests of the CSRF-checked methods must send too
///   (`JWT_COOKIE_CSRF_PROTECT`).
///
/// A route taking the token from either place lists two alternatives, the cookie one with both
/// of its schemes (OpenAPI reads the schemes of one requirement as "all of these"):
///
/// ```
/// use actix_jwt_extended_runtime::{JwtConfig, JwtSecuritySchemes};
/// use utoipa::openapi::OpenApiBuilder;
/// use utoipa::Modify;
///
/// let mut doc = OpenApiBuilder::new().build();
/// JwtSecuritySchemes::new(&JwtConfig::default()).modify(&mut doc);
/// let schemes = &doc.components.unwrap().security_schemes;
/// assert!(schemes.contains_key(JwtSecuritySchemes::BEARER));
/// ```
///
/// On a route, with utoipa's `macros` feature:
/// `#[utoipa::path(get, path = "/protected", security(("jwt_bearer" = []), ("jwt_cookie" = [], "jwt_csrf" = [])))]`
/// (the `openapi` example of the repository serves such a document).
///
/// For the app's own names, call [`modify`](Modify::modify) on the document
/// `#[derive(OpenApi)]` built, with [`JwtSecuritySchemes::new`]`(jwt.config())`. For the
/// default names, `#[openapi(modifiers(&JWT_SCHEMES))]` works too, after
/// `const JWT_SCHEMES: JwtSecuritySchemes = JwtSecuritySchemes::DEFAULT;` (utoipa's
/// `modifiers` takes a name, not a path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSecuritySchemes {
    header_name: Cow<'static, str>,
    header_type: Cow<'static, str>,
    cookie_name: Cow<'static, str>,
    csrf_header_name: Cow<'static, str>,
}

impl JwtSecuritySchemes {
    /// The name of the header scheme (`Authorization: Bearer <JWT>` by default).
    pub const BEARER: &'static str = "jwt_bearer";
    /// The name of the access-cookie scheme.
    pub const COOKIE: &'static str = "jwt_cookie";
    /// The name of the CSRF-header scheme that goes with [`COOKIE`](Self::COOKIE).
    pub const CSRF: &'static str = "jwt_csrf";

    /// The schemes for Flask-JWT-Extended's default names: the `Authorization` header with
    /// type `Bearer`, the `access_token_cookie` cookie and the `X-CSRF-TOKEN` header.
    pub const DEFAULT: Self = Self {
        header_name: Cow::Borrowed("Authorization"),
        header_type: Cow::Borrowed("Bearer"),
        cookie_name: Cow::Borrowed("access_token_cookie"),
        csrf_header_name: Cow::Borrowed("X-CSRF-TOKEN"),
    };

    /// The schemes with the header, cookie and CSRF header names of `config`.
    pub fn new(config: &JwtConfig) -> Self {
        Self {
            header_name: config.header_name.clone().into(),
            header_type: config.header_type.clone().into(),
            cookie_name: config.access_cookie_name.clone().into(),
            csrf_header_name: config.access_csrf_header_name.clone().into(),
        }
    }

    /// The header scheme: HTTP bearer when the token comes as `Authorization: Bearer <JWT>`,
    /// else an API key in the configured header.
    fn header_scheme(&self) -> SecurityScheme {
        let standard = self.header_name.eq_ignore_ascii_case("authorization")
            && self.header_type.eq_ignore_ascii_case("bearer");
        if standard {
            return SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token: `Authorization: Bearer <JWT>`"))
                    .build(),
            );
        }
        let value = match self.header_type.is_empty() {
            true => "<JWT>".to_owned(),
            false => format!("{} <JWT>", self.header_type),
        };
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            self.header_name.to_string(),
            format!("An access token: `{}: {value}`", self.header_name),
        )))
    }
}

impl Default for JwtSecuritySchemes {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Modify for JwtSecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(Self::BEARER, self.header_scheme());
        components.add_security_scheme(
            Self::COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                self.cookie_name.to_string(),
                "An access token in a cookie (set by `set_access_cookies`)".to_owned(),
            ))),
        );
        components.add_security_scheme(
            Self::CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                self.csrf_header_name.to_string(),
                "The CSRF token of the access cookie (double submit), with the cookie on \
                 state-changing methods"
                    .to_owned(),
            ))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes(of: &JwtSecuritySchemes) -> serde_json::Value {
        let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
        of.modify(&mut doc);
        serde_json::to_value(&doc).unwrap()["components"]["securitySchemes"].clone()
    }

    #[test]
    fn default_names_are_flasks() {
        assert_eq!(
            JwtSecuritySchemes::default(),
            JwtSecuritySchemes::new(&JwtConfig::default())
        );
        let found = schemes(&JwtSecuritySchemes::DEFAULT);
        assert_eq!(found["jwt_bearer"]["type"], "http");
        assert_eq!(found["jwt_bearer"]["scheme"], "bearer");
        assert_eq!(found["jwt_bearer"]["bearerFormat"], "JWT");
        assert_eq!(found["jwt_cookie"]["type"], "apiKey");
        assert_eq!(found["jwt_cookie"]["in"], "cookie");
        assert_eq!(found["jwt_cookie"]["name"], "access_token_cookie");
        assert_eq!(found["jwt_csrf"]["in"], "header");
        assert_eq!(found["jwt_csrf"]["name"], "X-CSRF-TOKEN");
    }

    #[test]
    fn another_header_is_an_api_key() {
        let config = JwtConfig {
            header_name: "X-Token".into(),
            header_type: "JWT".into(),
            access_cookie_name: "session".into(),
            access_csrf_header_name: "X-XSRF".into(),
            ..JwtConfig::default()
        };
        let found = schemes(&JwtSecuritySchemes::new(&config));
        assert_eq!(found["jwt_bearer"]["type"], "apiKey");
        assert_eq!(found["jwt_bearer"]["in"], "header");
        assert_eq!(found["jwt_bearer"]["name"], "X-Token");
        assert_eq!(found["jwt_cookie"]["name"], "session");
        assert_eq!(found["jwt_csrf"]["name"], "X-XSRF");
    }
}
