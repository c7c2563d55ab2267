//! HMAC keys prepared once for the configured secret.
//!
//! `jsonwebtoken` derives the HMAC key state (the hashed inner and outer pads) from the secret
//! inside every `sign` and `verify`, about an eighth of an HS256 verification. Here the state
//! is derived once, when the manager is built, with the crypto backend's own HMAC (aws-lc-rs,
//! or RustCrypto's `hmac` with `rust_crypto`), and each signature starts from a copy of it.
//!
//! The signature is decoded as `jsonwebtoken` decodes it (unpadded base64url, canonical), and
//! compared in constant time, so both paths accept and refuse the same tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;

#[cfg(feature = "aws_lc_rs")]
mod backend {
    use aws_lc_rs::hmac::{self, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512};

    /// One prepared key.
    #[derive(Clone)]
    pub(super) struct Key(hmac::Key);

    impl Key {
        /// The key of `secret` for SHA-`bits`.
        pub(super) fn new(bits: u16, secret: &[u8]) -> Option<Self> {
            let algorithm = match bits {
                256 => HMAC_SHA256,
                384 => HMAC_SHA384,
                _ => HMAC_SHA512,
            };
            Some(Self(hmac::Key::new(algorithm, secret)))
        }

        /// Calls `f` with the tag of `message`.
        pub(super) fn with_tag<R>(&self, message: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
            f(hmac::sign(&self.0, message).as_ref())
        }

        /// Constant-time comparison of `tag` with the tag of `message`.
        pub(super) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
            hmac::verify(&self.0, message, tag).is_ok()
        }
    }
}

#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
mod backend {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};
    use sha2::{Sha256, Sha384, Sha512};

    /// One prepared key.
    #[derive(Clone)]
    pub(super) enum Key {
        Sha256(Hmac<Sha256>),
        Sha384(Hmac<Sha384>),
        Sha512(Hmac<Sha512>),
    }

    impl Key {
        /// The key of `secret` for SHA-`bits` (HMAC takes keys of any length).
        pub(super) fn new(bits: u16, secret: &[u8]) -> Option<Self> {
            Some(match bits {
                256 => Self::Sha256(Hmac::new_from_slice(secret).ok()?),
                384 => Self::Sha384(Hmac::new_from_slice(secret).ok()?),
                _ => Self::Sha512(Hmac::new_from_slice(secret).ok()?),
            })
        }

        /// Calls `f` with the tag of `message`.
        pub(super) fn with_tag<R>(&self, message: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
            fn tag<M: Mac + Clone>(mac: &M, message: &[u8]) -> hmac::digest::Output<M> {
                let mut mac = mac.clone();
                mac.update(message);
                mac.finalize().into_bytes()
            }
            match self {
                Self::Sha256(mac) => f(&tag(mac, message)),
                Self::Sha384(mac) => f(&tag(mac, message)),
                Self::Sha512(mac) => f(&tag(mac, message)),
            }
        }

        /// Constant-time comparison of `tag` with the tag of `message`.
        pub(super) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
            fn verify<M: Mac + Clone>(mac: &M, message: &[u8], tag: &[u8]) -> bool {
                let mut mac = mac.clone();
                mac.update(message);
                mac.verify_slice(tag).is_ok()
            }
            match self {
                Self::Sha256(mac) => verify(mac, message, tag),
                Self::Sha384(mac) => verify(mac, message, tag),
                Self::Sha512(mac) => verify(mac, message, tag),
            }
        }
    }
}

/// No built-in backend (the app installs its own jsonwebtoken `CryptoProvider`): nothing is
/// prepared, everything goes through jsonwebtoken.
#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
mod backend {
    #[derive(Clone)]
    pub(super) enum Key {}

    impl Key {
        pub(super) fn new(_bits: u16, _secret: &[u8]) -> Option<Self> {
            None
        }

        pub(super) fn with_tag<R>(&self, _message: &[u8], _f: impl FnOnce(&[u8]) -> R) -> R {
            match *self {}
        }

        pub(super) fn verify(&self, _message: &[u8], _tag: &[u8]) -> bool {
            match *self {}
        }
    }
}

