//! Search totals without counting: each company carries whether it exceeds a limited licence, and
//! how many companies it manages and how many of those exceed theirs, kept by every write.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            ColumnDef::new(Companies::LimitExceeded).boolean().not_null().default(false).to_owned(),
            big_integer(Companies::ManagedCompanies).default(0).to_owned(),
            big_integer(Companies::ManagedLimitExceeded).default(0).to_owned(),
        ];
        for column in columns {
            manager.alter_table(Table::alter().table(Companies::Table).add_column(column).to_owned()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE companies SET limit_exceeded = \
             (is_number_of_users_limited AND active_target_users > number_of_users)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE companies SET
               managed_companies = (SELECT COUNT(*) FROM company_tree t
                                     WHERE t.ancestor_id = companies.id AND t.depth > 0),
               managed_limit_exceeded = (SELECT COUNT(*) FROM company_tree t JOIN companies d ON d.id = t.descendant_id
                                          WHERE t.ancestor_id = companies.id AND t.depth > 0 AND d.limit_exceeded)
             WHERE id IN (SELECT ancestor_id FROM company_tree WHERE depth > 0)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Companies::LimitExceeded, Companies::ManagedCompanies, Companies::ManagedLimitExceeded] {
            manager.alter_table(Table::alter().table(Companies::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the columns' names
enum Companies {
    Table,
    LimitExceeded,
    ManagedCompanies,
    ManagedLimitExceeded,
}
