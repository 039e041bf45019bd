//! Reading single companies and plain listings.
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::deletion::tags_of;
use crate::entities::{companies, offers};
use crate::{Actor, CompanyId, Gateway};

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("company {0} does not exist")]
    NotFound(CompanyId),
    /// The caller may know the company exists (its own account, or admin privileges), but its
    /// profile is closed.
    #[error("the company's profile is closed: {0:?}")]
    Closed(ClosedProfile),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Why a company's profile is closed to a caller who may know it exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedProfile {
    /// The company has not finished its registration (closed to everyone).
    RegistrationNotFinished,
    /// An admin blocked the company (closed to its own account; admins still see it).
    Blocked,
}

/// Offers a company profile shows at most (the newest by publication).
pub const PROFILE_OFFERS: u64 = 5;

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
    /// A company's profile: the company with its newest offers (at most [`PROFILE_OFFERS`],
    /// hidden ones only for its own account and admins). Checked in this order: a company that
    /// has not finished its registration is closed to everyone; admins (session or god token)
    /// see the rest; a blocked company is closed to its own account; a blocked or disabled
    /// company does not exist for anyone else (a disabled one is open to its own account).
    /// "Closed" is [`LookupError::Closed`] for its own account and admins, [`LookupError::NotFound`]
    /// for the others, who learn nothing.
    pub async fn company_details(&self, actor: &Actor, id: CompanyId) -> Result<CompanyDetails, LookupError> {
        let key = id.resource_id().ok_or(LookupError::NotFound(id))?;
        let company = companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(LookupError::NotFound(id))?;
        let (own, admin) = (actor.is_account_of(id), actor.has_admin_privileges());
        let closed = |why| if own || admin { LookupError::Closed(why) } else { LookupError::NotFound(id) };
        if !company.has_finished_registration {
            return Err(closed(ClosedProfile::RegistrationNotFinished));
        }
        if !admin {
            if company.is_blocked {
                return Err(closed(ClosedProfile::Blocked));
            }
            if company.is_disabled && !own {
                return Err(LookupError::NotFound(id));
            }
        }
        let offers = self.newest_offers(key, own || admin).await?;
        let tags = tags_of(&self.db, key).await?;
        Ok(CompanyDetails { company, tags, offers })
    }

    /// A company's newest offers (at most [`PROFILE_OFFERS`], hidden ones only for its own
    /// account and admins), whatever state the company is in; only an unknown company is refused.
    pub async fn company_offers(&self, actor: &Actor, id: CompanyId) -> Result<CompanyDetails, LookupError> {
        let key = id.resource_id().ok_or(LookupError::NotFound(id))?;
        let company = companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(LookupError::NotFound(id))?;
        let offers = self.newest_offers(key, actor.is_account_of(id) || actor.has_admin_privileges()).await?;
        Ok(CompanyDetails { company, tags: Vec::new(), offers })
    }

    async fn newest_offers(&self, company: &str, with_hidden: bool) -> Result<Vec<offers::Model>, DbErr> {
        let mut query = offers::Entity::find().filter(offers::Column::CompanyId.eq(company));
        if !with_hidden {
            query = query.filter(offers::Column::IsHidden.eq(false));
        }
        // Newest publication first, unpublished last; ties in the order they were written.
        query
            .order_by_asc(sea_orm::sea_query::Expr::col(offers::Column::PublishDate).is_null())
            .order_by_desc(offers::Column::PublishDate)
            .order_by_asc(offers::Column::Id)
            .limit(PROFILE_OFFERS)
            .all(&self.db)
            .await
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
