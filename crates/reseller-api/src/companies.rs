//! `/api/companies/...`: search and reads.
use chrono::{DateTime, Utc};
use companygate_domain::companies::record::{
    CompanyNode, CompanyRecord, LicenseCheck, MyTree, StoredLogo, TreeCompany,
};
use companygate_domain::scoped::Scoped;
use companygate_domain::search::mine::MyCompaniesPage;
use companygate_domain::{CompanyId, Gateway};
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::registry::MetaSchema;
use poem_openapi::{Object, OpenApi};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::ApiTags;
use crate::auth::{ResellerAuth, ResellerToken, refused};
use crate::body::{Fields, JsonBody};
use crate::company_form::{self, CompanyForm, CompanyRefResponse, FormBody};
use crate::deletion::{self, DeleteResponse};
use crate::documented::{Documented, ParamName, PathInt, Text};
use crate::envelope::{Envelope, int32};
use crate::error::ApiError;
use crate::export::{self, ExportOptions, ExportResponse};
use crate::rendered::Rendered;
use crate::scope::Scope;
use crate::search::{self, SearchBody, SearchData};

/// `companyId`, a company's number in a path.
#[derive(Debug)]
pub struct CompanyIdParam;

impl ParamName for CompanyIdParam {
    const NAME: &'static str = "companyId";
}

/// A company as the original's CompanyDto.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CompanyDto {
    pub resource_id: String,
    pub name: String,
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(nullable)]
    pub address: Option<String>,
    #[oai(nullable)]
    pub website_url: Option<String>,
    #[oai(nullable)]
    pub logo_url: Option<String>,
    #[oai(nullable)]
    pub industry_resource_id: Option<String>,
    #[oai(nullable)]
    pub industry_name: Option<String>,
    #[oai(nullable)]
    pub country_resource_id: Option<String>,
    #[oai(nullable)]
    pub country_name: Option<String>,
    #[oai(nullable)]
    pub license_type_resource_id: Option<String>,
    #[oai(nullable)]
    pub license_type_name: Option<String>,
    #[oai(nullable)]
    pub license_period_type_resource_id: Option<String>,
    #[oai(nullable)]
    pub license_start_date: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub license_end_date: Option<DateTime<Utc>>,
    pub is_number_of_users_limited: bool,
    pub number_of_users: i32,
    /// 1 Active, 2 Inactive.
    pub status_id: i32,
    pub status_name: String,
    pub target_user_count: i32,
    #[oai(nullable)]
    pub time_zone_id: Option<String>,
    #[oai(nullable)]
    pub date_format: Option<String>,
    #[oai(nullable)]
    pub time_format: Option<String>,
    pub tags: Vec<String>,
    /// The number of the company that manages this one (the vendor's int32 company id; resolve it
    /// with `GET /api/companies/getcompany/{companyId}`).
    #[oai(nullable)]
    pub parent_id: Option<i32>,
}

impl From<CompanyRecord> for CompanyDto {
    fn from(r: CompanyRecord) -> Self {
        let logo = logo_url(&r.id, r.logo);
        Self {
            resource_id: r.id,
            name: r.name,
            description: r.description,
            address: r.address,
            website_url: r.website_url,
            logo_url: logo,
            industry_resource_id: r.industry_id,
            industry_name: r.industry_name,
            country_resource_id: r.country_id,
            country_name: r.country_name,
            license_type_resource_id: r.license_type_id,
            license_type_name: r.license_type_name,
            license_period_type_resource_id: r.license_period_type_id,
            license_start_date: r.license_start_date,
            license_end_date: r.license_end_date,
            is_number_of_users_limited: r.is_number_of_users_limited,
            number_of_users: r.number_of_users,
            status_id: r.status_id,
            status_name: crate::envelope::status_name(r.status_id),
            target_user_count: crate::envelope::int32(r.target_user_count),
            time_zone_id: r.time_zone_id,
            date_format: r.date_format,
            time_format: r.time_format,
            tags: r.tags,
            parent_id: r.parent_number,
        }
    }
}

/// A company's resource id (`item1`) and name (`item2`), as the vendor's `Tuple<string, string>`.
#[derive(Object, Debug)]
pub struct CompanyIdAndName {
    pub item1: String,
    pub item2: String,
}

