//! Connecting to SQLite or PostgreSQL, applying migrations, and telling an outage from a fault.
use std::time::Duration;

use companygate_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, RuntimeErr,
    TransactionTrait,
};

/// What a client is told to wait before retrying when the database is unavailable or the gateway
/// is overloaded.
pub const RETRY_AFTER_SECS: u64 = 5;

/// How the pools behave.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// The longest a request waits for a connection before it is told the database is
    /// unavailable. SQLite's single writer queues writes for up to `WRITE_QUEUE` instead.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self { acquire_timeout: Duration::from_secs(2) }
    }
}

/// How long a write may wait for SQLite's one writer connection (and then for the file lock held
/// by another process) before it is answered as unavailable.
const WRITE_QUEUE: Duration = Duration::from_secs(30);

/// The connections of one gateway. Reads go to `read`, every statement of a write to `write`.
///
/// PostgreSQL: both are the same pool; row locks and `version = version + 1` keep concurrent
/// writes correct. SQLite allows one writer at a time, and a transaction that reads first and
/// writes later fails (`database is locked`) when another writer committed in between, whatever
/// the busy timeout. So SQLite writes go through a pool of exactly one connection, where they
/// queue, and reads use their own read-only connections (WAL lets them run beside the writer;
/// a write sent to them by mistake fails at once instead of racing).
#[derive(Clone, Debug)]
pub struct Pools {
    pub read: DatabaseConnection,
    pub write: Writer,
    /// Writes a crash may lose without harm: access-token rows (a token whose row is gone is
    /// refused, and its client asks for another). PostgreSQL: a small pool whose commits do not
    /// wait for the WAL to reach the disk; SQLite: the one writer.
    pub tokens: DatabaseConnection,
    /// Reads whose best plan does not depend on their values, kept as one generic plan per
    /// statement instead of planned per request. PostgreSQL: a small pool whose connections start
    /// with `plan_cache_mode = force_generic_plan` (the other pools plan a statement for its values
    /// until a generic plan looks as good); SQLite: the read connections.
    pub generic: DatabaseConnection,
    /// Reads whose best plan depends on their values, planned for them every time. PostgreSQL: a
    /// pool whose connections start with `plan_cache_mode = force_custom_plan` (one round trip
    /// a statement, where setting it per statement took a transaction: four); SQLite: the read
    /// connections.
    pub custom: DatabaseConnection,
}

/// The PostgreSQL advisory lock start-up holds (any number that no other application on the
/// database uses; this one spells "cgate").
const START_UP_LOCK: i64 = 0x0063_6761_7465;

/// Applies pending migrations, one gateway at a time however many start together: on PostgreSQL
/// under a transaction-scoped advisory lock, the migrations in that transaction (its DDL is
/// transactional); on SQLite in one `BEGIN IMMEDIATE` transaction on the one writer connection,
/// which a second process waits for (busy timeout). Whoever comes second finds nothing pending.
pub async fn migrate_exclusively(writer: &DatabaseConnection) -> Result<(), DbErr> {
    match writer.get_database_backend() {
        DatabaseBackend::Postgres => {
            let txn = writer.begin().await?;
            hold_start_up_lock(&txn).await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => {
            // sea-orm-migration runs SQLite migrations without a transaction of its own, and the
            // writer pool has exactly one connection, so every statement below runs in this one.
            writer.execute_unprepared("BEGIN IMMEDIATE").await?;
            end_immediate(writer, Migrator::up(writer, None).await).await
        }
    }
}

/// Ends a `BEGIN IMMEDIATE` transaction begun on SQLite's one writer connection: commits after
/// `outcome` succeeded, rolls back after it failed.
pub(crate) async fn end_immediate<T>(writer: &DatabaseConnection, outcome: Result<T, DbErr>) -> Result<T, DbErr> {
    match outcome {
        Ok(value) => writer.execute_unprepared("COMMIT").await.map(|_| value),
        Err(e) => {
            let _ = writer.execute_unprepared("ROLLBACK").await;
            Err(e)
        }
    }
}

/// Takes the start-up lock for the rest of `txn` (PostgreSQL; SQLite's write transactions are
/// one at a time anyway).
pub(crate) async fn hold_start_up_lock(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({START_UP_LOCK})")).await?;
    }
    Ok(())
}

