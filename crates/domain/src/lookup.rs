//! Reading single companies and plain listings.
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::deletion::tags_of;
use crate::entities::{companies, offers};
use crate::{Actor, CompanyId, Gateway};

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("company {0} does not exist")]
    NotFound(CompanyId),
    #[error(transparent)]
    Database(#[from] DbErr),
}

#[derive(Clone, Debug)]
pub struct CompanyDetails {
    pub company: companies::Model,
    pub tags: Vec<String>,
    pub offers: Vec<offers::Model>,
}

#[derive(Clone, Debug)]
pub struct CompanyPage {
    pub companies: Vec<companies::Model>,
    pub total: u64,
}

impl Gateway {
    /// A company with its offers. Blocked or disabled companies exist only for admins and for the
    /// company's own account.
    pub async fn company_details(&self, actor: &Actor, id: CompanyId) -> Result<CompanyDetails, LookupError> {
        let key = id.resource_id().ok_or(LookupError::NotFound(id))?;
        let company = companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(LookupError::NotFound(id))?;
        // Admins and the company's own account see blocked and disabled companies and hidden offers.
        let privileged = actor.has_admin_privileges() || actor.is_account_of(id);
        if (company.is_blocked || company.is_disabled) && !privileged {
            return Err(LookupError::NotFound(id));
        }
        let mut query = offers::Entity::find().filter(offers::Column::CompanyId.eq(key));
        if !privileged {
            query = query.filter(offers::Column::IsHidden.eq(false));
        }
        let offers = query.order_by_asc(offers::Column::Id).all(&self.db).await?;
        let tags = tags_of(&self.db, key).await?;
        Ok(CompanyDetails { company, tags, offers })
    }

    /// A page of companies in creation order; hidden (blocked, disabled) ones only for admins.
    pub async fn list_companies(&self, actor: &Actor, limit: u64, offset: u64) -> Result<CompanyPage, DbErr> {
        let mut query = companies::Entity::find();
        if !actor.has_admin_privileges() {
            query =
                query.filter(companies::Column::IsBlocked.eq(false)).filter(companies::Column::IsDisabled.eq(false));
        }
        let total = query.clone().count(&self.db).await?;
        let companies = query
            .order_by_asc(companies::Column::CreateTime)
            .order_by_asc(companies::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&self.db)
            .await?;
        Ok(CompanyPage { companies, total })
    }
}
