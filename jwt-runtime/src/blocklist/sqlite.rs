//! [`SqliteStore`]: revoked tokens in SQLite tables, through sqlx (feature `sqlx-sqlite`).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{
    now_unix, sqlx_error, stored_expiry, BoxFuture, RevocationStore, StoreError, TokenIds,
};
use crate::manager::DEFAULT_REVOCATION_TIMEOUT;

/// Revoked tokens in an SQLite database, through an sqlx pool: Flask-JWT-Extended's
/// "database blocklist" recipe, built in. Cheap to clone; clones share the pool.
///
/// The tables are created if missing (names are fixed):
///
/// ```sql
/// CREATE TABLE jwt_blocklist (jti TEXT PRIMARY KEY NOT NULL, expires_at INTEGER);
/// CREATE TABLE jwt_blocklist_subjects (subject TEXT PRIMARY KEY NOT NULL,
///                                      revoked_up_to INTEGER NOT NULL, expires_at INTEGER);
/// CREATE TABLE jwt_blocklist_families (family TEXT PRIMARY KEY NOT NULL,
///                                      generation INTEGER NOT NULL, expires_at INTEGER);
/// ```
///
/// `expires_at` is, in Unix seconds, the last instant the token could still be accepted
/// (`NULL`: never expires); a family of rotated refresh tokens is one row however often it is
/// refreshed. Rows past `expires_at` no longer matter; [`purge_expired`](Self::purge_expired)
/// deletes them, e.g. from a periodic task. Every query is bounded by the store's timeout (default
/// [`DEFAULT_REVOCATION_TIMEOUT`]).
///
/// ```no_run
/// use actix_jwt_extended::blocklist::SqliteStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = SqliteStore::connect("sqlite://blocklist.db").await?;
/// let purged = store.purge_expired().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    timeout: Duration,
}

const CREATE: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS jwt_blocklist \
     (jti TEXT PRIMARY KEY NOT NULL, expires_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_expires_at ON jwt_blocklist (expires_at)",
    "CREATE TABLE IF NOT EXISTS jwt_blocklist_subjects \
     (subject TEXT PRIMARY KEY NOT NULL, revoked_up_to INTEGER NOT NULL, expires_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_subjects_expires_at \
     ON jwt_blocklist_subjects (expires_at)",
    "CREATE TABLE IF NOT EXISTS jwt_blocklist_families \
     (family TEXT PRIMARY KEY NOT NULL, generation INTEGER NOT NULL, expires_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_families_expires_at \
     ON jwt_blocklist_families (expires_at)",
];

/// Revoking twice keeps the later expiry (`NULL`, never, being the latest).
const REVOKE: &str = "INSERT INTO jwt_blocklist (jti, expires_at) VALUES (?, ?) \
     ON CONFLICT (jti) DO UPDATE SET expires_at = CASE \
     WHEN jwt_blocklist.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE max(jwt_blocklist.expires_at, excluded.expires_at) END";

const REVOKE_ONCE: &str = "INSERT INTO jwt_blocklist (jti, expires_at) VALUES (?, ?) \
     ON CONFLICT (jti) DO NOTHING";

const IS_REVOKED: &str = "SELECT EXISTS (SELECT 1 FROM jwt_blocklist WHERE jti = ?)";

const REVOKE_SUBJECT: &str =
    "INSERT INTO jwt_blocklist_subjects (subject, revoked_up_to, expires_at) VALUES (?, ?, ?) \
     ON CONFLICT (subject) DO UPDATE SET \
     revoked_up_to = max(jwt_blocklist_subjects.revoked_up_to, excluded.revoked_up_to), \
     expires_at = CASE \
     WHEN jwt_blocklist_subjects.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE max(jwt_blocklist_subjects.expires_at, excluded.expires_at) END";

/// Moves a family to a later generation, keeping the later expiry; changes no row when the
/// generation was exchanged before.
const ADVANCE_FAMILY: &str =
    "INSERT INTO jwt_blocklist_families (family, generation, expires_at) VALUES (?, ?, ?) \
     ON CONFLICT (family) DO UPDATE SET generation = excluded.generation, expires_at = CASE \
     WHEN jwt_blocklist_families.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE max(jwt_blocklist_families.expires_at, excluded.expires_at) END \
     WHERE jwt_blocklist_families.generation < excluded.generation";

const SUBJECT_REVOKED_UP_TO: &str =
    "SELECT revoked_up_to FROM jwt_blocklist_subjects WHERE subject = ?";

/// One query for the three ids; a `NULL` id matches nothing. A token without `iat` is bound
/// as the smallest integer: any cutoff of its subject covers it (fail closed).
const IS_TOKEN_REVOKED: &str = "SELECT EXISTS (SELECT 1 FROM jwt_blocklist WHERE jti IN (?, ?)) \
     OR EXISTS (SELECT 1 FROM jwt_blocklist_subjects WHERE subject = ? AND revoked_up_to >= ?)";

