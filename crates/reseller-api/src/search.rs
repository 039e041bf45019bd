//! `POST /api/companies/search`: request parsing and the SearchCompany shape.
use chrono::{DateTime, Utc};
use companygate_domain::scoped::Unreadable;
use companygate_domain::search::filter::FilterProblem;
use companygate_domain::search::{
    Condition, Field, Filter, FilterGroup, FilterItem, Operator, OrderBy, SearchHit, SearchPage, SearchRequest,
};
use poem_openapi::Object;
use serde_json::Value;

use crate::body::Fields;
use crate::documented::{self, Documented, Text};
use crate::envelope::int32;
use poem_openapi::registry::MetaSchema;

/// Search request. Keys of `filter` may be PascalCase or camelCase; `filter` may be null.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", example)]
pub struct SearchBody {
    /// 1-based page number.
    #[oai(validator(minimum(value = "1"), maximum(value = "10000000")))]
    pub page_number: i64,
    /// Rows per page, 1 to 100.
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub page_size: i64,
    pub order_by: SearchOrderBy,
    pub ascending: bool,
    /// Only companies whose active target users exceed a limited licence.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub is_target_user_count_exceeded_limit: Option<bool>,
    /// Optional; `null` means no filter.
    #[oai(nullable, skip_serializing_if_is_none)]
    pub filter: Option<SearchFilter>,
}

/// What search results are ordered by (ties broken by id), read in any letter case; `RenewalDate`
/// is `LicenseEndDate`.
#[derive(poem_openapi::Enum, Debug, Clone, Copy)]
#[oai(rename_all = "PascalCase")]
pub enum SearchOrderBy {
    CreateTime,
    CompanyName,
    TargetUserCount,
    LicenseEndDate,
    ResellerName,
    RenewalDate,
}

/// The page bounds of every paged search.
pub const MAX_PAGE_NUMBER: i64 = 10_000_000;

impl poem_openapi::types::Example for SearchBody {
    fn example() -> Self {
        Self {
            page_number: 1,
            page_size: 10,
            order_by: SearchOrderBy::CreateTime,
            ascending: false,
            is_target_user_count_exceeded_limit: None,
            filter: None,
        }
    }
}

/// Keys may also be camelCase. Groups are combined with `Condition`; `SearchInputTextValue` is
/// always ANDed.
#[derive(Object, Debug)]
#[oai(rename_all = "PascalCase")]
pub struct SearchFilter {
    /// Default `AND`.
    #[oai(nullable)]
    pub condition: Option<FilterCondition>,
    /// Case-insensitive text matched against the company name.
    #[oai(nullable, validator(max_length = 256))]
    pub search_input_text_value: Option<String>,
    #[oai(nullable)]
    pub filter_groups: Option<Vec<SearchFilterGroup>>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "PascalCase")]
pub struct SearchFilterGroup {
    /// How this group's items and subgroups combine (default `AND`).
    #[oai(nullable)]
    pub condition: Option<FilterCondition>,
    #[oai(nullable)]
    pub filter_items: Option<Vec<SearchFilterItem>>,
    #[oai(nullable)]
    pub filter_groups: Option<Vec<SearchFilterGroup>>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "PascalCase")]
pub struct SearchFilterItem {
    pub field_name: FilterField,
    pub operator: FilterOperator,
    pub value: FilterValue,
}

/// A condition's value: a string (dates as `YYYY-MM-DD` or RFC 3339; `Include` takes a
/// comma-separated list), a number or a boolean (taken as its text), or for `Include` an array
/// of strings and numbers.
#[derive(Debug)]
pub struct FilterValue(pub Value);

impl poem_openapi::types::Type for FilterValue {
    const IS_REQUIRED: bool = true;
    type RawValueType = Value;
    type RawElementValueType = Value;

