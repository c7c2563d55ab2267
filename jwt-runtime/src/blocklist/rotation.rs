//! [`RefreshRotation`]: refresh-token rotation with reuse detection, over any store.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    from_unix, keep_until, now_unix, revoke_claims, store_of, subject_of, within, TokenIds,
    CLOCK_SLACK,
};
use crate::foundation::claims::Claims;
use crate::foundation::error::{JwtError, JwtErrorKind};
use crate::foundation::trace;
use crate::manager::JwtManager;

/// The claim that ties the tokens of one login session together: every token
/// [`RefreshRotation`] issues for a login and its refreshes carries the same value.
pub const FAMILY_CLAIM: &str = "family";

/// The claim that numbers the refresh tokens of one family: 0 for the login's, one more at
/// each exchange. A family's rotation state is the last generation exchanged, so it takes one
/// store entry however often the family is refreshed.
pub const GENERATION_CLAIM: &str = "family_gen";

/// An access token and a refresh token; serialises as
/// `{"access_token": "...", "refresh_token": "..."}`, ready for `HttpResponse::json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token: the only one of its family that can be exchanged.
    pub refresh_token: String,
}

/// Refresh-token rotation with reuse detection (opt-in; the OAuth 2.0 Security BCP pattern
/// against stolen refresh tokens), over the manager's [`RevocationStore`](super::RevocationStore):
///
/// * [`login`](Self::login) starts a *family*: a fresh access token and a refresh token, both
///   carrying a new [`FAMILY_CLAIM`].
/// * [`refresh`](Self::refresh) exchanges a refresh token once: it is revoked and a new pair of
///   the same family is returned.
/// * Presenting an already exchanged refresh token again means two parties hold it (the user
///   and a thief): the **whole family is revoked**, so neither the thief's nor the user's
///   tokens work any more, and the request gets 401 "Token has been revoked".
/// * [`revoke_all_for`](Self::revoke_all_for) revokes every token of a user issued until now
///   and during the manager's `clock_skew` after it ("log out everywhere");
///   [`logout`](Self::logout) revokes one session's family.
///
/// A refresh route is a few lines. It must use `skip_revocation_check`, because the exchange
/// checks revocation itself (atomically), and must see a reused token to detect reuse:
///
/// ```no_run
/// use actix_jwt_extended::blocklist::RefreshRotation;
/// use actix_jwt_extended::{get_jwt, JwtError};
/// use actix_web::HttpResponse;
///
/// async fn login() -> Result<HttpResponse, JwtError> {
///     // ... check the user's credentials, then:
///     let tokens = RefreshRotation::current()?.login("example_user")?;
///     Ok(HttpResponse::Ok().json(tokens))
/// }
///
/// // #[jwt_required(refresh, skip_revocation_check)]
/// async fn refresh() -> Result<HttpResponse, JwtError> {
///     let tokens = RefreshRotation::current()?.refresh(&get_jwt()).await?;
///     Ok(HttpResponse::Ok().json(tokens))
/// }
/// ```
///
/// The blocklist check of every request asks the store about the token's `jti`, its family
/// and its subject in one go ([`RevocationStore::is_token_revoked`](super::RevocationStore::is_token_revoked)),
/// so revoked families and users are refused everywhere.
///
/// Notes: the rotation state of a family is one store entry (the last generation exchanged,
/// [`GENERATION_CLAIM`]), kept until the newest exchanged refresh token can no longer be
/// accepted (`exp` + `decode_leeway` + [`CLOCK_SLACK`]), so reuse is detected inside the
/// leeway too. Revocation marks live as long as the longest configured token lifetime
/// (`access_token_expires`, `refresh_token_expires`; forever if either is `None`), so tokens
/// minted by hand with a longer `expires_in` may outlive a family or user revocation. Each
/// exchange gives the new refresh token a full lifetime (a sliding session). Two concurrent
/// exchanges of one refresh token count as reuse.
#[derive(Debug, Clone)]
pub struct RefreshRotation {
    manager: JwtManager,
}

impl RefreshRotation {
    /// Rotation over `manager`'s revocation store, signing with `manager`.
    pub fn new(manager: &JwtManager) -> Self {
        Self {
            manager: manager.clone(),
        }
    }

    /// Rotation over the manager of the current request ([`JwtManager::current`]): inside a
    /// verified request, the manager that verified it, with its keys and store.
    pub fn current() -> Result<Self, JwtError> {
        JwtManager::current()
            .map(|manager| Self { manager })
            .ok_or_else(JwtError::no_manager)
    }

