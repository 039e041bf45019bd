use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub contacts: Option<Json>,
    pub bio: Option<String>,
    pub logo: Option<String>,
    pub has_finished_registration: bool,
    pub is_blocked: bool,
    pub is_disabled: bool,
    pub admin_reason: Option<String>,
    pub version: i32,
    pub license_type_id: Option<String>,
    pub license_period_type_id: Option<String>,
    pub industry_id: Option<String>,
    pub country_id: Option<String>,
    pub number_of_users: i32,
    pub is_number_of_users_limited: bool,
    pub license_start_date: Option<DateTime<Utc>>,
    pub license_end_date: Option<DateTime<Utc>>,
    pub time_zone_id: Option<String>,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website_url: Option<String>,
    pub status_id: i32,
    pub privacy_duration_id: i32,
    pub create_time: DateTime<Utc>,
    pub active_target_users: i64,
    pub inactive_target_users: i64,
    pub deleted_target_users: i64,
    pub limit_exceeded: bool,
    pub managed_companies: i64,
    pub managed_limit_exceeded: i64,
    pub subtree_version: i64,
    pub privacy_duration_start_time: Option<DateTime<Utc>>,
    pub privacy_duration_end_time: Option<DateTime<Utc>>,
    /// The company's number (`CompanyDto.parentId`, `getcompany/{companyId}`), given by the
    /// database on insert: read back as `None` by the insert itself on SQLite.
    pub number: Option<i32>,
    /// The resource ids of its ancestors from the top, then its own (see `tree::PATH`).
    pub path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    #[sea_orm(
        belongs_to = "super::industries::Entity",
        from = "Column::IndustryId",
        to = "super::industries::Column::Id"
    )]
    Industry,
    #[sea_orm(belongs_to = "super::countries::Entity", from = "Column::CountryId", to = "super::countries::Column::Id")]
    Country,
    #[sea_orm(
        belongs_to = "super::license_types::Entity",
        from = "Column::LicenseTypeId",
        to = "super::license_types::Column::Id"
    )]
    LicenseType,
    #[sea_orm(
        belongs_to = "super::license_period_types::Entity",
        from = "Column::LicensePeriodTypeId",
        to = "super::license_period_types::Column::Id"
    )]
    LicensePeriodType,
    #[sea_orm(has_many = "super::offers::Entity")]
    Offers,
    #[sea_orm(has_many = "super::target_users::Entity")]
    TargetUsers,
    #[sea_orm(has_many = "super::accounts::Entity")]
    Accounts,
    #[sea_orm(has_many = "super::api_clients::Entity")]
    ApiClients,
    #[sea_orm(has_many = "super::company_tags::Entity")]
    Tags,
}

macro_rules! related {
    ($($entity:ident => $relation:ident),* $(,)?) => {
        $(impl Related<super::$entity::Entity> for Entity {
            fn to() -> RelationDef {
                Relation::$relation.def()
            }
        })*
    };
}

related!(
    industries => Industry,
    countries => Country,
    license_types => LicenseType,
    license_period_types => LicensePeriodType,
    offers => Offers,
    target_users => TargetUsers,
    accounts => Accounts,
    api_clients => ApiClients,
    company_tags => Tags,
);

impl ActiveModelBehavior for ActiveModel {}
