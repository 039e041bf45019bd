//! What a search's totals need, kept instead of counted: each company carries whether its active
//! target users exceed a limited licence (`limit_exceeded`), and how many companies it manages
//! (`managed_companies`) and how many of those exceed their limit (`managed_limit_exceeded`).
//! Every write that can change them changes them in its own transaction: a company created or
//! deleted moves its ancestors' counts by one, a changed licence or target-user count flips the
//! flag and moves the ancestors' exceeded counts, and a bulk load recounts the ancestors it
//! touched. So the totals of an unfiltered search are one row, whatever the size of the tree.
//!
//! The same writes move each ancestor's `subtree_version`: a company created, deleted, moved or
//! changed below it. A listing of the companies under one manager is current exactly while that
//! manager's version is the one it was read at (see [`crate::tree::listing`]).
use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, Func, JoinType, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use crate::entities::{companies, company_tree};
use crate::statement::scalar;

/// Companies per statement (well under both databases' limits on bound values).
const BATCH: usize = 500;

/// Whether a company row exceeds its limit, over the `companies` row being written.
fn exceeds() -> SimpleExpr {
    SimpleExpr::from(Expr::col(companies::Column::IsNumberOfUsersLimited))
        .and(Expr::col(companies::Column::ActiveTargetUsers).gt(Expr::col(companies::Column::NumberOfUsers)))
}

#[derive(FromQueryResult)]
struct Flipped {
    id: String,
    limit_exceeded: bool,
}

#[derive(FromQueryResult)]
struct Link {
    ancestor_id: String,
    descendant_id: String,
    depth: i32,
    level: i32,
}

/// A change to one company's contribution to its ancestors' counts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Delta {
    pub companies: i64,
    pub exceeded: i64,
}

/// Brings the `limit_exceeded` flag of each of `ids` up to date (after its licence or its target
/// users changed), in its row and its links, moves its ancestors' exceeded counts by the flips and
/// their versions by one.
pub(crate) async fn sync_exceeded(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let mut flips = Vec::new();
    for batch in ids.chunks(BATCH) {
        let update = Query::update()
            .table(companies::Entity)
            .value(companies::Column::LimitExceeded, exceeds())
            .and_where(companies::Column::Id.is_in(batch.iter().copied()))
            .and_where(Expr::col(companies::Column::LimitExceeded).ne(exceeds()))
            .returning(Query::returning().columns([companies::Column::Id, companies::Column::LimitExceeded]))
            .to_owned();
        flips.extend(Flipped::find_by_statement(backend.build(&update)).all(txn).await?);
    }
    let mut changes: HashMap<&str, Delta> = ids.iter().map(|&id| (id, Delta::default())).collect();
    for f in &flips {
        changes.insert(f.id.as_str(), Delta { companies: 0, exceeded: if f.limit_exceeded { 1 } else { -1 } });
    }
    let changes: Vec<(&str, Delta)> = changes.into_iter().collect();
    adjust_ancestors(txn, &changes).await?;
    // The links last: every writer takes the company, then its ancestors' rows, then links, so a
    // rename refreshing its children's links cannot wait on a child that waits on it.
    let flipped: Vec<&str> = flips.iter().map(|f| f.id.as_str()).collect();
    crate::tree::refresh_keys(txn, &flipped, crate::tree::Changed::Counts).await
}

