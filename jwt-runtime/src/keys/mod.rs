//! Layer 2, keys and crypto: signing and verification keys, parsed once when the manager is
//! built, the key sources that resolve a token's `kid` (a [`KeySet`], a JWKS URL), the keys
//! prepared for the fast paths, and constant-time comparison.

#[cfg(feature = "jwks")]
pub(crate) mod jwks;
pub(crate) mod key_set;
mod prepared_hmac;
mod prepared_public_key;

use std::sync::Arc;

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::foundation::config::{is_asymmetric, JwtConfig};
use crate::foundation::error::{decode_error, ConfigError, JwtError, JwtErrorKind};
use crate::foundation::trace;
use key_set::{KeyEntry, KeySet};
use prepared_hmac::PreparedHmac;
use prepared_public_key::PreparedPublicKey;

/// The configured keys, ready for the crypto backend. `None` where a loader or a key source
/// replaces them.
#[derive(Clone)]
pub(crate) struct Keys {
    pub(crate) encoding: Option<EncodingKey>,
    pub(crate) decoding: Option<DecodingKey>,
    /// The configured secret, prepared for HMAC verification (`None` for asymmetric keys).
    hmac: Option<PreparedHmac>,
    /// The configured public key, parsed once (`None` for secrets).
    public: Option<PreparedPublicKey>,
    /// Whether prepared keys may verify: jsonwebtoken uses the enabled backend's own
    /// provider (see [`built_in_provider`]).
    prepared_allowed: bool,
    /// `JWT_DECODE_ALGORITHMS` with `JWT_ALGORITHM` added, computed once.
    pub(crate) decode_algorithms: Vec<Algorithm>,
    pub(crate) sources: KeySources,
}

/// Where keys are found by `kid`, set on the builder.
#[derive(Clone, Default)]
pub(crate) struct KeySources {
    /// Signs with its current key and verifies by `kid`.
    pub(crate) key_set: Option<KeySet>,
    /// Verifies by `kid` with keys fetched from a JWKS URL.
    #[cfg(feature = "jwks")]
    pub(crate) jwks: Option<jwks::JwksSource>,
    /// The JWKS may verify without `JWT_DECODE_AUDIENCE` (`insecure_skip_jwks_audience`).
    #[cfg(feature = "jwks")]
    pub(crate) jwks_any_audience: bool,
    /// The `typ` header every token must carry (`require_typ`), lowercase and without an
    /// `application/` prefix.
    pub(crate) required_typ: Option<String>,
}

impl KeySources {
    pub(crate) fn verifies(&self) -> bool {
        #[cfg(feature = "jwks")]
        if self.jwks.is_some() {
            return true;
        }
        self.key_set.is_some()
    }

    /// The key for `kid`: the key set's, else the JWKS's (which may start a refresh).
    fn find(&self, kid: Option<&str>) -> Option<Arc<KeyEntry>> {
        if let Some(entry) = self.key_set.as_ref().and_then(|set| set.find(kid)) {
            return Some(entry);
        }
        #[cfg(feature = "jwks")]
        if let Some(jwks) = &self.jwks {
            return jwks.find(kid);
        }
        None
    }

    /// Why no key verifies a token with `kid`: the JWKS cannot be fetched (503, worth
    /// retrying), else the token names no known key (422).
    fn missing(&self, kid: Option<&str>) -> JwtError {
        #[cfg(feature = "jwks")]
        if let Some(unavailable) = self.jwks.as_ref().and_then(|jwks| jwks.unavailable()) {
            return unavailable;
        }
        match kid {
            Some(_) => decode_error("Unable to find a signing key that matches the token's kid"),
            None => decode_error("Token is missing the \"kid\" header"),
        }
    }

    /// A JWKS holds a third party's keys, which sign tokens for every client of that party
    /// (ID tokens too): without an audience check, any of them would pass.
    fn check_audience(&self, config: &JwtConfig) -> Result<(), ConfigError> {
        #[cfg(feature = "jwks")]
        if self.jwks.is_some() && config.decode_audience.is_none() && !self.jwks_any_audience {
            return Err(ConfigError::new(
                "JWT_DECODE_AUDIENCE",
                "must be set with a JWKS source: the provider signs tokens for all its clients, \
                 and without an audience check any of them opens this app; set it to this \
                 app's client ID at the provider (or call `insecure_skip_jwks_audience()` if \
                 every token of the provider must pass)",
            ));
        }
        let _ = config; // read only with the `jwks` feature
        Ok(())
    }
}

/// The key that signs one token: the configured one is borrowed, not copied per token.
pub(crate) enum SigningKey<'k> {
    /// The configured secret or private key.
    Configured(&'k EncodingKey),
    /// The key set's current key, or the `encode_key_loader`'s.
    Other(EncodingKey),
}

