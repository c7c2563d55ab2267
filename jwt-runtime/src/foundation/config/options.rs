//! The `JWT_*` options, one table entry each: the name and how a value of it is read.
//!
//! [`JwtConfig::from_lookup`] and the `Deserialize` impl both read through [`read`], so every
//! option has one parser and one set of error words whichever source its value comes from. A
//! source gives text (an environment variable, or a string in a config file) or a typed value
//! (a boolean, a number, a list, null); each parser takes the forms that make sense for its option.

use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use zeroize::Zeroize;

use super::{Algorithm, Audience, JwtConfig, Secret, TokenLocation};
use crate::foundation::error::ConfigError;

/// One value of an option, as a source gives it.
pub(super) enum Value {
    /// Text: an environment variable, or a string of a config file.
    Text(String),
    Bool(bool),
    /// A whole number that fits `u64`.
    Int(u64),
    /// Any other number (negative, fractional, too large), as written: never a valid value.
    Number(String),
    List(Vec<Value>),
    Null,
    /// A value of another shape (a map, bytes), by the name of its shape.
    Other(&'static str),
}

/// Text that was not moved into the config (a value refused, or left unread after an earlier
/// error) may be a secret: it is wiped, as [`Secret`] wipes the text it keeps.
impl Drop for Value {
    fn drop(&mut self) {
        if let Value::Text(text) = self {
            text.zeroize();
        }
    }
}

impl Value {
    /// The value as error messages quote it. Never used for secrets: see [`Value::shape`].
    fn describe(&self) -> String {
        match self {
            Value::Text(text) => format!("`{text}`"),
            Value::Bool(b) => format!("`{b}`"),
            Value::Int(n) => format!("`{n}`"),
            Value::Number(n) => format!("`{n}`"),
            Value::List(_) => "a list".into(),
            Value::Null => "null".into(),
            Value::Other(shape) => (*shape).into(),
        }
    }

    /// What kind of value it is, without its content.
    fn shape(&self) -> &'static str {
        match self {
            Value::Text(_) => "a string",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Number(_) => "a number",
            Value::List(_) => "a list",
            Value::Null => "null",
            Value::Other(shape) => shape,
        }
    }
}

/// A value given for `option`, with the parsers of its possible forms.
pub(super) struct Given {
    option: &'static str,
    value: Value,
}

impl Given {
    fn error(&self, reason: impl Into<String>) -> ConfigError {
        ConfigError::new(self.option, reason)
    }

    fn string(mut self) -> Result<String, ConfigError> {
        match &mut self.value {
            Value::Text(text) => Ok(std::mem::take(text)),
            // The shape only: a secret written as a number must not appear in the message.
            other => Err(ConfigError::new(
                self.option,
                format!("expected a string, found {}", other.shape()),
            )),
        }
    }

    /// A string, or null for none.
    fn optional_string(self) -> Result<Option<String>, ConfigError> {
        match self.value {
            Value::Null => Ok(None),
            _ => self.string().map(Some),
        }
    }

    fn secret(self) -> Result<Option<Secret>, ConfigError> {
        Ok(self.optional_string()?.map(Secret::from))
    }

