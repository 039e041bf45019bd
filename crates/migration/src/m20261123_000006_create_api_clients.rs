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
                    .table(ApiClients::Table)
                    .col(pk_auto(ApiClients::Id))
                    .col(string_uniq(ApiClients::ResourceId))
                    .col(string(ApiClients::CompanyId))
                    .col(string_uniq(ApiClients::ClientId))
                    .col(string(ApiClients::SecretHash))
                    .col(string(ApiClients::Name))
                    // "Reseller" or "Company Admin"
                    .col(string(ApiClients::Role))
                    // 1 Active, 2 Inactive
                    .col(integer(ApiClients::StatusId).default(1))
                    .col(boolean(ApiClients::HasIpAddressRestriction).default(false))
                    .col(json_null(ApiClients::AllowedIpAddresses))
                    .col(timestamp_with_time_zone(ApiClients::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_clients_company")
                            .from(ApiClients::Table, ApiClients::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(ApiClients::Table, ApiClients::CompanyId)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiClients::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ApiClients {
    Table,
    Id,
    ResourceId,
    CompanyId,
    ClientId,
    SecretHash,
    Name,
    Role,
    StatusId,
    HasIpAddressRestriction,
    AllowedIpAddresses,
    CreateTime,
}
