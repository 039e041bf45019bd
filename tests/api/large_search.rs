//! Search over 10 000 managed companies answers a filtered page from SQL, loading only that page.
//! (How fast is measured by `scripts/bench`, not here.)
use serde_json::json;

use crate::test_app::{Db, TestApp, json, spawn_app};

async fn rows_loaded(app: &TestApp) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix("companygate_search_rows_loaded_total ")).unwrap().parse().unwrap()
}

async fn a_filtered_page_of_ten_thousand_companies_loads_only_the_page(db: Db) {
    let app = spawn_app(db).await;
    let base = chrono::Utc::now();
    let companies: Vec<_> = (0..10_000)
        .map(|n: i64| {
            json!({"resourceId": format!("Bulk{n:08}"), "name": format!("Bulk customer {n:05}"),
                   "parent": if n % 2 == 0 { "xC5kfGz7w2Nz" } else { "SubReseller1" },
                   "numberOfUsers": n % 50, "createTime": base - chrono::Duration::seconds(n)})
        })
        .collect();
    // Through the bulk path, which also analyzes PostgreSQL's fresh rows at once.
    app.seed(&json!({"companies": companies})).await.expect("loads");
    let token = app.reseller_token().await;
    let before = rows_loaded(&app).await;
    let body = json!({"pageNumber": 3, "pageSize": 10, "orderBy": "CompanyName", "ascending": false,
        "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "customer 00"},
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "customer 01"}]}]}});
    let (status, reply) = json(app.search(&token, &body).await).await;
    assert_eq!(status, 200, "{reply}");
    let data = &reply["data"];
    assert_eq!(data["totalNumberOfRecords"], 2000, "customers 00000-01999 match");
    assert_eq!(data["totalNumberOfPages"], 200);
    let names: Vec<&str> =
        data["results"].as_array().unwrap().iter().map(|r| r["companyName"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"Bulk customer 01979"));
    assert_eq!(names.len(), 10);
    assert_eq!(rows_loaded(&app).await - before, 10, "one page whose rows carry the totals, not 10 000 rows");
}

async fn a_bulk_deletion_selecting_too_many_reads_no_more_than_it_may_delete(db: Db) {
    let app = spawn_app(db).await;
    let companies: Vec<_> = (0..1_100)
        .map(|n: i64| {
            json!({"resourceId": format!("Many{n:08}"), "name": format!("Many customer {n:05}"),
                             "parent": "xC5kfGz7w2Nz", "numberOfUsers": 1})
        })
        .collect();
    app.seed(&json!({"companies": companies})).await.expect("loads");
    let before_rows = app.count_all("companies").await;
    let token = app.reseller_token().await;
    let before = rows_loaded(&app).await;
    // 1 100 selected, 50 of them excluded: 1 050, over the limit of 1 000.
    let excluded: Vec<String> = (0..50).map(|n| format!("Many{n:08}")).collect();
    let filter = json!({"Condition": "AND", "FilterGroups": [{"FilterItems": [
        {"FieldName": "CompanyName", "Operator": "Contains", "Value": "many customer"}]}]});
    let body = json!({"selectAll": true, "excludedItems": excluded, "filter": filter});
    let reply = app.client.delete(app.url("/api/companies/bulk-delete")).bearer_auth(&token).json(&body).send().await;
    let (status, reply) = json(reply.unwrap()).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["validationMessages"], json!(["too many companies in one request (at most 1000)"]), "{reply}");
    let loaded = rows_loaded(&app).await - before;
    assert!(loaded <= 1_051, "read {loaded} ids: at most one more than may be deleted, with the excluded");
    assert_eq!(app.count_all("companies").await, before_rows, "nothing deleted");
}

crate::on_both_databases!(
    a_filtered_page_of_ten_thousand_companies_loads_only_the_page,
    a_bulk_deletion_selecting_too_many_reads_no_more_than_it_may_delete
);
