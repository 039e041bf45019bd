//! Per-manager histograms of the keys search filters compare (`company_facets`): for every company
//! and every strict ancestor, one company counted under the ancestor at the company's active
//! target users, creation day, licence end day (or "no licence end"), tag set and reseller name
//! (and, from migration 34, target users and tag set together; from migration 35, the short texts
//! in its name), split by the exceeded flag. A
//! filtered search's totals are then a sum over a manager's few distinct values, not a count of
//! its matching companies. Writers only append signed rows (`merged` false), so they never
//! wait on one another's rows; a compaction folds a key's rows into one (`merged` true).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What each facet counts, by its code in `company_facets.facet`.
pub mod facet {
    use sea_orm_migration::sea_orm::DatabaseBackend;

    pub const TARGET_USERS: i16 = 1;
    pub const CREATION_DAY: i16 = 2;
    pub const LICENCE_END_DAY: i16 = 3;
    pub const NO_LICENCE_END: i16 = 4;
    /// The company's tags, lower-cased, as one set (`label`: [`tag_set`]'s text, empty for none).
    pub const TAG_SET: i16 = 5;
    /// The parent's name, lower-cased (`label`; empty for none), as a search compares it.
    pub const RESELLER_NAME: i16 = 6;
    /// Active target users (`value`) and tag set (`label`, as [`TAG_SET`]'s) together: a filter
    /// over both, in any combination, is summed over one row per distinct pair (migration 34).
    pub const TARGET_USERS_BY_TAG_SET: i16 = 7;
    /// Each distinct text of one or two characters in the company's lower-cased name (`label`),
    /// which a `Contains` too short for the trigram indexes compares (migration 35).
    pub const NAME_GRAM: i16 = 8;