impl std::ops::Deref for SigningKey<'_> {
    type Target = EncodingKey;
    fn deref(&self) -> &EncodingKey {
        match self {
            SigningKey::Configured(key) => key,
            SigningKey::Other(key) => key,
        }
    }
}

/// The key that verifies one token, borrowed where it can be: parsed keys are not copied per
/// request.
pub(crate) enum VerifyingKey<'k> {
    /// The configured secret or public key.
    Configured(&'k DecodingKey),
    /// A key of a key set or JWKS.
    Source(Arc<KeyEntry>),
    /// The `decode_key_loader`'s key.
    Loaded(DecodingKey),
}

impl std::ops::Deref for VerifyingKey<'_> {
    type Target = DecodingKey;
    fn deref(&self) -> &DecodingKey {
        match self {
            VerifyingKey::Configured(key) => key,
            VerifyingKey::Source(entry) => &entry.decoding,
            VerifyingKey::Loaded(key) => key,
        }
    }
}

impl Keys {
    /// Parses the keys `config` names; a key is optional when a loader or a key source
    /// provides it instead.
    pub(crate) fn from_config(
        config: &JwtConfig,
        encode_key_loader: bool,
        decode_key_loader: bool,
        sources: KeySources,
    ) -> Result<Self, ConfigError> {
        if decode_key_loader && sources.verifies() {
            return Err(ConfigError::new(
                "JWT_PUBLIC_KEY",
                "a `decode_key_loader` and a key set or JWKS both choose the verification key: \
                 keep one (`ignore_registered_loaders` drops attribute-registered loaders)",
            ));
        }
        if encode_key_loader && sources.key_set.is_some() {
            return Err(ConfigError::new(
                "JWT_PRIVATE_KEY",
                "an `encode_key_loader` and a key set both choose the signing key: keep one \
                 (`ignore_registered_loaders` drops attribute-registered loaders)",
            ));
        }
        sources.check_audience(config)?;
        let algorithm = config.algorithm;
        if let Some(current) = sources.key_set.as_ref().and_then(KeySet::current) {
            if current.algorithm != Some(algorithm) {
                return Err(ConfigError::new(
                    "JWT_ALGORITHM",
                    format!(
                        "is `{algorithm:?}` but the current key of the key set signs `{:?}`",
                        current.algorithm.unwrap_or(algorithm)
                    ),
                ));
            }
        }
        // A key set signs; a verify-only app (a JWKS and no key set) need not sign at all.
        let signs_elsewhere = encode_key_loader || sources.verifies();
        let verifies_elsewhere = decode_key_loader || sources.verifies();

        let name = format!("{algorithm:?}");
        let prepared_allowed = built_in_provider();
        let mut hmac = None;
        let (encoding, decoding) = if is_asymmetric(algorithm) {
            let encoding = match (&config.private_key, signs_elsewhere) {
                (Some(pem), _) => Some(encoding_key_from_pem(algorithm, pem.expose())?),
                (None, true) => None,
                (None, false) => {
                    return Err(ConfigError::new(
                        "JWT_PRIVATE_KEY",
                        format!("must be set to use asymmetric cryptography algorithm `{name}`"),
                    ))
                }
            };
            let decoding = match (&config.public_key, verifies_elsewhere) {
                (Some(pem), _) => Some(decoding_key_from_pem(algorithm, pem.as_bytes())?),
                (None, true) => None,
                (None, false) => {
                    return Err(ConfigError::new(
                        "JWT_PUBLIC_KEY",
                        format!("must be set to use asymmetric cryptography algorithm `{name}`"),
                    ))
                }
            };
            if let (Some(encoding), Some(decoding)) = (&encoding, &decoding) {
                check_pair(algorithm, encoding, decoding)?;
            }
            (encoding, decoding)
        } else {
            match &config.secret_key {
                Some(secret) => {
                    warn_if_short("JWT_SECRET_KEY", algorithm, secret.expose());
                    let empty = || ConfigError::new("JWT_SECRET_KEY", "cannot be empty");
                    let keys = (
                        Some(EncodingKey::from_secret(secret.expose()).map_err(|_| empty())?),
                        Some(DecodingKey::from_secret(secret.expose()).map_err(|_| empty())?),
                    );
                    hmac = PreparedHmac::new(secret.expose()).filter(|_| prepared_allowed);
                    keys
                }
                None if signs_elsewhere && verifies_elsewhere => (None, None),
                None => {
                    return Err(ConfigError::new(
                        "JWT_SECRET_KEY",
                        format!(
                            "must be set when using symmetric algorithm `{name}` (or register both \
                             `encode_key_loader` and `decode_key_loader`, or a key set)"
                        ),
                    ))
                }
            }
        };
        let decode_algorithms = config.effective_decode_algorithms();
        let public = match (&decoding, hmac.is_none() && prepared_allowed) {
            (Some(key), true) => PreparedPublicKey::new(key, &decode_algorithms),
            _ => None,
        };
        Ok(Self {
            encoding,
            decoding,
            hmac,
            public,
            prepared_allowed,
            decode_algorithms,
            sources,
        })
    }

