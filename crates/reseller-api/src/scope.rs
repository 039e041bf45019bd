//! `X-KEEPNET-Company-Id` (or `?companyId=`): narrows a list call to one managed company.
use companygate_domain::CompanyId;

use crate::error::ApiError;

/// The scoping company, header first. An id that cannot name a company is simply not found.
pub fn parse(header: Option<String>, query: Option<String>) -> Result<Option<CompanyId>, ApiError> {
    CompanyId::scope_named(header.or(query).as_deref()).map_err(|_| ApiError::NotFound("Company not found"))
}
