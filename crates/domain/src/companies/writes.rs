//! Creating and replacing companies through the reseller dialect, and the reference tables their
//! fields point into.
use base64::Engine;
use chrono::{DateTime, Utc};
use std::str::FromStr;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Set,
};

use crate::companies::record::StoredLogo;
use crate::companies::state::{Bump, lock_company};
use crate::entities::{companies, company_tags, countries, industries, license_period_types, license_types};
use crate::tree::manages;
use crate::{Actor, ClientRole, CompanyId, Gateway};

/// The reference tables shipped by the migrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    Industries,
    Countries,
    LicenseTypes,
    LicensePeriodTypes,
}

impl Reference {
    /// Every reference table, in the order of their code type ids.
    pub const ALL: [Self; 4] = [Self::Industries, Self::Countries, Self::LicenseTypes, Self::LicensePeriodTypes];

    /// The table as the vendor's generic code type: its id (`GET /api/codetypes`) and name.
    pub fn code_type(self) -> (i32, &'static str) {
        match self {
            Self::Industries => (1, "Industry"),
            Self::Countries => (2, "Country"),
            Self::LicenseTypes => (3, "LicenseType"),
            Self::LicensePeriodTypes => (4, "LicensePeriodType"),
        }
    }

    /// The table of a code type id.
    pub fn of_code_type(id: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.code_type().0 == id)
    }

    /// The table of a code type name, in any letter case.
    pub fn of_code_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.code_type().1.eq_ignore_ascii_case(name.trim()))
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct ReferenceRow {
    pub id: String,
    pub name: String,
}

/// An uploaded logo.
#[derive(Clone, Debug)]
pub struct Logo {
    pub bytes: Vec<u8>,
}

pub const MAX_LOGO_BYTES: usize = 1024 * 1024;

/// The fields of a company draft as sent; `None` where a field was missing or not of its type
/// (those are listed in `not_of_its_type`, in the order they were read).
#[derive(Clone, Debug, Default)]
pub struct CompanyDraft {
    /// Only in a profile draft: the company it is for.
    pub resource_id: Option<String>,
    pub name: Option<String>,
    pub industry_id: Option<String>,
    pub country_id: Option<String>,
    pub license_type_id: Option<String>,
    pub license_period_type_id: Option<String>,
    pub number_of_users: Option<i32>,
    pub time_zone_id: Option<String>,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub website_url: Option<String>,
    pub license_start_date: Option<DateTime<Utc>>,
    pub license_end_date: Option<DateTime<Utc>>,
    pub is_number_of_users_limited: Option<bool>,
    pub status_id: Option<i32>,
    pub tags: Vec<String>,
    pub logo: Option<Logo>,
    /// Fields that were sent but could not be read as their type (a number, a date, a yes/no).
    pub not_of_its_type: Vec<DraftField>,
}

/// What a draft writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftKind {
    /// A whole company (create, replace).
    Whole,
    /// A company's profile: name, industry, country, description, address, website, time zone
    /// and logo; its licence, users, formats, status and tags stay as they are.
    Profile,
}

impl DraftKind {
    /// The fields a draft of this kind must have.
    fn required(self) -> &'static [DraftField] {
        use DraftField as F;
        match self {
            Self::Whole => &[
                F::Name,
                F::Industry,
                F::Country,
                F::LicenseType,
                F::LicensePeriodType,
                F::NumberOfUsers,
                F::TimeZone,
                F::DateFormat,
                F::TimeFormat,
            ],
            Self::Profile => &[F::ResourceId, F::Name, F::Industry, F::Country],
        }
    }
}

/// A field of a company draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftField {
    /// The company a profile draft is for.
    ResourceId,
    Name,
    Industry,
    Country,
    LicenseType,
    LicensePeriodType,
    NumberOfUsers,
    TimeZone,
    DateFormat,
    TimeFormat,
    Description,
    Address,
    WebsiteUrl,
    LicenseStartDate,
    LicenseEndDate,
    NumberOfUsersLimited,
    Status,
    Tag,
    Logo,
}