const PURGE: [&str; 3] = [
    "DELETE FROM jwt_blocklist WHERE expires_at <= ?",
    "DELETE FROM jwt_blocklist_subjects WHERE expires_at <= ?",
    "DELETE FROM jwt_blocklist_families WHERE expires_at <= ?",
];

impl SqliteStore {
    /// Opens (creating the file if needed) the SQLite database at `url` (`sqlite://path.db`,
    /// or `sqlite::memory:` for a database that lives as long as the store) and creates the
    /// tables if missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| sqlx_error(e, sqlite_transient).prefixed(&format!("{url}: ")))?
            .create_if_missing(true);
        let pool = if url.contains(":memory:") || url.contains("mode=memory") {
            // One connection that never closes: the in-memory database lives in it.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new()
        }
        .acquire_timeout(DEFAULT_REVOCATION_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| sqlx_error(e, sqlite_transient).prefixed(&format!("{url}: ")))?;
        Self::new(pool).await
    }

    /// A store over `pool`; creates the tables if missing.
    pub async fn new(pool: SqlitePool) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            timeout: DEFAULT_REVOCATION_TIMEOUT,
        };
        for statement in CREATE {
            store
                .bounded(sqlx::query(statement).execute(&store.pool))
                .await?;
        }
        Ok(store)
    }

    /// Bounds every query by `timeout` instead of [`DEFAULT_REVOCATION_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The pool, e.g. to share it with the rest of the app.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Deletes the rows that no token can need any more; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = now_unix();
        let mut purged = 0;
        for statement in PURGE {
            let done = self
                .bounded(sqlx::query(statement).bind(now).execute(&self.pool))
                .await?;
            purged += done.rows_affected();
        }
        Ok(purged)
    }

    async fn bounded<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(result) => result.map_err(|e| sqlx_error(e, sqlite_transient).prefixed("SQLite: ")),
            Err(_) => Err(StoreError::retryable("SQLite did not answer in time")),
        }
    }
}

impl RevocationStore for SqliteStore {
    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let expiry = stored_expiry(expires_at, now_unix());
            let query = sqlx::query(REVOKE).bind(jti).bind(expiry);
            self.bounded(query.execute(&self.pool)).await?;
            Ok(())
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let query = sqlx::query_scalar::<_, bool>(IS_REVOKED).bind(jti);
            self.bounded(query.fetch_one(&self.pool)).await
        })
    }

    fn revoke_once<'a>(
        &'a self,
        jti: &'a str,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let query = sqlx::query(REVOKE_ONCE)
                .bind(jti)
                .bind(stored_expiry(expires_at, now_unix()));
            let done = self.bounded(query.execute(&self.pool)).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        issued_up_to: i64,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let query = sqlx::query(REVOKE_SUBJECT)
                .bind(subject)
                .bind(issued_up_to)
                .bind(stored_expiry(expires_at, now_unix()));
            self.bounded(query.execute(&self.pool)).await?;
            Ok(())
        })
    }

    fn subject_revoked_up_to<'a>(
        &'a self,
        subject: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(async move {
            let query = sqlx::query_scalar::<_, i64>(SUBJECT_REVOKED_UP_TO).bind(subject);
            self.bounded(query.fetch_optional(&self.pool)).await
        })
    }

    fn is_token_revoked<'a>(
        &'a self,
        token: &'a TokenIds<'a>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let query = sqlx::query_scalar::<_, bool>(IS_TOKEN_REVOKED)
                .bind(token.jti)
                .bind(token.family)
                .bind(token.subject.as_deref())
                .bind(token.issued_at.unwrap_or(i64::MIN));
            self.bounded(query.fetch_one(&self.pool)).await
        })
    }

    fn advance_family<'a>(
        &'a self,
        family: &'a str,
        generation: u64,
        _subject: Option<&'a str>,
        expires_at: Option<SystemTime>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let generation = i64::try_from(generation)
                .map_err(|_| StoreError::new(format!("generation {generation} is out of range")))?;
            let query = sqlx::query(ADVANCE_FAMILY)
                .bind(family)
                .bind(generation)
                .bind(stored_expiry(expires_at, now_unix()));
            let done = self.bounded(query.execute(&self.pool)).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn purge<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.purge_expired())
    }
}

/// SQLite result codes that pass: `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6), another
/// connection holding the database or a table, whatever their extended code (the low byte is
/// the primary code).
fn sqlite_transient(code: &str) -> bool {
    code.parse::<i32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use super::sqlite_transient;

    #[test]
    fn busy_and_locked_pass_whatever_their_extended_code() {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT (517), SQLITE_LOCKED_SHAREDCACHE (262).
        for code in ["5", "6", "517", "262"] {
            assert!(sqlite_transient(code), "{code}");
        }
        // SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_CONSTRAINT_UNIQUE (2067), not a number.
        for code in ["8", "14", "2067", "HY000"] {
            assert!(!sqlite_transient(code), "{code}");
        }
    }
}