    fn boolean(self) -> Result<bool, ConfigError> {
        match &self.value {
            Value::Bool(b) => return Ok(*b),
            Value::Int(0) => return Ok(false),
            Value::Int(1) => return Ok(true),
            Value::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => return Ok(true),
                "false" | "0" | "no" | "off" => return Ok(false),
                _ => {}
            },
            _ => {}
        }
        Err(self.error(format!(
            "{} is not a boolean, expected `true` or `false`",
            self.value.describe()
        )))
    }

    fn seconds(self) -> Result<Duration, ConfigError> {
        let seconds = match &self.value {
            Value::Int(n) => Some(*n),
            Value::Text(text) => text.trim().parse().ok(),
            _ => None,
        };
        seconds.map(Duration::from_secs).ok_or_else(|| {
            self.error(format!(
                "{} is not a whole number of seconds (or `false` for never)",
                self.value.describe()
            ))
        })
    }

    /// A token lifetime: seconds, or `false` for never (Flask's `False`). Null is refused
    /// rather than read as never: an empty YAML value must not make tokens immortal.
    fn lifetime(self) -> Result<Option<Duration>, ConfigError> {
        match &self.value {
            Value::Bool(false) => Ok(None),
            Value::Text(text) if text.trim().eq_ignore_ascii_case("false") => Ok(None),
            _ => self.seconds().map(Some),
        }
    }

    /// A list of strings: a list, or one string of comma-separated items (the environment's form).
    fn list(mut self) -> Result<Vec<String>, ConfigError> {
        match &mut self.value {
            Value::Text(text) => Ok(split_list(text).map(String::from).collect()),
            Value::List(items) => std::mem::take(items)
                .into_iter()
                .map(|value| {
                    Given {
                        option: self.option,
                        value,
                    }
                    .string()
                    .map_err(|e| ConfigError::new(self.option, format!("{} in the list", e.reason)))
                })
                .collect(),
            other => Err(ConfigError::new(
                self.option,
                format!(
                    "expected a list or a comma-separated string, found {}",
                    other.shape()
                ),
            )),
        }
    }

    /// A list, or null for none.
    fn optional_list(self) -> Result<Option<Vec<String>>, ConfigError> {
        match self.value {
            Value::Null => Ok(None),
            _ => self.list().map(Some),
        }
    }

    fn algorithm(self) -> Result<Algorithm, ConfigError> {
        let option = self.option;
        match &self.value {
            Value::Text(text) => parse_algorithm(option, text),
            other => Err(self.error(format!("unknown algorithm {}", other.describe()))),
        }
    }

    fn algorithms(self) -> Result<Vec<Algorithm>, ConfigError> {
        let option = self.option;
        self.list()?
            .iter()
            .map(|name| parse_algorithm(option, name))
            .collect()
    }

    fn locations(self) -> Result<Vec<TokenLocation>, ConfigError> {
        self.list()?.iter().map(|name| name.parse()).collect()
    }

    fn methods(self) -> Result<Vec<Method>, ConfigError> {
        let option = self.option;
        self.list()?
            .iter()
            .map(|m| {
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| ConfigError::new(option, format!("`{m}` is not an HTTP method")))
            })
            .collect()
    }

    /// `Strict`, `Lax` or `None` (any case), or null for no attribute (Flask's `None`).
    fn samesite(self) -> Result<Option<SameSite>, ConfigError> {
        let Some(text) = self.optional_string()? else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "strict" => Ok(Some(SameSite::Strict)),
            "lax" => Ok(Some(SameSite::Lax)),
            "none" => Ok(Some(SameSite::None)),
            _ => Err(ConfigError::new(
                "JWT_COOKIE_SAMESITE",
                format!("`{text}` must be `Strict`, `Lax`, or `None`"),
            )),
        }
    }

    /// One string is one audience (also one item of a comma-separated string); a list stays a
    /// list, as Flask writes the value it is given.
    fn audience(self) -> Result<Option<Audience>, ConfigError> {
        let written_as_list = matches!(self.value, Value::List(_));
        let Some(mut list) = self.optional_list()? else {
            return Ok(None);
        };
        Ok(Some(if list.len() == 1 && !written_as_list {
            Audience::One(list.remove(0))
        } else {
            Audience::Many(list)
        }))
    }

    /// The text of the file a path names.
    fn file(self) -> Result<String, ConfigError> {
        let option = self.option;
        let path = self.string()?;
        std::fs::read_to_string(&path).map_err(|e| {
            ConfigError::new(option, format!("cannot read `{path}`: {e}")).with_source(e)
        })
    }
}

