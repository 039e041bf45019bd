//! Requests the vendor's docs and spec (ucarozan/keepnet-docs) make, taken as the vendor takes
//! them: each variant answered 200 with what it asks for.
use reqwest::multipart::Part;
use serde_json::{Value, json};

use crate::company_writes::form;
use crate::test_app::{Db, TestApp, json, spawn_app};

async fn post_as(app: &TestApp, token: &str, path: &str, content_type: &str, body: &str) -> reqwest::Response {
    let request = app.client.post(app.url(path)).bearer_auth(token).header("Content-Type", content_type);
    request.body(body.to_owned()).send().await.unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    json(post_as(app, token, path, "application/json", &body.to_string()).await).await
}

fn ids(page: &Value) -> Vec<String> {
    let rows = page["data"]["results"].as_array().unwrap_or_else(|| panic!("a page: {page}"));
    rows.iter().map(|r| r["companyResourceId"].as_str().or(r["resourceId"].as_str()).unwrap().to_owned()).collect()
}

async fn the_vendors_documented_request_variants_are_answered(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let search = |order: &str| json!({"pageNumber": 1, "pageSize": 10, "orderBy": order, "ascending": true});

    // `orderBy` in any letter case, and `RenewalDate` for the licence end date.
    let (status, by_end) = post(&app, &acme, "/api/companies/search", &search("LicenseEndDate")).await;
    assert_eq!(status, 200, "{by_end}");
    for order in ["RenewalDate", "renewalDate", "licenseenddate"] {
        let (status, page) = post(&app, &acme, "/api/companies/search", &search(order)).await;
        assert_eq!((status, ids(&page)), (200, ids(&by_end)), "{order}: {page}");
    }
    let (_, by_name) = post(&app, &acme, "/api/companies/search", &search("CompanyName")).await;
    let (status, page) = post(&app, &acme, "/api/companies/search", &search("companyName")).await;
    assert_eq!((status, ids(&page)), (200, ids(&by_name)), "{page}");

    // A JSON body sent as `text/json` or `application/*+json`, as the spec lists them.
    for content_type in ["text/json", "application/json-patch+json", "Text/JSON; charset=utf-8"] {
        let body = search("CompanyName").to_string();
        let (status, page) = json(post_as(&app, &acme, "/api/companies/search", content_type, &body).await).await;
        assert_eq!((status, ids(&page)), (200, ids(&by_name)), "{content_type}: {page}");
    }

    // `exportType: "Excel"` (the docs' spelling), in any case: the spreadsheet.
    for export_type in ["Excel", "excel", "EXCEL"] {
        let mut body = search("CompanyName");
        body["exportType"] = json!(export_type);
        let answer = post_as(&app, &acme, "/api/companies/search/export", "application/json", &body.to_string()).await;
        assert_eq!(answer.status(), 200, "{export_type}");
        let disposition = answer.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains(".xlsx"), "{export_type}: {disposition}");
        assert!(answer.bytes().await.unwrap().starts_with(b"PK"), "{export_type}: a zip (XLSX)");
    }

    // Client search and export with nothing required: no `orderBy`, `orderBy: null`, `{}`, `null`.
    let scoped = |path: &str, body: &str| {
        let request = app.client.post(app.url(path)).bearer_auth(&acme).header("X-KEEPNET-Company-Id", "Cust0mer0001");
        request.header("Content-Type", "application/json").body(body.to_owned()).send()
    };
    let (status, newest_first) = json(scoped("/api/companies/clients/search", "{}").await.unwrap()).await;
    assert_eq!(status, 200, "{newest_first}");
    assert_eq!(newest_first["data"]["pageNumber"], 1, "{newest_first}");
    assert_eq!(newest_first["data"]["pageSize"], 10, "{newest_first}");
    let explicit = r#"{"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": false}"#;
    let (_, expected) = json(scoped("/api/companies/clients/search", explicit).await.unwrap()).await;
    assert!(!ids(&expected).is_empty(), "{expected}");
    for body in ["null", "{}", r#"{"pageNumber": 1, "pageSize": 10}"#, r#"{"orderBy": null, "ascending": null}"#] {
        let (status, page) = json(scoped("/api/companies/clients/search", body).await.unwrap()).await;
        assert_eq!((status, ids(&page)), (200, ids(&expected)), "{body}: {page}");
    }
    let (status, by_id) =
        json(scoped("/api/companies/clients/search", r#"{"orderBy": "clientid", "ascending": true}"#).await.unwrap())
            .await;
    assert_eq!(status, 200, "{by_id}");
    let answer = scoped("/api/companies/clients/search/export", r#"{"exportType": "Csv"}"#).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap().lines().count(), ids(&expected).len() + 1, "a header and every client");

    // `WebsiteUrl` up to 2 000 characters, as the vendor allows.
    let url = format!("https://example.com/{}", "a".repeat(1980));
    let created = app.create_company(&acme, form("Long Website").text("WebsiteUrl", url.clone())).await;
    let answer = app.client.get(app.url(&format!("/api/companies/{created}"))).bearer_auth(&acme).send();
    let (status, company) = json(answer.await.unwrap()).await;
    assert_eq!((status, company["data"]["websiteUrl"].as_str()), (200, Some(url.as_str())), "{company}");
    let too_long = form("Longer Website").text("WebsiteUrl", "a".repeat(2001));
    let request = app.client.post(app.url("/api/companies")).bearer_auth(&acme).multipart(too_long);
    let (status, refused) = json(request.send().await.unwrap()).await;
    assert_eq!((status, refused["status"].as_str()), (400, Some("INPUT_ERROR")), "{refused}");

    // `my/search` text of any length.
    let (status, page) = post(&app, &acme, "/api/companies/my/search", &json!({"text": "x".repeat(1000)})).await;
    assert_eq!((status, page["data"]["totalNumberOfRecords"].as_i64()), (200, Some(0)), "{page}");
}

async fn scoped_reads_refuse_a_company_the_caller_does_not_manage(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    for path in ["/api/roles", "/api/companies/clients/generate-client-credentials"] {
        let get = |token: &str, scope: Option<&str>| {
            let request = app.client.get(app.url(path)).bearer_auth(token);
            match scope {
                Some(scope) => request.header("X-KEEPNET-Company-Id", scope),
                None => request,
            }
            .send()
        };
        for (token, scope, expected) in [
            (&acme, None, 200),
            (&acme, Some("Cust0mer0003"), 200),
            (&acme, Some("OtherCust001"), 403),
            (&acme, Some("NoSuchCompny"), 404),
            (&admin, None, 200),
            (&admin, Some("Cust0mer0001"), 200),
            (&admin, Some("Cust0mer0002"), 403),
        ] {
            let (status, reply) = json(get(token, scope).await.unwrap()).await;
            assert_eq!(status, expected, "{path} {scope:?}: {reply}");
            if expected == 403 {
                assert_eq!(reply["status"], "FORBIDDEN", "{reply}");
            }
        }
    }
}

async fn a_malformed_path_parameter_is_named_as_the_spec_names_it(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    for number in ["abc", "99999999999", "1.5"] {
        let path = format!("/api/companies/getcompany/{number}");
        let (status, reply) = json(app.client.get(app.url(&path)).bearer_auth(&acme).send().await.unwrap()).await;
        assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")), "{reply}");
        let message = reply["validationMessages"][0].as_str().unwrap();
        assert_eq!(message, "'companyId' must be an integer from -2147483648 to 2147483647", "{reply}");
    }
}

async fn an_uploaded_logo_is_shown_by_the_address_that_serves_it(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
    let logo = Part::bytes(png.to_vec()).file_name("logo.png");
    let id = app.create_company(&acme, form("Logo Holder").part("File", logo)).await;
    let address = format!("/api/companies/{id}/logo");
    let answer = app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).send();
    let (_, company) = json(answer.await.unwrap()).await;
    assert_eq!(company["data"]["logoUrl"], address.as_str(), "{company}");
    let (_, mine) = post(&app, &acme, "/api/companies/my/search", &json!({"text": "logo holder"})).await;
    assert_eq!(mine["data"]["results"][0]["logoUrl"], address.as_str(), "{mine}");
    let (_, tree) = json(app.client.get(app.url("/api/companies/my")).bearer_auth(&acme).send().await.unwrap()).await;
    let text = tree.to_string();
    assert!(text.contains(&format!("\"logoUrl\":\"{address}\"")) && !text.contains("data:image"), "{text}");
    // The address serves the image.
    let (status, served) = json(app.client.get(app.url(&address)).bearer_auth(&acme).send().await.unwrap()).await;
    assert_eq!((status, served["data"]["fileName"].as_str()), (200, Some(format!("{id}.png").as_str())), "{served}");

    // A token of the company's own client says where its logo is, and its industry.
    let client = json!({"name": "Own", "clientId": "logo-holder", "clientSecret": "logo-s3cret-value", "statusId": 1,
                        "hasIpAddressRestriction": false, "allowedIpAddresses": [], "roleResourceIdList": ["RoleCompAdmn"]});
    let request = app.client.post(app.url("/api/companies/clients")).bearer_auth(&acme);
    let (status, created) = json(request.header("X-KEEPNET-Company-Id", &id).json(&client).send().await.unwrap()).await;
    assert_eq!(status, 200, "{created}");
    let token = app.token("logo-holder", "logo-s3cret-value").await;
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["user_company_logopath"], address.as_str(), "{claims}");
    assert_eq!(claims["user_company_industry_name"], "Technology", "{claims}");
    // A logo held at an address: that address.
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let payload = admin.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["user_company_logopath"], "https://one.example/logo.png", "{claims}");
}

