//! `KeySet`: signing and verification keys by `kid`, for key rotation and for publishing the
//! public keys as a JWKS (RFC 7517).

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::foundation::error::{cause, Cause};
use crate::keys::prepared_public_key::{family_algorithms, PreparedPublicKey};

/// A key that cannot join a [`KeySet`], or a change the set refuses.
///
/// When jsonwebtoken refused the key, [`source`](std::error::Error::source) returns its error.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct KeyError {
    /// The key ID at fault.
    pub kid: String,
    /// What is wrong.
    pub reason: String,
    source: Option<Cause>,
}

impl KeyError {
    fn new(kid: &str, reason: impl Into<String>) -> Self {
        Self {
            kid: kid.to_owned(),
            reason: reason.into(),
            source: None,
        }
    }

    fn with_source(mut self, cause: jsonwebtoken::errors::Error) -> Self {
        self.source = Some(Arc::new(cause));
        self
    }
}

/// Equal when the key ID and the reason are: the source is not compared.
impl PartialEq for KeyError {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.reason == other.reason
    }
}

impl Eq for KeyError {}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key `{}`: {}", self.kid, self.reason)
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        cause(&self.source)
    }
}

/// One key of a set, parsed once.
pub(crate) struct KeyEntry {
    pub(crate) kid: Option<String>,
    /// The only algorithm the key verifies, when known (always for our own keys).
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) decoding: DecodingKey,
    pub(crate) encoding: Option<EncodingKey>,
    /// The public JWK served by [`KeySet::jwks`]; `None` for secrets, which are never published.
    jwk: Option<Jwk>,
    /// The public key parsed once for its algorithm(s) (see [`KeyEntry::prepared`]).
    pub(crate) prepared: Option<PreparedPublicKey>,
}

impl KeyEntry {
    /// The entry with its public key parsed once: for its bound algorithm, else for every
    /// algorithm of its family.
    fn prepared(mut self) -> Self {
        let algorithms = match &self.algorithm {
            Some(algorithm) => std::slice::from_ref(algorithm),
            None => family_algorithms(self.decoding.family()),
        };
        self.prepared = PreparedPublicKey::new(&self.decoding, algorithms);
        self
    }
}

#[derive(Default)]
struct State {
    keys: Vec<Arc<KeyEntry>>,
    current: Option<Arc<KeyEntry>>,
}

/// Keys by `kid` (key ID), shared between the manager and the code that rotates them.
///
/// Register it with [`JwtManagerBuilder::key_set`](crate::JwtManagerBuilder::key_set): new
/// tokens are signed with the *current* key and carry its `kid` header; a token is verified with
/// the key its `kid` names, so tokens signed with an older key keep verifying until that key is
/// removed. The set is a cheap handle (`Arc<RwLock<..>>`): keep a clone to rotate keys while
/// the app runs, no restart needed. [`KeySet::jwks_service`] publishes the public keys.
///
/// Rotation without failed requests: insert the new key first (verifiers that fetch the JWKS
/// learn it), make it current, and remove the old key once its last tokens have expired.
///
/// ```
/// use actix_jwt_extended::{Algorithm, KeySet};
/// # let pem_2024 = include_str!("../../../tests/fixtures/keys/rsa_a_private.pem");
/// # let pem_2025 = include_str!("../../../tests/fixtures/keys/rsa_b_private.pem");
///
/// let keys = KeySet::new();
/// keys.insert_private_pem("2024", Algorithm::RS256, pem_2024)?;
/// keys.set_current("2024")?;
/// // Later, while the app runs:
/// keys.insert_private_pem("2025", Algorithm::RS256, pem_2025)?;
/// keys.set_current("2025")?; // new tokens: kid "2025"; "2024" tokens still verify
/// keys.remove("2024")?; // now they do not
/// assert_eq!(keys.kids(), ["2025"]);
/// # Ok::<(), actix_jwt_extended::KeyError>(())
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    state: Arc<RwLock<State>>,
}

