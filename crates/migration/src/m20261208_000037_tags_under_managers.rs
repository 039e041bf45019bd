//! A tag's companies under one manager: `company_tree_tags` holds, for each link of the closure
//! table, each distinct lower-cased tag of its descendant, keyed by the manager first. A tag that
//! is common elsewhere but rare in a reseller's scope is then found from its matches in that
//! scope alone, not from every company with it. The rows go with their link (foreign key).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let (id, without_rowid) = match db.get_database_backend() {
            DatabaseBackend::Postgres => ("VARCHAR", ""),
            _ => ("TEXT", " WITHOUT ROWID"),
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE company_tree_tags (
               ancestor_id {id} NOT NULL,
               tag TEXT NOT NULL,
               descendant_id {id} NOT NULL,
               PRIMARY KEY (ancestor_id, tag, descendant_id),
               FOREIGN KEY (ancestor_id, descendant_id)
                 REFERENCES company_tree (ancestor_id, descendant_id) ON DELETE CASCADE
             ){without_rowid}"
        ))
        .await?;
        // A company's rows, for its tags' rewrite and its links' deletion.
        db.execute_unprepared(
            "CREATE INDEX idx_company_tree_tags_descendant ON company_tree_tags (descendant_id, ancestor_id)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO company_tree_tags (ancestor_id, tag, descendant_id)
             SELECT DISTINCT t.ancestor_id, lower(ct.tag), t.descendant_id
             FROM company_tree t JOIN company_tags ct ON ct.company_id = t.descendant_id",
        )
        .await
        .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP TABLE company_tree_tags").await.map(drop)
    }
}
