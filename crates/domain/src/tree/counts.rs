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

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use crate::search::filter::Sql;

/// Companies per statement (well under both databases' limits on bound values).
const BATCH: usize = 500;

/// Whether a company row exceeds its limit, as SQL over `companies`.
const EXCEEDS: &str =
    "(companies.is_number_of_users_limited AND companies.active_target_users > companies.number_of_users)";

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
/// users changed), moves its ancestors' exceeded counts by the flips and their versions by one.
pub(crate) async fn sync_exceeded(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let mut flips = Vec::new();
    for batch in ids.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        let text = format!(
            "UPDATE companies SET limit_exceeded = {EXCEEDS} \
             WHERE id IN ({list}) AND limit_exceeded <> {EXCEEDS} RETURNING id, limit_exceeded"
        );
        let rows =
            Flipped::find_by_statement(Statement::from_sql_and_values(backend, text, sql.values)).all(txn).await?;
        flips.extend(rows);
    }
    let mut changes: HashMap<&str, Delta> = ids.iter().map(|&id| (id, Delta::default())).collect();
    for f in &flips {
        changes.insert(f.id.as_str(), Delta { companies: 0, exceeded: if f.limit_exceeded { 1 } else { -1 } });
    }
    let changes: Vec<(&str, Delta)> = changes.into_iter().collect();
    adjust_ancestors(txn, &changes).await
}

/// Moves the counts of every strict ancestor of each company in `changes` by that company's delta,
/// and its version by one (a zero delta still means the company changed).
/// Ancestors are written deepest first, so every writer locks the rows of one chain in the same
/// order (the written company, then upwards) and concurrent writers cannot deadlock.
pub(crate) async fn adjust_ancestors(txn: &impl ConnectionTrait, changes: &[(&str, Delta)]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let deltas: HashMap<&str, Delta> = changes.iter().copied().collect();
    // ancestor -> (its level from the top, summed delta)
    let mut totals: HashMap<String, (i32, Delta)> = HashMap::new();
    let ids: Vec<&str> = deltas.keys().copied().collect();
    for batch in ids.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        let text = format!(
            "SELECT t.ancestor_id, t.descendant_id, t.depth, m.level FROM company_tree t
               JOIN (SELECT descendant_id, MAX(depth) AS level FROM company_tree
                      WHERE descendant_id IN ({list}) GROUP BY descendant_id) m ON m.descendant_id = t.descendant_id
              WHERE t.descendant_id IN ({list}) AND t.depth > 0"
        );
        for link in Link::find_by_statement(Statement::from_sql_and_values(backend, text, sql.values)).all(txn).await? {
            let delta = deltas[link.descendant_id.as_str()];
            let entry = totals.entry(link.ancestor_id).or_insert((link.level - link.depth, Delta::default()));
            entry.1.companies += delta.companies;
            entry.1.exceeded += delta.exceeded;
        }
    }
    let mut ordered: Vec<(String, (i32, Delta))> = totals.into_iter().collect();
    ordered.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    for (id, (_, delta)) in ordered {
        let text = "UPDATE companies SET managed_companies = managed_companies + $1, \
                    managed_limit_exceeded = managed_limit_exceeded + $2, subtree_version = subtree_version + 1 \
                    WHERE id = $3";
        txn.execute(Statement::from_sql_and_values(
            backend,
            text,
            [delta.companies.into(), delta.exceeded.into(), id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The strict ancestors of `ids`, for a bulk write to recount afterwards.
pub(crate) async fn ancestors_of(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Ancestor {
        ancestor_id: String,
    }
    let backend = txn.get_database_backend();
    let mut found = Vec::new();
    for batch in ids.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        let text =
            format!("SELECT DISTINCT ancestor_id FROM company_tree WHERE descendant_id IN ({list}) AND depth > 0");
        let rows =
            Ancestor::find_by_statement(Statement::from_sql_and_values(backend, text, sql.values)).all(txn).await?;
        found.extend(rows.into_iter().map(|a| a.ancestor_id));
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// Recomputes the flags of `touched` and, from the tree, the counts of `managers`, moving their
/// versions (for a bulk write, which may have created, moved and changed many companies at once).
pub(crate) async fn recount(txn: &impl ConnectionTrait, touched: &[&str], managers: &[String]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    for batch in touched.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().copied());
        // Only flags that change are written (a bulk load of new companies flips few of them).
        let text = format!(
            "UPDATE companies SET limit_exceeded = {EXCEEDS} WHERE id IN ({list}) AND limit_exceeded <> {EXCEEDS}"
        );
        txn.execute(Statement::from_sql_and_values(backend, text, sql.values)).await?;
    }
    for batch in managers.chunks(BATCH) {
        let mut sql = Sql::default();
        let list = sql.bind_list(batch.iter().cloned());
        let text = format!("UPDATE companies SET {COUNTS}, subtree_version = subtree_version + 1 WHERE id IN ({list})");
        txn.execute(Statement::from_sql_and_values(backend, text, sql.values)).await?;
    }
    Ok(())
}

/// Both counts of a `companies` row, from the tree.
const COUNTS: &str = "managed_companies = (SELECT COUNT(*) FROM company_tree t \
        WHERE t.ancestor_id = companies.id AND t.depth > 0), \
    managed_limit_exceeded = (SELECT COUNT(*) FROM company_tree t JOIN companies d ON d.id = t.descendant_id \
        WHERE t.ancestor_id = companies.id AND t.depth > 0 AND d.limit_exceeded)";