/// Connects and applies pending migrations.
pub async fn connect(url: &str, settings: PoolSettings) -> Result<Pools, DbErr> {
    if url.starts_with("sqlite:") {
        // A file named without a mode is created when missing, as the default one is.
        if !url.contains("mode=") && !url.contains(":memory:") {
            let separator = if url.contains('?') { '&' } else { '?' };
            return connect_sqlite(&format!("{url}{separator}mode=rwc")).await;
        }
        return connect_sqlite(url).await;
    }
    // Large cost estimates made PostgreSQL JIT-compile queries that then run in milliseconds:
    // measured on 10 000 companies, 1.6 s with JIT and 78 ms without. Nothing here is analytical
    // enough to gain from JIT.
    let db = postgres_pool(url, 16, settings.acquire_timeout, &[("jit", "off")]).await?;
    migrate_exclusively(&db).await?;
    let tokens =
        postgres_pool(url, 4, settings.acquire_timeout, &[("jit", "off"), ("synchronous_commit", "off")]).await?;
    let generic =
        postgres_pool(url, 4, settings.acquire_timeout, &[("jit", "off"), ("plan_cache_mode", "force_generic_plan")])
            .await?;
    let custom =
        postgres_pool(url, 8, settings.acquire_timeout, &[("jit", "off"), ("plan_cache_mode", "force_custom_plan")])
            .await?;
    Ok(Pools { read: db.clone(), write: Writer(db), tokens, generic, custom })
}

/// The connection every write goes through (see [`Pools`]). On SQLite its transactions take the
/// write lock with their first statement: a deferred one that read before it wrote failed at once
/// (no busy wait) when another process (a `seed` while serving) had committed in between.
#[derive(Clone, Debug)]
pub struct Writer(DatabaseConnection);

impl Writer {
    /// Begins a write transaction (on SQLite, holding the write lock).
    pub async fn begin(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        let txn = self.0.begin().await?;
        if self.0.get_database_backend() == DatabaseBackend::Sqlite {
            // A write that changes nothing: SQLite takes the lock for it and keeps it to the end.
            txn.execute_unprepared("UPDATE seaql_migrations SET version = version WHERE 1 = 0").await?;
        }
        Ok(txn)
    }

