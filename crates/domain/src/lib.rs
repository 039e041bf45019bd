//! The domain core of companygate: companies, actors, lookup and cascading deletion over one
//! database. Nothing here knows about HTTP; both dialect adapters call into [`Gateway`].
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbErr};

pub mod actor;
pub mod bulk_deletion;
pub mod clients;
mod company_id;
pub mod company_state;
pub mod company_writes;
pub mod database;
pub mod deletion;
pub mod entities;
pub mod fixtures;
pub mod idempotency;
pub mod lookup;
pub mod mail;
pub mod passwords;
pub mod rate_limit;
pub mod reseller_reads;
pub mod search;
pub mod sessions;
pub mod tokens;

pub use actor::{Actor, ClientRole};
pub use company_id::CompanyId;
pub use deletion::{DeleteCompanyError, DeletedCompany, DeletionCounts};
pub use mail::Mailer;

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            site_name: "companygate".into(),
            token_ttl: Duration::from_secs(3600),
            session_idle_ttl: Duration::from_secs(7 * 24 * 3600),
            god_token: None,
        }
    }
}

/// Counters for the operations that matter; exported by the server.
#[derive(Debug, Default)]
pub struct Metrics {
    pub deletions: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub logins: AtomicU64,
    /// Rows search queries brought back from the database (a page plus one totals row each).
    pub search_rows_loaded: AtomicU64,
}

/// The core's one entry point. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    db: DatabaseConnection,
    config: Arc<Config>,
    mail: Mailer,
    keys: tokens::KeyRing,
    metrics: Arc<Metrics>,
}

impl Gateway {
    /// Builds the core over a migrated database and makes sure a token signing key exists.
    pub async fn new(db: DatabaseConnection, config: Config, mail: Mailer) -> Result<Self, DbErr> {
        let keys = tokens::KeyRing::load_or_create(&db).await?;
        Ok(Self { db, config: Arc::new(config), mail, keys, metrics: Arc::default() })
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends outbox messages that earlier attempts could not deliver.
    pub async fn retry_outbox(&self) {
        self.mail.dispatch_pending(&self.db).await
    }

    /// Whether `candidate` is the configured god token. Constant-time; never true when god mode is
    /// off or the candidate is empty.
    pub fn is_god_token(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        match self.config.god_token.as_deref() {
            Some(token) if !token.is_empty() && !candidate.is_empty() => {
                bool::from(token.as_bytes().ct_eq(candidate.as_bytes()))
            }
            _ => false,
        }
    }
}