    /// After `WITH RECURSIVE`: `pos(i)`, the positions 1 up to the length of the longest
    /// lower-cased `name` in `table`, and `gram_widths(w)`, 1 and 2; what [`grams`] reads.
    pub fn gram_ctes(table: &str) -> String {
        format!(
            "pos(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM pos
                        WHERE i < (SELECT COALESCE(MAX(length(lower(name))), 0) FROM {table})),
             gram_widths(w) AS (SELECT 1 UNION ALL SELECT 2)"
        )
    }

    /// Joins and conditions (`CROSS JOIN ... WHERE ...`) that give each row of `alias` once per
    /// distinct gram of its lower-cased `name` (one or two characters, taken where it first
    /// occurs), the gram being [`gram`]; the CTEs of [`gram_ctes`] must be in scope.
    pub fn grams(backend: DatabaseBackend, alias: &str) -> String {
        let first = if backend == DatabaseBackend::Postgres { "strpos" } else { "instr" };
        format!(
            "CROSS JOIN pos CROSS JOIN gram_widths
             WHERE pos.i + gram_widths.w - 1 <= length(lower({alias}.name))
               AND {first}(lower({alias}.name), {gram}) = pos.i",
            gram = gram(alias)
        )
    }

    /// The gram of `alias`'s name at the position and width [`grams`] joins.
    pub fn gram(alias: &str) -> String {
        format!("substr(lower({alias}.name), pos.i, gram_widths.w)")
    }

    /// The tags of the company whose id is `id` (an SQL expression), lower-cased, distinct and
    /// sorted, as a JSON array of strings; NULL when it has none. Equal sets have equal texts.
    pub fn tag_set(backend: DatabaseBackend, id: &str) -> String {
        match backend {
            DatabaseBackend::Postgres => format!(
                "(SELECT CAST(json_agg(ts.t ORDER BY ts.t) AS TEXT) FROM
                   (SELECT DISTINCT lower(tag) AS t FROM company_tags WHERE company_id = {id}) ts)"
            ),
            _ => format!(
                "(SELECT CASE WHEN count(*) = 0 THEN NULL ELSE json_group_array(ts.t) END FROM
                   (SELECT DISTINCT lower(tag) AS t FROM company_tags WHERE company_id = {id} ORDER BY t) ts)"
            ),
        }
    }

    /// The UTC day of the timestamp `column` as days since 1970-01-01.
    pub fn day(backend: DatabaseBackend, column: &str) -> String {
        match backend {
            DatabaseBackend::Postgres => {
                format!("CAST((({column}) AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS BIGINT)")
            }
            _ => format!("CAST(julianday(date({column})) - 2440587.5 AS INTEGER)"),
        }
    }

    /// Which facets a write's rows cover.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Covered {
        All,
        /// All but [`NAME_GRAM`]: the write changed neither a name nor an exceeded flag, so the
        /// grams' rows would net to zero.
        AllButNameGrams,
    }

    /// The facet rows `(ancestor_id, facet, value, label, exceeded, n)` of the keys `k` (a table
    /// or common table expression with `ancestor_id`, `name`, `target_user_count`, `create_time`,
    /// `license_end_date`, `tags`, `reseller_name`, `limit_exceeded` and a signed count `n`), the
    /// CTEs of [`gram_ctes`] over `k` in scope when they cover the grams.
    pub fn rows_of_k(backend: DatabaseBackend, covered: Covered) -> String {
        let (created, ends) = (day(backend, "create_time"), day(backend, "license_end_date"));
        let name_grams = match covered {
            Covered::All => format!(
                "UNION ALL SELECT ancestor_id, {NAME_GRAM}, 0, {gram}, limit_exceeded, n FROM k {grams}",
                gram = gram("k"),
                grams = grams(backend, "k"),
            ),
            Covered::AllButNameGrams => String::new(),
        };
        format!(
            "SELECT ancestor_id, {TARGET_USERS} AS facet, target_user_count AS value, '' AS label,
                    limit_exceeded AS exceeded, n FROM k
             UNION ALL SELECT ancestor_id, {CREATION_DAY}, {created}, '', limit_exceeded, n FROM k
                       WHERE create_time IS NOT NULL
             UNION ALL SELECT ancestor_id, {LICENCE_END_DAY}, {ends}, '', limit_exceeded, n FROM k
                       WHERE license_end_date IS NOT NULL
             UNION ALL SELECT ancestor_id, {NO_LICENCE_END}, 0, '', limit_exceeded, n FROM k
                       WHERE license_end_date IS NULL
             UNION ALL SELECT ancestor_id, {TAG_SET}, 0, COALESCE(tags, ''), limit_exceeded, n FROM k
             UNION ALL SELECT ancestor_id, {TARGET_USERS_BY_TAG_SET}, target_user_count, COALESCE(tags, ''),
                              limit_exceeded, n FROM k
             UNION ALL SELECT ancestor_id, {RESELLER_NAME}, 0, lower(COALESCE(reseller_name, '')), limit_exceeded, n
                       FROM k
             {name_grams}"
        )
    }

    /// `WITH k AS (keys) INSERT` the facet rows of `keys` (see [`rows_of_k`]), summed per key,
    /// leaving out the sums that are zero.
    pub fn insert(backend: DatabaseBackend, keys: &str, merged: bool, covered: Covered) -> String {
        let ctes = match covered {
            Covered::All => format!(", {}", gram_ctes("k")),
            Covered::AllButNameGrams => String::new(),
        };
        format!(
            "WITH RECURSIVE k AS MATERIALIZED ({keys}){ctes}
             INSERT INTO company_facets (ancestor_id, facet, value, label, exceeded, companies, merged)
             SELECT ancestor_id, facet, value, label, exceeded, SUM(n), {merged} FROM ({rows}) f
             GROUP BY ancestor_id, facet, value, label, exceeded HAVING SUM(n) <> 0",
            rows = rows_of_k(backend, covered),
            merged = if merged { "TRUE" } else { "FALSE" },
        )
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let ancestor = if backend == DatabaseBackend::Postgres { "VARCHAR" } else { "TEXT" };
        db.execute_unprepared(&format!(
            "CREATE TABLE company_facets (
               ancestor_id {ancestor} NOT NULL,
               facet SMALLINT NOT NULL,
               value BIGINT NOT NULL,
               label TEXT NOT NULL,
               exceeded BOOLEAN NOT NULL,
               companies BIGINT NOT NULL,
               merged BOOLEAN NOT NULL
             )"
        ))
        .await?;
        // Sums read by the search (covering), and the keys a compaction has left to fold.
        db.execute_unprepared(
            "CREATE INDEX idx_company_facets_key
             ON company_facets (ancestor_id, facet, value, label, exceeded, companies)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_company_facets_unmerged ON company_facets (ancestor_id, facet, value, label)
             WHERE NOT merged",
        )
        .await?;
        if backend == DatabaseBackend::Postgres {
            // Folding rewrites rows all day: vacuumed early, the sums stay index-only reads.
            db.execute_unprepared(
                "ALTER TABLE company_facets SET (autovacuum_vacuum_scale_factor = 0.01,
                                                 autovacuum_vacuum_insert_scale_factor = 0.01)",
            )
            .await?;
        }
        // Each link carries its company's tag set (what a tag condition is checked on while a page
        // walks the tree), and the companies with a tag are found by the tag as searched.
        db.execute_unprepared("ALTER TABLE company_tree ADD COLUMN tags TEXT").await?;
        db.execute_unprepared(&format!(
            "UPDATE company_tree SET tags = {}",
            facet::tag_set(backend, "company_tree.descendant_id")
        ))
        .await?;
        db.execute_unprepared("CREATE INDEX idx_company_tags_lower_tag ON company_tags (lower(tag), company_id)")
            .await?;
        // The companies below a parent of a name, as searched.
        db.execute_unprepared("CREATE INDEX idx_companies_lower_name ON companies (lower(name))").await?;
        let keys = "SELECT ancestor_id, name, target_user_count, create_time, license_end_date, tags, reseller_name,
                           limit_exceeded, 1 AS n
                    FROM company_tree WHERE depth > 0";
        db.execute_unprepared(&facet::insert(backend, keys, true, facet::Covered::All)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_companies_lower_name").await?;
        db.execute_unprepared("DROP INDEX idx_company_tags_lower_tag").await?;
        db.execute_unprepared("ALTER TABLE company_tree DROP COLUMN tags").await?;
        db.execute_unprepared("DROP TABLE company_facets").await.map(drop)
    }
}
