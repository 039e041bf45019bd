//! `X-KEEPNET-Company-Id` (or `?companyId=`): narrows a list call to one managed company.
use companygate_domain::CompanyId;

use crate::error::ApiError;

/// The scoping company, header first. An id that cannot name a company is simply not found.
pub fn parse(header: Option<String>, query: Option<String>) -> Result<Option<CompanyId>, ApiError> {
    match header.or(query).filter(|s| !s.trim().is_empty()) {
        None => Ok(None),
        Some(raw) => CompanyId::from_resource_id(raw.trim()).map(Some).ok_or(ApiError::NotFound("Company not found")),
    }
}