/// `PUT /api/companies/limited`: the vendor's profile form, for your own company or (as a
/// Reseller) one you manage.
async fn a_company_profile_is_changed_with_the_limited_form(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let profile = |id: &str, name: &str| {
        reqwest::multipart::Form::new()
            .text("ResourceId", id.to_owned())
            .text("Name", name.to_owned())
            .text("IndustryResourceId", "industry0002")
            .text("CountryResourceId", "country00001")
            .text("Description", "A profile")
            .text("WebsiteUrl", "https://profile.example")
            .text("PreferredLanguageTypeResourceId", "en")
    };
    let put = async |token: &str, form: reqwest::multipart::Form| {
        let request = app.client.put(app.url("/api/companies/limited")).bearer_auth(token).multipart(form);
        json(request.send().await.unwrap()).await
    };
    // A Company Admin edits its own company: the profile changes, the licence and tags stay.
    let (status, reply) = put(&admin, profile("Cust0mer0001", "Renamed One")).await;
    assert_eq!((status, reply["data"]["resourceId"].as_str()), (200, Some("Cust0mer0001")), "{reply}");
    let answer = app.client.get(app.url("/api/companies/Cust0mer0001")).bearer_auth(&acme).send();
    let (_, company) = json(answer.await.unwrap()).await;
    let c = &company["data"];
    assert_eq!(
        (c["name"].as_str(), c["industryName"].as_str(), c["countryResourceId"].as_str(), c["description"].as_str()),
        (Some("Renamed One"), Some("Finance"), Some("country00001"), Some("A profile")),
        "{company}"
    );
    assert_eq!((c["tags"].clone(), c["numberOfUsers"].as_i64()), (json!(["emea"]), Some(2)), "{company}");
    assert_eq!(c["logoUrl"], "https://one.example/logo.png", "the logo stays without a File");
    // Searches see the new name at once.
    let by_name = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
                         "filter": {"FilterGroups": [{"FilterItems": [
                             {"FieldName": "CompanyName", "Operator": "Contains", "Value": "renamed"}]}]}});
    let (_, found) = post(&app, &acme, "/api/companies/search", &by_name).await;
    assert_eq!(ids(&found), ["Cust0mer0001"], "{found}");
    // Who may edit which company, and the order of checks.
    for (token, id, expected) in [
        (&admin, "Cust0mer0002", 403),
        (&acme, "Cust0mer0003", 200),
        (&acme, "OtherCust001", 403),
        (&acme, "NoSuchCompny", 404),
    ] {
        let (status, reply) = put(token, profile(id, "Edited")).await;
        assert_eq!(status, expected, "{id}: {reply}");
    }
    let (status, reply) = put(&acme, profile("", "Nameless")).await;
    assert_eq!((status, reply["validationMessages"].clone()), (400, json!(["ResourceId is required"])), "{reply}");
    let bad = reqwest::multipart::Form::new().text("ResourceId", "Cust0mer0002").text("IndustryResourceId", "nope");
    let (status, reply) = put(&acme, bad).await;
    assert_eq!(status, 400, "{reply}");
    let lines = reply["validationMessages"].as_array().unwrap();
    assert_eq!(lines.len(), 3, "name and country missing, an unknown industry: {reply}");
}

