//! The test keys of `tests/fixtures` (see the READMEs there): public, they protect nothing.

/// RSA 2048, PKCS#8 / SubjectPublicKeyInfo; `rsa_b` is a second pair, for rotation.
pub const RSA_A_PRIVATE: &str = include_str!("../../fixtures/keys/rsa_a_private.pem");
pub const RSA_A_PUBLIC: &str = include_str!("../../fixtures/keys/rsa_a_public.pem");
pub const RSA_B_PRIVATE: &str = include_str!("../../fixtures/keys/rsa_b_private.pem");
pub const RSA_B_PUBLIC: &str = include_str!("../../fixtures/keys/rsa_b_public.pem");
/// `rsa_a` in PKCS#1 form (`RSA PRIVATE KEY` / `RSA PUBLIC KEY`).
pub const RSA_A_PRIVATE_PKCS1: &str = include_str!("../../fixtures/keys/rsa_a_private_pkcs1.pem");
pub const RSA_A_PUBLIC_PKCS1: &str = include_str!("../../fixtures/keys/rsa_a_public_pkcs1.pem");
/// P-256 (ES256): two pairs.
pub const EC_P256_A_PRIVATE: &str = include_str!("../../fixtures/keys/ec_p256_a_private.pem");
pub const EC_P256_A_PUBLIC: &str = include_str!("../../fixtures/keys/ec_p256_a_public.pem");
pub const EC_P256_B_PRIVATE: &str = include_str!("../../fixtures/keys/ec_p256_b_private.pem");
pub const EC_P256_B_PUBLIC: &str = include_str!("../../fixtures/keys/ec_p256_b_public.pem");
/// P-384 (ES384).
pub const EC_P384_PRIVATE: &str = include_str!("../../fixtures/keys/ec_p384_private.pem");
pub const EC_P384_PUBLIC: &str = include_str!("../../fixtures/keys/ec_p384_public.pem");
/// Ed25519 (EdDSA).
pub const ED25519_PRIVATE: &str = include_str!("../../fixtures/keys/ed25519_private.pem");
pub const ED25519_PUBLIC: &str = include_str!("../../fixtures/keys/ed25519_public.pem");

/// The attack suite's RSA 2048 pair (`tests/fixtures/test_rsa_*`), also as DER.
pub const RSA_PRIVATE_PEM: &str = include_str!("../../fixtures/test_rsa_private.pem");
pub const RSA_PUBLIC_PEM: &str = include_str!("../../fixtures/test_rsa_public.pem");
pub const RSA_PUBLIC_SPKI_DER: &[u8] = include_bytes!("../../fixtures/test_rsa_public_spki.der");
pub const RSA_PUBLIC_PKCS1_DER: &[u8] = include_bytes!("../../fixtures/test_rsa_public_pkcs1.der");
