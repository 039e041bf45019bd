//! Deleting companies: one, a preview of one, or many.
use companygate_domain::deletion::bulk::{BulkOutcome, BulkSelection};
use companygate_domain::idempotency::IdempotencyKey;
use companygate_domain::scoped::Unreadable;
use companygate_domain::{DeletionCounts, Gateway};
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::body::{Fields, JsonBody};
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::scope::Scope;
use crate::search::{SearchFilter, parse_filter};

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeletedData {
    pub resource_id: String,
}

/// Rows a deletion removes, per table.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeletionCountsDto {
    pub companies: u64,
    pub offers: u64,
    pub target_users: u64,
    pub accounts: u64,
    pub api_clients: u64,
    pub access_tokens: u64,
    pub sessions: u64,
    pub tags: u64,
}

impl From<DeletionCounts> for DeletionCountsDto {
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

/// Which companies to delete: the listed `items`, or with `selectAll` every managed company the
/// `filter` selects except `excludedItems`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct BulkDeleteBody {
    #[oai(nullable)]
    pub items: Option<Vec<String>>,
    #[oai(nullable)]
    pub select_all: Option<bool>,
    #[oai(nullable)]
    pub excluded_items: Option<Vec<String>>,
    #[oai(nullable)]
    pub filter: Option<SearchFilter>,
}

/// A bulk deletion's `data`: the vendor's `IdResult`. A bulk deletion has no one id, so
/// `resourceId` is null; `message` says how many of the selected companies were deleted and
/// `validationMessages` has a line for each one that was not (`<resourceId>: <why>`).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct BulkDeleteData {
    /// Always null.
    #[oai(nullable)]
    pub resource_id: Option<String>,
}

/// Why a selected company was not deleted, as its `validationMessages` line says it.
fn not_deleted(outcome: BulkOutcome) -> Option<&'static str> {
    match outcome {
        BulkOutcome::Deleted => None,
        BulkOutcome::NotFound => Some("not found"),
        BulkOutcome::Forbidden => Some("not a company you manage"),
        BulkOutcome::Conflict => Some("still manages other companies"),
        BulkOutcome::Failed => Some("failed; nothing of it was deleted"),
    }
}

crate::api_response!(
    DeleteResponse,
    Envelope<DeletedData>,
    [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests]
);
crate::api_response!(
    PreviewResponse,
    Envelope<DeletionCountsDto>,
    [Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests]
);
crate::api_response!(
    BulkDeleteResponse,
    Envelope<BulkDeleteData>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);

/// An `Idempotency-Key` header as sent: absent, or 1 to 255 visible ASCII characters.
fn idempotency_key(raw: Option<String>) -> Result<Option<IdempotencyKey>, ApiError> {
    match raw {
        None => Ok(None),
        Some(raw) => IdempotencyKey::parse(&raw)
            .map(Some)
            .ok_or_else(|| ApiError::input("Idempotency-Key must be 1 to 255 visible ASCII characters")),
    }
}

fn bulk_selection(body: &Value) -> Result<BulkSelection, Unreadable> {
    let mut fields = Fields::of(body);
    let strings = |name: &str, fields: &mut Fields| -> Vec<String> {
        match fields.optional(name) {
            None => Vec::new(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            Some(_) => {
                fields.problems.push(format!("'{name}' must be an array of strings"));
                Vec::new()
            }
        }
    };
    let items = strings("items", &mut fields);
    let excluded = strings("excludedItems", &mut fields);
    let select_all = fields.optional_bool("selectAll").unwrap_or(false);
    let filter = parse_filter(fields.optional("filter"), &mut fields.problems);
    if !select_all && items.is_empty() && fields.problems.is_empty() {
        fields.problems.push("Name the companies in 'items', or set 'selectAll'".into());
    }
    if !fields.problems.is_empty() {
        return Err(Unreadable(fields.problems));
    }
    Ok(if select_all { BulkSelection::All { filter, excluded } } else { BulkSelection::Items(items) })
}

/// `DELETE /api/companies/{resourceId}`, routed from the path's one `OpenApi` impl.
pub async fn delete_company(
    auth: ResellerAuth,
    gateway: &Gateway,
    resource_id: Path<String>,
    idempotency: Header<Option<String>>,
) -> DeleteResponse {
    let result = async {
        let key = idempotency_key(idempotency.0)?;
        let deletion = gateway.delete_company_named(&auth.0, &resource_id.0, key.as_ref()).await?;
        Ok(Envelope::success(DeletedData { resource_id: deletion.resource_id().to_owned() }, Some("Company deleted")))
    };
    result.await.into()
}

pub struct DeletionApi;

#[OpenApi(tag = "ApiTags::Companies")]
impl DeletionApi {
    /// Preview a deletion
    ///
    /// Counts, per table, what deleting the company would remove, with the same checks as the
    /// delete. Nothing changes.
    #[oai(
        path = "/api/companies/:resourceId/deletion-preview",
        method = "get",
        operation_id = "previewCompanyDeletion"
    )]
    async fn preview(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The company's 12-character resource id, e.g. `Cust0mer0001`.
        #[oai(name = "resourceId", example = "crate::examples::company_resource_id")]
        resource_id: Path<String>,
    ) -> PreviewResponse {
        let result = async {
            let counts = gateway.preview_deletion_named(&auth.0, &resource_id.0).await?;
            Ok(Envelope::success(DeletionCountsDto::from(counts), None))
        };
        result.await.into()
    }

    /// Delete many companies
    ///
    /// Irreversible. Each company is deleted in its own transaction (never half-deleted).
    /// Children selected together with their parent are deleted first. At most 1000 companies per
    /// request. The answer is the vendor's `IdResult` (`resourceId` null): `message` says
    /// `<n> of <m> companies deleted`, and `validationMessages` has a line `<resourceId>: <why>`
    /// for each selected company that was not (`not found`, `not a company you manage`,
    /// `still manages other companies`, `failed; nothing of it was deleted`).
    #[oai(path = "/api/companies/bulk-delete", method = "delete", operation_id = "bulkDeleteCompanies")]
    async fn bulk_delete(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// Narrow `selectAll` to this managed company and the companies under it.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<BulkDeleteBody>,
    ) -> BulkDeleteResponse {
        let result = async {
            let outcomes = gateway.bulk_delete(&auth.0, scope.given(), bulk_selection(&body.value)).await?;
            let selected = outcomes.len();
            let refused: Vec<String> = outcomes
                .into_iter()
                .filter_map(|(resource_id, outcome)| not_deleted(outcome).map(|why| format!("{resource_id}: {why}")))
                .collect();
            let message = format!("{} of {selected} companies deleted", selected - refused.len());
            let mut answer = Envelope::success(BulkDeleteData { resource_id: None }, Some(&message));
            answer.0.validation_messages = (!refused.is_empty()).then_some(refused);
            Ok(answer)
        };
        result.await.into()
    }
}
