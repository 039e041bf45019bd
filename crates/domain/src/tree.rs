//! Who manages whom. A company manages every company below it through the parent links; the
//! links are kept as a closure table (`company_tree`: ancestor, descendant, depth, each company
//! its own ancestor at depth 0, and the descendant's keys a page of managed companies is ordered
//! by: see [`KEYS`]), written in the same transaction as the company, and every
//! question about management is answered from it. Rows go with their companies (foreign keys
//! cascade). Each company also keeps its path (its ancestors' ids from the top, then its own), so
//! that a name search checks a match's membership on the row it read ([`at_or_below_expr`]); it
//! is written with the company and rewritten for a moved subtree in the same transaction. Every
//! function here that writes links also appends what it changes to the ancestors' facets
//! ([`facets`]), so they cannot drift from the links, writes the grams of a new or renamed
//! company's name (`company_name_grams`, see [`write_grams`]) beside its links, and each link's
//! tags (`company_tree_tags`, see [`write_link_tags`]).
pub(crate) mod counts;
pub(crate) mod facets;
pub(crate) mod listing;

use companygate_migration::facet;
use sea_orm::sea_query::{Alias, BinOper, Condition, Expr, Func, JoinType, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::CompanyId;
use crate::entities::{companies, company_tree};
use crate::statement::scalar;

/// The rule as an expression: the company `manager` is a strict ancestor of `company` (both
/// expressions, e.g. a value and a column). Depth 0 is exactly a company's link to itself, so
/// "strict" is tested on the key, which the key's index answers without reading the row.
pub(crate) fn manages_expr(manager: SimpleExpr, company: SimpleExpr) -> SimpleExpr {
    Expr::exists(link_rows(manager, company, true))
}

/// Whether company `key` exists (None: it does not) and whether `manager` manages it, in one
/// statement.
pub(crate) async fn managed_if_any(db: &impl ConnectionTrait, manager: &str, key: &str) -> Result<Option<bool>, DbErr> {
    let company = Expr::col((companies::Entity, companies::Column::Id));
    let query = Query::select()
        .expr(manages_expr(Expr::val(manager).into(), company.clone().into()))
        .from(companies::Entity)
        .and_where(company.eq(key))
        .to_owned();
    let row = db.query_one(db.get_database_backend().build(&query)).await?;
    row.map(|row| row.try_get_by_index::<bool>(0)).transpose()
}

/// The link from `manager` down to `company`, if any (`strict`: not the company's own link).
fn link_rows(manager: SimpleExpr, company: SimpleExpr, strict: bool) -> SelectStatement {
    let link = Alias::new("mt");
    let mut below = Query::select()
        .expr(Expr::cust("TRUE"))
        .from_as(company_tree::Entity, link.clone())
        .and_where(Expr::col((link.clone(), company_tree::Column::AncestorId)).eq(manager))
        .and_where(Expr::col((link.clone(), company_tree::Column::DescendantId)).eq(company))
        .to_owned();
    if strict {
        below.and_where(
            Expr::col((link.clone(), company_tree::Column::DescendantId))
                .ne(Expr::col((link, company_tree::Column::AncestorId))),
        );
    }
    below
}

/// Whether `manager` is a strict ancestor of the company with id `company`.
pub(crate) async fn manages(db: &impl ConnectionTrait, manager: CompanyId, company: &str) -> Result<bool, DbErr> {
    let Some(manager) = manager.resource_id() else { return Ok(false) };
    let link: Option<i32> = company_tree::Entity::find()
        .select_only()
        .column(company_tree::Column::Depth)
        .filter(company_tree::Column::AncestorId.eq(manager))
        .filter(company_tree::Column::DescendantId.eq(company))
        .filter(Expr::col(company_tree::Column::DescendantId).ne(Expr::col(company_tree::Column::AncestorId)))
        .into_tuple()
        .one(db)
        .await?;
    Ok(link.is_some())
}

/// What each link carries of its descendant (the company `c`), with where each comes from: the
/// descendant's own row, its parent's (the reseller name) or its tags: the keys pages are ordered
/// by, and the flag and tags they may be filtered by. Every write that changes one of them writes
/// the links in the same transaction ([`refresh_keys`], [`refresh_reseller_names`]).
pub(crate) const KEYS: [(company_tree::Column, Key); 7] = [
    (company_tree::Column::Name, Key::Own(companies::Column::Name)),
    (company_tree::Column::CreateTime, Key::Own(companies::Column::CreateTime)),
    (company_tree::Column::TargetUserCount, Key::Own(companies::Column::ActiveTargetUsers)),
    (company_tree::Column::LicenseEndDate, Key::Own(companies::Column::LicenseEndDate)),
    (company_tree::Column::ResellerName, Key::ParentName),
    (company_tree::Column::LimitExceeded, Key::Own(companies::Column::LimitExceeded)),
    (company_tree::Column::Tags, Key::TagSet),
];

#[derive(Clone, Copy)]
pub(crate) enum Key {
    Own(companies::Column),
    ParentName,
    /// Its tags as one text (`company_tags`: written before the links are).
    TagSet,
}

impl Key {
    /// This key of the company `c` (a table or alias in scope).
    pub(crate) fn of(self, backend: sea_orm::DatabaseBackend, c: Alias) -> SimpleExpr {
        match self {
            Self::Own(column) => Expr::col((c, column)).into(),
            Self::TagSet => {
                let id = format!("\"{}\".\"id\"", sea_orm::sea_query::Iden::to_string(&c));
                Expr::cust(facet::tag_set(backend, &id))
            }
            Self::ParentName => {
                let p = Alias::new("kp");
                scalar(
                    Query::select()
                        .column((p.clone(), companies::Column::Name))
                        .from_as(companies::Entity, p.clone())
                        .and_where(Expr::col((p, companies::Column::Id)).equals((c, companies::Column::ParentId)))
                        .to_owned(),
                )
            }
        }
    }
}

/// A link's columns: ancestor, descendant, depth, then the keys.
fn tree_columns() -> impl Iterator<Item = company_tree::Column> {
    [company_tree::Column::AncestorId, company_tree::Column::DescendantId, company_tree::Column::Depth]
        .into_iter()
        .chain(KEYS.iter().map(|(column, _)| *column))
}

async fn run(db: &impl ConnectionTrait, statement: &impl sea_orm::StatementBuilder) -> Result<(), DbErr> {
    db.execute(db.get_database_backend().build(statement)).await.map(drop)
}

/// Links new companies (already inserted, their parents already linked) below their parents, in
/// two statements for the lot.
pub(crate) async fn attach_all(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    let ids_for_facets = ids.clone();
    let own_c = Alias::new("oc");
    let mut own = Query::select()
        .column((own_c.clone(), companies::Column::Id))
        .column((own_c.clone(), companies::Column::Id))
        .expr(Expr::val(0))
        .from_as(companies::Entity, own_c.clone())
        .and_where(Expr::col((own_c.clone(), companies::Column::Id)).is_in(ids.clone()))
        .to_owned();
    for (_, key) in KEYS {
        own.expr(key.of(backend, own_c.clone()));
    }
    let insert = |select: SelectStatement| {
        Query::insert()
            .into_table(company_tree::Entity)
            .columns(tree_columns())
            .select_from(select)
            .map(|s| s.to_owned())
    };
    run(txn, &insert(own).map_err(|e| DbErr::Custom(e.to_string()))?).await?;
    let named = Query::select()
        .columns([companies::Column::Id, companies::Column::Name])
        .from(companies::Entity)
        .and_where(companies::Column::Id.is_in(ids.clone()))
        .to_owned();
    write_grams(txn, named).await?;
    let new_links = || Condition::all().add(company_tree::Column::DescendantId.is_in(ids_for_facets.iter().cloned()));
    // Each parent's links looked up by key: during a bulk load the planner has no statistics for
    // the rows it is adding, and PostgreSQL planned the plain join as a scan of the whole tree
    // per statement. LATERAL makes it one index lookup per company (SQLite has no LATERAL; its
    // plan is a lookup per company anyway).
    let (c, t) = (Alias::new("c"), Alias::new("t"));
    let mut up = Query::select()
        .column((t.clone(), company_tree::Column::AncestorId))
        .column((c.clone(), companies::Column::Id))
        .expr(Expr::col((t.clone(), company_tree::Column::Depth)).add(1))
        .from_as(companies::Entity, c.clone())
        .and_where(Expr::col((c.clone(), companies::Column::Id)).is_in(ids))
        .to_owned();
    for (_, key) in KEYS {
        up.expr(key.of(backend, c.clone()));
    }
    let parent_of_c = Expr::col((c.clone(), companies::Column::ParentId));
    if backend == sea_orm::DatabaseBackend::Postgres {
        let parents_links = Query::select()
            .column(company_tree::Column::AncestorId)
            .column(company_tree::Column::Depth)
            .from(company_tree::Entity)
            .and_where(Expr::col(company_tree::Column::DescendantId).equals((c, companies::Column::ParentId)))
            .to_owned();
        up.join_lateral(JoinType::InnerJoin, parents_links, t, Condition::all());
    } else {
        up.join_as(
            JoinType::InnerJoin,
            company_tree::Entity,
            t.clone(),
            Expr::col((t, company_tree::Column::DescendantId)).eq(parent_of_c),
        );
    }
    run(txn, &insert(up).map_err(|e| DbErr::Custom(e.to_string()))?).await?;
    write_link_tags(txn, new_links()).await?;
    for batch in ids_for_facets.chunks(500) {
        let new = Condition::all().add(company_tree::Column::DescendantId.is_in(batch.iter().cloned()));
        facets::record(txn, facets::stored(new, 1)).await?;
    }
    Ok(())
}

/// The paths of `parents` as stored now, by id (each new company's path is its parent's and its
/// own id, written with the company: see [`path_below`]).
pub(crate) async fn paths_of(
    txn: &impl ConnectionTrait,
    parents: &[&str],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    if parents.is_empty() {
        return Ok(Default::default());
    }
    companies::Entity::find()
        .select_only()
        .column(companies::Column::Id)
        .column(companies::Column::Path)
        .filter(companies::Column::Id.is_in(parents.iter().copied()))
        .into_tuple::<(String, String)>()
        .all(txn)
        .await
        .map(|rows| rows.into_iter().collect())
}

/// The path of a new company `id` below a parent with `parent_path` (none: a top company).
pub(crate) fn path_below(parent_path: Option<&str>, id: &str) -> String {
    format!("{}{id}", parent_path.unwrap_or(""))
}

/// `left || right` (text concatenation on both databases).
fn concat(left: SimpleExpr, right: SimpleExpr) -> SimpleExpr {
    Expr::expr(left).binary(BinOper::Custom("||"), right)
}

/// The column of `companies` holding each company's path: its ancestors' resource ids from the
/// top, then its own (all exactly 12 bytes), so a company is at or below another exactly when
/// its path starts with the other's (migration `m20261203_000027_company_paths`).
pub(crate) const PATH: companies::Column = companies::Column::Path;

/// The company `c`'s path (`company_path`) starts with the path of `root`: `c` is `root` or below
/// it: one comparison on the row already read, where a lookup in the tree costs an index probe per row.
pub(crate) fn at_or_below_expr(root: SimpleExpr, company_path: SimpleExpr) -> SimpleExpr {
    let r = Alias::new("rp");
    let root_path = scalar(
        Query::select()
            .column((r.clone(), PATH))
            .from_as(companies::Entity, r.clone())
            .and_where(Expr::col((r, companies::Column::Id)).eq(root))
            .to_owned(),
    );
    let length = SimpleExpr::from(Func::char_length(root_path.clone()));
    Expr::expr(SimpleExpr::from(Func::cust(Alias::new("substr")).args([company_path, Expr::val(1).into(), length])))
        .eq(root_path)
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
    if let Some(parent) = parent {
        let below = company_tree::Entity::find_by_id((id.to_owned(), parent.to_owned())).one(txn).await?;
        if below.is_some() {
            return Err(MoveError::Cycle);
        }
    }
    // Links from outside the subtree into it go; links inside it stay.
    let subtree = || {
        Query::select()
            .column(company_tree::Column::DescendantId)
            .from(company_tree::Entity)
            .and_where(company_tree::Column::AncestorId.eq(id))
            .to_owned()
    };
    // The links between the subtree and the companies above it, before the cut and after the graft.
    let outer = || {
        Condition::all()
            .add(Expr::col(company_tree::Column::DescendantId).in_subquery(subtree()))
            .add(Expr::col(company_tree::Column::AncestorId).not_in_subquery(subtree()))
    };
    facets::record(txn, facets::stored(outer(), -1)).await?;
    let cut = Query::delete().from_table(company_tree::Entity).cond_where(outer()).to_owned();
    run(txn, &cut).await?;
    move_paths(txn, id, parent).await?;
    if let Some(parent) = parent {
        let (above, below) = (Alias::new("above"), Alias::new("below"));
        let graft = Query::select()
            .column((above.clone(), company_tree::Column::AncestorId))
            .column((below.clone(), company_tree::Column::DescendantId))
            .expr(
                Expr::col((above.clone(), company_tree::Column::Depth))
                    .add(Expr::col((below.clone(), company_tree::Column::Depth)))
                    .add(1),
            )
            .columns(KEYS.iter().map(|(column, _)| (below.clone(), *column)))
            .from_as(company_tree::Entity, above.clone())
            .from_as(company_tree::Entity, below.clone())
            .and_where(Expr::col((above, company_tree::Column::DescendantId)).eq(parent))
            .and_where(Expr::col((below, company_tree::Column::AncestorId)).eq(id))
            .to_owned();
        let insert = Query::insert()
            .into_table(company_tree::Entity)
            .columns(tree_columns())
            .select_from(graft)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        run(txn, &insert).await?;
        write_link_tags(txn, outer()).await?;
        facets::record(txn, facets::stored(outer(), 1)).await?;
    }
    Ok(())
}

/// Rewrites the paths of company `id` and everything below it for its new `parent` (its links
/// inside the subtree, which a move keeps, find the rows).
async fn move_paths(txn: &impl ConnectionTrait, id: &str, parent: Option<&str>) -> Result<(), DbErr> {
    // The subtree's old prefix (its own path) becomes the parent's path and its id.
    let mut paths = paths_of(txn, &[Some(id), parent].into_iter().flatten().collect::<Vec<_>>()).await?;
    let old = paths.remove(id).unwrap_or_default();
    let new = path_below(parent.and_then(|parent| paths.get(parent)).map(String::as_str), id);
    let from = i32::try_from(old.chars().count() + 1).map_err(|_| DbErr::Custom("path too long".into()))?;
    let rest = Func::cust(Alias::new("substr")).args([Expr::col(PATH).into(), SimpleExpr::from(Expr::val(from))]);
    let update = Query::update()
        .table(companies::Entity)
        .value(PATH, concat(Expr::val(new).into(), rest.into()))
        .and_where(
            companies::Column::Id.in_subquery(
                Query::select()
                    .column(company_tree::Column::DescendantId)
                    .from(company_tree::Entity)
                    .and_where(company_tree::Column::AncestorId.eq(id))
                    .to_owned(),
            ),
        )
        .to_owned();
    run(txn, &update).await
}

/// What a write changed of the companies whose links [`refresh_keys`] brings up to date.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Changed {
    /// Target-user counts or exceeded flags, no name.
    Counts,
    /// Any of the company's own keys, its name included.
    Anything,
}

