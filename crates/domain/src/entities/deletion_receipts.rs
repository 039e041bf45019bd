use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deletion_receipts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: String,
    pub actor: String,
    pub counts: Json,
    pub deleted_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
