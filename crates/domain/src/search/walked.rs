//! Searches whose filter the facets do not count and that no name search narrows (several
//! conditions, `OR`, conditions on the company name other than a long `Contains`): the filter is
//! compiled onto the management tree's links, which carry every key a filter compares, so neither
//! the totals nor the page read a company row or join a parent. The totals are counted over the
//! root's links; the page is read along the order's index, checking the filter on each link, and
//! stops at the page's end.
use sea_orm::sea_query::{Alias, Expr, Func, Query, SelectStatement, SimpleExpr};
use sea_orm::{DbErr, FromQueryResult};

use super::by_facet::Anchor;
use super::filter::{Compiled, S, s};
use super::{Narrowing, PageShape, Plan, Root, SearchPage, SearchRequest, kept_counts, limits, one_if};
use crate::Gateway;
use crate::entities::company_tree;

#[derive(FromQueryResult)]
struct Totals {
    total: i64,
    limit_exceeded: i64,
}

impl Gateway {
    /// The page `request` asks for of the companies under `root` that `on_links` (a filter
    /// compiled over the links, see `filter::Rows::Links`) matches, its rows joined with the
    /// totals (one statement; a second for the totals only when the page is past the end).
    /// `unless`: `on_links` is the negation of this anchored predicate, whose few matches are
    /// counted instead and taken from the totals kept on the root's row. `anchor`: a condition
    /// every match meets whose own index finds its few matches (see `Gateway::anchor`). `split`:
    /// the totals, counted in parts (see `Gateway::split_totals`).
    pub(super) async fn walked_page(
        &self,
        root: &Root,
        mut on_links: Compiled,
        unless: Option<&Compiled>,
        anchor: Option<Anchor>,
        split: Option<SelectStatement>,
        request: &SearchRequest,
    ) -> Result<SearchPage, DbErr> {
        let backend = self.backend();
        let root_id = root.id().to_owned();
        let by_name = on_links.anchored || unless.is_some();
        let ids_first = anchor.as_ref().is_some_and(Anchor::ids_first);
        if let Some(anchor) = anchor {
            on_links.predicate = anchor.condition(backend).and(on_links.predicate);
            on_links.anchored = true;
        }
        let on_links = &on_links;
        let totals = split
            .unwrap_or_else(|| totals(root, unless.unwrap_or(on_links), unless.is_some(), request.only_limit_exceeded));
        let of_totals = |column: &str| SimpleExpr::from(Expr::col((Alias::new("totals"), Alias::new(column))));
        let narrowing = Narrowing {
            condition: on_links.predicate.clone(),
            totals: (of_totals("total"), of_totals("limit_exceeded")),
            counted: Some(totals.clone()),
            // A few anchored candidates are sorted, not found along the order's index.
            order_unindexed: on_links.anchored,
            key_present: false,
            walk_at_most: None,
            ids_first,
            // The conditions every match meets narrow the order's key where they can.
            key_range: request
                .filter
                .required_counted(chrono::Utc::now())
                .iter()
                .filter_map(|counted| counted.order_range(request.order_by))
                .reduce(SimpleExpr::and),
        };
        let (page_size, offset) = limits(request.page_number, request.page_size);
        let shape = PageShape::of(root, request);
        let statement = super::build_kept_page(backend, shape, root_id.into(), page_size, offset, Some(narrowing));
        // Anchored by name, the candidates come from the names' index whatever the values: a plan kept
        // by the prepared statement saves planning the whole statement each time. Otherwise the
        // values decide whether the order's index is walked.
        let plan = if by_name { Plan::Prepared } else { Plan::ForValues };
        let rows = self.page_rows(statement, plan).await?;
        self.telemetry.count("companygate_search_rows_loaded_total", &[], rows.len() as u64);
        let (total, exceeded) = match rows.first() {
            Some(first) => (first.total_rows.unwrap_or(0), first.exceeded_rows.unwrap_or(0)),
            None if offset == 0 => (0, 0),
            None => {
                self.telemetry.count("companygate_search_rows_loaded_total", &[], 1);
                let totals = Totals::find_by_statement(backend.build(&totals)).one(&self.db).await?;
                totals.map_or((0, 0), |t| (t.total, t.limit_exceeded))
            }
        };
        let totals = (total.max(0) as u64, exceeded.max(0) as u64);
        let results = rows.into_iter().map(super::PageRow::hit).collect();
        Ok(SearchPage::of(request.page_number, page_size, totals, results))
    }
}

/// One row: how many links under `root` `predicate` matches (`total`), and how many of them exceed
/// their licence (`limit_exceeded`); `negated`: how many it does not match, from the root's kept
/// totals less its matches.
pub(super) fn totals(root: &Root, predicate: &Compiled, negated: bool, only_exceeded: bool) -> SelectStatement {
    // PostgreSQL sums BIGINT as NUMERIC.
    let whole = |sum: SimpleExpr| Func::cast_as(Func::coalesce([sum, Expr::val(0i64).into()]), Alias::new("BIGINT"));
    let mut counted = Query::select();
    counted
        .expr_as(Func::count(Expr::cust("*")), Alias::new("total"))
        .expr_as(whole(Expr::expr(one_if(s(S::LimitExceeded))).sum()), Alias::new("limit_exceeded"))
        .from_as(company_tree::Entity, S::Table)
        .and_where(Expr::col((S::Table, company_tree::Column::AncestorId)).eq(root.id()))
        .and_where(Expr::col((S::Table, company_tree::Column::Depth)).gte(root.min_depth()))
        .and_where(predicate.predicate.clone());
    if only_exceeded {
        counted.and_where(s(S::LimitExceeded));
    }
    if !negated {
        return counted;
    }
    let (all, all_exceeded) = kept_counts(root.id().into(), root.itself());
    let all = if only_exceeded { all_exceeded.clone() } else { all };
    let left_out = Alias::new("left_out");
    let of = |column: &str| Expr::col((left_out.clone(), Alias::new(column)));
    Query::select()
        .expr_as(Expr::expr(all).sub(of("total")), Alias::new("total"))
        .expr_as(Expr::expr(all_exceeded).sub(of("limit_exceeded")), Alias::new("limit_exceeded"))
        .from_subquery(counted, left_out)
        .to_owned()
}
