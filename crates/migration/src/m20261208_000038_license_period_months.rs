//! How long each licence period is, in months, so that a licence's end follows from its start
//! (`POST /api/companies/licenseexpirydate`). A period without a length gives no end.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The shipped periods (migration 12) and their lengths.
const MONTHS: [(&str, i32); 3] = [("licPeriod001", 1), ("licPeriod002", 12), ("licPeriod003", 36)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE license_period_types ADD COLUMN months INTEGER").await?;
        for (id, months) in MONTHS {
            db.execute_unprepared(&format!("UPDATE license_period_types SET months = {months} WHERE id = '{id}'"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE license_period_types DROP COLUMN months")
            .await
            .map(drop)
    }
}
