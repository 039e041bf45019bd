//! Exports: every company (or API client) a search matches, not one page, handed over a row at
//! a time. One statement streams the rows from the database on a task of its own into a short
//! queue, so an export of 100 000 companies holds a few hundred rows at most, whatever its size;
//! a reader that goes away stops it, and so does [`EXPORT_TIME_LIMIT`]. At most
//! [`CONCURRENT_EXPORTS`] run at once per process (each holds a database connection while it
//! streams); more are refused as [`ExportError::Busy`].
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use sea_orm::sea_query::{Alias, Asterisk, Expr, JoinType, Order, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, QueryTrait, Statement, TransactionTrait};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::filter::Compiled;
use super::{
    C, Root, S, SearchError, SearchHit, SearchRequest, ShownRow, limits, matching, shown_rows, tags_from_json,
    tags_json, with_tags,
};
use crate::credentials::clients::{ClientSearch, ClientView, ClientsError};
use crate::entities::{companies, company_tree};
use crate::scoped::Scoped;
use crate::{Actor, Gateway};

/// Exports streaming at once, per process.
pub const CONCURRENT_EXPORTS: usize = 2;
/// How long one export may take, slow readers included.
pub const EXPORT_TIME_LIMIT: Duration = Duration::from_secs(600);
/// Rows waiting between the database and the reader.
const QUEUE: usize = 256;

/// The exports that may run now.
pub(crate) fn permits() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(CONCURRENT_EXPORTS))
}

/// Why an export does not start. A database failure once rows flow arrives as the stream's
/// last item instead.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E> {
    /// The same refusal the matching search gives.
    #[error(transparent)]
    Refused(E),
    #[error("{CONCURRENT_EXPORTS} exports are running")]
    Busy,
}

/// The rows of an export, in order; an `Err` ends it (the database failed, or the export ran
/// past [`EXPORT_TIME_LIMIT`]).
pub struct ExportRows<T> {
    rx: mpsc::Receiver<Result<T, DbErr>>,
}

impl<T> ExportRows<T> {
    pub async fn next(&mut self) -> Option<Result<T, DbErr>> {
        self.rx.recv().await
    }
}

/// Streams `statement`'s rows, each mapped by `map`, into the returned queue, on a task that
/// holds `permit` and a database connection until the last row is taken or the reader goes away.
fn spawn_export<R, T>(
    db: DatabaseConnection,
    statement: Statement,
    permit: OwnedSemaphorePermit,
    map: fn(R) -> T,
) -> ExportRows<T>
where
    R: FromQueryResult + Send + Sync + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        let _permit = permit;
        let stream = async {
            // One statement, one snapshot: the rows agree with each other.
            let txn = db.begin().await?;
            if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                // Planned for its values, as a filtered search page is (see `search_companies`).
                txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
            }
            if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
                // Through a cursor, which PostgreSQL plans to answer its first rows soon (a plain
                // statement is planned for its last row: every match joined and sorted first).
                txn.execute_unprepared("SET LOCAL cursor_tuple_fraction = 0.01").await?;
                // The cursor is named after its statement: the `FETCH` is prepared and kept per
                // connection with the columns it first answered, which must be this statement's.
                let Statement { sql, values, db_backend } = statement;
                let cursor = {
                    use std::hash::{Hash, Hasher};
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    sql.hash(&mut hasher);
                    format!("export_{:016x}", hasher.finish())
                };
                let sql = format!("DECLARE {cursor} NO SCROLL CURSOR FOR {sql}");
                txn.execute(Statement { sql, values, db_backend }).await?;
                let fetch = Statement::from_string(db_backend, format!("FETCH {QUEUE} FROM {cursor}"));
                loop {
                    let rows = R::find_by_statement(fetch.clone()).all(&txn).await?;
                    let last = rows.len() < QUEUE;
                    for row in rows {
                        if tx.send(Ok(map(row))).await.is_err() {
                            return Ok(()); // the reader went away
                        }
                    }
                    if last {
                        break;
                    }
                }
            } else {
                let mut rows = R::find_by_statement(statement).stream(&txn).await?;
                while let Some(row) = rows.next().await {
                    if tx.send(row.map(map)).await.is_err() {
                        return Ok(()); // the reader went away
                    }
                }
            }
            txn.commit().await
        };
        let failure = match tokio::time::timeout(EXPORT_TIME_LIMIT, stream).await {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error,
            Err(_) => DbErr::Custom(format!("the export ran past {} s", EXPORT_TIME_LIMIT.as_secs())),
        };
        tracing::warn!(error = %failure, "export stopped");
        let _ = tx.send(Err(failure)).await;
    });
    ExportRows { rx }
}

