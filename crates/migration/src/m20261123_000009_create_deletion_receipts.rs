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
                    .table(DeletionReceipts::Table)
                    .col(pk_auto(DeletionReceipts::Id))
                    // No foreign key: the company is gone, the receipt stays.
                    .col(string(DeletionReceipts::CompanyId))
                    // e.g. "reseller-client:acme-reseller", "account:17", "god"; no names or e-mails.
                    .col(string(DeletionReceipts::Actor))
                    .col(json(DeletionReceipts::Counts))
                    .col(timestamp_with_time_zone(DeletionReceipts::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(DeletionReceipts::Table, DeletionReceipts::CompanyId)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeletionReceipts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DeletionReceipts {
    Table,
    Id,
    CompanyId,
    Actor,
    Counts,
    DeletedAt,
}
