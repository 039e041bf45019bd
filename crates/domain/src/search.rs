//! Company search for resellers: everything the reseller manages, directly or through
//! sub-resellers (or one managed subtree of it), filtered, ordered and paged in SQL.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, Func, IntoIden, JoinType, Order, Query, SelectStatement, SimpleExpr, WindowStatement,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Statement};

use crate::entities::{companies, company_tags, company_tree, industries, license_types};
use crate::scoped::{Scoped, ScopedRefusal, Unreadable};
use crate::statement::{Shaped, scalar, unsigned};
use crate::tree::at_or_below_expr;
use crate::{Actor, ClientRole, CompanyId, Gateway};

mod by_facet;
pub mod export;
pub mod filter;
pub mod mine;
mod walked;

use filter::{Compiled, S, s};
pub use filter::{Condition, Field, Filter, FilterGroup, FilterItem, Operator};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderBy {
    CreateTime,
    CompanyName,
    TargetUserCount,
    LicenseEndDate,
    ResellerName,
}

impl OrderBy {
    /// Every order, each at its [`Self::index`].
    const ALL: [OrderBy; 5] =
        [Self::CreateTime, Self::CompanyName, Self::TargetUserCount, Self::LicenseEndDate, Self::ResellerName];

    /// This order's place in [`Self::ALL`].
    const fn index(self) -> usize {
        match self {
            Self::CreateTime => 0,
            Self::CompanyName => 1,
            Self::TargetUserCount => 2,
            Self::LicenseEndDate => 3,
            Self::ResellerName => 4,
        }
    }

    /// The column of `company_tree` that keeps this order for every managed company, and whether
    /// it may be missing (such rows sort last in both directions, as in [`Self::order`]).
    fn tree_key(self) -> (company_tree::Column, bool) {
        match self {
            Self::CreateTime => (company_tree::Column::CreateTime, false),
            Self::CompanyName => (company_tree::Column::Name, false),
            Self::TargetUserCount => (company_tree::Column::TargetUserCount, false),
            Self::LicenseEndDate => (company_tree::Column::LicenseEndDate, true),
            Self::ResellerName => (company_tree::Column::ResellerName, true),
        }
    }

    /// Orders the rows `s` of `query`: nullable keys sort last in both directions on both
    /// databases; the id breaks ties.
    fn order(self, ascending: bool, query: &mut SelectStatement) {
        let dir = if ascending { Order::Asc } else { Order::Desc };
        let nullable_last = |query: &mut SelectStatement, key: S| {
            query.order_by_expr(Expr::expr(s(key)).is_null(), Order::Asc).order_by_expr(s(key), dir.clone());
        };
        match self {
            Self::CreateTime => drop(query.order_by_expr(s(S::CreateTime), dir.clone())),
            Self::CompanyName => drop(query.order_by_expr(s(S::Name), dir.clone())),
            Self::TargetUserCount => drop(query.order_by_expr(s(S::TargetUserCount), dir.clone())),
            Self::LicenseEndDate => nullable_last(query, S::LicenseEndDate),
            Self::ResellerName => nullable_last(query, S::ResellerName),
        }
        query.order_by_expr(s(S::Id), Order::Asc);
    }
}

/// The choices a page statement's text depends on (its values aside); each combination has its
/// own [`Self::index`] below [`Self::COUNT`], for statements kept per shape.
#[derive(Clone, Copy, Debug)]
struct PageShape {
    order_by: OrderBy,
    ascending: bool,
    /// The root is one of the companies searched.
    itself: bool,
    only_exceeded: bool,
}

impl PageShape {
    const COUNT: usize = OrderBy::ALL.len() * 8;

    fn of(root: &Root, request: &SearchRequest) -> Self {
        Self {
            order_by: request.order_by,
            ascending: request.ascending,
            itself: root.itself(),
            only_exceeded: request.only_limit_exceeded,
        }
    }