/// What a search result shows of each company under `root` that `on_links` (compiled over the
/// links `s`) matches, in the search's order: the order the tree keeps, so the rows come off the
/// order's index of the root's links, the first at once, with no sort of every match.
fn links_in_order(
    backend: sea_orm::DatabaseBackend,
    root: &Root,
    on_links: &Compiled,
    request: &SearchRequest,
) -> SelectStatement {
    let link = |column| Expr::col((S::Table, column));
    let mut query = shown_rows();
    query
        .join_as(
            JoinType::InnerJoin,
            company_tree::Entity,
            S::Table,
            link(company_tree::Column::DescendantId).equals((C::Company, companies::Column::Id)),
        )
        .and_where(link(company_tree::Column::AncestorId).eq(root.id()))
        .and_where(link(company_tree::Column::Depth).gte(root.min_depth()))
        .and_where(on_links.predicate.clone());
    if request.only_limit_exceeded {
        query.and_where(link(company_tree::Column::LimitExceeded).into());
    }
    query.expr_as(tags_json(backend, Expr::col((C::Company, companies::Column::Id)).into()), Alias::new("tags_json"));
    let (key, nullable) = request.order_by.tree_key();
    if nullable {
        query.order_by_expr(link(key).is_null(), Order::Asc);
    }
    let dir = if request.ascending { Order::Asc } else { Order::Desc };
    query.order_by_expr(link(key).into(), dir).order_by((S::Table, company_tree::Column::DescendantId), Order::Asc);
    query
}

fn hit(shown: ShownRow) -> SearchHit {
    SearchHit { tags: tags_from_json(shown.tags_json.as_deref()), row: shown.row }
}

impl Gateway {
    fn export_permit<E>(&self) -> Result<OwnedSemaphorePermit, ExportError<E>> {
        self.exports.clone().try_acquire_owned().map_err(|_| ExportError::Busy)
    }

    /// Every company the search matches, in its order, under the rules (and checks) of
    /// [`Gateway::search_companies`]; with all pages (the input's flag) false, only the page it
    /// names.
    pub async fn export_companies(
        &self,
        actor: &Actor,
        request: Scoped<'_, (SearchRequest, bool)>,
    ) -> Result<ExportRows<SearchHit>, ExportError<SearchError>> {
        let refused = ExportError::Refused;
        let (scope, (request, all_pages)) = request.read().map_err(|r| refused(r.into()))?;
        let root = self.search_root(actor, scope).await.map_err(refused)?;
        let compiled = self.compile(&request.filter).map_err(refused)?;
        let mut query = match self.compile_on_links(&request.filter).filter(|_| !compiled.narrowed) {
            // Read in order off the order's index of the root's links, each checked as it comes.
            Some(on_links) => links_in_order(self.backend(), &root, &on_links, &request),
            // A name search: its few matches from the names' index, sorted.
            None => {
                let mut query = matching(&root, &compiled, shown_rows(), request.only_limit_exceeded);
                query.column((S::Table, Asterisk));
                with_tags(self.backend(), &mut query);
                request.order_by.order(request.ascending, &mut query);
                query
            }
        };
        if !all_pages {
            let (limit, offset) = limits(request.page_number, request.page_size);
            query.limit(limit).offset(offset);
        }
        let permit = self.export_permit()?;
        Ok(spawn_export(self.db.clone(), self.backend().build(&query), permit, hit))
    }

    /// Every API client the matching client search would list, in its order, under the rules
    /// (and checks) of [`Gateway::search_clients`]; with all pages (the input's flag) false, only
    /// the page it names.
    pub async fn export_clients(
        &self,
        actor: &Actor,
        request: Scoped<'_, (ClientSearch, bool)>,
    ) -> Result<ExportRows<ClientView>, ExportError<ClientsError>> {
        let (scope, (search, all_pages)) = request.read().map_err(|r| ExportError::Refused(r.into()))?;
        let query = self.client_query(actor, scope, search.text.as_deref()).await.map_err(ExportError::Refused)?;
        let query = crate::credentials::clients::ordered(query, (search.order, search.ascending));
        let query = if all_pages {
            query
        } else {
            use sea_orm::QuerySelect;
            let (limit, offset) = limits(search.page_number, search.page_size);
            query.limit(limit).offset(offset)
        };
        let permit = self.export_permit()?;
        let statement = query.build(self.backend());
        Ok(spawn_export(self.db.clone(), statement, permit, crate::credentials::clients::view))
    }
}
