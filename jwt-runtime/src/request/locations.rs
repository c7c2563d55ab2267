//! Finding the encoded token in a request: headers, cookies (with the CSRF double-submit
//! value), query string and JSON body, with Flask-JWT-Extended's exact messages.

use std::borrow::Cow;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::HttpRequest;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::Deserializer as _;
use serde_json::Value;

use crate::foundation::config::{JwtConfig, TokenLocation};
use crate::foundation::error::{JwtError, JwtErrorKind};

/// An encoded token found in a request, with the CSRF value it must carry (cookies only).
/// The token is borrowed from the request where it can be read in place.
pub(crate) struct Found<'r> {
    pub(crate) token: Cow<'r, str>,
    pub(crate) csrf: Option<String>,
}

fn not_found(message: String) -> JwtError {
    JwtError::new(JwtErrorKind::NoAuthorization, message)
}

/// Looks for a token in one location. A `NoAuthorization` error means "not here, try the
/// next location"; any other error ends the search.
pub(crate) fn find<'r>(
    location: TokenLocation,
    req: &'r HttpRequest,
    body: Option<&[u8]>,
    config: &JwtConfig,
    refresh: bool,
) -> Result<Found<'r>, JwtError> {
    let token = match location {
        TokenLocation::Headers => from_headers(req, config)?,
        TokenLocation::Cookies => return from_cookies(req, body, config, refresh),
        TokenLocation::QueryString => Cow::Owned(from_query_string(req, config)?),
        TokenLocation::Json => Cow::Owned(from_json(req, body, config, refresh)?),
    };
    Ok(Found { token, csrf: None })
}

/// Whether the request body is JSON: `application/json` or `application/<anything>+json`,
/// parameters ignored.
pub(crate) fn is_json(req: &HttpRequest) -> bool {
    let Some(Ok(value)) = req.headers().get(CONTENT_TYPE).map(|v| v.to_str()) else {
        return false;
    };
    let mime = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = mime.split_once('/') else {
        return false;
    };
    let subtype = subtype.as_bytes();
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case(b"json")
            || subtype
                .len()
                .checked_sub(5)
                .is_some_and(|at| subtype[at..].eq_ignore_ascii_case(b"+json")))
}

/// Whether the request body is an urlencoded form.
pub(crate) fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The token in the `JWT_HEADER_NAME` header, `Authorization: Bearer <JWT>` by default, read
/// as Flask reads it: the common header in place, anything else through [`header_token`].
fn from_headers<'r>(req: &'r HttpRequest, config: &JwtConfig) -> Result<Cow<'r, str>, JwtError> {
    let name = &config.header_name;
    let scheme = &config.header_type;
    let mut values = req.headers().get_all(name.as_str());
    let (first, second) = (values.next(), values.next());
    if let (Some(only), None) = (first, second) {
        if let Some(token) = plain_bearer_token(only.as_bytes(), scheme.as_bytes()) {
            return Ok(Cow::Borrowed(token));
        }
    }
    // Anything else, Flask's way: repeated headers joined with commas as WSGI does, then split.
    let joined = match (first, second) {
        (None, _) => Cow::Borrowed(""),
        (Some(only), None) => String::from_utf8_lossy(only.as_bytes()),
        (Some(first), Some(second)) => Cow::Owned(
            [first, second]
                .into_iter()
                .chain(values)
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    header_token(&joined, name, scheme).map(Cow::Owned)
}

/// The token in a (joined) header value as Flask reads it: trimmed of whitespace and commas,
/// split at commas, the one piece starting with the scheme word, then exactly two words.
fn header_token(joined: &str, name: &str, scheme: &str) -> Result<String, JwtError> {
    let value = joined.trim().trim_matches(',');
    if value.is_empty() {
        return Err(not_found(format!("Missing {name} Header")));
    }
    if scheme.is_empty() {
        let mut words = words(value);
        return match (words.next(), words.next()) {
            (Some(token), None) => Ok(token.to_owned()),
            _ => Err(JwtError::new(
                JwtErrorKind::InvalidHeader,
                format!("Bad {name} header. Expected '{name}: <JWT>'"),
            )),
        };
    }
    let mut pieces = split_comma_pieces(value).filter(|piece| words(piece).next() == Some(scheme));
    let (Some(piece), None) = (pieces.next(), pieces.next()) else {
        return Err(not_found(format!(
            "Missing '{scheme}' type in '{name}' header. Expected '{name}: {scheme} <JWT>'"
        )));
    };
    let mut words = words(piece);
    match (words.next(), words.next(), words.next()) {
        (Some(_), Some(token), None) => Ok(token.to_owned()),
        _ => Err(JwtError::new(
            JwtErrorKind::InvalidHeader,
            format!("Bad {name} header. Expected '{name}: {scheme} <JWT>'"),
        )),
    }
}

/// The token of the common header, `<scheme> <token>` (or `<token>` with an empty scheme)
/// where neither part holds whitespace, a comma, a control or a non-ASCII byte; `None` for
/// anything else, which the general parsing handles. For such a header both give the same
/// token, and this one reads it in place, in one pass the compiler vectorises.
fn plain_bearer_token<'v>(value: &'v [u8], scheme: &[u8]) -> Option<&'v str> {
    let token = match scheme {
        [] => value,
        _ => value.strip_prefix(scheme)?.strip_prefix(b" ")?,
    };
    if !(scheme.is_empty() || is_plain(scheme)) || !is_plain(token) {
        return None;
    }
    std::str::from_utf8(token).ok()
}