/// One thing wrong with a draft; a refused draft lists every one, in this order: fields not of
/// their type, missing fields, lengths, values, the logo, unknown references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftProblem {
    NotOfItsType(DraftField),
    Missing(DraftField),
    /// A text outside `min..=max` characters (for `Tag`: one of the tags).
    Length {
        field: DraftField,
        min: usize,
        max: usize,
    },
    Negative(DraftField),
    UnknownStatus,
    EndsBeforeItStarts,
    LogoTooLarge {
        max_bytes: usize,
    },
    LogoNotAnImage,
    UnknownReference {
        field: DraftField,
        id: String,
    },
}

/// Why the adapter could not read a draft at all, in the adapter's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableDraft(pub String);

#[derive(Debug, thiserror::Error)]
pub enum WriteCompanyError {
    #[error("only a Reseller creates or changes companies")]
    NotPermitted,
    #[error("company does not exist")]
    NotFound,
    #[error("company is not managed by the actor")]
    Forbidden,
    #[error("the draft could not be read: {}", .0.0)]
    Unreadable(UnreadableDraft),
    #[error("invalid company")]
    Invalid(Vec<DraftProblem>),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The image type of a logo, from its first bytes (not from what the client claims).
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

fn length(problems: &mut Vec<DraftProblem>, field: DraftField, value: &Option<String>, min: usize, max: usize) {
    if let Some(v) = value
        && !(min..=max).contains(&v.chars().count())
    {
        problems.push(DraftProblem::Length { field, min, max });
    }
}

impl Gateway {
    /// A reference table's rows, by name.
    pub async fn reference_rows(&self, table: Reference) -> Result<Vec<ReferenceRow>, DbErr> {
        async fn rows<E: EntityTrait>(db: &impl ConnectionTrait) -> Result<Vec<ReferenceRow>, DbErr> {
            let by = |column: &str| E::Column::from_str(column).map_err(|_| DbErr::Custom(format!("no {column}")));
            E::find().order_by_asc(by("name")?).order_by_asc(by("id")?).into_model::<ReferenceRow>().all(db).await
        }
        match table {
            Reference::Industries => rows::<industries::Entity>(&self.db).await,
            Reference::Countries => rows::<countries::Entity>(&self.db).await,
            Reference::LicenseTypes => rows::<license_types::Entity>(&self.db).await,
            Reference::LicensePeriodTypes => rows::<license_period_types::Entity>(&self.db).await,
        }
    }

    async fn reference_exists(&self, table: Reference, id: &str) -> Result<bool, DbErr> {
        let db = &self.db;
        Ok(match table {
            Reference::Industries => industries::Entity::find_by_id(id).one(db).await?.is_some(),
            Reference::Countries => countries::Entity::find_by_id(id).one(db).await?.is_some(),
            Reference::LicenseTypes => license_types::Entity::find_by_id(id).one(db).await?.is_some(),
            Reference::LicensePeriodTypes => license_period_types::Entity::find_by_id(id).one(db).await?.is_some(),
        })
    }