/// `POST /api/companies/licenseexpirydate`: one licence period after the start.
async fn a_licence_end_follows_from_its_start_and_period(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let yearly = app.create_company(&acme, form("Yearly Licence")).await;
    let ask = async |scope: Option<&str>, body: Value| {
        let mut request = app.client.post(app.url("/api/companies/licenseexpirydate")).bearer_auth(&acme);
        if let Some(scope) = scope {
            request = request.header("X-KEEPNET-Company-Id", scope);
        }
        json(request.json(&body).send().await.unwrap()).await
    };
    let (status, reply) = ask(Some(&yearly), json!({"licenseStartDate": "2026-01-31T00:00:00Z"})).await;
    assert_eq!(
        (status, reply["data"]["licenseExpiryDate"].as_str()),
        (200, Some("2027-01-31T00:00:00+00:00")),
        "{reply}"
    );
    let (status, reply) = ask(Some(&yearly), json!({"licenseStartDate": "2028-02-29"})).await;
    assert_eq!(
        (status, reply["data"]["licenseExpiryDate"].as_str()),
        (200, Some("2029-02-28T00:00:00+00:00")),
        "{reply}"
    );
    // The caller's own company has no licence period: no end.
    let (status, reply) = ask(None, json!({"licenseStartDate": "2026-01-31T00:00:00Z"})).await;
    assert_eq!((status, reply["data"]["licenseExpiryDate"].clone()), (200, Value::Null), "{reply}");
    let (status, _) = ask(Some("OtherCust001"), json!({"licenseStartDate": "2026-01-31T00:00:00Z"})).await;
    assert_eq!(status, 403);
    let (status, reply) = ask(Some(&yearly), json!({"licenseStartDate": "soon"})).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")), "{reply}");
}

