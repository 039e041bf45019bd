//! The rest of the vendor's company-lookup family: `POST /api/companies/my/search`,
//! `GET /api/companies/{id}/license-check`, `GET /api/companies/{id}/logo` and the two exports.
use std::io::Read;

use base64::Engine;
use reqwest::multipart::Part;
use serde_json::{Value, json};

use crate::company_writes::form_with_users;
use crate::test_app::{Db, TestApp, json, spawn_app};

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json(app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client.post(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn licence_checks_count_active_users_against_a_limited_licence(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    // test-company-1: limited to 2 users, 3 active target users and 1 inactive.
    let (status, reply) = get(&app, &acme, "/api/companies/Cust0mer0001/license-check").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["data"],
        json!({"isLimited": true, "licenseLimit": 2, "activeUserCount": 3, "totalUserCount": 4,
               "isLicenseExceeded": true})
    );
    // Its own Company Admin reads the same.
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (_, own) = get(&app, &admin, "/api/companies/Cust0mer0001/license-check").await;
    assert_eq!(own["data"], reply["data"]);
    // A deleted target user counts nowhere.
    let (_, two) = get(&app, &acme, "/api/companies/Cust0mer0002/license-check").await;
    assert_eq!((two["data"]["activeUserCount"].as_i64(), two["data"]["totalUserCount"].as_i64()), (Some(0), Some(0)));
    assert_eq!(two["data"]["isLicenseExceeded"], false);
    // Raising the limit clears the excess at once; the search agrees.
    let raise = app
        .client
        .put(app.url("/api/companies/Cust0mer0001"))
        .bearer_auth(&acme)
        .multipart(form_with_users("test-company-1", "3"))
        .send()
        .await
        .unwrap();
    assert_eq!(raise.status(), 200);
    let (_, after) = get(&app, &acme, "/api/companies/Cust0mer0001/license-check").await;
    assert_eq!(
        (after["data"]["licenseLimit"].as_i64(), after["data"]["isLicenseExceeded"].as_bool()),
        (Some(3), Some(false))
    );
    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true,
                        "isTargetUserCountExceededLimit": true});
    let (_, exceeded) = json(app.search(&acme, &search).await).await;
    let listed = exceeded["data"]["results"].as_array().unwrap();
    assert!(listed.iter().all(|c| c["companyResourceId"] != "Cust0mer0001"), "{exceeded}");
    let (status, _) = get(&app, &acme, "/api/companies/NoSuchCompny/license-check").await;
    assert_eq!(status, 404);
}

async fn a_logo_is_answered_as_the_stored_image_with_its_type(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let logo = Part::bytes(PNG.to_vec()).file_name("logo.png").mime_str("image/png").unwrap();
    let id = app.create_company(&acme, form_with_users("Logo Customer", "25").part("File", logo)).await;
    let (status, reply) = get(&app, &acme, &format!("/api/companies/{id}/logo")).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["data"]["fileName"].as_str(), Some(format!("{id}.png").as_str()));
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(reply["data"]["fileContent"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, PNG);
    // A logo held at an address: its file name, no content.
    let (_, one) = get(&app, &acme, "/api/companies/Cust0mer0001/logo").await;
    assert_eq!(one["data"], json!({"fileName": "logo.png", "fileContent": null}));
    // No logo at all.
    let (_, two) = get(&app, &acme, "/api/companies/Cust0mer0002/logo").await;
    assert_eq!(two["data"], json!({"fileName": null, "fileContent": null}));
    // The rules of reading the company.
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (status, _) = get(&app, &admin, &format!("/api/companies/{id}/logo")).await;
    assert_eq!(status, 403);
}

