//! The fixture format of `companygate seed`: companies, accounts, offers, target users and API
//! clients in one JSON file, loaded in one transaction and upserted by their natural keys.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    TryIntoModel,
};
use serde::{Deserialize, Serialize};

use crate::credentials::passwords;
use crate::entities::{accounts, api_clients, companies, company_tags, offers, target_users};

mod offer;
use crate::{ClientRole, CompanyId, Gateway};
pub use offer::{FIELD_TYPES, FixtureOffer, HIDDEN_REASONS, JOB_TYPES, Point, TECHNOLOGY_TYPES};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Fixture {
    #[serde(default)]
    pub companies: Vec<FixtureCompany>,
    #[serde(default)]
    pub accounts: Vec<FixtureAccount>,
    #[serde(default)]
    pub offers: Vec<FixtureOffer>,
    #[serde(default)]
    pub target_users: Vec<FixtureTargetUser>,
    #[serde(default)]
    pub api_clients: Vec<FixtureApiClient>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixtureCompany {
    pub resource_id: Option<String>,
    pub name: String,
    pub parent: Option<String>,
    pub has_finished_registration: Option<bool>,
    pub contacts: Option<Vec<String>>,
    pub bio: Option<String>,
    pub logo: Option<String>,
    pub is_blocked: Option<bool>,
    pub is_disabled: Option<bool>,
    pub admin_reason: Option<String>,
    pub number_of_users: Option<i32>,
    pub is_number_of_users_limited: Option<bool>,
    pub license_start_date: Option<DateTime<Utc>>,
    pub license_end_date: Option<DateTime<Utc>>,
    pub tags: Option<Vec<String>>,
    pub create_time: Option<DateTime<Utc>>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website_url: Option<String>,
    pub status_id: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixtureAccount {
    pub email: String,
    pub password: Option<String>,
    pub is_admin: Option<bool>,
    pub company: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixtureTargetUser {
    pub company: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixtureApiClient {
    pub company: String,
    pub client_id: String,
    pub client_secret: String,
    pub role: String,
    pub name: Option<String>,
    pub status_id: Option<i32>,
}

/// What a seed created or updated, printed by `companygate seed`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    pub companies: Vec<SeededCompany>,
    pub accounts: Vec<String>,
    pub offers: usize,
    pub target_users: usize,
    pub api_clients: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeededCompany {
    pub name: String,
    pub resource_id: String,
    #[serde(rename = "_id")]
    pub hex_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("fixture is not valid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl Fixture {
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        serde_json::from_str(text).map_err(|e| SeedError::Invalid(e.to_string()))
    }
}

fn invalid(entry: String, why: &str) -> SeedError {
    SeedError::Invalid(format!("{entry}: {why}"))
}

impl Gateway {
    /// Loads a fixture in one transaction: all of it or none of it.
    pub async fn seed(&self, fixture: &Fixture) -> Result<SeedReport, SeedError> {
        let txn = self.writer.begin().await?;
        let report = seed_in(&txn, fixture).await?;
        txn.commit().await?;
        // A load appends facet rows per batch; folded now, searches sum one row per value.
        while crate::tree::facets::compact(&self.writer, 100).await? > 0 {}
        // Fresh rows have no planner statistics until autovacuum gets to them; search plans
        // badly without them, so a bulk load refreshes them at once.
        // The name index's pending entries (see migration 23) are merged too, so searches do not
        // scan them.
        if self.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            self.writer.execute_unprepared("ANALYZE").await?;
            // The links and facets a load wrote (and the facets' folding rewrote) become visible
            // to index-only reads: a sum over a manager's facets read 3 000 heap pages before.
            self.writer.execute_unprepared("VACUUM company_facets, company_tree").await?;
            self.writer
                .execute_unprepared(
                    "SELECT gin_clean_pending_list(CAST(indexname AS regclass)) FROM pg_indexes \
                     WHERE indexname = 'idx_companies_name_trigrams'",
                )
                .await?;
        } else if report.companies.len() >= NAME_INDEX_MERGE_AFTER {
            // SQLite's name index (FTS5) grows by segments, each of which a search reads on its
            // own; a bulk load leaves hundreds of them. Merged into one, a name search over
            // 100 000 companies read its matches in two thirds of the time.
            self.writer.execute_unprepared("INSERT INTO company_names (company_names) VALUES ('optimize')").await?;
        }
        Ok(report)
    }
}

/// Companies in a load at which it merges SQLite's name index (a merge rewrites all of it).
const NAME_INDEX_MERGE_AFTER: usize = 1_000;

async fn seed_in(txn: &impl ConnectionTrait, fixture: &Fixture) -> Result<SeedReport, SeedError> {
    let mut report = SeedReport::default();
    let ids = plan_company_ids(fixture)?;
    let mut managers = Vec::new();
    let target_users = latest_target_users(&fixture.target_users);
    let counts = state_counts(&fixture.target_users, &target_users);
    let (known, new) = seed_companies(txn, fixture, &ids, &counts, &mut report, &mut managers).await?;
    refresh_statistics(txn, ids.len(), "companies, company_tree, company_tags, company_tree_tags").await?;

    for (i, a) in fixture.accounts.iter().enumerate() {
        let entry = format!("accounts[{i}] ({:?})", a.email);
        let email = a.email.trim().to_lowercase();
        if !email.contains('@') {
            return Err(invalid(entry, "email is not an e-mail address"));
        }
        let is_admin = a.is_admin.unwrap_or(false);
        if is_admin == a.company.is_some() {
            return Err(invalid(entry, "an account is either an admin (no company) or has a company"));
        }
        if let Some(company) = &a.company {
            require_company(txn, company, &entry).await?;
        }
        let password = a.password.clone().unwrap_or_else(|| CompanyId::generate().to_string());
        let hash =
            tokio::task::spawn_blocking(move || passwords::hash(&password)).await.expect("hashing does not panic");
        let existing = accounts::Entity::find().filter(accounts::Column::Email.eq(&email)).one(txn).await?;
        let mut model = match existing {
            Some(found) => found.into_active_model(),
            None => accounts::ActiveModel { create_time: Set(Utc::now()), ..Default::default() },
        };
        model.email = Set(email.clone());
        model.password_hash = Set(hash);
        model.is_admin = Set(is_admin);
        model.company_id = Set(a.company.clone());
        model.save(txn).await?;
        report.accounts.push(email);
    }

    seed_offers(txn, &fixture.offers, &known).await?;
    report.offers = fixture.offers.len();

    seed_target_users(txn, &fixture.target_users, &target_users, &known, &new).await?;
    report.target_users = fixture.target_users.len();

    for (i, c) in fixture.api_clients.iter().enumerate() {
        let entry = format!("apiClients[{i}] ({:?})", c.client_id);
        require_company(txn, &c.company, &entry).await?;
        let role = ClientRole::parse(&c.role)
            .ok_or_else(|| invalid(entry.clone(), "role must be Reseller or Company Admin"))?;
        let status = c.status_id.unwrap_or(1);
        if !(c.client_id.len() <= 32 && !c.client_id.is_empty() && (status == 1 || status == 2)) {
            return Err(invalid(entry, "clientId must be 1..=32 characters and statusId 1 or 2"));
        }
        let secret = c.client_secret.clone();
        let hash = tokio::task::spawn_blocking(move || passwords::hash(&secret)).await.expect("hashing does not panic");
        let existing =
            api_clients::Entity::find().filter(api_clients::Column::ClientId.eq(&c.client_id)).one(txn).await?;
        let mut model = match existing {
            Some(found) => found.into_active_model(),
            None => api_clients::ActiveModel {
                resource_id: Set(CompanyId::generate().to_string()),
                create_time: Set(Utc::now()),
                has_ip_address_restriction: Set(false),
                ..Default::default()
            },
        };
        model.company_id = Set(c.company.clone());
        model.client_id = Set(c.client_id.clone());
        model.secret_hash = Set(hash);
        model.name = Set(c.name.clone().unwrap_or_else(|| c.client_id.clone()));
        model.role = Set(role.as_str().to_owned());
        model.status_id = Set(status);
        model.save(txn).await?;
        report.api_clients.push(c.client_id.clone());
    }

    // The companies written and those whose target users changed, and everything managing them
    // now or (for a moved company) before: their flags and counts, recounted once.
    let mut touched: Vec<&str> = ids.iter().map(String::as_str).collect();
    touched.extend(fixture.target_users.iter().map(|t| t.company.as_str()));
    touched.sort_unstable();
    touched.dedup();
    managers.extend(crate::tree::counts::ancestors_of(txn, &touched).await?);
    managers.sort_unstable();
    managers.dedup();
    crate::tree::counts::recount(txn, &touched, &managers).await?;
    Ok(report)
}

/// Target users per statement: six values a row, well under both databases' limits.
const TARGET_USER_BATCH: usize = 1000;

/// Target users per statement where a batch is one JSON parameter (PostgreSQL).
const TARGET_USER_JSON_BATCH: usize = 10_000;

/// The entries of a fixture's target users that are written, one per (company, e-mail) (a repeated
/// key: the last entry wins), in key order, so each batch lands in neighbouring index pages
/// instead of all over them.
fn latest_target_users(users: &[FixtureTargetUser]) -> Vec<usize> {
    let mut latest: HashMap<(&str, &str), usize> = HashMap::with_capacity(users.len());
    for (i, t) in users.iter().enumerate() {
        latest.insert((t.company.as_str(), t.email.as_str()), i);
    }
    let mut rows: Vec<((&str, &str), usize)> = latest.into_iter().collect();
    rows.sort_unstable();
    rows.into_iter().map(|(_, i)| i).collect()
}

fn state_of(t: &FixtureTargetUser) -> &str {
    t.state.as_deref().unwrap_or("active")
}

/// What the `rows` of `users` count per company and state (in the order of
/// [`crate::companies::target_user_counts::STATES`]): a company new in this load has exactly
/// these target users, so it is written with its counts instead of being counted again.
fn state_counts<'a>(users: &'a [FixtureTargetUser], rows: &[usize]) -> HashMap<&'a str, [i64; 3]> {
    let states = crate::companies::target_user_counts::STATES;
    let mut counts: HashMap<&str, [i64; 3]> = HashMap::new();
    for &i in rows {
        let t = &users[i];
        if let Some(k) = states.iter().position(|(state, _)| *state == state_of(t)) {
            counts.entry(t.company.as_str()).or_default()[k] += 1;
        }
    }
    counts
}

/// Checks every entry (in order, so the first bad one is reported), then writes `rows` (see
/// [`latest_target_users`]) in multi-row statements: inserted where their company is `new` in this
/// load (it has no stored target users, so nothing to conflict with; its counts were written with
/// it), upserted by (company, e-mail) elsewhere, and those other companies recounted. `known`
/// holds the companies this fixture has just written.
async fn seed_target_users(
    txn: &impl ConnectionTrait,
    users: &[FixtureTargetUser],
    rows: &[usize],
    known: &HashSet<String>,
    new: &HashSet<String>,
) -> Result<(), SeedError> {
    let stored = stored_companies(txn, users.iter().map(|t| t.company.as_str()), known).await?;
    for (i, t) in users.iter().enumerate() {
        if !known.contains(&t.company) && !stored.contains(&t.company) {
            let entry = format!("targetUsers[{i}] ({:?})", t.email);
            return Err(invalid(entry, &format!("company {:?} is not a known company", t.company)));
        }
        if !crate::companies::target_user_counts::STATES.iter().any(|(known, _)| *known == state_of(t)) {
            let entry = format!("targetUsers[{i}] ({:?})", t.email);
            return Err(invalid(entry, "state must be active, inactive or deleted"));
        }
    }
    let (inserted, upserted): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&i| new.contains(&users[i].company));
    let now = Utc::now();
    write_target_users(txn, users, &inserted, false, now).await?;
    write_target_users(txn, users, &upserted, true, now).await?;
    let mut touched: Vec<&str> = upserted.iter().map(|&i| users[i].company.as_str()).collect();
    touched.dedup();
    refresh_statistics(txn, rows.len(), "target_users").await?;
    crate::companies::target_user_counts::recount(txn, &touched).await?;
    crate::tree::refresh_keys(txn, &touched, crate::tree::Changed::Counts).await?;
    Ok(())
}

