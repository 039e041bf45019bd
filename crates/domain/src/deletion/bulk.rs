//! Bulk deletion as the original offers it: named companies, or everything a filter selects minus
//! exclusions. Each company is deleted in its own transaction by `delete_company`, so none is ever
//! half-deleted; the answer says per company what happened.
use crate::scoped::Unreadable;
use crate::search::{Filter, SearchError};
use crate::{Actor, CompanyId, DeleteCompanyError, Gateway};

#[derive(Clone, Debug)]
pub enum BulkSelection {
    /// These resource ids, as sent.
    Items(Vec<String>),
    /// Every managed company (in the request's scope, if given) that `filter` selects, except
    /// `excluded`.
    All { filter: Filter, excluded: Vec<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkOutcome {
    Deleted,
    NotFound,
    Forbidden,
    /// It still manages companies that were not deleted with it.
    Conflict,
    /// An unexpected failure; the company is untouched.
    Failed,
}

/// Most companies one bulk request may name or select.
pub const MAX_BULK: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum BulkDeleteError {
    #[error("too many companies in one request (at most {MAX_BULK})")]
    TooMany { max: usize },
    /// The scope as given cannot name a company.
    #[error("the scope names no company")]
    ScopeNotFound,
    #[error("the selection could not be read: {0:?}")]
    Unreadable(Unreadable),
    #[error(transparent)]
    Select(#[from] SearchError),
    #[error(transparent)]
    NotPermitted(DeleteCompanyError),
}

impl Gateway {
    /// Deletes the selected companies, each in its own transaction, in this order of checks: the
    /// actor may delete at all; the scope as given names a company; the selection is readable;
    /// the scope is a company the actor manages (for `All`); at most [`MAX_BULK`] companies.
    pub async fn bulk_delete(
        &self,
        actor: &Actor,
        scope: Option<&str>,
        selection: Result<BulkSelection, Unreadable>,
    ) -> Result<Vec<(String, BulkOutcome)>, BulkDeleteError> {
        self.ensure_may_delete(actor).map_err(BulkDeleteError::NotPermitted)?;
        let scope = CompanyId::scope_named(scope).map_err(|_| BulkDeleteError::ScopeNotFound)?;
        let ids = match selection.map_err(BulkDeleteError::Unreadable)? {
            BulkSelection::Items(mut ids) => {
                let mut seen = std::collections::HashSet::new();
                ids.retain(|id| seen.insert(id.clone()));
                ids
            }
            BulkSelection::All { filter, excluded } => {
                let root = self.search_root(actor, scope).await?;
                // One more than may be deleted once the excluded are left out: enough to tell
                // that too many are selected, however many the filter selects.
                let at_most = (MAX_BULK + 1 + excluded.len()) as u64;
                let mut ids = self.managed_ids(&root, &filter, at_most).await?;
                let excluded: std::collections::HashSet<&String> = excluded.iter().collect();
                ids.retain(|id| !excluded.contains(id));
                ids
            }
        };
        if ids.len() > MAX_BULK {
            return Err(BulkDeleteError::TooMany { max: MAX_BULK });
        }
        let mut outcomes: Vec<(String, BulkOutcome)> = Vec::with_capacity(ids.len());
        for id in &ids {
            outcomes.push((id.clone(), self.delete_one(actor, id).await));
        }
        // A parent listed before its children conflicts on the first pass; once the children are
        // gone it can go too. Repeat while that makes progress.
        loop {
            let mut progress = false;
            for (id, outcome) in outcomes.iter_mut().filter(|(_, o)| *o == BulkOutcome::Conflict) {
                let retried = self.delete_one(actor, id).await;
                progress |= retried == BulkOutcome::Deleted;
                *outcome = retried;
            }
            if !progress {
                break;
            }
        }
        Ok(outcomes)
    }

    async fn delete_one(&self, actor: &Actor, raw: &str) -> BulkOutcome {
        let Some(id) = CompanyId::from_resource_id(raw) else { return BulkOutcome::NotFound };
        match self.delete_company(actor, id).await {
            Ok(_) => BulkOutcome::Deleted,
            Err(DeleteCompanyError::NotFound(_)) => BulkOutcome::NotFound,
            Err(DeleteCompanyError::Forbidden(_) | DeleteCompanyError::NotPermitted) => BulkOutcome::Forbidden,
            Err(DeleteCompanyError::HasManagedCompanies(_)) => BulkOutcome::Conflict,
            // Logged where the deletion failed.
            Err(DeleteCompanyError::Database(_) | DeleteCompanyError::IdempotencyKeyReused) => BulkOutcome::Failed,
        }
    }
}
