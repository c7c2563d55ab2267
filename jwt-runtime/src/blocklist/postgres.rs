//! [`PostgresStore`]: revoked tokens in PostgreSQL tables, through sqlx (feature
//! `sqlx-postgres`).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{
    now_unix, sqlx_error, stored_expiry, BoxFuture, RevocationStore, StoreError, TokenIds,
};
use crate::manager::DEFAULT_REVOCATION_TIMEOUT;

/// Revoked tokens in a PostgreSQL database, through an sqlx pool: Flask-JWT-Extended's
/// "database blocklist" recipe, built in, for app instances that share a database server.
/// Cheap to clone; clones share the pool.
///
/// The tables are those of `SqliteStore`, created if missing in the connection's schema
/// (the first of its `search_path`; names are fixed):
///
/// ```sql
/// CREATE TABLE jwt_blocklist (jti TEXT PRIMARY KEY NOT NULL, expires_at BIGINT);
/// CREATE TABLE jwt_blocklist_subjects (subject TEXT PRIMARY KEY NOT NULL,
///                                      revoked_up_to BIGINT NOT NULL, expires_at BIGINT);
/// CREATE TABLE jwt_blocklist_families (family TEXT PRIMARY KEY NOT NULL,
///                                      generation BIGINT NOT NULL, expires_at BIGINT);
/// ```
///
/// * `expires_at` is, in Unix seconds, the last instant the token could still be accepted
///   (`NULL`: never expires); a family of rotated refresh tokens is one row however often it
///   is refreshed. Rows past `expires_at` no longer matter;
///   [`purge_expired`](Self::purge_expired) deletes them, e.g. from a periodic task.
/// * Instances starting together create the tables once (under an advisory lock). When the
///   tables exist, nothing is created, so a role without `CREATE` on the schema can use
///   tables an administrator created beforehand.
/// * Every query is bounded by the store's timeout (default [`DEFAULT_REVOCATION_TIMEOUT`]).
///   When the server stops, queries fail and requests are refused with 503 (fail closed);
///   the pool checks a connection before using it and opens new ones once the server is
///   back, with no restart of the app.
/// * TLS (`sslmode=require`) needs one of sqlx's TLS features enabled by the app.
///
/// ```no_run
/// use actix_jwt_extended::blocklist::PostgresStore;
/// use actix_jwt_extended::{JwtConfig, JwtManager};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresStore::connect("postgres://app:secret@127.0.0.1:5432/app").await?;
/// let jwt = JwtManager::builder(JwtConfig { secret_key: Some("change me".into()), ..Default::default() })
///     .revocation_store(store.clone())
///     .build()?;
/// let purged = store.purge_expired().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    timeout: Duration,
}

/// Whether the three tables exist in the connection's `search_path`.
const TABLES_EXIST: &str = "SELECT to_regclass('jwt_blocklist') IS NOT NULL \
     AND to_regclass('jwt_blocklist_subjects') IS NOT NULL \
     AND to_regclass('jwt_blocklist_families') IS NOT NULL";

/// Serialises table creation: concurrent `CREATE TABLE IF NOT EXISTS` of one table can fail
/// in PostgreSQL with a unique violation in its catalog. The key is "jwt_bloc" in ASCII.
const CREATE_LOCK: &str = "SELECT pg_advisory_xact_lock(7671728443270917987)";

const CREATE: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS jwt_blocklist \
     (jti TEXT PRIMARY KEY NOT NULL, expires_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_expires_at ON jwt_blocklist (expires_at)",
    "CREATE TABLE IF NOT EXISTS jwt_blocklist_subjects \
     (subject TEXT PRIMARY KEY NOT NULL, revoked_up_to BIGINT NOT NULL, expires_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_subjects_expires_at \
     ON jwt_blocklist_subjects (expires_at)",
    "CREATE TABLE IF NOT EXISTS jwt_blocklist_families \
     (family TEXT PRIMARY KEY NOT NULL, generation BIGINT NOT NULL, expires_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS jwt_blocklist_families_expires_at \
     ON jwt_blocklist_families (expires_at)",
];

/// Revoking twice keeps the later expiry (`NULL`, never, being the latest; `GREATEST` alone
/// would ignore it).
const REVOKE: &str = "INSERT INTO jwt_blocklist (jti, expires_at) VALUES ($1, $2) \
     ON CONFLICT (jti) DO UPDATE SET expires_at = CASE \
     WHEN jwt_blocklist.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE GREATEST(jwt_blocklist.expires_at, excluded.expires_at) END";

const REVOKE_ONCE: &str = "INSERT INTO jwt_blocklist (jti, expires_at) VALUES ($1, $2) \
     ON CONFLICT (jti) DO NOTHING";

const IS_REVOKED: &str = "SELECT EXISTS (SELECT 1 FROM jwt_blocklist WHERE jti = $1)";

const REVOKE_SUBJECT: &str =
    "INSERT INTO jwt_blocklist_subjects (subject, revoked_up_to, expires_at) VALUES ($1, $2, $3) \
     ON CONFLICT (subject) DO UPDATE SET \
     revoked_up_to = GREATEST(jwt_blocklist_subjects.revoked_up_to, excluded.revoked_up_to), \
     expires_at = CASE \
     WHEN jwt_blocklist_subjects.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE GREATEST(jwt_blocklist_subjects.expires_at, excluded.expires_at) END";