/// Writes target users `rows` of `users` in multi-row statements; `upsert`: a stored row of the
/// same (company, e-mail) takes the entry's names and state (and is left alone when it has them).
async fn write_target_users(
    txn: &impl ConnectionTrait,
    users: &[FixtureTargetUser],
    rows: &[usize],
    upsert: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // PostgreSQL: each batch as one JSON parameter unpacked by the server, which parses and
        // plans one short statement instead of one with six thousand placeholders.
        let text = format!(
            "INSERT INTO target_users (company_id, email, first_name, last_name, state, create_time)
             SELECT u.c, u.e, u.f, u.l, u.s, $2
               FROM json_to_recordset(CAST($1 AS json)) AS u(c text, e text, f text, l text, s text){}",
            if upsert {
                "
             ON CONFLICT (company_id, email) DO UPDATE
                SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, state = EXCLUDED.state
              WHERE (target_users.first_name, target_users.last_name, target_users.state)
                    IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.state)"
            } else {
                ""
            }
        );
        for batch in rows.chunks(TARGET_USER_JSON_BATCH) {
            let entries: Vec<serde_json::Value> = batch
                .iter()
                .map(|&i| {
                    let t = &users[i];
                    serde_json::json!({"c": t.company, "e": t.email, "f": t.first_name, "l": t.last_name,
                        "s": state_of(t)})
                })
                .collect();
            let values = [serde_json::Value::Array(entries).to_string().into(), now.into()];
            txn.execute(sea_orm::Statement::from_sql_and_values(txn.get_database_backend(), &text, values)).await?;
        }
        return Ok(());
    }
    for batch in rows.chunks(TARGET_USER_BATCH) {
        let models = batch.iter().map(|&i| {
            let t = &users[i];
            target_users::ActiveModel {
                company_id: Set(t.company.clone()),
                email: Set(t.email.clone()),
                first_name: Set(t.first_name.clone()),
                last_name: Set(t.last_name.clone()),
                state: Set(state_of(t).to_owned()),
                create_time: Set(now),
                ..Default::default()
            }
        });
        let mut insert = target_users::Entity::insert_many(models);
        if upsert {
            insert = insert.on_conflict(
                OnConflict::columns([target_users::Column::CompanyId, target_users::Column::Email])
                    .update_columns([
                        target_users::Column::FirstName,
                        target_users::Column::LastName,
                        target_users::Column::State,
                    ])
                    .action_and_where(Expr::cust(
                        "target_users.first_name IS NOT excluded.first_name \
                         OR target_users.last_name IS NOT excluded.last_name OR target_users.state IS NOT excluded.state",
                    ))
                    .to_owned(),
            );
        }
        insert.exec_without_returning(txn).await?;
    }
    Ok(())
}

