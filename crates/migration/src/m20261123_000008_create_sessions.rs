use sea_orm_migration::{prelude::*, schema::*};

use crate::index_on;
use crate::m20261123_000003_create_accounts::Accounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // SHA-256 of the cookie value: a leaked table does not yield usable cookies.
                    .col(string(Sessions::IdHash).primary_key())
                    .col(integer(Sessions::AccountId))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeen))
                    .col(json_null(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_account")
                            .from(Sessions::Table, Sessions::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(Sessions::Table, Sessions::AccountId)).await?;
        manager.create_index(index_on(Sessions::Table, Sessions::ExpiresAt)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    AccountId,
    ExpiresAt,
    LastSeen,
    Data,
    CreateTime,
}
