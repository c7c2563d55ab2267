//! Decoding and verifying a token, step by step as PyJWT 2.10 and Flask-JWT-Extended do, with
//! their exact messages: structure, key, algorithm, signature, time claims, issuer, audience,
//! subject, JTI, identity claim, then the CSRF value and last the expiry. jsonwebtoken only
//! checks the signature: its claim validation has other defaults (60 s leeway, `exp` required,
//! `aud` always checked).

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::foundation::claims::{Claims, JwtHeader};
use crate::foundation::compact::{parse, Unverified};
use crate::foundation::config::JwtConfig;
use crate::foundation::error::{decode_error, JwtError, JwtErrorKind};
use crate::foundation::time::{as_unix_seconds, unix_seconds};
use crate::keys::{constant_time_eq, normal_typ, Keys, VerifyingKey};
use crate::loaders::callbacks::{call_decode_key_loader, DecodeKeyFn};
use crate::tokens::cache::{Checked, VerifiedCache};

/// What decoding needs: the config and the keys, and the app's `decode_key_loader` and
/// verified-token cache when it has them.
#[derive(Clone, Copy)]
pub(crate) struct Decoder<'a> {
    pub(crate) config: &'a JwtConfig,
    pub(crate) keys: &'a Keys,
    /// Chooses the verification key before the configured keys are looked at.
    pub(crate) decode_key_loader: Option<&'a DecodeKeyFn>,
    pub(crate) cache: Option<&'a VerifiedCache>,
}

/// Decodes and fully verifies `token`, in the order of the module docs.
///
/// `csrf` is the double-submit value the token's `csrf` claim must equal; `allow_expired`
/// skips only the expiry check.
pub(crate) fn decode(
    decoder: Decoder<'_>,
    token: &str,
    csrf: Option<&str>,
    allow_expired: bool,
) -> Result<(JwtHeader, Claims), JwtError> {
    let now = unix_seconds(SystemTime::now());
    let leeway = decoder.config.decode_leeway.as_secs_f64();
    let cache = decoder.cache;
    let checked = match cache.and_then(|cache| cache.get(token, now)) {
        Some(checked) => {
            check_not_before(&checked, now, leeway)?;
            checked
        }
        None => {
            let checked = Arc::new(verify_and_check(
                decoder,
                token,
                now,
                leeway,
                allow_expired,
            )?);
            if let Some(cache) = cache {
                cache.insert(token, Arc::clone(&checked), now);
            }
            checked
        }
    };

    if let Some(expected) = csrf {
        let Some(actual) = checked.claims.get("csrf") else {
            return Err(decode_error("Missing claim: csrf"));
        };
        let actual = actual.as_str().unwrap_or_default();
        if !constant_time_eq(actual.as_bytes(), expected.as_bytes()) {
            return Err(JwtError::new(
                JwtErrorKind::Csrf,
                "CSRF double submit tokens do not match",
            ));
        }
    }
    // Expiry is reported last: Flask decodes an expired token again without the expiry check
    // and reports any other failure first.
    let (header, claims) = (checked.header.clone(), checked.claims.clone());
    if is_expired(checked.exp, now, leeway) && !allow_expired {
        return Err(expired(header, claims));
    }
    Ok((header, claims))
}

/// The expiry check of [`decode`] alone, now, for a token decoded before: Flask's refusal
/// (`Token has expired`, carrying the token for the `expired_token_loader`) once `exp` has
/// passed by more than the config's `decode_leeway`.
pub(crate) fn check_not_expired(
    config: &JwtConfig,
    header: &JwtHeader,
    claims: &Claims,
) -> Result<(), JwtError> {
    let now = unix_seconds(SystemTime::now());
    let leeway = config.decode_leeway.as_secs_f64();
    match is_expired(claims.exp(), now, leeway) {
        true => Err(expired(header.clone(), claims.clone())),
        false => Ok(()),
    }
}

/// PyJWT's rule: a token is expired from `exp - leeway` on.
fn is_expired(exp: Option<i64>, now: f64, leeway: f64) -> bool {
    exp.is_some_and(|exp| exp as f64 <= now - leeway)
}