/// The stored companies among those that entries of a fixture refer to (`referenced`) and that
/// the fixture does not write itself (`known`).
async fn stored_companies<'a>(
    txn: &impl ConnectionTrait,
    referenced: impl Iterator<Item = &'a str>,
    known: &HashSet<String>,
) -> Result<HashSet<String>, DbErr> {
    let mut others: Vec<&str> = referenced.filter(|c| !known.contains(*c)).collect();
    others.sort_unstable();
    others.dedup();
    let mut stored = HashSet::new();
    for batch in others.chunks(TARGET_USER_BATCH) {
        let found = companies::Entity::find()
            .select_only()
            .column(companies::Column::Id)
            .filter(companies::Column::Id.is_in(batch.iter().copied()))
            .into_tuple::<String>()
            .all(txn)
            .await?;
        stored.extend(found);
    }
    Ok(stored)
}

/// Checks every offer's company (in order, so the first bad one is reported), then upserts the
/// offers by (company, title): new ones in multi-row statements, stored ones one by one (where a
/// company already has several offers of one title, the oldest). A repeated key: the last entry
/// wins.
async fn seed_offers(
    txn: &impl ConnectionTrait,
    offers: &[FixtureOffer],
    known: &HashSet<String>,
) -> Result<(), SeedError> {
    let stored = stored_companies(txn, offers.iter().map(|o| o.company.as_str()), known).await?;
    let mut latest: HashMap<(&str, &str), usize> = HashMap::with_capacity(offers.len());
    for (i, o) in offers.iter().enumerate() {
        if !known.contains(&o.company) && !stored.contains(&o.company) {
            let entry = format!("offers[{i}] ({:?})", o.title);
            return Err(invalid(entry, &format!("company {:?} is not a known company", o.company)));
        }
        latest.insert((o.company.as_str(), o.title.as_str()), i);
    }
    let mut companies_of: Vec<&str> = latest.keys().map(|(c, _)| *c).collect();
    companies_of.sort_unstable();
    companies_of.dedup();
    let mut existing: HashMap<(String, String), i32> = HashMap::new();
    for batch in companies_of.chunks(TARGET_USER_BATCH) {
        let rows = offers::Entity::find()
            .select_only()
            .column(offers::Column::Id)
            .column(offers::Column::CompanyId)
            .column(offers::Column::Title)
            .filter(offers::Column::CompanyId.is_in(batch.iter().copied()))
            .into_tuple::<(i32, String, String)>()
            .all(txn)
            .await?;
        for (id, company, title) in rows {
            let slot = existing.entry((company, title)).or_insert(id);
            *slot = (*slot).min(id);
        }
    }
    let mut entries: Vec<usize> = latest.into_values().collect();
    entries.sort_unstable();
    let logos: HashMap<String, Option<String>> = companies::Entity::find()
        .select_only()
        .column(companies::Column::Id)
        .column(companies::Column::Logo)
        .filter(companies::Column::Id.is_in(companies_of.iter().copied()))
        .into_tuple::<(String, Option<String>)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let mut new = Vec::new();
    for i in entries {
        let o = &offers[i];
        let entry = || format!("offers[{i}] ({:?})", o.title);
        let logo = logos.get(&o.company).and_then(Option::as_deref);
        let mut model = o.checked(logo).map_err(|why| invalid(entry(), &why))?;
        model.update_time = Set(Some(now));
        match existing.get(&(o.company.clone(), o.title.clone())) {
            Some(&id) => {
                model.id = sea_orm::Unchanged(id);
                model.update(txn).await?;
            }
            None => {
                model.create_time = Set(now);
                model.version = Set(0);
                new.push(model);
            }
        }
    }
    for batch in new.chunks(TARGET_USER_BATCH) {
        offers::Entity::insert_many(batch.to_vec()).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Rows written at which a bulk load refreshes the planner's statistics before querying what it
/// wrote.
const STATISTICS_AFTER: usize = 10_000;

/// On PostgreSQL, after a bulk write of `written` rows to `tables`: their statistics, taken inside
/// the loading transaction (which counts its own rows), so the statements that follow in it are
/// planned for the tables as they now are, not as they were (empty, for a first load: the lookups
/// of ancestors and target-user counts were then planned as scans, ten times slower).
async fn refresh_statistics(txn: &impl ConnectionTrait, written: usize, tables: &str) -> Result<(), DbErr> {
    if written >= STATISTICS_AFTER && txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("ANALYZE {tables}")).await?;
    }
    Ok(())
}