    fn name() -> std::borrow::Cow<'static, str> {
        "FilterValue".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
        let text = || MetaSchema { max_length: Some(MAX_FILTER_VALUE), ..MetaSchema::new("string") };
        let inline = |schema: MetaSchema| MetaSchemaRef::Inline(Box::new(schema));
        let list = MetaSchema {
            items: Some(Box::new(inline(MetaSchema {
                any_of: vec![inline(text()), inline(MetaSchema::new("number"))],
                ..MetaSchema::ANY
            }))),
            ..MetaSchema::new("array")
        };
        inline(MetaSchema {
            description: Some("A string, a number, a boolean, or (for `Include`) an array of strings and numbers."),
            any_of: vec![
                inline(text()),
                inline(MetaSchema::new("number")),
                inline(MetaSchema::new("boolean")),
                inline(list),
            ],
            ..MetaSchema::ANY
        })
    }

    fn as_raw_value(&self) -> Option<&Value> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl poem_openapi::types::ParseFromJSON for FilterValue {
    fn parse_from_json(value: Option<Value>) -> poem_openapi::types::ParseResult<Self> {
        Ok(Self(value.unwrap_or_default()))
    }
}

impl poem_openapi::types::ToJSON for FilterValue {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.clone())
    }
}

/// The longest condition value, as the core enforces it.
const MAX_FILTER_VALUE: usize = companygate_domain::search::filter::MAX_VALUE;

/// How conditions combine: `AND` or `OR`, in any letter case.
#[derive(Debug)]
pub struct ConditionSpelling;

impl Documented for ConditionSpelling {
    fn schema() -> MetaSchema {
        documented::pattern("^(?:[Aa][Nn][Dd]|[Oo][Rr])$".into())
    }
}

pub type FilterCondition = Text<ConditionSpelling>;

/// What a filter condition looks at.
#[derive(poem_openapi::Enum, Debug, Clone, Copy)]
#[oai(rename_all = "PascalCase")]
pub enum FilterField {
    CompanyName,
    ResellerName,
    LicenseEndDate,
    CreateTime,
    TargetUserCount,
    LicenceExpired,
    Tags,
}

/// How a filter condition compares: `=`, `!=`, `Contains`, `Include`, `>`, `<`, `>=` or `<=`.
/// Which operators a field takes, and the form of its value, are checked by the server
/// (`INPUT_ERROR` naming the condition).
#[derive(Debug)]
pub struct OperatorSpelling;

impl Documented for OperatorSpelling {
    fn schema() -> MetaSchema {
        documented::pattern(format!("^(?:{})$", OPERATORS.map(|(spelling, _)| spelling).join("|")))
    }
}