/// Moves a family to a later generation, keeping the later expiry; changes no row when the
/// generation was exchanged before. Concurrent calls wait for the row's lock and see the
/// winner's generation, so exactly one of them changes the row.
const ADVANCE_FAMILY: &str =
    "INSERT INTO jwt_blocklist_families (family, generation, expires_at) VALUES ($1, $2, $3) \
     ON CONFLICT (family) DO UPDATE SET generation = excluded.generation, expires_at = CASE \
     WHEN jwt_blocklist_families.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL \
     ELSE GREATEST(jwt_blocklist_families.expires_at, excluded.expires_at) END \
     WHERE jwt_blocklist_families.generation < excluded.generation";

const SUBJECT_REVOKED_UP_TO: &str =
    "SELECT revoked_up_to FROM jwt_blocklist_subjects WHERE subject = $1";

/// One query for the three ids; a `NULL` id matches nothing. A token without `iat` is bound
/// as the smallest integer: any cutoff of its subject covers it (fail closed).
const IS_TOKEN_REVOKED: &str = "SELECT EXISTS (SELECT 1 FROM jwt_blocklist WHERE jti IN ($1, $2)) \
     OR EXISTS (SELECT 1 FROM jwt_blocklist_subjects WHERE subject = $3 AND revoked_up_to >= $4)";

const PURGE: [&str; 3] = [
    "DELETE FROM jwt_blocklist WHERE expires_at <= $1",
    "DELETE FROM jwt_blocklist_subjects WHERE expires_at <= $1",
    "DELETE FROM jwt_blocklist_families WHERE expires_at <= $1",
];

impl PostgresStore {
    /// Connects to the PostgreSQL database at `url`
    /// (`postgres://[user[:password]@]host[:port]/database[?options]`) and creates the tables
    /// if missing. Fails when the URL is invalid or the server cannot be reached within
    /// [`DEFAULT_REVOCATION_TIMEOUT`]; once connected, outages are survived. Errors name the
    /// URL without its password.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let url_error = |e: sqlx::Error| sqlx_error(e, postgres_transient).at_url(url);
        let options = PgConnectOptions::from_str(url).map_err(url_error)?;
        let pool = PgPoolOptions::new()
            .acquire_timeout(DEFAULT_REVOCATION_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(url_error)?;
        Self::new(pool).await
    }

    /// A store over `pool`; creates the tables if missing.
    pub async fn new(pool: PgPool) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            timeout: DEFAULT_REVOCATION_TIMEOUT,
        };
        let exist = sqlx::query_scalar::<_, bool>(TABLES_EXIST).fetch_one(&store.pool);
        if !store.bounded(exist).await? {
            store.bounded(store.create_tables()).await?;
        }
        Ok(store)
    }

    async fn create_tables(&self) -> Result<(), sqlx::Error> {
        self.create_under_lock(&CREATE).await
    }

    /// Runs `statements` in one transaction under the advisory lock of table creation, so
    /// that instances starting together do not race on the catalog.
    pub(super) async fn create_under_lock(
        &self,
        statements: &[&'static str],
    ) -> Result<(), sqlx::Error> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query(CREATE_LOCK).execute(&mut *transaction).await?;
        for statement in statements {
            sqlx::query(*statement).execute(&mut *transaction).await?;
        }
        transaction.commit().await
    }

    /// Bounds every query by `timeout` instead of [`DEFAULT_REVOCATION_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The pool, e.g. to share it with the rest of the app.
    pub fn pool(&self) -> &PgPool {
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

    pub(super) async fn bounded<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(result) => {
                result.map_err(|e| sqlx_error(e, postgres_transient).prefixed("PostgreSQL: "))
            }
            Err(_) => Err(StoreError::retryable("PostgreSQL did not answer in time")),
        }
    }
}

impl RevocationStore for PostgresStore {
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

/// SQLSTATE codes that pass: class 08 (connection exception), 40 (serialization failure,
/// deadlock), 53 (insufficient resources, e.g. too many connections), 55P03 (lock not
/// available), 57P01 to 57P03 (the server shuts down or is starting), 58 (system error).
/// Not a standby's 25006 nor a missing privilege's 42501: those need a fix.
pub(super) fn postgres_transient(code: &str) -> bool {
    matches!(code.get(..2), Some("08" | "40" | "53" | "58"))
        || matches!(code, "55P03" | "57P01" | "57P02" | "57P03")
}

#[cfg(test)]
mod tests {
    use super::postgres_transient;

    #[test]
    fn connection_loss_shutdown_and_conflicts_pass_misconfigurations_do_not() {
        for code in [
            "08006", "08001", "40001", "40P01", "53300", "55P03", "57P01", "57P03",
        ] {
            assert!(postgres_transient(code), "{code}");
        }
        // A standby, a missing privilege, a missing table, a unique violation.
        for code in ["25006", "42501", "42P01", "23505"] {
            assert!(!postgres_transient(code), "{code}");
        }
    }
}
