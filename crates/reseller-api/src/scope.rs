//! `X-KEEPNET-Company-Id` (or `?companyId=`): narrows a list call to one managed company.
//!
//! One handler argument, [`Scope`], reads both. poem-openapi documents one parameter per argument
//! (poem-web/poem#241), so the argument registers the header and [`WithScopeQuery`] adds the
//! query parameter right after it in every operation that has the header: the spec lists both, as
//! the vendor's does, and generated clients can send either.
use std::collections::HashMap;

use poem::http::Method;
use poem::{Request, RequestBody};
use poem_openapi::param::{Header, Query};
use poem_openapi::registry::{MetaApi, MetaOperationParam, MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, OpenApi};

/// The header that names the scoping company.
pub const HEADER: &str = "X-KEEPNET-Company-Id";
/// The query parameter that may stand in for the header.
pub const QUERY: &str = "companyId";

/// The scoping company as the client gave it, header first (the core reads its spelling, in its
/// place among the operation's checks). Both are read as poem-openapi reads a `Header` and a
/// `Query` parameter, so a value either refuses is refused as before.
pub struct Scope(pub Option<String>);

impl Scope {
    pub fn given(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

fn options(name: &'static str, given: &ExtractParamOptions<Option<String>>) -> ExtractParamOptions<Option<String>> {
    ExtractParamOptions {
        name,
        ignore_case: given.ignore_case,
        default_value: None,
        example_value: None,
        explode: given.explode,
        style: given.style,
    }
}

impl<'a> ApiExtractor<'a> for Scope {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = false;
    type ParamType = Option<String>;
    type ParamRawType = Option<String>;

    fn register(registry: &mut Registry) {
        <Option<String> as Type>::register(registry);
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Header)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(<Option<String> as Type>::schema_ref())
    }

    fn param_raw_type(&self) -> Option<&Self::ParamRawType> {
        Some(&self.0)
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let header = Header::<Option<String>>::from_request(request, body, options(HEADER, &param_opts)).await?;
        let query = Query::<Option<String>>::from_request(request, body, options(QUERY, &param_opts)).await?;
        Ok(Self(header.0.or(query.0)))
    }
}

/// `T`'s operations, with the `companyId` query parameter documented right after every
/// `X-KEEPNET-Company-Id` header parameter (see [`Scope`]).
pub struct WithScopeQuery<T>(pub T);

impl<T: OpenApi> OpenApi for WithScopeQuery<T> {
    fn meta() -> Vec<MetaApi> {
        let mut apis = T::meta();
        let operations = apis.iter_mut().flat_map(|api| &mut api.paths).flat_map(|path| &mut path.operations);
        for operation in operations {
            let header = operation.params.iter().position(|p| p.name == HEADER && p.in_type == MetaParamIn::Header);
            if let Some(at) = header {
                let header = &operation.params[at];
                let query = MetaOperationParam {
                    name: QUERY.to_owned(),
                    schema: header.schema.clone(),
                    in_type: MetaParamIn::Query,
                    description: Some(format!("Same as the `{HEADER}` header.")),
                    required: header.required,
                    deprecated: header.deprecated,
                    explode: header.explode,
                    style: header.style,
                };
                operation.params.insert(at + 1, query);
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, poem::endpoint::BoxEndpoint<'static>>>) {
        self.0.add_routes(route_table);
    }
}
