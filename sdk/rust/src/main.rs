//! Both dialects' delete flows through the progenitor-generated clients, against BASE_URL.
#![allow(clippy::all, clippy::pedantic, unused, mismatched_lifetime_syntaxes)]

mod reseller {
    include!(concat!(env!("OUT_DIR"), "/reseller.rs"));
}
mod session {
    include!(concat!(env!("OUT_DIR"), "/session.rs"));
}

use std::fmt::Debug;

#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check<T: PartialEq + Debug>(&mut self, name: &str, expected: T, actual: T) {
        if expected == actual {
            self.passed += 1;
        } else {
            self.failed += 1;
            println!("FAIL {name}: expected {expected:?}, got {actual:?}");
        }
    }
}

#[tokio::main]
async fn main() {
    let base = std::env::var("BASE_URL").expect("BASE_URL is set");
    let mut checks = Checks::default();

    // Reseller dialect: token -> search -> preview -> delete.
    let anonymous = reseller::Client::new(&base);
    let token = anonymous
        .request_token(&reseller::types::TokenRequest {
            grant_type: Some("client_credentials".into()),
            client_id: Some("acme-reseller".into()),
            client_secret: Some("s3cret-value".into()),
            scope: Some("api1".into()),
        })
        .await
        .expect("token granted")
        .into_inner();
    checks.check("token type", "Bearer", token.token_type.as_str());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {}", token.access_token).parse().unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let api = reseller::Client::new_with_client(&base, http);
    let search = reseller::types::SearchBody {
        page_number: std::num::NonZeroU64::new(1).unwrap(),
        page_size: std::num::NonZeroU64::new(10).unwrap(),
        order_by: reseller::types::SearchOrderBy::CompanyName,
        ascending: true,
        filter: None,
        is_target_user_count_exceeded_limit: None,
    };
    let page = api.search_companies(None, None, &search).await.expect("search").into_inner();
    checks.check("search succeeds", true, page.is_success);
    checks.check("search sees the subtree", 4, page.data.total_number_of_records);
    let target = page
        .data
        .results
        .iter()
        .find(|c| c.company_name == "test-company-2")
        .map(|c| c.company_resource_id.clone())
        .unwrap_or_default();
    let company = api.get_company(&target).await.expect("read").into_inner();
    let number = company.data.parent_id.expect("a managed company has a parent");
    let parent = api.get_company_by_number(number).await.expect("by number").into_inner();
    checks.check("the parent by number", "xC5kfGz7w2Nz", parent.data.item1.as_str());
    let mine = reseller::types::SearchMyCompaniesBody {
        text: Some("TEST-company".parse().expect("a short text")),
        page_number: None,
        page_size: None,
    };
    let mine = api.search_my_companies(&mine).await.expect("my search").into_inner();
    let names: Vec<&str> = mine.data.results.iter().map(|c| c.name.as_str()).collect();
    checks.check("my search finds by name", vec!["test-company-1", "test-company-2"], names);
    let licence = api.check_company_license("Cust0mer0001").await.expect("licence check").into_inner().data;
    checks.check(
        "licence check",
        (Some(2), 3, true),
        (licence.license_limit, licence.active_user_count, licence.is_license_exceeded),
    );
    let start = "2026-01-01T00:00:00Z".parse().expect("a time");
    let expiry = reseller::types::LicenseExpiryDateBody { license_start_date: start };
    let expiry = api.get_license_expiry_date(None, None, &expiry).await.expect("licence expiry").into_inner();
    checks.check("licence expiry answers", true, expiry.is_success);
    let types = api.list_code_types().await.expect("code types").into_inner().data;
    let industry = types.iter().find(|t| t.name == "Industry").map_or(0, |t| t.id);
    let industries = api.list_lookups(industry).await.expect("lookups").into_inner().data;
    checks.check("industries by their lookup type", true, !industries.is_empty());
    let logo = api.get_company_logo("Cust0mer0001").await.expect("logo").into_inner().data;
    checks.check("logo file name", Some("logo.png".to_owned()), logo.file_name);
    let export = reseller::types::CompanyExportBody {
        page_number: std::num::NonZeroU64::new(1).unwrap(),
        page_size: std::num::NonZeroU64::new(10).unwrap(),
        order_by: reseller::types::SearchOrderBy::CompanyName,
        ascending: true,
        filter: None,
        is_target_user_count_exceeded_limit: None,
        export_type: "CSV".parse().expect("an export type"),
        report_all_pages: Some(true),
    };
    let csv = api.export_companies(None, None, &export).await.expect("export").into_inner();
    let csv = String::from_utf8(collect(csv).await).expect("CSV is text");
    checks.check("export has a header and every company", 5, csv.trim().lines().count());
    let xlsx = reseller::types::CompanyExportBody { export_type: "xlsx".parse().expect("an export type"), ..export };
    let xlsx = collect(api.export_companies(None, None, &xlsx).await.expect("export").into_inner()).await;
    checks.check("an XLSX export is a zip archive", b"PK".as_slice(), &xlsx[..2]);
    let clients = reseller::types::ClientExportBody {
        // Paging left to its defaults (page 1 of 10), as the vendor's spec allows.
        page_number: None,
        page_size: None,
        order_by: Some("clientId".parse().expect("an order")),
        ascending: Some(true),
        filter: None,
        export_type: "csv".parse().expect("an export type"),
        report_all_pages: None,
    };
    let clients = collect(api.export_clients(None, None, &clients).await.expect("client export").into_inner()).await;
    checks.check("client export starts with its header", true, clients.starts_with(b"Client Name,"));
    let preview = api.preview_company_deletion(&target).await.expect("preview").into_inner();
    checks.check("preview counts offers", 1, preview.data.offers);
    let deleted = api.delete_company(&target, None).await.expect("delete").into_inner();
    checks.check("delete names the company", target.as_str(), deleted.data.resource_id.as_str());
    match api.delete_company(&target, None).await {
        Err(reseller::Error::ErrorResponse(e)) => checks.check(
            "second delete is not found",
            (404, "NOT_FOUND".to_owned()),
            (e.status().as_u16(), e.status.to_string()),
        ),
        other => checks.check("second delete is not found", "404", &*format!("{other:?}")),
    }

    // Session dialect: login -> delete own company; god token -> delete another.
    let jar = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let sessions = session::Client::new_with_client(&base, jar);
    let login = session::types::LoginBody { email: "company1@email.com".into(), password: "password123".into() };
    checks.check("logged in", true, sessions.login(&login).await.is_ok());
    let none = session::types::GodTokenBody { god_token: None };
    let id = |raw: &str| -> session::types::DeleteCompanyCompanyId { raw.parse().expect("a valid company id") };
    let own = sessions.delete_company(&id("43757374306d657230303031"), &none).await.expect("own delete").into_inner();
    checks.check("session delete answers the company", "test-company-1", own.name.as_str());
    let me = sessions.me().await.err().and_then(|e| e.status()).map(|s| s.as_u16());
    checks.check("session ends with the company", Some(401), me);
    let god = session::types::GodTokenBody { god_token: Some("demo-god-token".into()) };
    let gone =
        session::Client::new(&base).delete_company(&id("Cust0mer0003"), &god).await.expect("god delete").into_inner();
    checks.check("god delete", "Contoso Ltd", gone.name.as_str());
    match session::Client::new(&base).delete_company(&id("SubReseller1"), &none).await {
        Err(session::Error::ErrorResponse(e)) => {
            let or: Vec<String> = e.or.iter().map(|o| o.errors[0].msg.clone()).collect();
            checks.check(
                "no credentials is 401 with the gate",
                (401, vec!["must-be-company".to_owned(), "must-be-god".to_owned()]),
                (e.status().as_u16(), or),
            );
        }
        other => checks.check("no credentials is 401", "401", &*format!("{other:?}")),
    }

    println!("rust-sdk: {} passed, {} failed", checks.passed, checks.failed);
    std::process::exit(if checks.failed == 0 { 0 } else { 1 });
}

/// The whole of a streamed answer.
async fn collect(stream: progenitor_client::ByteStream) -> Vec<u8> {
    use futures_util::TryStreamExt;
    let chunks: Vec<_> = stream.into_inner().try_collect().await.expect("the whole answer");
    chunks.concat()
}
