//! The privacy duration as the vendor's published spec has it: an integer id (`0` when none is
//! set, never null) and the period it runs, instead of a text id nothing wrote.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One change per statement: SQLite alters one column at a time.
        let changes = [
            Table::alter().table(Companies::Table).drop_column(Companies::PrivacyDurationId).to_owned(),
            Table::alter()
                .table(Companies::Table)
                .add_column(integer(Companies::PrivacyDurationId).default(0))
                .to_owned(),
            Table::alter()
                .table(Companies::Table)
                .add_column(timestamp_with_time_zone_null(Companies::PrivacyDurationStartTime))
                .to_owned(),
            Table::alter()
                .table(Companies::Table)
                .add_column(timestamp_with_time_zone_null(Companies::PrivacyDurationEndTime))
                .to_owned(),
        ];
        for change in changes {
            manager.alter_table(change).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let changes = [
            Table::alter().table(Companies::Table).drop_column(Companies::PrivacyDurationEndTime).to_owned(),
            Table::alter().table(Companies::Table).drop_column(Companies::PrivacyDurationStartTime).to_owned(),
            Table::alter().table(Companies::Table).drop_column(Companies::PrivacyDurationId).to_owned(),
            Table::alter().table(Companies::Table).add_column(string_null(Companies::PrivacyDurationId)).to_owned(),
        ];
        for change in changes {
            manager.alter_table(change).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Companies {
    Table,
    PrivacyDurationId,
    PrivacyDurationStartTime,
    PrivacyDurationEndTime,
}