/// Non-empty, and no whitespace, comma, control or non-ASCII byte: one branch-free pass.
fn is_plain(bytes: &[u8]) -> bool {
    let odd = bytes.iter().fold(false, |odd, &b| {
        odd | (b <= b' ') | (b == b',') | (b >= 0x80)
    });
    !bytes.is_empty() && !odd
}

/// Python's `str.split()`: the words between runs of whitespace. Byte-wise for ASCII text
/// (header values are, but for obs-text), which spares decoding every character of a token.
fn words(text: &str) -> Words<'_> {
    if text.is_ascii() {
        Words::Ascii(text.split_ascii_whitespace())
    } else {
        Words::Unicode(text.split_whitespace())
    }
}

enum Words<'a> {
    Ascii(std::str::SplitAsciiWhitespace<'a>),
    Unicode(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Ascii(words) => words.next(),
            Words::Unicode(words) => words.next(),
        }
    }
}

/// Splits at each comma and the whitespace after it (Python's `re.split(r",\s*", value)`).
fn split_comma_pieces(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim_start)
}

/// The access or refresh cookie, and the CSRF value it must carry on the methods of
/// `JWT_CSRF_METHODS`: the CSRF header, else (with `JWT_CSRF_CHECK_FORM`) the form field.
fn from_cookies(
    req: &HttpRequest,
    body: Option<&[u8]>,
    config: &JwtConfig,
    refresh: bool,
) -> Result<Found<'static>, JwtError> {
    let (cookie_name, csrf_header, csrf_field) = if refresh {
        (
            &config.refresh_cookie_name,
            &config.refresh_csrf_header_name,
            &config.refresh_csrf_field_name,
        )
    } else {
        (
            &config.access_cookie_name,
            &config.access_csrf_header_name,
            &config.access_csrf_field_name,
        )
    };
    let token = req
        .cookie(cookie_name)
        .map(|c| Cow::<str>::Owned(c.value().to_owned()))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| not_found(format!("Missing cookie \"{cookie_name}\"")))?;
    if !(config.cookie_csrf_protect && config.csrf_methods.contains(req.method())) {
        return Ok(Found { token, csrf: None });
    }
    let from_header = req
        .headers()
        .get(csrf_header.as_str())
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .filter(|v| !v.is_empty());
    let csrf = match from_header {
        Some(value) => value,
        None if config.csrf_check_form => form_field(req, body, csrf_field)
            .ok_or_else(|| JwtError::new(JwtErrorKind::Csrf, "Missing CSRF token"))?,
        None => return Err(JwtError::new(JwtErrorKind::Csrf, "Missing CSRF token")),
    };
    Ok(Found {
        token,
        csrf: Some(csrf),
    })
}

/// A non-empty field of an urlencoded form body.
fn form_field(req: &HttpRequest, body: Option<&[u8]>, field: &str) -> Option<String> {
    if !is_form(req) {
        return None;
    }
    first_field(body?, field)
}

/// The first non-empty value of `name` in urlencoded `bytes`, `+` and `%XX` decoded; the
/// other fields are skipped, not collected.
fn first_field(bytes: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(bytes)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty())
}