/// The configured secret's HMAC keys, one per SHA-2 size.
#[derive(Clone)]
pub(crate) struct PreparedHmac {
    keys: [backend::Key; 3],
}

impl PreparedHmac {
    /// Prepares `secret`; `None` without a built-in crypto backend.
    pub(crate) fn new(secret: &[u8]) -> Option<Self> {
        use backend::Key;
        Some(Self {
            keys: [
                Key::new(256, secret)?,
                Key::new(384, secret)?,
                Key::new(512, secret)?,
            ],
        })
    }

    /// The key for `algorithm`, when it is an HMAC algorithm.
    fn key(&self, algorithm: Algorithm) -> Option<&backend::Key> {
        match algorithm {
            Algorithm::HS256 => Some(&self.keys[0]),
            Algorithm::HS384 => Some(&self.keys[1]),
            Algorithm::HS512 => Some(&self.keys[2]),
            _ => None,
        }
    }

    /// The signature (base64url) of `message` under `algorithm`; `None` when it is not an
    /// HMAC algorithm.
    pub(crate) fn sign(&self, algorithm: Algorithm, message: &[u8]) -> Option<String> {
        let key = self.key(algorithm)?;
        Some(key.with_tag(message, |tag| URL_SAFE_NO_PAD.encode(tag)))
    }

    /// Whether `signature` (base64url) is the HMAC of `message` under `algorithm`; `None`
    /// when it is not an HMAC algorithm.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &str,
    ) -> Option<bool> {
        let key = self.key(algorithm)?;
        // The longest tag is 64 bytes (the room above it is for base64's length estimate);
        // a longer signature cannot match.
        let mut tag = [0u8; 72];
        match URL_SAFE_NO_PAD.decode_slice(signature.as_bytes(), &mut tag) {
            Ok(len) => Some(key.verify(message, &tag[..len])),
            Err(_) => Some(false),
        }
    }
}

#[cfg(all(test, any(feature = "aws_lc_rs", feature = "rust_crypto")))]
pub(crate) mod tests {
    use super::*;

    /// A good signature (base64url) and copies of it that must not verify, or must verify
    /// exactly as jsonwebtoken decides: padded, cut at either end, doubled, one character
    /// changed, its last character's unused low bit set (non-canonical base64), empty, junk.
    pub(crate) fn signature_variants(good: &str) -> Vec<String> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let (head, last) = good.split_at(good.len() - 1);
        let last = ALPHABET
            .iter()
            .position(|&c| c == last.as_bytes()[0])
            .unwrap();
        let first = if good.starts_with('A') { "B" } else { "A" };
        vec![
            good.to_owned(),
            format!("{good}="),
            good[1..].to_owned(),
            head.to_owned(),
            format!("{good}{good}"),
            format!("{first}{}", &good[1..]),
            format!("{head}{}", ALPHABET[last ^ 1] as char),
            String::new(),
            "!!!!".to_owned(),
        ]
    }

    /// The prepared keys accept exactly what `jsonwebtoken` accepts.
    #[test]
    fn agrees_with_jsonwebtoken() {
        crate::keys::install_backend_provider();
        let secret = b"prepared-hmac-test-secret";
        let prepared = PreparedHmac::new(secret).expect("a crypto backend feature");
        let encoding = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_secret(secret).unwrap();
        let message = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0";
        for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let good = jsonwebtoken::crypto::sign(message, &encoding, algorithm).unwrap();
            for signature in signature_variants(&good) {
                let expected =
                    jsonwebtoken::crypto::verify(&signature, message, &decoding, algorithm)
                        .unwrap_or(false);
                let answer = prepared.verify(algorithm, message, &signature);
                assert_eq!(answer, Some(expected), "{algorithm:?} {signature:?}");
            }
            assert_eq!(prepared.verify(algorithm, message, &good), Some(true));
            assert_eq!(prepared.sign(algorithm, message), Some(good.clone()));
        }
        assert_eq!(prepared.verify(Algorithm::RS256, message, "abc"), None);
        assert_eq!(prepared.sign(Algorithm::ES256, message), None);
    }
}
