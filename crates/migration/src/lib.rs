//! Schema of companygate. One change per file; a merged migration is never edited, a mistake is
//! fixed by a new one. Every foreign-key column has an index.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_companies;
mod m20261123_000002_create_company_tags;
mod m20261123_000003_create_accounts;
mod m20261123_000004_create_offers;
mod m20261123_000005_create_target_users;
mod m20261123_000006_create_api_clients;
mod m20261123_000007_create_access_tokens;
mod m20261123_000008_create_sessions;
mod m20261123_000009_create_deletion_receipts;
mod m20261123_000010_create_outbox;
mod m20261123_000011_create_signing_keys;
mod m20261123_000012_create_reference_tables;
mod m20261123_000013_create_idempotency_keys;
mod m20261124_000014_outbox_next_attempt;
mod m20261201_000015_target_user_counts;
mod m20261201_000016_target_users_natural_key;
mod m20261201_000017_company_tree;
mod m20261202_000018_subtree_counts;
mod m20261202_000019_tree_sort_keys;
mod m20261202_000020_company_name_search;
mod m20261202_000021_subtree_version;
mod m20261202_000022_drop_redundant_target_user_index;
mod m20261202_000023_name_index_without_pending_list;
mod m20261202_000024_privacy_duration;
mod m20261202_000025_company_numbers;
mod m20261203_000026_change_notices;
mod m20261203_000027_company_paths;
mod m20261206_000028_drop_change_notices;
mod m20261206_000029_tree_order_keys;
mod m20261207_000030_company_facets;
mod m20261207_000031_companies_by_name;
mod m20261207_000032_whole_offers;
mod m20261207_000033_client_order_indexes;
mod m20261207_000034_target_users_by_tag_set;
mod m20261207_000035_name_grams;
mod m20261207_000036_name_grams_by_name;
mod m20261208_000037_tags_under_managers;
mod m20261208_000038_license_period_months;
pub use m20261207_000030_company_facets::facet;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_companies::Migration),
            Box::new(m20261123_000002_create_company_tags::Migration),
            Box::new(m20261123_000003_create_accounts::Migration),
            Box::new(m20261123_000004_create_offers::Migration),
            Box::new(m20261123_000005_create_target_users::Migration),
            Box::new(m20261123_000006_create_api_clients::Migration),
            Box::new(m20261123_000007_create_access_tokens::Migration),
            Box::new(m20261123_000008_create_sessions::Migration),
            Box::new(m20261123_000009_create_deletion_receipts::Migration),
            Box::new(m20261123_000010_create_outbox::Migration),
            Box::new(m20261123_000011_create_signing_keys::Migration),
            Box::new(m20261123_000012_create_reference_tables::Migration),
            Box::new(m20261123_000013_create_idempotency_keys::Migration),
            Box::new(m20261124_000014_outbox_next_attempt::Migration),
            Box::new(m20261201_000015_target_user_counts::Migration),
            Box::new(m20261201_000016_target_users_natural_key::Migration),
            Box::new(m20261201_000017_company_tree::Migration),
            Box::new(m20261202_000018_subtree_counts::Migration),
            Box::new(m20261202_000019_tree_sort_keys::Migration),
            Box::new(m20261202_000020_company_name_search::Migration),
            Box::new(m20261202_000021_subtree_version::Migration),
            Box::new(m20261202_000022_drop_redundant_target_user_index::Migration),
            Box::new(m20261202_000023_name_index_without_pending_list::Migration),
            Box::new(m20261202_000024_privacy_duration::Migration),
            Box::new(m20261202_000025_company_numbers::Migration),
            Box::new(m20261203_000026_change_notices::Migration),
            Box::new(m20261203_000027_company_paths::Migration),
            Box::new(m20261206_000028_drop_change_notices::Migration),
            Box::new(m20261206_000029_tree_order_keys::Migration),
            Box::new(m20261207_000030_company_facets::Migration),
            Box::new(m20261207_000031_companies_by_name::Migration),
            Box::new(m20261207_000032_whole_offers::Migration),
            Box::new(m20261207_000033_client_order_indexes::Migration),
            Box::new(m20261207_000034_target_users_by_tag_set::Migration),
            Box::new(m20261207_000035_name_grams::Migration),
            Box::new(m20261207_000036_name_grams_by_name::Migration),
            Box::new(m20261208_000037_tags_under_managers::Migration),
            Box::new(m20261208_000038_license_period_months::Migration),
        ]
    }
}

/// An index on one column, named after table and column so every migration names them alike.
pub(crate) fn index_on(table: impl Iden + 'static, column: impl Iden + 'static) -> IndexCreateStatement {
    let name = format!("idx_{}_{}", table.to_string(), column.to_string());
    Index::create().name(name).table(table).col(column).to_owned()
}
