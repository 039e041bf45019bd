//! Gateways no longer listen for changes (nothing read is kept between requests), so the statement
//! triggers of `m20261203_000026_change_notices` only cost writes: every transaction that fired one
//! took PostgreSQL's notify lock at commit. Dropped here; `down` puts them back.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::m20261203_000026_change_notices::Migration as ChangeNotices;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_connection().get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        ChangeNotices.down(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_connection().get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        ChangeNotices.up(manager).await
    }
}
