//! The create-company form's reference data at the vendor's paths: the generic code types
//! (`GET /api/codetypes`) and their lookups (`GET /api/lookups/{typeId}`, `POST /api/lookups`).
//! The same rows as `/api/industries` and its siblings.
use companygate_domain::Gateway;
use companygate_domain::companies::writes::Reference;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::{Object, OpenApi};

use crate::ApiTags;
use crate::auth::ResellerAuth;
use crate::body::{Fields, JsonBody};
use crate::documented::{ParamName, PathInt};
use crate::envelope::Envelope;
use crate::error::ApiError;

/// The vendor's `GenericCodeTypeDto`: a kind of lookup.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct GenericCodeType {
    /// The `typeId` of `GET /api/lookups/{typeId}`.
    pub id: i32,
    pub name: String,
    #[oai(nullable)]
    pub description: Option<String>,
}

/// The vendor's `LookupDto`: one row of a lookup type.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct Lookup {
    /// The id the company form takes (e.g. `IndustryResourceId`).
    pub resource_id: String,
    pub generic_code_type_id: i32,
    pub generic_code_type_name: String,
    pub name: String,
    /// The same as `resourceId`.
    pub code: String,
    #[oai(nullable)]
    pub description: Option<String>,
    /// 1-based, in name order.
    pub order_number: i32,
    #[oai(nullable)]
    pub iso_code: Option<String>,
    #[oai(nullable)]
    pub iso_friendly_name: Option<String>,
}

/// The vendor's `LookupRequest`: the types wanted, by name or by id (both may be given).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct LookupRequest {
    /// A code type's name, in any letter case (`Industry`, `Country`, `LicenseType`,
    /// `LicensePeriodType`).
    #[oai(nullable)]
    pub type_name: Option<String>,
    /// Code type ids (`GET /api/codetypes`).
    #[oai(nullable)]
    pub type_id_list: Option<Vec<i32>>,
}

/// `typeId`, a code type's id in a path.
#[derive(Debug)]
pub struct TypeIdParam;

impl ParamName for TypeIdParam {
    const NAME: &'static str = "typeId";
}

crate::api_response!(CodeTypesResponse, Envelope<Vec<GenericCodeType>>, [Unauthorized, TooManyRequests]);
crate::api_response!(LookupsResponse, Envelope<Vec<Lookup>>, [BadRequest, Unauthorized, NotFound, TooManyRequests]);
crate::api_response!(LookupsOfResponse, Envelope<Vec<Lookup>>, [BadRequest, Unauthorized, TooManyRequests]);

/// The rows of `tables`, in that order, each table's by name.
async fn lookups(gateway: &Gateway, tables: &[Reference]) -> Result<Vec<Lookup>, ApiError> {
    let mut out = Vec::new();
    for &table in tables {
        let (type_id, type_name) = table.code_type();
        let rows = gateway.reference_rows(table).await.map_err(ApiError::database)?;
        out.extend(rows.into_iter().enumerate().map(|(i, row)| Lookup {
            code: row.id.clone(),
            resource_id: row.id,
            generic_code_type_id: type_id,
            generic_code_type_name: type_name.to_owned(),
            name: row.name,
            description: None,
            order_number: i32::try_from(i + 1).unwrap_or(i32::MAX),
            iso_code: None,
            iso_friendly_name: None,
        }));
    }
    Ok(out)
}

/// The tables a `LookupRequest` asks for, each once, in the order asked; every name or id that
/// names none is a problem.
fn requested(body: &serde_json::Value) -> Result<Vec<Reference>, ApiError> {
    let mut fields = Fields::of(body);
    let mut tables = Vec::new();
    if let Some(name) = fields.optional_str("typeName") {
        match Reference::of_code_type_name(name) {
            Some(table) => tables.push(table),
            None => fields.problems.push(format!("'typeName' names no lookup type: {name}")),
        }
    }
    match fields.optional("typeIdList") {
        None => {}
        Some(serde_json::Value::Array(ids)) => {
            for id in ids {
                match id.as_i64().and_then(|id| i32::try_from(id).ok()).and_then(Reference::of_code_type) {
                    Some(table) => tables.push(table),
                    None => fields.problems.push(format!("'typeIdList' names no lookup type: {id}")),
                }
            }
        }
        Some(_) => fields.problems.push("'typeIdList' must be an array of integers".into()),
    }
    if !fields.problems.is_empty() {
        return Err(ApiError::Input(fields.problems));
    }
    let mut seen = Vec::new();
    tables.retain(|table| {
        !seen.contains(table) && {
            seen.push(*table);
            true
        }
    });
    Ok(tables)
}

pub struct LookupsApi;

#[OpenApi(tag = "ApiTags::Companies")]
impl LookupsApi {
    /// Lookup types
    ///
    /// The kinds of reference data the company form uses, with the `typeId` each is read by.
    #[oai(path = "/api/codetypes", method = "get", operation_id = "listCodeTypes")]
    async fn code_types(&self, _auth: ResellerAuth) -> CodeTypesResponse {
        let types = Reference::ALL
            .iter()
            .map(|table| {
                let (id, name) = table.code_type();
                GenericCodeType { id, name: name.to_owned(), description: None }
            })
            .collect();
        CodeTypesResponse::Ok(Envelope::success(types, None))
    }

    /// One lookup type's rows
    ///
    /// The rows of the type `typeId` (`GET /api/codetypes`), by name.
    #[oai(path = "/api/lookups/:typeId", method = "get", operation_id = "listLookups")]
    async fn by_type(
        &self,
        _auth: ResellerAuth,
        gateway: Data<&Gateway>,
        /// A code type's id.
        #[oai(name = "typeId")]
        type_id: Path<PathInt<TypeIdParam>>,
    ) -> LookupsResponse {
        let result = async {
            let table = Reference::of_code_type(type_id.0.0).ok_or(ApiError::NotFound("Lookup type not found"))?;
            Ok(Envelope::success(lookups(&gateway, &[table]).await?, None))
        };
        result.await.into()
    }

    /// Several lookup types' rows
    ///
    /// The rows of the types named by `typeName` and `typeIdList`, type after type.
    #[oai(path = "/api/lookups", method = "post", operation_id = "listLookupsOf")]
    async fn of_types(
        &self,
        _auth: ResellerAuth,
        gateway: Data<&Gateway>,
        body: JsonBody<LookupRequest>,
    ) -> LookupsOfResponse {
        let result = async {
            let tables = requested(&body.value)?;
            Ok(Envelope::success(lookups(&gateway, &tables).await?, None))
        };
        result.await.into()
    }
}
