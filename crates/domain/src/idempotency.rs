//! `Idempotency-Key`: an operation sent again with the same key by the same caller within 24 hours
//! is carried out once; the repeat gets the first outcome instead.
//!
//! The key is claimed by inserting its row in the same transaction as the work, and the outcome is
//! written into that row before commit. A concurrent duplicate's insert waits on the claim (the
//! row lock on PostgreSQL, the single writer on SQLite), then finds the committed row and replays
//! it. If the work fails on a database error, the transaction rolls back and the claim with it, so
//! a retry carries the operation out.
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::entities::idempotency_keys;

pub(crate) const LIFETIME_HOURS: i64 = 24;

/// What the `status` column holds.
const OUTCOME_DONE: i32 = 0;
const OUTCOME_REFUSED: i32 = 1;

/// A key as a caller sent it: 1 to 255 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Option<Self> {
        let fine = !raw.is_empty() && raw.len() <= Self::MAX_LEN && raw.bytes().all(|b| b.is_ascii_graphic());
        fine.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether this call claimed the key or found it claimed (and finished) by an earlier one.
pub(crate) enum Claim<T, E> {
    Claimed,
    Replay(Result<T, E>),
    /// The key was first used for a different operation.
    Reused,
}

/// Claims `key` for `operation` inside `txn`, or returns the outcome stored under it.
pub(crate) async fn claim<T: DeserializeOwned, E: DeserializeOwned>(
    txn: &impl ConnectionTrait,
    caller: &str,
    key: &IdempotencyKey,
    operation: &str,
) -> Result<Claim<T, E>, DbErr> {
    let now = Utc::now();
    idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::Caller.eq(caller))
        .filter(idempotency_keys::Column::Key.eq(key.as_str()))
        .filter(idempotency_keys::Column::CreateTime.lt(now - Duration::hours(LIFETIME_HOURS)))
        .exec(txn)
        .await?;
    let row = idempotency_keys::ActiveModel {
        caller: Set(caller.to_owned()),
        key: Set(key.as_str().to_owned()),
        request: Set(operation.to_owned()),
        // Overwritten with the outcome before commit; nobody outside this transaction sees it.
        status: Set(OUTCOME_REFUSED),
        body: Set(String::new()),
        create_time: Set(now),
    };
    let inserted = idempotency_keys::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_keys::Column::Caller, idempotency_keys::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let stored = idempotency_keys::Entity::find_by_id((caller.to_owned(), key.as_str().to_owned()))
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("idempotency key vanished while claimed".into()))?;
    if stored.request != operation {
        return Ok(Claim::Reused);
    }
    let unreadable = |e: serde_json::Error| DbErr::Custom(format!("stored idempotent outcome: {e}"));
    Ok(Claim::Replay(if stored.status == OUTCOME_DONE {
        Ok(serde_json::from_str(&stored.body).map_err(unreadable)?)
    } else {
        Err(serde_json::from_str(&stored.body).map_err(unreadable)?)
    }))
}

/// Writes the outcome into the row claimed by `claim`; the caller commits.
pub(crate) async fn record<T: Serialize, E: Serialize>(
    txn: &impl ConnectionTrait,
    caller: &str,
    key: &IdempotencyKey,
    outcome: Result<&T, &E>,
) -> Result<(), DbErr> {
    let (status, body) = match outcome {
        Ok(done) => (OUTCOME_DONE, serde_json::to_string(done)),
        Err(refused) => (OUTCOME_REFUSED, serde_json::to_string(refused)),
    };
    let body = body.map_err(|e| DbErr::Custom(format!("idempotent outcome: {e}")))?;
    idempotency_keys::Entity::update_many()
        .col_expr(idempotency_keys::Column::Status, Expr::value(status))
        .col_expr(idempotency_keys::Column::Body, Expr::value(body))
        .filter(idempotency_keys::Column::Caller.eq(caller))
        .filter(idempotency_keys::Column::Key.eq(key.as_str()))
        .exec(txn)
        .await
        .map(drop)
}

/// Removes keys older than 24 hours; run now and then by the maintenance task.
pub(crate) async fn sweep(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let since = Utc::now() - Duration::hours(LIFETIME_HOURS);
    Ok(idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreateTime.lt(since))
        .exec(db)
        .await?
        .rows_affected)
}

/// The outcome of an idempotent deletion as stored: enough to answer a repeat.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeletedRecord {
    pub resource_id: String,
}

/// Why an idempotent deletion was refused, as stored.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) enum RefusalRecord {
    NotPermitted,
    NotFound,
    Forbidden,
    HasManagedCompanies,
}

#[cfg(test)]
mod tests {
    use super::IdempotencyKey;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert!(IdempotencyKey::parse("a").is_some());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_some());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_none());
        assert!(IdempotencyKey::parse("").is_none());
        assert!(IdempotencyKey::parse("has space").is_none());
        assert!(IdempotencyKey::parse("é").is_none());
    }
}