/// Checks resource ids and gives every company one, generated where the fixture has none.
fn plan_company_ids(fixture: &Fixture) -> Result<Vec<String>, SeedError> {
    let mut seen = HashMap::new();
    let mut ids = Vec::with_capacity(fixture.companies.len());
    for (i, c) in fixture.companies.iter().enumerate() {
        let entry = format!("companies[{i}] ({:?})", c.name);
        let id = match &c.resource_id {
            Some(id) if CompanyId::from_resource_id(id).is_some() => id.clone(),
            Some(_) => return Err(invalid(entry, "resourceId must be exactly 12 characters")),
            None => CompanyId::generate().to_string(),
        };
        if c.name.trim().is_empty() {
            return Err(invalid(entry, "name must not be empty"));
        }
        if let Some(first) = seen.insert(id.clone(), i) {
            return Err(invalid(entry, &format!("resourceId repeats companies[{first}]")));
        }
        ids.push(id);
    }
    Ok(ids)
}

async fn require_company(txn: &impl ConnectionTrait, id: &str, entry: &str) -> Result<(), SeedError> {
    match companies::Entity::find_by_id(id).one(txn).await? {
        Some(_) => Ok(()),
        None => Err(invalid(entry.to_owned(), &format!("company {id:?} is not a known company"))),
    }
}

