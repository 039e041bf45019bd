//! A number for every company, as the vendor's spec has one: `CompanyDto.parentId` and
//! `GET /api/companies/getcompany/{companyId}` are int32 company ids. Existing companies are numbered
//! in creation order; a new company takes the next number, and a deleted company's number is never
//! given again (PostgreSQL: a sequence; SQLite: a counter row moved by an insert trigger in the
//! inserting transaction, one writer at a time).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NUMBER_EXISTING: &str = "UPDATE companies SET number = n.k
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY create_time, id) AS k FROM companies) n
    WHERE n.id = companies.id";

const POSTGRES_UP: [&str; 6] = [
    "ALTER TABLE companies ADD COLUMN number INTEGER",
    NUMBER_EXISTING,
    "CREATE SEQUENCE companies_number_seq AS INTEGER OWNED BY companies.number",
    "SELECT setval('companies_number_seq', COALESCE((SELECT MAX(number) FROM companies), 0) + 1, false)",
    "ALTER TABLE companies ALTER COLUMN number SET DEFAULT nextval('companies_number_seq'),
       ALTER COLUMN number SET NOT NULL",
    "CREATE UNIQUE INDEX idx_companies_number ON companies (number)",
];

const SQLITE_UP: [&str; 6] = [
    "ALTER TABLE companies ADD COLUMN number INTEGER",
    NUMBER_EXISTING,
    "CREATE TABLE company_number_counter (last INTEGER NOT NULL)",
    "INSERT INTO company_number_counter (last) SELECT COALESCE(MAX(number), 0) FROM companies",
    "CREATE UNIQUE INDEX idx_companies_number ON companies (number)",
    "CREATE TRIGGER company_number AFTER INSERT ON companies WHEN new.number IS NULL BEGIN
       UPDATE company_number_counter SET last = last + 1;
       UPDATE companies SET number = (SELECT last FROM company_number_counter) WHERE id = new.id;
     END",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                &["DROP INDEX idx_companies_number", "ALTER TABLE companies DROP COLUMN number"]
            }
            _ => &[
                "DROP TRIGGER company_number",
                "DROP TABLE company_number_counter",
                "DROP INDEX idx_companies_number",
                "ALTER TABLE companies DROP COLUMN number",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
