//! HMAC keys prepared once for the configured secret.
//!
//! `jsonwebtoken` derives the HMAC key state (the hashed inner and outer pads) from the secret
//! inside every `sign` and `verify`, about an eighth of an HS256 verification. With the
//! `aws_lc_rs` backend the state is derived here once, when the manager is built, and each
//! signature starts from a copy of it. With `rust_crypto` both go through `jsonwebtoken`.
//!
//! The signature is decoded as `jsonwebtoken` decodes it (unpadded base64url, canonical), and
//! compared in constant time, so both paths accept and refuse the same tokens.

use jsonwebtoken::Algorithm;

/// The configured secret's HMAC keys, one per SHA-2 size.
#[derive(Clone)]
pub(crate) struct PreparedHmac {
    #[cfg(feature = "aws_lc_rs")]
    keys: [aws_lc_rs::hmac::Key; 3],
}

impl PreparedHmac {
    /// Prepares `secret` (non-empty: the configuration refuses an empty one).
    pub(crate) fn new(secret: &[u8]) -> Self {
        #[cfg(feature = "aws_lc_rs")]
        {
            use aws_lc_rs::hmac::{Key, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512};
            Self {
                keys: [
                    Key::new(HMAC_SHA256, secret),
                    Key::new(HMAC_SHA384, secret),
                    Key::new(HMAC_SHA512, secret),
                ],
            }
        }
        #[cfg(not(feature = "aws_lc_rs"))]
        {
            let _ = secret;
            Self {}
        }
    }

    /// The key for `algorithm`, when it is an HMAC algorithm prepared here.
    #[cfg(feature = "aws_lc_rs")]
    fn key(&self, algorithm: Algorithm) -> Option<&aws_lc_rs::hmac::Key> {
        match algorithm {
            Algorithm::HS256 => Some(&self.keys[0]),
            Algorithm::HS384 => Some(&self.keys[1]),
            Algorithm::HS512 => Some(&self.keys[2]),
            _ => None,
        }
    }

    /// The signature (base64url) of `message` under `algorithm`; `None` when this algorithm
    /// is not prepared here, for the caller to sign through `jsonwebtoken`.
    pub(crate) fn sign(&self, algorithm: Algorithm, message: &[u8]) -> Option<String> {
        #[cfg(feature = "aws_lc_rs")]
        {
            use base64::Engine;
            let tag = aws_lc_rs::hmac::sign(self.key(algorithm)?, message);
            Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref()))
        }
        #[cfg(not(feature = "aws_lc_rs"))]
        {
            let _ = (algorithm, message);
            None
        }
    }

    /// Whether `signature` (base64url) is the HMAC of `message` under `algorithm`; `None`
    /// when this algorithm is not prepared here (not HMAC, or another backend), for the
    /// caller to verify through `jsonwebtoken`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Option<bool> {
        #[cfg(feature = "aws_lc_rs")]
        {
            use base64::Engine;
            let key = self.key(algorithm)?;
            // The longest tag is 64 bytes (the room above it is for base64's length
            // estimate); a longer signature cannot match.
            let mut tag = [0u8; 72];
            let Ok(len) = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode_slice(signature.as_bytes(), &mut tag)
            else {
                return Some(false);
            };
            Some(aws_lc_rs::hmac::verify(key, message, &tag[..len]).is_ok())
        }
        #[cfg(not(feature = "aws_lc_rs"))]
        {
            let _ = (algorithm, message, signature);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prepared keys accept exactly what `jsonwebtoken` accepts.
    #[test]
    fn agrees_with_jsonwebtoken() {
        let secret = b"prepared-hmac-test-secret";
        let prepared = PreparedHmac::new(secret);
        let encoding = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_secret(secret).unwrap();
        let message = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0";
        for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let good = jsonwebtoken::crypto::sign(message, &encoding, algorithm).unwrap();
            let mut candidates = vec![good.clone(), format!("{good}="), good[1..].to_owned()];
            candidates.push(good[..good.len() - 1].to_owned());
            candidates.push(format!("{good}{good}"));
            candidates.push(good.replacen(
                &good[..1],
                if &good[..1] == "A" { "B" } else { "A" },
                1,
            ));
            candidates.push(String::new());
            candidates.push("!!!!".to_owned());
            for signature in candidates {
                let expected =
                    jsonwebtoken::crypto::verify(&signature, message, &decoding, algorithm)
                        .unwrap_or(false);
                if let Some(answer) = prepared.verify(algorithm, message, &signature) {
                    assert_eq!(answer, expected, "{algorithm:?} {signature:?}");
                }
            }
            #[cfg(feature = "aws_lc_rs")]
            {
                assert_eq!(prepared.verify(algorithm, message, &good), Some(true));
                assert_eq!(prepared.sign(algorithm, message), Some(good.clone()));
            }
        }
        assert_eq!(prepared.verify(Algorithm::RS256, message, "abc"), None);
        assert_eq!(prepared.sign(Algorithm::ES256, message), None);
    }
}
