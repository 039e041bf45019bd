use sea_orm_migration::{prelude::*, schema::*};

use crate::index_on;
use crate::m20261123_000001_create_companies::Companies;
use crate::m20261123_000006_create_api_clients::ApiClients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    // The JWT's `jti`; a token whose row is gone or revoked is refused.
                    .col(string(AccessTokens::Jti).primary_key())
                    .col(integer(AccessTokens::ClientId))
                    .col(string(AccessTokens::CompanyId))
                    .col(timestamp_with_time_zone(AccessTokens::ExpiresAt))
                    .col(boolean(AccessTokens::Revoked).default(false))
                    .col(timestamp_with_time_zone(AccessTokens::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_tokens_client")
                            .from(AccessTokens::Table, AccessTokens::ClientId)
                            .to(ApiClients::Table, ApiClients::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_tokens_company")
                            .from(AccessTokens::Table, AccessTokens::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(AccessTokens::Table, AccessTokens::ClientId)).await?;
        manager.create_index(index_on(AccessTokens::Table, AccessTokens::CompanyId)).await?;
        manager.create_index(index_on(AccessTokens::Table, AccessTokens::ExpiresAt)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccessTokens::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Jti,
    ClientId,
    CompanyId,
    ExpiresAt,
    Revoked,
    CreateTime,
}
