//! Answers shaped as the vendor's published OpenAPI spec (ucarozan/keepnet-docs,
//! `openapi/keepnet-api-spec.json`) has them, for the DTOs both specs share. The facts below are
//! copied from that spec by hand: every property of the vendor's schema with its JSON type, its
//! format and whether it may be null. The vendor's schemas forbid other properties
//! (`additionalProperties: false`) and require none.
//!
//! Known and kept: the envelope's `isSuccess` (the vendor's quickstart says every answer carries it,
//! its schemas do not list it). Not pinned here: the exports (the vendor documents no body for them) and `POST /api/companies/my/search`, whose
//! answer the vendor documents as its own request (`{text}`): it answers a page of companies.
use std::path::PathBuf;

use serde_json::Value;

use crate::test_app::{Db, TestApp, json, spawn_app};

/// (property, JSON type, format, nullable)
type Facts = &'static [(&'static str, &'static str, Option<&'static str>, bool)];

/// `KeepnetLabs.ApplicationService.Company.Dto.SearchCompanyDto`
const SEARCH_COMPANY_DTO: Facts = &[
    ("companyName", "string", None, true),
    ("companyResourceId", "string", None, true),
    ("resellerName", "string", None, true),
    ("industryName", "string", None, true),
    ("industryResourceId", "string", None, true),
    ("licenseTypeName", "string", None, true),
    ("licenseTypeResourceId", "string", None, true),
    ("isNumberOfUsersLimited", "boolean", None, false),
    ("numberOfUsers", "string", None, true),
    ("privacyDurationId", "integer", Some("int32"), false),
    ("licenceExpired", "boolean", None, false),
    ("licenseEndDate", "string", Some("date-time"), true),
    ("createTime", "string", Some("date-time"), true),
    ("targetUserCount", "integer", Some("int32"), false),
    ("children", "array", None, true),
    ("tags", "array", None, true),
    ("deletedTargetUserCount", "integer", Some("int32"), false),
    ("inactiveTargetUserCount", "integer", Some("int32"), false),
    ("monthlyActiveUserCount", "integer", Some("int32"), false),
];

/// `KeepnetLabs.Core.Pagination.CustomCompanyPagedResults<SearchCompanyDto>`
const COMPANY_PAGE: Facts = &[
    ("limitExceededCompanyCount", "integer", Some("int32"), false),
    ("pageNumber", "integer", Some("int32"), false),
    ("pageSize", "integer", Some("int32"), false),
    ("totalNumberOfPages", "integer", Some("int32"), false),
    ("totalNumberOfRecords", "integer", Some("int32"), false),
    ("results", "array", None, true),
];

/// `KeepnetLabs.ApplicationService.Company.Dto.GetMyCompaniesDto`
const MY_COMPANIES_DTO: Facts = &[
    ("name", "string", None, true),
    ("resourceId", "string", None, true),
    ("logoUrl", "string", None, true),
    ("privacyDurationId", "integer", Some("int32"), false),
    ("licenceExpired", "boolean", None, false),
    ("privacyDurationStartTime", "string", Some("date-time"), true),
    ("privacyDurationEndTime", "string", Some("date-time"), true),
    ("children", "array", None, true),
];

/// The vendor's fact about `property` of `what`; a property the vendor lacks fails the test.
fn fact(facts: Facts, what: &str, property: &str) -> (&'static str, Option<&'static str>, bool) {
    let Some(&(_, kind, format, nullable)) = facts.iter().find(|f| f.0 == property) else {
        panic!("{what}.{property} is not in the vendor's schema");
    };
    (kind, format, nullable)
}

/// `KeepnetLabs.ApplicationService.Company.Dto.CompanyDto`
const COMPANY_DTO: Facts = &[
    ("resourceId", "string", None, true),
    ("name", "string", None, true),
    ("description", "string", None, true),
    ("industryResourceId", "string", None, true),
    ("industryName", "string", None, true),
    ("countryResourceId", "string", None, true),
    ("countryName", "string", None, true),
    ("countryCode", "string", None, true),
    ("address", "string", None, true),
    ("websiteUrl", "string", None, true),
    ("logoUrl", "string", None, true),
    ("licenseTypeResourceId", "string", None, true),
    ("licenseTypeName", "string", None, true),
    ("licensePeriodTypeResourceId", "string", None, true),
    ("licensePeriodTypeName", "string", None, true),
    ("licenseStartDate", "string", Some("date-time"), true),
    ("licenseEndDate", "string", Some("date-time"), true),
    ("isNumberOfUsersLimited", "boolean", None, false),
    ("numberOfUsers", "integer", Some("int32"), true),
    ("notificationTemplateTypeResourceId", "string", None, true),
    ("notificationTemplateTypeName", "string", None, true),
    ("trainingContentTypeResourceId", "string", None, true),
    ("trainingContentTypeName", "string", None, true),
    ("smtpConfigurationTypeResourceId", "string", None, true),
    ("smtpConfigurationTypeName", "string", None, true),
    ("preferredLanguageTypeResourceId", "string", None, true),
    ("preferredLanguageTypeName", "string", None, true),
    ("isVersionVisible", "boolean", None, false),
    ("isReleaseNotesVisible", "boolean", None, false),
    ("releaseNotesUrl", "string", None, true),
    ("companyGroups", "array", None, true),
    ("parentId", "integer", Some("int32"), true),
    ("baseManHourCost", "integer", Some("int32"), false),
    ("baseManHour", "integer", Some("int32"), false),
    ("statusId", "integer", Some("int32"), true),
    ("statusName", "string", None, true),
    ("licenseModules", "array", None, true),
    ("targetUserCount", "integer", Some("int32"), false),
    ("timeZoneId", "string", None, true),
    ("callBackNumberBookingCount", "integer", Some("int32"), true),
    ("dateFormat", "string", None, true),
    ("timeFormat", "string", None, true),
    ("tags", "array", None, true),
    ("hasAgenticAILicense", "boolean", None, false),
];

