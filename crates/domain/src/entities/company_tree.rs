//! The management tree as a closure table: each company with every company above it (and itself
//! at depth 0), carrying the descendant's name and creation time, the keys pages are ordered by.
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "company_tree")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub descendant_id: String,
    pub depth: i32,
    pub name: Option<String>,
    pub create_time: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::companies::Entity",
        from = "Column::DescendantId",
        to = "super::companies::Column::Id"
    )]
    Descendant,
}

impl Related<super::companies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Descendant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