/// `?jwt=<JWT>`, with `JWT_QUERY_STRING_VALUE_PREFIX` stripped; the first parameter of the
/// name counts, as Werkzeug reads it.
fn from_query_string(req: &HttpRequest, config: &JwtConfig) -> Result<String, JwtError> {
    let name = &config.query_string_name;
    // "paramater" is Flask-JWT-Extended's spelling, kept for identical responses.
    let value = first_field(req.query_string().as_bytes(), name)
        .ok_or_else(|| not_found(format!("Missing '{name}' query paramater")))?;
    let prefix = &config.query_string_value_prefix;
    value.strip_prefix(prefix.as_str()).map(str::to_owned).ok_or_else(|| {
        JwtError::new(
            JwtErrorKind::InvalidQueryParam,
            format!(
                "Invalid value for query parameter '{name}'. Expected the value to start with '{prefix}'"
            ),
        )
    })
}

/// `{"access_token": "<JWT>"}` in a JSON body (`JWT_JSON_KEY`, or `JWT_REFRESH_JSON_KEY` for
/// refresh routes).
fn from_json(
    req: &HttpRequest,
    body: Option<&[u8]>,
    config: &JwtConfig,
    refresh: bool,
) -> Result<String, JwtError> {
    let (Some(body), true) = (body, is_json(req)) else {
        return Err(not_found(
            "Invalid content-type. Must be application/json.".to_owned(),
        ));
    };
    let key = if refresh {
        &config.refresh_json_key
    } else {
        &config.json_key
    };
    let missing = || not_found(format!("Missing \"{key}\" key in json data."));
    match top_level_value(body, key) {
        // Python's falsy values: Flask's `if not encoded_token` treats them as missing.
        None | Some(Value::Null) | Some(Value::Bool(false)) => Err(missing()),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Err(missing()),
        Some(Value::Array(list)) if list.is_empty() => Err(missing()),
        Some(Value::Object(map)) if map.is_empty() => Err(missing()),
        Some(Value::String(token)) if token.is_empty() => Err(missing()),
        Some(Value::String(token)) => Ok(token),
        Some(_) => Err(JwtError::new(
            JwtErrorKind::Decode,
            format!("Invalid token type. The \"{key}\" value must be a string"),
        )),
    }
}

/// The value of one top-level `key` of a JSON object, last one winning as in Python; `None`
/// when absent or when the body is not a JSON object. The rest of the document is skipped
/// without being built, so a large body costs no more memory than its bytes.
fn top_level_value(body: &[u8], key: &str) -> Option<Value> {
    struct Find<'k>(&'k str);

    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<Value>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == self.0 {
                    found = Some(map.next_value::<Value>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let found = deserializer.deserialize_map(Find(key)).ok()?;
    deserializer.end().ok()?;
    found
}

/// The not-found message of a search over several locations, as Flask words it:
/// `Missing JWT in headers or cookies (<headers message>; <cookies message>)`.
pub(crate) fn combined_not_found(locations: &[TokenLocation], messages: &[String]) -> String {
    let names: Vec<&str> = locations.iter().map(|l| l.as_str()).collect();
    let listed = match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("Missing JWT in {listed} ({})", messages.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the in-place reading answers, the general parsing gives the same token.
    #[test]
    fn plain_bearer_token_agrees_with_the_general_parsing() {
        let values = [
            "Bearer abc.def.ghi",
            "Bearer  abc.def",
            "Bearer abc def",
            "Bearer abc,",
            ",Bearer abc",
            "Bearer\tabc",
            "Bearer abc\t",
            "bearer abc",
            "Bearer ",
            "Bearer",
            "BearerX abc",
            "Bearer a\u{a0}b",
            "Bearer a\u{7f}b",
            "Bearer x, Bearer y",
            "Basic zzz, Bearer abc",
            "abc.def",
        ];
        for scheme in ["Bearer", "", "JWT", "Two words", "Comma,"] {
            for value in values {
                let fast = plain_bearer_token(value.as_bytes(), scheme.as_bytes());
                if let Some(token) = fast {
                    let general = header_token(value, "Authorization", scheme).ok();
                    assert_eq!(Some(token.to_owned()), general, "{scheme:?} / {value:?}");
                }
            }
        }
        assert_eq!(
            plain_bearer_token(b"Bearer abc.def.ghi", b"Bearer"),
            Some("abc.def.ghi")
        );
        assert_eq!(plain_bearer_token(b"abc.def", b""), Some("abc.def"));
        for odd in [
            "Bearer  abc",
            "Bearer abc,",
            "Bearer a\u{a0}b",
            "Bearer ",
            "bearer abc",
        ] {
            assert_eq!(
                plain_bearer_token(odd.as_bytes(), b"Bearer"),
                None,
                "{odd:?}"
            );
        }
        assert_eq!(plain_bearer_token(b"Two words abc", b"Two words"), None);
    }
}
