use sea_orm_migration::{prelude::*, schema::*};

use crate::index_on;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Companies::Table)
                    // The 12-character resource id; the session dialect spells it as 24 hex digits.
                    .col(string(Companies::Id).primary_key())
                    .col(string(Companies::Name))
                    .col(string_null(Companies::ParentId))
                    .col(json_null(Companies::Contacts))
                    .col(text_null(Companies::Bio))
                    .col(string_null(Companies::Logo))
                    .col(boolean(Companies::HasFinishedRegistration).default(false))
                    .col(boolean(Companies::IsBlocked).default(false))
                    .col(boolean(Companies::IsDisabled).default(false))
                    .col(text_null(Companies::AdminReason))
                    .col(integer(Companies::Version).default(0))
                    .col(string_null(Companies::LicenseTypeId))
                    .col(string_null(Companies::LicensePeriodTypeId))
                    .col(string_null(Companies::IndustryId))
                    .col(string_null(Companies::CountryId))
                    .col(integer(Companies::NumberOfUsers).default(0))
                    .col(boolean(Companies::IsNumberOfUsersLimited).default(false))
                    .col(timestamp_with_time_zone_null(Companies::LicenseStartDate))
                    .col(timestamp_with_time_zone_null(Companies::LicenseEndDate))
                    .col(string_null(Companies::TimeZoneId))
                    .col(string_null(Companies::DateFormat))
                    .col(string_null(Companies::TimeFormat))
                    .col(text_null(Companies::Description))
                    .col(text_null(Companies::Address))
                    .col(string_null(Companies::WebsiteUrl))
                    .col(integer(Companies::StatusId).default(1))
                    .col(string_null(Companies::PrivacyDurationId))
                    .col(timestamp_with_time_zone(Companies::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_companies_parent")
                            .from(Companies::Table, Companies::ParentId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(Companies::Table, Companies::ParentId)).await?;
        // Search orders by these; the id breaks ties.
        manager
            .create_index(
                Index::create()
                    .name("idx_companies_create_time_id")
                    .table(Companies::Table)
                    .col(Companies::CreateTime)
                    .col(Companies::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_companies_name_id")
                    .table(Companies::Table)
                    .col(Companies::Name)
                    .col(Companies::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_companies_license_end_date_id")
                    .table(Companies::Table)
                    .col(Companies::LicenseEndDate)
                    .col(Companies::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Companies::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Companies {
    Table,
    Id,
    Name,
    ParentId,
    Contacts,
    Bio,
    Logo,
    HasFinishedRegistration,
    IsBlocked,
    IsDisabled,
    AdminReason,
    Version,
    LicenseTypeId,
    LicensePeriodTypeId,
    IndustryId,
    CountryId,
    NumberOfUsers,
    IsNumberOfUsersLimited,
    LicenseStartDate,
    LicenseEndDate,
    TimeZoneId,
    DateFormat,
    TimeFormat,
    Description,
    Address,
    WebsiteUrl,
    StatusId,
    PrivacyDurationId,
    CreateTime,
}
