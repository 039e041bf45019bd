//! Example values shown (and pre-filled) in the spec and Swagger UI.

/// A company of the demo data.
pub fn company_resource_id() -> String {
    "Cust0mer0002".into()
}
