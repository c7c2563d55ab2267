//! `JwtConfig`: every `JWT_*` option of Flask-JWT-Extended, typed, with Flask's defaults.

mod deserialize;
mod options;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
pub use jsonwebtoken::Algorithm;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::foundation::error::ConfigError;

/// Where a token may be found in a request (`JWT_TOKEN_LOCATION` entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenLocation {
    /// A request header, `Authorization: Bearer <JWT>` by default.
    Headers,
    /// A cookie, with the CSRF double-submit check on state-changing methods.
    Cookies,
    /// A query-string parameter, `?jwt=<JWT>` by default.
    QueryString,
    /// A key of a JSON request body, `{"access_token": "<JWT>"}` by default.
    Json,
}

impl TokenLocation {
    /// Every location, in Flask's documentation order.
    pub const ALL: [TokenLocation; 4] = [
        TokenLocation::Headers,
        TokenLocation::Cookies,
        TokenLocation::QueryString,
        TokenLocation::Json,
    ];

    /// Flask's name of the location: `headers`, `cookies`, `query_string` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenLocation::Headers => "headers",
            TokenLocation::Cookies => "cookies",
            TokenLocation::QueryString => "query_string",
            TokenLocation::Json => "json",
        }
    }
}

impl fmt::Display for TokenLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenLocation {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        TokenLocation::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                ConfigError::new(
                    "JWT_TOKEN_LOCATION",
                    format!(
                        "unknown location `{s}`, expected one of: `headers`, `cookies`, `query_string`, `json`"
                    ),
                )
            })
    }
}

/// An `aud` value written into new tokens (`JWT_ENCODE_AUDIENCE`): one string or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Written as a JSON string.
    One(String),
    /// Written as a JSON array.
    Many(Vec<String>),
}

impl Audience {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Audience::One(aud) => aud.as_str().into(),
            Audience::Many(auds) => auds.clone().into(),
        }
    }
}

/// A secret (an HMAC key, a private key's PEM) that never shows in `Debug` output and is wiped
/// from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret {}

