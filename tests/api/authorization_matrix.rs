//! The reseller dialect's authorization matrix: every kind of caller × every endpoint × every kind
//! of target company, asserting the HTTP status and the envelope `status` of each cell.
use base64::Engine;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, json, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    NoToken,
    BadToken,
    ExpiredToken,
    RevokedToken,
    CompanyAdmin,
    ResellerDirect,
    ResellerThroughSubReseller,
    OtherReseller,
}

const CALLERS: [Caller; 8] = [
    Caller::NoToken,
    Caller::BadToken,
    Caller::ExpiredToken,
    Caller::RevokedToken,
    Caller::CompanyAdmin,
    Caller::ResellerDirect,
    Caller::ResellerThroughSubReseller,
    Caller::OtherReseller,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Managed,
    NotManaged,
    Unknown,
    Own,
}

const TARGETS: [Target; 4] = [Target::NotManaged, Target::Unknown, Target::Own, Target::Managed];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    GetCompany,
    GetCompanyByNumber,
    LicenseCheck,
    Logo,
    PutCompany,
    Preview,
    SearchScoped,
    ClientsSearchScoped,
    ExportScoped,
    ClientsExportScoped,
    PutProfile,
    LicenseExpiry,
    RolesScoped,
    GenerateCredentialsScoped,
    BulkDelete,
    Delete,
}

const TARGETED: [Endpoint; 16] = [
    Endpoint::GetCompany,
    Endpoint::GetCompanyByNumber,
    Endpoint::LicenseCheck,
    Endpoint::Logo,
    Endpoint::PutCompany,
    Endpoint::Preview,
    Endpoint::SearchScoped,
    Endpoint::ClientsSearchScoped,
    Endpoint::ExportScoped,
    Endpoint::ClientsExportScoped,
    Endpoint::PutProfile,
    Endpoint::LicenseExpiry,
    Endpoint::RolesScoped,
    Endpoint::GenerateCredentialsScoped,
    Endpoint::BulkDelete,
    Endpoint::Delete,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Untargeted {
    My,
    MySearch,
    Roles,
    Industries,
    CreateCompany,
    GenerateCredentials,
    CodeTypes,
    Lookups,
}

const UNTARGETED: [Untargeted; 8] = [
    Untargeted::My,
    Untargeted::MySearch,
    Untargeted::Roles,
    Untargeted::Industries,
    Untargeted::CreateCompany,
    Untargeted::GenerateCredentials,
    Untargeted::CodeTypes,
    Untargeted::Lookups,
];

fn company(caller: Caller, target: Target) -> &'static str {
    match (caller, target) {
        (_, Target::Unknown) => "NoSuchCompny",
        (Caller::OtherReseller, Target::Managed) => "OtherCust001",
        (Caller::OtherReseller, Target::NotManaged) => "Cust0mer0002",
        (Caller::OtherReseller, Target::Own) => "OtherReslr01",
        (Caller::CompanyAdmin, Target::Own) => "Cust0mer0001",
        (Caller::ResellerThroughSubReseller, Target::Managed) => "Cust0mer0003",
        (_, Target::Managed) => "Cust0mer0002",
        (_, Target::NotManaged) => "OtherCust001",
        (_, Target::Own) => "xC5kfGz7w2Nz",
    }
}

fn envelope_status(http: u16) -> &'static str {
    match http {
        200 => "SUCCESS",
        400 => "INPUT_ERROR",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "FAILED",
        _ => "INTERNAL_SERVER_ERROR",
    }
}

/// The expected HTTP status (and, for bulk deletion, the per-company result).
fn expected(caller: Caller, endpoint: Endpoint, target: Target) -> (u16, Option<&'static str>) {
    use Endpoint::*;
    use Target::*;
    match caller {
        Caller::NoToken | Caller::BadToken | Caller::ExpiredToken | Caller::RevokedToken => (401, None),
        Caller::CompanyAdmin => match (endpoint, target) {
            (
                GetCompany
                | GetCompanyByNumber
                | LicenseCheck
                | Logo
                | ClientsSearchScoped
                | ClientsExportScoped
                | PutProfile
                | LicenseExpiry
                | RolesScoped
                | GenerateCredentialsScoped,
                Own,
            ) => (200, None),
            _ => (403, None),
        },
        _ => match (endpoint, target) {
            (BulkDelete, Managed) => (200, Some("deleted")),
            (BulkDelete, NotManaged | Own) => (200, Some("forbidden")),
            (BulkDelete, Unknown) => (200, Some("notFound")),
            (_, Unknown) => (404, None),
            (_, NotManaged) => (403, None),
            (_, Managed) => (200, None),
            (
                GetCompany
                | GetCompanyByNumber
                | LicenseCheck
                | Logo
                | SearchScoped
                | ClientsSearchScoped
                | ExportScoped
                | ClientsExportScoped
                | PutProfile
                | LicenseExpiry
                | RolesScoped
                | GenerateCredentialsScoped,
                Own,
            ) => (200, None),
            (PutCompany | Preview | Delete, Own) => (403, None),
        },
    }
}