    /// Every problem with a draft of `kind`, in the order of [`DraftProblem`].
    pub(crate) async fn draft_problems(
        &self,
        draft: &CompanyDraft,
        kind: DraftKind,
    ) -> Result<Vec<DraftProblem>, DbErr> {
        use DraftField as F;
        let mut problems: Vec<DraftProblem> =
            draft.not_of_its_type.iter().copied().map(DraftProblem::NotOfItsType).collect();
        let present = |field: F| match field {
            F::ResourceId => draft.resource_id.is_some(),
            F::Name => draft.name.is_some(),
            F::Industry => draft.industry_id.is_some(),
            F::Country => draft.country_id.is_some(),
            F::LicenseType => draft.license_type_id.is_some(),
            F::LicensePeriodType => draft.license_period_type_id.is_some(),
            F::NumberOfUsers => draft.number_of_users.is_some(),
            F::TimeZone => draft.time_zone_id.is_some(),
            F::DateFormat => draft.date_format.is_some(),
            F::TimeFormat => draft.time_format.is_some(),
            _ => true,
        };
        problems.extend(kind.required().iter().filter(|f| !present(**f)).map(|f| DraftProblem::Missing(*f)));
        length(&mut problems, F::Name, &draft.name, 1, 64);
        length(&mut problems, F::Description, &draft.description, 0, 300);
        length(&mut problems, F::Address, &draft.address, 0, 200);
        length(&mut problems, F::WebsiteUrl, &draft.website_url, 0, 2000);
        for (field, value) in [
            (F::TimeZone, &draft.time_zone_id),
            (F::DateFormat, &draft.date_format),
            (F::TimeFormat, &draft.time_format),
        ] {
            length(&mut problems, field, value, 1, 64);
        }
        if draft.number_of_users.is_some_and(|n| n < 0) {
            problems.push(DraftProblem::Negative(F::NumberOfUsers));
        }
        if draft.status_id.is_some_and(|s| s != 1 && s != 2) {
            problems.push(DraftProblem::UnknownStatus);
        }
        if let (Some(start), Some(end)) = (draft.license_start_date, draft.license_end_date)
            && end < start
        {
            problems.push(DraftProblem::EndsBeforeItStarts);
        }
        for tag in &draft.tags {
            if !(1..=64).contains(&tag.chars().count()) {
                problems.push(DraftProblem::Length { field: F::Tag, min: 1, max: 64 });
            }
        }
        if let Some(logo) = &draft.logo {
            if logo.bytes.len() > MAX_LOGO_BYTES {
                problems.push(DraftProblem::LogoTooLarge { max_bytes: MAX_LOGO_BYTES });
            } else if image_type(&logo.bytes).is_none() {
                problems.push(DraftProblem::LogoNotAnImage);
            }
        }
        let references = [
            (F::Industry, Reference::Industries, &draft.industry_id),
            (F::Country, Reference::Countries, &draft.country_id),
            (F::LicenseType, Reference::LicenseTypes, &draft.license_type_id),
            (F::LicensePeriodType, Reference::LicensePeriodTypes, &draft.license_period_type_id),
        ];
        for (field, table, value) in references {
            if let Some(id) = value
                && !self.reference_exists(table, id).await?
            {
                problems.push(DraftProblem::UnknownReference { field, id: id.clone() });
            }
        }
        Ok(problems)
    }

