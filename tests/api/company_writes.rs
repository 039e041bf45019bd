//! `POST /api/companies`, `PUT /api/companies/{id}` (multipart) and the reference tables.
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::test_app::{Db, TestApp, company_name, json, spawn_app};

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

/// A complete, valid company form.
pub(crate) fn form(name: &str) -> Form {
    form_with_users(name, "25")
}

/// The same form with another (limited) number of users.
pub(crate) fn form_with_users(name: &str, users: &str) -> Form {
    form_with(name, users, "2030-01-31")
}

/// The same form with another number of users and licence end date.
pub(crate) fn form_with(name: &str, users: &str, license_end: &str) -> Form {
    Form::new()
        .text("Name", name.to_owned())
        .text("IndustryResourceId", "industry0001")
        .text("CountryResourceId", "country00003")
        .text("LicenseTypeResourceId", "licenseType2")
        .text("LicensePeriodTypeResourceId", "licPeriod002")
        .text("NumberOfUsers", users.to_owned())
        .text("TimeZoneId", "Europe/Lisbon")
        .text("DateFormat", "dd/MM/yyyy")
        .text("TimeFormat", "HH:mm")
        .text("IsNumberOfUsersLimited", "true")
        .text("LicenseEndDate", license_end.to_owned())
        .text("Tags[]", "emea")
        .text("Tags[]", "pilot")
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str, form: Form) -> (u16, Value) {
    json(app.client.request(method, app.url(path)).bearer_auth(token).multipart(form).send().await.unwrap()).await
}

async fn a_reseller_creates_and_changes_a_company_with_a_multipart_form(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let logo = Part::bytes(PNG.to_vec()).file_name("logo.png").mime_str("image/png").unwrap();
    let (status, reply) =
        send(&app, reqwest::Method::POST, "/api/companies", &acme, form("New Customer").part("File", logo)).await;
    assert_eq!(status, 200, "{reply}");
    let id = reply["data"]["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 12);
    let (status, company) =
        json(app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let dto = &company["data"];
    assert_eq!(dto["name"].as_str(), Some("New Customer"));
    let parent = format!("/api/companies/getcompany/{}", dto["parentId"].as_i64().expect("parentId"));
    let (status, parent) = json(app.client.get(app.url(&parent)).bearer_auth(&acme).send().await.unwrap()).await;
    assert_eq!((status, parent["data"]["item1"].as_str()), (200, Some("xC5kfGz7w2Nz")), "created under the caller");
    assert_eq!(
        (dto["industryName"].as_str(), dto["countryName"].as_str(), dto["licenseTypeName"].as_str()),
        (Some("Technology"), Some("Portugal"), Some("Standard"))
    );
    assert_eq!((dto["numberOfUsers"].as_i64(), dto["isNumberOfUsersLimited"].as_bool()), (Some(25), Some(true)));
    assert_eq!(dto["tags"], serde_json::json!(["emea", "pilot"]));
    assert_eq!(dto["logoUrl"].as_str(), Some(format!("/api/companies/{id}/logo").as_str()), "{dto}");

    let (status, _) = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/companies/{id}"),
        &acme,
        form("Renamed Customer").text("Tags[]", "extra"),
    )
    .await;
    assert_eq!(status, 200);
    let (_, company) =
        json(app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).send().await.unwrap()).await;
    assert_eq!(company["data"]["name"], "Renamed Customer");
    assert_eq!(company["data"]["tags"], serde_json::json!(["emea", "extra", "pilot"]));
    let logo = format!("/api/companies/{id}/logo");
    assert_eq!(company["data"]["logoUrl"].as_str(), Some(logo.as_str()), "the logo stays without a new File");
    let (_, served) = json(app.client.get(app.url(&logo)).bearer_auth(&acme).send().await.unwrap()).await;
    assert_eq!(served["data"]["fileName"].as_str(), Some(format!("{id}.png").as_str()), "{served}");
    // The new company shows up in search, managed by Acme.
    let body = serde_json::json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
        "filter": {"SearchInputTextValue": "renamed"}});
    let (_, reply) = json(app.search(&acme, &body).await).await;
    assert_eq!(reply["data"]["results"][0]["companyResourceId"], id.as_str());
}

