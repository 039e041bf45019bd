//! The management tree carries each descendant's name and creation time, with an index per order
//! and direction, so a page of everything a company manages, ordered by either, is one index range
//! read up to the page instead of every managed company sorted.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in
            [string(CompanyTree::Name).default("").to_owned(), timestamp_with_time_zone_null(CompanyTree::CreateTime)]
        {
            manager.alter_table(Table::alter().table(CompanyTree::Table).add_column(column).to_owned()).await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE company_tree SET
                   name = (SELECT c.name FROM companies c WHERE c.id = company_tree.descendant_id),
                   create_time = (SELECT c.create_time FROM companies c WHERE c.id = company_tree.descendant_id)",
            )
            .await?;
        for (key, label) in [(CompanyTree::CreateTime, "create_time"), (CompanyTree::Name, "name")] {
            for (order, direction) in [(IndexOrder::Asc, "asc"), (IndexOrder::Desc, "desc")] {
                manager
                    .create_index(
                        Index::create()
                            .name(format!("idx_company_tree_ancestor_{label}_{direction}"))
                            .table(CompanyTree::Table)
                            .col(CompanyTree::AncestorId)
                            .col((key, order))
                            .col(CompanyTree::DescendantId)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for label in ["create_time", "name"] {
            for direction in ["asc", "desc"] {
                let name = format!("idx_company_tree_ancestor_{label}_{direction}");
                manager.drop_index(Index::drop().name(name).table(CompanyTree::Table).to_owned()).await?;
            }
        }
        for column in [CompanyTree::Name, CompanyTree::CreateTime] {
            manager.alter_table(Table::alter().table(CompanyTree::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum CompanyTree {
    Table,
    AncestorId,
    DescendantId,
    Name,
    CreateTime,
}
