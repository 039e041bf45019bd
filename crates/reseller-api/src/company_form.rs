//! `POST /api/companies`, `PUT /api/companies/{resourceId}` (multipart, PascalCase fields as the
//! original) and the reference tables their lookup ids come from.
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, Utc};
use companygate_domain::Gateway;
use companygate_domain::companies::writes::{
    CompanyDraft, DraftField, Logo, MAX_LOGO_BYTES, Reference, UnreadableDraft,
};
use poem::web::Data;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::param::Path;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, Multipart, Object, OpenApi};

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::envelope::Envelope;
use crate::error::ApiError;

/// The company form. Required: `Name` (1-64), the four lookup ids (see the reference endpoints),
/// `NumberOfUsers`, `TimeZoneId`, `DateFormat`, `TimeFormat`. `Tags[]` repeats; `File` is a PNG,
/// JPEG, GIF or WebP logo of at most 1 MiB.
#[derive(Multipart, Debug)]
#[allow(dead_code)] // documents the form in the spec; `FormBody` reads the parts leniently
pub struct CompanyForm {
    #[oai(rename = "Name", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub name: String,
    #[oai(rename = "IndustryResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub industry_resource_id: String,
    #[oai(rename = "CountryResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub country_resource_id: String,
    #[oai(rename = "LicenseTypeResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub license_type_resource_id: String,
    #[oai(rename = "LicensePeriodTypeResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub license_period_type_resource_id: String,
    #[oai(rename = "NumberOfUsers", validator(minimum(value = "0")))]
    pub number_of_users: i32,
    #[oai(rename = "TimeZoneId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub time_zone_id: String,
    #[oai(rename = "DateFormat", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub date_format: String,
    #[oai(rename = "TimeFormat", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub time_format: String,
    #[oai(rename = "Description", validator(max_length = 300))]
    pub description: Option<String>,
    #[oai(rename = "Address", validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(rename = "WebsiteUrl", validator(max_length = 2000))]
    pub website_url: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339.
    #[oai(rename = "LicenseStartDate")]
    pub license_start_date: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339.
    #[oai(rename = "LicenseEndDate")]
    pub license_end_date: Option<String>,
    #[oai(rename = "IsNumberOfUsersLimited")]
    pub is_number_of_users_limited: Option<bool>,
    /// 1 Active (default), 2 Inactive.
    #[oai(rename = "StatusId", validator(minimum(value = "1"), maximum(value = "2")))]
    pub status_id: Option<i32>,
    #[oai(rename = "Tags[]")]
    pub tags: Option<Vec<crate::documented::Text<TagSpelling>>>,
    #[oai(rename = "File")]
    pub file: Option<Upload>,
}

/// The profile form of `PUT /api/companies/limited`, as the vendor's: `ResourceId` names the
/// company (yours, or one you manage as a Reseller); `Name`, `IndustryResourceId` and
/// `CountryResourceId` are required. Without `TimeZoneId` or `File` they stay as they are; the
/// licence, users, formats, status and tags are not changed. `PreferredLanguageTypeResourceId` is
/// accepted and not stored.
#[derive(Multipart, Debug)]
#[allow(dead_code)] // documents the form in the spec; `FormBody` reads the parts leniently
pub struct CompanyProfileForm {
    #[oai(rename = "ResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub resource_id: String,
    #[oai(rename = "Name", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub name: String,
    #[oai(rename = "Description", validator(max_length = 300))]
    pub description: Option<String>,
    #[oai(rename = "IndustryResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub industry_resource_id: String,
    #[oai(rename = "CountryResourceId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub country_resource_id: String,
    #[oai(rename = "Address", validator(max_length = 200))]
    pub address: Option<String>,
    #[oai(rename = "WebsiteUrl", validator(max_length = 2000))]
    pub website_url: Option<String>,
    #[oai(rename = "PreferredLanguageTypeResourceId")]
    pub preferred_language_type_resource_id: Option<String>,
    #[oai(rename = "TimeZoneId", validator(min_length = 1, max_length = 64, pattern = r"\S"))]
    pub time_zone_id: Option<String>,
    #[oai(rename = "File")]
    pub file: Option<Upload>,
}

/// One of `Tags[]`, as the spec documents it: 1 to 64 characters, not all blank.
#[derive(Debug)]
pub struct TagSpelling;

impl crate::documented::Documented for TagSpelling {
    fn schema() -> poem_openapi::registry::MetaSchema {
        poem_openapi::registry::MetaSchema {
            min_length: Some(1),
            max_length: Some(64),
            ..crate::documented::pattern(r"\S".into())
        }
    }
}