    /// The connection itself, for what writes outside a transaction.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.0
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.0.get_database_backend()
    }

    async fn execute(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.0.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.0.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.0.query_one(stmt).await
    }

    async fn query_all(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.0.query_all(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

/// A connection that sat idle in the pool for this long is tested (one round trip) before a
/// request gets it; one used more recently is not.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// A PostgreSQL pool of at most `max` connections, each started with the server `options`.
///
/// A pooled connection broken by a database restart must not fail a request after the database
/// is back, so it is tested before use, but only when it sat idle for [`PING_IF_IDLE_FOR`]:
/// testing every connection before every use (sqlx's default) cost one more round trip per
/// statement (GET by id, PostgreSQL on the same two cores as the load: 3 291 -> 4 061 req/s).
/// A connection in steady use needs no test: the pool tests each one as it comes back (sqlx
/// always does) and drops one that broke.
async fn postgres_pool(
    url: &str,
    max: u32,
    acquire_timeout: Duration,
    options: &[(&str, &str)],
) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection};
    let conn_err = |e| DbErr::Conn(RuntimeErr::SqlxError(e));
    let connect =
        url.parse::<PgConnectOptions>().map_err(conn_err)?.options(options.iter().copied()).disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(connect)
        .await
        .map_err(conn_err)?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// Opens SQLite's pools and migrates, trying again while the file is busy, for up to
/// `WRITE_QUEUE`.
///
/// Opening runs `PRAGMA journal_mode = WAL`, which needs the file to itself for a moment; when
/// several gateways open one new file together, SQLite can answer one of them `database is
/// locked` at once instead of calling the busy handler (seen once in six gateways starting
/// together). Each attempt either migrated in one transaction or rolled back, so trying again
/// is safe; the moment passes in milliseconds.
async fn connect_sqlite(url: &str) -> Result<Pools, DbErr> {
    let deadline = tokio::time::Instant::now() + WRITE_QUEUE;
    let mut pause = Duration::from_millis(10);
    loop {
        match try_connect_sqlite(url).await {
            Err(e) if is_busy(&e) && tokio::time::Instant::now() + pause < deadline => {
                tracing::debug!(error = %e, "the database file is busy; opening it again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(500));
            }
            outcome => return outcome,
        }
    }
}

async fn try_connect_sqlite(url: &str) -> Result<Pools, DbErr> {
    // A SQLite connection is a file handle, not a socket that can break: testing it before each
    // use (sqlx's default) cost one more round trip to its worker thread per statement.
    let mut write = ConnectOptions::new(url.to_owned());
    write
        .sqlx_logging(false)
        .test_before_acquire(false)
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(WRITE_QUEUE)
        .map_sqlx_sqlite_opts(|o| {
            // The one writer keeps up to 64 MiB of pages: a bulk load's transaction re-read its
            // own pages from the write-ahead log with the default 2 MiB.
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(WRITE_QUEUE)
                .foreign_keys(true)
                .pragma("cache_size", "-65536")
        });
    let writer = Database::connect(write).await?;
    migrate_exclusively(&writer).await?;
    if url.contains(":memory:") {
        // Each connection to `sqlite::memory:` is a database of its own: share the one.
        return Ok(Pools {
            read: writer.clone(),
            generic: writer.clone(),
            custom: writer.clone(),
            tokens: writer.clone(),
            write: Writer(writer),
        });
    }
    let mut read = ConnectOptions::new(url.to_owned());
    read.sqlx_logging(false)
        .test_before_acquire(false)
        .max_connections(8)
        .min_connections(1)
        .acquire_timeout(WRITE_QUEUE)
        .map_sqlx_sqlite_opts(|o| {
            o.read_only(true).create_if_missing(false).busy_timeout(WRITE_QUEUE).foreign_keys(true)
        });
    let reader = Database::connect(read).await?;
    Ok(Pools {
        generic: reader.clone(),
        custom: reader.clone(),
        read: reader,
        tokens: writer.clone(),
        write: Writer(writer),
    })
}

/// Whether `err` is SQLite's `SQLITE_BUSY` (code 5, or one of its extended codes).
fn is_busy(err: &DbErr) -> bool {
    matches!(sqlx_error(err), Some(sea_orm::sqlx::Error::Database(e)) if is_sqlite_busy(e.code().as_deref()))
}

/// The driver's error inside `err`, if it carries one.
fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// Whether an error code is SQLite's busy: 5, or one of its extended codes (517...).
fn is_sqlite_busy(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5)
}

/// Connections of a pool: (open, idle).
pub fn pool_usage(connection: &DatabaseConnection) -> Option<(u32, usize)> {
    match connection {
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let pool = connection.get_postgres_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let pool = connection.get_sqlite_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        _ => None,
    }
}

/// Whether `err` means the database cannot be reached or is too busy right now (the request may
/// succeed later), as opposed to a fault in what was asked of it.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match (err, sqlx_error(err)) {
        (DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed), _) => return true,
        (_, Some(e)) => e,
        (DbErr::Conn(_), None) => return true,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_) => true,
        Sqlx::Database(e) => {
            let code = e.code().unwrap_or_default();
            // PostgreSQL: connection exceptions (08xxx), shutting down or starting up (57P0x),
            // too many connections (53300). SQLite: busy.
            code.starts_with("08") || code.starts_with("57P") || code == "53300" || is_sqlite_busy(Some(&code))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_from_faults() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)));
        let io = sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_unavailable(&DbErr::Conn(RuntimeErr::SqlxError(io))));
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::PoolTimedOut))));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::RowNotFound))));
    }

    /// A write transaction on SQLite holds the write lock from its start: another process's
    /// writer that comes while it reads waits, instead of committing under it.
    #[tokio::test]
    async fn a_sqlite_write_transaction_holds_the_write_lock_from_its_start() {
        let dir = std::env::temp_dir().join(format!("companygate-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("lock.db").display());
        let pools = connect(&url, PoolSettings::default()).await.expect("opens");
        let mut other = ConnectOptions::new(url.clone());
        other.max_connections(1).sqlx_logging(false).map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let other = Database::connect(other).await.unwrap();
        let txn = pools.write.begin().await.unwrap();
        txn.query_all(sea_orm::Statement::from_string(DatabaseBackend::Sqlite, "SELECT id FROM companies"))
            .await
            .unwrap();
        let refused = other.execute_unprepared("BEGIN IMMEDIATE").await;
        assert!(refused.is_err_and(|e| is_busy(&e)), "the other writer must wait for this transaction");
        txn.commit().await.unwrap();
        other.execute_unprepared("BEGIN IMMEDIATE").await.expect("free once committed");
        other.execute_unprepared("ROLLBACK").await.unwrap();
        drop((other, pools));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Why `companygate backup` wrote no copy.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup copies the embedded SQLite database; back up PostgreSQL with pg_dump (see the README)")]
    NotSqlite,
    #[error("{0} already exists; name a new file")]
    Exists(std::path::PathBuf),
    #[error("cannot copy the database: {0}")]
    Database(String),
}

/// Writes a consistent copy of the SQLite database `url` names into the new file `target`, while
/// gateways serve it: one read transaction (`VACUUM INTO`), so the copy holds every write
/// committed before it began, the write-ahead log's included, and none after.
pub async fn backup(url: &str, target: &std::path::Path) -> Result<(), BackupError> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") {
        return Err(BackupError::NotSqlite);
    }
    if target.exists() {
        return Err(BackupError::Exists(target.to_owned()));
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(|o| o.read_only(true).create_if_missing(false).busy_timeout(WRITE_QUEUE));
    let failed = |error: DbErr| BackupError::Database(root_cause(&error));
    let db = Database::connect(options).await.map_err(failed)?;
    let copied = db
        .execute(sea_orm::Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [target.to_string_lossy().into_owned().into()],
        ))
        .await;
    db.close().await.map_err(failed)?;
    copied.map_err(failed)?;
    Ok(())
}