/// Copies the keys of each of `ids` (just `changed`) into its links, and what that changes into
/// their ancestors' facets.
pub(crate) async fn refresh_keys(txn: &impl ConnectionTrait, ids: &[&str], changed: Changed) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let c = Alias::new("c");
    let of_descendant = |key: Key| {
        scalar(
            Query::select()
                .expr(key.of(backend, c.clone()))
                .from_as(companies::Entity, c.clone())
                .and_where(
                    Expr::col((c.clone(), companies::Column::Id))
                        .equals((company_tree::Entity, company_tree::Column::DescendantId)),
                )
                .to_owned(),
        )
    };
    for batch in ids.chunks(500) {
        facets::record(txn, facets::refreshed(backend, batch)).await?;
        if changed == Changed::Anything {
            refresh_grams(txn, batch).await?;
            let stale = Query::delete()
                .from_table(Alias::new("company_tree_tags"))
                .and_where(Expr::col(Alias::new("descendant_id")).is_in(batch.iter().copied()))
                .to_owned();
            run(txn, &stale).await?;
            let links = Condition::all().add(company_tree::Column::DescendantId.is_in(batch.iter().copied()));
            write_link_tags(txn, links).await?;
        }
        let mut update = Query::update();
        update.table(company_tree::Entity).and_where(company_tree::Column::DescendantId.is_in(batch.iter().copied()));
        for (column, key) in KEYS {
            update.value(column, of_descendant(key));
        }
        run(txn, &update).await?;
    }
    Ok(())
}

