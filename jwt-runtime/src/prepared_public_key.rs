//! The configured public key, parsed once for the crypto backend.
//!
//! `jsonwebtoken` hands the public key's bytes to the backend inside every `verify`, which
//! parses them again (for an RSA-2048 key, about 5k instructions of each verification). With
//! the `aws_lc_rs` backend the key is parsed here once per decode algorithm, when the manager
//! is built, with the verification parameters `jsonwebtoken` uses for that algorithm, so both
//! paths accept and refuse the same signatures. Keys of a key set, a JWKS or a loader, and
//! other backends, verify through `jsonwebtoken`.

use jsonwebtoken::{Algorithm, DecodingKey};

/// The configured public key, parsed for each asymmetric decode algorithm of its family.
#[derive(Clone)]
pub(crate) struct PreparedPublicKey {
    #[cfg(feature = "aws_lc_rs")]
    parsed: Vec<(Algorithm, aws_lc_rs::signature::ParsedPublicKey)>,
}

impl PreparedPublicKey {
    /// Parses `key` for each of `algorithms` it can verify; `None` when there is none (or
    /// another backend).
    pub(crate) fn new(key: &DecodingKey, algorithms: &[Algorithm]) -> Option<Self> {
        #[cfg(feature = "aws_lc_rs")]
        {
            use aws_lc_rs::signature::ParsedPublicKey;
            use jsonwebtoken::DecodingKeyKind;
            // Keys from RSA components (JWKs) are not DER: those stay with jsonwebtoken.
            let DecodingKeyKind::SecretOrDer(bytes) = key.kind() else {
                return None;
            };
            let parsed: Vec<_> = algorithms
                .iter()
                .filter(|algorithm| algorithm.family() == key.family())
                .filter_map(|&algorithm| {
                    let parameters = parameters(algorithm)?;
                    let parsed = ParsedPublicKey::new(parameters, bytes).ok()?;
                    Some((algorithm, parsed))
                })
                .collect();
            (!parsed.is_empty()).then_some(Self { parsed })
        }
        #[cfg(not(feature = "aws_lc_rs"))]
        {
            let _ = (key, algorithms);
            None
        }
    }

    /// Whether `signature` (base64url) signs `message` with `algorithm`; `None` when the key
    /// is not prepared for `algorithm`, for the caller to verify through `jsonwebtoken`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Option<bool> {
        #[cfg(feature = "aws_lc_rs")]
        {
            use base64::engine::general_purpose::URL_SAFE_NO_PAD;
            use base64::Engine;
            let (_, key) = self
                .parsed
                .iter()
                .find(|(prepared, _)| *prepared == algorithm)?;
            // Decoded as jsonwebtoken decodes it: unpadded, canonical base64url.
            let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
                return Some(false);
            };
            Some(key.verify_sig(message, &signature).is_ok())
        }
        #[cfg(not(feature = "aws_lc_rs"))]
        {
            let _ = (algorithm, message, signature);
            None
        }
    }
}

/// The verification parameters `jsonwebtoken`'s aws-lc backend uses for `algorithm`.
#[cfg(feature = "aws_lc_rs")]
fn parameters(
    algorithm: Algorithm,
) -> Option<&'static dyn aws_lc_rs::signature::VerificationAlgorithm> {
    use aws_lc_rs::signature as sig;
    Some(match algorithm {
        Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
        Algorithm::ES256 => &sig::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &sig::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &sig::ED25519,
        _ => return None,
    })
}

#[cfg(all(test, feature = "aws_lc_rs"))]
mod tests {
    use super::*;
    use jsonwebtoken::EncodingKey;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../tests/fixtures/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn encoding_key(algorithm: Algorithm, pem: &[u8]) -> EncodingKey {
        match algorithm.family() {
            jsonwebtoken::AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            jsonwebtoken::AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            _ => EncodingKey::from_ed_pem(pem),
        }
        .unwrap()
    }

    /// For every asymmetric algorithm, the parsed key accepts exactly what `jsonwebtoken`
    /// accepts: the good signature, and none of its tampered copies nor another key's.
    #[test]
    fn agrees_with_jsonwebtoken() {
        let cases = [
            (Algorithm::RS256, "rsa_a", "rsa_a_public.pem", "rsa_b"),
            (Algorithm::RS384, "rsa_a", "rsa_a_public_pkcs1.pem", "rsa_b"),
            (Algorithm::RS512, "rsa_a", "rsa_a_public.pem", "rsa_b"),
            (Algorithm::PS256, "rsa_a", "rsa_a_public.pem", "rsa_b"),
            (Algorithm::PS384, "rsa_a", "rsa_a_public_pkcs1.pem", "rsa_b"),
            (Algorithm::PS512, "rsa_a", "rsa_a_public.pem", "rsa_b"),
            (
                Algorithm::ES256,
                "ec_p256_a",
                "ec_p256_a_public.pem",
                "ec_p256_b",
            ),
            (
                Algorithm::ES384,
                "ec_p384",
                "ec_p384_public.pem",
                "ec_p256_a",
            ),
            (Algorithm::EdDSA, "ed25519", "ed25519_public.pem", "rsa_a"),
        ];
        let message = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0";
        for (algorithm, signer, public, other) in cases {
            let (decoding, _) =
                crate::key_set::public_key_from_pem(algorithm, &fixture(public)).unwrap();
            let prepared = PreparedPublicKey::new(&decoding, &[algorithm, Algorithm::HS256])
                .unwrap_or_else(|| panic!("{algorithm:?} prepared"));
            let sign = |name: &str| {
                let pem = fixture(&format!("{name}_private.pem"));
                let family = Algorithm::family(algorithm);
                let other_family = match name {
                    n if n.starts_with("rsa") => jsonwebtoken::AlgorithmFamily::Rsa,
                    n if n.starts_with("ec") => jsonwebtoken::AlgorithmFamily::Ec,
                    _ => jsonwebtoken::AlgorithmFamily::Ed,
                };
                // Another curve's key cannot sign for this algorithm: no candidate then.
                let key = (family == other_family).then(|| encoding_key(algorithm, &pem))?;
                jsonwebtoken::crypto::sign(message, &key, algorithm).ok()
            };
            let good = sign(signer).unwrap();
            let mut candidates = vec![
                good.clone(),
                format!("{good}="),
                good[1..].to_owned(),
                good[..good.len() - 1].to_owned(),
                good.replacen(&good[..1], if &good[..1] == "A" { "B" } else { "A" }, 1),
                String::new(),
                "!!!!".to_owned(),
            ];
            candidates.extend(sign(other));
            for signature in candidates {
                let expected =
                    jsonwebtoken::crypto::verify(&signature, message, &decoding, algorithm)
                        .unwrap_or(false);
                let answer = prepared.verify(algorithm, message, &signature);
                assert_eq!(answer, Some(expected), "{algorithm:?} {signature:?}");
            }
            assert_eq!(prepared.verify(algorithm, message, &good), Some(true));
            // Not prepared for an algorithm of another family: jsonwebtoken decides.
            assert_eq!(prepared.verify(Algorithm::HS256, message, &good), None);
        }
    }
}
