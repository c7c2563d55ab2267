//! Decoding and verifying a token, step by step as PyJWT 2.10 and Flask-JWT-Extended do, with
//! their exact messages (BEHAVIOUR.md §3.7). jsonwebtoken only checks the signature: its claim
//! validation has other defaults (60 s leeway, `exp` required, `aud` always checked).

use std::sync::Arc;
use std::time::SystemTime;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use serde_json::{Map, Value};

use crate::cache::Checked;
use crate::claims::{as_unix_seconds, Claims, JwtHeader};
use crate::error::{JwtError, JwtErrorKind};
use crate::keys::VerifyingKey;
use crate::manager::JwtManager;
use crate::tokens::unix_seconds;

/// PyJWT's base64url decoding: padding optional, trailing bits tolerated.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

pub(crate) fn decode_error(message: impl Into<String>) -> JwtError {
    JwtError::new(JwtErrorKind::Decode, message)
}

/// Whether `text` decodes as base64url (padding optional), without decoding it: the
/// signature is decoded once, by the crypto backend.
fn is_base64url(text: &str) -> bool {
    let data = text.trim_end_matches('=');
    // One branch-free pass (vectorised): an RS256 signature is 342 characters.
    let alphabet_only = data.bytes().fold(true, |ok, b| {
        ok & (b.is_ascii_alphanumeric() | (b == b'-') | (b == b'_'))
    });
    data.len() % 4 != 1 && text.len() - data.len() <= 2 && alphabet_only
}

/// The three parts of a compact token, parsed but not verified.
pub(crate) struct Unverified<'t> {
    pub(crate) header: Map<String, Value>,
    pub(crate) payload: Map<String, Value>,
    signing_input: &'t str,
    signature: &'t str,
}

/// Step 1: structure. Header and payload parsed, signature checked for base64 only.
pub(crate) fn parse(token: &str) -> Result<Unverified<'_>, JwtError> {
    let (signing_input, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| decode_error("Not enough segments"))?;
    let (header_b64, payload_b64) = signing_input
        .split_once('.')
        .ok_or_else(|| decode_error("Not enough segments"))?;
    let header_bytes = LENIENT_URL_SAFE
        .decode(header_b64)
        .map_err(|_| decode_error("Invalid header padding"))?;
    let header = match serde_json::from_slice::<Value>(&header_bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(decode_error("Invalid header string: must be a json object")),
        Err(e) => return Err(decode_error(format!("Invalid header string: {e}"))),
    };
    let payload_bytes = LENIENT_URL_SAFE
        .decode(payload_b64)
        .map_err(|_| decode_error("Invalid payload padding"))?;
    if !is_base64url(signature) {
        return Err(decode_error("Invalid crypto padding"));
    }
    let payload = match serde_json::from_slice::<Value>(&payload_bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(decode_error(
                "Invalid payload string: must be a json object",
            ))
        }
        Err(e) => return Err(decode_error(format!("Invalid payload string: {e}"))),
    };
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(decode_error("Key ID header parameter must be a string"));
    }
    check_crit(header.get("crit"))?;
    Ok(Unverified {
        header,
        payload,
        signing_input,
        signature,
    })
}

/// RFC 7515 §4.1.11: a recipient must refuse a `crit` header naming an extension it does
/// not understand, and we understand none (PyJWT ≥ 2.12's messages).
fn check_crit(crit: Option<&Value>) -> Result<(), JwtError> {
    let Some(crit) = crit else {
        return Ok(());
    };
    let Some(names) = crit.as_array().filter(|names| !names.is_empty()) else {
        return Err(decode_error(
            "Invalid 'crit' header: must be a non-empty list",
        ));
    };
    let names: Option<Vec<&str>> = names.iter().map(Value::as_str).collect();
    match names {
        None => Err(decode_error(
            "Invalid 'crit' header: values must be strings",
        )),
        Some(names) => Err(decode_error(format!(
            "Unsupported critical extension: {}",
            names[0]
        ))),
    }
}

