//! `target_users.company_id` is the first column of two other indexes ((company, state) for the
//! counts, (company, e-mail) for the natural key); its own index only cost every insert and
//! every deletion of target users a third index to write.
use sea_orm_migration::prelude::*;

use crate::index_on;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_target_users_company_id").table(TargetUsers::Table).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index_on(TargetUsers::Table, TargetUsers::CompanyId)).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum TargetUsers {
    Table,
    CompanyId,
}
