//! The session dialect lists companies by name in byte order, as MongoDB sorts strings (ties by
//! id): an index that reads them in that order. PostgreSQL's default collation follows the
//! locale, so its index names the byte-order collation "C".
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let name = match manager.get_database_backend() {
            DatabaseBackend::Postgres => r#"name COLLATE "C""#,
            _ => "name",
        };
        db.execute_unprepared(&format!("CREATE INDEX idx_companies_name_bytes ON companies ({name}, id)"))
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX idx_companies_name_bytes").await.map(drop)
    }
}
