//! A target user is one e-mail address within one company: the natural key is unique, so bulk
//! loads upsert by it in one statement per batch instead of looking each row up.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Earlier loads upserted by the same key, so duplicates are not expected; keep the first.
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM target_users WHERE id NOT IN \
                 (SELECT MIN(id) FROM target_users GROUP BY company_id, email)",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_target_users_company_id_email")
                    .table(TargetUsers::Table)
                    .col(TargetUsers::CompanyId)
                    .col(TargetUsers::Email)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("uq_target_users_company_id_email").table(TargetUsers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TargetUsers {
    Table,
    CompanyId,
    Email,
}
