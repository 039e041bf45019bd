use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub company_id: String,
    pub title: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub job_type: Option<String>,
    pub fields: Option<Json>,
    pub technologies: Option<Json>,
    pub is_hidden: bool,
    pub hidden_reason: Option<String>,
    pub is_archived: bool,
    pub publish_date: Option<DateTime<Utc>>,
    pub publish_end_date: Option<DateTime<Utc>>,
    pub create_time: DateTime<Utc>,
    pub job_min_duration: Option<i32>,
    pub job_max_duration: Option<i32>,
    pub job_start_date: Option<DateTime<Utc>>,
    pub contacts: Option<Json>,
    pub is_paid: Option<bool>,
    pub vacancies: Option<i32>,
    pub requirements: Option<Json>,
    pub owner_logo: Option<String>,
    pub coordinates: Option<Json>,
    pub apply_url: Option<String>,
    pub admin_reason: Option<String>,
    pub update_time: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::companies::Entity", from = "Column::CompanyId", to = "super::companies::Column::Id")]
    Company,
}

impl Related<super::companies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
