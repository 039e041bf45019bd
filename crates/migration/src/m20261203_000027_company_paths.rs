//! Each company's path: the resource ids of its ancestors from the top, then its own, joined
//! without a separator (every resource id is exactly 12 bytes, so a path's 12-byte pieces are
//! its ancestors, and a company is under another exactly when its path starts with the other's).
//! A name search checks each matching name against the searched root with this one comparison on
//! the row it already read, instead of a lookup in `company_tree` per match. Kept by `tree.rs` in
//! the same transaction as every link (`attach_all`, `move_subtree`); filled here top down.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE companies ADD COLUMN path TEXT NOT NULL DEFAULT ''").await?;
        db.execute_unprepared("UPDATE companies SET path = id WHERE parent_id IS NULL").await?;
        // One level further down each time, until every company below a filled one is filled.
        loop {
            let filled = db
                .execute_unprepared(
                    "UPDATE companies SET path = (SELECT p.path FROM companies p WHERE p.id = companies.parent_id) || id
                      WHERE path = '' AND parent_id IN (SELECT f.id FROM companies f WHERE f.path <> '')",
                )
                .await?;
            if filled.rows_affected() == 0 {
                break;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE companies DROP COLUMN path").await.map(drop)
    }
}