impl std::fmt::Debug for KeySet {
    // Key material stays out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.kids())
            .field("current", &self.current_kid())
            .finish()
    }
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a signing key from a PEM private key (PKCS#8, or PKCS#1 for RSA) for `algorithm`
    /// (RS*, PS*, ES*, EdDSA). Its public half is derived, published and used to verify.
    /// The key signs only once made current with [`set_current`](Self::set_current).
    pub fn insert_private_pem(
        &self,
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: impl AsRef<[u8]>,
    ) -> Result<(), KeyError> {
        // Deriving the public half asks jsonwebtoken's crypto provider, maybe before a manager
        // was built.
        super::install_backend_provider();
        let kid = kid.into();
        let bad = |e: &dyn std::fmt::Display| {
            KeyError::new(
                &kid,
                format!("not a PEM private key for `{algorithm:?}`: {e}"),
            )
        };
        let pem = pem.as_ref();
        let encoding = match algorithm.family() {
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
            AlgorithmFamily::Hmac => {
                return Err(KeyError::new(
                    &kid,
                    format!("`{algorithm:?}` uses a shared secret: use `insert_secret`"),
                ))
            }
        }
        .map_err(|e| bad(&e))?;
        let jwk = Jwk::from_encoding_key(&encoding, algorithm).map_err(|e| bad(&e))?;
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| bad(&e))?;
        check_pair(&kid, algorithm, &encoding, &decoding)?;
        self.insert(KeyEntry {
            jwk: Some(published(jwk, &kid, algorithm)),
            kid: Some(kid),
            algorithm: Some(algorithm),
            decoding,
            encoding: Some(encoding),
            prepared: None,
        })
    }

    /// Adds a verification-only key from a PEM public key for `algorithm`: tokens it signed
    /// (say, before a restart with a new private key) keep verifying. It is published too.
    pub fn insert_public_pem(
        &self,
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: impl AsRef<[u8]>,
    ) -> Result<(), KeyError> {
        let kid = kid.into();
        let pem = pem.as_ref();
        let (decoding, jwk) = public_key_from_pem(algorithm, pem).map_err(|e| {
            KeyError::new(
                &kid,
                format!("not a PEM public key for `{algorithm:?}`: {e}"),
            )
        })?;
        self.insert(KeyEntry {
            jwk: Some(published(jwk, &kid, algorithm)),
            kid: Some(kid),
            algorithm: Some(algorithm),
            decoding,
            encoding: None,
            prepared: None,
        })
    }

    /// Adds an HMAC secret for `algorithm` (HS256/384/512) that signs and verifies. Secrets
    /// are never published.
    pub fn insert_secret(
        &self,
        kid: impl Into<String>,
        algorithm: Algorithm,
        secret: impl AsRef<[u8]>,
    ) -> Result<(), KeyError> {
        let kid = kid.into();
        if algorithm.family() != AlgorithmFamily::Hmac {
            return Err(KeyError::new(
                &kid,
                format!("`{algorithm:?}` needs a key pair: use `insert_private_pem`"),
            ));
        }
        let empty = |_| KeyError::new(&kid, "a secret cannot be empty");
        let encoding = EncodingKey::from_secret(secret.as_ref()).map_err(empty)?;
        let decoding = DecodingKey::from_secret(secret.as_ref()).map_err(empty)?;
        crate::keys::warn_if_short(
            &format!("the secret of key `{kid}`"),
            algorithm,
            secret.as_ref(),
        );
        self.insert(KeyEntry {
            kid: Some(kid),
            algorithm: Some(algorithm),
            decoding,
            encoding: Some(encoding),
            jwk: None,
            prepared: None,
        })
    }

    /// Adds a verification-only key from a JWK (say, one of another service's JWKS). Its
    /// `kid` is required; its `alg`, when given, is the only algorithm it verifies.
    pub fn insert_jwk(&self, jwk: &Jwk) -> Result<(), KeyError> {
        let kid = jwk
            .common
            .key_id
            .clone()
            .ok_or_else(|| KeyError::new("", "a JWK needs a `kid` to join a key set"))?;
        let entry = entry_from_jwk(jwk).map_err(|reason| KeyError::new(&kid, reason))?;
        self.insert(entry)
    }

    /// Makes the key `kid` the one that signs new tokens (and names itself in their `kid`).
    pub fn set_current(&self, kid: &str) -> Result<(), KeyError> {
        let mut state = self.write();
        let entry = find_in(&state.keys, Some(kid))
            .ok_or_else(|| KeyError::new(kid, "not in the key set"))?;
        if entry.encoding.is_none() {
            return Err(KeyError::new(
                kid,
                "has no private key or secret, so it cannot sign",
            ));
        }
        state.current = Some(entry);
        Ok(())
    }

    /// Removes the key `kid`: tokens it signed stop verifying at once. The current signing
    /// key cannot be removed; make another key current first.
    pub fn remove(&self, kid: &str) -> Result<(), KeyError> {
        let mut state = self.write();
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.kid.as_deref() == Some(kid))
        {
            return Err(KeyError::new(
                kid,
                "is the current signing key: make another key current first",
            ));
        }
        let before = state.keys.len();
        state.keys.retain(|k| k.kid.as_deref() != Some(kid));
        if state.keys.len() == before {
            return Err(KeyError::new(kid, "not in the key set"));
        }
        Ok(())
    }

    /// The `kid` of the key that signs new tokens, if any.
    pub fn current_kid(&self) -> Option<String> {
        self.read().current.as_ref().and_then(|c| c.kid.clone())
    }

    /// The key IDs in the set, in insertion order.
    pub fn kids(&self) -> Vec<String> {
        self.read()
            .keys
            .iter()
            .filter_map(|k| k.kid.clone())
            .collect()
    }

    /// Whether the set holds a key `kid`.
    pub fn contains(&self, kid: &str) -> bool {
        find_in(&self.read().keys, Some(kid)).is_some()
    }

    /// The public keys of the set as a JWKS, each with `kid`, `alg` and `use: "sig"`. Secrets
    /// and private parts never appear.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .read()
                .keys
                .iter()
                .filter_map(|k| k.jwk.clone())
                .collect(),
        }
    }

    /// An actix resource at `path` (conventionally `/.well-known/jwks.json`) that serves
    /// [`jwks`](Self::jwks) on `GET`, reflecting rotations at once, so other services verify
    /// this app's tokens with a `JwksSource`.
    ///
    /// ```
    /// # use actix_jwt_extended::KeySet;
    /// let keys = KeySet::new();
    /// let app = actix_web::App::new().service(keys.jwks_service("/.well-known/jwks.json"));
    /// # drop(app);
    /// ```
    pub fn jwks_service(&self, path: &str) -> actix_web::Resource {
        let keys = self.clone();
        web::resource(path).route(web::get().to(move || {
            let body = keys.jwks();
            async move {
                HttpResponse::Ok()
                    // Short enough that HTTP caches pick up a rotation quickly.
                    .insert_header(CacheControl(vec![
                        CacheDirective::Public,
                        CacheDirective::MaxAge(300),
                    ]))
                    .json(body)
            }
        }))
    }

    /// The key for `kid` (`None`: a key without `kid`).
    pub(crate) fn find(&self, kid: Option<&str>) -> Option<Arc<KeyEntry>> {
        find_in(&self.read().keys, kid)
    }

    /// The key that signs new tokens.
    pub(crate) fn current(&self) -> Option<Arc<KeyEntry>> {
        self.read().current.clone()
    }

    #[cfg(feature = "jwks")]
    /// Replaces every key at once (a JWKS refresh): there is no instant with half a set.
    pub(crate) fn replace_all(&self, keys: Vec<KeyEntry>) {
        let mut state = self.write();
        state.keys = keys.into_iter().map(Arc::new).collect();
        state.current = None;
    }

    #[cfg(feature = "jwks")]
    pub(crate) fn len(&self) -> usize {
        self.read().keys.len()
    }

    fn insert(&self, entry: KeyEntry) -> Result<(), KeyError> {
        let mut state = self.write();
        if let Some(kid) = entry.kid.as_deref() {
            if find_in(&state.keys, Some(kid)).is_some() {
                // Replacing a key in place would silently change what its tokens mean.
                return Err(KeyError::new(
                    kid,
                    "already in the key set: remove it first",
                ));
            }
        }
        let entry = match entry.prepared {
            Some(_) => entry,
            None => entry.prepared(),
        };
        state.keys.push(Arc::new(entry));
        Ok(())
    }

    // A panic while holding the lock cannot leave the state half-written (every write is one
    // assignment), so a poisoned lock is still good to use.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

