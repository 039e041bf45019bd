//! sea-orm entities, one per table of the migrations, with the relations the foreign keys declare.
pub mod access_tokens;
pub mod accounts;
pub mod api_clients;
pub mod companies;
pub mod company_tags;
pub mod company_tree;
pub mod deletion_receipts;
pub mod idempotency_keys;
pub mod offers;
pub mod outbox;
pub mod sessions;
pub mod signing_keys;
pub mod target_users;

/// A reference table shipped by the migrations (the ids a company's form points into): `id`,
/// `name`, and the companies that point at it.
macro_rules! reference_table {
    ($module:ident, $table:literal) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key, auto_increment = false)]
                pub id: String,
                pub name: String,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {
                #[sea_orm(has_many = "super::companies::Entity")]
                Companies,
            }

            impl Related<super::companies::Entity> for Entity {
                fn to() -> RelationDef {
                    Relation::Companies.def()
                }
            }

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

reference_table!(industries, "industries");
reference_table!(countries, "countries");
reference_table!(license_types, "license_types");
reference_table!(license_period_types, "license_period_types");
