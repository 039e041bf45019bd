//! Access-token rows written together: each token's row is committed before its token is handed
//! out, and the rows of tokens asked for at about the same time share one statement.
//!
//! One token's row cost a statement and a commit of its own: on SQLite a trip to the one
//! writer connection's thread and a write to the log for each token, most of a token's time in
//! a profile (the threads waking one another). Here a single task writes the rows: while one
//! statement runs, the rows asked for meanwhile wait, and the next statement writes all of them
//! (at most [`BATCH`]). No row waits for others to come: a row asked for while nothing runs is
//! written at once, alone. When a statement of several rows fails, each row is tried on its own, so each
//! request gets its own row's outcome.
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, RuntimeErr};
use tokio::sync::{mpsc, oneshot};

use crate::entities::access_tokens;

/// Most rows in one statement: five values a row, well under both databases' limits.
const BATCH: usize = 256;

/// Most rows waiting to be written; further requests wait to queue (memory stays bounded).
const QUEUE: usize = 1024;

struct Pending {
    row: access_tokens::ActiveModel,
    written: oneshot::Sender<Result<(), DbErr>>,
}

/// The queue of rows to write. Cheap to clone; the writing task ends with the last clone.
#[derive(Clone)]
pub(crate) struct TokenRows {
    queue: mpsc::Sender<Pending>,
    /// The pool the task writes through.
    db: DatabaseConnection,
}

impl TokenRows {
    /// Starts the task that writes rows through `db` (a tokio runtime must be running).
    pub(crate) fn start(db: DatabaseConnection) -> Self {
        let (queue, mut pending) = mpsc::channel::<Pending>(QUEUE);
        let pool = db.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while pending.recv_many(&mut batch, BATCH).await > 0 {
                write_batch(&pool, std::mem::take(&mut batch)).await;
            }
        });
        Self { queue, db }
    }

    /// The pool the rows are written through.
    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Writes `row`; returns once it is committed (or failed).
    pub(crate) async fn write(&self, row: access_tokens::ActiveModel) -> Result<(), DbErr> {
        let stopped = || DbErr::Conn(RuntimeErr::Internal("the access-token writer has stopped".into()));
        let (written, outcome) = oneshot::channel();
        self.queue.send(Pending { row, written }).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// Writes `batch` in one statement (a single row alone); when that fails, row by row.
async fn write_batch(db: &DatabaseConnection, batch: Vec<Pending>) {
    if batch.len() > 1 {
        let rows = batch.iter().map(|p| p.row.clone());
        if access_tokens::Entity::insert_many(rows).exec_without_returning(db).await.is_ok() {
            for p in batch {
                let _ = p.written.send(Ok(()));
            }
            return;
        }
    }
    for p in batch {
        let outcome = access_tokens::Entity::insert(p.row).exec_without_returning(db).await.map(drop);
        // The request may have gone (its client hung up); its row stays, unused.
        let _ = p.written.send(outcome);
    }
}
