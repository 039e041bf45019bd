//! `/api/companies/...` operations.
use companygate_domain::{CompanyId, Gateway};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::body::JsonBody;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::search::{self, SearchBody, SearchData};

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeletedData {
    pub resource_id: String,
}

crate::api_response!(SearchResponse, Envelope<SearchData>);
crate::api_response!(DeleteResponse, Envelope<DeletedData>);

pub struct CompaniesApi;

#[OpenApi(tag = "ApiTags::Companies")]
impl CompaniesApi {
    /// Search the companies you manage
    ///
    /// Lists, a page at a time, every company your reseller company manages: its customers and the
    /// customers of its sub-resellers. Only the Reseller role may search.
    #[oai(path = "/api/companies/search", method = "post", operation_id = "searchCompanies")]
    async fn search(&self, auth: ResellerAuth, gateway: Data<&Gateway>, body: JsonBody<SearchBody>) -> SearchResponse {
        let result = async {
            let request = search::parse(&body.value)?;
            let page = gateway.search_companies(&auth.0, &request).await?;
            Ok(Envelope::success(search::to_data(page), None))
        };
        result.await.into()
    }

    /// Delete a company and everything it owns
    ///
    /// Irreversibly deletes a company you manage together with its accounts, offers, target users,
    /// API clients, tokens and sessions, in one transaction. `resourceId` is the
    /// `companyResourceId` from search. A company that still manages other companies is refused
    /// with 409. Only the Reseller role may delete.
    #[oai(path = "/api/companies/:resourceId", method = "delete", operation_id = "deleteCompany")]
    async fn delete(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId")]
        resource_id: Path<String>,
    ) -> DeleteResponse {
        let result = async {
            // The role is checked before existence, so a Company Admin learns nothing about ids.
            gateway.ensure_may_delete(&auth.0)?;
            let id = CompanyId::from_resource_id(&resource_id.0).ok_or(ApiError::NotFound("Company not found"))?;
            let deleted = gateway.delete_company(&auth.0, id).await?;
            Ok(Envelope::success(DeletedData { resource_id: deleted.company.id }, Some("Company deleted")))
        };
        result.await.into()
    }
}
