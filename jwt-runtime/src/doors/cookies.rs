//! Cookie helpers: `set_access_cookies`, `set_refresh_cookies`, `unset_jwt_cookies`,
//! `unset_access_cookies`, `unset_refresh_cookies`, writing the same cookies (names, paths,
//! domain, `Secure`, `SameSite`, `HttpOnly`, lifetime) as Flask-JWT-Extended.

use std::time::Duration;

use actix_web::cookie::time::{Duration as CookieDuration, OffsetDateTime};
use actix_web::cookie::{Cookie, CookieBuilder};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::foundation::config::JwtConfig;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::manager::JwtManager;

/// Per-call overrides of the cookie helpers (Flask's `max_age` and `domain` arguments).
#[derive(Debug, Clone, Default)]
pub struct CookieOptions {
    /// Lifetime of the cookies; `None` = `JWT_SESSION_COOKIE` decides.
    pub max_age: Option<Duration>,
    /// `Domain` of the cookies; `None` = `JWT_COOKIE_DOMAIN`.
    pub domain: Option<String>,
}

#[derive(Clone, Copy)]
enum Kind {
    Access,
    Refresh,
}

impl JwtManager {
    /// The cookies `set_access_cookies` writes: the token (HttpOnly) and, with CSRF protection
    /// and `JWT_CSRF_IN_COOKIES`, the JS-readable `csrf_access_token` holding its `csrf` claim.
    pub fn access_cookies(
        &self,
        token: &str,
        options: &CookieOptions,
    ) -> Result<Vec<Cookie<'static>>, JwtError> {
        self.token_cookies(Kind::Access, token, options)
    }

    /// The cookies `set_refresh_cookies` writes.
    pub fn refresh_cookies(
        &self,
        token: &str,
        options: &CookieOptions,
    ) -> Result<Vec<Cookie<'static>>, JwtError> {
        self.token_cookies(Kind::Refresh, token, options)
    }

    /// The expired cookies `unset_access_cookies` writes.
    pub fn unset_access_cookie_list(&self, domain: Option<&str>) -> Vec<Cookie<'static>> {
        self.removal_cookies(Kind::Access, domain)
    }

    /// The expired cookies `unset_refresh_cookies` writes.
    pub fn unset_refresh_cookie_list(&self, domain: Option<&str>) -> Vec<Cookie<'static>> {
        self.removal_cookies(Kind::Refresh, domain)
    }

    fn token_cookies(
        &self,
        kind: Kind,
        token: &str,
        options: &CookieOptions,
    ) -> Result<Vec<Cookie<'static>>, JwtError> {
        let config = self.config();
        let (name, path, csrf_name, csrf_path) = names(config, kind);
        let lifetime = options
            .max_age
            .filter(|d| !d.is_zero())
            .or(config.cookie_max_age());
        let domain = options
            .domain
            .as_deref()
            .or(config.cookie_domain.as_deref());
        let mut cookies = vec![with_attributes(
            Cookie::build(name.to_owned(), token.to_owned()).http_only(true),
            config,
            path,
            domain,
            lifetime,
        )];
        if config.cookie_csrf_protect && config.csrf_in_cookies {
            let csrf = self
                .decode_token(token, false)?
                .csrf()
                .map(str::to_owned)
                .ok_or_else(|| JwtError::new(JwtErrorKind::Decode, "Missing claim: csrf"))?;
            cookies.push(with_attributes(
                Cookie::build(csrf_name.to_owned(), csrf).http_only(false),
                config,
                csrf_path,
                domain,
                lifetime,
            ));
        }
        Ok(cookies)
    }

    fn removal_cookies(&self, kind: Kind, domain: Option<&str>) -> Vec<Cookie<'static>> {
        let config = self.config();
        let (name, path, csrf_name, csrf_path) = names(config, kind);
        let domain = domain.or(config.cookie_domain.as_deref());
        let mut cookies = vec![expired(
            Cookie::build(name.to_owned(), "").http_only(true),
            config,
            path,
            domain,
        )];
        if config.cookie_csrf_protect && config.csrf_in_cookies {
            cookies.push(expired(
                Cookie::build(csrf_name.to_owned(), "").http_only(false),
                config,
                csrf_path,
                domain,
            ));
        }
        cookies
    }
}

fn names(config: &JwtConfig, kind: Kind) -> (&str, &str, &str, &str) {
    match kind {
        Kind::Access => (
            &config.access_cookie_name,
            &config.access_cookie_path,
            &config.access_csrf_cookie_name,
            &config.access_csrf_cookie_path,
        ),
        Kind::Refresh => (
            &config.refresh_cookie_name,
            &config.refresh_cookie_path,
            &config.refresh_csrf_cookie_name,
            &config.refresh_csrf_cookie_path,
        ),
    }
}

