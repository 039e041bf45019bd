//! What a reseller-dialect client may read: its own company, the tree it manages, and single
//! companies with their reference names.
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, Statement};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, JoinType, Query, SelectStatement, SimpleExpr};

use crate::credentials::tokens::{BEARER_PREFIX, Refusal, SignedBearer, bearer_query};
use crate::entities::{companies, company_tree, countries, industries, license_types};
use crate::statement::Shaped;
use crate::tree;
use crate::tree::listing::Stamp;
use crate::{Actor, ClientRole, CompanyId, Gateway};

#[derive(Debug, thiserror::Error)]
pub enum ReadCompanyError {
    #[error("only API clients read companies here")]
    NotPermitted,
    #[error("company does not exist")]
    NotFound,
    #[error("actor may not read this company")]
    Forbidden,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A company with the names of what it references.
#[derive(Clone, Debug, FromQueryResult)]
pub struct CompanyRecord {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// The parent's number (see [`companies::Model::number`]).
    pub parent_number: Option<i32>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website_url: Option<String>,
    pub logo: Option<String>,
    pub industry_id: Option<String>,
    pub industry_name: Option<String>,
    pub country_id: Option<String>,
    pub country_name: Option<String>,
    pub license_type_id: Option<String>,
    pub license_type_name: Option<String>,
    pub license_period_type_id: Option<String>,
    pub license_start_date: Option<DateTime<Utc>>,
    pub license_end_date: Option<DateTime<Utc>>,
    pub is_number_of_users_limited: bool,
    pub number_of_users: i32,
    pub status_id: i32,
    pub time_zone_id: Option<String>,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub privacy_duration_id: i32,
    pub target_user_count: i64,
    pub inactive_target_user_count: i64,
    /// Active target users above a limited licence (kept by every write, as search shows it).
    pub limit_exceeded: bool,
    #[sea_orm(skip)]
    pub tags: Vec<String>,
}

/// A company's licence against its target users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseCheck {
    /// Whether the licence limits the number of users.
    pub is_limited: bool,
    /// The limit, when there is one.
    pub limit: Option<i32>,
    /// Active target users (the ones a limit counts).
    pub active_users: i64,
    /// Active and inactive target users (deleted ones are not counted).
    pub total_users: i64,
    /// Active target users above a limited licence.
    pub exceeded: bool,
}

/// A company's stored logo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredLogo {
    /// Uploaded: the image, its type from its first bytes, and a file name with that type's
    /// extension.
    Image { file_name: String, content_type: String, bytes: Vec<u8> },
    /// An address of an image held elsewhere (the session dialect stores addresses), with the
    /// file name its path ends with, if any.
    Address { url: String, file_name: Option<String> },
}

impl StoredLogo {
    /// How the `logo` column starts for an uploaded image (a `data:` URL).
    pub(crate) const UPLOAD_PREFIX: &str = "data:";

    /// Whether the `logo` column's `stored` logo is an uploaded image (else an address).
    pub fn is_upload(stored: &str) -> bool {
        stored.starts_with(Self::UPLOAD_PREFIX)
    }

    /// The logo as the `logo` column holds it: a `data:` URL of an uploaded image, or an address.
    fn parse(company_id: &str, stored: &str) -> Option<Self> {
        use base64::Engine;
        if let Some(rest) = stored.strip_prefix("data:") {
            let (content_type, data) = rest.split_once(";base64,")?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
            let extension = match content_type {
                "image/png" => "png",
                "image/jpeg" => "jpg",
                "image/gif" => "gif",
                "image/webp" => "webp",
                _ => "bin",
            };
            return Some(Self::Image {
                file_name: format!("{company_id}.{extension}"),
                content_type: content_type.to_owned(),
                bytes,
            });
        }
        let path = stored.split(['?', '#']).next().unwrap_or_default();
        let after_host = path.split_once("://").map_or(path, |(_, rest)| rest).split_once('/').map(|(_, p)| p);
        let file_name = after_host.and_then(|p| p.rsplit('/').next()).filter(|name| !name.is_empty());
        Some(Self::Address { url: stored.to_owned(), file_name: file_name.map(str::to_owned) })
    }
}