pub type FilterOperator = Text<OperatorSpelling>;

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SearchCompany {
    pub company_name: String,
    pub company_resource_id: String,
    /// Name of the company's direct parent.
    #[oai(nullable)]
    pub reseller_name: Option<String>,
    #[oai(nullable)]
    pub industry_name: Option<String>,
    #[oai(nullable)]
    pub industry_resource_id: Option<String>,
    #[oai(nullable)]
    pub license_type_name: Option<String>,
    #[oai(nullable)]
    pub license_type_resource_id: Option<String>,
    pub is_number_of_users_limited: bool,
    /// A string, as in the original API.
    pub number_of_users: String,
    /// `0` when none is set.
    pub privacy_duration_id: i32,
    /// Spelling as in the original API.
    pub licence_expired: bool,
    #[oai(nullable)]
    pub license_end_date: Option<DateTime<Utc>>,
    pub create_time: DateTime<Utc>,
    pub target_user_count: i32,
    pub inactive_target_user_count: i32,
    pub deleted_target_user_count: i32,
    pub monthly_active_user_count: i32,
    pub tags: Vec<String>,
    /// Always null in search results.
    #[oai(nullable)]
    pub children: Option<Vec<SearchCompany>>,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SearchData {
    pub page_number: i32,
    pub page_size: i32,
    pub total_number_of_pages: i32,
    pub total_number_of_records: i32,
    pub limit_exceeded_company_count: i32,
    pub results: Vec<SearchCompany>,
}

/// The names `orderBy` takes in a company search, in any letter case (`RenewalDate`, the vendor's
/// docs' name of the licence end date, is read as `LicenseEndDate`).
const ORDERS: [(&str, OrderBy); 6] = [
    ("CreateTime", OrderBy::CreateTime),
    ("CompanyName", OrderBy::CompanyName),
    ("TargetUserCount", OrderBy::TargetUserCount),
    ("LicenseEndDate", OrderBy::LicenseEndDate),
    ("ResellerName", OrderBy::ResellerName),
    ("RenewalDate", OrderBy::LicenseEndDate),
];

/// The dialect's names of the filter's fields.
const FIELDS: [(&str, Field); 7] = [
    ("CompanyName", Field::CompanyName),
    ("ResellerName", Field::ResellerName),
    ("LicenseEndDate", Field::LicenseEndDate),
    ("CreateTime", Field::CreateTime),
    ("TargetUserCount", Field::TargetUserCount),
    ("LicenceExpired", Field::LicenceExpired),
    ("Tags", Field::Tags),
];

/// The dialect's spellings of the filter's operators (`Contains` and `Include` in any letter case).
const OPERATORS: [(&str, Operator); 8] = [
    ("=", Operator::Eq),
    ("!=", Operator::Ne),
    ("Contains", Operator::Contains),
    ("Include", Operator::Include),
    (">", Operator::Gt),
    ("<", Operator::Lt),
    (">=", Operator::Ge),
    ("<=", Operator::Le),
];

fn field_named(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(spelling, _)| *spelling == name).map(|(_, field)| *field)
}

pub(crate) fn field_name(field: Field) -> &'static str {
    FIELDS.iter().find(|(_, f)| *f == field).map_or("?", |(spelling, _)| spelling)
}

fn operator_named(text: &str) -> Option<Operator> {
    OPERATORS.iter().find(|(spelling, _)| spelling.eq_ignore_ascii_case(text)).map(|(_, op)| *op)
}

fn condition_named(text: &str) -> Option<Condition> {
    match text.to_ascii_uppercase().as_str() {
        "AND" => Some(Condition::And),
        "OR" => Some(Condition::Or),
        _ => None,
    }
}

/// One problem with a filter the core refused, in the dialect's words.
pub(crate) fn filter_problem(problem: &FilterProblem) -> String {
    match problem {
        FilterProblem::SearchTextTooLong { max } => format!("the search text may be at most {max} characters"),
        FilterProblem::NestedTooDeep { max } => format!("filter groups may be nested at most {max} deep"),
        FilterProblem::TooManyConditions { max } => format!("a filter may hold at most {max} conditions"),
        FilterProblem::ValueTooLong { max } => format!("a condition's value may be at most {max} characters"),
        FilterProblem::OperatorNotForField { operator, field } => {
            // `!=` has always been named by its SQL spelling here.
            let operator = match operator {
                Operator::Ne => "<>",
                other => OPERATORS.iter().find(|(_, op)| op == other).map_or("?", |(spelling, _)| spelling),
            };
            format!("operator '{operator}' cannot be used with {}", field_name(*field))
        }
        FilterProblem::NotATime { field, value } => {
            format!("{} needs a date (YYYY-MM-DD) or a timestamp (RFC 3339), not '{value}'", field_name(*field))
        }
        FilterProblem::NotAWholeNumber { field, value } => {
            format!("{} needs whole numbers, not '{value}'", field_name(*field))
        }
        FilterProblem::NotTrueOrFalse { field, value } => {
            format!("{} needs true or false, not '{value}'", field_name(*field))
        }
        FilterProblem::EmptyList => "Include needs at least one value (comma-separated)".into(),
    }
}

/// Reads a key in PascalCase or camelCase.
fn either<'v>(object: &'v serde_json::Map<String, Value>, pascal: &str) -> Option<&'v Value> {
    let camel = format!("{}{}", pascal[..1].to_lowercase(), &pascal[1..]);
    object.get(pascal).or_else(|| object.get(&camel)).filter(|v| !v.is_null())
}

