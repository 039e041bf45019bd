//! Demo data for `companygate demo`.
use companygate_domain::Gateway;
use companygate_domain::fixtures::{Fixture, SeedError};

pub const FIXTURE: &str = include_str!("../demo.json");
pub const GOD_TOKEN: &str = "demo-god-token";

pub async fn seed(gateway: &Gateway) -> Result<(), SeedError> {
    gateway.seed(&Fixture::from_json(FIXTURE)?).await.map(drop)
}

/// What `demo` prints after start-up.
pub fn banner(base: &str, god_token: &str) -> String {
    format!(
        "companygate demo is running at {base}\n\
         \n  Swagger UI, reseller dialect: {base}/docs/reseller\
         \n  Swagger UI, session dialect:  {base}/docs/session\
         \n  OpenAPI specs:                {base}/openapi/reseller.json, {base}/openapi/session.json\
         \n\nDemo credentials\
         \n  Reseller API client:      client_id=acme-reseller       client_secret=s3cret-value\
         \n  Company Admin API client: client_id=acme-company-admin  client_secret=admin-s3cret\
         \n  Session accounts:         company1@email.com / password123 (company), admin@email.com / password123 (admin)\
         \n  God token:                {god_token}\
         \n  Companies to try:         Cust0mer0001 (test-company-1; session _id 43757374306d657230303031), Cust0mer0002, Cust0mer0003\n"
    )
}
