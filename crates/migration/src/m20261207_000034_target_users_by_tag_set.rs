//! The facet of active target users and tag set together (`facet::TARGET_USERS_BY_TAG_SET`) for
//! the links there are: from now on every write of a link appends it with the others.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261207_000030_company_facets::facet::TARGET_USERS_BY_TAG_SET;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // A database created with this facet already in migration 30's rows has them once.
        db.execute_unprepared(&format!("DELETE FROM company_facets WHERE facet = {TARGET_USERS_BY_TAG_SET}")).await?;
        db.execute_unprepared(&format!(
            "INSERT INTO company_facets (ancestor_id, facet, value, label, exceeded, companies, merged)
             SELECT ancestor_id, {TARGET_USERS_BY_TAG_SET}, target_user_count, COALESCE(tags, ''), limit_exceeded,
                    COUNT(*), TRUE
             FROM company_tree WHERE depth > 0
             GROUP BY ancestor_id, target_user_count, COALESCE(tags, ''), limit_exceeded"
        ))
        .await
        .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DELETE FROM company_facets WHERE facet = {TARGET_USERS_BY_TAG_SET}"))
            .await
            .map(drop)
    }
}
