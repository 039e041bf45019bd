//! PostgreSQL's GIN indexes gather new entries in a pending list that every search scans in full
//! until it reaches `gin_pending_list_limit` (4 MB by default) or a vacuum merges it; after a bulk
//! load that list made each `Contains` search on names several times slower until autovacuum got
//! there. The trigram index keeps its list short (256 kB: written names are merged in small
//! sorted runs, which keeps a bulk load nearly as fast as with the default), `seed` merges what a
//! load leaves, and the list left by earlier writes is merged now.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_companies_name_trigrams";

async fn has_name_index(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(false);
    }
    let found = manager
        .get_connection()
        .query_one(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT 1 AS found FROM pg_indexes WHERE indexname = '{INDEX}'"),
        ))
        .await?;
    Ok(found.is_some())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if has_name_index(manager).await? {
            let db = manager.get_connection();
            db.execute_unprepared(&format!("ALTER INDEX {INDEX} SET (gin_pending_list_limit = 256)")).await?;
            db.execute_unprepared(&format!("SELECT gin_clean_pending_list('{INDEX}')")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if has_name_index(manager).await? {
            manager
                .get_connection()
                .execute_unprepared(&format!("ALTER INDEX {INDEX} RESET (gin_pending_list_limit)"))
                .await?;
        }
        Ok(())
    }
}
