//! Hot reads answered from memory while the database provably has not changed under them.
//!
//! A bearer read used to cost the token's row and the record's row, each a statement on the
//! database; at the rates one gateway serves, those statements, not the work, bound it. So the
//! rows these reads need (a token's row with its client and company, a company's record as seen
//! by a manager, the reference tables), and search pages, are kept in memory between requests,
//! under one rule:
//!
//! **an entry is used only while nothing it could depend on has been written since it was read.**
//!
//! [`Freshness`] keeps one counter, the epoch, that goes up on every change: every write this
//! gateway makes (through [`Writer`], after its commit and before the request that made it is
//! answered) and every change another process commits, as seen by a watcher on the database
//! itself ([`Freshness::watch`]): PostgreSQL notifies a listening connection from statement
//! triggers on the tables these reads use (delivered at commit); SQLite is asked for
//! `PRAGMA data_version` every few milliseconds (it moves on every commit of any other
//! connection). An entry carries the epoch taken *before* its rows were read and is stored only if
//! the epoch has not moved since; it is used only while the epoch is still that one. So a write
//! made here is seen by the next request here, and a write made elsewhere is seen here as soon as
//! the watcher hears of it (PostgreSQL: when the notification arrives, typically well under a
//! millisecond; SQLite: within one poll).
//!
//! Memory is used only while the watcher provably hears every change: PostgreSQL's listener must
//! have heard its own heartbeat (a notification it sends through the database every
//! [`HEARTBEAT`]) within [`CONFIRMED_FOR`], and a lost listening connection turns memory off at
//! once; SQLite's poll must have answered within [`CONFIRMED_FOR`]. When it comes back, the epoch
//! moves first, so nothing kept from before is used again. Without a watcher (a gateway whose
//! background work is not running) nothing is kept. Results that found nothing are never kept.
//! Each cache holds a bounded number of entries, least recently used going first, and keeps no
//! entry larger than its own limit (a company with a large logo is read from the database every
//! time), so the memory it holds is bounded whatever clients ask for.
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use lru::LruCache;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, ExecResult, QueryResult,
    Statement, TransactionTrait,
};

use crate::telemetry::Telemetry;

/// The channel PostgreSQL's triggers notify (migration `m20261203_000026_change_notices`).
pub const CHANNEL: &str = "companygate_changes";

/// How often a PostgreSQL gateway sends itself a heartbeat through the database.
const HEARTBEAT: Duration = Duration::from_millis(250);

/// How long a watcher's last confirmation (a heartbeat heard, a poll answered) keeps memory in use.
const CONFIRMED_FOR: Duration = Duration::from_millis(1000);

/// How often SQLite is asked whether another connection committed.
const POLL: Duration = Duration::from_millis(5);

/// The change counter and whether the watcher currently hears every change.
#[derive(Debug)]
pub(crate) struct Freshness {
    epoch: AtomicU64,
    /// When the watcher last confirmed, in microseconds since `start` (0: not hearing changes).
    confirmed_at: AtomicU64,
    start: Instant,
}

impl Freshness {
    pub(crate) fn new() -> Self {
        Self { epoch: AtomicU64::new(1), confirmed_at: AtomicU64::new(0), start: Instant::now() }
    }

    fn now(&self) -> u64 {
        // Never 0, which means "not confirmed".
        self.start.elapsed().as_micros() as u64 + 1
    }

    /// Something may have changed: every entry kept so far is stale.
    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// The epoch, or `None` while the watcher does not provably hear every change.
    pub(crate) fn current(&self) -> Option<u64> {
        let confirmed = self.confirmed_at.load(Ordering::SeqCst);
        let live = confirmed != 0 && self.now().saturating_sub(confirmed) < CONFIRMED_FOR.as_micros() as u64;
        live.then(|| self.epoch.load(Ordering::SeqCst))
    }