impl Secret {
    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<T: Into<Vec<u8>>> From<T> for Secret {
    fn from(bytes: T) -> Self {
        Secret(bytes.into())
    }
}

/// Every `JWT_*` option of Flask-JWT-Extended 4.7 as a typed field, with the same default.
///
/// Build it with struct-update syntax, [`JwtConfig::from_env`] or from a config file (see
/// [below](#from-a-config-file)); it is checked when the
/// [`JwtManager`](crate::JwtManager) is built, so a value that cannot work is a
/// [`ConfigError`] at start-up, never at the first request.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::{JwtConfig, TokenLocation};
///
/// let config = JwtConfig {
///     secret_key: Some("change me".into()),
///     access_token_expires: Some(Duration::from_secs(3600)),
///     token_location: vec![TokenLocation::Headers, TokenLocation::Cookies],
///     ..JwtConfig::default()
/// };
/// assert_eq!(config.header_type, "Bearer");
/// ```
///
/// # From a config file
///
/// `JwtConfig` deserializes from a map of Flask's option names, through any serde format (JSON,
/// TOML, YAML) or a config crate (`config`, `figment`), so the file a Flask app keeps its
/// `JWT_*` options in reads unchanged:
///
/// ```toml
/// JWT_SECRET_KEY = "change me"
/// JWT_ACCESS_TOKEN_EXPIRES = 3600
/// JWT_REFRESH_TOKEN_EXPIRES = false
/// JWT_TOKEN_LOCATION = ["headers", "cookies"]
/// JWT_COOKIE_SECURE = true
/// JWT_COOKIE_SAMESITE = "Strict"
/// DATABASE_URL = "postgres://localhost/app"
/// ```
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::{JwtConfig, TokenLocation};
///
/// let config: JwtConfig = serde_json::from_str(r#"{
///     "JWT_SECRET_KEY": "change me",
///     "JWT_ACCESS_TOKEN_EXPIRES": 3600,
///     "JWT_REFRESH_TOKEN_EXPIRES": false,
///     "JWT_TOKEN_LOCATION": ["headers", "cookies"],
///     "JWT_COOKIE_SECURE": true,
///     "JWT_COOKIE_SAMESITE": "Strict",
///     "DATABASE_URL": "postgres://localhost/app"
/// }"#)?;
/// assert_eq!(config.access_token_expires, Some(Duration::from_secs(3600)));
/// assert_eq!(config.refresh_token_expires, None);
/// assert_eq!(config.token_location, [TokenLocation::Headers, TokenLocation::Cookies]);
/// assert_eq!(config.header_type, "Bearer"); // not given: Flask's default
///
/// // A typo in an option is an error, never a silent default.
/// let err = serde_json::from_str::<JwtConfig>(r#"{"JWT_COOKIE_SECUR": true}"#).unwrap_err();
/// assert!(err.to_string().contains("did you mean `JWT_COOKIE_SECURE`?"), "{err}");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// - **Keys** are the options [`JwtConfig::from_env`] reads, `JWT_SECRET_KEY` to
///   `JWT_REFRESH_JSON_KEY` (each field's doc names its own), with `JWT_PRIVATE_KEY_FILE` and
///   `JWT_PUBLIC_KEY_FILE` (PEM files, read while deserializing). ASCII case is ignored, as the
///   `config` crate and figment's environment provider lowercase keys. The Rust field names
///   (`secret_key`) are not keys.
/// - **A missing key** keeps Flask's default, as in [`JwtConfig::default`].
/// - **A key that starts with `JWT_`** but is no option is an error naming it: a misspelt
///   `JWT_COOKIE_SECURE` must not leave cookies insecure. An option given twice (as
///   `JWT_SECRET_KEY` and `jwt_secret_key`) is an error too.
/// - **Any other key is ignored**, so an app can hand over its whole config file. That is also
///   why field names are not accepted: an app's own `secret_key` (a session secret) must not
///   become the token secret.
/// - **Values** are written as in Flask: durations in whole seconds, `false` for a lifetime
///   that never ends (`JWT_ACCESS_TOKEN_EXPIRES = false`; null is refused there, so an empty
///   value cannot make tokens immortal); booleans; lists as a list or one string
///   (`"headers"`, `["headers", "cookies"]`); audiences as a string or a list; algorithms and
///   methods by name; `JWT_COOKIE_SAMESITE` as `"Strict"`, `"Lax"`, `"None"`, or null for no
///   attribute; null for any option whose field is an `Option`. A string in
///   [`JwtConfig::from_env`]'s format is accepted for every option too (`"3600"`,
///   `"headers, cookies"`), as config crates give environment overrides as text.
/// - **A bad value** is an error with the words of [`ConfigError`], naming the option:
///   `invalid JWT_ACCESS_TOKEN_EXPIRES: ...`. The result is checked, as from `from_env`, when
///   the [`JwtManager`](crate::JwtManager) is built.
///
/// The format must describe its values (JSON, TOML, YAML and the config crates do; bincode
/// does not), since an option may take several shapes.
///
/// A secret's text is moved into its [`Secret`]; text that is refused or left unread is wiped.
/// What the format itself holds (the file's text, a `serde_json::Value`) is the caller's to wipe.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtConfig {
    /// `JWT_ACCESS_TOKEN_EXPIRES`: lifetime of access tokens; `None` writes no `exp` (never expires). 15 minutes.
    /// At most [`JwtConfig::MAX_LIFETIME`].
    pub access_token_expires: Option<Duration>,
    /// `JWT_REFRESH_TOKEN_EXPIRES`: lifetime of refresh tokens; `None` = never. 30 days. At most
    /// [`JwtConfig::MAX_LIFETIME`].
    pub refresh_token_expires: Option<Duration>,
    /// `JWT_ALGORITHM`: signing algorithm. HS256.
    pub algorithm: Algorithm,
    /// `JWT_DECODE_ALGORITHMS`: algorithms accepted when decoding; empty = `[algorithm]`, and
    /// `algorithm` is always added (see [`JwtConfig::effective_decode_algorithms`]).
    pub decode_algorithms: Vec<Algorithm>,
    /// `JWT_SECRET_KEY`: HMAC secret for the HS* algorithms.
    pub secret_key: Option<Secret>,
    /// `JWT_PRIVATE_KEY`: PEM key that signs with asymmetric algorithms.
    pub private_key: Option<Secret>,
    /// `JWT_PUBLIC_KEY`: PEM key that verifies asymmetric signatures.
    pub public_key: Option<String>,
    /// `JWT_DECODE_AUDIENCE`: accepted `aud` values; `None` = `aud` not checked at all.
    pub decode_audience: Option<Vec<String>>,
    /// `JWT_ENCODE_AUDIENCE`: `aud` written into new tokens.
    pub encode_audience: Option<Audience>,
    /// `JWT_DECODE_ISSUER`: the required `iss` (exact match); `None` = not checked.
    pub decode_issuer: Option<String>,
    /// `JWT_ENCODE_ISSUER`: `iss` written into new tokens.
    pub encode_issuer: Option<String>,
    /// `JWT_DECODE_LEEWAY`: clock skew allowed for `exp`, `nbf` and `iat` (not for `fresh`). 0 s.
    /// At most [`JwtConfig::MAX_LIFETIME`].
    pub decode_leeway: Duration,
    /// `JWT_ENCODE_NBF`: whether new tokens get `nbf` (= `iat`). true.
    pub encode_nbf: bool,
    /// `JWT_IDENTITY_CLAIM`: the claim holding the identity. `"sub"`.
    pub identity_claim: String,
    /// `JWT_VERIFY_SUB`: a `sub` claim must be a JSON string. true.
    pub verify_sub: bool,
    /// `JWT_ERROR_MESSAGE_KEY`: key of the default error bodies. `"msg"`.
    pub error_message_key: String,
    /// `JWT_TOKEN_LOCATION`: where to look for tokens, in order. `[Headers]`.
    pub token_location: Vec<TokenLocation>,
    /// `JWT_HEADER_NAME`: header holding the token. `"Authorization"`.
    pub header_name: String,
    /// `JWT_HEADER_TYPE`: scheme word before the token; empty = the header is the bare token. `"Bearer"`.
    pub header_type: String,
    /// `JWT_ACCESS_COOKIE_NAME`. `"access_token_cookie"`.
    pub access_cookie_name: String,
    /// `JWT_REFRESH_COOKIE_NAME`. `"refresh_token_cookie"`.
    pub refresh_cookie_name: String,
    /// `JWT_ACCESS_COOKIE_PATH`. `"/"`.
    pub access_cookie_path: String,
    /// `JWT_REFRESH_COOKIE_PATH`. `"/"`.
    pub refresh_cookie_path: String,
    /// `JWT_COOKIE_SECURE`: cookies get `Secure`. false.
    pub cookie_secure: bool,
    /// `JWT_COOKIE_DOMAIN`: `Domain` of every cookie. None.
    pub cookie_domain: Option<String>,
    /// `JWT_COOKIE_SAMESITE`: `SameSite` of every cookie; `None` = attribute omitted.
    /// `Some(SameSite::None)` needs `cookie_secure`: browsers drop such cookies without `Secure`.
    pub cookie_samesite: Option<SameSite>,
    /// `JWT_SESSION_COOKIE`: cookies without `Max-Age` (browser-session cookies). true.
    pub session_cookie: bool,
    /// `JWT_COOKIE_CSRF_PROTECT`: CSRF double submit (and a `csrf` claim in every token). true.
    pub cookie_csrf_protect: bool,
    /// `JWT_CSRF_METHODS`: methods on which a cookie token needs the CSRF value. POST, PUT, PATCH, DELETE.
    pub csrf_methods: Vec<Method>,
    /// `JWT_CSRF_IN_COOKIES`: the cookie helpers also write the JS-readable CSRF cookies. true.
    pub csrf_in_cookies: bool,
    /// `JWT_CSRF_CHECK_FORM`: look for the CSRF value in a form field when the header is absent. false.
    pub csrf_check_form: bool,
    /// `JWT_ACCESS_CSRF_COOKIE_NAME`. `"csrf_access_token"`.
    pub access_csrf_cookie_name: String,
    /// `JWT_REFRESH_CSRF_COOKIE_NAME`. `"csrf_refresh_token"`.
    pub refresh_csrf_cookie_name: String,
    /// `JWT_ACCESS_CSRF_COOKIE_PATH`. `"/"`.
    pub access_csrf_cookie_path: String,
    /// `JWT_REFRESH_CSRF_COOKIE_PATH`. `"/"`.
    pub refresh_csrf_cookie_path: String,
    /// `JWT_ACCESS_CSRF_HEADER_NAME`. `"X-CSRF-TOKEN"`.
    pub access_csrf_header_name: String,
    /// `JWT_REFRESH_CSRF_HEADER_NAME`. `"X-CSRF-TOKEN"`.
    pub refresh_csrf_header_name: String,
    /// `JWT_ACCESS_CSRF_FIELD_NAME`. `"csrf_token"`.
    pub access_csrf_field_name: String,
    /// `JWT_REFRESH_CSRF_FIELD_NAME`. `"csrf_token"`.
    pub refresh_csrf_field_name: String,
    /// `JWT_QUERY_STRING_NAME`. `"jwt"`.
    pub query_string_name: String,
    /// `JWT_QUERY_STRING_VALUE_PREFIX`: text before the token in the query value. `""`.
    pub query_string_value_prefix: String,
    /// `JWT_JSON_KEY`. `"access_token"`.
    pub json_key: String,
    /// `JWT_REFRESH_JSON_KEY`. `"refresh_token"`.
    pub refresh_json_key: String,
}

