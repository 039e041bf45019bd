//! `Idempotency-Key`: the first answer to a request is stored per caller and key, and a repeat
//! within 24 hours gets that answer again instead of being carried out twice.
use chrono::{Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::entities::idempotency_keys;
use crate::{Actor, Gateway};

const LIFETIME_HOURS: i64 = 24;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl Gateway {
    /// The stored answer for this caller and key, if one is younger than 24 hours. `request`
    /// names the operation (method and path); the same key for another request is refused.
    pub async fn replay(
        &self,
        actor: &Actor,
        key: &str,
        request: &str,
    ) -> Result<Option<StoredAnswer>, IdempotencyError> {
        let since = Utc::now() - Duration::hours(LIFETIME_HOURS);
        let Some(row) = idempotency_keys::Entity::find_by_id((actor.audit_name(), key.to_owned()))
            .one(&self.db)
            .await?
            .filter(|r| r.create_time > since)
        else {
            return Ok(None);
        };
        if row.request != request {
            return Err(IdempotencyError::KeyReused);
        }
        Ok(Some(StoredAnswer { status: row.status as u16, body: row.body }))
    }

    /// Stores the first answer; a concurrent first answer that got there before wins.
    pub async fn remember(&self, actor: &Actor, key: &str, request: &str, answer: &StoredAnswer) -> Result<(), DbErr> {
        let now = Utc::now();
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreateTime.lt(now - Duration::hours(LIFETIME_HOURS)))
            .exec(&self.db)
            .await?;
        let row = idempotency_keys::ActiveModel {
            caller: Set(actor.audit_name()),
            key: Set(key.to_owned()),
            request: Set(request.to_owned()),
            status: Set(i32::from(answer.status)),
            body: Set(answer.body.clone()),
            create_time: Set(now),
        };
        idempotency_keys::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([idempotency_keys::Column::Caller, idempotency_keys::Column::Key])
                    .do_nothing()
                    .to_owned(),
            )
            .do_nothing()
            .exec(&self.db)
            .await
            .map(drop)
    }
}
