//! An index for "the name contains this text", so a `Contains` search reads the matching companies
//! instead of every name. PostgreSQL: a trigram index (`pg_trgm`) on the lower-cased name, used by
//! the `LIKE` search runs anyway; left out, with a warning, where the extension is not available.
//! SQLite: an FTS5 trigram table of the names, kept by triggers in the same transaction as every
//! write to a company, keyed through `company_search` (company rowids may change on VACUUM; the
//! delete trigger removes both rows, so neither has a foreign key to cascade first).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: [&str; 7] = [
    "CREATE TABLE company_search (
       key INTEGER PRIMARY KEY,
       company_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE company_names USING fts5 (name, tokenize = 'trigram')",
    "INSERT INTO company_search (company_id) SELECT id FROM companies",
    "INSERT INTO company_names (rowid, name)
       SELECT s.key, c.name FROM company_search s JOIN companies c ON c.id = s.company_id",
    "CREATE TRIGGER company_names_insert AFTER INSERT ON companies BEGIN
       INSERT INTO company_search (company_id) VALUES (new.id);
       INSERT INTO company_names (rowid, name) SELECT key, new.name FROM company_search WHERE company_id = new.id;
     END",
    "CREATE TRIGGER company_names_update AFTER UPDATE OF name ON companies BEGIN
       UPDATE company_names SET name = new.name
        WHERE rowid = (SELECT key FROM company_search WHERE company_id = new.id);
     END",
    "CREATE TRIGGER company_names_delete AFTER DELETE ON companies BEGIN
       DELETE FROM company_names WHERE rowid = (SELECT key FROM company_search WHERE company_id = old.id);
       DELETE FROM company_search WHERE company_id = old.id;
     END",
];

const SQLITE_DOWN: [&str; 5] = [
    "DROP TRIGGER company_names_delete",
    "DROP TRIGGER company_names_update",
    "DROP TRIGGER company_names_insert",
    "DROP TABLE company_names",
    "DROP TABLE company_search",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for statement in SQLITE_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
            DatabaseBackend::Postgres => {
                let available = db
                    .query_one(Statement::from_string(
                        DatabaseBackend::Postgres,
                        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'",
                    ))
                    .await?
                    .is_some();
                if available {
                    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
                    db.execute_unprepared(
                        "CREATE INDEX idx_companies_name_trigrams ON companies USING gin (LOWER(name) gin_trgm_ops)",
                    )
                    .await?;
                } else {
                    tracing::warn!("pg_trgm is not available: Contains searches on company names scan every name");
                }
            }
            DatabaseBackend::MySql => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for statement in SQLITE_DOWN {
                    db.execute_unprepared(statement).await?;
                }
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS idx_companies_name_trigrams").await?;
            }
            DatabaseBackend::MySql => {}
        }
        Ok(())
    }
}
