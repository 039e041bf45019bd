//! The management tree as a closure table: each company with every company above it (and itself
//! at depth 0), carrying the descendant's keys pages are ordered by: name, creation time, active
//! target users, licence end date and its parent's name (the reseller name); whether it exceeds
//! its limited licence; and its tags.
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
    pub target_user_count: i64,
    pub license_end_date: Option<DateTime<Utc>>,
    pub reseller_name: Option<String>,
    pub limit_exceeded: bool,
    /// The descendant's tags, lower-cased, as a JSON array (see `companygate_migration::facet::tag_set`).
    pub tags: Option<String>,
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