    /// The watcher heard everything committed up to now. After a gap, the epoch moves first.
    fn confirm(&self) {
        if self.current().is_none() {
            self.changed();
        }
        self.confirmed_at.store(self.now(), Ordering::SeqCst);
    }

    /// The watcher may have missed changes: memory is off until it confirms again.
    fn lost(&self) {
        self.confirmed_at.store(0, Ordering::SeqCst);
        self.changed();
    }

    /// Watches the database for changes committed by other connections, until dropped. A
    /// `private` database has no other connections: every change is one made through [`Writer`].
    pub(crate) async fn watch(&self, read: &DatabaseConnection, private: bool) {
        if private {
            loop {
                self.confirm();
                tokio::time::sleep(CONFIRMED_FOR / 4).await;
            }
        }
        match read.get_database_backend() {
            DatabaseBackend::Postgres => self.listen(read).await,
            _ => self.poll(read).await,
        }
    }

    async fn listen(&self, read: &DatabaseConnection) {
        use sea_orm::sqlx::postgres::PgListener;
        let pool = read.get_postgres_connection_pool();
        let beat = format!("beat:{:016x}", rand::random::<u64>());
        let heartbeat = async {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let notify = Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), beat.clone().into()],
                );
                if let Err(error) = read.execute(notify).await {
                    tracing::debug!(%error, "change watcher: heartbeat not sent");
                }
            }
        };
        let hear = async {
            loop {
                let mut listener = match PgListener::connect_with(pool).await {
                    Ok(listener) => listener,
                    Err(error) => {
                        tracing::debug!(%error, "change watcher: cannot connect; memory stays off");
                        tokio::time::sleep(HEARTBEAT).await;
                        continue;
                    }
                };
                if let Err(error) = listener.listen(CHANNEL).await {
                    tracing::debug!(%error, "change watcher: cannot listen; memory stays off");
                    tokio::time::sleep(HEARTBEAT).await;
                    continue;
                }
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notice)) if notice.payload() == beat => self.confirm(),
                        // Another gateway's heartbeat changes nothing.
                        Ok(Some(notice)) if notice.payload().starts_with("beat:") => {}
                        Ok(Some(_)) => self.changed(),
                        // The connection was lost (and notices with it); the next call reconnects.
                        Ok(None) => {
                            tracing::debug!("change watcher: listening connection lost");
                            self.lost();
                        }
                        Err(error) => {
                            tracing::debug!(%error, "change watcher: listening failed");
                            self.lost();
                            break;
                        }
                    }
                }
                tokio::time::sleep(HEARTBEAT).await;
            }
        };
        tokio::join!(heartbeat, hear);
    }

    async fn poll(&self, read: &DatabaseConnection) {
        use sea_orm::sqlx::{Connection as _, Row as _};
        let pool = read.get_sqlite_connection_pool();
        loop {
            // A connection of its own: `data_version` tells what other connections committed
            // since this one last asked.
            let mut connection = match pool.acquire().await {
                Ok(connection) => connection.detach(),
                Err(error) => {
                    tracing::debug!(%error, "change watcher: no connection; memory stays off");
                    tokio::time::sleep(CONFIRMED_FOR).await;
                    continue;
                }
            };
            let mut seen = None;
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let version = sea_orm::sqlx::query("PRAGMA data_version")
                    .fetch_one(&mut connection)
                    .await
                    .and_then(|row| row.try_get::<i64, _>(0));
                match version {
                    Ok(version) => {
                        if seen.is_some_and(|seen| seen != version) {
                            self.changed();
                        }
                        seen = Some(version);
                        self.confirm();
                    }
                    Err(error) => {
                        tracing::debug!(%error, "change watcher: poll failed");
                        self.lost();
                        break;
                    }
                }
            }
            let _ = connection.close().await;
        }
    }
}

/// About how many bytes a kept value holds.
pub(crate) trait Weigh {
    fn bytes(&self) -> usize;
}

