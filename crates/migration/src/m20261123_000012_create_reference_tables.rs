use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The reference tables of the reseller dialect, with the rows the gateway ships.
const TABLES: [(&str, &[(&str, &str)]); 4] = [
    (
        "industries",
        &[
            ("industry0001", "Technology"),
            ("industry0002", "Finance"),
            ("industry0003", "Healthcare"),
            ("industry0004", "Education"),
            ("industry0005", "Government"),
            ("industry0006", "Retail"),
            ("industry0007", "Manufacturing"),
            ("industry0008", "Other"),
        ],
    ),
    (
        "countries",
        &[
            ("country00001", "Germany"),
            ("country00002", "France"),
            ("country00003", "Portugal"),
            ("country00004", "Spain"),
            ("country00005", "Turkey"),
            ("country00006", "United Kingdom"),
            ("country00007", "United States"),
            ("country00008", "Other"),
        ],
    ),
    ("license_types", &[("licenseType1", "Trial"), ("licenseType2", "Standard"), ("licenseType3", "Enterprise")]),
    (
        "license_period_types",
        &[("licPeriod001", "Monthly"), ("licPeriod002", "Yearly"), ("licPeriod003", "Three years")],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, rows) in TABLES {
            manager
                .create_table(
                    Table::create()
                        .table(Alias::new(table))
                        .col(string(Alias::new("id")).primary_key())
                        .col(string(Alias::new("name")))
                        .to_owned(),
                )
                .await?;
            let mut insert = Query::insert()
                .into_table(Alias::new(table))
                .columns([Alias::new("id"), Alias::new("name")])
                .to_owned();
            for (id, name) in rows {
                insert.values_panic([(*id).into(), (*name).into()]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
