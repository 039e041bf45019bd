//! `POST /api/companies/search`: scope, paging, ordering, the body shapes real clients send.
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, json, spawn_app};

fn body(page: u64, size: u64, order_by: &str, ascending: bool) -> Value {
    json!({"pageNumber": page, "pageSize": size, "orderBy": order_by, "ascending": ascending})
}

async fn names(app: &TestApp, token: &str, body: &Value) -> (Value, Vec<String>) {
    let (status, reply) = json(app.search(token, body).await).await;
    assert_eq!(status, 200, "{reply}");
    let names = reply["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["companyName"].as_str().unwrap().to_owned())
        .collect();
    (reply, names)
}

async fn a_reseller_sees_its_whole_subtree_and_nothing_else(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let (_, mut seen) = names(&app, &acme, &body(1, 100, "CompanyName", true)).await;
    seen.sort();
    assert_eq!(seen, ["Contoso Ltd", "Northwind Sub-Reseller", "test-company-1", "test-company-2"]);
    let northwind = app.token("northwind-reseller", "n0rth-s3cret").await;
    assert_eq!(names(&app, &northwind, &body(1, 100, "CompanyName", true)).await.1, ["Contoso Ltd"]);
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    assert_eq!(names(&app, &globex, &body(1, 100, "CompanyName", true)).await.1, ["Globex Customer"]);
}

async fn paging_counts_pages_and_past_the_end_is_empty(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let (reply, first) = names(&app, &token, &body(1, 3, "CreateTime", true)).await;
    assert_eq!(first, ["Northwind Sub-Reseller", "test-company-1", "test-company-2"]);
    let data = &reply["data"];
    assert_eq!((data["pageNumber"].as_u64(), data["pageSize"].as_u64()), (Some(1), Some(3)));
    assert_eq!((data["totalNumberOfRecords"].as_u64(), data["totalNumberOfPages"].as_u64()), (Some(4), Some(2)));
    assert_eq!(names(&app, &token, &body(2, 3, "CreateTime", true)).await.1, ["Contoso Ltd"]);
    let (reply, past) = names(&app, &token, &body(3, 3, "CreateTime", true)).await;
    assert!(past.is_empty());
    assert_eq!(reply["data"]["totalNumberOfRecords"].as_u64(), Some(4));
    assert_eq!(names(&app, &token, &body(1, 3, "CreateTime", false)).await.1[0], "Contoso Ltd");
}

async fn results_have_the_original_field_names_and_types(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let filter = json!({"Condition": "AND", "SearchInputTextValue": "TEST-COMPANY-1"});
    let mut request = body(1, 10, "TargetUserCount", false);
    request["filter"] = filter;
    let (reply, found) = names(&app, &token, &request).await;
    assert_eq!(found, ["test-company-1"]);
    let company = &reply["data"]["results"][0];
    assert_eq!(company["companyResourceId"], "Cust0mer0001");
    assert_eq!(company["resellerName"], "Acme Security Reseller");
    assert_eq!(company["numberOfUsers"], "2", "a string, as in the original");
    assert_eq!(company["isNumberOfUsersLimited"], true);
    assert_eq!((company["targetUserCount"].as_i64(), company["inactiveTargetUserCount"].as_i64()), (Some(3), Some(1)));
    assert_eq!(company["licenceExpired"], false);
    assert_eq!(company["tags"], json!(["emea"]));
    assert_eq!(company["children"], Value::Null);
    // 3 active users on a limit of 2.
    assert_eq!(reply["data"]["limitExceededCompanyCount"].as_u64(), Some(1));
    let mut expired = body(1, 10, "LicenseEndDate", true);
    expired["filter"] = json!({"searchInputTextValue": "company-2"});
    let (reply, _) = names(&app, &token, &expired).await;
    assert_eq!(reply["data"]["results"][0]["licenceExpired"], true);
    let mut exceeded = body(1, 10, "CreateTime", true);
    exceeded["isTargetUserCountExceededLimit"] = json!(true);
    assert_eq!(names(&app, &token, &exceeded).await.1, ["test-company-1"]);
}

async fn the_vendor_scripts_body_shapes_are_accepted(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    for filter in [
        Value::Null,
        json!({"Condition": "AND", "SearchInputTextValue": ""}),
        json!({"condition": "OR", "filterGroups": []}),
    ] {
        let mut request = body(1, 10, "CreateTime", false);
        request["filter"] = filter;
        let (reply, found) = names(&app, &token, &request).await;
        assert_eq!(found.len(), 4);
        assert_eq!((reply["status"].as_str(), reply["isSuccess"].as_bool()), (Some("SUCCESS"), Some(true)));
    }
}

async fn every_invalid_field_is_listed_and_company_admins_may_not_search(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let bad = json!({"pageNumber": 0, "pageSize": 101, "orderBy": 7, "ascending": "yes", "filter": "x"});
    let (status, reply) = json(app.search(&token, &bad).await).await;
    assert_eq!(status, 400);
    assert_eq!(reply["status"], "INPUT_ERROR");
    assert_eq!(reply["validationMessages"].as_array().unwrap().len(), 5, "{reply}");
    let (status, reply) =
        json(app.search(&token, &json!({"pageNumber": 1, "pageSize": 10, "orderBy": "Nope", "ascending": true})).await)
            .await;
    assert_eq!(status, 400);
    assert_eq!(
        reply["validationMessages"][0],
        "'orderBy' must be one of CreateTime, CompanyName, TargetUserCount, LicenseEndDate, ResellerName, RenewalDate"
    );
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (status, reply) = json(app.search(&admin, &body(1, 10, "CreateTime", true)).await).await;
    assert_eq!((status, reply["status"].as_str()), (403, Some("FORBIDDEN")));
}

crate::on_both_databases!(
    a_reseller_sees_its_whole_subtree_and_nothing_else,
    paging_counts_pages_and_past_the_end_is_empty,
    results_have_the_original_field_names_and_types,
    the_vendor_scripts_body_shapes_are_accepted,
    every_invalid_field_is_listed_and_company_admins_may_not_search,
);
