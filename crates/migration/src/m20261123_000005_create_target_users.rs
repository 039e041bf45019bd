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
                    .table(TargetUsers::Table)
                    .col(pk_auto(TargetUsers::Id))
                    .col(string(TargetUsers::CompanyId))
                    .col(string(TargetUsers::Email))
                    .col(string_null(TargetUsers::FirstName))
                    .col(string_null(TargetUsers::LastName))
                    // active, inactive or deleted
                    .col(string(TargetUsers::State).default("active"))
                    .col(timestamp_with_time_zone(TargetUsers::CreateTime))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_target_users_company")
                            .from(TargetUsers::Table, TargetUsers::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Counting a company's users per state is the hot path of search.
        manager
            .create_index(
                Index::create()
                    .name("idx_target_users_company_id_state")
                    .table(TargetUsers::Table)
                    .col(TargetUsers::CompanyId)
                    .col(TargetUsers::State)
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(TargetUsers::Table, TargetUsers::CompanyId)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TargetUsers::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TargetUsers {
    Table,
    Id,
    CompanyId,
    Email,
    FirstName,
    LastName,
    State,
    CreateTime,
}