    fn index(self) -> usize {
        let flags = usize::from(self.ascending) * 4 + usize::from(self.itself) * 2 + usize::from(self.only_exceeded);
        self.order_by.index() * 8 + flags
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    /// 1-based.
    pub page_number: u64,
    pub page_size: u64,
    pub order_by: OrderBy,
    pub ascending: bool,
    /// Only companies whose active target users exceed a limited licence.
    pub only_limit_exceeded: bool,
    pub filter: Filter,
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

impl SearchPage {
    /// Page `page_number` of `page_size` rows, `results`, of a search whose matches number `total`
    /// (`exceeded` of them exceed their licence).
    fn of(page_number: u64, page_size: u64, (total, exceeded): (u64, u64), results: Vec<SearchHit>) -> Self {
        Self {
            page_number,
            page_size,
            total_records: total,
            total_pages: total.div_ceil(page_size),
            limit_exceeded_company_count: exceeded,
            results,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("actor may not search companies")]
    NotPermitted,
    #[error("invalid filter")]
    InvalidFilter(Vec<filter::PlacedProblem>),
    /// The scoping company does not exist, or what was given cannot name one.
    #[error("scope company not found")]
    ScopeNotFound,
    #[error("unreadable request")]
    Unreadable(Unreadable),
    #[error("scope company {0} is not managed by the actor")]
    ScopeForbidden(CompanyId),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<ScopedRefusal> for SearchError {
    fn from(refusal: ScopedRefusal) -> Self {
        match refusal {
            ScopedRefusal::ScopeNotFound => Self::ScopeNotFound,
            ScopedRefusal::Unreadable(why) => Self::Unreadable(why),
        }
    }
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

/// A row of a search page, with its tags (a JSON array) and the totals of the whole search.
struct PageRow {
    row: SearchRow,
    tags_json: Option<String>,
    total_rows: Option<i64>,
    exceeded_rows: Option<i64>,
}

impl PageRow {
    fn hit(self) -> SearchHit {
        SearchHit { tags: tags_from_json(self.tags_json.as_deref()), row: self.row }
    }
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Root {
    Below(String),
    At(String),
}

/// The company rows of a search (`c`) and their parents (`p`).
#[derive(Clone, Copy)]
enum C {
    Company,
    Parent,
}

impl sea_orm::sea_query::Iden for C {
    fn unquoted(&self, s: &mut dyn std::fmt::Write) {
        s.write_str(match self {
            Self::Company => "c",
            Self::Parent => "p",
        })
        .expect("writing an identifier");
    }
}

impl Root {
    fn id(&self) -> &str {
        match self {
            Self::Below(id) | Self::At(id) => id,
        }
    }

    /// Whether the root itself is one of the companies searched.
    fn itself(&self) -> bool {
        matches!(self, Self::At(_))
    }

    /// The company `c` is under the root. When the predicate narrows by an indexed name search
    /// (`narrowed`), each candidate's path is compared with the root's, so the query starts from
    /// the few matching names, not from every managed row, however it was planned, and reads
    /// nothing more per match; otherwise the query starts from the tree.
    fn holds(&self, narrowed: bool) -> SimpleExpr {
        let company = Expr::col((C::Company, companies::Column::Id));
        let root = self.id().to_owned();
        if narrowed {
            let path = Expr::col((C::Company, crate::tree::PATH)).into();
            let under = at_or_below_expr(Expr::val(root.clone()).into(), path);
            return if self.itself() { under } else { under.and(company.ne(root)) };
        }
        company.in_subquery(
            Query::select()
                .column(company_tree::Column::DescendantId)
                .from(company_tree::Entity)
                .and_where(Expr::col(company_tree::Column::AncestorId).eq(root))
                .and_where(Expr::col(company_tree::Column::Depth).gte(self.min_depth()))
                .to_owned(),
        )
    }

    /// The least depth below the root of a company searched (the root's own link is depth 0).
    fn min_depth(&self) -> i32 {
        if self.itself() { 0 } else { 1 }
    }
}

/// Everything search filters and orders by (the columns of [`S`]), of the companies `c` (the
/// parent's name is read only where a filter or the order uses it: the databases leave out a
/// join nothing reads).
fn key_rows() -> SelectStatement {
    let col = |column| Expr::col((C::Company, column));
    Query::select()
        .expr_as(col(companies::Column::Id), S::Id)
        .expr_as(col(companies::Column::Name), S::Name)
        .expr_as(col(companies::Column::CreateTime), S::CreateTime)
        .expr_as(col(companies::Column::LicenseEndDate), S::LicenseEndDate)
        .expr_as(col(companies::Column::ActiveTargetUsers), S::TargetUserCount)
        .expr_as(col(companies::Column::LimitExceeded), S::LimitExceeded)
        .expr_as(Expr::col((C::Parent, companies::Column::Name)), S::ResellerName)
        .from_as(companies::Entity, C::Company)
        .join_as(
            JoinType::LeftJoin,
            companies::Entity,
            C::Parent,
            Expr::col((C::Parent, companies::Column::Id)).equals((C::Company, companies::Column::ParentId)),
        )
        .to_owned()
}

/// Everything a search result shows (a [`SearchRow`]), of the companies `c`. The names of the
/// parent, industry and licence type are scalar subqueries, not joins: read for the rows shown
/// only, and PostgreSQL plans a page with three fewer relations to order (planning, not running,
/// was most of a filtered page's time there).
fn shown_rows() -> SelectStatement {
    let col = |column| (C::Company, column);
    // The `name` of the row of `table` whose `id` is the company's `key`.
    fn name_of(
        table: impl IntoIden + 'static,
        id: impl IntoIden + 'static,
        name: impl IntoIden + 'static,
        key: companies::Column,
    ) -> SimpleExpr {
        let row = Alias::new("n");
        scalar(
            Query::select()
                .column((row.clone(), name))
                .from_as(table, row.clone())
                .and_where(Expr::col((row, id)).equals((C::Company, key)))
                .to_owned(),
        )
    }
    let industry_name =
        name_of(industries::Entity, industries::Column::Id, industries::Column::Name, companies::Column::IndustryId);
    let license_type_name = name_of(
        license_types::Entity,
        license_types::Column::Id,
        license_types::Column::Name,
        companies::Column::LicenseTypeId,
    );
    let reseller_name =
        name_of(companies::Entity, companies::Column::Id, companies::Column::Name, companies::Column::ParentId);
    Query::select()
        .columns([
            col(companies::Column::Id),
            col(companies::Column::Name),
            col(companies::Column::ParentId),
            col(companies::Column::IndustryId),
        ])
        .expr_as(industry_name, Alias::new("industry_name"))
        .column(col(companies::Column::LicenseTypeId))
        .expr_as(license_type_name, Alias::new("license_type_name"))
        .columns([
            col(companies::Column::IsNumberOfUsersLimited),
            col(companies::Column::NumberOfUsers),
            col(companies::Column::PrivacyDurationId),
            col(companies::Column::LicenseEndDate),
            col(companies::Column::CreateTime),
        ])
        .expr_as(reseller_name, S::ResellerName)
        .expr_as(Expr::col(col(companies::Column::ActiveTargetUsers)), S::TargetUserCount)
        .expr_as(Expr::col(col(companies::Column::InactiveTargetUsers)), Alias::new("inactive_target_user_count"))
        .expr_as(Expr::col(col(companies::Column::DeletedTargetUsers)), Alias::new("deleted_target_user_count"))
        .column(col(companies::Column::LimitExceeded))
        .from_as(companies::Entity, C::Company)
        .to_owned()
}

/// `SELECT ... FROM (rows under the root) s WHERE predicate`: the rows `s` of `columns` (the
/// companies `c`, see [`key_rows`], [`shown_rows`]) that are under `root` and match.
fn matching(root: &Root, compiled: &Compiled, mut columns: SelectStatement, only_exceeded: bool) -> SelectStatement {
    columns.and_where(root.holds(compiled.narrowed));
    let mut query = Query::select();
    query.from_subquery(columns, S::Table).and_where(compiled.predicate.clone());
    if only_exceeded {
        query.and_where(s(S::LimitExceeded));
    }
    query
}

/// 1 where `condition` holds, else 0 (to be summed).
fn one_if(condition: SimpleExpr) -> SimpleExpr {
    Expr::case(condition, Expr::cust("1")).finally(Expr::cust("0")).into()
}

/// 1 for a row of `s` whose active target users exceed its limited licence, else 0 (kept by every
/// write, see [`crate::tree::counts`]).
fn exceeded() -> SimpleExpr {
    one_if(s(S::LimitExceeded))
}

/// How many companies a search from `root` covers, and how many of them exceed their limit, from
/// the counts kept on the root's row (`itself`: the root is one of them).
fn kept_counts(root: sea_orm::Value, itself: bool) -> (SimpleExpr, SimpleExpr) {
    let kept = Alias::new("r");
    let of_root = |count: SimpleExpr| {
        scalar(
            Query::select()
                .expr(count)
                .from_as(companies::Entity, kept.clone())
                .and_where(Expr::col((kept.clone(), companies::Column::Id)).eq(root.clone()))
                .to_owned(),
        )
    };
    let column = |column| SimpleExpr::from(Expr::col((kept.clone(), column)));
    let (mut total, mut exceeded) =
        (column(companies::Column::ManagedCompanies), column(companies::Column::ManagedLimitExceeded));
    if itself {
        total = total.add(Expr::cust("1"));
        exceeded = exceeded.add(one_if(column(companies::Column::LimitExceeded)));
    }
    (of_root(total), of_root(exceeded))
}

/// The page's limit and offset (1-based page numbers; a page size of at least one).
fn limits(page_number: u64, page_size: u64) -> (u64, u64) {
    let page_size = page_size.max(1);
    (page_size, page_number.saturating_sub(1).saturating_mul(page_size).min(i64::MAX as u64))
}

/// The tags of the company `id` as a JSON array of strings (NULL when none).
pub(crate) fn tags_json(backend: sea_orm::DatabaseBackend, id: SimpleExpr) -> SimpleExpr {
    let tags = Alias::new("t");
    let tag = Expr::col((tags.clone(), company_tags::Column::Tag));
    let aggregate: SimpleExpr = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            Func::cast_as(Func::cust(Alias::new("json_agg")).arg(tag), Alias::new("TEXT")).into()
        }
        _ => Func::cust(Alias::new("json_group_array")).arg(tag).into(),
    };
    scalar(
        Query::select()
            .expr(aggregate)
            .from_as(company_tags::Entity, tags.clone())
            .and_where(Expr::col((tags, company_tags::Column::CompanyId)).eq(id))
            .to_owned(),
    )
}

/// The tags [`tags_json`] wrote, sorted (none when the company has none).
pub(crate) fn tags_from_json(json: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = json.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
    tags.sort();
    tags
}

/// Adds `tags_json` for the rows `s` to `query`.
fn with_tags(backend: sea_orm::DatabaseBackend, query: &mut SelectStatement) {
    query.expr_as(tags_json(backend, s(S::Id)), Alias::new("tags_json"));
}

/// A page of every company under `root`, in an order the tree keeps (`key`): read off the tree's
/// index, the totals off the root's row (the text kept per shape, see [`build_kept_page`]).
fn kept_page(backend: sea_orm::DatabaseBackend, root: &Root, request: &SearchRequest) -> Statement {
    static KEPT: Shaped<{ PageShape::COUNT }> = Shaped::new();
    let (limit, offset) = limits(request.page_number, request.page_size);
    let shape = PageShape::of(root, request);
    let parameters = vec![root.id().into(), limit.into(), offset.into()];
    KEPT.statement(backend, shape.index(), parameters, |p| {
        build_kept_page(backend, shape, p[0].clone(), unsigned(&p[1]), unsigned(&p[2]), None)
    })
}

/// What narrows a page read off the tree to the companies one condition matches.
struct Narrowing {
    /// On the links.
    condition: SimpleExpr,
    /// The search's totals (all, exceeding their licence).
    totals: (SimpleExpr, SimpleExpr),
    /// A one-row statement joined to the page as `totals`, which `totals` may name.
    counted: Option<SelectStatement>,
    /// The page is sorted from the matches, not read in order off the order's index.
    order_unindexed: bool,
    /// The condition holds only where the order's key is present, and the key's `IS NULL` is left
    /// out of the order (SQLite sorted a range of its index again when it was there).
    key_present: bool,
    /// Walking the order's index, stop after this many links (whether they match or not).
    walk_at_most: Option<u64>,
    /// The page starts from the candidates' ids the condition lists from another table (`descendant_id
    /// IN (...)`): SQLite, which has no statistics, would read every link of the root from an
    /// index that covers the page instead.
    ids_first: bool,
    /// A range of the order's key every match lies in (on the links, unqualified): a walk starts
    /// at its first key, and a bounded walk counts its links from there.
    key_range: Option<SimpleExpr>,
}

/// A page of every company under `root` (itself included when the shape says so; only those that
/// exceed their limited licence when it says so; only those `narrowing` matches, if any) in the
/// order the tree keeps (the same order as [`OrderBy::order`]), with the totals kept on the root's
/// row (or those of the narrowing).
fn build_kept_page(
    backend: sea_orm::DatabaseBackend,
    shape: PageShape,
    root: sea_orm::Value,
    limit: u64,
    offset: u64,
    mut narrowing: Option<Narrowing>,
) -> Statement {
    let PageShape { order_by, ascending, itself, only_exceeded } = shape;
    let (key, nullable) = order_by.tree_key();
    let dir = if ascending { Order::Asc } else { Order::Desc };
    let mut links = Query::select();
    let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
    let ancestor: SimpleExpr = match narrowing.as_ref().is_some_and(|n| n.ids_first) && sqlite {
        true => Expr::cust("+\"ancestor_id\""),
        false => Expr::col(company_tree::Column::AncestorId).into(),
    };
    // The links are `s` (a narrowing's condition may name their columns so, see `filter::Rows`).
    links.from_as(company_tree::Entity, S::Table).and_where(Expr::expr(ancestor).eq(root.clone()));
    if !itself {
        links.and_where(Expr::col(company_tree::Column::DescendantId).ne(root.clone()));
    }
    if only_exceeded {
        links.and_where(Expr::col(company_tree::Column::LimitExceeded).into());
    }
    if let Some(range) = narrowing.as_mut().and_then(|n| n.key_range.take()) {
        links.and_where(range);
    }
    let unindexed = narrowing.as_ref().is_some_and(|n| n.order_unindexed);
    // `+key` sorts the same, and keeps SQLite from reading the order's index instead (its
    // `key IS NULL` too, which the index also leads with).
    let (key_expr, key_missing): (SimpleExpr, SimpleExpr) = if unindexed && sqlite {
        let name = sea_orm::sea_query::Iden::to_string(&key);
        (Expr::cust(format!("+\"{name}\"")), Expr::cust(format!("(+\"{name}\" IS NULL)")))
    } else {
        (Expr::col(key).into(), Expr::col(key).is_null())
    };
    let key_present = narrowing.as_ref().is_some_and(|n| n.key_present);
    let in_order = |query: &mut SelectStatement| {
        if nullable && !key_present {
            query.order_by_expr(key_missing.clone(), Order::Asc);
        }
        query.order_by_expr(key_expr.clone(), dir.clone()).order_by(company_tree::Column::DescendantId, Order::Asc);
    };
    in_order(&mut links);
    let mut page = links.clone();
    page.column(company_tree::Column::DescendantId);
    let counted = narrowing.as_mut().and_then(|n| n.counted.take());
    let (total, exceeded) = match narrowing {
        Some(Narrowing { condition, totals, walk_at_most: Some(at_most), .. }) => {
            // The first `at_most` links in order, then the matches among them in the same order
            // (the condition and the order name the links' columns unqualified).
            links.column(Asterisk).limit(at_most);
            page = Query::select();
            page.column(company_tree::Column::DescendantId).from_subquery(links, S::Table).and_where(condition);
            in_order(&mut page);
            totals
        }
        Some(narrowing) => {
            page.and_where(narrowing.condition);
            narrowing.totals
        }
        None => {
            let (total, exceeded) = kept_counts(root, itself);
            (if only_exceeded { exceeded.clone() } else { total }, exceeded)
        }
    };
    page.limit(limit).offset(offset);
    let page_alias = Alias::new("page");
    let mut shown = shown_rows();
    shown.join_subquery(
        JoinType::InnerJoin,
        page,
        page_alias.clone(),
        Expr::col((page_alias, company_tree::Column::DescendantId)).equals((C::Company, companies::Column::Id)),
    );
    let mut query = Query::select();
    query.column((S::Table, Asterisk));
    with_tags(backend, &mut query);
    query
        .expr_as(total, Alias::new("total_rows"))
        .expr_as(exceeded, Alias::new("exceeded_rows"))
        .from_subquery(shown, S::Table);
    if let Some(counted) = counted {
        query.join_subquery(JoinType::InnerJoin, counted, Alias::new("totals"), Expr::cust("1 = 1"));
    }
    order_by.order(ascending, &mut query);
    backend.build(&query)
}

/// A page of every company under `root` that `compiled` matches, with the totals of the whole
/// search, in one statement: the page's ids and the totals first, from the columns the filter and
/// the order need, then what a result shows for those ids only (a name search does not join and
/// show every match).
#[allow(clippy::too_many_arguments)]
fn filtered_page(
    backend: sea_orm::DatabaseBackend,
    root: &Root,
    compiled: &Compiled,
    order_by: OrderBy,
    ascending: bool,
    only_exceeded: bool,
    limit: u64,
    offset: u64,
) -> Statement {
    let mut page = matching(root, compiled, key_rows(), only_exceeded);
    page.column((S::Table, S::Id))
        .expr_window_as(Func::count(Expr::col(Asterisk)), WindowStatement::new(), Alias::new("total_rows"))
        .expr_window_as(Func::sum(exceeded()), WindowStatement::new(), Alias::new("exceeded_rows"));
    order_by.order(ascending, &mut page);
    page.limit(limit).offset(offset);
    let page_alias = Alias::new("page");
    let mut shown = shown_rows();
    shown
        .expr_as(Expr::col((page_alias.clone(), Alias::new("total_rows"))), Alias::new("total_rows"))
        .expr_as(Expr::col((page_alias.clone(), Alias::new("exceeded_rows"))), Alias::new("exceeded_rows"))
        .join_subquery(
            JoinType::InnerJoin,
            page,
            page_alias.clone(),
            Expr::col((page_alias, S::Id)).equals((C::Company, companies::Column::Id)),
        );
    let mut query = Query::select();
    query.column((S::Table, Asterisk)).from_subquery(shown, S::Table);
    with_tags(backend, &mut query);
    order_by.order(ascending, &mut query);
    backend.build(&query)
}

/// A page of a plain name search for `text` (see [`Filter::name_search`]), the most common
/// filtered search: its text is kept per shape (see [`filtered_page`]), only its values change.
fn name_search_page(backend: sea_orm::DatabaseBackend, root: &Root, text: &str, request: &SearchRequest) -> Statement {
    static NAME_SEARCH: Shaped<{ PageShape::COUNT }> = Shaped::new();
    let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
    let (limit, offset) = limits(request.page_number, request.page_size);
    let shape = PageShape::of(root, request);
    let PageShape { order_by, ascending, itself, only_exceeded } = shape;
    let values = filter::name_search_values(sqlite, text);
    let texts = values.len();
    let mut parameters = vec![root.id().into()];
    parameters.extend(values);
    parameters.extend([limit.into(), offset.into()]);
    NAME_SEARCH.statement(backend, shape.index(), parameters, |p| {
        let id = crate::statement::text(&p[0]);
        let root = if itself { Root::At(id) } else { Root::Below(id) };
        let predicate = filter::name_search_predicate(sqlite, Func::lower(s(S::Name)).into(), s(S::Id), &p[1..=texts]);
        let compiled = Compiled { predicate, narrowed: true, anchored: false };
        let (limit, offset) = (unsigned(&p[texts + 1]), unsigned(&p[texts + 2]));
        filtered_page(backend, &root, &compiled, order_by, ascending, only_exceeded, limit, offset)
    })
}

/// How PostgreSQL plans a page's statement (SQLite plans each statement once, for any values).
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// As a prepared statement: planned for its values at first, then generic once that looks as good.
    Prepared,
    /// Planned for its values every time, on the connections of `Pools::custom`.
    ForValues,
    /// One generic plan, kept, on the connections of `Pools::generic`.
    Generic,
}

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
                let key = scope.resource_id().ok_or(SearchError::ScopeNotFound)?;
                match crate::tree::managed_if_any(&self.db, &own, key).await? {
                    None => Err(SearchError::ScopeNotFound),
                    Some(true) => Ok(Root::At(key.to_owned())),
                    Some(false) => Err(SearchError::ScopeForbidden(scope)),
                }
            }
        }
    }

    /// Ids under a root, deepest first (so children can be deleted before their parents), at most
    /// `at_most` of them.
    pub(crate) async fn managed_ids(
        &self,
        root: &Root,
        filter: &Filter,
        at_most: u64,
    ) -> Result<Vec<String>, SearchError> {
        let compiled = self.compile(filter)?;
        // The depth comes from the tree, so the tree drives this query.
        let link = Alias::new("m");
        let mut query = Query::select();
        query
            .column((S::Table, S::Id))
            .column((link.clone(), company_tree::Column::Depth))
            .from_subquery(key_rows(), S::Table)
            .join_as(
                JoinType::InnerJoin,
                company_tree::Entity,
                link.clone(),
                Expr::col((link.clone(), company_tree::Column::DescendantId)).equals((S::Table, S::Id)),
            )
            .and_where(Expr::col((link.clone(), company_tree::Column::AncestorId)).eq(root.id()))
            .and_where(Expr::col((link.clone(), company_tree::Column::Depth)).gte(root.min_depth()))
            .and_where(compiled.predicate)
            .order_by((link, company_tree::Column::Depth), Order::Desc)
            .order_by_expr(s(S::Id), Order::Asc)
            .limit(at_most);
        let rows = ManagedId::find_by_statement(self.backend().build(&query)).all(&self.db).await?;
        self.telemetry.count("companygate_search_rows_loaded_total", &[], rows.len() as u64);
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// The rows of a page's statement, planned as `plan` says on PostgreSQL.
    async fn page_rows(&self, statement: Statement, plan: Plan) -> Result<Vec<PageRow>, DbErr> {
        let rows = PageRow::find_by_statement(statement);
        if self.backend() != sea_orm::DatabaseBackend::Postgres {
            return rows.all(&self.db).await;
        }
        match plan {
            Plan::Prepared => rows.all(&self.db).await,
            Plan::Generic => rows.all(&self.generic).await,
            Plan::ForValues => rows.all(&self.custom).await,
        }
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

    fn backend(&self) -> sea_orm::DatabaseBackend {
        self.db.get_database_backend()
    }

    /// `filter` as a predicate over the management tree's links (see `filter::Rows::Links`).
    fn compile_on_links(&self, filter: &Filter) -> Option<Compiled> {
        let sqlite = self.backend() == sea_orm::DatabaseBackend::Sqlite;
        filter::compile_for(filter, sqlite, Utc::now(), filter::Rows::Links).ok()
    }

    /// `filter` as a predicate for this database.
    fn compile(&self, filter: &Filter) -> Result<Compiled, SearchError> {
        let sqlite = self.backend() == sea_orm::DatabaseBackend::Sqlite;
        filter::compile(filter, sqlite, Utc::now()).map_err(SearchError::InvalidFilter)
    }

    /// A page of the companies the actor manages (or of one managed company's subtree, the
    /// scope). The checks, in order: the scope's spelling, the body, the role (only resellers
    /// search), the scope's existence, its management, the filter. The narrowing to managed
    /// companies happens here, not in the caller.
    pub async fn search_companies(
        &self,
        actor: &Actor,
        request: Scoped<'_, SearchRequest>,
    ) -> Result<SearchPage, SearchError> {
        let (scope, request) = request.read()?;
        let root = self.search_root(actor, scope).await?;
        let compiled = self.compile(&request.filter)?;
        Ok(self.search_page(&root, &compiled, &request).await?)
    }

    /// The page `request` asks for of the companies under `root` that `compiled` matches.
    async fn search_page(
        &self,
        root: &Root,
        compiled: &Compiled,
        request: &SearchRequest,
    ) -> Result<SearchPage, DbErr> {
        let (page_size, offset) = limits(request.page_number, request.page_size);
        let kept = request.filter.matches_everything();
        let (statement, plan) = if kept {
            // Every managed company (or every one that exceeds its licence), in an order the tree
            // keeps, with the totals kept on the root's row. A generic plan assumes an unknown
            // LIMIT reads a tenth of the rows, and for a tenth that pass the exceeded flag it
            // sorted the whole subtree (83 ms at 100 000 companies): that page is planned for its
            // values, and walks the order's index up to the page.
            let plan = if request.only_limit_exceeded { Plan::ForValues } else { Plan::Prepared };
            (kept_page(self.backend(), root, request), plan)
        } else if let Some(counted) = request.filter.counted(Utc::now()) {
            // One condition the facets count: totals summed over distinct values.
            return self.counted_page(root, &counted, request).await;
        } else if let Some(text) = request.filter.name_search() {
            // Starting from the matching names is the best plan for any pattern of three
            // characters or more: one generic plan, kept (no planning per request, no transaction
            // to scope a plan setting).
            (name_search_page(self.backend(), root, text, request), Plan::Generic)
        } else if let Some(walked) = self.compile_on_links(&request.filter).filter(|_| !compiled.narrowed) {
            // Any other filter no name search narrows: checked on the tree's links.
            let unless = request.filter.name_left_out().and_then(|equal| self.compile_on_links(&equal));
            let only_exceeded = request.only_limit_exceeded;
            let anchor = match walked.anchored || unless.is_some() {
                true => None,
                false => self.anchor(root, &request.filter, only_exceeded).await?,
            };
            let split = match walked.anchored || unless.is_some() || anchor.is_some() {
                true => None,
                false => match self.joint_totals(root, &request.filter, &walked, only_exceeded) {
                    Some(joint) => Some(joint),
                    None => self.split_totals(root, &request.filter, only_exceeded).await?,
                },
            };
            return self.walked_page(root, walked, unless.as_ref(), anchor, split, request).await;
        } else {
            // A generic plan is made for an average subtree and an unknown filter: for the
            // reseller of 100 000 companies it walked every managed company instead of the
            // matches (370 ms, not 3 ms).
            let (limit, offset) = limits(request.page_number, request.page_size);
            let (order_by, ascending) = (request.order_by, request.ascending);
            let only_exceeded = request.only_limit_exceeded;
            let page = filtered_page(self.backend(), root, compiled, order_by, ascending, only_exceeded, limit, offset);
            (page, if compiled.narrowed { Plan::Generic } else { Plan::ForValues })
        };
        let rows = self.page_rows(statement, plan).await?;
        self.telemetry.count("companygate_search_rows_loaded_total", &[], rows.len() as u64);

        let totals = match rows.first() {
            Some(first) => {
                (first.total_rows.unwrap_or(0).max(0) as u64, first.exceeded_rows.unwrap_or(0).max(0) as u64)
            }
            // A page past the end (or nothing at all) has no row to carry the totals.
            None if kept => match self.kept_totals(root).await? {
                (_, exceeded) if request.only_limit_exceeded => (exceeded, exceeded),
                totals => totals,
            },
            None if offset == 0 => (0, 0),
            None => {
                let mut query = matching(root, compiled, key_rows(), request.only_limit_exceeded);
                query.expr_as(Func::count(Expr::col(Asterisk)), Alias::new("total")).expr_as(
                    Func::coalesce([Func::sum(exceeded()).into(), Expr::cust("0")]),
                    Alias::new("limit_exceeded"),
                );
                self.telemetry.count("companygate_search_rows_loaded_total", &[], 1);
                Totals::find_by_statement(self.backend().build(&query))
                    .one(&self.db)
                    .await?
                    .map(|t| (t.total.max(0) as u64, t.limit_exceeded.max(0) as u64))
                    .unwrap_or((0, 0))
            }
        };
        let results = rows.into_iter().map(PageRow::hit).collect();
        Ok(SearchPage::of(request.page_number, page_size, totals, results))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_search_pages_bind_like_compiled_filters() {
        let orders = [OrderBy::CompanyName, OrderBy::CreateTime, OrderBy::ResellerName];
        for backend in [sea_orm::DatabaseBackend::Postgres, sea_orm::DatabaseBackend::Sqlite] {
            let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
            for (order_by, ascending, only_limit_exceeded) in
                [(orders[0], true, false), (orders[1], false, true), (orders[2], true, true)]
            {
                for (root, text, page_number) in [
                    (Root::Below("Reseller0001".into()), "zephyr", 1),
                    (Root::At("Company00002".into()), "100% \"sure\"_", 3),
                    (Root::Below("Reseller0003".into()), "ÄBC", 2),
                ] {
                    let filter = Filter { text: Some(format!(" {text} ")), ..Filter::default() };
                    assert_eq!(filter.name_search(), Some(text));
                    let request =
                        SearchRequest { page_number, page_size: 25, order_by, ascending, only_limit_exceeded, filter };
                    let kept = name_search_page(backend, &root, text, &request);
                    let compiled = filter::compile(&request.filter, sqlite, Utc::now()).unwrap();
                    let (limit, offset) = limits(page_number, 25);
                    let built = filtered_page(
                        backend,
                        &root,
                        &compiled,
                        order_by,
                        ascending,
                        only_limit_exceeded,
                        limit,
                        offset,
                    );
                    assert_eq!((kept.sql, kept.values), (built.sql, built.values), "{backend:?} {request:?}");
                }
            }
        }
    }

    #[test]
    fn only_one_contains_on_the_name_is_a_name_search() {
        let item = |field, operator, value: &str| FilterItem { field, operator, value: value.into() };
        let group = |items| FilterGroup { condition: Condition::Or, items, groups: vec![] };
        let of = |groups| Filter { condition: Some(Condition::And), text: None, groups };
        let name = item(Field::CompanyName, Operator::Contains, "zephyr");
        assert_eq!(of(vec![group(vec![name.clone()])]).name_search(), Some("zephyr"));
        assert_eq!(of(vec![group(vec![item(Field::CompanyName, Operator::Contains, "ze")])]).name_search(), None);
        assert_eq!(of(vec![group(vec![item(Field::ResellerName, Operator::Contains, "zephyr")])]).name_search(), None);
        assert_eq!(of(vec![group(vec![item(Field::CompanyName, Operator::Eq, "zephyr")])]).name_search(), None);
        assert_eq!(of(vec![group(vec![name.clone(), name.clone()])]).name_search(), None);
        assert_eq!(of(vec![group(vec![name.clone()]), group(vec![name.clone()])]).name_search(), None);
        let with_text = Filter { text: Some("acme".into()), ..of(vec![group(vec![name])]) };
        assert_eq!(with_text.name_search(), None, "a text and a condition are two conditions");
        assert_eq!(Filter { text: Some("  ".into()), ..Filter::default() }.name_search(), None);
    }

    #[test]
    fn kept_pages_bind_like_fresh_builds() {
        let backends = [sea_orm::DatabaseBackend::Postgres, sea_orm::DatabaseBackend::Sqlite];
        for backend in backends {
            for order_by in OrderBy::ALL {
                for (ascending, only_limit_exceeded) in [(false, false), (true, false), (false, true), (true, true)] {
                    for (root, page_number, page_size) in
                        [(Root::Below("Reseller0001".into()), 1, 10), (Root::At("Company00002".into()), 3, 25)]
                    {
                        let request = SearchRequest {
                            page_number,
                            page_size,
                            order_by,
                            ascending,
                            only_limit_exceeded,
                            filter: Filter::default(),
                        };
                        let kept = kept_page(backend, &root, &request);
                        let (limit, offset) = limits(page_number, page_size);
                        let shape = PageShape::of(&root, &request);
                        let built = build_kept_page(backend, shape, root.id().into(), limit, offset, None);
                        assert_eq!((kept.sql, kept.values), (built.sql, built.values), "{backend:?} {request:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_page_shape_has_an_index_of_its_own() {
        let mut seen = std::collections::HashSet::new();
        for (i, order_by) in OrderBy::ALL.into_iter().enumerate() {
            assert_eq!(order_by.index(), i, "{order_by:?} sits at its index in ALL");
            for flags in 0..8 {
                let (ascending, itself, only_exceeded) = (flags & 4 != 0, flags & 2 != 0, flags & 1 != 0);
                let index = PageShape { order_by, ascending, itself, only_exceeded }.index();
                assert!(index < PageShape::COUNT && seen.insert(index), "{order_by:?} {flags}");
            }
        }
        assert_eq!(seen.len(), PageShape::COUNT);
    }
}