/// `POST /api/companies/search/export`: a search with the export's type and extent.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CompanyExportBody {
    #[oai(flatten)]
    pub search: SearchBody,
    #[oai(flatten)]
    pub export: ExportOptions,
}

/// `POST /api/companies/my/search`: the vendor's `SearchMyCompaniesRequest` (`text`) with
/// optional paging.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", example)]
pub struct SearchMyCompaniesBody {
    /// Case-insensitive text the company name contains; empty or `null` lists every company.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub text: Option<String>,
    /// 1-based page number (default 1, also when null).
    #[oai(nullable, skip_serializing_if_is_none, validator(minimum(value = "1"), maximum(value = "10000000")))]
    pub page_number: Option<i64>,
    /// Rows per page, 1 to 100 (default 10, also when null).
    #[oai(nullable, skip_serializing_if_is_none, validator(minimum(value = "1"), maximum(value = "100")))]
    pub page_size: Option<i64>,
}

impl poem_openapi::types::Example for SearchMyCompaniesBody {
    fn example() -> Self {
        Self { text: Some("acme".into()), page_number: None, page_size: None }
    }
}

/// Rows per page of `POST /api/companies/my/search` without `pageSize`.
const MY_SEARCH_PAGE_SIZE: i64 = 10;

fn parse_my_search(body: &serde_json::Value) -> Result<(String, u64, u64), ApiError> {
    let mut fields = Fields::of(body);
    let text = fields.optional_str("text").unwrap_or_default().to_owned();
    let bounded = |fields: &mut Fields, name: &str, default: i64, max: i64| match fields.optional(name) {
        None => Some(default),
        Some(_) => fields.required_int(name, 1, Some(max)),
    };
    let page_number = bounded(&mut fields, "pageNumber", 1, search::MAX_PAGE_NUMBER);
    let page_size = bounded(&mut fields, "pageSize", MY_SEARCH_PAGE_SIZE, 100);
    match (page_number, page_size) {
        (Some(number), Some(size)) if fields.problems.is_empty() => Ok((text, number as u64, size as u64)),
        _ => Err(ApiError::Input(fields.problems)),
    }
}

/// A company you may act as (`X-KEEPNET-Company-Id`), as `GET /api/companies/my` shows it,
/// without children.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct MyCompanySummary {
    pub name: String,
    pub resource_id: String,
    #[oai(nullable)]
    pub logo_url: Option<String>,
    /// `0` when none is set.
    pub privacy_duration_id: i32,
    /// Spelling as in the original API.
    pub licence_expired: bool,
    #[oai(nullable)]
    pub privacy_duration_start_time: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub privacy_duration_end_time: Option<DateTime<Utc>>,
}

/// A page of the companies you may act as, ordered by name.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct MyCompaniesData {
    pub page_number: i32,
    pub page_size: i32,
    pub total_number_of_pages: i32,
    pub total_number_of_records: i32,
    pub results: Vec<MyCompanySummary>,
}

impl From<MyCompaniesPage> for MyCompaniesData {
    fn from(page: MyCompaniesPage) -> Self {
        let now = Utc::now();
        Self {
            page_number: int32(page.page_number),
            page_size: int32(page.page_size),
            total_number_of_pages: int32(page.total_pages),
            total_number_of_records: int32(page.total_records),
            results: page
                .results
                .into_iter()
                .map(|c| MyCompanySummary {
                    logo_url: logo_url(&c.id, c.logo),
                    licence_expired: c.license_end_date.is_some_and(|end| end < now),
                    name: c.name,
                    resource_id: c.id,
                    privacy_duration_id: c.privacy_duration_id,
                    privacy_duration_start_time: c.privacy_duration_start_time,
                    privacy_duration_end_time: c.privacy_duration_end_time,
                })
                .collect(),
        }
    }
}

/// A company's licence against its target users, as the vendor's `CheckCompanyLicenseDto`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CheckCompanyLicense {
    /// Whether the licence limits the number of users.
    pub is_limited: bool,
    /// The licence's user limit; `null` when the licence is not limited.
    #[oai(nullable)]
    pub license_limit: Option<i32>,
    /// Active target users: the ones the limit counts.
    pub active_user_count: i32,
    /// Active and inactive target users (deleted ones are not counted).
    pub total_user_count: i32,
    /// Whether the active target users exceed a limited licence (as search's
    /// `limitExceededCompanyCount` counts it).
    pub is_license_exceeded: bool,
}