/// Decodes and fully verifies `token` (steps 1–10 of BEHAVIOUR.md §3.7).
///
/// `csrf` is the double-submit value the token's `csrf` claim must equal; `allow_expired`
/// skips only the expiry check.
pub(crate) fn decode(
    manager: &JwtManager,
    token: &str,
    csrf: Option<&str>,
    allow_expired: bool,
) -> Result<(JwtHeader, Claims), JwtError> {
    let now = unix_seconds(SystemTime::now());
    let leeway = manager.config().decode_leeway.as_secs_f64();
    let cache = manager.verified_cache();
    let checked = match cache.and_then(|cache| cache.get(token, now)) {
        Some(checked) => {
            check_not_before(&checked, now, leeway)?;
            checked
        }
        None => {
            let checked = Arc::new(verify_and_check(
                manager,
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
    let expired = checked.exp.is_some_and(|exp| exp as f64 <= now - leeway);
    let (header, claims) = (checked.header.clone(), checked.claims.clone());
    if expired && !allow_expired {
        return Err(
            JwtError::new(JwtErrorKind::Expired, "Token has expired").with_token(header, claims)
        );
    }
    Ok((header, claims))
}

/// Steps 1–9 of §3.7 but the CSRF comparison and the expiry: structure, key, algorithm,
/// signature, time claims (types, then `iat`/`nbf` against `now`), issuer, audience, subject,
/// JTI, identity claim; then Flask's defaults are filled in.
fn verify_and_check(
    manager: &JwtManager,
    token: &str,
    now: f64,
    leeway: f64,
    allow_expired: bool,
) -> Result<Checked, JwtError> {
    let config = manager.config();
    let Unverified {
        header,
        mut payload,
        signing_input,
        signature,
    } = parse(token)?;

    // A `decode_key_loader` is asked first, as Flask does (§3.7 step 2). The manager's own keys
    // are looked up after the algorithm check, so a token with a refused `alg` never reaches a
    // key source (nor starts a JWKS refresh).
    let loaded = manager
        .callbacks()
        .decode_key(&header, &payload)
        .transpose()?;
    let algorithm = match header.get("alg") {
        None => return Err(decode_error("Algorithm not specified")),
        Some(alg) => alg
            .as_str()
            .and_then(|alg| alg.parse::<jsonwebtoken::Algorithm>().ok())
            .filter(|alg| manager.keys().decode_algorithms.contains(alg))
            .ok_or_else(|| decode_error("The specified alg value is not allowed"))?,
    };
    let key = match loaded {
        Some(key) => VerifyingKey::Loaded(key),
        None => manager.keys().decoding_key(&header, algorithm)?,
    };
    let valid =
        manager
            .keys()
            .verify_signature(&key, algorithm, signing_input.as_bytes(), signature);
    if !valid {
        return Err(decode_error("Signature verification failed"));
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

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The header of `token` without any verification (Flask's `get_unverified_jwt_headers`).
pub fn get_unverified_jwt_headers(token: &str) -> Result<JwtHeader, JwtError> {
    parse(token).map(|parts| JwtHeader::new(parts.header))
}

/// Decodes and verifies `token` with the current request's manager (Flask's `decode_token`);
/// `allow_expired` skips only the expiry check. See [`JwtManager::decode_token`] to name the
/// manager. Returned from a handler, the error renders as Flask's response (e.g. the expired
/// token loader's).
pub fn decode_token(token: &str, allow_expired: bool) -> Result<Claims, JwtError> {
    JwtManager::current_or_error()?.decode_token(token, allow_expired)
}

/// The `jti` of a valid token (Flask's `get_jti`): its unique id, used for revocation.
pub fn get_jti(token: &str) -> Result<Option<String>, JwtError> {
    Ok(decode_token(token, false)?.jti().map(str::to_owned))
}

/// The `csrf` claim of a valid token (Flask's `get_csrf_token`): the double-submit value.
pub fn get_csrf_token(token: &str) -> Result<String, JwtError> {
    decode_token(token, false)?
        .csrf()
        .map(str::to_owned)
        .ok_or_else(|| decode_error("Missing claim: csrf"))
}
