//! Reading single companies and plain listings.
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

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

    /// A company's newest offers (see [`Self::newest_offers`]; hidden ones only for its own account
    /// and admins), whatever state the company is in; only an unknown company is refused.
    pub async fn company_offers(&self, actor: &Actor, id: CompanyId) -> Result<CompanyDetails, LookupError> {
        let key = id.resource_id().ok_or(LookupError::NotFound(id))?;
        let company = companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(LookupError::NotFound(id))?;
        let offers = self.newest_offers(key, actor.is_account_of(id) || actor.has_admin_privileges()).await?;
        Ok(CompanyDetails { company, tags: Vec::new(), offers })
    }

    /// As upstream: the company's [`PROFILE_OFFERS`] newest offers, then those the caller may not
    /// see (hidden ones, unless `with_hidden`) left out, so a caller may see fewer.
    async fn newest_offers(&self, company: &str, with_hidden: bool) -> Result<Vec<offers::Model>, DbErr> {
        // Newest publication first, unpublished last; ties in the order they were written.
        let mut newest = offers::Entity::find()
            .filter(offers::Column::CompanyId.eq(company))
            .order_by_asc(sea_orm::sea_query::Expr::col(offers::Column::PublishDate).is_null())
            .order_by_desc(offers::Column::PublishDate)
            .order_by_asc(offers::Column::Id)
            .limit(PROFILE_OFFERS)
            .all(&self.db)
            .await?;
        newest.retain(|offer| with_hidden || !offer.is_hidden);
        Ok(newest)
    }

    /// A page of companies by name (byte order, as upstream's MongoDB sorts strings; ties by id);
    /// hidden (blocked, disabled) ones only for admins.
    pub async fn list_companies(&self, actor: &Actor, limit: u64, offset: u64) -> Result<CompanyPage, DbErr> {
        let mut query = companies::Entity::find();
        if !actor.has_admin_privileges() {
            query =
                query.filter(companies::Column::IsBlocked.eq(false)).filter(companies::Column::IsDisabled.eq(false));
        }
        let total = query.clone().count(&self.db).await?;
        let companies = query
            .order_by_asc(by_bytes(self.db.get_database_backend(), companies::Column::Name))
            .order_by_asc(companies::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(&self.db)
            .await?;
        Ok(CompanyPage { companies, total })
    }
}

/// `column` compared byte by byte (PostgreSQL's default collation follows the locale; SQLite's
/// is already binary), as `idx_companies_name_bytes` reads it.
fn by_bytes(backend: sea_orm::DatabaseBackend, column: companies::Column) -> sea_orm::sea_query::SimpleExpr {
    let name = sea_orm::sea_query::Iden::to_string(&column);
    match backend {
        sea_orm::DatabaseBackend::Postgres => sea_orm::sea_query::Expr::cust(format!(r#""{name}" COLLATE "C""#)),
        _ => sea_orm::sea_query::Expr::col(column).into(),
    }
}