/// The raw parts of a multipart body, read without stopping at the first bad field. An unreadable
/// body is kept as an error for the handler, so authorization is judged before the form.
pub struct FormBody<T> {
    parts: Result<Vec<(String, Vec<u8>)>, &'static str>,
    _schema: PhantomData<T>,
}

impl<T> FormBody<T> {
    pub(crate) fn parts(&self) -> Result<&[(String, Vec<u8>)], &'static str> {
        self.parts.as_deref().map_err(|why| *why)
    }
}

impl<'a, T: Payload> ApiExtractor<'a> for FormBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType { content_type: "multipart/form-data", schema: T::schema_ref() }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let parts = async {
            let mut multipart = <poem::web::Multipart as FromRequest>::from_request(request, body)
                .await
                .map_err(|_| "Content-Type must be multipart/form-data")?;
            let mut parts = Vec::new();
            let mut total = 0usize;
            while let Some(field) = multipart.next_field().await.map_err(|_| "The multipart body is malformed")? {
                let name = field.name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| "The multipart body is malformed")?;
                total += bytes.len();
                if total > 2 * MAX_LOGO_BYTES {
                    return Err("The form is larger than 2 MiB");
                }
                parts.push((name, bytes));
            }
            Ok(parts)
        };
        Ok(Self { parts: parts.await, _schema: PhantomData })
    }
}

pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// The draft as sent: each field read as its type, the ones that could not be noted in the draft
/// for the core to list; a body that is not a readable form at all is `UnreadableDraft`.
pub(crate) fn read_form(parts: Result<&[(String, Vec<u8>)], &'static str>) -> Result<CompanyDraft, UnreadableDraft> {
    let parts = parts.map_err(|why| UnreadableDraft(why.to_owned()))?;
    let mut draft = CompanyDraft::default();
    let text = |name: &str| -> Option<String> {
        parts.iter().find(|(n, _)| n == name).map(|(_, b)| String::from_utf8_lossy(b).trim().to_owned())
    };
    let optional = |name: &str| text(name).filter(|t| !t.is_empty());
    draft.resource_id = optional("ResourceId");
    draft.name = text("Name");
    draft.industry_id = optional("IndustryResourceId");
    draft.country_id = optional("CountryResourceId");
    draft.license_type_id = optional("LicenseTypeResourceId");
    draft.license_period_type_id = optional("LicensePeriodTypeResourceId");
    draft.time_zone_id = optional("TimeZoneId");
    draft.date_format = optional("DateFormat");
    draft.time_format = optional("TimeFormat");
    draft.description = optional("Description");
    draft.address = optional("Address");
    draft.website_url = optional("WebsiteUrl");
    let mut unread = Vec::new();
    let mut number = |field: DraftField| -> Option<i32> {
        let t = optional(field_name(field))?;
        t.parse().ok().or_else(|| {
            unread.push(field);
            None
        })
    };
    draft.number_of_users = number(DraftField::NumberOfUsers);
    draft.status_id = number(DraftField::Status);
    for field in [DraftField::LicenseStartDate, DraftField::LicenseEndDate] {
        if let Some(t) = optional(field_name(field)) {
            match parse_time(&t) {
                Some(time) if field == DraftField::LicenseStartDate => draft.license_start_date = Some(time),
                Some(time) => draft.license_end_date = Some(time),
                None => unread.push(field),
            }
        }
    }
    if let Some(t) = optional("IsNumberOfUsersLimited") {
        match t.to_ascii_lowercase().as_str() {
            "true" => draft.is_number_of_users_limited = Some(true),
            "false" => draft.is_number_of_users_limited = Some(false),
            _ => unread.push(DraftField::NumberOfUsersLimited),
        }
    }
    draft.not_of_its_type = unread;
    draft.tags = parts
        .iter()
        .filter(|(n, _)| n == "Tags[]" || n == "Tags")
        .map(|(_, b)| String::from_utf8_lossy(b).trim().to_owned())
        .collect();
    draft.logo = parts.iter().find(|(n, b)| n == "File" && !b.is_empty()).map(|(_, b)| Logo { bytes: b.clone() });
    Ok(draft)
}