impl From<LicenseCheck> for CheckCompanyLicense {
    fn from(c: LicenseCheck) -> Self {
        Self {
            is_limited: c.is_limited,
            license_limit: c.limit,
            active_user_count: int32(c.active_users),
            total_user_count: int32(c.total_users),
            is_license_exceeded: c.exceeded,
        }
    }
}

/// Base64 text, as the vendor's `format: byte`.
#[derive(Debug)]
pub struct Base64Spelling;

impl Documented for Base64Spelling {
    fn schema() -> MetaSchema {
        MetaSchema::new_with_format("string", "byte")
    }
}

/// Where an uploaded logo is served (`getCompanyLogo`), `{resourceId}` standing for the company.
pub const LOGO_ADDRESS: &str = "/api/companies/{resourceId}/logo";

/// What `logoUrl` shows of the `stored` logo of company `id`: for an uploaded image, the address
/// that serves it ([`LOGO_ADDRESS`]), else the address the logo is held at.
pub(crate) fn logo_url(id: &str, stored: Option<String>) -> Option<String> {
    stored.map(|stored| match StoredLogo::is_upload(&stored) {
        true => LOGO_ADDRESS.replace("{resourceId}", id),
        false => stored,
    })
}

/// A company's logo, as the vendor's `GetCompanyLogoServiceResponse`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CompanyLogo {
    /// `{resourceId}.{png|jpg|gif|webp}` for an uploaded logo (the extension names its type);
    /// for a logo held at an address, the file name that address ends with, if any; `null`
    /// without a logo.
    #[oai(nullable)]
    pub file_name: Option<String>,
    /// The uploaded image, base64-encoded; `null` without a logo and for a logo held at an
    /// address (`logoUrl` of `GET /api/companies/my`).
    #[oai(nullable)]
    pub file_content: Option<Text<Base64Spelling>>,
}

impl From<Option<StoredLogo>> for CompanyLogo {
    fn from(logo: Option<StoredLogo>) -> Self {
        use base64::Engine;
        match logo {
            None => Self { file_name: None, file_content: None },
            Some(StoredLogo::Image { file_name, bytes, .. }) => Self {
                file_name: Some(file_name),
                file_content: Some(Text::new(base64::engine::general_purpose::STANDARD.encode(bytes))),
            },
            Some(StoredLogo::Address { file_name, .. }) => Self { file_name, file_content: None },
        }
    }
}

/// Your company and, for a Reseller, the tree of companies it manages.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct MyCompany {
    pub name: String,
    pub resource_id: String,
    #[oai(nullable)]
    pub logo_url: Option<String>,
    /// `0` when none is set.
    pub privacy_duration_id: i32,
    /// Spelling as in the original API.
    pub licence_expired: bool,
    #[oai(nullable)]
    pub privacy_duration_start_time: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub privacy_duration_end_time: Option<DateTime<Utc>>,
    pub children: Vec<MyCompany>,
}

/// `MyCompany` written with serde straight from the core's tree (borrowed: a kept tree is shared,
/// and thousands of companies are not copied into an intermediate value per request).
struct MyCompanyView<'a> {
    company: &'a TreeCompany,
    children: &'a [CompanyNode],
    now: DateTime<Utc>,
}

impl Serialize for MyCompanyView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.company;
        let mut out = serializer.serialize_struct("MyCompany", 8)?;
        out.serialize_field("name", &c.name)?;
        out.serialize_field("resourceId", &c.id)?;
        out.serialize_field("logoUrl", &logo_url(&c.id, c.logo.clone()))?;
        out.serialize_field("privacyDurationId", &c.privacy_duration_id)?;
        out.serialize_field("licenceExpired", &c.license_end_date.is_some_and(|end| end < self.now))?;
        out.serialize_field("privacyDurationStartTime", &c.privacy_duration_start_time.map(Rfc3339))?;
        out.serialize_field("privacyDurationEndTime", &c.privacy_duration_end_time.map(Rfc3339))?;
        out.serialize_field("children", &Children { nodes: self.children, now: self.now })?;
        out.end()
    }
}

/// A timestamp as poem-openapi writes `DateTime<Utc>` (`to_rfc3339`), so this answer and its
/// documented type agree byte for byte.
struct Rfc3339(DateTime<Utc>);

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339())
    }
}

struct Children<'a> {
    nodes: &'a [CompanyNode],
    now: DateTime<Utc>,
}

