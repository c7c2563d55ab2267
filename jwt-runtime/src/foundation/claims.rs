//! The decoded parts of a token: [`Claims`] (the payload) and [`JwtHeader`].

use std::ops::Deref;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::foundation::time::as_unix_seconds;

macro_rules! json_object {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq)]
        pub struct $name(Arc<Map<String, Value>>);

        impl $name {
            /// Wraps a JSON object.
            pub fn new(map: Map<String, Value>) -> Self {
                Self(Arc::new(map))
            }

            /// The JSON object itself.
            pub fn as_map(&self) -> &Map<String, Value> {
                &self.0
            }

            /// A copy of the JSON object, to change or keep.
            pub fn to_map(&self) -> Map<String, Value> {
                (*self.0).clone()
            }

            /// The whole object as a serde type, e.g. a struct of your custom claims. A type
            /// that does not fit is a `Decode` error (Flask's 422) naming the member at fault.
            pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
                serde_path_to_error::deserialize(&*self.0).map_err(|e| {
                    let message = match e.path().to_string() {
                        path if path == "." => format!("unexpected token content: {}", e.inner()),
                        path => format!("unexpected claim `{path}`: {}", e.inner()),
                    };
                    JwtError::new(JwtErrorKind::Decode, message)
                })
            }
        }

        impl Deref for $name {
            type Target = Map<String, Value>;
            fn deref(&self) -> &Map<String, Value> {
                &self.0
            }
        }

        impl From<Map<String, Value>> for $name {
            fn from(map: Map<String, Value>) -> Self {
                Self::new(map)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Map::deserialize(d).map(Self::new)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&*self.0, f)
            }
        }
    };
}

json_object! {
    /// The payload of a verified token: what Flask-JWT-Extended's `get_jwt()` returns.
    ///
    /// It dereferences to the JSON object, so `claims["foo"]` and `claims.get("foo")` work as
    /// with a Python dict; the standard claims have typed accessors. After decoding, `type`,
    /// `fresh` and `jti` are always present (Flask fills in `"access"`, `false` and `null`).
    ///
    /// ```
    /// use actix_jwt_extended::Claims;
    /// use serde_json::json;
    ///
    /// let claims = Claims::new(json!({"sub": "ann", "type": "access", "roles": ["admin"]})
    ///     .as_object().unwrap().clone());
    /// assert_eq!(claims.sub(), Some("ann"));
    /// assert_eq!(claims["roles"][0], "admin");
    /// #[derive(serde::Deserialize)]
    /// struct Roles { roles: Vec<String> }
    /// assert_eq!(claims.deserialize::<Roles>().unwrap().roles, ["admin"]);
    /// ```
    Claims
}

json_object! {
    /// The header of a token (`alg`, `typ`, and any additional headers): what Flask's
    /// `get_jwt_header()` returns.
    JwtHeader
}

impl Claims {
    /// The `sub` claim, when it is a string.
    pub fn sub(&self) -> Option<&str> {
        self.get("sub").and_then(Value::as_str)
    }

    /// The `jti` claim (the token's unique id), when it is a string.
    pub fn jti(&self) -> Option<&str> {
        self.get("jti").and_then(Value::as_str)
    }

    /// The `type` claim: `"access"`, `"refresh"`, or whatever a token carries.
    pub fn token_type(&self) -> &str {
        self.get("type").and_then(Value::as_str).unwrap_or("access")
    }

    /// Whether this is a refresh token (`type == "refresh"`); any other type counts as access.
    pub fn is_refresh(&self) -> bool {
        self.token_type() == "refresh"
    }

    /// The `exp` claim in Unix seconds, when present and numeric.
    pub fn exp(&self) -> Option<i64> {
        self.get("exp").and_then(as_unix_seconds)
    }

    /// The `iat` claim in Unix seconds, when present and numeric.
    pub fn iat(&self) -> Option<i64> {
        self.get("iat").and_then(as_unix_seconds)
    }

    /// The `csrf` claim written for the double-submit check, when present.
    pub fn csrf(&self) -> Option<&str> {
        self.get("csrf").and_then(Value::as_str)
    }

    /// Whether the token is fresh at `now_secs` (Unix seconds): `fresh` is `true`, or a
    /// timestamp not yet passed. Any other value is not fresh.
    pub fn is_fresh_at(&self, now_secs: f64) -> bool {
        match self.get("fresh") {
            Some(Value::Bool(fresh)) => *fresh,
            Some(Value::Number(until)) => until.as_f64().is_some_and(|until| until >= now_secs),
            _ => false,
        }
    }

    /// One claim as a serde type, e.g. `claims.get_as::<Vec<String>>("roles")`.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, JwtError> {
        self.get(key).map(|v| claim_as(key, v)).transpose()
    }
}

/// The value of claim `key` as `T`; one that does not fit is a `Decode` error naming the claim.
pub(crate) fn claim_as<T: DeserializeOwned>(key: &str, value: &Value) -> Result<T, JwtError> {
    T::deserialize(value).map_err(|e| {
        JwtError::new(
            JwtErrorKind::Decode,
            format!("unexpected claim `{key}`: {e}"),
        )
    })
}

impl JwtHeader {
    /// The `alg` header.
    pub fn alg(&self) -> Option<&str> {
        self.get("alg").and_then(Value::as_str)
    }

    /// The `kid` header, when present.
    pub fn kid(&self) -> Option<&str> {
        self.get("kid").and_then(Value::as_str)
    }
}

/// `value` as a JSON object (`null` counts as an empty one), or why it is none; `what` names
/// it in the message ("additional claims").
pub(crate) fn to_object(
    value: impl serde::Serialize,
    what: &str,
) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(format!("{what} must be a JSON object, not `{other}`")),
        Err(e) => Err(format!("{what} cannot be serialised: {e}")),
    }
}