fn expired(header: JwtHeader, claims: Claims) -> JwtError {
    JwtError::new(JwtErrorKind::Expired, "Token has expired").with_token(header, claims)
}

/// Every check but the CSRF comparison and the expiry: structure, key, algorithm,
/// signature, time claims (types, then `iat`/`nbf` against `now`), issuer, audience, subject,
/// JTI, identity claim; then Flask's defaults are filled in.
fn verify_and_check(
    decoder: Decoder<'_>,
    token: &str,
    now: f64,
    leeway: f64,
    allow_expired: bool,
) -> Result<Checked, JwtError> {
    let Decoder {
        config,
        keys,
        decode_key_loader,
        ..
    } = decoder;
    let Unverified {
        header,
        mut payload,
        signing_input,
        signature,
    } = parse(token)?;

    // A `decode_key_loader` is asked first, as Flask does. The manager's own keys
    // are looked up after the algorithm check, so a token with a refused `alg` never reaches a
    // key source (nor starts a JWKS refresh).
    let loaded = decode_key_loader
        .map(|loader| call_decode_key_loader(loader, &header, &payload))
        .transpose()?;
    let algorithm = match header.get("alg") {
        None => return Err(decode_error("Algorithm not specified")),
        Some(alg) => alg
            .as_str()
            .and_then(|alg| alg.parse::<jsonwebtoken::Algorithm>().ok())
            .filter(|alg| keys.decode_algorithms.contains(alg))
            .ok_or_else(|| decode_error("The specified alg value is not allowed"))?,
    };
    let key = match loaded {
        Some(key) => VerifyingKey::Loaded(key),
        None => keys.decoding_key(&header, algorithm)?,
    };
    let valid = keys.verify_signature(&key, algorithm, signing_input.as_bytes(), signature);
    if !valid {
        return Err(decode_error("Signature verification failed"));
    }
    if let Some(required) = &keys.sources.required_typ {
        let typ = header.get("typ").and_then(Value::as_str);
        if typ.map(normal_typ).as_deref() != Some(required.as_str()) {
            return Err(decode_error(format!(
                "Invalid \"typ\" header: expected \"{required}\""
            )));
        }
    }

    let found = Registered::of(&payload);
    let time_claim = |claim: Option<&Value>, message: &str| {
        claim
            .map(|value| as_unix_seconds(value).ok_or_else(|| decode_error(message)))
            .transpose()
    };
    // PyJWT's order: `iat` type then value, `nbf` type then value, `exp` type.
    let iat = time_claim(found.iat, "Issued At claim (iat) must be an integer.")?;
    not_yet_valid(iat, "iat", now, leeway)?;
    let nbf = time_claim(found.nbf, "Not Before claim (nbf) must be an integer.")?;
    not_yet_valid(nbf, "nbf", now, leeway)?;
    // With `allow_expired`, PyJWT skips the `exp` check entirely, its type included.
    let exp = match allow_expired {
        true => None,
        false => time_claim(found.exp, "Expiration Time claim (exp) must be an integer.")?,
    };

    if let Some(issuer) = &config.decode_issuer {
        match found.iss {
            None => return Err(decode_error("Token is missing the \"iss\" claim")),
            Some(iss) if iss.as_str() != Some(issuer.as_str()) => {
                return Err(decode_error("Invalid issuer"))
            }
            Some(_) => {}
        }
    }
    if let Some(audience) = &config.decode_audience {
        check_audience(found.aud, audience)?;
    }
    if config.verify_sub && found.sub.is_some_and(|sub| !sub.is_string()) {
        return Err(decode_error("Subject must be a string"));
    }
    if found.jti.is_some_and(|jti| !jti.is_string()) {
        return Err(decode_error("JWT ID must be a string"));
    }
    let has_identity = match config.identity_claim.as_str() {
        "sub" => found.sub.is_some(),
        other => payload.contains_key(other),
    };
    if !has_identity {
        return Err(decode_error(format!(
            "Missing claim: {}",
            config.identity_claim
        )));
    }
    let (has_type, has_fresh, has_jti) = (found.has_type, found.has_fresh, found.jti.is_some());
    if !has_type {
        payload.insert("type".to_owned(), "access".into());
    }
    if !has_fresh {
        payload.insert("fresh".to_owned(), false.into());
    }
    if !has_jti {
        payload.insert("jti".to_owned(), Value::Null);
    }
    Ok(Checked {
        header: JwtHeader::new(header),
        claims: Claims::new(payload),
        iat,
        nbf,
        exp,
    })
}

