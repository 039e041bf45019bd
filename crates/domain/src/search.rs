//! Company search for resellers: everything the reseller manages, directly or through
//! sub-resellers (or one managed subtree of it), filtered, ordered and paged in SQL.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Statement};

use crate::entities::{companies, company_tags};
use crate::tree::manages;
use crate::{Actor, ClientRole, CompanyId, Gateway};

pub mod filter;

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
    pub const ALL: [&'static str; 5] =
        ["CreateTime", "CompanyName", "TargetUserCount", "LicenseEndDate", "ResellerName"];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "CreateTime" => Self::CreateTime,
            "CompanyName" => Self::CompanyName,
            "TargetUserCount" => Self::TargetUserCount,
            "LicenseEndDate" => Self::LicenseEndDate,
            "ResellerName" => Self::ResellerName,
            _ => return None,
        })
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
    pub privacy_duration_id: Option<String>,
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
    InvalidFilter(Vec<String>),
    #[error("scope company {0} does not exist")]
    ScopeNotFound(CompanyId),
    #[error("scope company {0} is not managed by the actor")]
    ScopeForbidden(CompanyId),
    #[error(transparent)]
    Database(#[from] DbErr),
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

/// The managed companies with their depth below the root (the root itself, for `At`, at depth 1),
/// from the closure table.
pub(crate) fn managed_cte_for(root: &Root, sql: &mut filter::Sql) -> String {
    let (id, min_depth, shift) = match root {
        Root::Below(id) => (id, 1, 0),
        Root::At(id) => (id, 0, 1),
    };
    format!(
        "WITH managed(id, depth) AS (
            SELECT descendant_id, depth + {shift} FROM company_tree WHERE ancestor_id = {} AND depth >= {min_depth}
        )",
        sql.bind(id.clone())
    )
}

/// Managed companies with everything search filters, orders and shows.
const COUNTED: &str = ", s AS (
    SELECT c.id, c.name, c.parent_id, c.industry_id, i.name AS industry_name, c.license_type_id,
           lt.name AS license_type_name, c.is_number_of_users_limited, c.number_of_users,
           c.privacy_duration_id, c.license_end_date, c.create_time, p.name AS reseller_name,
           c.active_target_users AS target_user_count, c.inactive_target_users AS inactive_target_user_count,
           c.deleted_target_users AS deleted_target_user_count
    FROM companies c
    LEFT JOIN companies p ON p.id = c.parent_id
    LEFT JOIN industries i ON i.id = c.industry_id
    LEFT JOIN license_types lt ON lt.id = c.license_type_id
    WHERE c.id IN (SELECT id FROM managed)
)";

const EXCEEDED: &str = "(s.is_number_of_users_limited AND s.target_user_count > s.number_of_users)";

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
        let mut sql = filter::Sql::default();
        let cte = managed_cte_for(root, &mut sql);
        let predicate = filter::compile(filter, &mut sql, Utc::now()).map_err(SearchError::InvalidFilter)?;
        let text = format!(
            "{cte}{COUNTED} SELECT s.id, m.depth FROM s JOIN managed m ON m.id = s.id \
             WHERE {predicate} ORDER BY m.depth DESC, s.id ASC"
        );
        let rows = ManagedId::find_by_statement(Statement::from_sql_and_values(self.backend(), text, sql.values))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    fn backend(&self) -> sea_orm::DatabaseBackend {
        self.db.get_database_backend()
    }

    /// A page of the companies the actor manages. Only resellers may search; the narrowing to
    /// managed companies happens here, not in the caller.
    pub async fn search_companies(&self, actor: &Actor, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let root = self.search_root(actor, request.scope).await?;
        let mut sql = filter::Sql::default();
        let cte = managed_cte_for(&root, &mut sql);
        let mut predicate =
            filter::compile(&request.filter, &mut sql, Utc::now()).map_err(SearchError::InvalidFilter)?;
        if request.only_limit_exceeded {
            predicate = format!("({predicate}) AND {EXCEEDED}");
        }

        let totals_sql = format!(
            "{cte}{COUNTED} SELECT COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN {EXCEEDED} THEN 1 ELSE 0 END), 0) AS limit_exceeded FROM s WHERE {predicate}"
        );
        let totals =
            Totals::find_by_statement(Statement::from_sql_and_values(self.backend(), totals_sql, sql.values.clone()))
                .one(&self.db)
                .await?
                .map(|t| (t.total.max(0) as u64, t.limit_exceeded.max(0) as u64))
                .unwrap_or((0, 0));

        let page_size = request.page_size.max(1);
        let offset = request.page_number.saturating_sub(1).saturating_mul(page_size).min(i64::MAX as u64);
        let limit = sql.bind(page_size as i64);
        let offset = sql.bind(offset as i64);
        let page_sql = format!(
            "{cte}{COUNTED} SELECT s.* FROM s WHERE {predicate} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            request.order_by.sql(request.ascending)
        );
        let rows = SearchRow::find_by_statement(Statement::from_sql_and_values(self.backend(), page_sql, sql.values))
            .all(&self.db)
            .await?;

        self.metrics.search_rows_loaded.fetch_add(rows.len() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let tags = if ids.is_empty() {
            Vec::new()
        } else {
            company_tags::Entity::find().filter(company_tags::Column::CompanyId.is_in(ids)).all(&self.db).await?
        };
        let results = rows
            .into_iter()
            .map(|row| {
                let mut tags: Vec<String> =
                    tags.iter().filter(|t| t.company_id == row.id).map(|t| t.tag.clone()).collect();
                tags.sort();
                SearchHit { row, tags }
            })
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
