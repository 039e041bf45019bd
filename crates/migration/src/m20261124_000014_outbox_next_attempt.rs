//! The outbox worker retries with a backoff: each message carries the time of its next attempt
//! (`NULL`: at once), which also keeps a claimed message from being claimed again while it is sent.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(timestamp_with_time_zone_null(Outbox::NextAttemptAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Outbox::Table).drop_column(Outbox::NextAttemptAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    NextAttemptAt,
}