/// The create-company form's reference data at the vendor's paths: the code types, then each
/// type's rows, the same as `/api/industries` and its siblings.
async fn the_forms_lookups_are_served_at_the_vendors_paths(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let get = async |path: &str| json(app.client.get(app.url(path)).bearer_auth(&admin).send().await.unwrap()).await;
    let (status, types) = get("/api/codetypes").await;
    assert_eq!(status, 200, "{types}");
    let types: Vec<(i64, String)> = types["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["name"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(types.len(), 4, "{types:?}");
    for (path, type_name) in [
        ("/api/industries", "Industry"),
        ("/api/countries", "Country"),
        ("/api/license-types", "LicenseType"),
        ("/api/license-period-types", "LicensePeriodType"),
    ] {
        let (_, listed) = get(path).await;
        let expected: Vec<(String, String)> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["resourceId"].as_str().unwrap().to_owned(), r["name"].as_str().unwrap().to_owned()))
            .collect();
        let type_id = types.iter().find(|(_, name)| name == type_name).unwrap_or_else(|| panic!("{type_name}")).0;
        let (status, lookups) = get(&format!("/api/lookups/{type_id}")).await;
        assert_eq!(status, 200, "{lookups}");
        let rows = lookups["data"].as_array().unwrap();
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r["resourceId"].as_str().unwrap().to_owned(), r["name"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(got, expected, "{type_name}");
        assert!(rows.iter().all(|r| r["genericCodeTypeId"] == type_id && r["genericCodeTypeName"] == type_name));
        assert_eq!(
            rows.iter().map(|r| r["orderNumber"].as_i64().unwrap()).collect::<Vec<_>>(),
            (1..=got.len() as i64).collect::<Vec<_>>()
        );
    }
    // Several types at once, by name and by id, each once.
    let (status, both) =
        post(&app, &admin, "/api/lookups", &json!({"typeName": "country", "typeIdList": [1, 2]})).await;
    assert_eq!(status, 200, "{both}");
    let kinds: Vec<&str> =
        both["data"].as_array().unwrap().iter().map(|r| r["genericCodeTypeName"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "Country").count(), 8, "{both}");
    assert_eq!(kinds.iter().filter(|k| **k == "Industry").count(), 8, "{both}");
    assert_eq!(kinds.first(), Some(&"Country"), "in the order asked");
    // What names no type.
    let (status, reply) = get("/api/lookups/99").await;
    assert_eq!((status, reply["status"].as_str()), (404, Some("NOT_FOUND")), "{reply}");
    let (status, reply) =
        post(&app, &admin, "/api/lookups", &json!({"typeName": "Colour", "typeIdList": [1, 7]})).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["validationMessages"],
        json!(["'typeName' names no lookup type: Colour", "'typeIdList' names no lookup type: 7"])
    );
    let answer = app.client.get(app.url("/api/codetypes")).send().await.unwrap();
    assert_eq!(answer.status(), 401);
}

crate::on_both_databases!(
    the_vendors_documented_request_variants_are_answered,
    scoped_reads_refuse_a_company_the_caller_does_not_manage,
    a_malformed_path_parameter_is_named_as_the_spec_names_it,
    an_uploaded_logo_is_shown_by_the_address_that_serves_it,
    a_company_profile_is_changed_with_the_limited_form,
    a_licence_end_follows_from_its_start_and_period,
    the_forms_lookups_are_served_at_the_vendors_paths,
);