fn names(reply: &Value) -> Vec<&str> {
    reply["data"]["results"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

async fn my_search_lists_the_companies_a_caller_may_act_as(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let my_search = |token: String, body: Value| {
        let app = &app;
        async move { json(post(app, &token, "/api/companies/my/search", &body).await).await }
    };
    // Its own company and every company it manages, by name.
    let (status, all) = my_search(acme.clone(), json!({})).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        names(&all),
        ["Acme Security Reseller", "Contoso Ltd", "Northwind Sub-Reseller", "test-company-1", "test-company-2"]
    );
    assert_eq!((all["data"]["totalNumberOfRecords"].as_i64(), all["data"]["pageSize"].as_i64()), (Some(5), Some(10)));
    let first = &all["data"]["results"][0];
    assert_eq!(first["resourceId"], "xC5kfGz7w2Nz");
    for field in
        ["logoUrl", "privacyDurationId", "licenceExpired", "privacyDurationStartTime", "privacyDurationEndTime"]
    {
        assert!(first.get(field).is_some(), "{field} missing: {first}");
    }
    // The vendor's `text`, case-insensitively, and pages.
    let (_, found) = my_search(acme.clone(), json!({"text": "TEST-company"})).await;
    assert_eq!(names(&found), ["test-company-1", "test-company-2"]);
    let (_, page) = my_search(acme.clone(), json!({"text": "", "pageNumber": 3, "pageSize": 2})).await;
    assert_eq!(names(&page), ["test-company-2"]);
    assert_eq!(page["data"]["totalNumberOfPages"].as_i64(), Some(3));
    let (_, past) = my_search(acme.clone(), json!({"pageNumber": 9, "pageSize": 2})).await;
    assert_eq!((names(&past).len(), past["data"]["totalNumberOfRecords"].as_i64()), (0, Some(5)));
    // Another reseller's tree is not listed; a Company Admin acts as its own company only.
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    let (_, theirs) = my_search(globex, json!({"text": "o"})).await;
    assert_eq!(names(&theirs), ["Globex Customer", "Globex Reseller"]);
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (_, own) = my_search(admin.clone(), json!({})).await;
    assert_eq!(names(&own), ["test-company-1"]);
    let (_, none) = my_search(admin, json!({"text": "contoso"})).await;
    assert_eq!((names(&none).len(), none["data"]["totalNumberOfRecords"].as_i64()), (0, Some(0)));
    // Every problem of the body, in the envelope.
    let (status, bad) =
        my_search(acme.clone(), json!({"text": "x".repeat(300), "pageNumber": 0, "pageSize": 101})).await;
    assert_eq!((status, bad["status"].as_str()), (400, Some("INPUT_ERROR")));
    let lines: Vec<&str> = bad["validationMessages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(
        lines,
        ["'pageNumber' must be an integer from 1 to 10000000", "'pageSize' must be an integer from 1 to 100"],
    );
    // A text of any length is taken, as the vendor's spec has it; one longer than any name
    // matches none.
    let (status, long) = my_search(acme.clone(), json!({"text": "x".repeat(300)})).await;
    assert_eq!((status, long["data"]["totalNumberOfRecords"].as_i64()), (200, Some(0)), "{long}");
    let (status, long) = my_search(acme, json!({"text": "Contoso".repeat(36)})).await;
    assert_eq!((status, names(&long).len()), (200, 0), "{long}");
}

/// The rows of a CSV export, header first.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines().map(|line| line.split(',').map(str::to_owned).collect()).collect()
}

