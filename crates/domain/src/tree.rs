//! Who manages whom. A company manages every company below it through the parent links; the
//! links are kept as a closure table (`company_tree`: ancestor, descendant, depth, each company
//! its own ancestor at depth 0, and the descendant's name and creation time, the keys a page of
//! managed companies is ordered by), written in the same transaction as the company, and every
//! question about management is answered from it. Rows go with their companies (foreign keys
//! cascade).
pub(crate) mod counts;
pub(crate) mod listing;

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use crate::CompanyId;
use crate::search::filter::Sql;

#[derive(FromQueryResult)]
struct Found {
    #[allow(dead_code)]
    found: i32,
}

async fn exists(db: &impl ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> Result<bool, DbErr> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    Ok(Found::find_by_statement(statement).one(db).await?.is_some())
}

/// The rule, as SQL: the company `manager` (a placeholder or column) is a strict ancestor of
/// `company`. Depth 0 is exactly a company's link to itself, so "strict" is tested on the key,
/// which the key's index answers without reading the row.
pub(crate) fn manages_sql(manager: &str, company: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM company_tree mt WHERE mt.ancestor_id = {manager} AND mt.descendant_id = {company} \
         AND mt.descendant_id <> mt.ancestor_id)"
    )
}

/// Whether `manager` is a strict ancestor of the company with id `company`.
pub(crate) async fn manages(db: &impl ConnectionTrait, manager: CompanyId, company: &str) -> Result<bool, DbErr> {
    let Some(manager) = manager.resource_id() else { return Ok(false) };
    let sql = format!("SELECT 1 AS found WHERE {}", manages_sql("$1", "$2"));
    exists(db, &sql, vec![manager.into(), company.into()]).await
}

/// Links new companies (already inserted, their parents already linked) below their parents, in
/// two statements for the lot.
pub(crate) async fn attach_all(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let mut sql = Sql::default();
    let list = sql.bind_list(ids.iter().copied());
    let values = sql.values;
    let own = format!(
        "INSERT INTO company_tree (ancestor_id, descendant_id, depth, name, create_time)
         SELECT id, id, 0, name, create_time FROM companies WHERE id IN ({list})"
    );
    txn.execute(Statement::from_sql_and_values(backend, own, values.clone())).await?;
    // Each parent's links looked up by key: during a bulk load the planner has no statistics for
    // the rows it is adding, and PostgreSQL planned the plain join as a scan of the whole tree
    // per statement. LATERAL makes it one index lookup per company (SQLite has no LATERAL; its
    // plan is a lookup per company anyway).
    let parents_links = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "CROSS JOIN LATERAL (SELECT ancestor_id, depth FROM company_tree WHERE descendant_id = c.parent_id) t"
        }
        _ => "JOIN company_tree t ON t.descendant_id = c.parent_id",
    };
    let up = format!(
        "INSERT INTO company_tree (ancestor_id, descendant_id, depth, name, create_time)
         SELECT t.ancestor_id, c.id, t.depth + 1, c.name, c.create_time
           FROM companies c {parents_links}
          WHERE c.id IN ({list})"
    );
    txn.execute(Statement::from_sql_and_values(backend, up, values)).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum MoveError {
    #[error("the new parent is the company itself or below it")]
    Cycle,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Moves company `id` and everything below it under `parent` (or makes it a root).
pub(crate) async fn move_subtree(txn: &impl ConnectionTrait, id: &str, parent: Option<&str>) -> Result<(), MoveError> {
    let backend = txn.get_database_backend();
    if let Some(parent) = parent {
        let below = "SELECT 1 AS found FROM company_tree WHERE ancestor_id = $1 AND descendant_id = $2";
        if exists(txn, below, vec![id.into(), parent.into()]).await? {
            return Err(MoveError::Cycle);
        }
    }
    // Links from outside the subtree into it go; links inside it stay.
    let cut = "DELETE FROM company_tree
                WHERE descendant_id IN (SELECT descendant_id FROM company_tree WHERE ancestor_id = $1)
                  AND ancestor_id NOT IN (SELECT descendant_id FROM company_tree WHERE ancestor_id = $1)";
    txn.execute(Statement::from_sql_and_values(backend, cut, [id.into()])).await?;
    if let Some(parent) = parent {
        let graft = "INSERT INTO company_tree (ancestor_id, descendant_id, depth, name, create_time)
                     SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1,
                            below.name, below.create_time
                       FROM company_tree above, company_tree below
                      WHERE above.descendant_id = $1 AND below.ancestor_id = $2";
        txn.execute(Statement::from_sql_and_values(backend, graft, [parent.into(), id.into()])).await?;
    }
    Ok(())
}

/// Copies the name and creation time of each of `ids` (just changed) into its rows of the tree.
pub(crate) async fn refresh_keys(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    for batch in ids.chunks(500) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        let text = format!(
            "UPDATE company_tree SET
               name = (SELECT c.name FROM companies c WHERE c.id = company_tree.descendant_id),
               create_time = (SELECT c.create_time FROM companies c WHERE c.id = company_tree.descendant_id)
             WHERE descendant_id IN ({list})"
        );
        txn.execute(Statement::from_sql_and_values(txn.get_database_backend(), text, sql.values)).await?;
    }
    Ok(())
}
