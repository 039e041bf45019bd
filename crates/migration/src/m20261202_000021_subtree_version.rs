//! A version of what each company manages: every write that changes a managed company's place in
//! the tree or what a tree listing shows of it moves the version of each of its ancestors, so a
//! listing of the tree can be kept and checked against one row instead of read again.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = big_integer(Companies::SubtreeVersion).default(0).to_owned();
        manager.alter_table(Table::alter().table(Companies::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Companies::Table).drop_column(Companies::SubtreeVersion).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Companies {
    Table,
    SubtreeVersion,
}
