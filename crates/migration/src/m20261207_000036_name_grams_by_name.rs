//! Each of a company's name grams also carries the company's name, the key a search sorts by
//! name: the smallest and largest names with a gram are then one index read, and a walk along the
//! name order for a short `Contains` starts at its first match (names with a rare letter may all
//! sort late) instead of passing every company before it.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Replaces `company_name_grams` with a table of the same grams, with the companies' names in its
/// key or without.
async fn rebuild(manager: &SchemaManager<'_>, with_name: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let (id, without_rowid) = match db.get_database_backend() {
        DatabaseBackend::Postgres => ("VARCHAR", ""),
        _ => ("TEXT", " WITHOUT ROWID"),
    };
    let (name_column, key, copy) = match with_name {
        true => (
            "name TEXT NOT NULL,",
            "gram, name, company_id",
            "SELECT g.gram, c.name, g.company_id FROM company_name_grams g JOIN companies c ON c.id = g.company_id",
        ),
        false => ("", "gram, company_id", "SELECT g.gram, g.company_id FROM company_name_grams g"),
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE company_name_grams_next (
           gram TEXT NOT NULL,
           {name_column}
           company_id {id} NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
           PRIMARY KEY ({key})
         ){without_rowid}"
    ))
    .await?;
    db.execute_unprepared(&format!("INSERT INTO company_name_grams_next ({key}) {copy}")).await?;
    db.execute_unprepared("DROP TABLE company_name_grams").await?;
    db.execute_unprepared("ALTER TABLE company_name_grams_next RENAME TO company_name_grams").await?;
    // A company's grams, for its deletion and renaming.
    db.execute_unprepared("CREATE INDEX idx_company_name_grams_company_id ON company_name_grams (company_id)")
        .await
        .map(drop)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, false).await
    }
}