/// `System.Tuple<string, string>`, the data of `GET /api/companies/getcompany/{companyId}`
const STRING_PAIR: Facts = &[("item1", "string", None, true), ("item2", "string", None, true)];

/// `KeepnetLabs.ApplicationService.Company.Dto.ClientDto`
const CLIENT_DTO: Facts = &[
    ("resourceId", "string", None, true),
    ("name", "string", None, true),
    ("clientId", "string", None, true),
    ("clientSecret", "string", None, true),
    ("statusId", "integer", Some("int32"), false),
    ("statusName", "string", None, true),
    ("hasIpAddressRestriction", "boolean", None, false),
    ("allowedIpAddresses", "array", None, true),
    ("roleResourceIdList", "array", None, true),
];

/// `KeepnetLabs.ApplicationService.Company.Dto.SearchClientDto`
const SEARCH_CLIENT_DTO: Facts = &[
    ("resourceId", "string", None, true),
    ("clientName", "string", None, true),
    ("clientId", "string", None, true),
    ("createTime", "string", Some("date-time"), true),
    ("statusId", "integer", Some("int32"), false),
    ("statusName", "string", None, true),
];

/// `KeepnetLabs.Core.Pagination.PagedResults<SearchClientDto>` (the company page without its
/// `limitExceededCompanyCount`)
const CLIENT_PAGE: Facts = &[
    ("pageNumber", "integer", Some("int32"), false),
    ("pageSize", "integer", Some("int32"), false),
    ("totalNumberOfPages", "integer", Some("int32"), false),
    ("totalNumberOfRecords", "integer", Some("int32"), false),
    ("results", "array", None, true),
];

/// `KeepnetLabs.Core.IdResult` (what deletion and bulk deletion answer)
const ID_RESULT: Facts = &[("resourceId", "string", None, true)];

/// `KeepnetLabs.ApplicationService.Company.Dto.CheckCompanyLicenseDto`
const CHECK_COMPANY_LICENSE_DTO: Facts = &[
    ("isLimited", "boolean", None, false),
    ("licenseLimit", "integer", Some("int32"), true),
    ("activeUserCount", "integer", Some("int32"), false),
    ("totalUserCount", "integer", Some("int32"), false),
    ("isLicenseExceeded", "boolean", None, false),
];

/// `KeepnetLabs.ApplicationService.Company.Dto.GetCompanyLogoServiceResponse`
const COMPANY_LOGO: Facts = &[("fileName", "string", None, true), ("fileContent", "string", Some("byte"), true)];

/// Our schema `name` in the committed spec declares only the vendor's properties, with the
/// vendor's type and format, and is nullable only where the vendor's is.
fn assert_schema_conforms(spec: &Value, name: &str, facts: Facts) {
    let properties = spec["components"]["schemas"][name]["properties"].as_object().unwrap_or_else(|| panic!("{name}"));
    for (property, schema) in properties {
        let (kind, format, nullable) = fact(facts, name, property);
        let declared = if schema["$ref"].is_string() { "object" } else { schema["type"].as_str().unwrap_or("") };
        assert_eq!(declared, kind, "{name}.{property}: type");
        assert_eq!(schema["format"].as_str(), format, "{name}.{property}: format");
        if !nullable {
            assert_ne!(schema["nullable"], true, "{name}.{property} may not be null in the vendor's schema");
        }
    }
}

