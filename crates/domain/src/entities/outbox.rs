use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub create_time: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Not before this time; `None` means at once.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
