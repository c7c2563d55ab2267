//! `Deserialize` for [`JwtConfig`]: a map of Flask's `JWT_*` option names, read through the
//! option table that [`JwtConfig::from_lookup`] reads through.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::options::{self, Value, OPTIONS};
use super::JwtConfig;

/// Reads a map of `JWT_*` options; see [From a config file](JwtConfig#from-a-config-file).
impl<'de> de::Deserialize<'de> for JwtConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ConfigVisitor)
    }
}

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = JwtConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of `JWT_*` options")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JwtConfig, A::Error> {
        // Gathered first and applied in the table's order, as `from_lookup` applies them, so
        // the order of the keys in the file changes nothing (a `*_FILE` key still wins).
        let mut given: Vec<Option<Value>> = OPTIONS.iter().map(|_| None).collect();
        while let Some(key) = map.next_key::<String>()? {
            match options::find(&key) {
                Some(index) => {
                    let option = OPTIONS[index].name;
                    if given[index].is_some() {
                        return Err(de::Error::custom(format!(
                            "option `{option}` is given twice"
                        )));
                    }
                    given[index] = Some(map.next_value_seed(ValueSeed(option))?);
                }
                None if is_jwt_key(&key) => return Err(de::Error::custom(unknown_option(&key))),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        options::read(|index| given[index].take()).map_err(de::Error::custom)
    }
}

/// Whether `key` claims to be an option: it starts with `JWT_`, in any case.
fn is_jwt_key(key: &str) -> bool {
    key.as_bytes()
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"JWT_"))
}

/// The message for a `JWT_*` key that is no option, with the nearest option when one is close
/// enough to be the intended one.
fn unknown_option(key: &str) -> String {
    let upper = key.to_ascii_uppercase();
    let nearest = OPTIONS
        .iter()
        .map(|option| (edit_distance(&upper, option.name), option.name))
        .min();
    match nearest {
        Some((distance, name)) if distance <= 3 => {
            format!("unknown option `{key}` (did you mean `{name}`?)")
        }
        _ => format!(
            "unknown option `{key}`: a key that starts with `JWT_` must be a Flask-JWT-Extended \
             option"
        ),
    }
}

/// Levenshtein distance over bytes (the option names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Reads one value of the option it names, in whatever shape the format gives it; the
/// option's parser decides which shapes it takes.
#[derive(Clone, Copy)]
struct ValueSeed(&'static str);

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value of `{}`", self.0)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(u64::try_from(n).map_or_else(|_| Value::Number(n.to_string()), Value::Int))
    }

    fn visit_i128<E>(self, n: i128) -> Result<Value, E> {
        Ok(u64::try_from(n).map_or_else(|_| Value::Number(n.to_string()), Value::Int))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u128<E>(self, n: u128) -> Result<Value, E> {
        Ok(u64::try_from(n).map_or_else(|_| Value::Number(n.to_string()), Value::Int))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n.to_string()))
    }

    fn visit_char<E>(self, c: char) -> Result<Value, E> {
        Ok(Value::Text(c.into()))
    }

    fn visit_str<E>(self, text: &str) -> Result<Value, E> {
        Ok(Value::Text(text.into()))
    }

    fn visit_string<E>(self, text: String) -> Result<Value, E> {
        Ok(Value::Text(text))
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Value, E> {
        Ok(Value::Other("bytes"))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Read to its end, as formats require; the option's parser refuses it by its shape.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Other("a map"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_byte_edits() {
        assert_eq!(edit_distance("JWT_SECRET_KEY", "JWT_SECRET_KEY"), 0);
        assert_eq!(edit_distance("JWT_SECRT_KEY", "JWT_SECRET_KEY"), 1);
        assert_eq!(edit_distance("JWT_SECERT_KEY", "JWT_SECRET_KEY"), 2);
        assert_eq!(edit_distance("", "JWT"), 3);
    }

    #[test]
    fn jwt_keys_are_recognised_in_any_case() {
        assert!(is_jwt_key("JWT_X"));
        assert!(is_jwt_key("jwt_x"));
        assert!(!is_jwt_key("JWT"));
        assert!(!is_jwt_key("SECRET_KEY"));
        assert!(!is_jwt_key("jw€"));
    }

    #[test]
    fn unknown_options_suggest_the_nearest_one() {
        assert_eq!(
            unknown_option("jwt_secrt_key"),
            "unknown option `jwt_secrt_key` (did you mean `JWT_SECRET_KEY`?)"
        );
        assert!(unknown_option("JWT_BLACKLIST_ENABLED").contains("must be a Flask-JWT-Extended"));
    }
}