fn common(
    mut cookie: CookieBuilder<'static>,
    config: &JwtConfig,
    path: &str,
    domain: Option<&str>,
) -> CookieBuilder<'static> {
    cookie = cookie.path(path.to_owned()).secure(config.cookie_secure);
    if let Some(domain) = domain {
        // As Werkzeug does, a leading dot is dropped.
        cookie = cookie.domain(domain.trim_start_matches('.').to_owned());
    }
    if let Some(same_site) = config.cookie_samesite {
        cookie = cookie.same_site(same_site);
    }
    cookie
}

fn with_attributes(
    cookie: CookieBuilder<'static>,
    config: &JwtConfig,
    path: &str,
    domain: Option<&str>,
    lifetime: Option<Duration>,
) -> Cookie<'static> {
    let mut cookie = common(cookie, config, path, domain);
    if let Some(lifetime) = lifetime {
        let max_age =
            CookieDuration::seconds(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
        cookie = cookie
            .max_age(max_age)
            .expires(OffsetDateTime::now_utc().saturating_add(max_age));
    }
    cookie.finish()
}

fn expired(
    cookie: CookieBuilder<'static>,
    config: &JwtConfig,
    path: &str,
    domain: Option<&str>,
) -> Cookie<'static> {
    common(cookie, config, path, domain)
        .max_age(CookieDuration::ZERO)
        .expires(OffsetDateTime::UNIX_EPOCH)
        .finish()
}

/// The cookie helpers on actix responses and response builders, using the current request's
/// manager (the app must be wrapped with one; inside a verified request it is the manager that
/// verified it, see [`JwtManager::current`]).
///
/// ```no_run
/// use actix_web::HttpResponse;
/// use actix_jwt_extended::{create_access_token, JwtCookies, JwtError};
///
/// async fn login() -> Result<HttpResponse, JwtError> {
///     let token = create_access_token("ann").finish()?;
///     let mut response = HttpResponse::Ok();
///     response.set_access_cookies(&token)?;
///     Ok(response.json(serde_json::json!({"login": true})))
/// }
/// ```
pub trait JwtCookies {
    /// Adds one `Set-Cookie`.
    fn add_jwt_cookie(&mut self, cookie: Cookie<'static>) -> Result<(), JwtError>;

    /// Flask's `set_access_cookies(response, token)`.
    fn set_access_cookies(&mut self, token: &str) -> Result<&mut Self, JwtError> {
        self.set_access_cookies_with(token, &CookieOptions::default())
    }

    /// Flask's `set_access_cookies(response, token, max_age, domain)`.
    fn set_access_cookies_with(
        &mut self,
        token: &str,
        options: &CookieOptions,
    ) -> Result<&mut Self, JwtError> {
        let cookies = JwtManager::current_or_error()?.access_cookies(token, options)?;
        self.add_all(cookies)
    }

    /// Flask's `set_refresh_cookies(response, token)`.
    fn set_refresh_cookies(&mut self, token: &str) -> Result<&mut Self, JwtError> {
        self.set_refresh_cookies_with(token, &CookieOptions::default())
    }

    /// Flask's `set_refresh_cookies(response, token, max_age, domain)`.
    fn set_refresh_cookies_with(
        &mut self,
        token: &str,
        options: &CookieOptions,
    ) -> Result<&mut Self, JwtError> {
        let cookies = JwtManager::current_or_error()?.refresh_cookies(token, options)?;
        self.add_all(cookies)
    }

    /// Flask's `unset_access_cookies(response, domain)`.
    fn unset_access_cookies(&mut self, domain: Option<&str>) -> Result<&mut Self, JwtError> {
        let cookies = JwtManager::current_or_error()?.unset_access_cookie_list(domain);
        self.add_all(cookies)
    }

    /// Flask's `unset_refresh_cookies(response, domain)`.
    fn unset_refresh_cookies(&mut self, domain: Option<&str>) -> Result<&mut Self, JwtError> {
        let cookies = JwtManager::current_or_error()?.unset_refresh_cookie_list(domain);
        self.add_all(cookies)
    }

    /// Flask's `unset_jwt_cookies(response, domain)`: access and refresh cookies.
    fn unset_jwt_cookies(&mut self, domain: Option<&str>) -> Result<&mut Self, JwtError> {
        self.unset_access_cookies(domain)?;
        self.unset_refresh_cookies(domain)
    }

    #[doc(hidden)]
    fn add_all(&mut self, cookies: Vec<Cookie<'static>>) -> Result<&mut Self, JwtError> {
        for cookie in cookies {
            self.add_jwt_cookie(cookie)?;
        }
        Ok(self)
    }
}

impl JwtCookies for HttpResponseBuilder {
    fn add_jwt_cookie(&mut self, cookie: Cookie<'static>) -> Result<(), JwtError> {
        self.cookie(cookie);
        Ok(())
    }
}

impl<B> JwtCookies for HttpResponse<B> {
    fn add_jwt_cookie(&mut self, cookie: Cookie<'static>) -> Result<(), JwtError> {
        self.add_cookie(&cookie)
            .map_err(|e| JwtError::internal(format!("cannot set cookie: {e}")))
    }
}
