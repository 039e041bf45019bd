//! A company's target users counted per state. The counts live on the company row
//! (`active_target_users`, `inactive_target_users`, `deleted_target_users`) and are brought up to
//! date in the same transaction as every write to the company's target users, so a read or a
//! search page never counts rows per company.
use sea_orm::{ConnectionTrait, DbErr, Statement};

use crate::search::filter::Sql;

/// The states a target user can be in; each has its count column `<state>_target_users`.
pub(crate) const STATES: [&str; 3] = ["active", "inactive", "deleted"];

/// Companies per statement (well under SQLite's and PostgreSQL's limits on bound values).
const BATCH: usize = 500;

/// Recounts the target users of each of `companies` (sorted, so concurrent writers lock them in
/// one order); call inside the writing transaction.
pub(crate) async fn recount(txn: &impl ConnectionTrait, companies: &[&str]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    for batch in companies.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        let values = sql.values;
        if backend == sea_orm::DatabaseBackend::Postgres {
            // The row locks first, in a statement of their own: a concurrent writer of the same
            // company commits before the counting statement starts, so the count (which reads as
            // of its statement's start) sees that writer's rows too. `FOR UPDATE` locks without
            // writing new row versions. SQLite writes one transaction at a time already.
            let lock = format!("SELECT id FROM companies WHERE id IN ({list}) ORDER BY id FOR UPDATE");
            txn.execute(Statement::from_sql_and_values(backend, lock, values.clone())).await?;
        }
        // Counted per company from the (company, state) index: a grouped join was planned as a
        // scan of every target user per batch on a freshly loaded table.
        let counts: Vec<String> = STATES
            .iter()
            .map(|state| {
                format!(
                    "{state}_target_users = (SELECT COUNT(*) FROM target_users t \
                     WHERE t.company_id = companies.id AND t.state = '{state}')"
                )
            })
            .collect();
        let update = format!("UPDATE companies SET {} WHERE id IN ({list})", counts.join(", "));
        txn.execute(Statement::from_sql_and_values(backend, update, values)).await?;
    }
    Ok(())
}
