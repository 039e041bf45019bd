//! Who manages whom, as a closure table: one row per (ancestor, descendant) pair with the depth
//! between them, a company being its own ancestor at depth 0. "Does A manage B" is one key lookup
//! and "everything A manages" one index range, instead of walking parent links per request.
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
                    .table(CompanyTree::Table)
                    .col(string(CompanyTree::AncestorId))
                    .col(string(CompanyTree::DescendantId))
                    .col(integer(CompanyTree::Depth))
                    .primary_key(Index::create().col(CompanyTree::AncestorId).col(CompanyTree::DescendantId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_company_tree_ancestor")
                            .from(CompanyTree::Table, CompanyTree::AncestorId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_company_tree_descendant")
                            .from(CompanyTree::Table, CompanyTree::DescendantId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index_on(CompanyTree::Table, CompanyTree::DescendantId)).await?;
        // Every existing chain, followed at most 64 links up (as the parent walk was).
        manager
            .get_connection()
            .execute_unprepared(
                "WITH RECURSIVE up(ancestor_id, descendant_id, depth) AS (
                     SELECT id, id, 0 FROM companies
                     UNION ALL
                     SELECT c.parent_id, up.descendant_id, up.depth + 1
                       FROM up JOIN companies c ON c.id = up.ancestor_id
                      WHERE c.parent_id IS NOT NULL AND up.depth < 64
                 )
                 INSERT INTO company_tree (ancestor_id, descendant_id, depth)
                 SELECT ancestor_id, descendant_id, MIN(depth) FROM up GROUP BY ancestor_id, descendant_id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CompanyTree::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CompanyTree {
    Table,
    AncestorId,
    DescendantId,
    Depth,
}