fn find_in(keys: &[Arc<KeyEntry>], kid: Option<&str>) -> Option<Arc<KeyEntry>> {
    keys.iter().find(|k| k.kid.as_deref() == kid).cloned()
}

/// A JWK as published: the public parameters with `kid`, `alg` and `use`.
fn published(mut jwk: Jwk, kid: &str, algorithm: Algorithm) -> Jwk {
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.key_algorithm = Some(algorithm.into());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk
}

/// Signs a probe with the private key and verifies it with the derived public key, so a key
/// that cannot sign is refused now rather than at the first token.
fn check_pair(
    kid: &str,
    algorithm: Algorithm,
    encoding: &EncodingKey,
    decoding: &DecodingKey,
) -> Result<(), KeyError> {
    let probe = b"actix-jwt-extended key check";
    let signature = jsonwebtoken::crypto::sign(probe, encoding, algorithm).map_err(|e| {
        KeyError::new(kid, format!("cannot sign with `{algorithm:?}`: {e}")).with_source(e)
    })?;
    match jsonwebtoken::crypto::verify(&signature, probe, decoding, algorithm) {
        Ok(true) => Ok(()),
        _ => Err(KeyError::new(
            kid,
            format!("its public half does not verify its `{algorithm:?}` signatures"),
        )),
    }
}