impl Weigh for String {
    fn bytes(&self) -> usize {
        size_of::<Self>() + self.len()
    }
}

/// The bytes of these texts (none for an absent one), for [`Weigh`] implementations.
pub(crate) fn text_bytes(texts: &[&Option<String>]) -> usize {
    texts.iter().map(|t| t.as_ref().map_or(0, String::len)).sum()
}

/// Entries of one kind of read, each stamped with the epoch it was read under.
pub(crate) struct ReadCache<K: Hash + Eq, V> {
    /// The `read` label of `companygate_kept_reads_total`.
    name: &'static str,
    entries: Mutex<LruCache<K, (u64, Arc<V>)>>,
    /// Values weighing more are not kept.
    max_entry_bytes: usize,
    freshness: Arc<Freshness>,
}

impl<K: Hash + Eq, V: Weigh> ReadCache<K, V> {
    /// At most `capacity` entries of at most `max_entry_bytes` each.
    pub(crate) fn new(name: &'static str, capacity: usize, max_entry_bytes: usize, freshness: Arc<Freshness>) -> Self {
        let capacity = NonZeroUsize::new(capacity).expect("capacity is not zero");
        Self { name, entries: Mutex::new(LruCache::new(capacity)), max_entry_bytes, freshness }
    }

    /// The entry for `key` while it is fresh; otherwise `load`s it (and keeps what it found, if the
    /// epoch did not move while loading). Counts where the answer came from into `telemetry`.
    pub(crate) async fn get<F>(&self, telemetry: &Telemetry, key: K, load: F) -> Result<Option<Arc<V>>, DbErr>
    where
        F: Future<Output = Result<Option<V>, DbErr>>,
    {
        let from =
            |source| telemetry.count("companygate_kept_reads_total", &[("from", source), ("read", self.name)], 1);
        let Some(epoch) = self.freshness.current() else {
            from("database");
            return Ok(load.await?.map(Arc::new));
        };
        if let Some((stamp, value)) = self.entries.lock().expect("read cache lock").get(&key)
            && *stamp == epoch
        {
            from("memory");
            return Ok(Some(value.clone()));
        }
        from("database");
        let Some(found) = load.await? else { return Ok(None) };
        let found = Arc::new(found);
        if found.bytes() <= self.max_entry_bytes && self.freshness.current() == Some(epoch) {
            self.entries.lock().expect("read cache lock").put(key, (epoch, found.clone()));
        }
        Ok(Some(found))
    }
}

/// The connection every write goes through: after each statement, and after each transaction
/// ends, it tells [`Freshness`] that something changed, so that the next read does not come from
/// memory. Writes that only touch tables no kept read depends on (sessions, the outbox, idempotency
/// keys, access-token rows being created) may use [`Writer::unwatched`].
#[derive(Clone, Debug)]
pub(crate) struct Writer {
    db: DatabaseConnection,
    freshness: Arc<Freshness>,
}

impl Writer {
    pub(crate) fn new(db: DatabaseConnection, freshness: Arc<Freshness>) -> Self {
        Self { db, freshness }
    }

    /// The connection without the change notice, for writes to tables no kept read uses.
    pub(crate) fn unwatched(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(crate) async fn begin(&self) -> Result<WriteTransaction, DbErr> {
        Ok(WriteTransaction { txn: Some(self.db.begin().await?), freshness: self.freshness.clone() })
    }

    fn after<T>(&self, outcome: Result<T, DbErr>) -> Result<T, DbErr> {
        self.freshness.changed();
        outcome
    }
}

#[async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.after(self.db.execute(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.after(self.db.execute_unprepared(sql).await)
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.after(self.db.query_one(stmt).await)
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.after(self.db.query_all(stmt).await)
    }
}

/// A transaction begun on [`Writer`]: committing it (whatever the outcome) tells [`Freshness`].
pub(crate) struct WriteTransaction {
    txn: Option<DatabaseTransaction>,
    freshness: Arc<Freshness>,
}

