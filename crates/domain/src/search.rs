//! Company search for resellers: everything the reseller manages, directly or through
//! sub-resellers (or one managed subtree of it), filtered, ordered and paged in SQL.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Statement, TransactionTrait};

use crate::entities::companies;
use crate::tree::manages;
use crate::{Actor, ClientRole, CompanyId, Gateway};

pub mod export;
pub mod filter;
pub mod mine;

pub use filter::{Condition, Field, Filter, FilterGroup, FilterItem, Operator};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderBy {
    CreateTime,
    CompanyName,
    TargetUserCount,
    LicenseEndDate,
    ResellerName,
}

impl OrderBy {
    /// The column of `company_tree` that keeps this order for every managed company, if any.
    fn tree_key(self) -> Option<&'static str> {
        match self {
            Self::CreateTime => Some("create_time"),
            Self::CompanyName => Some("name"),
            _ => None,
        }
    }

    /// Nullable keys sort last in both directions on both databases; the id breaks ties.
    fn sql(self, ascending: bool) -> String {
        let dir = if ascending { "ASC" } else { "DESC" };
        let key = match self {
            Self::CreateTime => format!("s.create_time {dir}"),
            Self::CompanyName => format!("s.name {dir}"),
            Self::TargetUserCount => format!("s.target_user_count {dir}"),
            Self::LicenseEndDate => format!("(s.license_end_date IS NULL) ASC, s.license_end_date {dir}"),
            Self::ResellerName => format!("(s.reseller_name IS NULL) ASC, s.reseller_name {dir}"),
        };
        format!("{key}, s.id ASC")
    }
}

#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// 1-based.
    pub page_number: u64,
    pub page_size: u64,
    pub order_by: OrderBy,
    pub ascending: bool,
    /// Only companies whose active target users exceed a limited licence.
    pub only_limit_exceeded: bool,
    pub filter: Filter,
    /// Narrows the search to one managed company and its subtree.
    pub scope: Option<CompanyId>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct SearchRow {
    pub id: String,
    pub name: String,
    pub reseller_name: Option<String>,
    pub industry_id: Option<String>,
    pub industry_name: Option<String>,
    pub license_type_id: Option<String>,
    pub license_type_name: Option<String>,
    pub is_number_of_users_limited: bool,
    pub number_of_users: i32,
    pub privacy_duration_id: i32,
    pub license_end_date: Option<DateTime<Utc>>,
    pub create_time: DateTime<Utc>,
    pub target_user_count: i64,
    pub inactive_target_user_count: i64,
    pub deleted_target_user_count: i64,
}

#[derive(Clone, Debug)]
pub struct SearchHit {
    pub row: SearchRow,
    pub tags: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SearchPage {
    pub page_number: u64,
    pub page_size: u64,
    pub total_records: u64,
    pub total_pages: u64,
    pub limit_exceeded_company_count: u64,
    pub results: Vec<SearchHit>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("actor may not search companies")]
    NotPermitted,
    #[error("invalid filter")]
    InvalidFilter(Vec<filter::FilterProblem>),
    #[error("scope company {0} does not exist")]
    ScopeNotFound(CompanyId),
    #[error("scope company {0} is not managed by the actor")]
    ScopeForbidden(CompanyId),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A row of a search page, with its tags (a JSON array) and the totals of the whole search.
struct PageRow {
    row: SearchRow,
    tags_json: Option<String>,
    total_rows: Option<i64>,
    exceeded_rows: Option<i64>,
}

impl FromQueryResult for PageRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: SearchRow::from_query_result(res, pre)?,
            tags_json: res.try_get(pre, "tags_json")?,
            total_rows: res.try_get(pre, "total_rows")?,
            exceeded_rows: res.try_get(pre, "exceeded_rows")?,
        })
    }
}

/// A page's company id with the totals of the whole search, in page order.
#[derive(FromQueryResult)]
struct PageKey {
    id: String,
    total_rows: Option<i64>,
    exceeded_rows: Option<i64>,
}

/// What a result shows of one company.
struct ShownRow {
    row: SearchRow,
    tags_json: Option<String>,
}

impl FromQueryResult for ShownRow {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self { row: SearchRow::from_query_result(res, pre)?, tags_json: res.try_get(pre, "tags_json")? })
    }
}

#[derive(FromQueryResult)]
struct Totals {
    total: i64,
    limit_exceeded: i64,
}

#[derive(FromQueryResult)]
pub(crate) struct ManagedId {
    pub id: String,
}

/// Where a search starts: strictly below the actor's own company, or at a managed company.
#[derive(Clone, Debug)]
pub(crate) enum Root {
    Below(String),
    At(String),
}