/// The text of each cell of an XLSX export's worksheet, row by row.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX file is a zip archive");
    let mut sheet = String::new();
    archive.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    sheet
        .split("<row ")
        .skip(1)
        .map(|row| {
            row.split("<c ")
                .skip(1)
                .map(|cell| {
                    let inner = |open: &str, close: &str| {
                        cell.split_once(open).and_then(|(_, rest)| rest.split_once(close)).map(|(v, _)| v.to_owned())
                    };
                    inner("<t>", "</t>").or_else(|| inner("<v>", "</v>")).unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

async fn exports_hold_every_matching_company_in_the_searchs_order(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    // A name a spreadsheet would run as a formula.
    let formula = app.create_company(&acme, form_with_users("=HYPERLINK(\"x\")", "25")).await;
    let search = json!({"pageNumber": 1, "pageSize": 100, "orderBy": "CompanyName", "ascending": false});
    let (_, listed) = json(app.search(&acme, &search).await).await;
    let ids: Vec<&str> = listed["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["companyResourceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);

    let mut body = search.clone();
    body["exportType"] = json!("csv");
    body["reportAllPages"] = json!(true);
    let response = post(&app, &acme, "/api/companies/search/export", &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"companies-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let rows = csv_rows(&response.text().await.unwrap());
    assert_eq!(rows[0][..2], ["Company Name", "Company Resource Id"]);
    let exported: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(exported, ids, "every row, in the search's order");
    let row = rows.iter().find(|r| r[1] == formula).unwrap();
    assert_eq!(row[0], "\"'=HYPERLINK(\"\"x\"\")\"", "written as text");

    // Without reportAllPages: the page the body names.
    body["reportAllPages"] = json!(false);
    body["pageNumber"] = json!(2);
    body["pageSize"] = json!(2);
    let page = csv_rows(&post(&app, &acme, "/api/companies/search/export", &body).await.text().await.unwrap());
    let exported: Vec<&str> = page[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(exported, ids[2..4]);

    // XLSX: the same rows in a worksheet.
    body["exportType"] = json!("XLSX");
    body["reportAllPages"] = json!(true);
    let response = post(&app, &acme, "/api/companies/search/export", &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let sheet = xlsx_rows(&response.bytes().await.unwrap());
    assert_eq!(sheet[0][0], "Company Name");
    let exported: Vec<&str> = sheet[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(exported, ids);

    // A filter narrows the export as it narrows the search; the scope header likewise.
    let narrowed = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
                          "exportType": "CSV", "reportAllPages": true,
                          "filter": {"SearchInputTextValue": "test-company"}});
    let rows = csv_rows(&post(&app, &acme, "/api/companies/search/export", &narrowed).await.text().await.unwrap());
    assert_eq!(rows[1..].iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["Cust0mer0001", "Cust0mer0002"]);
    let scoped = app
        .client
        .post(app.url("/api/companies/search/export"))
        .bearer_auth(&acme)
        .header("X-KEEPNET-Company-Id", "SubReseller1")
        .json(&body.clone())
        .send()
        .await
        .unwrap();
    let sheet = xlsx_rows(&scoped.bytes().await.unwrap());
    assert_eq!(
        sheet[1..].iter().map(|r| r[1].as_str()).collect::<Vec<_>>(),
        ["SubReseller1", "Cust0mer0003"],
        "by name, descending"
    );

    // Every problem of the body at once, as the search reports them plus the export's own.
    let bad = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "Colour", "ascending": true, "exportType": "pdf"});
    let (status, reply) = json(post(&app, &acme, "/api/companies/search/export", &bad).await).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")));
    let lines: Vec<&str> =
        reply["validationMessages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("'orderBy' must be one of"), "{lines:?}");
    assert_eq!(lines[1], "'exportType' must be CSV, XLSX or Excel");
}

async fn client_exports_hold_a_companys_clients(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let search = json!({"pageNumber": 1, "pageSize": 100, "orderBy": "ClientId", "ascending": true});
    let (_, listed) = json(post(&app, &acme, "/api/companies/clients/search", &search).await).await;
    let ids: Vec<&str> =
        listed["data"]["results"].as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    assert!(!ids.is_empty());
    let mut body = search.clone();
    body["exportType"] = json!("CSV");
    body["reportAllPages"] = json!(true);
    let response = post(&app, &acme, "/api/companies/clients/search/export", &body).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("filename=\"clients-"), "{disposition}");
    let rows = csv_rows(&response.text().await.unwrap());
    assert_eq!(rows[0], ["Client Name", "Resource Id", "Client Id", "Role", "Status", "Create Time"]);
    assert_eq!(rows[1..].iter().map(|r| r[2].as_str()).collect::<Vec<_>>(), ids);
    assert!(rows[1..].iter().all(|r| r[3] == "Reseller" || r[3] == "Company Admin"));
    // A managed company's clients, through the scope header, as XLSX.
    body["exportType"] = json!("xlsx");
    let scoped = app
        .client
        .post(app.url("/api/companies/clients/search/export"))
        .bearer_auth(&acme)
        .header("X-KEEPNET-Company-Id", "Cust0mer0001")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(scoped.status(), 200);
    let sheet = xlsx_rows(&scoped.bytes().await.unwrap());
    assert_eq!(sheet[1..].iter().map(|r| r[2].as_str()).collect::<Vec<_>>(), ["company1-admin"]);
    // Not a company it manages: the search's refusal, in the envelope.
    let (status, reply) = json(
        app.client
            .post(app.url("/api/companies/clients/search/export"))
            .bearer_auth(&acme)
            .header("X-KEEPNET-Company-Id", "OtherCust001")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, reply["status"].as_str()), (403, Some("FORBIDDEN")));
}

crate::on_both_databases!(
    licence_checks_count_active_users_against_a_limited_licence,
    a_logo_is_answered_as_the_stored_image_with_its_type,
    my_search_lists_the_companies_a_caller_may_act_as,
    exports_hold_every_matching_company_in_the_searchs_order,
    client_exports_hold_a_companys_clients,
);