/// The form's name for a field of the draft.
pub(crate) fn field_name(field: DraftField) -> &'static str {
    match field {
        DraftField::ResourceId => "ResourceId",
        DraftField::Name => "Name",
        DraftField::Industry => "IndustryResourceId",
        DraftField::Country => "CountryResourceId",
        DraftField::LicenseType => "LicenseTypeResourceId",
        DraftField::LicensePeriodType => "LicensePeriodTypeResourceId",
        DraftField::NumberOfUsers => "NumberOfUsers",
        DraftField::TimeZone => "TimeZoneId",
        DraftField::DateFormat => "DateFormat",
        DraftField::TimeFormat => "TimeFormat",
        DraftField::Description => "Description",
        DraftField::Address => "Address",
        DraftField::WebsiteUrl => "WebsiteUrl",
        DraftField::LicenseStartDate => "LicenseStartDate",
        DraftField::LicenseEndDate => "LicenseEndDate",
        DraftField::NumberOfUsersLimited => "IsNumberOfUsersLimited",
        DraftField::Status => "StatusId",
        DraftField::Tag => "Tags[]",
        DraftField::Logo => "File",
    }
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CompanyRef {
    pub resource_id: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ReferenceItem {
    pub resource_id: String,
    pub name: String,
}

crate::api_response!(
    CompanyRefResponse,
    Envelope<CompanyRef>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);
crate::api_response!(
    CompanyCreatedResponse,
    Envelope<CompanyRef>,
    [BadRequest, Unauthorized, Forbidden, TooManyRequests]
);
crate::api_response!(ReferenceResponse, Envelope<Vec<ReferenceItem>>, [Unauthorized, TooManyRequests]);

async fn references(gateway: &Gateway, table: Reference) -> ReferenceResponse {
    let result = async {
        let rows = gateway.reference_rows(table).await.map_err(ApiError::database)?;
        Ok(Envelope::success(
            rows.into_iter().map(|r| ReferenceItem { resource_id: r.id, name: r.name }).collect(),
            None,
        ))
    };
    result.await.into()
}

/// `PUT /api/companies/{resourceId}`, routed from the path's one `OpenApi` impl.
pub async fn update_company(
    auth: ResellerAuth,
    gateway: &Gateway,
    resource_id: Path<String>,
    form: FormBody<CompanyForm>,
) -> CompanyRefResponse {
    let result = async {
        gateway.update_company(&auth.0, &resource_id.0, read_form(form.parts())).await?;
        Ok(Envelope::success(CompanyRef { resource_id: resource_id.0.clone() }, None))
    };
    result.await.into()
}

pub struct CompanyFormApi;

#[OpenApi(tag = "ApiTags::Companies")]
impl CompanyFormApi {
    /// Create a company
    ///
    /// Creates a company managed by your reseller company. Only the Reseller role may create.
    #[oai(path = "/api/companies", method = "post", operation_id = "createCompany")]
    async fn create(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        form: FormBody<CompanyForm>,
    ) -> CompanyCreatedResponse {
        let result = async {
            let resource_id = gateway.create_company(&auth.0, read_form(form.parts())).await?;
            Ok(Envelope::success(CompanyRef { resource_id }, None))
        };
        result.await.into()
    }

    /// Change a company's profile
    ///
    /// The vendor's limited update: name, industry, country, description, address, website,
    /// time zone and logo of the company `ResourceId` names, your own or (as a Reseller) one you
    /// manage.
    #[oai(path = "/api/companies/limited", method = "put", operation_id = "updateCompanyProfile")]
    async fn update_profile(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        form: FormBody<CompanyProfileForm>,
    ) -> CompanyRefResponse {
        let result = async {
            let resource_id = gateway.update_company_profile(&auth.0, read_form(form.parts())).await?;
            Ok(Envelope::success(CompanyRef { resource_id }, None))
        };
        result.await.into()
    }

    /// Industries
    #[oai(path = "/api/industries", method = "get", operation_id = "listIndustries")]
    async fn industries(&self, _auth: ResellerAuth, gateway: Data<&Gateway>) -> ReferenceResponse {
        references(&gateway, Reference::Industries).await
    }

    /// Countries
    #[oai(path = "/api/countries", method = "get", operation_id = "listCountries")]
    async fn countries(&self, _auth: ResellerAuth, gateway: Data<&Gateway>) -> ReferenceResponse {
        references(&gateway, Reference::Countries).await
    }

    /// Licence types
    #[oai(path = "/api/license-types", method = "get", operation_id = "listLicenseTypes")]
    async fn license_types(&self, _auth: ResellerAuth, gateway: Data<&Gateway>) -> ReferenceResponse {
        references(&gateway, Reference::LicenseTypes).await
    }

    /// Licence periods
    #[oai(path = "/api/license-period-types", method = "get", operation_id = "listLicensePeriodTypes")]
    async fn license_period_types(&self, _auth: ResellerAuth, gateway: Data<&Gateway>) -> ReferenceResponse {
        references(&gateway, Reference::LicensePeriodTypes).await
    }
}