/// Rewrites the grams of those of `ids` renamed (before their links are refreshed: their own link
/// still has the old name).
async fn refresh_grams(txn: &impl ConnectionTrait, ids: &[&str]) -> Result<(), DbErr> {
    let (own, c) = (Alias::new("own"), Alias::new("c"));
    let renamed = Query::select()
        .column((c.clone(), companies::Column::Id))
        .column((c.clone(), companies::Column::Name))
        .from_as(companies::Entity, c.clone())
        .join_as(
            JoinType::InnerJoin,
            company_tree::Entity,
            own.clone(),
            Expr::col((own.clone(), company_tree::Column::DescendantId))
                .equals((c.clone(), companies::Column::Id))
                .and(
                    Expr::col((own.clone(), company_tree::Column::AncestorId))
                        .equals((c.clone(), companies::Column::Id)),
                ),
        )
        .and_where(Expr::col((c.clone(), companies::Column::Id)).is_in(ids.iter().copied()))
        .and_where(Expr::col((own, company_tree::Column::Name)).ne(Expr::col((c, companies::Column::Name))))
        .to_owned();
    let stale = Query::delete()
        .from_table(Alias::new("company_name_grams"))
        .and_where(Expr::col(Alias::new("company_id")).in_subquery(
            Query::select().column(Alias::new("id")).from_subquery(renamed.clone(), Alias::new("r")).to_owned(),
        ))
        .to_owned();
    run(txn, &stale).await?;
    write_grams(txn, renamed).await
}

