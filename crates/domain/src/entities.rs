//! sea-orm entities, one per table of the migrations, with the relations the foreign keys declare.
pub mod access_tokens;
pub mod accounts;
pub mod api_clients;
pub mod companies;
pub mod company_tags;
pub mod company_tree;
pub mod countries;
pub mod deletion_receipts;
pub mod idempotency_keys;
pub mod industries;
pub mod license_period_types;
pub mod license_types;
pub mod offers;
pub mod outbox;
pub mod sessions;
pub mod signing_keys;
pub mod target_users;
