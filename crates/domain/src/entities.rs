//! sea-orm entities, one per table of the migrations.
pub mod access_tokens;
pub mod accounts;
pub mod api_clients;
pub mod companies;
pub mod company_tags;
pub mod deletion_receipts;
pub mod idempotency_keys;
pub mod offers;
pub mod outbox;
pub mod sessions;
pub mod signing_keys;
pub mod target_users;
