use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: String,
    pub client_id: i32,
    pub company_id: String,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    pub create_time: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::api_clients::Entity",
        from = "Column::ClientId",
        to = "super::api_clients::Column::Id"
    )]
    Client,
    #[sea_orm(belongs_to = "super::companies::Entity", from = "Column::CompanyId", to = "super::companies::Column::Id")]
    Company,
}

impl Related<super::api_clients::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl Related<super::companies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
