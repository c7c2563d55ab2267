//! Public keys parsed once for the crypto backend.
//!
//! `jsonwebtoken` hands a public key's bytes to the backend inside every `verify`, which parses
//! them again and, for RSA, rebuilds the Montgomery context of the modulus: about a tenth of an
//! RS256 verification. With the `aws_lc_rs` backend a key is parsed here once per algorithm
//! (the configured key when the manager is built, a key set's or a JWKS's keys when they are
//! added), with the verification parameters `jsonwebtoken` uses for that algorithm, so both
//! paths accept and refuse the same signatures. A `decode_key_loader`'s keys, and the other
//! backends, verify through `jsonwebtoken`.

use jsonwebtoken::{Algorithm, DecodingKey};

/// A public key, parsed for each of its asymmetric algorithms.
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
            let bytes = match key.kind() {
                DecodingKeyKind::SecretOrDer(bytes) => std::borrow::Cow::Borrowed(&bytes[..]),
                // An RSA key from a JWK: its PKCS#1 encoding, which aws-lc parses as it does
                // PEM keys (jsonwebtoken keeps those as PKCS#1 too).
                DecodingKeyKind::RsaModulusExponent { n, e } => {
                    std::borrow::Cow::Owned(rsa_public_key_der(n, e)?)
                }
            };
            let bytes = &bytes[..];
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

/// The asymmetric algorithms a key of `family` verifies: a key without a bound `alg` (from a
/// JWKS) is parsed for each.
pub(crate) fn family_algorithms(family: jsonwebtoken::AlgorithmFamily) -> &'static [Algorithm] {
    use jsonwebtoken::AlgorithmFamily;
    match family {
        AlgorithmFamily::Rsa => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmFamily::Ec => &[Algorithm::ES256, Algorithm::ES384],
        AlgorithmFamily::Ed => &[Algorithm::EdDSA],
        AlgorithmFamily::Hmac => &[],
    }
}

/// DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017
/// A.1.1) of big-endian unsigned `n` and `e`; `None` for an empty or oversized one, and for
/// one with a leading zero byte, which aws-lc refuses as a JWK component: jsonwebtoken then
/// decides, and refuses, as before.
#[cfg(feature = "aws_lc_rs")]
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Option<Vec<u8>> {
    fn length(out: &mut Vec<u8>, len: usize) -> Option<()> {
        match len {
            0..=0x7f => out.push(len as u8),
            0x80..=0xff => out.extend([0x81, len as u8]),
            0x100..=0xffff => out.extend([0x82, (len >> 8) as u8, len as u8]),
            _ => return None,
        }
        Some(())
    }
    fn integer(out: &mut Vec<u8>, value: &[u8]) -> Option<()> {
        let (&first, _) = value.split_first().filter(|(&first, _)| first != 0)?;
        let pad = first & 0x80 != 0;
        out.push(0x02);
        length(out, value.len() + usize::from(pad))?;
        if pad {
            out.push(0);
        }
        out.extend_from_slice(value);
        Some(())
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    integer(&mut body, n)?;
    integer(&mut body, e)?;
    let mut der = Vec::with_capacity(body.len() + 4);
    der.push(0x30);
    length(&mut der, body.len())?;
    der.extend_from_slice(&body);
    Some(der)
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
        crate::keys::install_backend_provider();
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
            let (from_pem, jwk) =
                crate::keys::key_set::public_key_from_pem(algorithm, &fixture(public)).unwrap();
            // The key as PEM gives, and as a JWK gives (RSA: modulus and exponent).
            let from_jwk = DecodingKey::from_jwk(&jwk).unwrap();
            for decoding in [from_pem, from_jwk] {
                check_key(algorithm, &decoding, signer, other, message);
            }
        }
    }

    fn check_key(
        algorithm: Algorithm,
        decoding: &DecodingKey,
        signer: &str,
        other: &str,
        message: &[u8],
    ) {
        {
            let prepared = PreparedPublicKey::new(decoding, &[algorithm, Algorithm::HS256])
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
            let mut candidates = crate::keys::prepared_hmac::tests::signature_variants(&good);
            candidates.extend(sign(other));
            for signature in candidates {
                let expected =
                    jsonwebtoken::crypto::verify(&signature, message, decoding, algorithm)
                        .unwrap_or(false);
                let answer = prepared.verify(algorithm, message, &signature);
                assert_eq!(answer, Some(expected), "{algorithm:?} {signature:?}");
            }
            assert_eq!(prepared.verify(algorithm, message, &good), Some(true));
            // Not prepared for an algorithm of another family: jsonwebtoken decides.
            assert_eq!(prepared.verify(Algorithm::HS256, message, &good), None);
        }
    }

    /// A JWK whose modulus carries a leading zero byte: aws-lc refuses such a component, so
    /// jsonwebtoken refuses every signature, and the key is not prepared, leaving it so.
    #[test]
    fn rsa_jwk_with_a_leading_zero_is_left_to_jsonwebtoken() {
        crate::keys::install_backend_provider();
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let algorithm = Algorithm::RS256;
        let (_, jwk) =
            crate::keys::key_set::public_key_from_pem(algorithm, &fixture("rsa_a_public.pem"))
                .unwrap();
        let jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
            panic!("an RSA JWK");
        };
        let mut n = vec![0];
        n.extend(URL_SAFE_NO_PAD.decode(&rsa.n).unwrap());
        let e = URL_SAFE_NO_PAD.decode(&rsa.e).unwrap();
        let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
        let message = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0";
        let key = encoding_key(algorithm, &fixture("rsa_a_private.pem"));
        let good = jsonwebtoken::crypto::sign(message, &key, algorithm).unwrap();
        let verdict = jsonwebtoken::crypto::verify(&good, message, &decoding, algorithm);
        assert!(!verdict.unwrap_or(false));
        assert!(PreparedPublicKey::new(&decoding, &[algorithm]).is_none());
    }

    #[test]
    fn rsa_public_key_der_encodes_the_components_jsonwebtoken_accepts() {
        // n with its high bit set, e = 65537.
        let der = rsa_public_key_der(&[0x80, 1], &[1, 0, 1]).unwrap();
        assert_eq!(
            der,
            [0x30, 0x0a, 0x02, 0x03, 0, 0x80, 1, 0x02, 0x03, 1, 0, 1]
        );
        // Components aws-lc refuses in a JWK are left to jsonwebtoken.
        assert_eq!(rsa_public_key_der(&[0, 0x80, 1], &[3]), None);
        assert_eq!(rsa_public_key_der(&[0x80, 1], &[0, 3]), None);
        assert_eq!(rsa_public_key_der(&[], &[3]), None);
        let long = vec![0x7f; 300];
        let der = rsa_public_key_der(&long, &[3]).unwrap();
        assert_eq!(&der[..8], [0x30, 0x82, 0x01, 0x33, 0x02, 0x82, 0x01, 0x2c]);
    }
}