    /// Creates a company under the caller's own company, in this order of checks: only a Reseller
    /// creates; then the draft as a whole (unreadable), then every problem with it at once.
    pub async fn create_company(
        &self,
        actor: &Actor,
        draft: Result<CompanyDraft, UnreadableDraft>,
    ) -> Result<String, WriteCompanyError> {
        let own = may_write_companies(actor)?;
        let draft = self.checked(draft).await?;
        let id = CompanyId::generate().to_string();
        let parent = own.resource_id().map(str::to_owned);
        // Read before the transaction: on SQLite a transaction that reads first and writes later
        // fails when another process committed in between (see `database::Pools`).
        let parent_path = match &parent {
            Some(parent) => crate::tree::paths_of(&self.db, &[parent]).await?.remove(parent),
            None => None,
        };
        let model = companies::ActiveModel {
            id: Set(id.clone()),
            path: Set(crate::tree::path_below(parent_path.as_deref(), &id)),
            parent_id: Set(parent),
            contacts: Set(Some(serde_json::json!([]))),
            has_finished_registration: Set(true),
            is_blocked: Set(false),
            is_disabled: Set(false),
            version: Set(0),
            create_time: Set(Utc::now()),
            ..Default::default()
        };
        let txn = self.writer.begin().await?;
        apply(model, &draft).insert(&txn).await?;
        // The tags before the links, which carry them.
        replace_tags(&txn, &id, &draft.tags).await?;
        crate::tree::attach_all(&txn, &[&id]).await?;
        let created = crate::tree::counts::Delta { companies: 1, exceeded: 0 };
        crate::tree::counts::adjust_ancestors(&txn, &[(&id, created)]).await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Replaces the fields of a managed company (without a new logo the logo stays), in this order
    /// of checks: only a Reseller changes companies; the id as given names an existing company the
    /// caller manages; then the draft as a whole, then every problem with it at once. Existence and
    /// management are checked again under the company's lock before the write.
    pub async fn update_company(
        &self,
        actor: &Actor,
        resource_id: &str,
        draft: Result<CompanyDraft, UnreadableDraft>,
    ) -> Result<(), WriteCompanyError> {
        let own = may_write_companies(actor)?;
        let key = CompanyId::from_resource_id(resource_id)
            .and_then(|id| id.resource_id().map(str::to_owned))
            .ok_or(WriteCompanyError::NotFound)?;
        let company = companies::Entity::find_by_id(&key).one(&self.db).await?.ok_or(WriteCompanyError::NotFound)?;
        if !manages(&self.db, own, &company.id).await? {
            return Err(WriteCompanyError::Forbidden);
        }
        let draft = self.checked(draft).await?;
        let txn = self.writer.begin().await?;
        if !lock_company(&txn, &key, Bump::Version).await? {
            return Err(WriteCompanyError::NotFound);
        }
        let company = companies::Entity::find_by_id(&key).one(&txn).await?.ok_or(WriteCompanyError::NotFound)?;
        if !manages(&txn, own, &company.id).await? {
            return Err(WriteCompanyError::Forbidden);
        }
        let renamed = company.name != draft.name.clone().unwrap_or_default();
        apply(company.into(), &draft).update(&txn).await?;
        // The tags before the links, which carry them.
        replace_tags(&txn, &key, &draft.tags).await?;
        crate::tree::counts::sync_exceeded(&txn, &[&key]).await?;
        crate::tree::refresh_keys(&txn, &[&key], crate::tree::Changed::Anything).await?;
        if renamed {
            crate::tree::refresh_reseller_names(&txn, &[&key]).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn checked(&self, draft: Result<CompanyDraft, UnreadableDraft>) -> Result<CompanyDraft, WriteCompanyError> {
        let draft = draft.map_err(WriteCompanyError::Unreadable)?;
        let problems = self.draft_problems(&draft, DraftKind::Whole).await?;
        if problems.is_empty() { Ok(draft) } else { Err(WriteCompanyError::Invalid(problems)) }
    }

    /// Replaces the profile of the company the draft names (`ResourceId`, see [`DraftKind::Profile`];
    /// without a new logo the logo stays), in this order of checks: an API client; the draft as
    /// a whole, then its `ResourceId`; the company exists; it is the caller's own company or one
    /// a Reseller caller manages; then every problem with the draft at once. Existence and
    /// management are checked again under the company's lock before the write. Returns the id.
    pub async fn update_company_profile(
        &self,
        actor: &Actor,
        draft: Result<CompanyDraft, UnreadableDraft>,
    ) -> Result<String, WriteCompanyError> {
        let Actor::Client { role, company: own, .. } = actor else { return Err(WriteCompanyError::NotPermitted) };
        let draft = draft.map_err(WriteCompanyError::Unreadable)?;
        let Some(given) = draft.resource_id.clone() else {
            return Err(WriteCompanyError::Invalid(vec![DraftProblem::Missing(DraftField::ResourceId)]));
        };
        let key = CompanyId::from_resource_id(&given)
            .and_then(|id| id.resource_id().map(str::to_owned))
            .ok_or(WriteCompanyError::NotFound)?;
        may_edit_profile(&self.db, *role, *own, &key).await?;
        let problems = self.draft_problems(&draft, DraftKind::Profile).await?;
        if !problems.is_empty() {
            return Err(WriteCompanyError::Invalid(problems));
        }
        let txn = self.writer.begin().await?;
        if !lock_company(&txn, &key, Bump::Version).await? {
            return Err(WriteCompanyError::NotFound);
        }
        let company = may_edit_profile(&txn, *role, *own, &key).await?;
        let renamed = company.name != draft.name.clone().unwrap_or_default();
        apply_profile(company.into(), &draft).update(&txn).await?;
        crate::tree::refresh_keys(&txn, &[&key], crate::tree::Changed::Anything).await?;
        if renamed {
            crate::tree::refresh_reseller_names(&txn, &[&key]).await?;
        }
        txn.commit().await?;
        Ok(key)
    }
}

/// A company's profile is edited by the company itself or a Reseller that manages it: the company
/// `key`, else why not (it does not exist; the caller, of `role` and company `own`, may not).
async fn may_edit_profile(
    db: &impl ConnectionTrait,
    role: ClientRole,
    own: CompanyId,
    key: &str,
) -> Result<companies::Model, WriteCompanyError> {
    let itself = own.resource_id() == Some(key);
    // A Company Admin acts on its own company only and learns nothing about other ids.
    if !itself && role != ClientRole::Reseller {
        return Err(WriteCompanyError::Forbidden);
    }
    let company = companies::Entity::find_by_id(key).one(db).await?.ok_or(WriteCompanyError::NotFound)?;
    if itself || manages(db, own, &company.id).await? { Ok(company) } else { Err(WriteCompanyError::Forbidden) }
}

/// Only a Reseller creates and changes companies; returns its own company.
fn may_write_companies(actor: &Actor) -> Result<CompanyId, WriteCompanyError> {
    match actor {
        Actor::Client { role: ClientRole::Reseller, company, .. } => Ok(*company),
        _ => Err(WriteCompanyError::NotPermitted),
    }
}

/// The profile fields of `d` (see [`DraftKind::Profile`]) on `model`; a time zone or logo not sent
/// stays.
fn apply_profile(mut model: companies::ActiveModel, d: &CompanyDraft) -> companies::ActiveModel {
    model.name = Set(d.name.clone().unwrap_or_default());
    model.industry_id = Set(d.industry_id.clone());
    model.country_id = Set(d.country_id.clone());
    model.description = Set(d.description.clone());
    model.address = Set(d.address.clone());
    model.website_url = Set(d.website_url.clone());
    if d.time_zone_id.is_some() {
        model.time_zone_id = Set(d.time_zone_id.clone());
    }
    set_logo(&mut model, d);
    model
}

fn set_logo(model: &mut companies::ActiveModel, d: &CompanyDraft) {
    if let Some(logo) = &d.logo {
        let kind = image_type(&logo.bytes).unwrap_or("application/octet-stream");
        let data = base64::engine::general_purpose::STANDARD.encode(&logo.bytes);
        model.logo = Set(Some(format!("{}{kind};base64,{data}", StoredLogo::UPLOAD_PREFIX)));
    }
}

/// Every field of `d` on `model`: its profile, then the rest (without a new logo the logo stays).
fn apply(model: companies::ActiveModel, d: &CompanyDraft) -> companies::ActiveModel {
    let mut model = apply_profile(model, d);
    model.license_type_id = Set(d.license_type_id.clone());
    model.license_period_type_id = Set(d.license_period_type_id.clone());
    model.number_of_users = Set(d.number_of_users.unwrap_or(0));
    model.time_zone_id = Set(d.time_zone_id.clone());
    model.date_format = Set(d.date_format.clone());
    model.time_format = Set(d.time_format.clone());
    model.license_start_date = Set(d.license_start_date);
    model.license_end_date = Set(d.license_end_date);
    model.is_number_of_users_limited = Set(d.is_number_of_users_limited.unwrap_or(false));
    model.status_id = Set(d.status_id.unwrap_or(1));
    model
}

async fn replace_tags(db: &impl ConnectionTrait, id: &str, tags: &[String]) -> Result<(), DbErr> {
    company_tags::Entity::delete_many().filter(company_tags::Column::CompanyId.eq(id)).exec(db).await?;
    let mut seen = std::collections::HashSet::new();
    for tag in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty() && seen.insert(t.to_owned())) {
        company_tags::ActiveModel { company_id: Set(id.to_owned()), tag: Set(tag.to_owned()) }.insert(db).await?;
    }
    Ok(())
}
