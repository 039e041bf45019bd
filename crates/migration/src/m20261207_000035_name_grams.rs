//! Short texts in company names: a `Contains` of one or two characters has no trigram to look up.
//! `company_name_grams` holds each company's distinct grams (one and two characters of its
//! lower-cased name), written with the company's links, so the few companies with a rare gram are
//! found from it; the facet `facet::NAME_GRAM` counts them under each manager.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::m20261207_000030_company_facets::facet::{self, NAME_GRAM};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let (id, without_rowid) = match backend {
            DatabaseBackend::Postgres => ("VARCHAR", ""),
            _ => ("TEXT", " WITHOUT ROWID"),
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE company_name_grams (
               gram TEXT NOT NULL,
               company_id {id} NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
               PRIMARY KEY (gram, company_id)
             ){without_rowid}"
        ))
        .await?;
        // A company's grams, for its deletion and renaming.
        db.execute_unprepared("CREATE INDEX idx_company_name_grams_company_id ON company_name_grams (company_id)")
            .await?;
        db.execute_unprepared(&format!(
            "WITH RECURSIVE {ctes}
             INSERT INTO company_name_grams (gram, company_id) SELECT {gram}, c.id FROM companies c {grams}",
            ctes = facet::gram_ctes("companies"),
            gram = facet::gram("c"),
            grams = facet::grams(backend, "c"),
        ))
        .await?;
        // A database created with this facet already in migration 30's rows has them once.
        db.execute_unprepared(&format!("DELETE FROM company_facets WHERE facet = {NAME_GRAM}")).await?;
        db.execute_unprepared(&format!(
            "WITH RECURSIVE {ctes}
             INSERT INTO company_facets (ancestor_id, facet, value, label, exceeded, companies, merged)
             SELECT t.ancestor_id, {NAME_GRAM}, 0, {gram}, t.limit_exceeded, COUNT(*), TRUE
             FROM company_tree t {grams} AND t.depth > 0
             GROUP BY t.ancestor_id, {gram}, t.limit_exceeded",
            ctes = facet::gram_ctes("company_tree"),
            gram = facet::gram("t"),
            grams = facet::grams(backend, "t"),
        ))
        .await
        .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DELETE FROM company_facets WHERE facet = {NAME_GRAM}")).await?;
        db.execute_unprepared("DROP TABLE company_name_grams").await.map(drop)
    }
}