/// What `GET /api/companies/my` shows of a company.
#[derive(Clone, Debug, Deserialize)]
pub struct TreeCompany {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub logo: Option<String>,
    /// `0` when none is set.
    pub privacy_duration_id: i32,
    #[serde(deserialize_with = "timestamp")]
    pub privacy_duration_start_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "timestamp")]
    pub privacy_duration_end_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "timestamp")]
    pub license_end_date: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "timestamp")]
    pub create_time: Option<DateTime<Utc>>,
}

impl From<companies::Model> for TreeCompany {
    fn from(c: companies::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            parent_id: c.parent_id,
            logo: c.logo,
            privacy_duration_id: c.privacy_duration_id,
            privacy_duration_start_time: c.privacy_duration_start_time,
            privacy_duration_end_time: c.privacy_duration_end_time,
            license_end_date: c.license_end_date,
            create_time: Some(c.create_time),
        }
    }
}

/// A timestamp as either database writes it into JSON: RFC 3339 (PostgreSQL) or SQLite's
/// stored text, `YYYY-MM-DD HH:MM:SS[.f]+HH:MM`.
fn timestamp<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else { return Ok(None) };
    DateTime::parse_from_rfc3339(&text)
        .or_else(|_| DateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(serde::de::Error::custom)
}

/// A node of `GET /api/companies/my`.
#[derive(Clone, Debug)]
pub struct CompanyNode {
    pub company: TreeCompany,
    pub children: Vec<CompanyNode>,
}

#[derive(FromQueryResult)]
struct JsonRows {
    managed_json: Option<String>,
}

/// The record of company `c` (its parent, industry, country and licence type joined as `pc`, `i`,
/// `co`, `lt`), the columns [`CompanyRecord`] reads.
fn record_query() -> SelectStatement {
    use companies::Column as C;
    let (c, pc, i, co, lt) = (Alias::new("c"), Alias::new("pc"), Alias::new("i"), Alias::new("co"), Alias::new("lt"));
    let own = [
        C::Id,
        C::Name,
        C::ParentId,
        C::Description,
        C::Address,
        C::WebsiteUrl,
        C::Logo,
        C::IndustryId,
        C::CountryId,
        C::LicenseTypeId,
        C::LicensePeriodTypeId,
        C::LicenseStartDate,
        C::LicenseEndDate,
        C::IsNumberOfUsersLimited,
        C::NumberOfUsers,
        C::StatusId,
        C::TimeZoneId,
        C::DateFormat,
        C::TimeFormat,
        C::PrivacyDurationId,
        C::LimitExceeded,
    ];
    let mut query = Query::select();
    query
        .columns(own.map(|column| (c.clone(), column)))
        .expr_as(Expr::col((pc.clone(), C::Number)), Alias::new("parent_number"))
        .expr_as(Expr::col((i.clone(), industries::Column::Name)), Alias::new("industry_name"))
        .expr_as(Expr::col((co.clone(), countries::Column::Name)), Alias::new("country_name"))
        .expr_as(Expr::col((lt.clone(), license_types::Column::Name)), Alias::new("license_type_name"))
        .expr_as(Expr::col((c.clone(), C::ActiveTargetUsers)), Alias::new("target_user_count"))
        .expr_as(Expr::col((c.clone(), C::InactiveTargetUsers)), Alias::new("inactive_target_user_count"))
        .from_as(companies::Entity, c.clone())
        .join_as(
            JoinType::LeftJoin,
            companies::Entity,
            pc.clone(),
            Expr::col((pc, C::Id)).equals((c.clone(), C::ParentId)),
        )
        .join_as(
            JoinType::LeftJoin,
            industries::Entity,
            i.clone(),
            Expr::col((i, industries::Column::Id)).equals((c.clone(), C::IndustryId)),
        )
        .join_as(
            JoinType::LeftJoin,
            countries::Entity,
            co.clone(),
            Expr::col((co, countries::Column::Id)).equals((c.clone(), C::CountryId)),
        )
        .join_as(
            JoinType::LeftJoin,
            license_types::Entity,
            lt.clone(),
            Expr::col((lt, license_types::Column::Id)).equals((c, C::LicenseTypeId)),
        );
    query
}

