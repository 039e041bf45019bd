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
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(string_uniq(Accounts::Email))
                    .col(string(Accounts::PasswordHash))
                    .col(boolean(Accounts::IsAdmin).default(false))
                    .col(string_null(Accounts::CompanyId))
                    .col(timestamp_with_time_zone(Accounts::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_accounts_company")
                            .from(Accounts::Table, Accounts::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(Accounts::Table, Accounts::CompanyId)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Accounts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    Email,
    PasswordHash,
    IsAdmin,
    CompanyId,
    CreateTime,
}
