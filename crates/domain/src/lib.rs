//! The domain core of companygate: companies, actors, lookup and cascading deletion over one
//! database. Nothing here knows about HTTP; both dialect adapters call into [`Gateway`].
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::credentials::{passwords, token_rows, tokens, verified_secrets};
use crate::database::Pools;
use crate::tree::listing as tree_listing;

pub mod actor;
pub mod companies;
pub mod correlation;
pub mod credentials;
pub mod database;
pub mod deletion;
pub mod entities;
pub mod fixtures;
pub mod gate;
pub mod idempotency;
pub mod mail;
pub mod peer;
pub mod rate_limit;
pub mod scoped;
pub mod search;
pub mod sessions;
mod statement;
pub mod telemetry;
mod tree;

pub use actor::{Actor, ClientRole};
pub use companies::CompanyId;
pub use deletion::{DeleteCompanyError, DeletedCompany, DeletionCounts};
pub use mail::{MailSettings, Mailer};
pub use sea_orm::DbErr;

/// Settings the core needs; the server fills them from its command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub site_name: String,
    /// Lifetime of an issued access token.
    pub token_ttl: Duration,
    /// A session expires after this long without a request.
    pub session_idle_ttl: Duration,
    /// `None` turns god mode off; an empty token is treated as `None`.
    pub god_token: Option<String>,
    /// Where an uploaded logo is served, `{resourceId}` standing for the company's id (a token's
    /// `user_company_logopath`).
    pub logo_address: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            site_name: "companygate".into(),
            token_ttl: Duration::from_secs(3600),
            session_idle_ttl: Duration::from_secs(7 * 24 * 3600),
            god_token: None,
            logo_address: "/api/companies/{resourceId}/logo".into(),
        }
    }
}

/// Why the gateway cannot serve right now.
#[derive(Debug, thiserror::Error)]
pub enum Unready {
    #[error("database unreachable: {0}")]
    Database(DbErr),
    #[error("{0} migrations not applied")]
    MigrationsPending(usize),
}

/// The core's one entry point. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    /// Reads. On SQLite these connections are read-only.
    db: DatabaseConnection,
    /// Reads whose statements are planned once (see [`database::Pools::generic`]).
    generic: DatabaseConnection,
    /// Reads planned for their values every time (see [`database::Pools::custom`]).
    custom: DatabaseConnection,
    /// Every write, and reads that decide a write (see [`database::Pools`]).
    writer: database::Writer,
    /// Writes access-token rows through their pool (see [`database::Pools::tokens`]), several at
    /// once (see [`token_rows`]).
    token_rows: token_rows::TokenRows,
    hasher: passwords::Hasher,
    verified: Arc<verified_secrets::VerifiedSecrets>,
    listings: Arc<tree_listing::TreeListings>,
    config: Arc<Config>,
    mail: Mailer,
    keys: tokens::KeyRing,
    telemetry: telemetry::Telemetry,
    /// Exports that may start now (see [`search::export`]).
    exports: Arc<tokio::sync::Semaphore>,
    limits: Arc<rate_limit::Limiter>,
}

impl Gateway {
    /// Builds the core over a migrated database and makes sure a token signing key exists.
    pub async fn new(pools: Pools, config: Config, mail: Mailer) -> Result<Self, DbErr> {
        let keys = tokens::KeyRing::load_or_create(pools.write.connection()).await?;
        Ok(Self {
            db: pools.read,
            generic: pools.generic,
            custom: pools.custom,
            writer: pools.write,
            token_rows: token_rows::TokenRows::start(pools.tokens),
            hasher: passwords::Hasher::sized_to_machine(),
            verified: Arc::new(verified_secrets::VerifiedSecrets::new()),
            listings: Arc::new(tree_listing::TreeListings::new()),
            config: Arc::new(config),
            mail,
            keys,
            telemetry: telemetry::Telemetry::default(),
            exports: search::export::permits(),
            limits: Arc::new(rate_limit::Limiter::in_memory(rate_limit::Rates::default())),
        })
    }

    /// The same core with these request-rate limits (in memory, with default rates, unless set).
    pub fn with_limits(mut self, limits: rate_limit::Limiter) -> Self {
        self.limits = Arc::new(limits);
        self
    }