    /// The signature (base64url) of `message` under `key` with `algorithm`. The configured
    /// secret signs with its prepared HMAC state; any other key through `jsonwebtoken`.
    pub(crate) fn sign(
        &self,
        key: &SigningKey<'_>,
        algorithm: Algorithm,
        message: &[u8],
    ) -> Result<String, JwtError> {
        let prepared = match (key, &self.hmac) {
            (SigningKey::Configured(_), Some(hmac)) => hmac.sign(algorithm, message),
            _ => None,
        };
        match prepared {
            Some(signature) => Ok(signature),
            None => jsonwebtoken::crypto::sign(message, key, algorithm).map_err(|e| {
                JwtError::new(JwtErrorKind::Encode, format!("cannot sign the token: {e}"))
            }),
        }
    }

    /// Whether `signature` (base64url) signs `message` under `key` with `algorithm`. The
    /// configured secret verifies with its prepared HMAC state, the configured public key and
    /// key-set and JWKS keys as parsed once; a loader's key through `jsonwebtoken`.
    pub(crate) fn verify_signature(
        &self,
        key: &VerifyingKey<'_>,
        algorithm: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> bool {
        let prepared = match (key, &self.hmac, &self.public) {
            (VerifyingKey::Configured(_), Some(hmac), _) => {
                hmac.verify(algorithm, message, signature)
            }
            (VerifyingKey::Configured(_), None, Some(public)) => {
                public.verify(algorithm, message, signature)
            }
            (VerifyingKey::Source(entry), _, _) if self.prepared_allowed => entry
                .prepared
                .as_ref()
                .and_then(|public| public.verify(algorithm, message, signature)),
            _ => None,
        };
        prepared.unwrap_or_else(|| {
            jsonwebtoken::crypto::verify(signature, message, key, algorithm).unwrap_or(false)
        })
    }

    /// The key that signs a new token when no `encode_key_loader` is set: the key set's
    /// current key, named in `header`'s `kid`, else the configured key.
    pub(crate) fn signing_key(
        &self,
        algorithm: Algorithm,
        header: &mut Map<String, Value>,
    ) -> Result<SigningKey<'_>, JwtError> {
        let from_set = self.sources.key_set.as_ref().and_then(KeySet::current);
        if let Some(kid) = from_set.as_ref().and_then(|entry| entry.kid.clone()) {
            header.insert("kid".into(), kid.into());
        }
        match from_set {
            Some(entry) if entry.algorithm != Some(algorithm) => Err(JwtError::new(
                JwtErrorKind::Encode,
                format!(
                    "the current key of the key set signs `{:?}`, not JWT_ALGORITHM `{algorithm:?}`",
                    entry.algorithm.unwrap_or(algorithm)
                ),
            )),
            Some(entry) => entry
                .encoding
                .clone()
                .map(SigningKey::Other)
                .ok_or_else(|| JwtError::new(JwtErrorKind::Encode, "no signing key configured")),
            None => self
                .encoding
                .as_ref()
                .map(SigningKey::Configured)
                .ok_or_else(|| JwtError::new(JwtErrorKind::Encode, "no signing key configured")),
        }
    }

    /// The key that verifies a token with `header`, whose `alg` is `algorithm` (already one of
    /// the decode algorithms), when no `decode_key_loader` is set.
    ///
    /// With a key source, a token's `kid` must name one of its keys, and a key bound to an
    /// algorithm verifies only that one. A token without `kid` uses the configured key (tokens
    /// made before rotation was set up), else a source key without `kid`.
    pub(crate) fn decoding_key(
        &self,
        header: &Map<String, Value>,
        algorithm: Algorithm,
    ) -> Result<VerifyingKey<'_>, JwtError> {
        let kid = header.get("kid").and_then(Value::as_str);
        let configured = || {
            self.decoding
                .as_ref()
                .map(VerifyingKey::Configured)
                .ok_or_else(|| JwtError::internal("no verification key configured"))
        };
        if !self.sources.verifies() || (kid.is_none() && self.decoding.is_some()) {
            return configured();
        }
        let entry = self
            .sources
            .find(kid)
            .ok_or_else(|| self.sources.missing(kid))?;
        if entry.algorithm.is_some_and(|bound| bound != algorithm) {
            // PyJWT's answer when a JWK's `alg` differs from the token's.
            return Err(decode_error("The specified alg value is not allowed"));
        }
        Ok(VerifyingKey::Source(entry))
    }
}