impl Default for JwtConfig {
    fn default() -> Self {
        let s = String::from;
        Self {
            access_token_expires: Some(Duration::from_secs(15 * 60)),
            refresh_token_expires: Some(Duration::from_secs(30 * 24 * 3600)),
            algorithm: Algorithm::HS256,
            decode_algorithms: Vec::new(),
            secret_key: None,
            private_key: None,
            public_key: None,
            decode_audience: None,
            encode_audience: None,
            decode_issuer: None,
            encode_issuer: None,
            decode_leeway: Duration::ZERO,
            encode_nbf: true,
            identity_claim: s("sub"),
            verify_sub: true,
            error_message_key: s("msg"),
            token_location: vec![TokenLocation::Headers],
            header_name: s("Authorization"),
            header_type: s("Bearer"),
            access_cookie_name: s("access_token_cookie"),
            refresh_cookie_name: s("refresh_token_cookie"),
            access_cookie_path: s("/"),
            refresh_cookie_path: s("/"),
            cookie_secure: false,
            cookie_domain: None,
            cookie_samesite: None,
            session_cookie: true,
            cookie_csrf_protect: true,
            csrf_methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            csrf_in_cookies: true,
            csrf_check_form: false,
            access_csrf_cookie_name: s("csrf_access_token"),
            refresh_csrf_cookie_name: s("csrf_refresh_token"),
            access_csrf_cookie_path: s("/"),
            refresh_csrf_cookie_path: s("/"),
            access_csrf_header_name: s("X-CSRF-TOKEN"),
            refresh_csrf_header_name: s("X-CSRF-TOKEN"),
            access_csrf_field_name: s("csrf_token"),
            refresh_csrf_field_name: s("csrf_token"),
            query_string_name: s("jwt"),
            query_string_value_prefix: s(""),
            json_key: s("access_token"),
            refresh_json_key: s("refresh_token"),
        }
    }
}