/// The managed companies under a root, from the closure table.
pub(crate) struct Managed {
    /// `WITH managed(id, depth)`: the companies with their depth below the root (the root
    /// itself, for `At`, at depth 1).
    pub cte: String,
    /// The root's bound placeholder.
    root: String,
    min_depth: i32,
}

pub(crate) fn managed_cte_for(root: &Root, sql: &mut filter::Sql) -> Managed {
    let (id, min_depth, shift) = match root {
        Root::Below(id) => (id, 1, 0),
        Root::At(id) => (id, 0, 1),
    };
    let root = sql.bind(id.clone());
    let cte = format!(
        "WITH managed(id, depth) AS (
            SELECT descendant_id, depth + {shift} FROM company_tree WHERE ancestor_id = {root} AND depth >= {min_depth}
        )"
    );
    Managed { cte, root, min_depth }
}

impl Managed {
    /// `, s AS (...)`: managed companies with everything search filters and orders by. When
    /// the predicate narrows by an indexed name search, each candidate is checked against the
    /// tree instead, so the query starts from the few matching names, not from every managed row.
    fn counted(&self, narrowed: bool) -> String {
        self.with_columns(narrowed, KEY_COLUMNS)
    }

    /// As [`Self::counted`], with `columns` (a `SELECT` list of `c` and its `FROM` clause, such
    /// as [`COLUMNS`]).
    fn with_columns(&self, narrowed: bool, columns: &str) -> String {
        let membership = if narrowed {
            // Depth 0 is exactly the company's link to itself, so "strictly below" is a test on
            // the key alone: the check is answered from the key's index without reading the row
            // for its depth (a page the cache seldom holds: that read was half of a name search).
            let below =
                if self.min_depth > 0 { format!("AND t.descendant_id <> {}", self.root) } else { String::new() };
            format!(
                "EXISTS (SELECT 1 FROM company_tree t WHERE t.ancestor_id = {} AND t.descendant_id = c.id {below})",
                self.root
            )
        } else {
            "c.id IN (SELECT id FROM managed)".to_owned()
        };
        format!(", s AS (SELECT {columns} WHERE {membership})")
    }
}

/// Everything search filters and orders by, of a company `c` (the parent's name is read only
/// where a filter or the order uses it: the databases leave out a join nothing reads).
const KEY_COLUMNS: &str = "c.id, c.name, c.create_time, c.license_end_date,
           c.active_target_users AS target_user_count, c.limit_exceeded, p.name AS reseller_name
    FROM companies c
    LEFT JOIN companies p ON p.id = c.parent_id";

/// Everything a search result shows, of a company `c`.
const COLUMNS: &str = "c.id, c.name, c.parent_id, c.industry_id, i.name AS industry_name, c.license_type_id,
           lt.name AS license_type_name, c.is_number_of_users_limited, c.number_of_users,
           c.privacy_duration_id, c.license_end_date, c.create_time, p.name AS reseller_name,
           c.active_target_users AS target_user_count, c.inactive_target_users AS inactive_target_user_count,
           c.deleted_target_users AS deleted_target_user_count, c.limit_exceeded
    FROM companies c
    LEFT JOIN companies p ON p.id = c.parent_id
    LEFT JOIN industries i ON i.id = c.industry_id
    LEFT JOIN license_types lt ON lt.id = c.license_type_id";

/// SQL: the tags of the company `id` (a column) as a JSON array of strings (NULL when none).
pub(crate) fn tags_json(backend: sea_orm::DatabaseBackend, id: &str) -> String {
    let aggregate = match backend {
        sea_orm::DatabaseBackend::Postgres => "CAST(json_agg(t.tag) AS TEXT)",
        _ => "json_group_array(t.tag)",
    };
    format!("(SELECT {aggregate} FROM company_tags t WHERE t.company_id = {id})")
}

/// The tags [`tags_json`] wrote, sorted (none when the company has none).
pub(crate) fn tags_from_json(json: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = json.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
    tags.sort();
    tags
}

/// Kept by every write (see [`crate::tree::counts`]): active target users above a limited licence.
const EXCEEDED: &str = "s.limit_exceeded";

impl Gateway {
    /// Where a reseller's list call starts, honouring an optional scoping company: unknown is
    /// `ScopeNotFound`, not managed is `ScopeForbidden`. Only resellers list companies.
    pub(crate) async fn search_root(&self, actor: &Actor, scope: Option<CompanyId>) -> Result<Root, SearchError> {
        let Actor::Client { role: ClientRole::Reseller, company, .. } = actor else {
            return Err(SearchError::NotPermitted);
        };
        let own = company.resource_id().ok_or(SearchError::NotPermitted)?.to_owned();
        match scope {
            None => Ok(Root::Below(own)),
            Some(scope) if scope == *company => Ok(Root::Below(own)),
            Some(scope) => {
                let key = scope.resource_id().ok_or(SearchError::ScopeNotFound(scope))?;
                let target =
                    companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(SearchError::ScopeNotFound(scope))?;
                if manages(&self.db, *company, &target.id).await? {
                    Ok(Root::At(target.id))
                } else {
                    Err(SearchError::ScopeForbidden(scope))
                }
            }
        }
    }