/// The keys the vendor's schemas define for a filter, a group of it and a condition (each also in
/// camelCase). Any other key is refused, so a misspelt one cannot widen a search to everything.
const FILTER_KEYS: [&str; 3] = ["Condition", "SearchInputTextValue", "FilterGroups"];
const GROUP_KEYS: [&str; 3] = ["Condition", "FilterItems", "FilterGroups"];
const ITEM_KEYS: [&str; 3] = ["FieldName", "Operator", "Value"];

/// Reports each key of `object` (at `path`, of the schema `schema`) that is not one of `keys`.
fn unknown_keys(
    object: &serde_json::Map<String, Value>,
    keys: &[&str],
    schema: &str,
    path: &str,
    problems: &mut Vec<String>,
) {
    let known = |key: &str| keys.iter().any(|k| *k == key || k[..1].to_lowercase() + &k[1..] == key);
    for key in object.keys().filter(|key| !known(key)) {
        problems.push(format!("'{path}.{key}' is not a key of {schema} (its keys: {})", keys.join(", ")));
    }
}

/// Parses the `filter` tree, reporting every problem with its path.
pub fn parse_filter(value: Option<&Value>, problems: &mut Vec<String>) -> Filter {
    let mut filter = Filter::default();
    let Some(value) = value else { return filter };
    let Some(object) = value.as_object() else {
        problems.push("'filter' must be an object or null".into());
        return filter;
    };
    unknown_keys(object, &FILTER_KEYS, "Filter", "filter", problems);
    filter.condition = condition(object, "filter", problems);
    match either(object, "SearchInputTextValue") {
        None => {}
        Some(Value::String(text)) => filter.text = Some(text.clone()),
        Some(_) => problems.push("'filter.SearchInputTextValue' must be a string".into()),
    }
    filter.groups = groups(object, "filter", problems);
    // Values of well-formed items are checked by the core; report those problems alongside.
    problems.extend(filter.problems().iter().map(|placed| filter_problem(&placed.problem)));
    filter
}

fn condition(object: &serde_json::Map<String, Value>, path: &str, problems: &mut Vec<String>) -> Option<Condition> {
    match either(object, "Condition") {
        None => None,
        Some(Value::String(c)) if condition_named(c).is_some() => condition_named(c),
        Some(_) => {
            problems.push(format!("'{path}.Condition' must be AND or OR"));
            None
        }
    }
}