/// Makes the backend this crate was built with jsonwebtoken's crypto provider, unless one is
/// installed already: aws-lc when both backend features are on (cargo unifies features across
/// a build, and jsonwebtoken then has no default of its own), as the prepared keys choose it.
/// The first provider installed stays for the whole process, so one the app installed before
/// building a manager wins. Whether a provider is in place afterwards.
pub(crate) fn install_backend_provider() -> bool {
    #[cfg(feature = "aws_lc_rs")]
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some()
}

/// Whether jsonwebtoken's crypto provider is the enabled backend's own. Prepared keys call
/// that backend directly, so an app that installed another `CryptoProvider` (FIPS, an HSM)
/// keeps every signature going through its provider. The manager asks after fixing the
/// provider (jsonwebtoken keeps the first one for the whole process).
fn built_in_provider() -> bool {
    let Some(current) = jsonwebtoken::crypto::CryptoProvider::try_get_default() else {
        return false;
    };
    #[cfg(feature = "aws_lc_rs")]
    return std::ptr::eq(current, &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER);
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    return std::ptr::eq(
        current,
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
    #[allow(unreachable_code)]
    {
        let _ = current;
        false
    }
}

/// The key length RFC 7518 §3.2 requires of an HMAC algorithm (its hash output), `None` for
/// the others.
pub(crate) fn hmac_key_length(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    }
}

/// Warns (`weak_hmac_secret`) when `secret`, an HMAC key for `algorithm`, is shorter than the hash output:
/// whoever holds one token can then guess it offline. It still works, as in Flask, whose
/// examples use short secrets. `what` names the secret; the warning never shows it.
pub(crate) fn warn_if_short(what: &str, algorithm: Algorithm, secret: &[u8]) {
    let Some(length) = hmac_key_length(algorithm).filter(|&length| secret.len() < length) else {
        return;
    };
    trace::weak_hmac_secret(what, algorithm, secret.len(), length);
}

fn encoding_key_from_pem(algorithm: Algorithm, pem: &[u8]) -> Result<EncodingKey, ConfigError> {
    let key = match algorithm.family() {
        AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
        AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
        AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
        AlgorithmFamily::Hmac => EncodingKey::from_secret(pem),
    };
    let bad = |e: &dyn std::fmt::Display| {
        ConfigError::new(
            "JWT_PRIVATE_KEY",
            format!("not a PEM private key for `{algorithm:?}`: {e}"),
        )
    };
    let key = key.map_err(|e| bad(&e))?;
    // The PEM wrapper parses without the key inside; signing once proves the key itself.
    jsonwebtoken::crypto::sign(b"actix-jwt-extended key check", &key, algorithm)
        .map_err(|e| bad(&e))?;
    Ok(key)
}

fn decoding_key_from_pem(algorithm: Algorithm, pem: &[u8]) -> Result<DecodingKey, ConfigError> {
    key_set::public_key_from_pem(algorithm, pem)
        .map(|(key, _jwk)| key)
        .map_err(|e| {
            ConfigError::new(
                "JWT_PUBLIC_KEY",
                format!("not a PEM public key for `{algorithm:?}`: {e}"),
            )
        })
}

/// Both halves configured: the public key must verify what the private key signs, or every
/// token this app makes would be refused by itself.
fn check_pair(
    algorithm: Algorithm,
    encoding: &EncodingKey,
    decoding: &DecodingKey,
) -> Result<(), ConfigError> {
    let probe = b"actix-jwt-extended key check";
    let verified = jsonwebtoken::crypto::sign(probe, encoding, algorithm)
        .and_then(|signature| jsonwebtoken::crypto::verify(&signature, probe, decoding, algorithm));
    match verified {
        Ok(true) => Ok(()),
        _ => Err(ConfigError::new(
            "JWT_PUBLIC_KEY",
            format!("does not verify the `{algorithm:?}` signatures of JWT_PRIVATE_KEY: they are not one key pair"),
        )),
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

/// A `typ` as compared: lowercase, without the `application/` prefix RFC 7515 §4.1.9 lets
/// senders drop.
pub(crate) fn normal_typ(typ: &str) -> String {
    let typ = typ.to_ascii_lowercase();
    match typ.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => typ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_key_length_is_the_hash_output() {
        assert_eq!(hmac_key_length(Algorithm::HS256), Some(32));
        assert_eq!(hmac_key_length(Algorithm::HS384), Some(48));
        assert_eq!(hmac_key_length(Algorithm::HS512), Some(64));
        assert_eq!(hmac_key_length(Algorithm::RS256), None);
        assert_eq!(hmac_key_length(Algorithm::EdDSA), None);
    }
}
