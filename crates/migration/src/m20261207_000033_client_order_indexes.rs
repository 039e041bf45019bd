//! A company's API clients in each order a client search takes, in both directions: an index per
//! order and direction, ties by id ascending as the search breaks them, so a page is an index range
//! read up to the page instead of every client of the company sorted.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index label, its key column after `company_id` and before `id`).
const INDEXES: [(&str, &str); 6] = [
    ("create_time_asc", "create_time"),
    ("create_time_desc", "create_time DESC"),
    ("name_asc", "name"),
    ("name_desc", "name DESC"),
    ("client_id_asc", "client_id"),
    ("client_id_desc", "client_id DESC"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (label, key) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_api_clients_company_{label} ON api_clients (company_id, {key}, id)"
            ))
            .await?;
        }
        // Served by each of the above.
        db.execute_unprepared("DROP INDEX idx_api_clients_company_id").await.map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("CREATE INDEX idx_api_clients_company_id ON api_clients (company_id)").await?;
        for (label, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX idx_api_clients_company_{label}")).await?;
        }
        Ok(())
    }
}
