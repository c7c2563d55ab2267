//! [`RefreshRotation`]: refresh-token rotation with reuse detection, over any store.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    from_unix, issued_at_of, keep_until, now_unix, revoke_claims, store_of, subject_of, within,
    TokenIds, CLOCK_SLACK,
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

/// The claim with which a manager marks the tokens it issues for a user while its
/// [`RefreshRotation::revoke_all_for`] cutoff for that user is still ahead of the clock: the
/// cutoff (Unix seconds) they were issued after, so that they are not refused with the tokens
/// issued before it. Only the manager writes it: one given to a token builder or by the
/// `additional_claims_loader` is dropped.
pub const AFTER_CUTOFF_CLAIM: &str = "after_cutoff";

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
///   and during the next [`CLOCK_SLACK`] but those this manager issues afterwards ("log out
///   everywhere"); [`logout`](Self::logout) revokes one session's family.
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
            after_cutoff: None,
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
            issued_at: issued_at_of(claims),
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
        // A token marked as issued after a subject cutoff passed the check above, so that
        // cutoff is still the latest: its successors are issued after it too, whichever
        // instance exchanges it.
        let after_cutoff = claims.get(AFTER_CUTOFF_CLAIM).and_then(Value::as_i64);
        let issued = Issued {
            exact_claim: Some(identity_claim),
            family: &family,
            generation: generation + 1,
            fresh: false,
            after_cutoff,
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
    /// The cutoff is this instance's clock plus [`CLOCK_SLACK`] (whole seconds): a token
    /// another instance issued a moment before, by a clock running ahead, carries a later
    /// `iat` than this clock's now and is refused too. So are the tokens issued for the user
    /// during the next `CLOCK_SLACK` by other instances (or by a Flask service sharing the
    /// key), which cannot be told from those.
    ///
    /// Logging in again at once works on this manager: the tokens it issues for the user
    /// while its cutoff is ahead of the clock carry the [`AFTER_CUTOFF_CLAIM`] and count as
    /// issued after it, and the refresh tokens among them hand that on when
    /// [`refresh`](Self::refresh) exchanges them on any instance. A login served by another
    /// instance within `CLOCK_SLACK` gets tokens that are refused ("Token has been revoked")
    /// until then; with several instances, let the instance that handled "log out everywhere"
    /// serve the user's next login, or have the client wait out `CLOCK_SLACK`.
    ///
    /// A later call for the user refuses the tokens marked after this one's cutoff too: on
    /// this manager it moves the cutoff past the one before, on another instance once that
    /// instance's clock has passed the second of this call. This manager remembers the
    /// cutoffs ahead of its clock, up to a bound: beyond it, the user's new tokens are refused
    /// until the cutoff passes (fail closed).
    pub async fn revoke_all_for(&self, identity: impl Serialize) -> Result<(), JwtError> {
        let store = store_of(&self.manager)?;
        let identity = serde_json::to_value(identity).map_err(|e| {
            JwtError::new(
                JwtErrorKind::Encode,
                format!("identity cannot be serialised: {e}"),
            )
        })?;
        let subject = subject_of(&identity);
        let now = now_unix();
        let recent = self.manager.recent_cutoffs();
        let cutoff = recent.next_cutoff(&subject, now);
        let until = from_unix(cutoff).and_then(|cutoff| self.marks_expire_after(cutoff));
        within(
            self.manager.revocation_timeout(),
            store.revoke_subject(&subject, cutoff, until),
        )
        .await?;
        // Recorded once the store has the cutoff: a token issued meanwhile is not marked, and
        // refused (fail closed).
        recent.record(&subject, cutoff, now);
        Ok(())
    }

    /// A new pair for `identity`, as `issued` says.
    fn issue(&self, identity: &Value, issued: Issued<'_>) -> Result<TokenPair, JwtError> {
        let Issued {
            exact_claim,
            family,
            generation,
            fresh,
            after_cutoff,
        } = issued;
        let mut access = self
            .manager
            .create_access_token(identity)
            .fresh(fresh)
            .claim(FAMILY_CLAIM, family)
            .after_cutoff(after_cutoff);
        let mut refresh = self
            .manager
            .create_refresh_token(identity)
            .claim(FAMILY_CLAIM, family)
            .claim(GENERATION_CLAIM, generation)
            .after_cutoff(after_cutoff);
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
/// `user_identity_loader` twice), the family, the refresh token's generation, whether the
/// access token is fresh, and the subject cutoff the pair is known to be issued after.
struct Issued<'a> {
    exact_claim: Option<&'a str>,
    family: &'a str,
    generation: u64,
    fresh: bool,
    after_cutoff: Option<i64>,
}

/// How many subject cutoffs ahead of its clock a manager remembers.
const RECENT_CUTOFFS_CAPACITY: usize = 100_000;

/// The subject cutoffs a manager's [`RefreshRotation::revoke_all_for`] set that are still
/// ahead of its clock, so that the tokens it issues for those subjects meanwhile carry the
/// [`AFTER_CUTOFF_CLAIM`].
pub(crate) struct RecentCutoffs {
    /// The latest cutoff recorded: once the clock has passed it no token needs a mark, and
    /// issuing one takes no lock.
    latest: AtomicI64,
    by_subject: Mutex<HashMap<String, i64>>,
}

impl Default for RecentCutoffs {
    fn default() -> Self {
        Self {
            latest: AtomicI64::new(i64::MIN),
            by_subject: Mutex::new(HashMap::new()),
        }
    }
}

impl RecentCutoffs {
    /// The cutoff `revoke_all_for(subject)` sets at `now`: `now + CLOCK_SLACK`, and past the
    /// one this manager set for `subject` before, whose marked tokens it must refuse too.
    fn next_cutoff(&self, subject: &str, now: i64) -> i64 {
        let cutoff = now.saturating_add(CLOCK_SLACK.as_secs() as i64);
        match self.lock().get(subject) {
            Some(&before) if before >= cutoff => before.saturating_add(1),
            _ => cutoff,
        }
    }

    /// Remembers `cutoff` for `subject` while it is ahead of the clock. When full of cutoffs
    /// still ahead, it remembers nothing: the subject's new tokens are refused until the
    /// cutoff passes (fail closed).
    fn record(&self, subject: &str, cutoff: i64, now: i64) {
        let mut by_subject = self.lock();
        if by_subject.len() >= RECENT_CUTOFFS_CAPACITY {
            by_subject.retain(|_, &mut ahead| ahead >= now);
        }
        if by_subject.len() >= RECENT_CUTOFFS_CAPACITY && !by_subject.contains_key(subject) {
            return;
        }
        let entry = by_subject.entry(subject.to_owned()).or_insert(cutoff);
        *entry = (*entry).max(cutoff);
        self.latest.fetch_max(cutoff, Ordering::Release);
    }

    /// The last word on the claims of a token this manager issues: [`AFTER_CUTOFF_CLAIM`] set
    /// to the latest cutoff the token is known to be issued after (`inherited`, from the token
    /// it replaces, or one this manager set for its subject) when its `iat` does not pass that
    /// cutoff; any other value of the claim dropped.
    pub(crate) fn mark(
        &self,
        claims: &mut Map<String, Value>,
        identity_claim: &str,
        inherited: Option<i64>,
    ) {
        claims.remove(AFTER_CUTOFF_CLAIM);
        let Some(iat) = claims.get("iat").and_then(Value::as_i64) else {
            return;
        };
        let own = match self.latest.load(Ordering::Acquire) >= iat {
            true => claims
                .get(identity_claim)
                .and_then(|identity| self.lock().get(subject_of(identity).as_ref()).copied()),
            false => None,
        };
        if let Some(cutoff) = own.max(inherited).filter(|&cutoff| cutoff >= iat) {
            claims.insert(AFTER_CUTOFF_CLAIM.to_owned(), cutoff.into());
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        // A panic while the lock was held left nothing half-written.
        self.by_subject
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str, iat: i64) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("sub".into(), sub.into());
        claims.insert("iat".into(), iat.into());
        claims
    }

    #[test]
    fn a_cutoff_reaches_the_slack_ahead_and_past_the_one_before() {
        let recent = RecentCutoffs::default();
        let slack = CLOCK_SLACK.as_secs() as i64;
        assert_eq!(recent.next_cutoff("ann", 1_000), 1_000 + slack);
        recent.record("ann", 1_000 + slack, 1_000);
        assert_eq!(recent.next_cutoff("ann", 1_000), 1_001 + slack);
        assert_eq!(recent.next_cutoff("bob", 1_000), 1_000 + slack);
        assert_eq!(recent.next_cutoff("ann", 1_002), 1_002 + slack);
    }

    #[test]
    fn only_tokens_the_cutoff_would_refuse_are_marked() {
        let recent = RecentCutoffs::default();
        recent.record("ann", 1_060, 1_000);
        let mut within = claims("ann", 1_001);
        recent.mark(&mut within, "sub", None);
        assert_eq!(within[AFTER_CUTOFF_CLAIM], 1_060);
        let mut after = claims("ann", 1_061);
        recent.mark(&mut after, "sub", None);
        assert!(!after.contains_key(AFTER_CUTOFF_CLAIM));
        let mut other_user = claims("bob", 1_001);
        other_user.insert(AFTER_CUTOFF_CLAIM.into(), i64::MAX.into());
        recent.mark(&mut other_user, "sub", None);
        assert!(!other_user.contains_key(AFTER_CUTOFF_CLAIM));
        // A replaced token's cutoff carries over, whichever is later.
        recent.mark(&mut other_user, "sub", Some(1_030));
        assert_eq!(other_user[AFTER_CUTOFF_CLAIM], 1_030);
        let mut both = claims("ann", 1_001);
        recent.mark(&mut both, "sub", Some(1_030));
        assert_eq!(both[AFTER_CUTOFF_CLAIM], 1_060);
    }

    #[test]
    fn a_marked_token_counts_as_issued_just_after_its_cutoff() {
        let mut marked = claims("ann", 1_001);
        marked.insert(AFTER_CUTOFF_CLAIM.into(), 1_060.into());
        assert_eq!(issued_at_of(&Claims::new(marked)), Some(1_061));
        assert_eq!(
            issued_at_of(&Claims::new(claims("ann", 1_001))),
            Some(1_001)
        );
        let mut no_iat = Map::new();
        no_iat.insert(AFTER_CUTOFF_CLAIM.into(), 1_060.into());
        assert_eq!(issued_at_of(&Claims::new(no_iat)), None);
    }
}
