//! The JSON documents of the dialect: companies and offers as the original shows them.
use companygate_domain::CompanyId;
use companygate_domain::entities::{companies, offers};
use poem_openapi::Object;

/// A company as the original shows it. No account or password data.
#[derive(Object, Debug, Clone)]
pub struct CompanyDoc {
    /// 24 hex digits.
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    pub contacts: Vec<String>,
    #[oai(rename = "hasFinishedRegistration")]
    pub has_finished_registration: bool,
    #[oai(rename = "isBlocked")]
    pub is_blocked: bool,
    #[oai(rename = "isDisabled")]
    pub is_disabled: bool,
    /// Version, bumped by every change.
    #[oai(rename = "__v")]
    pub version: i32,
    #[oai(skip_serializing_if_is_none)]
    pub bio: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub logo: Option<String>,
    #[oai(rename = "adminReason", skip_serializing_if_is_none)]
    pub admin_reason: Option<String>,
}

pub fn hex_id(resource_id: &str) -> String {
    CompanyId::from_resource_id(resource_id).map(|id| id.hex()).unwrap_or_default()
}

impl From<&companies::Model> for CompanyDoc {
    fn from(c: &companies::Model) -> Self {
        let contacts = c
            .contacts
            .as_ref()
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Self {
            id: hex_id(&c.id),
            name: c.name.clone(),
            contacts,
            has_finished_registration: c.has_finished_registration,
            is_blocked: c.is_blocked,
            is_disabled: c.is_disabled,
            version: c.version,
            bio: c.bio.clone(),
            logo: c.logo.clone(),
            admin_reason: c.admin_reason.clone(),
        }
    }
}

/// A GeoJSON point.
#[derive(Object, Debug, Clone, serde::Deserialize)]
pub struct PointDoc {
    /// Always `Point`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub coordinates: Vec<f64>,
}

/// An offer as the original's Offer model shows it. An offer stored before offers were kept
/// whole lacks the fields it was never given.
#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct OfferDoc {
    /// 24 hex digits.
    #[oai(rename = "_id")]
    pub id: String,
    pub title: String,
    #[oai(skip_serializing_if_is_none)]
    pub publish_date: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub publish_end_date: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub job_min_duration: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub job_max_duration: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub job_start_date: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub contacts: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub is_paid: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub vacancies: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub job_type: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub fields: Option<Vec<String>>,
    #[oai(skip_serializing_if_is_none)]
    pub technologies: Option<Vec<String>>,
    /// `ADMIN_REQUEST`, `COMPANY_REQUEST`, `COMPANY_BLOCKED` or `COMPANY_DISABLED`.
    #[oai(skip_serializing_if_is_none)]
    pub hidden_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub admin_reason: Option<String>,
    pub is_hidden: bool,
    pub is_archived: bool,
    /// The owner company's `_id`.
    pub owner: String,
    #[oai(skip_serializing_if_is_none)]
    pub requirements: Option<Vec<String>>,
    pub owner_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub owner_logo: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub location: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub coordinates: Option<PointDoc>,
    #[oai(rename = "applyURL", skip_serializing_if_is_none)]
    pub apply_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Version.
    #[oai(rename = "__v")]
    pub version: i32,
}

/// A time as the original writes a date: UTC, milliseconds, `Z`.
fn date(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A stored JSON array of strings.
fn strings(value: &Option<serde_json::Value>) -> Option<Vec<String>> {
    value.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok())
}

impl OfferDoc {
    pub fn new(o: &offers::Model, owner: &companies::Model) -> Self {
        Self {
            id: format!("{:024x}", o.id),
            title: o.title.clone(),
            publish_date: o.publish_date.map(date),
            publish_end_date: o.publish_end_date.map(date),
            job_min_duration: o.job_min_duration,
            job_max_duration: o.job_max_duration,
            job_start_date: o.job_start_date.map(date),
            description: o.description.clone(),
            contacts: strings(&o.contacts),
            is_paid: o.is_paid,
            vacancies: o.vacancies,
            job_type: o.job_type.clone(),
            fields: strings(&o.fields),
            technologies: strings(&o.technologies),
            hidden_reason: o.hidden_reason.clone(),
            admin_reason: o.admin_reason.clone(),
            is_hidden: o.is_hidden,
            is_archived: o.is_archived,
            owner: hex_id(&owner.id),
            requirements: strings(&o.requirements),
            owner_name: owner.name.clone(),
            owner_logo: o.owner_logo.clone(),
            location: o.location.clone(),
            coordinates: o.coordinates.as_ref().and_then(|c| serde_json::from_value(c.clone()).ok()),
            apply_url: o.apply_url.clone(),
            created_at: date(o.create_time),
            updated_at: date(o.update_time.unwrap_or(o.create_time)),
            version: o.version,
        }
    }
}