impl Serialize for Children<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.nodes.iter().map(|n| MyCompanyView {
            company: &n.company,
            children: &n.children,
            now: self.now,
        }))
    }
}

/// The success envelope around `data`, as `Envelope<T>` writes it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SuccessView<D> {
    data: D,
    status: &'static str,
    message: Option<String>,
    validation_messages: Option<Vec<String>>,
    is_success: bool,
}

impl<D> SuccessView<D> {
    fn new(data: D) -> Self {
        Self { data, status: "SUCCESS", message: None, validation_messages: None, is_success: true }
    }
}

/// The answer of `GET /api/companies/my`.
fn render_my(tree: &MyTree, now: DateTime<Utc>) -> Result<Rendered<Envelope<Vec<MyCompany>>>, ApiError> {
    let mine = MyCompanyView { company: &tree.company, children: &tree.children, now };
    Rendered::new(&SuccessView::new([mine])).map_err(ApiError::internal)
}

crate::api_response!(
    SearchResponse,
    Envelope<SearchData>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);
crate::api_response!(CompanyResponse, Envelope<CompanyDto>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(
    CompanyIdAndNameResponse,
    Envelope<CompanyIdAndName>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);
crate::api_response!(MyCompaniesSearchResponse, Envelope<MyCompaniesData>, [BadRequest, Unauthorized, TooManyRequests]);
crate::api_response!(
    LicenseCheckResponse,
    Envelope<CheckCompanyLicense>,
    [Unauthorized, Forbidden, NotFound, TooManyRequests]
);
crate::api_response!(LogoResponse, Envelope<CompanyLogo>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(
    LicenseExpiryResponse,
    Envelope<LicenseExpiryDate>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);

/// `POST /api/companies/licenseexpirydate`: the vendor's `GetCompanyLicenseExpiryDateRequest`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct LicenseExpiryDateBody {
    /// When the licence starts (RFC 3339, or `YYYY-MM-DD`).
    pub license_start_date: DateTime<Utc>,
}

/// The vendor's `GetCompanyLicenseExpiryDateDto`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct LicenseExpiryDate {
    /// One licence period of the company after the start; `null` when its licence has no period.
    #[oai(nullable)]
    pub license_expiry_date: Option<DateTime<Utc>>,
}

/// The body's `licenseStartDate`.
fn parse_license_start(body: &serde_json::Value) -> Result<DateTime<Utc>, ApiError> {
    let mut fields = Fields::of(body);
    let start = fields.required_str("licenseStartDate").and_then(|text| {
        crate::company_form::parse_time(text)
            .or_else(|| fields.problem("'licenseStartDate' must be a date (YYYY-MM-DD) or an RFC 3339 time".into()))
    });
    match start {
        Some(start) if fields.problems.is_empty() => Ok(start),
        _ => Err(ApiError::Input(fields.problems)),
    }
}
crate::api_response!(
    MyResponse,
    Envelope<Vec<MyCompany>>,
    Rendered<Envelope<Vec<MyCompany>>>,
    [Unauthorized, NotFound, TooManyRequests]
);

pub struct CompaniesApi;

#[OpenApi(tag = "ApiTags::Companies")]
impl CompaniesApi {
    /// Search the companies you manage
    ///
    /// Lists, a page at a time, every company your reseller company manages: its customers and the
    /// customers of its sub-resellers. `X-KEEPNET-Company-Id` (or `companyId`) narrows the list to
    /// one managed company and its subtree. Only the Reseller role may search.
    #[oai(path = "/api/companies/search", method = "post", operation_id = "searchCompanies")]
    async fn search(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// Narrow to this managed company and the companies under it.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<SearchBody>,
    ) -> SearchResponse {
        let result = async {
            let request = Scoped::new(scope.given(), search::parse(&body.value));
            let page = gateway.search_companies(&auth.0, request).await?;
            Ok(Envelope::success(search::to_data(&page), None))
        };
        result.await.into()
    }

    /// Your own company and the companies it manages
    ///
    /// For a Reseller, `children` holds the tree of managed companies; for a Company Admin it is
    /// empty.
    #[oai(path = "/api/companies/my", method = "get", operation_id = "getMyCompanies")]
    async fn my(&self, auth: ResellerAuth, gateway: Data<&Gateway>) -> MyResponse {
        let result = async {
            let tree = gateway.my_company_tree(&auth.0).await?;
            render_my(&tree, Utc::now())
        };
        result.await.into()
    }