    /// The same core recording its figures into `telemetry`.
    pub fn with_telemetry(mut self, telemetry: telemetry::Telemetry) -> Self {
        self.telemetry = telemetry;
        // Counters without labels are shown from the start, at zero.
        for counter in [
            "companygate_tokens_issued_total",
            "companygate_search_rows_loaded_total",
            "companygate_search_walks_cut_short_total",
        ] {
            self.telemetry.count(counter, &[], 0);
        }
        self
    }

    pub fn telemetry(&self) -> &telemetry::Telemetry {
        &self.telemetry
    }

    /// Counts one request against `limit` for `key` (a client id, an address, an e-mail...).
    pub async fn rate_limit(&self, limit: rate_limit::Limit, key: &str) -> Result<(), rate_limit::RateLimited> {
        let checked = self.limits.check(limit, key).await;
        if checked.is_err() {
            self.telemetry.count("companygate_rate_limited_total", &[("limit", limit.name())], 1);
        }
        checked
    }

    /// Sets the gauges read at scrape time: connections of each pool in use and idle, and the
    /// outbox backlog (left as it was while the database does not answer within a second).
    pub async fn sample_gauges(&self) {
        let mut pools =
            vec![("read", &self.db), ("write", self.writer.connection()), ("tokens", self.token_rows.connection())];
        // On SQLite these two are the read pool.
        if sea_orm::ConnectionTrait::get_database_backend(&self.db) == sea_orm::DatabaseBackend::Postgres {
            pools.extend([("generic", &self.generic), ("custom", &self.custom)]);
        }
        for (pool, connection) in pools {
            if let Some((size, idle)) = database::pool_usage(connection) {
                let in_use = (size as usize).saturating_sub(idle);
                self.telemetry.set("companygate_db_connections", &[("pool", pool), ("state", "in_use")], in_use as f64);
                self.telemetry.set("companygate_db_connections", &[("pool", pool), ("state", "idle")], idle as f64);
            }
        }
        if let Ok(Ok(backlog)) = tokio::time::timeout(Duration::from_secs(1), self.outbox_backlog()).await {
            self.telemetry.set("companygate_outbox_messages", &[("state", "pending")], backlog.pending as f64);
            self.telemetry.set("companygate_outbox_messages", &[("state", "given_up")], backlog.failed as f64);
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The gateway's background work, until the returned future is dropped: the outbox sender and,
    /// every hour, sweeping idempotency keys past their lifetime.
    pub async fn run_background(&self) {
        let sweep = async {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match idempotency::sweep(&self.writer).await {
                    Ok(n) => tracing::debug!(removed = n, "expired idempotency keys swept"),
                    Err(error) => tracing::warn!(%error, "sweeping idempotency keys failed"),
                }
            }
        };
        let upkeep = async {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                self.telemetry.upkeep();
            }
        };
        let facets = async {
            // Folds what writers appended to the facets, so a search's sums stay one row per value.
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            loop {
                tick.tick().await;
                if let Err(error) = tree::facets::compact(&self.writer, 50).await {
                    tracing::warn!(%error, "folding search facets failed");
                }
            }
        };
        tokio::join!(self.mail.run(&self.writer, &self.telemetry), sweep, upkeep, facets);
    }

    /// Messages waiting in the outbox and messages given up.
    pub(crate) async fn outbox_backlog(&self) -> Result<mail::OutboxBacklog, DbErr> {
        self.mail.backlog(&self.db).await
    }

    /// Whether the database answers and its schema is current.
    pub async fn readiness(&self) -> Result<(), Unready> {
        use companygate_migration::MigratorTrait;
        use sea_orm::ConnectionTrait;
        self.db.execute_unprepared("SELECT 1").await.map_err(Unready::Database)?;
        let pending = companygate_migration::Migrator::get_pending_migrations(&self.writer)
            .await
            .map_err(Unready::Database)?
            .len();
        if pending > 0 { Err(Unready::MigrationsPending(pending)) } else { Ok(()) }
    }

    /// Whether `candidate` is the configured god token. Constant-time; never true when god mode is
    /// off or the candidate is empty.
    pub(crate) fn is_god_token(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        match self.config.god_token.as_deref() {
            Some(token) if !token.is_empty() && !candidate.is_empty() => {
                bool::from(token.as_bytes().ct_eq(candidate.as_bytes()))
            }
            _ => false,
        }
    }
}
