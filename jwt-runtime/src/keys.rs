//! Signing and verification keys, parsed once when the manager is built.

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::config::{is_asymmetric, JwtConfig};
use crate::error::ConfigError;

/// The configured keys, ready for the crypto backend. `None` where a key loader replaces them.
#[derive(Clone)]
pub(crate) struct Keys {
    pub(crate) encoding: Option<EncodingKey>,
    pub(crate) decoding: Option<DecodingKey>,
    /// `JWT_DECODE_ALGORITHMS` with `JWT_ALGORITHM` added, computed once.
    pub(crate) decode_algorithms: Vec<Algorithm>,
}

impl Keys {
    /// Parses the keys `config` names; a key is optional when a loader provides it instead.
    pub(crate) fn from_config(
        config: &JwtConfig,
        encode_key_loader: bool,
        decode_key_loader: bool,
    ) -> Result<Self, ConfigError> {
        let algorithm = config.algorithm;
        let name = format!("{algorithm:?}");
        let (encoding, decoding) = if is_asymmetric(algorithm) {
            let encoding = match (&config.private_key, encode_key_loader) {
                (Some(pem), _) => Some(encoding_key_from_pem(algorithm, pem.expose())?),
                (None, true) => None,
                (None, false) => {
                    return Err(ConfigError::new(
                        "JWT_PRIVATE_KEY",
                        format!("must be set to use asymmetric cryptography algorithm `{name}`"),
                    ))
                }
            };
            let decoding = match (&config.public_key, decode_key_loader) {
                (Some(pem), _) => Some(decoding_key_from_pem(algorithm, pem.as_bytes())?),
                (None, true) => None,
                (None, false) => {
                    return Err(ConfigError::new(
                        "JWT_PUBLIC_KEY",
                        format!("must be set to use asymmetric cryptography algorithm `{name}`"),
                    ))
                }
            };
            (encoding, decoding)
        } else {
            match &config.secret_key {
                Some(secret) => {
                    let empty = || ConfigError::new("JWT_SECRET_KEY", "cannot be empty");
                    (
                        Some(EncodingKey::from_secret(secret.expose()).map_err(|_| empty())?),
                        Some(DecodingKey::from_secret(secret.expose()).map_err(|_| empty())?),
                    )
                }
                None if encode_key_loader && decode_key_loader => (None, None),
                None => {
                    return Err(ConfigError::new(
                        "JWT_SECRET_KEY",
                        format!(
                            "must be set when using symmetric algorithm `{name}` (or register both \
                             `encode_key_loader` and `decode_key_loader`)"
                        ),
                    ))
                }
            }
        };
        Ok(Self {
            encoding,
            decoding,
            decode_algorithms: config.effective_decode_algorithms(),
        })
    }
}

fn encoding_key_from_pem(algorithm: Algorithm, pem: &[u8]) -> Result<EncodingKey, ConfigError> {
    let key = match algorithm.family() {
        AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
        AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
        AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
        AlgorithmFamily::Hmac => EncodingKey::from_secret(pem),
    };
    key.map_err(|e| {
        ConfigError::new(
            "JWT_PRIVATE_KEY",
            format!("not a PEM private key for `{algorithm:?}`: {e}"),
        )
    })
}

fn decoding_key_from_pem(algorithm: Algorithm, pem: &[u8]) -> Result<DecodingKey, ConfigError> {
    let key = match algorithm.family() {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem),
        AlgorithmFamily::Hmac => DecodingKey::from_secret(pem),
    };
    key.map_err(|e| {
        ConfigError::new(
            "JWT_PUBLIC_KEY",
            format!("not a PEM public key for `{algorithm:?}`: {e}"),
        )
    })
}