    /// Starts a family for `identity` (after the credentials check): a fresh access token and
    /// a refresh token. `identity` goes through the `user_identity_loader` as in
    /// `create_access_token`.
    pub fn login(&self, identity: impl Serialize) -> Result<TokenPair, JwtError> {
        store_of(&self.manager)?;
        let identity = serde_json::to_value(identity).map_err(|e| {
            JwtError::new(
                JwtErrorKind::Encode,
                format!("identity cannot be serialised: {e}"),
            )
        })?;
        let family = uuid::Uuid::new_v4().to_string();
        let issued = Issued {
            exact_claim: None,
            family: &family,
            generation: 0,
            fresh: true,
        };
        self.issue(&identity, issued)
    }

    /// Exchanges the refresh token with these `claims` (use `get_jwt()` under
    /// `#[jwt_required(refresh, skip_revocation_check)]`) for a new pair of the same family.
    ///
    /// Errors: 401 "Token has been revoked" (through `revoked_token_loader`) when the token,
    /// its family or its user is revoked, or when it was exchanged before; in that last case
    /// the whole family is revoked first. 503 when the store cannot answer in time.
    pub async fn refresh(&self, claims: &Claims) -> Result<TokenPair, JwtError> {
        let store = store_of(&self.manager)?;
        let timeout = self.manager.revocation_timeout();
        let config = self.manager.config();
        if !claims.is_refresh() {
            return Err(JwtError::new(
                JwtErrorKind::WrongTokenType,
                "Only refresh tokens are allowed",
            ));
        }
        let jti = claims
            .jti()
            .ok_or_else(|| JwtError::new(JwtErrorKind::Decode, "Missing claim: jti"))?;
        // A refresh token minted without rotation starts a family of its own.
        let family: Cow<'_, str> = match claims.get(FAMILY_CLAIM).and_then(Value::as_str) {
            Some(family) => Cow::Borrowed(family),
            None => Cow::Owned(format!("{jti}.family")),
        };
        let generation = match claims.get(GENERATION_CLAIM) {
            None => 0,
            Some(value) => value.as_u64().filter(|&g| g < u64::MAX).ok_or_else(|| {
                JwtError::new(
                    JwtErrorKind::Decode,
                    format!("Invalid claim: {GENERATION_CLAIM}"),
                )
            })?,
        };
        let identity_claim = &config.identity_claim;
        let subject = claims.get(identity_claim).map(subject_of);
        let ids = TokenIds {
            jti: Some(jti),
            family: Some(&family),
            subject: subject.clone(),
            issued_at: claims.iat(),
        };
        if within(timeout, store.is_token_revoked(&ids)).await? {
            trace::refresh_refused(claims, &family, identity_claim, false);
            return Err(self.revoked(claims));
        }
        // Kept while this token can still be presented, so that its reuse is seen.
        let keep = keep_until(claims.exp(), config.decode_leeway);
        let advanced = store.advance_family(&family, generation, subject.as_deref(), keep);
        if !within(timeout, advanced).await? {
            // Exchanged before: whoever presents it now, the family is compromised.
            let revoke =
                store.revoke_for_subject(&family, subject.as_deref(), self.marks_expire_at());
            within(timeout, revoke).await?;
            trace::refresh_refused(claims, &family, identity_claim, true);
            return Err(self.revoked(claims));
        }
        let identity = claims.get(identity_claim).cloned().unwrap_or(Value::Null);
        let issued = Issued {
            exact_claim: Some(identity_claim),
            family: &family,
            generation: generation + 1,
            fresh: false,
        };
        self.issue(&identity, issued)
    }

    /// Revokes the session of the token with these claims: its whole family when it has one
    /// (access and refresh tokens alike), else the token itself.
    pub async fn logout(&self, claims: &Claims) -> Result<(), JwtError> {
        match claims.get(FAMILY_CLAIM).and_then(Value::as_str) {
            Some(family) => {
                let store = store_of(&self.manager)?;
                let identity_claim = &self.manager.config().identity_claim;
                let subject = claims.get(identity_claim).map(subject_of);
                let revoke =
                    store.revoke_for_subject(family, subject.as_deref(), self.marks_expire_at());
                within(self.manager.revocation_timeout(), revoke).await
            }
            None => revoke_claims(&self.manager, claims).await,
        }
    }

    /// Revokes every token of the family `family`.
    pub async fn revoke_family(&self, family: &str) -> Result<(), JwtError> {
        let store = store_of(&self.manager)?;
        let expires_at = self.marks_expire_at();
        within(
            self.manager.revocation_timeout(),
            store.revoke(family, expires_at),
        )
        .await
    }

    /// Revokes every token of `identity` issued until now, whatever its family ("log out
    /// everywhere"; an admin locking a user out). `identity` is the value of the identity
    /// claim, as `get_jwt_identity()` returns it.
    ///
    /// The cutoff is this instance's clock plus the manager's
    /// [`clock_skew`](crate::JwtManagerBuilder::clock_skew) ([`CLOCK_SLACK`], one minute, by
    /// default; whole seconds): a token another instance issued a moment before, by a clock
    /// running ahead, carries a later `iat` than this clock's now and is refused too. So are
    /// the tokens issued for the user during that time, by any instance, which cannot be told
    /// from those: a user who logs in again at once gets tokens that are refused ("Token has
    /// been revoked") until it has passed. Tell the user, or lower the skew where the clocks
    /// are kept in step.
    pub async fn revoke_all_for(&self, identity: impl Serialize) -> Result<(), JwtError> {
        let store = store_of(&self.manager)?;
        let identity = serde_json::to_value(identity).map_err(|e| {
            JwtError::new(
                JwtErrorKind::Encode,
                format!("identity cannot be serialised: {e}"),
            )
        })?;
        let subject = subject_of(&identity);
        let skew = i64::try_from(self.manager.clock_skew().as_secs()).unwrap_or(i64::MAX);
        let cutoff = now_unix().saturating_add(skew);
        let until = from_unix(cutoff).and_then(|cutoff| self.marks_expire_after(cutoff));
        within(
            self.manager.revocation_timeout(),
            store.revoke_subject(&subject, cutoff, until),
        )
        .await
    }

    /// A new pair for `identity`, as `issued` says.
    fn issue(&self, identity: &Value, issued: Issued<'_>) -> Result<TokenPair, JwtError> {
        let Issued {
            exact_claim,
            family,
            generation,
            fresh,
        } = issued;
        let mut access = self
            .manager
            .create_access_token(identity)
            .fresh(fresh)
            .claim(FAMILY_CLAIM, family);
        let mut refresh = self
            .manager
            .create_refresh_token(identity)
            .claim(FAMILY_CLAIM, family)
            .claim(GENERATION_CLAIM, generation);
        if let Some(claim) = exact_claim {
            access = access.claim(claim, identity);
            refresh = refresh.claim(claim, identity);
        }
        Ok(TokenPair {
            access_token: access.finish()?,
            refresh_token: refresh.finish()?,
        })
    }

    /// Until when a family revocation must be kept: see [`marks_expire_after`](Self::marks_expire_after).
    fn marks_expire_at(&self) -> Option<SystemTime> {
        self.marks_expire_after(SystemTime::now())
    }

    /// Until when a revocation of the tokens issued up to `issued_up_to` must be kept: until
    /// every token it can concern can no longer be accepted, i.e. the longest configured
    /// lifetime from then, plus the leeway and [`CLOCK_SLACK`]. `None` (forever) when a
    /// lifetime is unlimited.
    fn marks_expire_after(&self, issued_up_to: SystemTime) -> Option<SystemTime> {
        let config = self.manager.config();
        // As in Flask, a zero lifetime means "never expires".
        let lifetime = |d: Option<Duration>| d.filter(|d| !d.is_zero());
        let longest =
            lifetime(config.access_token_expires)?.max(lifetime(config.refresh_token_expires)?);
        issued_up_to
            .checked_add(longest)?
            .checked_add(config.decode_leeway)?
            .checked_add(CLOCK_SLACK)
    }

    fn revoked(&self, claims: &Claims) -> JwtError {
        let header = crate::request::context::try_get_jwt_header().unwrap_or_default();
        JwtError::new(JwtErrorKind::Revoked, "Token has been revoked")
            .with_token(header, claims.clone())
            .with_manager(&self.manager)
    }
}

/// What [`RefreshRotation::issue`] issues: the identity claim kept exactly as given when
/// `exact_claim` names it (a refresh re-issues the claim value, which must not go through the
/// `user_identity_loader` twice), the family, the refresh token's generation, and whether the
/// access token is fresh.
struct Issued<'a> {
    exact_claim: Option<&'a str>,
    family: &'a str,
    generation: u64,
    fresh: bool,
}
