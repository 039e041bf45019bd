//! The companies an API client may act as (its own company and, for a Reseller, every company it
//! manages), found by name a page at a time: what a company switcher lists.
use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, Order, Query, SelectStatement, WindowStatement};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, TransactionTrait};

use super::{Root, S, SearchError, filter, kept_counts, key_rows, limits, matching, s};
use crate::companies::record::TreeCompany;
use crate::entities::{companies, company_tree};
use crate::statement::{Shaped, unsigned};
use crate::{Actor, ClientRole, Gateway};

/// A page of the companies the caller may act as, ordered by name (ties by id).
#[derive(Clone, Debug)]
pub struct MyCompaniesPage {
    pub page_number: u64,
    pub page_size: u64,
    pub total_records: u64,
    pub total_pages: u64,
    pub results: Vec<TreeCompany>,
}

/// A page's company id with the total of the whole search, in page order.
#[derive(FromQueryResult)]
struct PageKey {
    id: String,
    total_rows: Option<i64>,
}

/// A page of the companies `own` may act as, by name, off the tree's name index, with the total
/// off the counts kept on its row.
fn by_name(own: sea_orm::Value, limit: u64, offset: u64) -> SelectStatement {
    let (total, _) = kept_counts(own.clone(), true);
    Query::select()
        .expr_as(Expr::col(company_tree::Column::DescendantId), Alias::new("id"))
        .expr_as(total, Alias::new("total_rows"))
        .from(company_tree::Entity)
        .and_where(Expr::col(company_tree::Column::AncestorId).eq(own))
        .order_by(company_tree::Column::Name, Order::Asc)
        .order_by(company_tree::Column::DescendantId, Order::Asc)
        .limit(limit)
        .offset(offset)
        .to_owned()
}

impl Gateway {
    /// The companies `actor` may act as whose name contains `text` (case-insensitively; empty
    /// matches every one): for a Reseller its own company and every company it manages, for a
    /// Company Admin its own company.
    pub async fn search_my_companies(
        &self,
        actor: &Actor,
        text: &str,
        page_number: u64,
        page_size: u64,
    ) -> Result<MyCompaniesPage, SearchError> {
        let Actor::Client { role, company, .. } = actor else { return Err(SearchError::NotPermitted) };
        let own = company.resource_id().ok_or(SearchError::NotPermitted)?.to_owned();
        let (page_size, offset) = limits(page_number, page_size);
        // Longer than any lower-cased name (64 characters, at most twice as many lower-cased): no
        // match, whatever its length, without a look at the companies.
        if text.chars().nth(filter::MAX_SEARCH_TEXT).is_some() {
            return Ok(MyCompaniesPage {
                page_number,
                page_size,
                total_records: 0,
                total_pages: 0,
                results: Vec::new(),
            });
        }
        let root = Root::At(own.clone());
        let request = filter::Filter { condition: None, text: Some(text.to_owned()), groups: Vec::new() };
        let compiled = self.compile(&request)?;
        // The companies that match, as `SELECT ... FROM s WHERE ...` without its columns.
        let matches = || {
            let mut query = matching(&root, &compiled, key_rows(), false);
            if *role == ClientRole::CompanyAdmin {
                query.and_where(Expr::expr(s(S::Id)).eq(own.clone()));
            }
            query
        };
        // Every company a Reseller may act as, by name: read off the tree's name index, the total
        // off the counts kept on its row, so the page costs the same at 10 or 100 000 companies.
        let from_tree = *role == ClientRole::Reseller && request.matches_everything();
        let backend = self.backend();
        let statement = if from_tree {
            static FROM_TREE: Shaped<1> = Shaped::new();
            let parameters = vec![own.clone().into(), page_size.into(), offset.into()];
            FROM_TREE.statement(backend, 0, parameters, |p| {
                backend.build(&by_name(p[0].clone(), unsigned(&p[1]), unsigned(&p[2])))
            })
        } else {
            let query = matches()
                .column((S::Table, S::Id))
                .expr_window_as(Func::count(Expr::col(Asterisk)), WindowStatement::new(), Alias::new("total_rows"))
                .order_by_expr(s(S::Name), Order::Asc)
                .order_by_expr(s(S::Id), Order::Asc)
                .limit(page_size)
                .offset(offset)
                .to_owned();
            backend.build(&query)
        };
        // Planned for its values, as a filtered search page is (see `search_companies`).
        let txn = self.custom.begin().await?;
        let keys = PageKey::find_by_statement(statement).all(&txn).await?;
        let total = match keys.first() {
            Some(first) => first.total_rows.unwrap_or(0).max(0) as u64,
            None if offset == 0 => 0,
            None if from_tree => self.kept_totals(&root).await?.0,
            None => {
                // Past the last page: the count alone.
                #[derive(FromQueryResult)]
                struct Count {
                    total: i64,
                }
                let count = matches().expr_as(Func::count(Expr::col(Asterisk)), Alias::new("total")).to_owned();
                Count::find_by_statement(self.backend().build(&count))
                    .one(&txn)
                    .await?
                    .map_or(0, |c| c.total.max(0) as u64)
            }
        };
        let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
        let mut rows: std::collections::HashMap<String, companies::Model> = if ids.is_empty() {
            Default::default()
        } else {
            companies::Entity::find()
                .filter(companies::Column::Id.is_in(ids.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect()
        };
        txn.commit().await.map_err(SearchError::Database)?;
        let results = ids.iter().filter_map(|id| rows.remove(id)).map(TreeCompany::from).collect();
        Ok(MyCompaniesPage {
            page_number,
            page_size,
            total_records: total,
            total_pages: total.div_ceil(page_size),
            results,
        })
    }
}
