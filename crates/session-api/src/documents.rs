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

#[derive(Object, Debug, Clone)]
#[oai(rename_all = "camelCase")]
pub struct OfferDoc {
    /// 24 hex digits.
    #[oai(rename = "_id")]
    pub id: String,
    pub title: String,
    /// The owner company's `_id`.
    pub owner: String,
    pub owner_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub location: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub job_type: Option<String>,
    pub is_hidden: bool,
    pub is_archived: bool,
}

impl OfferDoc {
    pub fn new(o: &offers::Model, owner: &companies::Model) -> Self {
        Self {
            id: format!("{:024x}", o.id),
            title: o.title.clone(),
            owner: hex_id(&owner.id),
            owner_name: owner.name.clone(),
            description: o.description.clone(),
            location: o.location.clone(),
            job_type: o.job_type.clone(),
            is_hidden: o.is_hidden,
            is_archived: o.is_archived,
        }
    }
}