/// The registered claims PyJWT checks and the ones Flask fills in, found in one pass over the
/// payload: a dozen keyed lookups cost more, in string comparisons, than reading its few
/// entries once.
#[derive(Default)]
struct Registered<'p> {
    iat: Option<&'p Value>,
    nbf: Option<&'p Value>,
    exp: Option<&'p Value>,
    iss: Option<&'p Value>,
    aud: Option<&'p Value>,
    sub: Option<&'p Value>,
    jti: Option<&'p Value>,
    has_type: bool,
    has_fresh: bool,
}

impl<'p> Registered<'p> {
    fn of(payload: &'p Map<String, Value>) -> Self {
        let mut found = Self::default();
        for (claim, value) in payload {
            match claim.as_str() {
                "iat" => found.iat = Some(value),
                "nbf" => found.nbf = Some(value),
                "exp" => found.exp = Some(value),
                "iss" => found.iss = Some(value),
                "aud" => found.aud = Some(value),
                "sub" => found.sub = Some(value),
                "jti" => found.jti = Some(value),
                "type" => found.has_type = true,
                "fresh" => found.has_fresh = true,
                _ => {}
            }
        }
        found
    }
}

/// `iat` and `nbf` must not be in the future (beyond the leeway).
fn check_not_before(checked: &Checked, now: f64, leeway: f64) -> Result<(), JwtError> {
    not_yet_valid(checked.iat, "iat", now, leeway)?;
    not_yet_valid(checked.nbf, "nbf", now, leeway)
}

fn not_yet_valid(claim: Option<i64>, name: &str, now: f64, leeway: f64) -> Result<(), JwtError> {
    match claim {
        Some(at) if at as f64 > now + leeway => {
            Err(decode_error(format!("The token is not yet valid ({name})")))
        }
        _ => Ok(()),
    }
}

fn check_audience(aud: Option<&Value>, expected: &[String]) -> Result<(), JwtError> {
    let missing = || decode_error("Token is missing the \"aud\" claim");
    let bad_format = || decode_error("Invalid claim format in token");
    let claimed: Vec<&str> = match aud {
        // PyJWT: `if "aud" not in payload or not payload["aud"]` (any falsy value).
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Err(missing()),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return Err(missing()),
        Some(Value::Object(map)) if map.is_empty() => return Err(missing()),
        Some(Value::String(s)) if s.is_empty() => return Err(missing()),
        Some(Value::Array(list)) if list.is_empty() => return Err(missing()),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| v.as_str().ok_or_else(bad_format))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad_format()),
    };
    if expected.iter().any(|aud| claimed.contains(&aud.as_str())) {
        Ok(())
    } else {
        Err(decode_error("Audience doesn't match"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeySources;
    use crate::loaders::callbacks::Callbacks;
    use crate::tokens::encode::{TokenKind, TokenSpec};

    /// Decoding needs the config and the keys, not a manager.
    #[test]
    fn decodes_with_config_and_keys_alone() {
        crate::keys::install_backend_provider();
        let config = JwtConfig {
            secret_key: Some("thirty-two bytes of HMAC secret!".into()),
            ..JwtConfig::default()
        };
        let keys = Keys::from_config(&config, false, false, KeySources::default()).unwrap();
        let token = TokenSpec::new(TokenKind::Access, "ann".into())
            .encode(&config, &keys, &Callbacks::default())
            .unwrap();
        let decoder = Decoder {
            config: &config,
            keys: &keys,
            decode_key_loader: None,
            cache: None,
        };
        let (header, claims) = decode(decoder, &token, None, false).unwrap();
        assert_eq!((header.alg(), claims.sub()), (Some("HS256"), Some("ann")));
        let error = decode(decoder, "foobarbaz", None, false).unwrap_err();
        assert_eq!(error.message(), "Not enough segments");
    }
}