fn expected_untargeted(caller: Caller, endpoint: Untargeted) -> u16 {
    match caller {
        Caller::NoToken | Caller::BadToken | Caller::ExpiredToken | Caller::RevokedToken => 401,
        Caller::CompanyAdmin if endpoint == Untargeted::CreateCompany => 403,
        _ => 200,
    }
}

fn company_form(name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("Name", name.to_owned())
        .text("IndustryResourceId", "industry0001")
        .text("CountryResourceId", "country00001")
        .text("LicenseTypeResourceId", "licenseType1")
        .text("LicensePeriodTypeResourceId", "licPeriod001")
        .text("NumberOfUsers", "10")
        .text("TimeZoneId", "UTC")
        .text("DateFormat", "yyyy-MM-dd")
        .text("TimeFormat", "HH:mm")
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A token of each failing kind, made the way they happen: expired by the clock, revoked in the
/// database.
async fn token_for(app: &TestApp, caller: Caller) -> Option<String> {
    match caller {
        Caller::NoToken => None,
        Caller::BadToken => Some("eyJhbGciOiJIUzI1NiIsImtpZCI6Im5vcGUifQ.e30.bm9wZQ".into()),
        Caller::ExpiredToken => {
            let real = app.reseller_token().await;
            let mut claims = claims_of(&real);
            claims["exp"] = json!(claims["iat"].as_i64().unwrap() - 60);
            let backend = app.db.get_database_backend();
            let row = app
                .db
                .query_one(Statement::from_string(backend, "SELECT kid, secret FROM signing_keys"))
                .await
                .unwrap()
                .unwrap();
            let kid: String = row.try_get("", "kid").unwrap();
            let secret =
                base64::engine::general_purpose::STANDARD.decode(row.try_get::<String>("", "secret").unwrap()).unwrap();
            let header =
                jsonwebtoken::Header { kid: Some(kid), ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) };
            Some(jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&secret)).unwrap())
        }
        Caller::RevokedToken => {
            let token = app.reseller_token().await;
            let jti = claims_of(&token)["jti"].as_str().unwrap().to_owned();
            let backend = app.db.get_database_backend();
            let revoke = Statement::from_sql_and_values(
                backend,
                "UPDATE access_tokens SET revoked = $1 WHERE jti = $2",
                [true.into(), jti.into()],
            );
            app.db.execute(revoke).await.unwrap();
            Some(token)
        }
        Caller::CompanyAdmin => Some(app.token("company1-admin", "c1-s3cret").await),
        Caller::ResellerDirect | Caller::ResellerThroughSubReseller => Some(app.reseller_token().await),
        Caller::OtherReseller => Some(app.token("globex-reseller", "gl0bex-s3cret").await),
    }
}

/// The company's number, as `CompanyDto.parentId` shows it; one no company has for an unknown id.
async fn number_of(app: &TestApp, id: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let query = Statement::from_sql_and_values(backend, "SELECT number FROM companies WHERE id = $1", [id.into()]);
    match app.db.query_one(query).await.unwrap() {
        Some(row) => row.try_get::<i32>("", "number").unwrap().into(),
        None => 2_000_000_000,
    }
}

async fn call(app: &TestApp, token: Option<&str>, endpoint: Endpoint, id: &str) -> reqwest::Response {
    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    let mut export = search.clone();
    export["exportType"] = json!("CSV");
    let request = match endpoint {
        Endpoint::GetCompany => app.client.get(app.url(&format!("/api/companies/{id}"))),
        Endpoint::GetCompanyByNumber => {
            let number = number_of(app, id).await;
            app.client.get(app.url(&format!("/api/companies/getcompany/{number}")))
        }
        Endpoint::PutCompany => {
            app.client.put(app.url(&format!("/api/companies/{id}"))).multipart(company_form("Matrix"))
        }
        Endpoint::LicenseCheck => app.client.get(app.url(&format!("/api/companies/{id}/license-check"))),
        Endpoint::Logo => app.client.get(app.url(&format!("/api/companies/{id}/logo"))),
        Endpoint::Preview => app.client.get(app.url(&format!("/api/companies/{id}/deletion-preview"))),
        Endpoint::Delete => app.client.delete(app.url(&format!("/api/companies/{id}"))),
        Endpoint::SearchScoped => {
            app.client.post(app.url("/api/companies/search")).header("X-KEEPNET-Company-Id", id).json(&search)
        }
        Endpoint::ClientsSearchScoped => {
            app.client.post(app.url("/api/companies/clients/search")).header("X-KEEPNET-Company-Id", id).json(&search)
        }
        Endpoint::ExportScoped => {
            app.client.post(app.url("/api/companies/search/export")).header("X-KEEPNET-Company-Id", id).json(&export)
        }
        Endpoint::ClientsExportScoped => app
            .client
            .post(app.url("/api/companies/clients/search/export"))
            .header("X-KEEPNET-Company-Id", id)
            .json(&export),
        Endpoint::PutProfile => app.client.put(app.url("/api/companies/limited")).multipart(
            reqwest::multipart::Form::new()
                .text("ResourceId", id.to_owned())
                .text("Name", "Matrix Profile")
                .text("IndustryResourceId", "industry0001")
                .text("CountryResourceId", "country00001"),
        ),
        Endpoint::LicenseExpiry => app
            .client
            .post(app.url("/api/companies/licenseexpirydate"))
            .header("X-KEEPNET-Company-Id", id)
            .json(&json!({"licenseStartDate": "2026-01-01T00:00:00Z"})),
        Endpoint::RolesScoped => app.client.get(app.url("/api/roles")).header("X-KEEPNET-Company-Id", id),
        Endpoint::GenerateCredentialsScoped => app
            .client
            .get(app.url("/api/companies/clients/generate-client-credentials"))
            .header("X-KEEPNET-Company-Id", id),
        Endpoint::BulkDelete => app.client.delete(app.url("/api/companies/bulk-delete")).json(&json!({"items": [id]})),
    };
    let request = match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().await.unwrap()
}

