//! PostgreSQL tells listening gateways that a table their kept reads depend on changed: a
//! statement trigger on each such table sends `NOTIFY companygate_changes` (empty payload), which
//! PostgreSQL delivers at commit, once per transaction however many statements fired it. Inserting
//! an access token does not notify: a new token's row changes no row a gateway kept (they keep
//! only rows they found). SQLite needs nothing: a gateway asks it `PRAGMA data_version` instead.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables kept reads use, with the events that notify.
const WATCHED: [(&str, &str); 9] = [
    ("access_tokens", "UPDATE OR DELETE OR TRUNCATE"),
    ("api_clients", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("companies", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("company_tree", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("company_tags", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("industries", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("countries", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("license_types", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("license_period_types", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
];

const FUNCTION: &str = "CREATE FUNCTION companygate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('companygate_changes', '');
    RETURN NULL;
END
$$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(FUNCTION).await?;
        for (table, events) in WATCHED {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_changed AFTER {events} ON {table}
                 FOR EACH STATEMENT EXECUTE FUNCTION companygate_changed()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for (table, _) in WATCHED {
            db.execute_unprepared(&format!("DROP TRIGGER {table}_changed ON {table}")).await?;
        }
        db.execute_unprepared("DROP FUNCTION companygate_changed()").await?;
        Ok(())
    }
}
