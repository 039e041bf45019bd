//! Each company carries its count of target users per state, kept in the same transaction as every
//! write to its target users, so reads and search never count rows per company.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [(Companies, &str); 3] = [
    (Companies::ActiveTargetUsers, "active"),
    (Companies::InactiveTargetUsers, "inactive"),
    (Companies::DeletedTargetUsers, "deleted"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for (column, _) in COLUMNS {
            manager
                .alter_table(
                    Table::alter().table(Companies::Table).add_column(big_integer(column).default(0)).to_owned(),
                )
                .await?;
        }
        for (column, state) in COLUMNS {
            let column = column.to_string();
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE companies SET {column} = (SELECT COUNT(*) FROM target_users t \
                     WHERE t.company_id = companies.id AND t.state = '{state}')"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (column, _) in COLUMNS {
            manager.alter_table(Table::alter().table(Companies::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Companies {
    Table,
    ActiveTargetUsers,
    InactiveTargetUsers,
    DeletedTargetUsers,
}