/// Every company `key` manages (not itself) as one JSON array of the [`TreeCompany`] fields, in
/// the column `managed_json`.
fn managed_json(backend: DatabaseBackend, key: sea_orm::Value) -> Statement {
    use companies::Column as C;
    let (aggregate, object) = match backend {
        DatabaseBackend::Postgres => ("json_agg", "json_build_object"),
        _ => ("json_group_array", "json_object"),
    };
    let (link, company) = (Alias::new("t"), Alias::new("c"));
    let fields = [
        ("id", C::Id),
        ("name", C::Name),
        ("parent_id", C::ParentId),
        ("logo", C::Logo),
        ("privacy_duration_id", C::PrivacyDurationId),
        ("privacy_duration_start_time", C::PrivacyDurationStartTime),
        ("privacy_duration_end_time", C::PrivacyDurationEndTime),
        ("license_end_date", C::LicenseEndDate),
        ("create_time", C::CreateTime),
    ];
    let pairs = fields
        .into_iter()
        .flat_map(|(name, column)| [SimpleExpr::Constant(name.into()), Expr::col((company.clone(), column)).into()]);
    let each = Func::cust(Alias::new(object)).args(pairs);
    let all = Func::cast_as(Func::cust(Alias::new(aggregate)).arg(each), Alias::new("TEXT"));
    let query = Query::select()
        .expr_as(all, Alias::new("managed_json"))
        .from_as(company_tree::Entity, link.clone())
        .join_as(
            JoinType::InnerJoin,
            companies::Entity,
            company.clone(),
            Expr::col((company, C::Id)).equals((link.clone(), company_tree::Column::DescendantId)),
        )
        .and_where(Expr::col((link.clone(), company_tree::Column::AncestorId)).eq(key.clone()))
        .and_where(Expr::col((link, company_tree::Column::DescendantId)).ne(key))
        .to_owned();
    backend.build(&query)
}

/// The statement of [`Checked`]: company `key`'s record, whether `manager` manages it, its tags.
/// Its text is the same for every request, so it is built once per database and only the values
/// change (building it took a quarter of a record read on SQLite).
fn checked_record(backend: DatabaseBackend, manager: &str, key: &str) -> Statement {
    static CHECKED: Shaped<1> = Shaped::new();
    CHECKED.statement(backend, 0, vec![manager.into(), key.into()], |p| {
        build_checked_record(backend, p[0].clone(), p[1].clone())
    })
}

fn build_checked_record(backend: DatabaseBackend, manager: sea_orm::Value, key: sea_orm::Value) -> Statement {
    let company = || Expr::col((Alias::new("c"), companies::Column::Id));
    let query = record_query()
        .expr_as(tree::manages_expr(Expr::val(manager).into(), company().into()), Alias::new("managed"))
        .expr_as(crate::search::tags_json(backend, company().into()), Alias::new("tags_json"))
        .and_where(company().eq(key))
        .to_owned();
    backend.build(&query)
}

/// A company's record with whether the caller manages it and its tags, from one query.
pub(crate) struct Checked {
    record: CompanyRecord,
    managed: bool,
    tags_json: Option<String>,
}

impl FromQueryResult for Checked {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            record: CompanyRecord::from_query_result(res, pre)?,
            managed: res.try_get(pre, "managed")?,
            tags_json: res.try_get(pre, "tags_json")?,
        })
    }
}