    /// Export the companies you manage
    ///
    /// The companies the same search would list, as a CSV or XLSX file (`exportType`): every one
    /// of them with `reportAllPages: true`, else the page `pageNumber` and `pageSize` name. The
    /// file is streamed as it is written; `Content-Disposition` names it. At most two exports run
    /// at once per server; another is refused with 429 and `Retry-After`.
    #[oai(path = "/api/companies/search/export", method = "post", operation_id = "exportCompanies")]
    async fn export(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// Narrow to this managed company and the companies under it.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<CompanyExportBody>,
    ) -> ExportResponse {
        let result = async {
            let (input, format) = export::combine(search::parse(&body.value), export::parse(&body.value));
            let rows = gateway.export_companies(&auth.0, Scoped::new(scope.given(), input)).await?;
            export::respond(rows, format).await
        };
        result.await.into()
    }

    /// Search the companies you may act as
    ///
    /// Your own company and, for a Reseller, every company it manages (the companies
    /// `X-KEEPNET-Company-Id` may name), whose name contains `text`, a page at a time, ordered by
    /// name. The vendor's spec documents this answer's `data` as the request's own shape
    /// (`{text}`); this page is what the operation returns.
    #[oai(path = "/api/companies/my/search", method = "post", operation_id = "searchMyCompanies")]
    async fn my_search(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        body: JsonBody<SearchMyCompaniesBody>,
    ) -> MyCompaniesSearchResponse {
        let result = async {
            let (text, page_number, page_size) = parse_my_search(&body.value)?;
            let page = gateway.search_my_companies(&auth.0, &text, page_number, page_size).await?;
            Ok(Envelope::success(MyCompaniesData::from(page), None))
        };
        result.await.into()
    }

    /// A licence's end for its start
    ///
    /// When a licence of your company (or the one `X-KEEPNET-Company-Id` names) starting at
    /// `licenseStartDate` would end: one licence period of that company later.
    #[oai(path = "/api/companies/licenseexpirydate", method = "post", operation_id = "getLicenseExpiryDate")]
    async fn license_expiry_date(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company whose licence period counts (your own without it).
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<LicenseExpiryDateBody>,
    ) -> LicenseExpiryResponse {
        let result = async {
            let start = parse_license_start(&body.value)?;
            let end = gateway.license_expiry_date(&auth.0, scope.given(), start).await?;
            Ok(Envelope::success(LicenseExpiryDate { license_expiry_date: end }, None))
        };
        result.await.into()
    }

    /// One company
    ///
    /// A Reseller reads its own company and every company it manages; a Company Admin reads its
    /// own company only.
    #[oai(path = "/api/companies/:resourceId", method = "get", operation_id = "getCompany")]
    async fn get(
        &self,
        token: ResellerToken,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
    ) -> poem::Result<CompanyResponse> {
        let id = CompanyId::from_resource_id(&resource_id.0);
        let read = gateway.read_company_by_bearer(&token.0, id).await.map_err(refused)?;
        let result: Result<_, ApiError> =
            read.map(|record| Envelope::success(CompanyDto::from(record), None)).map_err(Into::into);
        Ok(result.into())
    }

    /// A company by number
    ///
    /// The resource id (`item1`) and name (`item2`) of the company with this number (a
    /// `CompanyDto.parentId`), under the same rules as reading the company.
    #[oai(path = "/api/companies/getcompany/:companyId", method = "get", operation_id = "getCompanyByNumber")]
    async fn get_by_number(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's number, e.g. a `parentId`.
        #[oai(name = "companyId")]
        company_id: Path<PathInt<CompanyIdParam>>,
    ) -> CompanyIdAndNameResponse {
        let result = async {
            let (item1, item2) = gateway.company_by_number(&auth.0, company_id.0.0).await?;
            Ok(Envelope::success(CompanyIdAndName { item1, item2 }, None))
        };
        result.await.into()
    }

    /// A company's licence check
    ///
    /// Whether the company's licence limits its users, the limit, its active and total target
    /// users, and whether the active ones exceed the limit; under the same rules as reading the
    /// company.
    #[oai(path = "/api/companies/:resourceId/license-check", method = "get", operation_id = "checkCompanyLicense")]
    async fn license_check(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
    ) -> LicenseCheckResponse {
        let result = async {
            let check = gateway.license_check(&auth.0, CompanyId::from_resource_id(&resource_id.0)).await?;
            Ok(Envelope::success(CheckCompanyLicense::from(check), None))
        };
        result.await.into()
    }