/// Companies per statement: about 25 values a row, well under both databases' limits.
const COMPANY_BATCH: usize = 500;

/// Writes the fixture's companies, parents before children: new ones in multi-row statements
/// (with their tags and their links in the management tree), existing ones one by one (a changed
/// parent moves the company's whole subtree). A new company is written with its target users'
/// `counts` (those this load writes: it has no others). Returns the ids written and, of those, the
/// new ones; adds the former managers of moved companies to `managers`.
async fn seed_companies(
    txn: &impl ConnectionTrait,
    fixture: &Fixture,
    ids: &[String],
    counts: &HashMap<&str, [i64; 3]>,
    report: &mut SeedReport,
    managers: &mut Vec<String>,
) -> Result<(HashSet<String>, HashSet<String>), SeedError> {
    let stored: HashMap<String, companies::Model> = {
        let mut found = HashMap::new();
        let mut wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        wanted.extend(fixture.companies.iter().filter_map(|c| c.parent.as_deref()));
        wanted.sort_unstable();
        wanted.dedup();
        for batch in wanted.chunks(COMPANY_BATCH) {
            let rows =
                companies::Entity::find().filter(companies::Column::Id.is_in(batch.iter().copied())).all(txn).await?;
            found.extend(rows.into_iter().map(|c| (c.id.clone(), c)));
        }
        found
    };
    // Parents first: keep taking companies whose parent is known until none are left. A
    // company's layer is one below its parent's when the parent is in the fixture too.
    let mut layer: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<usize> = Vec::with_capacity(ids.len());
    let mut pending: Vec<usize> = (0..fixture.companies.len()).collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for i in pending {
            let depth = match fixture.companies[i].parent.as_deref() {
                None => Some(0),
                Some(p) => layer.get(p).map(|d| d + 1).or_else(|| stored.contains_key(p).then_some(0)),
            };
            match depth {
                Some(depth) => {
                    layer.insert(&ids[i], depth);
                    order.push(i);
                }
                None => rest.push(i),
            }
        }
        if rest.len() == before {
            let c = &fixture.companies[rest[0]];
            return Err(invalid(format!("companies[{}] ({:?})", rest[0], c.name), "parent is not a known company"));
        }
        pending = rest;
    }
    let mut by_layer: Vec<Vec<usize>> = Vec::new();
    for &i in &order {
        let depth = layer[ids[i].as_str()];
        if by_layer.len() <= depth {
            by_layer.resize_with(depth + 1, Vec::new);
        }
        by_layer[depth].push(i);
    }
    for members in &by_layer {
        let (old, new): (Vec<usize>, Vec<usize>) = members.iter().partition(|&&i| stored.contains_key(&ids[i]));
        for batch in new.chunks(COMPANY_BATCH) {
            // The parents are written already (a layer up, or before this load), moves included.
            let parents: Vec<&str> = batch.iter().filter_map(|&i| fixture.companies[i].parent.as_deref()).collect();
            let paths = crate::tree::paths_of(txn, &parents).await?;
            let models = batch.iter().map(|&i| {
                let c = &fixture.companies[i];
                let path = crate::tree::path_below(
                    c.parent.as_deref().and_then(|p| paths.get(p)).map(String::as_str),
                    &ids[i],
                );
                let counts = counts.get(ids[i].as_str()).copied().unwrap_or_default();
                company_model(new_company(&ids[i], path, counts, c), c)
            });
            companies::Entity::insert_many(models).exec_without_returning(txn).await?;
            let batch_ids: Vec<&str> = batch.iter().map(|&i| ids[i].as_str()).collect();
            // The tags before the links, which carry them.
            insert_tags(txn, batch.iter().map(|&i| (ids[i].as_str(), &fixture.companies[i]))).await?;
            crate::tree::attach_all(txn, &batch_ids).await?;
        }
        let stored_tags = tags_of(txn, old.iter().map(|&i| ids[i].as_str())).await?;
        for &i in &old {
            let (id, c) = (&ids[i], &fixture.companies[i]);
            let found = stored[id].clone();
            let moved = found.parent_id != c.parent;
            let model = company_model(found.clone().into_active_model(), c);
            let tags: HashSet<&str> = c.tags.iter().flatten().map(String::as_str).collect();
            let same_tags = stored_tags.get(id.as_str()).map_or(tags.is_empty(), |stored| {
                stored.len() == tags.len() && stored.iter().all(|t| tags.contains(t.as_str()))
            });
            // A company the load leaves as it is stored is not written again (loading a fixture
            // twice writes nothing the second time).
            if same_tags && model.clone().try_into_model().is_ok_and(|now| now == found) {
                continue;
            }
            model.update(txn).await?;
            company_tags::Entity::delete_many().filter(company_tags::Column::CompanyId.eq(id)).exec(txn).await?;
            insert_tags(txn, [(id.as_str(), c)]).await?;
            crate::tree::refresh_keys(txn, &[id.as_str()], crate::tree::Changed::Anything).await?;
            if found.name != c.name {
                crate::tree::refresh_reseller_names(txn, &[id.as_str()]).await?;
            }
            if moved {
                managers.extend(crate::tree::counts::ancestors_of(txn, &[id.as_str()]).await?);
                crate::tree::move_subtree(txn, id, c.parent.as_deref()).await.map_err(|e| match e {
                    crate::tree::MoveError::Cycle => {
                        invalid(format!("companies[{i}] ({:?})", c.name), "parent is the company itself or below it")
                    }
                    crate::tree::MoveError::Database(e) => SeedError::Database(e),
                })?;
            }
        }
    }
    for &i in &order {
        let c = &fixture.companies[i];
        let hex_id = CompanyId::from_resource_id(&ids[i]).map(|id| id.hex()).unwrap_or_default();
        report.companies.push(SeededCompany { name: c.name.clone(), resource_id: ids[i].clone(), hex_id });
    }
    let new = ids.iter().filter(|id| !stored.contains_key(*id)).cloned().collect();
    Ok((ids.iter().cloned().collect(), new))
}