/// A PEM public key for `algorithm`, checked by deriving its JWK (which parses it).
pub(crate) fn public_key_from_pem(
    algorithm: Algorithm,
    pem: &[u8],
) -> Result<(DecodingKey, Jwk), jsonwebtoken::errors::Error> {
    super::install_backend_provider();
    let decoding = match algorithm.family() {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem),
        AlgorithmFamily::Hmac => Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into()),
    }?;
    let jwk = Jwk::from_decoding_key(&decoding, Some(algorithm))?;
    Ok((decoding, jwk))
}

/// A verification key from a JWK of someone's JWKS; `Err` says why it is unusable.
pub(crate) fn entry_from_jwk(jwk: &Jwk) -> Result<KeyEntry, String> {
    super::install_backend_provider();
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return Err("an encryption key (`use: enc`) does not verify signatures".into());
    }
    if let AlgorithmParameters::OctetKey(_) = jwk.algorithm {
        // A JWKS is public: a shared secret found in one is not a secret any more.
        return Err("symmetric (`oct`) keys are not accepted from a JWKS".into());
    }
    let algorithm = match jwk.common.key_algorithm {
        None => None,
        Some(alg) => Some(
            Algorithm::try_from(alg).map_err(|_| format!("`alg` {alg} does not sign tokens"))?,
        ),
    };
    let decoding = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable JWK: {e}"))?;
    Ok(KeyEntry {
        kid: jwk.common.key_id.clone(),
        algorithm,
        decoding,
        encoding: None,
        jwk: Some(jwk.clone()),
        prepared: None,
    }
    .prepared())
}