/// Whether `algorithm` signs with a key pair (RS*, PS*, ES*, EdDSA) rather than a shared secret.
pub fn is_asymmetric(algorithm: Algorithm) -> bool {
    !matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

impl JwtConfig {
    /// The longest token lifetime, freshness and decode leeway: 100 years of 365.25 days.
    /// Beyond it, expiry times no longer fit the time arithmetic of cookies and revocation
    /// stores; a longer value in the config is a [`ConfigError`], and in a
    /// [`TokenBuilder`](crate::TokenBuilder) an error from `finish()`.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(3_155_760_000);

    /// The algorithms accepted when decoding: `decode_algorithms`, or `[algorithm]` when empty,
    /// with `algorithm` appended when missing (Flask: `["HS512"]` + RS256 → `[HS512, RS256]`).
    pub fn effective_decode_algorithms(&self) -> Vec<Algorithm> {
        let mut algorithms = self.decode_algorithms.clone();
        if !algorithms.contains(&self.algorithm) {
            algorithms.push(self.algorithm);
        }
        algorithms
    }

    /// The `Max-Age` of cookies written by the helpers: `None` for session cookies, else
    /// 31,540,000 s (Flask's fixed value).
    pub fn cookie_max_age(&self) -> Option<Duration> {
        (!self.session_cookie).then_some(Duration::from_secs(31_540_000))
    }

    /// Checks every value that cannot work (keys are checked when they are parsed, in `keys`).
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.token_location.is_empty() {
            return Err(ConfigError::new(
                "JWT_TOKEN_LOCATION",
                "must contain at least one of \"headers\", \"cookies\", \"query_string\", or \"json\"",
            ));
        }
        for (i, location) in self.token_location.iter().enumerate() {
            if self.token_location[..i].contains(location) {
                return Err(ConfigError::new(
                    "JWT_TOKEN_LOCATION",
                    format!("`{location}` is listed twice"),
                ));
            }
        }
        if self.token_location.contains(&TokenLocation::Headers) && self.header_name.is_empty() {
            return Err(ConfigError::new("JWT_HEADER_NAME", "cannot be empty"));
        }
        let names = [
            ("JWT_IDENTITY_CLAIM", &self.identity_claim),
            ("JWT_ERROR_MESSAGE_KEY", &self.error_message_key),
            ("JWT_ACCESS_COOKIE_NAME", &self.access_cookie_name),
            ("JWT_REFRESH_COOKIE_NAME", &self.refresh_cookie_name),
            ("JWT_QUERY_STRING_NAME", &self.query_string_name),
            ("JWT_JSON_KEY", &self.json_key),
            ("JWT_REFRESH_JSON_KEY", &self.refresh_json_key),
        ];
        if let Some((option, _)) = names.iter().find(|(_, value)| value.is_empty()) {
            return Err(ConfigError::new(option, "cannot be empty"));
        }
        if self
            .header_name
            .contains(|c: char| !c.is_ascii_graphic() || c == ':')
            && !self.header_name.is_empty()
        {
            return Err(ConfigError::new(
                "JWT_HEADER_NAME",
                format!("`{}` is not a valid header name", self.header_name),
            ));
        }
        let durations = [
            ("JWT_ACCESS_TOKEN_EXPIRES", self.access_token_expires),
            ("JWT_REFRESH_TOKEN_EXPIRES", self.refresh_token_expires),
            ("JWT_DECODE_LEEWAY", Some(self.decode_leeway)),
        ];
        for (option, duration) in durations {
            if let Some(duration) = duration.filter(|d| *d > Self::MAX_LIFETIME) {
                return Err(ConfigError::new(
                    option,
                    format!(
                        "{} s is more than 100 years, the most a lifetime or leeway may be \
                         (`JwtConfig::MAX_LIFETIME`)",
                        duration.as_secs()
                    ),
                ));
            }
        }
        if self.cookie_samesite == Some(SameSite::None) && !self.cookie_secure {
            return Err(ConfigError::new(
                "JWT_COOKIE_SAMESITE",
                "`None` needs `JWT_COOKIE_SECURE = true`: browsers drop a `SameSite=None` \
                 cookie that is not `Secure`",
            ));
        }
        if matches!(&self.decode_audience, Some(list) if list.is_empty()) {
            return Err(ConfigError::new(
                "JWT_DECODE_AUDIENCE",
                "an empty list would reject every token; use None to skip the audience check",
            ));
        }
        Ok(())
    }

    /// Reads every option from the environment variable of the same name (`JWT_SECRET_KEY`,
    /// `JWT_ACCESS_TOKEN_EXPIRES`, ...); unset variables keep their default.
    ///
    /// Formats: durations are integer seconds or `false` (never expires); lists are
    /// comma-separated; booleans `true`/`false` (also `1`/`0`, `yes`/`no`); `JWT_COOKIE_SAMESITE`
    /// is `Strict`, `Lax` or `None`; `JWT_PRIVATE_KEY_FILE` / `JWT_PUBLIC_KEY_FILE` name PEM files.
    /// A value that does not parse is a [`ConfigError`] naming the variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`JwtConfig::from_env`] over any name → value lookup (a map in tests, a secret store).
    ///
    /// A config file is read by deserializing: see [From a config file](JwtConfig#from-a-config-file).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        options::read(|index| lookup(options::OPTIONS[index].name).map(options::Value::Text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_wiped_when_dropped() {
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
    }
}
