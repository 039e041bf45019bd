//! Company search for resellers: everything the reseller manages, directly or through
//! sub-resellers, filtered, ordered and paged in SQL.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Statement, Value};

use crate::entities::company_tags;
use crate::{Actor, ClientRole, Gateway};

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

    /// Nullable keys sort last in both directions on both databases.
    fn sql(self, ascending: bool) -> String {
        let dir = if ascending { "ASC" } else { "DESC" };
        match self {
            Self::CreateTime => format!("s.create_time {dir}"),
            Self::CompanyName => format!("s.name {dir}"),
            Self::TargetUserCount => format!("s.target_user_count {dir}"),
            Self::LicenseEndDate => {
                format!("(s.license_end_date IS NULL) ASC, s.license_end_date {dir}")
            }
            Self::ResellerName => format!("(p.name IS NULL) ASC, p.name {dir}"),
        }
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
    /// Case-insensitive substring of the company name.
    pub name_contains: Option<String>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct SearchRow {
    pub id: String,
    pub name: String,
    pub reseller_name: Option<String>,
    pub industry_id: Option<String>,
    pub license_type_id: Option<String>,
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
    #[error(transparent)]
    Database(#[from] DbErr),
}

#[derive(FromQueryResult)]
struct Totals {
    total: i64,
    limit_exceeded: i64,
}

/// Managed companies (UNION, not UNION ALL, so a parent cycle cannot loop) with their user counts.
const SCOPED: &str = "WITH RECURSIVE managed(id) AS (
    SELECT id FROM companies WHERE parent_id = $1
    UNION
    SELECT c.id FROM companies c JOIN managed m ON c.parent_id = m.id
), counted AS (
    SELECT c.id, c.name, c.parent_id, c.industry_id, c.license_type_id, c.is_number_of_users_limited,
           c.number_of_users, c.privacy_duration_id, c.license_end_date, c.create_time,
           (SELECT COUNT(*) FROM target_users t WHERE t.company_id = c.id AND t.state = 'active') AS target_user_count,
           (SELECT COUNT(*) FROM target_users t WHERE t.company_id = c.id AND t.state = 'inactive') AS inactive_target_user_count,
           (SELECT COUNT(*) FROM target_users t WHERE t.company_id = c.id AND t.state = 'deleted') AS deleted_target_user_count
    FROM companies c JOIN managed m ON m.id = c.id
), s AS (
    SELECT * FROM counted s WHERE ($2 = 0 OR (s.is_number_of_users_limited AND s.target_user_count > s.number_of_users))
      AND ($3 = '' OR LOWER(s.name) LIKE $3 ESCAPE '\\')
)";

fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Gateway {
    /// A page of the companies the actor manages. Only resellers may search; the narrowing to
    /// managed companies happens here, not in the caller.
    pub async fn search_companies(&self, actor: &Actor, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let Actor::Client { role: ClientRole::Reseller, company, .. } = actor else {
            return Err(SearchError::NotPermitted);
        };
        let root = company.resource_id().ok_or(SearchError::NotPermitted)?;
        let backend = self.db.get_database_backend();
        let name = request.name_contains.as_deref().filter(|t| !t.is_empty()).map(like_pattern).unwrap_or_default();
        let scope: Vec<Value> = vec![root.into(), i32::from(request.only_limit_exceeded).into(), name.into()];

        let totals_sql = format!(
            "{SCOPED} SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN s.is_number_of_users_limited AND \
             s.target_user_count > s.number_of_users THEN 1 ELSE 0 END), 0) AS limit_exceeded FROM s"
        );
        let totals = Totals::find_by_statement(Statement::from_sql_and_values(backend, totals_sql, scope.clone()))
            .one(&self.db)
            .await?
            .map(|t| (t.total.max(0) as u64, t.limit_exceeded.max(0) as u64))
            .unwrap_or((0, 0));

        let page_size = request.page_size.max(1);
        let offset = request.page_number.saturating_sub(1).saturating_mul(page_size);
        let page_sql = format!(
            "{SCOPED} SELECT s.*, p.name AS reseller_name FROM s LEFT JOIN companies p ON p.id = s.parent_id \
             ORDER BY {}, s.id ASC LIMIT $4 OFFSET $5",
            request.order_by.sql(request.ascending)
        );
        let mut values = scope;
        values.push((page_size as i64).into());
        values.push((offset.min(i64::MAX as u64) as i64).into());
        let rows = SearchRow::find_by_statement(Statement::from_sql_and_values(backend, page_sql, values))
            .all(&self.db)
            .await?;

        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let tags = if ids.is_empty() {
            Vec::new()
        } else {
            company_tags::Entity::find().filter(company_tags::Column::CompanyId.is_in(ids)).all(&self.db).await?
        };
        let results = rows
            .into_iter()
            .map(|row| {
                let tags = tags.iter().filter(|t| t.company_id == row.id).map(|t| t.tag.clone()).collect();
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