/// The statement of a read by a bearer token: the token's row (see
/// [`crate::credentials::tokens::bearer_query`]) beside [`Checked`]'s columns for company `key`
/// (absent when there is no such company), the caller being the token's company.
fn bearer_record(backend: DatabaseBackend, jti: sea_orm::Value, key: &str) -> Statement {
    static BEARER_RECORD: Shaped<1> = Shaped::new();
    BEARER_RECORD.statement(backend, 0, vec![jti, key.into()], |p| {
        let (b, r) = (Alias::new("b"), Alias::new("r"));
        let company = || Expr::col((Alias::new("c"), companies::Column::Id));
        let record = record_query()
            .expr_as(crate::search::tags_json(backend, company().into()), Alias::new("tags_json"))
            .and_where(company().eq(p[1].clone()))
            .to_owned();
        let manager = Expr::col((b.clone(), Alias::new(format!("{BEARER_PREFIX}company_id"))));
        let managed = tree::manages_expr(manager.into(), Expr::col((r.clone(), companies::Column::Id)).into());
        let query = Query::select()
            .column((b.clone(), Asterisk))
            .column((r.clone(), Asterisk))
            .expr_as(managed, Alias::new("managed"))
            .from_subquery(bearer_query(p[0].clone(), BEARER_PREFIX), b)
            .join_subquery(JoinType::LeftJoin, record, r, Expr::cust("TRUE"))
            .to_owned();
        backend.build(&query)
    })
}

/// Who may read which company, in order: only API clients; a Company Admin only its own company;
/// the company must exist (`found`: it with whether the caller manages it); a Reseller reads its
/// own company and those it manages. Anything else is forbidden, so a caller learns nothing about
/// ids it may not read.
fn readable(actor: &Actor, id: Option<CompanyId>, found: Option<Checked>) -> Result<CompanyRecord, ReadCompanyError> {
    let Actor::Client { role, company: own, .. } = actor else { return Err(ReadCompanyError::NotPermitted) };
    if *role == ClientRole::CompanyAdmin && id != Some(*own) {
        return Err(ReadCompanyError::Forbidden);
    }
    let found = found.ok_or(ReadCompanyError::NotFound)?;
    if id != Some(*own) && !found.managed {
        return Err(ReadCompanyError::Forbidden);
    }
    let mut record = found.record;
    record.tags = crate::search::tags_from_json(found.tags_json.as_deref());
    Ok(record)
}

impl Gateway {
    /// One company for an API client, under the rules of [`readable`].
    pub async fn read_company(&self, actor: &Actor, id: Option<CompanyId>) -> Result<CompanyRecord, ReadCompanyError> {
        let (Actor::Client { company: own, .. }, Some(key)) = (actor, id.as_ref().and_then(|id| id.resource_id()))
        else {
            return readable(actor, id, None);
        };
        let manager = own.resource_id().unwrap_or_default();
        let statement = checked_record(self.db.get_database_backend(), manager, key);
        readable(actor, id, Checked::find_by_statement(statement).one(&self.db).await?)
    }

    /// [`Self::read_company`] by the caller of a bearer token, checked in the read's own statement
    /// (see [`Self::admit`]); the outer error refuses the call before the read's rules apply.
    pub async fn read_company_by_bearer(
        &self,
        bearer: &SignedBearer,
        id: Option<CompanyId>,
    ) -> Result<Result<CompanyRecord, ReadCompanyError>, Refusal> {
        let backend = self.db.get_database_backend();
        // An id that cannot name a company still needs the token checked: it reads no company.
        let key = id.as_ref().and_then(|id| id.resource_id()).unwrap_or_default();
        let row = self.db.query_one(bearer_record(backend, bearer.jti(), key)).await?;
        let actor = self.admit(row.as_ref()).await?;
        let found = match row {
            Some(row) if row.try_get::<Option<String>>("", "id")?.is_some() => {
                Some(Checked::from_query_result(&row, "")?)
            }
            _ => None,
        };
        Ok(readable(&actor, id, found))
    }