/// Moves the counts of every strict ancestor of each company in `changes` by that company's delta,
/// and its version by one (a zero delta still means the company changed).
/// Ancestors are written deepest first, so every writer locks the rows of one chain in the same
/// order (the written company, then upwards) and concurrent writers cannot deadlock.
pub(crate) async fn adjust_ancestors(txn: &impl ConnectionTrait, changes: &[(&str, Delta)]) -> Result<(), DbErr> {
    use company_tree::Column as T;
    let backend = txn.get_database_backend();
    let deltas: HashMap<&str, Delta> = changes.iter().copied().collect();
    // ancestor -> (its level from the top, summed delta)
    let mut totals: HashMap<String, (i32, Delta)> = HashMap::new();
    let ids: Vec<&str> = deltas.keys().copied().collect();
    for batch in ids.chunks(BATCH) {
        let (t, m, level) = (Alias::new("t"), Alias::new("m"), Alias::new("level"));
        let levels = Query::select()
            .column(T::DescendantId)
            .expr_as(Func::max(Expr::col(T::Depth)), level.clone())
            .from(company_tree::Entity)
            .and_where(T::DescendantId.is_in(batch.iter().copied()))
            .group_by_col(T::DescendantId)
            .to_owned();
        let links = Query::select()
            .columns([(t.clone(), T::AncestorId), (t.clone(), T::DescendantId), (t.clone(), T::Depth)])
            .column((m.clone(), level))
            .from_as(company_tree::Entity, t.clone())
            .join_subquery(
                JoinType::InnerJoin,
                levels,
                m.clone(),
                Expr::col((m, T::DescendantId)).equals((t.clone(), T::DescendantId)),
            )
            .and_where(Expr::col((t.clone(), T::DescendantId)).is_in(batch.iter().copied()))
            .and_where(Expr::col((t, T::Depth)).gt(0))
            .to_owned();
        for link in Link::find_by_statement(backend.build(&links)).all(txn).await? {
            let delta = deltas[link.descendant_id.as_str()];
            let entry = totals.entry(link.ancestor_id).or_insert((link.level - link.depth, Delta::default()));
            entry.1.companies += delta.companies;
            entry.1.exceeded += delta.exceeded;
        }
    }
    let mut ordered: Vec<(String, (i32, Delta))> = totals.into_iter().collect();
    ordered.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    for (id, (_, delta)) in ordered {
        use companies::Column as C;
        companies::Entity::update_many()
            .col_expr(C::ManagedCompanies, Expr::col(C::ManagedCompanies).add(delta.companies))
            .col_expr(C::ManagedLimitExceeded, Expr::col(C::ManagedLimitExceeded).add(delta.exceeded))
            .col_expr(C::SubtreeVersion, Expr::col(C::SubtreeVersion).add(1))
            .filter(C::Id.eq(id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The strict ancestors of `ids`, for a bulk write to recount afterwards.
pub(crate) async fn ancestors_of(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<String>, DbErr> {
    let mut found = Vec::new();
    for batch in ids.chunks(BATCH) {
        let rows: Vec<String> = company_tree::Entity::find()
            .select_only()
            .column(company_tree::Column::AncestorId)
            .distinct()
            .filter(company_tree::Column::DescendantId.is_in(batch.iter().copied()))
            .filter(company_tree::Column::Depth.gt(0))
            .into_tuple()
            .all(txn)
            .await?;
        found.extend(rows);
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// Recomputes the flags of `touched` (in their rows and links) and, from the tree, the counts of
/// `managers`, moving their versions (for a bulk write, which may have created, moved and changed
/// many companies at once).
pub(crate) async fn recount(txn: &impl ConnectionTrait, touched: &[&str], managers: &[String]) -> Result<(), DbErr> {
    use companies::Column as C;
    let backend = txn.get_database_backend();
    let mut flipped = Vec::new();
    for batch in touched.chunks(BATCH) {
        // Only flags that change are written (a bulk load of new companies flips few of them).
        let update = Query::update()
            .table(companies::Entity)
            .value(C::LimitExceeded, exceeds())
            .and_where(C::Id.is_in(batch.iter().copied()))
            .and_where(Expr::col(C::LimitExceeded).ne(exceeds()))
            .returning(Query::returning().columns([C::Id, C::LimitExceeded]))
            .to_owned();
        flipped.extend(Flipped::find_by_statement(backend.build(&update)).all(txn).await?.into_iter().map(|f| f.id));
    }
    for batch in managers.chunks(BATCH) {
        let (managed, exceeded) = managed_counts();
        companies::Entity::update_many()
            .col_expr(C::ManagedCompanies, managed)
            .col_expr(C::ManagedLimitExceeded, exceeded)
            .col_expr(C::SubtreeVersion, Expr::col(C::SubtreeVersion).add(1))
            .filter(C::Id.is_in(batch.iter().cloned()))
            .exec(txn)
            .await?;
    }
    // The links last, as in `sync_exceeded`.
    let flipped: Vec<&str> = flipped.iter().map(String::as_str).collect();
    crate::tree::refresh_keys(txn, &flipped, crate::tree::Changed::Counts).await
}

/// Both counts of the `companies` row being written, from the tree: the companies it manages, and
/// how many of those exceed their limit.
fn managed_counts() -> (SimpleExpr, SimpleExpr) {
    use company_tree::Column as T;
    let (t, d) = (Alias::new("t"), Alias::new("d"));
    let below = || {
        Query::select()
            .expr(Func::count(Expr::col(sea_orm::sea_query::Asterisk)))
            .from_as(company_tree::Entity, t.clone())
            .and_where(Expr::col((t.clone(), T::AncestorId)).equals((companies::Entity, companies::Column::Id)))
            .and_where(Expr::col((t.clone(), T::Depth)).gt(0))
            .to_owned()
    };
    let exceeded = below()
        .join_as(
            JoinType::InnerJoin,
            companies::Entity,
            d.clone(),
            Expr::col((d.clone(), companies::Column::Id)).equals((t.clone(), T::DescendantId)),
        )
        .and_where(Expr::col((d, companies::Column::LimitExceeded)).into())
        .to_owned();
    (scalar(below()), scalar(exceeded))
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    /// The flag is compared with the whole rule, not with its first operand.
    #[test]
    fn a_flag_is_compared_with_the_whole_rule() {
        let update = Query::update()
            .table(companies::Entity)
            .value(companies::Column::LimitExceeded, exceeds())
            .and_where(Expr::col(companies::Column::LimitExceeded).ne(exceeds()))
            .to_owned();
        let rule = r#"("is_number_of_users_limited" AND "active_target_users" > "number_of_users")"#;
        for sql in [update.to_string(PostgresQueryBuilder), update.to_string(SqliteQueryBuilder)] {
            assert!(sql.ends_with(&format!(r#"WHERE "limit_exceeded" <> {rule}"#)), "{sql}");
        }
    }
}
