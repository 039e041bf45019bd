//! Blocking, unblocking, disabling, enabling and the deletion preview of a company.
use companygate_domain::companies::state::StateChange;
use companygate_domain::{CompanyId, DeletionCounts, Gateway};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use crate::ApiTags;
use crate::body::{GetBody, JsonBody};
use crate::caller;
use crate::company::GodTokenBody;
use crate::documents::CompanyDoc;
use crate::error::SessionError;
use crate::params::CompanyIdParam;
use crate::validation::Checks;
use companygate_domain::gate::GatedOperation;

#[derive(Object, Debug)]
pub struct BlockBody {
    /// Why the company is blocked; shown to the company.
    #[oai(rename = "adminReason")]
    pub admin_reason: String,
    /// The configured god token, if you are not logged in as an admin.
    #[oai(nullable)]
    pub god_token: Option<serde_json::Value>,
}

/// Rows the deletion would remove, per table.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Counts {
    pub companies: u64,
    pub offers: u64,
    pub target_users: u64,
    pub accounts: u64,
    pub api_clients: u64,
    pub access_tokens: u64,
    pub sessions: u64,
    pub tags: u64,
}

#[derive(Object, Debug)]
pub struct Preview {
    pub counts: Counts,
}

impl From<DeletionCounts> for Counts {
    fn from(c: DeletionCounts) -> Self {
        Self {
            companies: c.companies,
            offers: c.offers,
            target_users: c.target_users,
            accounts: c.accounts,
            api_clients: c.api_clients,
            access_tokens: c.access_tokens,
            sessions: c.sessions,
            tags: c.tags,
        }
    }
}

// Block and unblock: the gate admits only admins (and god), who may block any company.
crate::session_response!(BlockResponse, CompanyDoc, [BadRequest, Unauthorized, Unprocessable]);
// Disable and enable: the gate admits a company's account, which may change only its own company.
crate::session_response!(StateResponse, CompanyDoc, [BadRequest, Unauthorized, Forbidden, Unprocessable]);
crate::session_response!(PreviewResponse, Preview, [BadRequest, Unauthorized, Forbidden, Conflict, Unprocessable]);

/// One core call: the gate, then the id's syntax with any body field checks (listed together),
/// then the change.
async fn change(
    req: &Request,
    gateway: &Gateway,
    raw: &str,
    body: &Value,
    operation: GatedOperation,
    make: impl FnOnce(&Value, &mut Checks) -> Option<StateChange>,
) -> Result<CompanyDoc, SessionError> {
    let mut checks = Checks::new("params");
    let id = CompanyId::parse_session_id(raw);
    if id.is_none() {
        checks.fail("companyId", "must-be-a-valid-id", Some(&Value::String(raw.to_owned())));
    }
    let mut body_checks = Checks::new("body");
    let change = make(body, &mut body_checks);
    let input = checks.merge(body_checks).finish(id.zip(change));
    let cookie = caller::session_cookie(req);
    let caller = caller::caller(cookie.as_deref(), body.get("god_token"));
    let company = gateway
        .change_company_state_gated(operation, caller, input)
        .await
        .map_err(|e| SessionError::from_gated(e, |e| SessionError::from_state_change(e, raw)))?;
    Ok(CompanyDoc::from(&company))
}

pub struct CompanyAdminApi;

#[OpenApi(tag = "ApiTags::Company")]
impl CompanyAdminApi {
    /// Block a company
    ///
    /// For admins (admin session or `god_token`). Hides the company and its offers from everyone
    /// else; its accounts act as logged out until it is unblocked.
    #[oai(path = "/company/:companyId/block", method = "put", operation_id = "blockCompany")]
    async fn block(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        body: JsonBody<BlockBody, true>,
    ) -> BlockResponse {
        let result = change(req, &gateway, &company_id.0.0, &body.value, GatedOperation::Block, |body, checks| {
            checks.string(body, "adminReason").map(|reason| StateChange::Block { reason: reason.to_owned() })
        });
        result.await.into()
    }

    /// Unblock a company
    #[oai(path = "/company/:companyId/unblock", method = "put", operation_id = "unblockCompany")]
    async fn unblock(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        body: JsonBody<GodTokenBody>,
    ) -> BlockResponse {
        let operation = GatedOperation::Unblock;
        change(req, &gateway, &company_id.0.0, &body.value, operation, |_, _| Some(StateChange::Unblock)).await.into()
    }

    /// Disable your company
    ///
    /// For the company's own account (or `god_token`). Hides the company and its offers until it
    /// is enabled again.
    #[oai(path = "/company/:companyId/disable", method = "put", operation_id = "disableCompany")]
    async fn disable(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        body: JsonBody<GodTokenBody>,
    ) -> StateResponse {
        let operation = GatedOperation::Disable;
        change(req, &gateway, &company_id.0.0, &body.value, operation, |_, _| Some(StateChange::Disable)).await.into()
    }

    /// Enable a company
    ///
    /// For the company's own account, an admin, or `god_token`.
    #[oai(path = "/company/:companyId/enable", method = "put", operation_id = "enableCompany")]
    async fn enable(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        body: JsonBody<GodTokenBody>,
    ) -> StateResponse {
        let operation = GatedOperation::Enable;
        change(req, &gateway, &company_id.0.0, &body.value, operation, |_, _| Some(StateChange::Enable)).await.into()
    }

    /// Preview a deletion
    ///
    /// What deleting the company would remove, per table, with the delete's checks. Nothing
    /// changes. The god token comes as the `god_token` query parameter here.
    #[oai(path = "/company/:companyId/deletion-preview", method = "get", operation_id = "previewCompanyDeletion")]
    async fn preview(
        &self,
        req: &Request,
        gateway: Data<&Gateway>,
        /// 24 hex digits (`_id`) or the 12-character resource id.
        #[oai(name = "companyId", example = "crate::examples::company_id_param")]
        company_id: Path<CompanyIdParam>,
        /// The god token (a JSON body's `god_token` is read too, and wins).
        god_token: Query<Option<String>>,
        body: GetBody,
    ) -> PreviewResponse {
        let result = async {
            let cookie = caller::session_cookie(req);
            let raw = &company_id.0.0;
            let id = CompanyId::parse_session_id(raw).ok_or_else(|| SessionError::invalid_id(raw));
            let counts = gateway
                .preview_deletion_gated(
                    caller::caller_of_get(cookie.as_deref(), god_token.0.as_deref(), Some(&body)),
                    id,
                )
                .await
                .map_err(|e| SessionError::from_gated(e, |e| SessionError::from_delete(e, raw)))?;
            Ok(Preview { counts: counts.into() })
        };
        result.await.into()
    }
}
