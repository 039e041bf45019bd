//! The management tree carries every key a search page can be ordered by, not only the name and
//! creation time: each descendant's active target users, licence end date and parent's name (the
//! reseller name), each with an index per direction, and whether it exceeds its limited licence.
//! So a page of everything a company manages, or of those of it that exceed their licence, is one
//! index range read up to the page in every order, instead of every managed company sorted.
//! Licence end date and reseller name may be missing; those rows sort last in both directions
//! (`(key IS NULL)` first in the index, as in the search's ORDER BY); ties go by id, ascending.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index label, its key columns after `ancestor_id` and before `descendant_id`).
const INDEXES: [(&str, &str); 6] = [
    ("target_users_asc", "target_user_count"),
    ("target_users_desc", "target_user_count DESC"),
    ("license_end_asc", "(license_end_date IS NULL), license_end_date"),
    ("license_end_desc", "(license_end_date IS NULL), license_end_date DESC"),
    ("reseller_name_asc", "(reseller_name IS NULL), reseller_name"),
    ("reseller_name_desc", "(reseller_name IS NULL), reseller_name DESC"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            big_integer(CompanyTree::TargetUserCount).default(0).to_owned(),
            timestamp_with_time_zone_null(CompanyTree::LicenseEndDate),
            string_null(CompanyTree::ResellerName),
            boolean(CompanyTree::LimitExceeded).default(false).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(CompanyTree::Table).add_column(column).to_owned()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE company_tree SET
               target_user_count = (SELECT c.active_target_users FROM companies c WHERE c.id = company_tree.descendant_id),
               license_end_date = (SELECT c.license_end_date FROM companies c WHERE c.id = company_tree.descendant_id),
               reseller_name = (SELECT p.name FROM companies c JOIN companies p ON p.id = c.parent_id
                                WHERE c.id = company_tree.descendant_id),
               limit_exceeded = (SELECT c.limit_exceeded FROM companies c WHERE c.id = company_tree.descendant_id)",
        )
        .await?;
        for (label, keys) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_company_tree_ancestor_{label} ON company_tree (ancestor_id, {keys}, descendant_id)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (label, _) in INDEXES {
            let name = format!("idx_company_tree_ancestor_{label}");
            manager.drop_index(Index::drop().name(name).table(CompanyTree::Table).to_owned()).await?;
        }
        for column in [
            CompanyTree::TargetUserCount,
            CompanyTree::LicenseEndDate,
            CompanyTree::ResellerName,
            CompanyTree::LimitExceeded,
        ] {
            manager.alter_table(Table::alter().table(CompanyTree::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum CompanyTree {
    Table,
    TargetUserCount,
    LicenseEndDate,
    ResellerName,
    LimitExceeded,
}