async fn call_untargeted(app: &TestApp, token: Option<&str>, endpoint: Untargeted) -> reqwest::Response {
    let request = match endpoint {
        Untargeted::My => app.client.get(app.url("/api/companies/my")),
        Untargeted::MySearch => app.client.post(app.url("/api/companies/my/search")).json(&json!({"text": "a"})),
        Untargeted::Roles => app.client.get(app.url("/api/roles")),
        Untargeted::Industries => app.client.get(app.url("/api/industries")),
        Untargeted::CreateCompany => app.client.post(app.url("/api/companies")).multipart(company_form("Matrix New")),
        Untargeted::GenerateCredentials => {
            app.client.get(app.url("/api/companies/clients/generate-client-credentials"))
        }
        Untargeted::CodeTypes => app.client.get(app.url("/api/codetypes")),
        Untargeted::Lookups => app.client.get(app.url("/api/lookups/1")),
    };
    let request = match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().await.unwrap()
}

/// The status and envelope of an answer; an export's file stands for a `SUCCESS` envelope when it
/// is the CSV it should be.
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let csv = response.headers().get("content-type").is_some_and(|t| t.to_str().unwrap().starts_with("text/csv"));
    if !csv {
        return json(response).await;
    }
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let header = text.lines().next().unwrap_or_default();
    let good = header.starts_with("Company Name,") || header.starts_with("Client Name,");
    (status, json!({"status": if good { "SUCCESS" } else { "not a CSV export" }, "file": text}))
}

async fn every_caller_endpoint_and_target_gets_its_status(db: Db) {
    let mut cells = 0;
    let mut failures = Vec::new();
    for caller in CALLERS {
        // Bulk deletion and deletion both remove the managed company, so each runs on its own app.
        let last = TARGETED.len() - 1;
        for endpoints in [&TARGETED[..last], &TARGETED[last..]] {
            let app = spawn_app(db).await;
            let token = token_for(&app, caller).await;
            for &endpoint in endpoints {
                for target in TARGETS {
                    let id = company(caller, target);
                    let response = call(&app, token.as_deref(), endpoint, id).await;
                    let (status, body) = answer(response).await;
                    let (want, result) = expected(caller, endpoint, target);
                    let mut ok = status == want && body["status"] == envelope_status(want);
                    if let (Some(result), 200) = (result, status) {
                        let (_, lines) = crate::reseller_more::bulk_outcome(&body);
                        let line = match result {
                            "deleted" => None,
                            "forbidden" => Some(format!("{id}: not a company you manage")),
                            _ => Some(format!("{id}: not found")),
                        };
                        ok &= lines == Vec::from_iter(line);
                    }
                    if !ok {
                        failures.push(format!(
                            "{caller:?} {endpoint:?} {target:?} ({id}): want {want} {result:?}, got {status} {body}"
                        ));
                    }
                    cells += 1;
                }
            }
            if endpoints.len() == last {
                for endpoint in UNTARGETED {
                    let (status, body) = json(call_untargeted(&app, token.as_deref(), endpoint).await).await;
                    let want = expected_untargeted(caller, endpoint);
                    if status != want || body["status"] != envelope_status(want) {
                        failures.push(format!("{caller:?} {endpoint:?}: want {want}, got {status} {body}"));
                    }
                    cells += 1;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cells} cells wrong:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(cells, CALLERS.len() * (TARGETED.len() * TARGETS.len() + UNTARGETED.len()));
}

crate::on_both_databases!(every_caller_endpoint_and_target_gets_its_status);