    /// A company's logo
    ///
    /// The uploaded logo as base64 with a file name whose extension names its type (both `null`
    /// when the company has no logo); under the same rules as reading the company.
    #[oai(path = "/api/companies/:resourceId/logo", method = "get", operation_id = "getCompanyLogo")]
    async fn logo(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
    ) -> LogoResponse {
        let result = async {
            let logo = gateway.company_logo(&auth.0, CompanyId::from_resource_id(&resource_id.0)).await?;
            Ok(Envelope::success(CompanyLogo::from(logo), None))
        };
        result.await.into()
    }

    /// Change a company
    ///
    /// Replaces the form fields of a company you manage; without a new `File` the logo stays.
    #[oai(path = "/api/companies/:resourceId", method = "put", operation_id = "updateCompany")]
    async fn update(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
        form: FormBody<CompanyForm>,
    ) -> CompanyRefResponse {
        company_form::update_company(auth, &gateway, resource_id, form).await
    }

    /// Delete a company and everything it owns
    ///
    /// Irreversibly deletes a company you manage together with its accounts, offers, target users,
    /// API clients, tokens and sessions, in one transaction. `resourceId` is the
    /// `companyResourceId` from search. A company that still manages other companies is refused
    /// with 409. Only the Reseller role may delete. With an `Idempotency-Key`, a repeat of the
    /// same request within 24 hours gets the first answer again.
    #[oai(path = "/api/companies/:resourceId", method = "delete", operation_id = "deleteCompany")]
    async fn delete(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
        /// Any unique string, e.g. a UUID; repeats within 24 hours replay the first answer.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255, pattern = "^[!-~]+$"))]
        idempotency: Header<Option<String>>,
    ) -> DeleteResponse {
        deletion::delete_company(auth, &gateway, resource_id, idempotency).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use poem_openapi::types::ToJSON;

    use super::*;

    fn company(id: &str, parent: Option<&str>, end: Option<DateTime<Utc>>) -> TreeCompany {
        TreeCompany {
            id: id.into(),
            name: format!("Name of {id} \"quoted\" \u{e9}"),
            parent_id: parent.map(Into::into),
            logo: id.starts_with('R').then(|| format!("/logos/{id}.png")),
            privacy_duration_id: 30,
            privacy_duration_start_time: end.map(|end| end - chrono::Duration::days(30)),
            privacy_duration_end_time: end,
            license_end_date: end,
            create_time: None,
        }
    }

    /// The same tree through poem-openapi's documented types, as `Json` would send it.
    fn documented(company: &TreeCompany, children: &[CompanyNode], now: DateTime<Utc>) -> MyCompany {
        MyCompany {
            name: company.name.clone(),
            resource_id: company.id.clone(),
            logo_url: logo_url(&company.id, company.logo.clone()),
            privacy_duration_id: company.privacy_duration_id,
            licence_expired: company.license_end_date.is_some_and(|end| end < now),
            privacy_duration_start_time: company.privacy_duration_start_time,
            privacy_duration_end_time: company.privacy_duration_end_time,
            children: children.iter().map(|n| documented(&n.company, &n.children, now)).collect(),
        }
    }

    #[test]
    fn my_answer_is_what_the_documented_envelope_would_send() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let past = Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
        let future = Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let leaf = CompanyNode { company: company("Leaf00000001", Some("Mid000000001"), past), children: vec![] };
        let mid = CompanyNode { company: company("Mid000000001", Some("Root00000001"), future), children: vec![leaf] };
        let other = CompanyNode { company: company("Other0000001", Some("Root00000001"), None), children: vec![] };
        let tree =
            MyTree { company: company("Root00000001", None, None), children: std::sync::Arc::new(vec![mid, other]) };

        let rendered = render_my(&tree, now).unwrap_or_else(|_| panic!("renders"));
        let ours: serde_json::Value = serde_json::from_slice(rendered.bytes()).unwrap();
        let theirs = Envelope::success(vec![documented(&tree.company, &tree.children, now)], None).0.to_json();
        assert_eq!(Some(ours), theirs);
    }
}