    /// Ids under a root, deepest first (so children can be deleted before their parents).
    pub(crate) async fn managed_ids(&self, root: &Root, filter: &Filter) -> Result<Vec<String>, SearchError> {
        let mut sql = self.sql();
        let managed = managed_cte_for(root, &mut sql);
        let predicate = filter::compile(filter, &mut sql, Utc::now()).map_err(SearchError::InvalidFilter)?;
        // The depth comes from the managed list, so the list drives this query.
        let text = format!(
            "{}{} SELECT s.id, m.depth FROM s JOIN managed m ON m.id = s.id \
             WHERE {predicate} ORDER BY m.depth DESC, s.id ASC",
            managed.cte,
            managed.counted(false)
        );
        let rows = ManagedId::find_by_statement(Statement::from_sql_and_values(self.backend(), text, sql.values))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// How many companies a search from `root` covers, and how many of them exceed their limit,
    /// from the counts kept on the root's row.
    pub(crate) async fn kept_totals(&self, root: &Root) -> Result<(u64, u64), DbErr> {
        let (id, with_root) = match root {
            Root::Below(id) => (id, false),
            Root::At(id) => (id, true),
        };
        let Some(row) = companies::Entity::find_by_id(id).one(&self.db).await? else { return Ok((0, 0)) };
        let own = u64::from(with_root);
        let own_exceeded = u64::from(with_root && row.limit_exceeded);
        Ok((row.managed_companies.max(0) as u64 + own, row.managed_limit_exceeded.max(0) as u64 + own_exceeded))
    }

    /// The rows a page shows for its keys, in the keys' order (a company deleted since the keys
    /// were read, outside a transaction, is left out).
    async fn page_rows(&self, db: &impl ConnectionTrait, keys: Vec<PageKey>) -> Result<Vec<PageRow>, DbErr> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = filter::Sql::default();
        let ids = sql.bind_list(keys.iter().map(|k| k.id.clone()));
        let text = format!(
            "SELECT s.*, {} AS tags_json FROM (SELECT {COLUMNS} WHERE c.id IN ({ids})) s",
            tags_json(self.backend(), "s.id")
        );
        let shown = ShownRow::find_by_statement(Statement::from_sql_and_values(self.backend(), text, sql.values))
            .all(db)
            .await?;
        let mut by_id: std::collections::HashMap<String, ShownRow> =
            shown.into_iter().map(|r| (r.row.id.clone(), r)).collect();
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                by_id.remove(&key.id).map(|shown| PageRow {
                    row: shown.row,
                    tags_json: shown.tags_json,
                    total_rows: key.total_rows,
                    exceeded_rows: key.exceeded_rows,
                })
            })
            .collect())
    }

    fn backend(&self) -> sea_orm::DatabaseBackend {
        self.db.get_database_backend()
    }

    /// A statement under construction for this database.
    fn sql(&self) -> filter::Sql {
        filter::Sql { name_index: self.backend() == sea_orm::DatabaseBackend::Sqlite, ..Default::default() }
    }

    /// A page of the companies the actor manages. Only resellers may search; the narrowing to
    /// managed companies happens here, not in the caller.
    pub async fn search_companies(&self, actor: &Actor, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let root = self.search_root(actor, request.scope).await?;
        let mut sql = self.sql();
        let managed = managed_cte_for(&root, &mut sql);
        let mut predicate =
            filter::compile(&request.filter, &mut sql, Utc::now()).map_err(SearchError::InvalidFilter)?;
        if request.only_limit_exceeded {
            predicate = format!("({predicate}) AND {EXCEEDED}");
        }
        let (cte, counted) = (&managed.cte, managed.counted(sql.narrowed));

        let everything = request.filter.matches_everything();
        let page_size = request.page_size.max(1);
        let offset = request.page_number.saturating_sub(1).saturating_mul(page_size).min(i64::MAX as u64);
        let order = request.order_by.sql(request.ascending);
        let kept = everything && !request.only_limit_exceeded;
        let tree_key = request.order_by.tree_key().filter(|_| kept);
        let page_sql = match tree_key {
            // Every managed company, in an order the tree keeps: the page is read off the tree's
            // index and the totals off the root's row.
            Some(key) => {
                let dir = if request.ascending { "ASC" } else { "DESC" };
                let (root_id, own) = match &root {
                    Root::Below(id) => (id, 0),
                    Root::At(id) => (id, 1),
                };
                let tags = format!("{} AS tags_json", tags_json(self.backend(), "s.id"));
                let mut page = filter::Sql::default();
                let id = page.bind(root_id.clone());
                let others = if own == 1 { String::new() } else { format!("AND descendant_id <> {id}") };
                let (limit, offset) = (page.bind(page_size as i64), page.bind(offset as i64));
                sql = page;
                format!(
                    "WITH page AS (SELECT descendant_id FROM company_tree WHERE ancestor_id = {id} {others}
                       ORDER BY {key} {dir}, descendant_id ASC LIMIT {limit} OFFSET {offset})
                     SELECT s.*, {tags},
                            (SELECT r.managed_companies + {own} FROM companies r WHERE r.id = {id}) AS total_rows,
                            (SELECT r.managed_limit_exceeded + CASE WHEN {own} = 1 AND r.limit_exceeded THEN 1 ELSE 0 END
                               FROM companies r WHERE r.id = {id}) AS exceeded_rows
                       FROM (SELECT {COLUMNS} JOIN page ON page.descendant_id = c.id) s ORDER BY {order}"
                )
            }
            None => {
                let (limit, offset) = (sql.bind(page_size as i64), sql.bind(offset as i64));
                format!(
                    "{cte}{counted} SELECT s.id, COUNT(*) OVER () AS total_rows,
                            SUM(CASE WHEN {EXCEEDED} THEN 1 ELSE 0 END) OVER () AS exceeded_rows
                       FROM s WHERE {predicate} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
                )
            }
        };
        let values = sql.values.clone();
        let statement = Statement::from_sql_and_values(self.backend(), page_sql, values);
        let rows = if tree_key.is_some() {
            PageRow::find_by_statement(statement).all(&self.db).await?
        } else {
            // The page's ids and the totals first, from the columns the filter and the order
            // need, then what a result shows for those ids only: a name search no longer joins
            // and shows every match (and PostgreSQL plans two small statements, not one large).
            let txn = self.db.begin().await?;
            if self.backend() == sea_orm::DatabaseBackend::Postgres {
                // A prepared statement switches to a generic plan after five runs, planned for an
                // average subtree and an unknown pattern: for the reseller of 100 000 companies it
                // walked every managed company instead of the names that match (370 ms, not 3 ms).
                // A filtered page is planned for its values.
                txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
            }
            let keys = PageKey::find_by_statement(statement).all(&txn).await?;
            if self.backend() == sea_orm::DatabaseBackend::Postgres {
                // The rows of given ids plan the same whatever the ids.
                txn.execute_unprepared("SET LOCAL plan_cache_mode = auto").await?;
            }
            let rows = self.page_rows(&txn, keys).await?;
            txn.commit().await?;
            rows
        };
        self.telemetry.count("companygate_search_rows_loaded_total", &[], rows.len() as u64);

        let totals = match rows.first() {
            Some(first) => {
                (first.total_rows.unwrap_or(0).max(0) as u64, first.exceeded_rows.unwrap_or(0).max(0) as u64)
            }
            // A page past the end (or nothing at all) has no row to carry the totals.
            None if kept => self.kept_totals(&root).await?,
            None if offset == 0 => (0, 0),
            None => {
                let totals_sql = format!(
                    "{cte}{counted} SELECT COUNT(*) AS total, \
                     COALESCE(SUM(CASE WHEN {EXCEEDED} THEN 1 ELSE 0 END), 0) AS limit_exceeded FROM s WHERE {predicate}"
                );
                let mut values = sql.values;
                values.truncate(values.len() - 2); // the page's limit and offset
                let statement = Statement::from_sql_and_values(self.backend(), totals_sql, values);
                self.telemetry.count("companygate_search_rows_loaded_total", &[], 1);
                Totals::find_by_statement(statement)
                    .one(&self.db)
                    .await?
                    .map(|t| (t.total.max(0) as u64, t.limit_exceeded.max(0) as u64))
                    .unwrap_or((0, 0))
            }
        };
        let results = rows
            .into_iter()
            .map(|page_row| SearchHit { tags: tags_from_json(page_row.tags_json.as_deref()), row: page_row.row })
            .collect();
        Ok(SearchPage {
            page_number: request.page_number,
            page_size,
            total_records: totals.0,
            total_pages: totals.0.div_ceil(page_size),
            limit_exceeded_company_count: totals.1,
            results,
        })
    }
}
