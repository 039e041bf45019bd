//! `/api/roles` and the REST clients of a company (`/api/companies/clients/...`), scoped with
//! `X-KEEPNET-Company-Id`; without it they act on the caller's own company.
use chrono::{DateTime, Utc};
use companygate_domain::ClientRole;
use companygate_domain::Gateway;
use companygate_domain::credentials::clients::{ClientInput, ClientOrder, ClientSearch, ClientView, RoleChoice};
use companygate_domain::scoped::{Scoped, Unreadable};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::body::{Fields, JsonBody};
use crate::envelope::Envelope;
use crate::envelope::{int32, status_name};
use crate::export::{self, ExportOptions, ExportResponse};
use crate::scope::Scope;

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Role {
    pub name: String,
    pub resource_id: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

/// A REST client to create, or to replace (then `clientSecret` may be left out to keep it).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", example)]
pub struct ClientBody {
    /// 1 to 64 characters.
    pub name: String,
    /// 1 to 32 characters, unique.
    pub client_id: String,
    /// 1 to 100 characters; stored hashed, never shown again.
    #[oai(nullable)]
    pub client_secret: Option<String>,
    /// 1 Active, 2 Inactive (default 1). Deactivating revokes the client's tokens at once.
    #[oai(nullable)]
    pub status_id: Option<i32>,
    #[oai(nullable)]
    pub has_ip_address_restriction: Option<bool>,
    /// Addresses allowed to get tokens when `hasIpAddressRestriction` is true.
    #[oai(nullable)]
    pub allowed_ip_addresses: Option<Vec<String>>,
    /// Exactly one role `resourceId` from `GET /api/roles`.
    pub role_resource_id_list: Vec<String>,
}

impl poem_openapi::types::Example for ClientBody {
    fn example() -> Self {
        Self {
            name: "Integration".into(),
            client_id: "my-integration".into(),
            client_secret: Some("a-long-random-secret".into()),
            status_id: Some(1),
            has_ip_address_restriction: Some(false),
            allowed_ip_addresses: Some(vec![]),
            role_resource_id_list: vec!["RoleCompAdmn".into()],
        }
    }
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientDto {
    pub resource_id: String,
    pub name: String,
    pub client_id: String,
    /// 1 Active, 2 Inactive.
    pub status_id: i32,
    pub status_name: String,
    pub has_ip_address_restriction: bool,
    pub allowed_ip_addresses: Vec<String>,
    pub role_resource_id_list: Vec<String>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientSummary {
    pub resource_id: String,
    pub client_name: String,
    pub client_id: String,
    pub create_time: DateTime<Utc>,
    /// 1 Active, 2 Inactive.
    pub status_id: i32,
    pub status_name: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientSearchData {
    pub page_number: i32,
    pub page_size: i32,
    pub total_number_of_pages: i32,
    pub total_number_of_records: i32,
    pub results: Vec<ClientSummary>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientRef {
    pub resource_id: String,
}

/// Paging for client search: the company-search body, every field optional (a `null` body is
/// `{}`); `orderBy` is `CreateTime` (the default), `Name` or `ClientId` in any letter case, and
/// `filter.SearchInputTextValue` matches the client name.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientSearchBody {
    /// Default 1.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "10000000")))]
    pub page_number: Option<i64>,
    /// Default 10.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "100")))]
    pub page_size: Option<i64>,
    #[oai(nullable)]
    pub order_by: Option<ClientSearchOrderBy>,
    /// Default false: newest first.
    #[oai(nullable)]
    pub ascending: Option<bool>,
    #[oai(nullable)]
    pub filter: Option<crate::search::SearchFilter>,
}

/// `POST /api/companies/clients/search/export`: a client search with the export's type and
/// extent.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ClientExportBody {
    #[oai(flatten)]
    pub search: ClientSearchBody,
    #[oai(flatten)]
    pub export: ExportOptions,
}

/// A client search's body; as in the vendor's spec every field may be left out (a `null` body is
/// `{}`): page 1 of 10, newest first.
fn parse_client_search(body: &serde_json::Value) -> Result<ClientSearch, Unreadable> {
    let empty = serde_json::Value::Object(serde_json::Map::new());
    let mut fields = Fields::of(if body.is_null() { &empty } else { body });
    let number = fields.int_or("pageNumber", 1, 1, crate::search::MAX_PAGE_NUMBER);
    let size = fields.int_or("pageSize", 10, 1, 100);
    let order = match fields.optional_str("orderBy") {
        None => Some(ClientOrder::CreateTime),
        Some(o) => {
            let named = CLIENT_ORDERS.iter().find(|(name, _)| name.eq_ignore_ascii_case(o)).map(|(_, order)| *order);
            let listed = CLIENT_ORDERS[..3].iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
            named.or_else(|| fields.problem(format!("'orderBy' must be one of {listed}")))
        }
    };
    let ascending = Some(fields.optional_bool("ascending").unwrap_or(false));
    let filter = crate::search::parse_filter(fields.optional("filter"), &mut fields.problems);
    match (number, size, order, ascending) {
        (Some(number), Some(size), Some(order), Some(ascending)) if fields.problems.is_empty() => {
            Ok(ClientSearch { page_number: number as u64, page_size: size as u64, order, ascending, text: filter.text })
        }
        _ => Err(Unreadable(fields.problems)),
    }
}

/// What client search results are ordered by: `CreateTime`, `Name` (`CompanyName` is the same) or
/// `ClientId`, in any letter case. A pattern, not an enum: an optional enum is a nullable
/// reference, which the Python generator drops the whole body schema over.
#[derive(Debug)]
pub struct ClientOrderSpelling;

impl crate::documented::Documented for ClientOrderSpelling {
    fn schema() -> poem_openapi::registry::MetaSchema {
        let names: Vec<&str> = CLIENT_ORDERS.iter().map(|(name, _)| *name).collect();
        crate::documented::pattern(crate::documented::any_case(&names))
    }
}

pub type ClientSearchOrderBy = crate::documented::Text<ClientOrderSpelling>;

crate::api_response!(RolesResponse, Envelope<Vec<Role>>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(CredentialsResponse, Envelope<Credentials>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(
    ClientRefResponse,
    Envelope<ClientRef>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);
crate::api_response!(ClientDeletedResponse, Envelope<ClientRef>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(ClientResponse, Envelope<ClientDto>, [Unauthorized, Forbidden, NotFound, TooManyRequests]);
crate::api_response!(
    ClientSearchResponse,
    Envelope<ClientSearchData>,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);

/// The dialect's ids of the roles.
const ROLES: [(&str, ClientRole); 2] =
    [("RoleReseller", ClientRole::Reseller), ("RoleCompAdmn", ClientRole::CompanyAdmin)];

pub(crate) fn role_resource_id(role: ClientRole) -> &'static str {
    ROLES.iter().find(|(_, r)| *r == role).map_or("", |(id, _)| id)
}

/// A role id as sent, named as the core knows roles.
pub(crate) fn role_choice(id: &str) -> RoleChoice {
    ROLES
        .iter()
        .find(|(known, _)| *known == id)
        .map_or(RoleChoice::Unknown(id.to_owned()), |(_, role)| RoleChoice::Role(*role))
}

/// The names `orderBy` takes in a client search (`CompanyName` is read as `Name`).
const CLIENT_ORDERS: [(&str, ClientOrder); 4] = [
    ("CreateTime", ClientOrder::CreateTime),
    ("Name", ClientOrder::Name),
    ("ClientId", ClientOrder::ClientId),
    ("CompanyName", ClientOrder::Name),
];

fn role_id(view: &ClientView) -> String {
    role_resource_id(view.role).to_owned()
}

fn dto(view: ClientView) -> ClientDto {
    ClientDto {
        role_resource_id_list: vec![role_id(&view)],
        resource_id: view.resource_id,
        name: view.name,
        client_id: view.client_id,
        status_id: view.status_id,
        status_name: status_name(view.status_id),
        has_ip_address_restriction: view.has_ip_address_restriction,
        allowed_ip_addresses: view.allowed_ip_addresses,
    }
}

fn client_input(body: &Value, creating: bool) -> Result<ClientInput, Unreadable> {
    let mut fields = Fields::of(body);
    let name = fields.required_str("name").map(str::to_owned);
    let client_id = fields.required_str("clientId").map(str::to_owned);
    let secret = if creating {
        fields.required_str("clientSecret").map(str::to_owned)
    } else {
        fields.optional_str("clientSecret").map(str::to_owned)
    };
    let status_id = fields.optional_int("statusId").unwrap_or(1);
    let has_ip_address_restriction = fields.optional_bool("hasIpAddressRestriction").unwrap_or(false);
    let allowed_ip_addresses = fields.string_list("allowedIpAddresses");
    let role_resource_ids = fields.string_list("roleResourceIdList");
    match (name, client_id) {
        (Some(name), Some(client_id)) if fields.problems.is_empty() && (secret.is_some() || !creating) => {
            Ok(ClientInput {
                name,
                client_id,
                secret,
                status_id: i32::try_from(status_id).unwrap_or(0),
                has_ip_address_restriction,
                allowed_ip_addresses,
                roles: role_resource_ids.iter().map(|id| role_choice(id)).collect(),
            })
        }
        _ => Err(Unreadable(fields.problems)),
    }
}

pub struct ClientsApi;

#[OpenApi(tag = "ApiTags::Clients")]
impl ClientsApi {
    /// Roles a client can be given
    ///
    /// A Reseller may give both roles; a Company Admin only `Company Admin`.
    #[oai(path = "/api/roles", method = "get", operation_id = "listRoles")]
    async fn roles(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The managed company whose clients would have the roles.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
    ) -> RolesResponse {
        let result = async {
            let roles = gateway.grantable_roles(&auth.0, scope.given()).await?;
            let roles =
                roles.iter().map(|r| Role { name: r.as_str().into(), resource_id: role_resource_id(*r).into() });
            Ok(Envelope::success(roles.collect(), None))
        };
        result.await.into()
    }

    /// Fresh client credentials
    ///
    /// A random client id and secret to use in `POST /api/companies/clients`; nothing is stored.
    #[oai(
        path = "/api/companies/clients/generate-client-credentials",
        method = "get",
        operation_id = "generateClientCredentials"
    )]
    async fn generate(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The managed company the client would be for.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
    ) -> CredentialsResponse {
        let result = async {
            let (client_id, client_secret) = gateway.client_credentials(&auth.0, scope.given()).await?;
            Ok(Envelope::success(Credentials { client_id, client_secret }, None))
        };
        result.await.into()
    }

    /// Create a REST client
    ///
    /// For the scoping company (`X-KEEPNET-Company-Id`), or your own company without it.
    #[oai(path = "/api/companies/clients", method = "post", operation_id = "createClient")]
    async fn create(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The managed company whose client this is.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<ClientBody>,
    ) -> ClientRefResponse {
        let result = async {
            let request = Scoped::new(scope.given(), client_input(&body.value, true));
            let resource_id = gateway.create_client(&auth.0, request).await?;
            Ok(Envelope::success(ClientRef { resource_id }, None))
        };
        result.await.into()
    }

    /// Search a company's REST clients
    #[oai(path = "/api/companies/clients/search", method = "post", operation_id = "searchClients")]
    async fn search(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The managed company whose clients to list.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<ClientSearchBody, true>,
    ) -> ClientSearchResponse {
        let result = async {
            let search = Scoped::new(scope.given(), parse_client_search(&body.value));
            let page = gateway.search_clients(&auth.0, search).await?;
            let (number, size) = (page.page_number, page.page_size);
            let results = page
                .clients
                .into_iter()
                .map(|c| ClientSummary {
                    resource_id: c.resource_id,
                    client_name: c.name,
                    client_id: c.client_id,
                    create_time: c.create_time,
                    status_id: c.status_id,
                    status_name: status_name(c.status_id),
                })
                .collect();
            Ok(Envelope::success(
                ClientSearchData {
                    page_number: int32(number),
                    page_size: int32(size),
                    total_number_of_pages: int32(page.total.div_ceil(size)),
                    total_number_of_records: int32(page.total),
                    results,
                },
                None,
            ))
        };
        result.await.into()
    }

    /// Export a company's REST clients
    ///
    /// The clients the same client search would list, as a CSV or XLSX file (`exportType`):
    /// every one of them with `reportAllPages: true`, else the page `pageNumber` and `pageSize`
    /// name. The file is streamed as it is written; `Content-Disposition` names it. At most two
    /// exports run at once per server; another is refused with 429 and `Retry-After`.
    #[oai(path = "/api/companies/clients/search/export", method = "post", operation_id = "exportClients")]
    async fn export(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The managed company whose clients to export.
        #[oai(name = "X-KEEPNET-Company-Id")]
        scope: Scope,
        body: JsonBody<ClientExportBody>,
    ) -> ExportResponse {
        let result = async {
            let (input, format) = export::combine(parse_client_search(&body.value), export::parse(&body.value));
            let rows = gateway.export_clients(&auth.0, Scoped::new(scope.given(), input)).await?;
            export::respond(rows, format).await
        };
        result.await.into()
    }

    /// One REST client (never its secret)
    #[oai(path = "/api/companies/clients/:resourceId", method = "get", operation_id = "getClient")]
    async fn get(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The client's resource id.
        #[oai(name = "resourceId")]
        resource_id: Path<String>,
    ) -> ClientResponse {
        let result = async { Ok(Envelope::success(dto(gateway.get_client(&auth.0, &resource_id.0).await?), None)) };
        result.await.into()
    }

    /// Replace a REST client
    ///
    /// Leave `clientSecret` out to keep the secret. Setting `statusId` to 2 revokes its tokens.
    #[oai(path = "/api/companies/clients/:resourceId", method = "put", operation_id = "updateClient")]
    async fn update(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The client's resource id.
        #[oai(name = "resourceId")]
        resource_id: Path<String>,
        body: JsonBody<ClientBody>,
    ) -> ClientRefResponse {
        let result = async {
            gateway.update_client(&auth.0, &resource_id.0, client_input(&body.value, false)).await?;
            Ok(Envelope::success(ClientRef { resource_id: resource_id.0.clone() }, None))
        };
        result.await.into()
    }

    /// Delete a REST client
    ///
    /// Irreversible; its tokens stop working at once.
    #[oai(path = "/api/companies/clients/:resourceId", method = "delete", operation_id = "deleteClient")]
    async fn delete(
        &self,
        auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// The client's resource id.
        #[oai(name = "resourceId")]
        resource_id: Path<String>,
    ) -> ClientDeletedResponse {
        let result = async {
            gateway.delete_client(&auth.0, &resource_id.0).await?;
            Ok(Envelope::success(ClientRef { resource_id: resource_id.0.clone() }, None))
        };
        result.await.into()
    }
}
