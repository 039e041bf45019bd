use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    // Who asked (an actor's audit name) and the key they sent.
                    .col(string(IdempotencyKeys::Caller))
                    .col(string(IdempotencyKeys::Key))
                    // Method and path, so a key reused for another request is refused.
                    .col(string(IdempotencyKeys::Request))
                    .col(integer(IdempotencyKeys::Status))
                    .col(text(IdempotencyKeys::Body))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreateTime))
                    .primary_key(Index::create().col(IdempotencyKeys::Caller).col(IdempotencyKeys::Key))
                    .to_owned(),
            )
            .await?;
        // Expired keys are swept by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_create_time")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreateTime)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Caller,
    Key,
    Request,
    Status,
    Body,
    CreateTime,
}
