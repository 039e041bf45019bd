//! `/company/...`: reading and deleting companies.
use companygate_domain::{CompanyId, Gateway};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};

use crate::ApiTags;
use crate::body::{GetBody, JsonBody};
use crate::caller;
use crate::documents::{CompanyDoc, OfferDoc};
use crate::error::{ErrorItem, SessionError};
use crate::params::{CompanyIdParam, IntegerText, Raw};

/// Optional body of operations that accept god mode.
#[derive(Object, Debug)]
pub struct GodTokenBody {
    /// The configured god token (a string); grants admin privileges for this request. Any other
    /// value is taken as a wrong token (falsy ones as none).
    #[oai(nullable)]
    pub god_token: Option<serde_json::Value>,
}

#[derive(Object, Debug)]
pub struct CompanyWithOffers {
    pub company: CompanyDoc,
    pub offers: Vec<OfferDoc>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CompanyList {
    pub companies: Vec<CompanyDoc>,
    pub total_doc_count: u64,
}

#[derive(Object, Debug)]
pub struct Online {
    pub online: bool,
}

crate::session_response!(DeleteResponse, CompanyDoc, [BadRequest, Unauthorized, Forbidden, Conflict, Unprocessable]);
crate::session_response!(CompanyResponse, CompanyWithOffers, [BadRequest, Forbidden, Unprocessable]);
crate::session_response!(OnlineResponse, Online, []);
crate::session_response!(ListResponse, CompanyList, [BadRequest, Unprocessable]);

/// An optional integer query parameter in `min..=max`, failed as the upstream validators fail it:
/// one message for every way it can be wrong (not an integer, or out of bounds), naming the bound
/// the validator was written for (`limit`: `must-be-lower-than-or-equal-to-100`; `offset`:
/// `must-be-greater-than-or-equal-to-0`). An integer is what express-validator's `isInt` takes:
/// an optional sign and digits, nothing around them.
const LIMIT_MIN: i64 = 1;
const LIMIT_MAX: i64 = 100;
const OFFSET_MIN: i64 = 0;

fn query_int(
    name: &str,
    raw: Option<&str>,
    default: u64,
    (min, max): (i64, Option<i64>),
    message: String,
) -> Result<u64, ErrorItem> {
    let Some(raw) = raw else { return Ok(default) };
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match raw.strip_prefix('+').unwrap_or(raw).parse::<i64>() {
        Ok(n) if integer && n >= min && max.is_none_or(|max| n <= max) => Ok(n.unsigned_abs()),
        _ => Err(ErrorItem::field("query", name, message, Some(raw.into()))),
    }
}

fn parse_id(raw: &str) -> Result<CompanyId, SessionError> {
    CompanyId::parse_session_id(raw).ok_or_else(|| SessionError::invalid_id(raw))
}

pub struct CompanyApi;

#[OpenApi(tag = "ApiTags::Company")]
impl CompanyApi {
    /// Health check
    #[oai(path = "/", method = "get", operation_id = "health")]
    async fn online(&self) -> OnlineResponse {
        OnlineResponse::Ok(poem_openapi::payload::Json(Online { online: true }))
    }

    /// List companies
    ///
    /// A page of companies by name (byte order, as upstream's MongoDB sorts strings: `Beta` before
    /// `alpha`; ties by id). Blocked and disabled companies are included only
    /// with admin privileges (admin session or `god_token`). A bad `limit` (not an integer from 1
    /// to 100) is a 422 `must-be-lower-than-or-equal-to-100`, a bad `offset` (not an integer of 0
    /// or more) `must-be-greater-than-or-equal-to-0`, as upstream.
    #[oai(path = "/company", method = "get", operation_id = "listCompanies")]
    async fn list(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 1 to 100, default 100.
        limit: Query<Option<Raw<IntegerText<LIMIT_MIN, LIMIT_MAX>>>>,
        /// 0 or more, default 0.
        offset: Query<Option<Raw<IntegerText<OFFSET_MIN, 0>>>>,
        /// The god token (a JSON body's `god_token` is read too, and wins).
        god_token: Query<Option<String>>,
        body: GetBody,
    ) -> ListResponse {
        let result = async {
            let caller = caller::identify_get(req, &gateway, god_token.0.as_deref(), Some(&body)).await?;
            let limit = query_int(
                "limit",
                limit.0.as_deref(),
                LIMIT_MAX as u64,
                (LIMIT_MIN, Some(LIMIT_MAX)),
                format!("must-be-lower-than-or-equal-to-{LIMIT_MAX}"),
            );
            let offset = query_int(
                "offset",
                offset.0.as_deref(),
                0,
                (OFFSET_MIN, None),
                format!("must-be-greater-than-or-equal-to-{OFFSET_MIN}"),
            );
            let (limit, offset) = match (limit, offset) {
                (Ok(l), Ok(o)) => (l, o),
                (l, o) => {
                    return Err(SessionError::validation(l.err().into_iter().chain(o.err()).collect()));
                }
            };
            let page = gateway.list_companies(&caller.actor(), limit, offset).await.map_err(SessionError::database)?;
            Ok(CompanyList {
                companies: page.companies.iter().map(CompanyDoc::from).collect(),
                total_doc_count: page.total,
            })
        };
        result.await.into()
    }

    /// A company and its offers
    ///
    /// The company with its newest offers (at most 5; hidden ones only for its own account and
    /// admins). A company that has not finished its registration is closed to everyone: 403
    /// `registration-not-finished-yet` for its own account and admins (session or `god_token`),
    /// 422 not found for the others. A blocked company: 403 `company-blocked` for its own
    /// account, shown to admins, not found for the others. A disabled company is shown to its
    /// own account and admins only.
    #[oai(path = "/company/:companyId", method = "get", operation_id = "getCompany")]
    async fn get(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        /// The god token (a JSON body's `god_token` is read too, and wins).
        god_token: Query<Option<String>>,
        body: GetBody,
    ) -> CompanyResponse {
        let result = async {
            let caller = caller::identify_get(req, &gateway, god_token.0.as_deref(), Some(&body)).await?;
            let id = parse_id(&company_id.0.0)?;
            let details = gateway
                .company_details(&caller.actor(), id)
                .await
                .map_err(|e| SessionError::from_lookup(e, &company_id.0.0))?;
            let offers = details.offers.iter().map(|o| OfferDoc::new(o, &details.company)).collect();
            Ok(CompanyWithOffers { company: CompanyDoc::from(&details.company), offers })
        };
        result.await.into()
    }

    /// Delete a company and everything it owns
    ///
    /// Irreversible. Allowed to the company's own account, or to anyone with a valid `god_token`
    /// in the body. Offers, accounts, sessions, API clients and tokens go with the company in one
    /// transaction, and the company's account is told by e-mail. Answers the company as it was.
    #[oai(path = "/company/:companyId/delete", method = "post", operation_id = "deleteCompany")]
    async fn delete(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        body: JsonBody<GodTokenBody>,
    ) -> DeleteResponse {
        let result = async {
            let raw = &company_id.0.0;
            let cookie = caller::session_cookie(req);
            let caller = caller::caller(cookie.as_deref(), body.get("god_token"));
            let deleted = gateway
                .delete_company_gated(caller, parse_id(raw))
                .await
                .map_err(|e| SessionError::from_gated(e, |e| SessionError::from_delete(e, raw)))?;
            Ok(CompanyDoc::from(&deleted.company))
        };
        result.await.into()
    }
}
