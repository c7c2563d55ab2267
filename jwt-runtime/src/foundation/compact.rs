//! The compact form of a JWT, `header.payload.signature` in base64url: split and parsed, not
//! verified, with PyJWT's structural messages. Decoding builds on it; a JWKS source reads the
//! `kid` a token names from it.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{Map, Value};

use crate::foundation::claims::JwtHeader;
use crate::foundation::error::{decode_error, JwtError};

/// PyJWT's base64url decoding: padding optional, trailing bits tolerated.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

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
    pub(crate) signing_input: &'t str,
    pub(crate) signature: &'t str,
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
/// not understand, and we understand none (with the messages newer PyJWT releases give).
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

/// The header of `token` without any verification (Flask's `get_unverified_jwt_headers`).
pub fn get_unverified_jwt_headers(token: &str) -> Result<JwtHeader, JwtError> {
    parse(token).map(|parts| JwtHeader::new(parts.header))
}
