use sea_orm_migration::{prelude::*, schema::*};

use crate::index_on;
use crate::m20261123_000001_create_companies::Companies;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Offers::Table)
                    .col(pk_auto(Offers::Id))
                    .col(string(Offers::CompanyId))
                    .col(string(Offers::Title))
                    .col(text_null(Offers::Description))
                    .col(string_null(Offers::Location))
                    .col(string_null(Offers::JobType))
                    .col(json_null(Offers::Fields))
                    .col(json_null(Offers::Technologies))
                    .col(boolean(Offers::IsHidden).default(false))
                    .col(string_null(Offers::HiddenReason))
                    .col(boolean(Offers::IsArchived).default(false))
                    .col(timestamp_with_time_zone_null(Offers::PublishDate))
                    .col(timestamp_with_time_zone_null(Offers::PublishEndDate))
                    .col(timestamp_with_time_zone(Offers::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_offers_company")
                            .from(Offers::Table, Offers::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(Offers::Table, Offers::CompanyId)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Offers::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
    CompanyId,
    Title,
    Description,
    Location,
    JobType,
    Fields,
    Technologies,
    IsHidden,
    HiddenReason,
    IsArchived,
    PublishDate,
    PublishEndDate,
    CreateTime,
}
