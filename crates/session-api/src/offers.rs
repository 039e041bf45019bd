//! `GET /offers/company/{companyId}`: a company's offers.
use companygate_domain::{CompanyId, Gateway};
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use crate::ApiTags;
use crate::body::GetBody;
use crate::caller;
use crate::documents::OfferDoc;
use crate::error::SessionError;
use crate::params::CompanyIdParam;

crate::session_response!(OffersResponse, Vec<OfferDoc>, [BadRequest, Unprocessable]);

pub struct OffersApi;

#[OpenApi(tag = "ApiTags::Offers")]
impl OffersApi {
    /// A company's offers
    ///
    /// The company's newest offers (at most 5), whatever state the company is in; hidden offers
    /// (among them those of a blocked or disabled company) only for admins and the company's own
    /// account.
    #[oai(path = "/offers/company/:companyId", method = "get", operation_id = "listCompanyOffers")]
    async fn list(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        /// The god token (a JSON body's `god_token` is read too, and wins).
        god_token: Query<Option<String>>,
        body: GetBody,
    ) -> OffersResponse {
        let result = async {
            let caller = caller::identify_get(req, &gateway, god_token.0.as_deref(), Some(&body)).await?;
            let raw = &company_id.0.0;
            let id = CompanyId::parse_session_id(raw).ok_or_else(|| SessionError::invalid_id(raw))?;
            let details =
                gateway.company_offers(&caller.actor(), id).await.map_err(|e| SessionError::from_lookup(e, raw))?;
            Ok(details.offers.iter().map(|o| OfferDoc::new(o, &details.company)).collect())
        };
        result.await.into()
    }
}