/// Writes the grams (`facet::grams`: each distinct text of one or two characters in the lower-cased
/// name) of the companies `named` selects (their `id` and `name`, none with grams yet), which the
/// filter `CompanyName Contains` finds them by when its text is too short for a trigram, each with
/// the name (the order's key, see `Counted::order_range`).
async fn write_grams(txn: &impl ConnectionTrait, named: SelectStatement) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let built = backend.build(&named);
    // `named` comes first, so its placeholders keep their numbers.
    let sql = format!(
        "WITH RECURSIVE named AS ({named}), {ctes}
         INSERT INTO company_name_grams (gram, name, company_id) SELECT {gram}, named.name, named.id FROM named {grams}",
        named = built.sql,
        ctes = facet::gram_ctes("named"),
        gram = facet::gram("named"),
        grams = facet::grams(backend, "named"),
    );
    txn.execute(sea_orm::Statement { sql, values: built.values, db_backend: backend }).await.map(drop)
}

/// Writes the rows of `company_tree_tags` of the links `links` selects (none with rows yet): each
/// distinct lower-cased tag of the link's descendant (as a tag filter compares them), under the
/// link's ancestor, so that a tag's companies under one manager are one range of its key.
async fn write_link_tags(txn: &impl ConnectionTrait, links: Condition) -> Result<(), DbErr> {
    // `links` names the tree's columns by its table's name.
    let (t, ct) = (company_tree::Entity, Alias::new("ct"));
    let tag = Alias::new("tag");
    let rows = Query::select()
        .distinct()
        .column((t, company_tree::Column::AncestorId))
        .expr(Func::lower(Expr::col((ct.clone(), tag.clone()))))
        .column((t, company_tree::Column::DescendantId))
        .from(t)
        .join_as(
            JoinType::InnerJoin,
            Alias::new("company_tags"),
            ct.clone(),
            Expr::col((ct, Alias::new("company_id"))).equals((t, company_tree::Column::DescendantId)),
        )
        .cond_where(links)
        .to_owned();
    let insert = Query::insert()
        .into_table(Alias::new("company_tree_tags"))
        .columns([Alias::new("ancestor_id"), tag, Alias::new("descendant_id")])
        .select_from(rows)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    run(txn, &insert).await
}