/// Why the database could not be opened: what was tried, and the innermost cause, once.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the SQLite database file {}: {cause}", file.display())]
    SqliteFile { file: std::path::PathBuf, cause: String },
    #[error("cannot reach PostgreSQL at {host}:{port} (database {database}, user {user}): {cause}")]
    Postgres { host: String, port: u16, database: String, user: String, cause: String },
    #[error("cannot migrate the database: {cause}")]
    Migration { cause: String },
    #[error("cannot open the database: {cause}")]
    Unsupported { cause: String },
}

/// The innermost cause of `error` (the wrappers around it repeat its text).
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// The file a SQLite URL names (`sqlite://path?...`, `sqlite:path`); `None` for other databases
/// and for a database in memory.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

/// [`connect`], its failure told as what was tried and why it failed.
pub async fn open(url: &str, settings: PoolSettings) -> Result<Pools, OpenError> {
    let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
    if !postgres && !url.starts_with("sqlite:") {
        let scheme = url.split_once(':').map_or("a URL without a scheme", |(scheme, _)| scheme);
        return Err(OpenError::Unsupported { cause: format!("{scheme} is not SQLite or PostgreSQL") });
    }
    let error = match connect(url, settings).await {
        Ok(pools) => return Ok(pools),
        Err(error) => error,
    };
    let cause = root_cause(&error);
    let connecting = matches!(error, DbErr::Conn(_));
    match sqlite_file(url) {
        Some(file) if connecting => return Err(OpenError::SqliteFile { file, cause }),
        _ if !connecting || !postgres => return Err(OpenError::Migration { cause }),
        _ => {}
    }
    use sea_orm::sqlx::ConnectOptions as _;
    let Ok(options) = url.parse::<sea_orm::sqlx::postgres::PgConnectOptions>() else {
        return Err(OpenError::Unsupported { cause });
    };
    // A pool that timed out hides why; one connection of its own tells (refused, no such
    // database, authentication failed).
    let cause = match tokio::time::timeout(Duration::from_secs(5), options.connect()).await {
        Ok(Err(direct)) => root_cause(&direct),
        _ => cause,
    };
    Err(OpenError::Postgres {
        host: options.get_host().to_owned(),
        port: options.get_port(),
        database: options.get_database().unwrap_or("postgres").to_owned(),
        user: options.get_username().to_owned(),
        cause,
    })
}
