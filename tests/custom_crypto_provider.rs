//! An app that installs its own jsonwebtoken `CryptoProvider` (FIPS, an HSM) keeps every
//! signature going through it: the keys the manager prepares for speed are used only with the
//! enabled backend's own provider. Its own test binary: the provider is process-wide.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_jwt_extended::{Algorithm, JwtConfig, JwtManager};
// The enabled backend's provider, wrapped by the app's counting one.
#[cfg(feature = "aws_lc_rs")]
use jsonwebtoken::crypto::aws_lc as backend;
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
use jsonwebtoken::crypto::rust_crypto as backend;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier};
use jsonwebtoken::{DecodingKey, EncodingKey};

static SIGNED: AtomicUsize = AtomicUsize::new(0);
static VERIFIED: AtomicUsize = AtomicUsize::new(0);

fn counting_signer(
    algorithm: &jsonwebtoken::Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    SIGNED.fetch_add(1, Ordering::SeqCst);
    (backend::DEFAULT_PROVIDER.signer_factory)(algorithm, key)
}

fn counting_verifier(
    algorithm: &jsonwebtoken::Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    VERIFIED.fetch_add(1, Ordering::SeqCst);
    (backend::DEFAULT_PROVIDER.verifier_factory)(algorithm, key)
}

fn manager(config: JwtConfig) -> JwtManager {
    JwtManager::builder(config)
        .ignore_registered_loaders()
        .build()
        .expect("valid config")
}

#[test]
fn an_installed_provider_signs_and_verifies_every_token() {
    let provider = Box::leak(Box::new(CryptoProvider {
        signer_factory: counting_signer,
        verifier_factory: counting_verifier,
        ..backend::DEFAULT_PROVIDER.clone()
    }));
    provider
        .install_default()
        .expect("no provider installed before this test");

    let hs256 = manager(JwtConfig {
        secret_key: Some("custom-provider-secret".into()),
        ..JwtConfig::default()
    });
    let rs256 = manager(JwtConfig {
        algorithm: Algorithm::RS256,
        private_key: Some(include_str!("fixtures/keys/rsa_a_private.pem").into()),
        public_key: Some(include_str!("fixtures/keys/rsa_a_public.pem").into()),
        ..JwtConfig::default()
    });
    for jwt in [&hs256, &rs256] {
        let (signed, verified) = (
            SIGNED.load(Ordering::SeqCst),
            VERIFIED.load(Ordering::SeqCst),
        );
        let token = jwt.create_access_token("ann").finish().expect("token");
        assert_eq!(
            SIGNED.load(Ordering::SeqCst),
            signed + 1,
            "signed by the provider"
        );
        let claims = jwt.decode_token(&token, false).expect("valid token");
        assert_eq!(claims.sub(), Some("ann"));
        assert_eq!(
            VERIFIED.load(Ordering::SeqCst),
            verified + 1,
            "verified by the provider"
        );
        let mut tampered = token.clone();
        tampered.push('A');
        assert!(jwt.decode_token(&tampered, false).is_err());
    }
}
