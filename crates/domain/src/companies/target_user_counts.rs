//! A company's target users counted per state. The counts live on the company row
//! (`active_target_users`, `inactive_target_users`, `deleted_target_users`) and are brought up to
//! date in the same transaction as every write to the company's target users, so a read or a
//! search page never counts rows per company.
use sea_orm::sea_query::{Alias, Expr, Func, LockType, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr};

use crate::entities::{companies, target_users};
use crate::statement::scalar;

/// The states a target user can be in, each with the company column counting it.
pub(crate) const STATES: [(&str, companies::Column); 3] = [
    ("active", companies::Column::ActiveTargetUsers),
    ("inactive", companies::Column::InactiveTargetUsers),
    ("deleted", companies::Column::DeletedTargetUsers),
];

/// Companies per statement (well under SQLite's and PostgreSQL's limits on bound values).
const BATCH: usize = 500;

/// Recounts the target users of each of `companies` (sorted, so concurrent writers lock them in
/// one order); call inside the writing transaction.
pub(crate) async fn recount(txn: &impl ConnectionTrait, companies: &[&str]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    for batch in companies.chunks(BATCH) {
        let batch: Vec<&str> = batch.to_vec();
        if backend == sea_orm::DatabaseBackend::Postgres {
            // The row locks first, in a statement of their own: a concurrent writer of the same
            // company commits before the counting statement starts, so the count (which reads as
            // of its statement's start) sees that writer's rows too. `FOR UPDATE` locks without
            // writing new row versions. SQLite writes one transaction at a time already.
            let lock = Query::select()
                .column(companies::Column::Id)
                .from(companies::Entity)
                .and_where(companies::Column::Id.is_in(batch.clone()))
                .order_by(companies::Column::Id, sea_orm::sea_query::Order::Asc)
                .lock(LockType::Update)
                .to_owned();
            txn.execute(backend.build(&lock)).await?;
        }
        // Counted per company from the (company, state) index: a grouped join was planned as a
        // scan of every target user per batch on a freshly loaded table.
        let count = |state: &str| {
            let t = Alias::new("t");
            let rows = Query::select()
                .expr(Func::count(Expr::col(sea_orm::sea_query::Asterisk)))
                .from_as(target_users::Entity, t.clone())
                .and_where(
                    Expr::col((t.clone(), target_users::Column::CompanyId))
                        .equals((companies::Entity, companies::Column::Id)),
                )
                .and_where(Expr::col((t, target_users::Column::State)).eq(state))
                .to_owned();
            scalar(rows)
        };
        let mut update = Query::update();
        update.table(companies::Entity).and_where(companies::Column::Id.is_in(batch));
        for (state, column) in STATES {
            update.value(column, count(state));
        }
        txn.execute(backend.build(&update)).await?;
    }
    Ok(())
}
