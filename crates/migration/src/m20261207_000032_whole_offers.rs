//! Offers stored whole, as the session dialect's upstream models them (`src/models/Offer.js`):
//! durations, contacts, requirements, pay, vacancies, the owner's logo, coordinates, where to
//! apply, the admin's reason, when the offer last changed and how often (`__v`). Offers stored
//! before have none of these (the columns allow that).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            integer_null(Offers::JobMinDuration),
            integer_null(Offers::JobMaxDuration),
            timestamp_with_time_zone_null(Offers::JobStartDate),
            json_null(Offers::Contacts),
            boolean_null(Offers::IsPaid),
            integer_null(Offers::Vacancies),
            json_null(Offers::Requirements),
            text_null(Offers::OwnerLogo),
            json_null(Offers::Coordinates),
            text_null(Offers::ApplyUrl),
            text_null(Offers::AdminReason),
            timestamp_with_time_zone_null(Offers::UpdateTime),
            integer(Offers::Version).default(0).to_owned(),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Offers::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Offers::JobMinDuration,
            Offers::JobMaxDuration,
            Offers::JobStartDate,
            Offers::Contacts,
            Offers::IsPaid,
            Offers::Vacancies,
            Offers::Requirements,
            Offers::OwnerLogo,
            Offers::Coordinates,
            Offers::ApplyUrl,
            Offers::AdminReason,
            Offers::UpdateTime,
            Offers::Version,
        ] {
            manager.alter_table(Table::alter().table(Offers::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    JobMinDuration,
    JobMaxDuration,
    JobStartDate,
    Contacts,
    IsPaid,
    Vacancies,
    Requirements,
    OwnerLogo,
    Coordinates,
    ApplyUrl,
    AdminReason,
    UpdateTime,
    Version,
}
