//! Per-manager histograms of the keys search filters compare (`company_facets`, see migration
//! `m20261207_000030_company_facets`): under each strict ancestor, how many companies have each
//! active target-user count, creation day, licence end day, tag set, reseller name, and pair of
//! target-user count and tag set, split by the exceeded flag. They follow the links: every write of a link's keys in [`crate::tree`]
//! appends the difference it makes (signed rows) in the same transaction, so the sums are exact at
//! every commit. Writers only insert, so they never wait on each other's rows; [`compact`] folds a
//! key's rows into one, so what a search sums stays about one row per distinct value.
use std::collections::BTreeMap;

use companygate_migration::facet;
use sea_orm::sea_query::{Alias, Condition, Expr, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement, Value};

use crate::entities::{companies, company_tree};
use crate::tree::KEYS;

/// The strict links `condition` selects, as stored, each counted `sign` times.
pub(crate) fn stored(condition: Condition, sign: i64) -> SelectStatement {
    Query::select()
        .column(company_tree::Column::AncestorId)
        .columns(KEYS.iter().map(|(column, _)| *column))
        .expr_as(Expr::val(sign), Alias::new("n"))
        .from(company_tree::Entity)
        .and_where(Expr::col(company_tree::Column::Depth).gt(0))
        .cond_where(condition)
        .to_owned()
}

/// The strict links of `ids` with the keys their companies have now, each counted once, less the
/// same links as stored: what refreshing those links changes.
pub(crate) fn refreshed(backend: sea_orm::DatabaseBackend, ids: &[&str]) -> SelectStatement {
    let (t, c) = (Alias::new("t"), Alias::new("c"));
    let mut current = Query::select();
    current.column((t.clone(), company_tree::Column::AncestorId));
    // Each key as refreshing the links will write it (the facets read some of them).
    for (column, key) in KEYS {
        current.expr_as(key.of(backend, c.clone()), column);
    }
    current
        .expr_as(Expr::val(1i64), Alias::new("n"))
        .from_as(company_tree::Entity, t.clone())
        .inner_join(
            sea_orm::sea_query::TableRef::TableAlias(
                sea_orm::sea_query::SeaRc::new(companies::Entity),
                sea_orm::sea_query::SeaRc::new(c.clone()),
            ),
            Expr::col((c, companies::Column::Id)).equals((t.clone(), company_tree::Column::DescendantId)),
        )
        .and_where(Expr::col((t.clone(), company_tree::Column::DescendantId)).is_in(ids.iter().copied()))
        .and_where(Expr::col((t, company_tree::Column::Depth)).gt(0));
    let old =
        stored(Condition::all().add(Expr::col(company_tree::Column::DescendantId).is_in(ids.iter().copied())), -1);
    current.union(UnionType::All, old).to_owned()
}

/// Appends the facet rows of `keys` (see [`stored`], [`refreshed`]), summed per key.
pub(crate) async fn record(txn: &impl ConnectionTrait, keys: SelectStatement) -> Result<(), DbErr> {
    record_covering(txn, keys, facet::Covered::All).await
}

/// [`record`] for the facets `covered`.
pub(crate) async fn record_covering(
    txn: &impl ConnectionTrait,
    keys: SelectStatement,
    covered: facet::Covered,
) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let built = backend.build(&keys);
    let sql = facet::insert(backend, &built.sql, false, covered);
    txn.execute(Statement { sql, values: built.values, db_backend: backend }).await.map(drop)
}

/// Removes the facets kept under the company `id` and its contributions to its ancestors' (it is
/// about to be deleted with its links).
pub(crate) async fn forget(txn: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    record(txn, stored(Condition::all().add(Expr::col(company_tree::Column::DescendantId).eq(id)), -1)).await?;
    let backend = txn.get_database_backend();
    let gone = Query::delete().from_table(facets()).and_where(Expr::col(Alias::new("ancestor_id")).eq(id)).to_owned();
    txn.execute(backend.build(&gone)).await.map(drop)
}

/// The table of the facets.
fn facets() -> Alias {
    Alias::new("company_facets")
}

#[derive(FromQueryResult)]
struct Pending {
    ancestor_id: String,
}

#[derive(FromQueryResult)]
struct Row {
    ancestor_id: String,
    facet: i16,
    value: i64,
    label: String,
    exceeded: bool,
    companies: i64,
}

/// Managers whose facets are folded per round of [`compact`].
const MANAGERS_PER_ROUND: u64 = 50;

/// Folds the rows writers appended to the facets of up to `rounds` x 50 managers into one row per
/// key (none where they sum to zero); returns how many managers it folded. Each manager's fold is
/// one transaction that deletes its keys' rows and inserts exactly their sums, so concurrent
/// writers and compactions (another replica's) never change a sum.
pub(crate) async fn compact(db: &crate::database::Writer, rounds: usize) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let col = |name: &str| Expr::col(Alias::new(name));
    let mut folded = 0;
    for _ in 0..rounds {
        let pending = Query::select()
            .distinct()
            .expr(col("ancestor_id"))
            .from(facets())
            .and_where(col("merged").not())
            .limit(MANAGERS_PER_ROUND)
            .to_owned();
        let managers = Pending::find_by_statement(backend.build(&pending)).all(db).await?;
        for manager in &managers {
            let id = manager.ancestor_id.clone();
            let unmerged_keys = Query::select()
                .expr(col("facet"))
                .expr(col("value"))
                .expr(col("label"))
                .from(facets())
                .and_where(col("ancestor_id").eq(id.clone()))
                .and_where(col("merged").not())
                .to_owned();
            let delete = Query::delete()
                .from_table(facets())
                .and_where(col("ancestor_id").eq(id))
                .and_where(
                    Expr::tuple([col("facet").into(), col("value").into(), col("label").into()])
                        .in_subquery(unmerged_keys),
                )
                .returning(Query::returning().exprs([
                    col("ancestor_id"),
                    col("facet"),
                    col("value"),
                    col("label"),
                    col("exceeded"),
                    col("companies"),
                ]))
                .to_owned();
            let txn = db.begin().await?;
            let mut sums: BTreeMap<(String, i16, i64, String, bool), i64> = BTreeMap::new();
            for row in Row::find_by_statement(backend.build(&delete)).all(&txn).await? {
                let key = (row.ancestor_id, row.facet, row.value, row.label, row.exceeded);
                *sums.entry(key).or_default() += row.companies;
            }
            let rows: Vec<_> = sums.into_iter().filter(|(_, n)| *n != 0).collect();
            for batch in rows.chunks(100) {
                let mut insert = Query::insert();
                insert.into_table(facets()).columns(
                    ["ancestor_id", "facet", "value", "label", "exceeded", "companies", "merged"].map(Alias::new),
                );
                for ((ancestor, facet, value, label, exceeded), n) in batch {
                    let values: [Value; 7] = [
                        ancestor.clone().into(),
                        (*facet).into(),
                        (*value).into(),
                        label.clone().into(),
                        (*exceeded).into(),
                        (*n).into(),
                        true.into(),
                    ];
                    insert.values_panic(values.map(Into::into));
                }
                txn.execute(backend.build(&insert)).await?;
            }
            txn.commit().await?;
        }
        folded += managers.len() as u64;
        if (managers.len() as u64) < MANAGERS_PER_ROUND {
            break;
        }
    }
    Ok(folded)
}