impl WriteTransaction {
    fn txn(&self) -> &DatabaseTransaction {
        self.txn.as_ref().expect("a transaction is used only before it ends")
    }

    pub(crate) async fn commit(mut self) -> Result<(), DbErr> {
        let txn = self.txn.take().expect("a transaction ends once");
        let outcome = txn.commit().await;
        self.freshness.changed();
        outcome
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        self.txn()
    }
}

#[async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn().get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn().execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn().execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn().query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn().query_all(stmt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirmed() -> Arc<Freshness> {
        let freshness = Arc::new(Freshness::new());
        freshness.confirm();
        freshness
    }

    impl Weigh for u32 {
        fn bytes(&self) -> usize {
            *self as usize
        }
    }

    async fn found(value: u32) -> Result<Option<u32>, DbErr> {
        Ok(Some(value))
    }

    #[tokio::test]
    async fn an_entry_is_used_only_while_nothing_changed() {
        let freshness = confirmed();
        let cache = ReadCache::new("test", 10, 1000, freshness.clone());
        assert_eq!(*cache.get(&Telemetry::default(), 1, found(10)).await.unwrap().unwrap(), 10);
        assert_eq!(*cache.get(&Telemetry::default(), 1, found(11)).await.unwrap().unwrap(), 10, "kept");
        freshness.changed();
        assert_eq!(
            *cache.get(&Telemetry::default(), 1, found(12)).await.unwrap().unwrap(),
            12,
            "read again after a change"
        );
        assert_eq!(*cache.get(&Telemetry::default(), 1, found(13)).await.unwrap().unwrap(), 12);
    }

    #[tokio::test]
    async fn a_read_that_raced_a_change_is_not_kept() {
        let freshness = confirmed();
        let cache = ReadCache::new("test", 10, 1000, freshness.clone());
        let racing = async {
            freshness.changed();
            Ok(Some(1))
        };
        assert_eq!(*cache.get(&Telemetry::default(), 1, racing).await.unwrap().unwrap(), 1);
        assert_eq!(
            *cache.get(&Telemetry::default(), 1, found(2)).await.unwrap().unwrap(),
            2,
            "the racing read was not kept"
        );
    }

    #[tokio::test]
    async fn nothing_is_kept_unless_the_watcher_confirms_and_nothing_found_is_never_kept() {
        let freshness = Arc::new(Freshness::new());
        let cache = ReadCache::new("test", 10, 1000, freshness.clone());
        cache.get(&Telemetry::default(), 1, found(1)).await.unwrap();
        assert_eq!(*cache.get(&Telemetry::default(), 1, found(2)).await.unwrap().unwrap(), 2, "no watcher, no memory");
        freshness.confirm();
        assert!(cache.get(&Telemetry::default(), 1, async { Ok(None) }).await.unwrap().is_none());
        assert_eq!(*cache.get(&Telemetry::default(), 1, found(3)).await.unwrap().unwrap(), 3);
        freshness.lost();
        assert_eq!(
            *cache.get(&Telemetry::default(), 1, found(4)).await.unwrap().unwrap(),
            4,
            "lost watcher, no memory"
        );
        freshness.confirm();
        assert_eq!(
            *cache.get(&Telemetry::default(), 1, found(5)).await.unwrap().unwrap(),
            5,
            "nothing from before the gap"
        );
    }

    #[tokio::test]
    async fn the_number_of_entries_is_bounded() {
        let cache = ReadCache::new("test", 2, 1000, confirmed());
        for key in 0..3 {
            cache.get(&Telemetry::default(), key, found(key)).await.unwrap();
        }
        assert_eq!(
            *cache.get(&Telemetry::default(), 0, found(100)).await.unwrap().unwrap(),
            100,
            "the oldest went first"
        );
        assert_eq!(*cache.get(&Telemetry::default(), 2, found(102)).await.unwrap().unwrap(), 2);
    }
}
