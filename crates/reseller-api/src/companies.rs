//! `/api/companies/...`: search and reads.
use chrono::{DateTime, Utc};
use companygate_domain::reseller_reads::{CompanyNode, CompanyRecord};
use companygate_domain::{CompanyId, Gateway};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{Object, OpenApi};

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::body::JsonBody;
use crate::company_form::{self, CompanyForm, CompanyRefResponse, FormBody};
use crate::deletion::{self, DeleteResponse};
use crate::envelope::Envelope;
use crate::scope;
use crate::search::{self, SearchBody, SearchData};

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
    pub target_user_count: i64,
    #[oai(nullable)]
    pub time_zone_id: Option<String>,
    #[oai(nullable)]
    pub date_format: Option<String>,
    #[oai(nullable)]
    pub time_format: Option<String>,
    pub tags: Vec<String>,
    /// The company that manages this one.
    #[oai(nullable)]
    pub parent_resource_id: Option<String>,
}

impl From<CompanyRecord> for CompanyDto {
    fn from(r: CompanyRecord) -> Self {
        Self {
            resource_id: r.id,
            name: r.name,
            description: r.description,
            address: r.address,
            website_url: r.website_url,
            logo_url: r.logo,
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
            status_name: if r.status_id == 1 { "Active" } else { "Inactive" }.into(),
            target_user_count: r.target_user_count,
            time_zone_id: r.time_zone_id,
            date_format: r.date_format,
            time_format: r.time_format,
            tags: r.tags,
            parent_resource_id: r.parent_id,
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
    #[oai(nullable)]
    pub privacy_duration_id: Option<String>,
    /// Spelling as in the original API.
    pub licence_expired: bool,
    pub children: Vec<MyCompany>,
}

impl MyCompany {
    fn from_node(node: CompanyNode, now: DateTime<Utc>) -> Self {
        let c = node.company;
        Self {
            licence_expired: c.license_end_date.is_some_and(|end| end < now),
            name: c.name,
            resource_id: c.id,
            logo_url: c.logo,
            privacy_duration_id: c.privacy_duration_id,
            children: node.children.into_iter().map(|n| Self::from_node(n, now)).collect(),
        }
    }
}

crate::api_response!(SearchResponse, Envelope<SearchData>);
crate::api_response!(CompanyResponse, Envelope<CompanyDto>);
crate::api_response!(MyResponse, Envelope<Vec<MyCompany>>);

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
        scope_header: Header<Option<String>>,
        /// Same as the `X-KEEPNET-Company-Id` header.
        #[oai(name = "companyId")]
        scope_query: Query<Option<String>>,
        body: JsonBody<SearchBody>,
    ) -> SearchResponse {
        let result = async {
            let scope = scope::parse(scope_header.0, scope_query.0)?;
            let request = search::parse(&body.value, scope)?;
            let page = gateway.search_companies(&auth.0, &request).await?;
            Ok(Envelope::success(search::to_data(page), None))
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
            Ok(Envelope::success(vec![MyCompany::from_node(tree, Utc::now())], None))
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
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
    ) -> CompanyResponse {
        let result = async {
            let record = gateway.read_company(&auth.0, CompanyId::from_resource_id(&resource_id.0)).await?;
            Ok(Envelope::success(CompanyDto::from(record), None))
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
