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
                    .table(CompanyTags::Table)
                    .col(string(CompanyTags::CompanyId))
                    .col(string(CompanyTags::Tag))
                    .primary_key(Index::create().col(CompanyTags::CompanyId).col(CompanyTags::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_company_tags_company")
                            .from(CompanyTags::Table, CompanyTags::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(CompanyTags::Table, CompanyTags::CompanyId)).await?;
        manager.create_index(index_on(CompanyTags::Table, CompanyTags::Tag)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CompanyTags::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CompanyTags {
    Table,
    CompanyId,
    Tag,
}