fn groups(object: &serde_json::Map<String, Value>, path: &str, problems: &mut Vec<String>) -> Vec<FilterGroup> {
    let Some(value) = either(object, "FilterGroups") else { return Vec::new() };
    let Some(array) = value.as_array() else {
        problems.push(format!("'{path}.FilterGroups' must be an array"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, group) in array.iter().enumerate() {
        let path = format!("{path}.FilterGroups[{i}]");
        let Some(object) = group.as_object() else {
            problems.push(format!("'{path}' must be an object"));
            continue;
        };
        unknown_keys(object, &GROUP_KEYS, "FilterGroup", &path, problems);
        let condition = condition(object, &path, problems).unwrap_or(Condition::And);
        let items = items(object, &path, problems);
        let groups = groups(object, &path, problems);
        out.push(FilterGroup { condition, items, groups });
    }
    out
}

fn items(object: &serde_json::Map<String, Value>, path: &str, problems: &mut Vec<String>) -> Vec<FilterItem> {
    let Some(value) = either(object, "FilterItems") else { return Vec::new() };
    let Some(array) = value.as_array() else {
        problems.push(format!("'{path}.FilterItems' must be an array"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in array.iter().enumerate() {
        let path = format!("{path}.FilterItems[{i}]");
        let Some(object) = item.as_object() else {
            problems.push(format!("'{path}' must be an object"));
            continue;
        };
        unknown_keys(object, &ITEM_KEYS, "FilterItem", &path, problems);
        let field = match either(object, "FieldName") {
            Some(Value::String(name)) => field_named(name),
            _ => None,
        };
        if field.is_none() {
            let names = FIELDS.map(|(spelling, _)| spelling).join(", ");
            problems.push(format!("'{path}.FieldName' must be one of {names}"));
        }
        let operator = match either(object, "Operator") {
            Some(Value::String(op)) => operator_named(op),
            _ => None,
        };
        if operator.is_none() {
            let names = OPERATORS.map(|(spelling, _)| spelling).join(", ");
            problems.push(format!("'{path}.Operator' must be one of {names}"));
        }
        // The original sends every value as a string; numbers and booleans are accepted as such,
        // and a list for Include may also be a JSON array.
        let value = match either(object, "Value") {
            Some(Value::String(v)) => Some(v.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
            Some(Value::Array(list)) if list.iter().all(|v| v.is_string() || v.is_number()) => Some(
                list.iter()
                    .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        };
        if value.is_none() {
            problems.push(format!("'{path}.Value' must be a string"));
        }
        if let (Some(field), Some(operator), Some(value)) = (field, operator, value) {
            out.push(FilterItem { field, operator, value });
        }
    }
    out
}

pub fn parse(body: &Value) -> Result<SearchRequest, Unreadable> {
    let mut fields = Fields::of(body);
    let page_number = fields.required_int("pageNumber", 1, Some(MAX_PAGE_NUMBER));
    let page_size = fields.required_int("pageSize", 1, Some(100));
    let order_by = fields.required_str("orderBy").and_then(|text| {
        let named = ORDERS.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)).map(|(_, order)| *order);
        named
            .or_else(|| fields.problem(format!("'orderBy' must be one of {}", ORDERS.map(|(name, _)| name).join(", "))))
    });
    let ascending = fields.required_bool("ascending");
    let only_limit_exceeded = fields.optional_bool("isTargetUserCountExceededLimit").unwrap_or(false);
    let filter = parse_filter(fields.optional("filter"), &mut fields.problems);
    match (page_number, page_size, order_by, ascending) {
        (Some(page_number), Some(page_size), Some(order_by), Some(ascending)) if fields.problems.is_empty() => {
            Ok(SearchRequest {
                page_number: page_number as u64,
                page_size: page_size as u64,
                order_by,
                ascending,
                only_limit_exceeded,
                filter,
            })
        }
        _ => Err(Unreadable(fields.problems)),
    }
}

pub fn to_data(page: &SearchPage) -> SearchData {
    let now = Utc::now();
    SearchData {
        page_number: int32(page.page_number),
        page_size: int32(page.page_size),
        total_number_of_pages: int32(page.total_pages),
        total_number_of_records: int32(page.total_records),
        limit_exceeded_company_count: int32(page.limit_exceeded_company_count),
        results: page.results.iter().map(|hit| to_company(hit, now)).collect(),
    }
}

fn to_company(SearchHit { row, tags }: &SearchHit, now: DateTime<Utc>) -> SearchCompany {
    SearchCompany {
        company_name: row.name.clone(),
        company_resource_id: row.id.clone(),
        reseller_name: row.reseller_name.clone(),
        industry_name: row.industry_name.clone(),
        industry_resource_id: row.industry_id.clone(),
        license_type_name: row.license_type_name.clone(),
        license_type_resource_id: row.license_type_id.clone(),
        is_number_of_users_limited: row.is_number_of_users_limited,
        number_of_users: row.number_of_users.to_string(),
        privacy_duration_id: row.privacy_duration_id,
        licence_expired: row.license_end_date.is_some_and(|end| end < now),
        license_end_date: row.license_end_date,
        create_time: row.create_time,
        target_user_count: int32(row.target_user_count),
        inactive_target_user_count: int32(row.inactive_target_user_count),
        deleted_target_user_count: int32(row.deleted_target_user_count),
        // Activity is not tracked yet; nothing counts as monthly active.
        monthly_active_user_count: 0,
        tags: tags.clone(),
        children: None,
    }
}