    /// The resource id and name of the company numbered `number`, under the rules of
    /// [`Self::read_company`].
    pub async fn company_by_number(&self, actor: &Actor, number: i32) -> Result<(String, String), ReadCompanyError> {
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let id = companies::Entity::find()
            .select_only()
            .column(companies::Column::Id)
            .filter(companies::Column::Number.eq(number))
            .into_tuple::<String>()
            .one(&self.db)
            .await?;
        let record = self.read_company(actor, id.as_deref().and_then(CompanyId::from_resource_id)).await?;
        Ok((record.id, record.name))
    }

    /// A company's licence against its target users, under the rules of [`Self::read_company`].
    pub async fn license_check(&self, actor: &Actor, id: Option<CompanyId>) -> Result<LicenseCheck, ReadCompanyError> {
        let record = self.read_company(actor, id).await?;
        Ok(LicenseCheck {
            is_limited: record.is_number_of_users_limited,
            limit: record.is_number_of_users_limited.then_some(record.number_of_users),
            active_users: record.target_user_count,
            total_users: record.target_user_count + record.inactive_target_user_count,
            exceeded: record.limit_exceeded,
        })
    }

    /// When a licence of the company `scope` (the caller's own without one) that starts at `start`
    /// ends: one period of the company's licence period type later (`None` without a period or
    /// one without a length), under the rules of [`Self::read_company`].
    pub async fn license_expiry_date(
        &self,
        actor: &Actor,
        scope: Option<&str>,
        start: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ReadCompanyError> {
        let Actor::Client { company: own, .. } = actor else { return Err(ReadCompanyError::NotPermitted) };
        let id = match CompanyId::scope_named(scope) {
            Ok(None) => Some(*own),
            Ok(Some(id)) => Some(id),
            Err(_) => None,
        };
        let record = self.read_company(actor, id).await?;
        let Some(period) = record.license_period_type_id else { return Ok(None) };
        #[derive(FromQueryResult)]
        struct Length {
            months: Option<i32>,
        }
        let months = Query::select()
            .column(Alias::new("months"))
            .from(Alias::new("license_period_types"))
            .and_where(Expr::col(Alias::new("id")).eq(period))
            .to_owned();
        let months = Length::find_by_statement(self.db.get_database_backend().build(&months)).one(&self.db).await?;
        let months = months.and_then(|m| m.months).and_then(|m| u32::try_from(m).ok());
        Ok(months.and_then(|m| start.checked_add_months(chrono::Months::new(m))))
    }

    /// A company's stored logo (`None` when it has none), under the rules of
    /// [`Self::read_company`].
    pub async fn company_logo(
        &self,
        actor: &Actor,
        id: Option<CompanyId>,
    ) -> Result<Option<StoredLogo>, ReadCompanyError> {
        let record = self.read_company(actor, id).await?;
        Ok(record.logo.as_deref().filter(|l| !l.is_empty()).and_then(|l| StoredLogo::parse(&record.id, l)))
    }

    /// The caller's own company, with the tree of companies it manages for a Reseller. The tree
    /// is kept between requests and used while the company's `subtree_version` is unchanged (see
    /// [`crate::tree::listing`]); the company's own row is read fresh every time.
    pub async fn my_company_tree(&self, actor: &Actor) -> Result<MyTree, ReadCompanyError> {
        let Actor::Client { role, company: own, .. } = actor else { return Err(ReadCompanyError::NotPermitted) };
        let key = own.resource_id().ok_or(ReadCompanyError::NotFound)?;
        let company = companies::Entity::find_by_id(key).one(&self.db).await?.ok_or(ReadCompanyError::NotFound)?;
        let stamp = Stamp { create_time: company.create_time, version: company.subtree_version };
        let children = match role {
            ClientRole::CompanyAdmin => Arc::default(),
            ClientRole::Reseller => match self.listings.get(key, &stamp) {
                Some(kept) => kept,
                None => {
                    let (nodes, children) = self.managed_tree(key).await?;
                    let children = Arc::new(children);
                    self.listings.put(key, stamp, nodes, children.clone());
                    children
                }
            },
        };
        Ok(MyTree { company: company.into(), children })
    }

    /// The companies `key` manages as a tree (its direct children at the top), and how many.
    async fn managed_tree(&self, key: &str) -> Result<(usize, Vec<CompanyNode>), DbErr> {
        // One row holding them all as JSON: a row at a time, SQLite hands each over from its
        // worker thread, which cost more than the query for thousands of rows.
        static MANAGED: Shaped<1> = Shaped::new();
        let backend = self.db.get_database_backend();
        let statement = MANAGED.statement(backend, 0, vec![key.into()], |p| managed_json(backend, p[0].clone()));
        let rows = JsonRows::find_by_statement(statement).one(&self.db).await?.and_then(|r| r.managed_json);
        let mut managed: Vec<TreeCompany> = match rows {
            Some(rows) => serde_json::from_str(&rows).map_err(|e| DbErr::Json(e.to_string()))?,
            None => Vec::new(),
        };
        // In creation order; sorting here is cheaper than SQLite sorting inside the aggregate.
        managed.sort_unstable_by(|a, b| (a.create_time, &a.id).cmp(&(b.create_time, &b.id)));
        let nodes = managed.len();
        Ok((nodes, children_of(key, managed)))
    }
}

/// A company with the tree of companies it manages, as `GET /api/companies/my` shows it.
#[derive(Clone, Debug)]
pub struct MyTree {
    pub company: TreeCompany,
    /// Shared with the kept listing: cloning a tree is cheap.
    pub children: Arc<Vec<CompanyNode>>,
}

/// The trees under `root` from the companies it manages (in creation order), in one pass.
fn children_of(root: &str, managed: Vec<TreeCompany>) -> Vec<CompanyNode> {
    let mut children: HashMap<String, Vec<TreeCompany>> = HashMap::new();
    for c in managed {
        if let Some(parent) = c.parent_id.clone() {
            children.entry(parent).or_default().push(c);
        }
    }
    fn node(company: TreeCompany, children: &mut HashMap<String, Vec<TreeCompany>>) -> CompanyNode {
        let mine = children.remove(&company.id).unwrap_or_default();
        CompanyNode { children: mine.into_iter().map(|c| node(c, children)).collect(), company }
    }
    let top = children.remove(root).unwrap_or_default();
    top.into_iter().map(|c| node(c, &mut children)).collect()
}

#[cfg(test)]
mod tests {
    /// The kept text takes the values in the order a fresh build binds them.
    #[test]
    fn the_kept_record_statement_is_the_built_one() {
        for backend in [sea_orm::DatabaseBackend::Postgres, sea_orm::DatabaseBackend::Sqlite] {
            let built = super::build_checked_record(backend, "Manager00001".into(), "Company00001".into());
            let kept = super::checked_record(backend, "Manager00001", "Company00001");
            assert_eq!((kept.sql, kept.values), (built.sql, built.values), "{backend:?}");
        }
    }

    use super::StoredLogo;

    #[test]
    fn an_uploaded_logo_is_its_image_with_a_file_name_of_its_type() {
        let logo = StoredLogo::parse("Cust0mer0001", "data:image/png;base64,iVBORw0K").unwrap();
        assert_eq!(
            logo,
            StoredLogo::Image {
                file_name: "Cust0mer0001.png".into(),
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G', b'\r', b'\n'],
            }
        );
        assert_eq!(StoredLogo::parse("x", "data:image/png;base64,@@@"), None, "not base64");
    }

    #[test]
    fn an_address_gives_the_file_name_its_path_ends_with() {
        let name = |stored: &str| match StoredLogo::parse("x", stored) {
            Some(StoredLogo::Address { file_name, .. }) => file_name,
            other => panic!("{other:?}"),
        };
        assert_eq!(name("https://one.example/img/logo.png?v=2").as_deref(), Some("logo.png"));
        assert_eq!(name("https://one.example/"), None);
        assert_eq!(name("https://one.example"), None);
        assert_eq!(name("logo.svg").as_deref(), None);
    }
}