async fn every_invalid_field_of_the_form_is_listed(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let bad = Form::new()
        .text("Name", "x".repeat(65))
        .text("IndustryResourceId", "nope")
        .text("NumberOfUsers", "many")
        .text("LicenseEndDate", "someday")
        .text("IsNumberOfUsersLimited", "perhaps")
        .part("File", Part::bytes(b"not an image".to_vec()).file_name("x.png"));
    let (status, reply) = send(&app, reqwest::Method::POST, "/api/companies", &acme, bad).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")));
    let lines: Vec<&str> =
        reply["validationMessages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    for expected in [
        "NumberOfUsers must be a whole number",
        "LicenseEndDate must be a date (YYYY-MM-DD or RFC 3339)",
        "IsNumberOfUsersLimited must be true or false",
        "CountryResourceId is required",
        "TimeZoneId is required",
        "Name must be 1 to 64 characters",
        "File must be a PNG, JPEG, GIF or WebP image",
        "IndustryResourceId 'nope' does not exist",
    ] {
        assert!(lines.contains(&expected), "{expected:?} missing from {lines:#?}");
    }
    let big = form("Big Logo").part("File", Part::bytes([PNG, &vec![0u8; 1024 * 1024]].concat()).file_name("big.png"));
    let (status, reply) = send(&app, reqwest::Method::POST, "/api/companies", &acme, big).await;
    assert_eq!((status, reply["validationMessages"][0].as_str()), (400, Some("File must be at most 1 MiB")));
    let json_body = app
        .client
        .post(app.url("/api/companies"))
        .bearer_auth(&acme)
        .json(&serde_json::json!({"Name": "x"}))
        .send()
        .await
        .unwrap();
    let (status, reply) = json(json_body).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")));
    assert_eq!(app.count_all("companies").await, 7, "nothing was created");
}

async fn only_resellers_write_and_only_companies_they_manage(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    assert_eq!(send(&app, reqwest::Method::POST, "/api/companies", &admin, form("No")).await.0, 403);
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/companies/Cust0mer0001", &admin, form("No")).await.0, 403);
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/companies/OtherCust001", &acme, form("No")).await.0, 403);
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/companies/NoSuchCompny", &acme, form("No")).await.0, 404);
    // Existence and management are judged before the form.
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/companies/OtherCust001", &acme, Form::new()).await.0, 403);
}

async fn the_reference_tables_are_readable(db: Db) {
    let app = spawn_app(db).await;
    let token = app.token("company1-admin", "c1-s3cret").await;
    for (path, some) in [
        ("/api/industries", "Technology"),
        ("/api/countries", "Portugal"),
        ("/api/license-types", "Enterprise"),
        ("/api/license-period-types", "Yearly"),
    ] {
        let (status, reply) = json(app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(status, 200);
        assert!(
            reply["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == some && r["resourceId"].as_str().unwrap().len() == 12),
            "{path}"
        );
    }
    assert_eq!(app.client.get(app.url("/api/countries")).send().await.unwrap().status(), 401);
}

/// A company renamed through the gateway reads with its new name on the very next request, in
/// each of 20 rounds of read, read, rename, read.
async fn a_write_is_seen_by_the_next_read(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let path = "/api/companies/Cust0mer0001";
    let name = || async { company_name(&app.client, &app.address, &acme, "Cust0mer0001").await.unwrap() };
    for round in 0..20 {
        name().await;
        name().await;
        let renamed = format!("Renamed {round}");
        assert_eq!(send(&app, reqwest::Method::PUT, path, &acme, form(&renamed)).await.0, 200);
        assert_eq!(name().await, renamed, "round {round}");
    }
}

crate::on_both_databases!(
    a_write_is_seen_by_the_next_read,
    a_reseller_creates_and_changes_a_company_with_a_multipart_form,
    every_invalid_field_of_the_form_is_listed,
    only_resellers_write_and_only_companies_they_manage,
    the_reference_tables_are_readable,
);