/// Copies the name of each of `parents` (just renamed) into the links of the companies directly
/// below it, as their reseller name.
pub(crate) async fn refresh_reseller_names(txn: &impl ConnectionTrait, parents: &[&str]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    for batch in parents.chunks(500) {
        let children: Vec<String> = companies::Entity::find()
            .select_only()
            .column(companies::Column::Id)
            .filter(companies::Column::ParentId.is_in(batch.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        for chunk in children.chunks(500) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            // Only the reseller name changed: the names' grams stay as they are.
            facets::record_covering(txn, facets::refreshed(backend, &chunk), facet::Covered::AllButNameGrams).await?;
        }
        let c = Alias::new("c");
        let children = Query::select()
            .column(companies::Column::Id)
            .from(companies::Entity)
            .and_where(companies::Column::ParentId.is_in(batch.iter().copied()))
            .to_owned();
        let name = scalar(
            Query::select()
                .expr(Key::ParentName.of(backend, c.clone()))
                .from_as(companies::Entity, c.clone())
                .and_where(
                    Expr::col((c, companies::Column::Id))
                        .equals((company_tree::Entity, company_tree::Column::DescendantId)),
                )
                .to_owned(),
        );
        let update = Query::update()
            .table(company_tree::Entity)
            .value(company_tree::Column::ResellerName, name)
            .and_where(company_tree::Column::DescendantId.in_subquery(children))
            .to_owned();
        run(txn, &update).await?;
    }
    Ok(())
}