/// A company not stored before, with `counts` of its target users per state.
fn new_company(id: &str, path: String, counts: [i64; 3], c: &FixtureCompany) -> companies::ActiveModel {
    let mut model = companies::ActiveModel {
        id: Set(id.to_owned()),
        path: Set(path),
        version: Set(0),
        create_time: Set(c.create_time.unwrap_or_else(Utc::now)),
        ..Default::default()
    };
    for ((_, column), n) in crate::companies::target_user_counts::STATES.iter().zip(counts) {
        model.set(*column, n.into());
    }
    model
}

/// The fixture's fields over `model`.
fn company_model(mut model: companies::ActiveModel, c: &FixtureCompany) -> companies::ActiveModel {
    model.name = Set(c.name.clone());
    model.parent_id = Set(c.parent.clone());
    model.contacts = Set(Some(serde_json::json!(c.contacts.clone().unwrap_or_default())));
    model.bio = Set(c.bio.clone());
    model.logo = Set(c.logo.clone());
    model.has_finished_registration = Set(c.has_finished_registration.unwrap_or(false));
    model.is_blocked = Set(c.is_blocked.unwrap_or(false));
    model.is_disabled = Set(c.is_disabled.unwrap_or(false));
    model.admin_reason = Set(c.admin_reason.clone());
    model.number_of_users = Set(c.number_of_users.unwrap_or(0));
    model.is_number_of_users_limited = Set(c.is_number_of_users_limited.unwrap_or(false));
    model.license_start_date = Set(c.license_start_date);
    model.license_end_date = Set(c.license_end_date);
    model.description = Set(c.description.clone());
    model.address = Set(c.address.clone());
    model.website_url = Set(c.website_url.clone());
    model.status_id = Set(c.status_id.unwrap_or(1));
    if let Some(time) = c.create_time {
        model.create_time = Set(time);
    }
    model
}

