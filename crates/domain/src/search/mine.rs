//! The companies an API client may act as (its own company and, for a Reseller, every company it
//! manages), found by name a page at a time: what a company switcher lists.
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Statement, TransactionTrait};

use super::{PageKey, Root, SearchError, filter, managed_cte_for};
use crate::companies::record::TreeCompany;
use crate::entities::companies;
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
        let mut sql = self.sql();
        let managed = managed_cte_for(&Root::At(own.clone()), &mut sql);
        let request = filter::Filter { condition: None, text: Some(text.to_owned()), groups: Vec::new() };
        let mut predicate = filter::compile(&request, &mut sql, Utc::now()).map_err(SearchError::InvalidFilter)?;
        if *role == ClientRole::CompanyAdmin {
            predicate = format!("({predicate}) AND s.id = {}", sql.bind(own.clone()));
        }
        let page_size = page_size.max(1);
        let offset = page_number.saturating_sub(1).saturating_mul(page_size).min(i64::MAX as u64);
        // Every company a Reseller may act as, by name: read off the tree's name index, the total
        // off the counts kept on its row, so the page costs the same at 10 or 100 000 companies.
        let from_tree = *role == ClientRole::Reseller && request.matches_everything();
        let statement = if from_tree {
            let mut page = filter::Sql::default();
            let root = page.bind(own.clone());
            let (limit, skip) = (page.bind(page_size as i64), page.bind(offset as i64));
            let text = format!(
                "SELECT descendant_id AS id,
                        (SELECT r.managed_companies + 1 FROM companies r WHERE r.id = {root}) AS total_rows,
                        CAST(0 AS BIGINT) AS exceeded_rows
                   FROM company_tree WHERE ancestor_id = {root}
                  ORDER BY name ASC, descendant_id ASC LIMIT {limit} OFFSET {skip}"
            );
            Statement::from_sql_and_values(self.backend(), text, page.values)
        } else {
            let (limit, skip) = (sql.bind(page_size as i64), sql.bind(offset as i64));
            let text = format!(
                "{}{} SELECT s.id, COUNT(*) OVER () AS total_rows, CAST(0 AS BIGINT) AS exceeded_rows
                   FROM s WHERE {predicate} ORDER BY s.name ASC, s.id ASC LIMIT {limit} OFFSET {skip}",
                managed.cte,
                managed.counted(sql.narrowed)
            );
            Statement::from_sql_and_values(self.backend(), text, sql.values.clone())
        };
        let txn = self.db.begin().await?;
        if self.backend() == sea_orm::DatabaseBackend::Postgres {
            // Planned for its values, as a filtered search page is (see `search_companies`).
            txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
        }
        let keys = PageKey::find_by_statement(statement).all(&txn).await?;
        let total = match keys.first() {
            Some(first) => first.total_rows.unwrap_or(0).max(0) as u64,
            None if offset == 0 => 0,
            None if from_tree => self.kept_totals(&Root::At(own.clone())).await?.0,
            None => {
                // Past the last page: the count alone.
                let mut values = sql.values;
                values.truncate(values.len() - 2);
                let count = format!(
                    "{}{} SELECT COUNT(*) AS total FROM s WHERE {predicate}",
                    managed.cte,
                    managed.counted(sql.narrowed)
                );
                #[derive(FromQueryResult)]
                struct Count {
                    total: i64,
                }
                let statement = Statement::from_sql_and_values(self.backend(), count, values);
                Count::find_by_statement(statement).one(&txn).await?.map_or(0, |c| c.total.max(0) as u64)
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