fn parse_algorithm(option: &'static str, value: &str) -> Result<Algorithm, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(option, format!("unknown algorithm `{value}`")))
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn set<T>(field: &mut T, value: Result<T, ConfigError>) -> Result<(), ConfigError> {
    *field = value?;
    Ok(())
}

/// An option: its Flask name and how a value of it lands in the config.
pub(super) struct JwtOption {
    pub(super) name: &'static str,
    apply: fn(&mut JwtConfig, Given) -> Result<(), ConfigError>,
}

const fn option(
    name: &'static str,
    apply: fn(&mut JwtConfig, Given) -> Result<(), ConfigError>,
) -> JwtOption {
    JwtOption { name, apply }
}

/// Every option, in the order they are applied: a `*_FILE` option comes after the inline key,
/// so the file wins when both are given.
pub(super) const OPTIONS: &[JwtOption] = &[
    option("JWT_ACCESS_TOKEN_EXPIRES", |c, v| {
        set(&mut c.access_token_expires, v.lifetime())
    }),
    option("JWT_REFRESH_TOKEN_EXPIRES", |c, v| {
        set(&mut c.refresh_token_expires, v.lifetime())
    }),
    option("JWT_ALGORITHM", |c, v| set(&mut c.algorithm, v.algorithm())),
    option("JWT_DECODE_ALGORITHMS", |c, v| {
        set(&mut c.decode_algorithms, v.algorithms())
    }),
    option("JWT_SECRET_KEY", |c, v| set(&mut c.secret_key, v.secret())),
    option("JWT_PRIVATE_KEY", |c, v| {
        set(&mut c.private_key, v.secret())
    }),
    option("JWT_PUBLIC_KEY", |c, v| {
        set(&mut c.public_key, v.optional_string())
    }),
    option("JWT_PRIVATE_KEY_FILE", |c, v| {
        set(&mut c.private_key, v.file().map(|pem| Some(pem.into())))
    }),
    option("JWT_PUBLIC_KEY_FILE", |c, v| {
        set(&mut c.public_key, v.file().map(Some))
    }),
    option("JWT_DECODE_AUDIENCE", |c, v| {
        set(&mut c.decode_audience, v.optional_list())
    }),
    option("JWT_ENCODE_AUDIENCE", |c, v| {
        set(&mut c.encode_audience, v.audience())
    }),
    option("JWT_DECODE_ISSUER", |c, v| {
        set(&mut c.decode_issuer, v.optional_string())
    }),
    option("JWT_ENCODE_ISSUER", |c, v| {
        set(&mut c.encode_issuer, v.optional_string())
    }),
    option("JWT_DECODE_LEEWAY", |c, v| {
        set(&mut c.decode_leeway, v.seconds())
    }),
    option("JWT_ENCODE_NBF", |c, v| set(&mut c.encode_nbf, v.boolean())),
    option("JWT_IDENTITY_CLAIM", |c, v| {
        set(&mut c.identity_claim, v.string())
    }),
    option("JWT_VERIFY_SUB", |c, v| set(&mut c.verify_sub, v.boolean())),
    option("JWT_ERROR_MESSAGE_KEY", |c, v| {
        set(&mut c.error_message_key, v.string())
    }),
    option("JWT_TOKEN_LOCATION", |c, v| {
        set(&mut c.token_location, v.locations())
    }),
    option("JWT_HEADER_NAME", |c, v| {
        set(&mut c.header_name, v.string())
    }),
    option("JWT_HEADER_TYPE", |c, v| {
        set(&mut c.header_type, v.string())
    }),
    option("JWT_ACCESS_COOKIE_NAME", |c, v| {
        set(&mut c.access_cookie_name, v.string())
    }),
    option("JWT_REFRESH_COOKIE_NAME", |c, v| {
        set(&mut c.refresh_cookie_name, v.string())
    }),
    option("JWT_ACCESS_COOKIE_PATH", |c, v| {
        set(&mut c.access_cookie_path, v.string())
    }),
    option("JWT_REFRESH_COOKIE_PATH", |c, v| {
        set(&mut c.refresh_cookie_path, v.string())
    }),
    option("JWT_COOKIE_SECURE", |c, v| {
        set(&mut c.cookie_secure, v.boolean())
    }),
    option("JWT_COOKIE_DOMAIN", |c, v| {
        set(&mut c.cookie_domain, v.optional_string())
    }),
    option("JWT_COOKIE_SAMESITE", |c, v| {
        set(&mut c.cookie_samesite, v.samesite())
    }),
    option("JWT_SESSION_COOKIE", |c, v| {
        set(&mut c.session_cookie, v.boolean())
    }),
    option("JWT_COOKIE_CSRF_PROTECT", |c, v| {
        set(&mut c.cookie_csrf_protect, v.boolean())
    }),
    option("JWT_CSRF_METHODS", |c, v| {
        set(&mut c.csrf_methods, v.methods())
    }),
    option("JWT_CSRF_IN_COOKIES", |c, v| {
        set(&mut c.csrf_in_cookies, v.boolean())
    }),
    option("JWT_CSRF_CHECK_FORM", |c, v| {
        set(&mut c.csrf_check_form, v.boolean())
    }),
    option("JWT_ACCESS_CSRF_COOKIE_NAME", |c, v| {
        set(&mut c.access_csrf_cookie_name, v.string())
    }),
    option("JWT_REFRESH_CSRF_COOKIE_NAME", |c, v| {
        set(&mut c.refresh_csrf_cookie_name, v.string())
    }),
    option("JWT_ACCESS_CSRF_COOKIE_PATH", |c, v| {
        set(&mut c.access_csrf_cookie_path, v.string())
    }),
    option("JWT_REFRESH_CSRF_COOKIE_PATH", |c, v| {
        set(&mut c.refresh_csrf_cookie_path, v.string())
    }),
    option("JWT_ACCESS_CSRF_HEADER_NAME", |c, v| {
        set(&mut c.access_csrf_header_name, v.string())
    }),
    option("JWT_REFRESH_CSRF_HEADER_NAME", |c, v| {
        set(&mut c.refresh_csrf_header_name, v.string())
    }),
    option("JWT_ACCESS_CSRF_FIELD_NAME", |c, v| {
        set(&mut c.access_csrf_field_name, v.string())
    }),
    option("JWT_REFRESH_CSRF_FIELD_NAME", |c, v| {
        set(&mut c.refresh_csrf_field_name, v.string())
    }),
    option("JWT_QUERY_STRING_NAME", |c, v| {
        set(&mut c.query_string_name, v.string())
    }),
    option("JWT_QUERY_STRING_VALUE_PREFIX", |c, v| {
        set(&mut c.query_string_value_prefix, v.string())
    }),
    option("JWT_JSON_KEY", |c, v| set(&mut c.json_key, v.string())),
    option("JWT_REFRESH_JSON_KEY", |c, v| {
        set(&mut c.refresh_json_key, v.string())
    }),
];

/// The position in [`OPTIONS`] of the option `key` names, ignoring ASCII case.
pub(super) fn find(key: &str) -> Option<usize> {
    OPTIONS
        .iter()
        .position(|option| option.name.eq_ignore_ascii_case(key))
}

/// The default config with every option `value_of` (given an index of [`OPTIONS`]) has a value
/// for, applied in the table's order; the first value that does not parse is the error.
pub(super) fn read(
    mut value_of: impl FnMut(usize) -> Option<Value>,
) -> Result<JwtConfig, ConfigError> {
    let mut config = JwtConfig::default();
    for (index, option) in OPTIONS.iter().enumerate() {
        if let Some(value) = value_of(index) {
            let given = Given {
                option: option.name,
                value,
            };
            (option.apply)(&mut config, given)?;
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_are_unique_and_flask_spelled() {
        for (i, option) in OPTIONS.iter().enumerate() {
            assert!(option.name.starts_with("JWT_"), "{}", option.name);
            assert_eq!(option.name, option.name.to_ascii_uppercase());
            assert_eq!(
                find(option.name),
                Some(i),
                "{} is listed twice",
                option.name
            );
        }
    }

    #[test]
    fn a_secret_of_the_wrong_shape_is_not_quoted() {
        let err = read(|i| (OPTIONS[i].name == "JWT_SECRET_KEY").then_some(Value::Int(31337)))
            .unwrap_err();
        assert_eq!(err.option, "JWT_SECRET_KEY");
        assert!(!err.reason.contains("31337"), "{err}");
    }
}