/// The stored tags of `companies`, by company (a company without tags is absent).
async fn tags_of<'a>(
    txn: &impl ConnectionTrait,
    companies: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, Vec<String>>, DbErr> {
    let companies: Vec<&str> = companies.collect();
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for batch in companies.chunks(COMPANY_BATCH) {
        let rows = company_tags::Entity::find()
            .filter(company_tags::Column::CompanyId.is_in(batch.iter().copied()))
            .all(txn)
            .await?;
        for row in rows {
            tags.entry(row.company_id).or_default().push(row.tag);
        }
    }
    Ok(tags)
}

/// The distinct tags of each company, in multi-row statements.
async fn insert_tags<'a>(
    txn: &impl ConnectionTrait,
    companies: impl IntoIterator<Item = (&'a str, &'a FixtureCompany)>,
) -> Result<(), DbErr> {
    let mut rows = Vec::new();
    for (id, c) in companies {
        let mut seen = HashSet::new();
        for tag in c.tags.iter().flatten().filter(|t| seen.insert(t.as_str())) {
            rows.push(company_tags::ActiveModel { company_id: Set(id.to_owned()), tag: Set(tag.clone()) });
        }
    }
    for batch in rows.chunks(TARGET_USER_BATCH) {
        company_tags::Entity::insert_many(batch.to_vec()).exec_without_returning(txn).await?;
    }
    Ok(())
}