#[test]
fn shared_schemas_declare_the_vendors_fields_and_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/reseller.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_schema_conforms(&spec, "SearchCompany", SEARCH_COMPANY_DTO);
    assert_schema_conforms(&spec, "SearchData", COMPANY_PAGE);
    assert_schema_conforms(&spec, "MyCompany", MY_COMPANIES_DTO);
    assert_schema_conforms(&spec, "CompanyDto", COMPANY_DTO);
    assert_schema_conforms(&spec, "CompanyIdAndName", STRING_PAIR);
    assert_schema_conforms(&spec, "ClientDto", CLIENT_DTO);
    assert_schema_conforms(&spec, "ClientSummary", SEARCH_CLIENT_DTO);
    assert_schema_conforms(&spec, "ClientSearchData", CLIENT_PAGE);
    assert_schema_conforms(&spec, "CheckCompanyLicense", CHECK_COMPANY_LICENSE_DTO);
    assert_schema_conforms(&spec, "CompanyLogo", COMPANY_LOGO);
    assert_schema_conforms(&spec, "DeletedData", ID_RESULT);
    assert_schema_conforms(&spec, "BulkDeleteData", ID_RESULT);
}

/// An answer's object carries only the vendor's properties, each a value of the vendor's type.
fn assert_answer_conforms(what: &str, object: &Value, facts: Facts) {
    for (property, value) in object.as_object().unwrap_or_else(|| panic!("{what} is an object")) {
        let (kind, format, nullable) = fact(facts, what, property);
        let fits = match (kind, value) {
            (_, Value::Null) => nullable,
            ("string", Value::String(text)) => {
                format != Some("date-time") || chrono::DateTime::parse_from_rfc3339(text).is_ok()
            }
            ("integer", Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            ("boolean", Value::Bool(_)) => true,
            ("array", Value::Array(_)) => true,
            _ => false,
        };
        assert!(fits, "{what}.{property} = {value} is not a {kind} ({format:?}, nullable: {nullable})");
    }
}

async fn answers_carry_the_vendors_fields_and_types(db: Db) {
    let app: TestApp = spawn_app(db).await;
    let token = app.reseller_token().await;
    let body = serde_json::json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true});
    let (status, reply) =
        json(app.client.post(app.url("/api/companies/search")).bearer_auth(&token).json(&body).send().await.unwrap())
            .await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("search data", &reply["data"], COMPANY_PAGE);
    let results = reply["data"]["results"].as_array().unwrap();
    assert!(results.len() >= 4, "{reply}");
    for company in results {
        assert_answer_conforms("search result", company, SEARCH_COMPANY_DTO);
    }

    let (status, reply) =
        json(app.client.get(app.url("/api/companies/my")).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    let mut pending: Vec<&Value> = reply["data"].as_array().unwrap().iter().collect();
    let mut seen = 0;
    while let Some(company) = pending.pop() {
        assert_answer_conforms("my company", company, MY_COMPANIES_DTO);
        pending.extend(company["children"].as_array().into_iter().flatten());
        seen += 1;
    }
    assert!(seen >= 5, "the caller and the four companies it manages: {reply}");

    let (status, reply) =
        json(app.client.get(app.url("/api/companies/Cust0mer0001")).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("company", &reply["data"], COMPANY_DTO);
    let parent = reply["data"]["parentId"].as_i64().expect("a managed company has a parent");
    let path = format!("/api/companies/getcompany/{parent}");
    let (status, reply) = json(app.client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("company by number", &reply["data"], STRING_PAIR);
    for (id, what) in [("Cust0mer0001", "limited"), ("Cust0mer0003", "unlimited")] {
        let path = format!("/api/companies/{id}/license-check");
        let (status, reply) = json(app.client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(status, 200, "{reply}");
        assert_answer_conforms(&format!("licence check ({what})"), &reply["data"], CHECK_COMPANY_LICENSE_DTO);
        let path = format!("/api/companies/{id}/logo");
        let (status, reply) = json(app.client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(status, 200, "{reply}");
        assert_answer_conforms(&format!("logo ({what})"), &reply["data"], COMPANY_LOGO);
    }

    let body = serde_json::json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    let request = app.client.post(app.url("/api/companies/clients/search")).bearer_auth(&token).json(&body);
    let (status, reply) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("client page", &reply["data"], CLIENT_PAGE);
    let clients = reply["data"]["results"].as_array().unwrap();
    assert!(!clients.is_empty(), "{reply}");
    for client in clients {
        assert_answer_conforms("client search result", client, SEARCH_CLIENT_DTO);
    }
    let path = format!("/api/companies/clients/{}", clients[0]["resourceId"].as_str().unwrap());
    let (status, reply) = json(app.client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("client", &reply["data"], CLIENT_DTO);

    let bulk = serde_json::json!({"items": ["Cust0mer0002", "NoSuchCompny"]});
    let request = app.client.delete(app.url("/api/companies/bulk-delete")).bearer_auth(&token).json(&bulk);
    let (status, reply) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("bulk deletion", &reply["data"], ID_RESULT);
    let request = app.client.delete(app.url("/api/companies/Cust0mer0003")).bearer_auth(&token);
    let (status, reply) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_answer_conforms("deletion", &reply["data"], ID_RESULT);
}

crate::on_both_databases!(answers_carry_the_vendors_fields_and_types);
