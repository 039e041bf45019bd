//! Example values shown (and pre-filled) in the spec and Swagger UI.

/// `test-company-1` of the demo data, in the session dialect's hex spelling.
pub fn company_id() -> String {
    "43757374306d657230303031".into()
}

/// The same, as the path parameter's type.
pub fn company_id_param() -> crate::params::CompanyIdParam {
    crate::params::CompanyIdParam::new(company_id())
}
