//! Search totals and name searches through every write that changes them. An unfiltered search
//! reads its totals from the counts kept on the root company; a filter that keeps every row goes
//! through the counting query instead; the two must agree after creates, licence changes,
//! target-user loads, deletes and moves. A `Contains` on the name consults the trigram index
//! (SQLite: FTS5, kept by triggers) and must find what the names say now.
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, spawn_app};

/// `TargetUserCount >= 0` keeps every company but is a real filter, so its totals are counted.
fn counted_filter() -> Value {
    json!({"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [
        {"FieldName": "TargetUserCount", "Operator": ">=", "Value": "0"}]}]})
}

/// (total, limit exceeded) of a search, and the ids of its first page.
async fn search(app: &TestApp, token: &str, scope: Option<&str>, body: Value) -> (u64, u64, Vec<String>) {
    let mut request = app.client.post(app.url("/api/companies/search")).bearer_auth(token).json(&body);
    if let Some(scope) = scope {
        request = request.header("X-KEEPNET-Company-Id", scope);
    }
    let reply: Value = request.send().await.unwrap().json().await.unwrap();
    let data = &reply["data"];
    let ids = data["results"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {reply}"))
        .iter()
        .map(|r| r["companyResourceId"].as_str().unwrap().to_owned())
        .collect();
    (data["totalNumberOfRecords"].as_u64().unwrap(), data["limitExceededCompanyCount"].as_u64().unwrap(), ids)
}

fn page(order_by: &str, filter: Value, only_exceeded: Option<bool>) -> Value {
    let mut body = json!({"pageNumber": 1, "pageSize": 100, "orderBy": order_by, "ascending": true, "filter": filter});
    if let Some(only) = only_exceeded {
        body["isTargetUserCountExceededLimit"] = json!(only);
    }
    body
}

/// Kept and counted totals agree (also for the exceeded-only list and inside a scope); returns them.
async fn totals(app: &TestApp, token: &str, scope: Option<&str>) -> (u64, u64) {
    let (kept_total, kept_exceeded, kept_ids) = search(app, token, scope, page("CreateTime", Value::Null, None)).await;
    let (total, exceeded, mut ids) = search(app, token, scope, page("CreateTime", counted_filter(), None)).await;
    assert_eq!((kept_total, kept_exceeded), (total, exceeded), "kept and counted totals differ (scope {scope:?})");
    let mut kept_ids = kept_ids;
    kept_ids.sort();
    ids.sort();
    assert_eq!(kept_ids, ids, "the page read off the tree and the counted page hold the same companies");
    let (only, only_exceeded, only_ids) = search(app, token, scope, page("CompanyName", Value::Null, Some(true))).await;
    assert_eq!((only, only_exceeded, only_ids.len() as u64), (exceeded, exceeded, exceeded));
    (total, exceeded)
}

async fn create(app: &TestApp, token: &str, name: &str, users: &str) -> String {
    app.create_company(token, crate::company_writes::form_with_users(name, users)).await
}

async fn change(app: &TestApp, token: &str, id: &str, form: Form) {
    let status =
        app.client.put(app.url(&format!("/api/companies/{id}"))).bearer_auth(token).multipart(form).send().await;
    assert_eq!(status.unwrap().status(), 200);
}

fn users(company: &str, n: usize) -> Value {
    let rows: Vec<Value> =
        (0..n).map(|i| json!({"company": company, "email": format!("u{i}@{company}.example")})).collect();
    json!({"targetUsers": rows})
}

async fn kept_totals_match_a_recount_through_every_write(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let (base, base_exceeded) = totals(&app, &acme, None).await;
    let northwind = totals(&app, &acme, Some("SubReseller1")).await;

    // Three new companies, each limited to one user (the form's licence is limited).
    let a = create(&app, &acme, "Totals A", "1").await;
    let b = create(&app, &acme, "Totals B", "1").await;
    let _c = create(&app, &acme, "Totals C", "1").await;
    assert_eq!(totals(&app, &acme, None).await, (base + 3, base_exceeded));

    // Two active target users: A now exceeds its limit.
    app.seed(&users(&a, 2)).await.expect("loads users");
    assert_eq!(totals(&app, &acme, None).await, (base + 3, base_exceeded + 1));
    // A larger licence: no longer; a smaller one: again.
    change(&app, &acme, &a, crate::company_writes::form_with_users("Totals A", "10")).await;
    assert_eq!(totals(&app, &acme, None).await, (base + 3, base_exceeded));
    change(&app, &acme, &a, crate::company_writes::form_with_users("Totals A", "1")).await;
    assert_eq!(totals(&app, &acme, None).await, (base + 3, base_exceeded + 1));

    // Deleting an exceeding company and a plain one.
    assert_eq!(app.delete_company(&acme, &a).await.status(), 200);
    assert_eq!(app.delete_company(&acme, &b).await.status(), 200);
    assert_eq!(totals(&app, &acme, None).await, (base + 1, base_exceeded));

    // A seed that makes a Northwind customer exceed, then moves Northwind's subtree away and back.
    app.seed(&json!({"companies": [{"resourceId": "Cust0mer0003", "name": "Contoso Ltd", "parent": "SubReseller1",
                                    "numberOfUsers": 0, "isNumberOfUsersLimited": true}]}))
        .await
        .expect("limits Contoso");
    app.seed(&users("Cust0mer0003", 1)).await.expect("loads a user");
    let (_, exceeded_now) = totals(&app, &acme, None).await;
    assert_eq!(totals(&app, &acme, Some("SubReseller1")).await, (northwind.0, northwind.1 + 1));
    let moved = json!({"companies": [{"resourceId": "SubReseller1", "name": "Northwind Sub-Reseller",
                                      "parent": "OtherReslr01"}]});
    app.seed(&moved).await.expect("moves");
    let (after_move, exceeded_after_move) = totals(&app, &acme, None).await;
    assert_eq!((after_move, exceeded_after_move), (base + 1 - northwind.0, exceeded_now - (northwind.1 + 1)));
    let back = json!({"companies": [{"resourceId": "SubReseller1", "name": "Northwind Sub-Reseller",
                                     "parent": "xC5kfGz7w2Nz"}]});
    app.seed(&back).await.expect("moves back");
    assert_eq!(totals(&app, &acme, None).await, (base + 1, exceeded_now));
    assert_eq!(totals(&app, &acme, Some("SubReseller1")).await, (northwind.0, northwind.1 + 1));
}

fn contains(text: &str) -> Value {
    page(
        "CompanyName",
        json!({"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": text}]}]}),
        None,
    )
}

async fn names(app: &TestApp, token: &str, body: Value) -> Vec<String> {
    let reply: Value = app.search(token, &body).await.json().await.unwrap();
    let results = reply["data"]["results"].as_array().unwrap_or_else(|| panic!("a page: {reply}"));
    results.iter().map(|r| r["companyName"].as_str().unwrap().to_owned()).collect()
}

async fn name_searches_find_what_the_names_say_now(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let fixture = json!({"companies": [
        {"resourceId": "NameSearch01", "name": "ZEPHYR Upper Case", "parent": "xC5kfGz7w2Nz"},
        {"resourceId": "NameSearch02", "name": "Quote \"Marks\" Ltd", "parent": "xC5kfGz7w2Nz"},
        {"resourceId": "NameSearch03", "name": "Percent 100% Sure", "parent": "xC5kfGz7w2Nz"},
        {"resourceId": "NameSearch04", "name": "zephyr lower", "parent": "OtherReslr01"}]});
    app.seed(&fixture).await.expect("seeds");

    assert_eq!(names(&app, &acme, contains("zephyr")).await, ["ZEPHYR Upper Case"], "not the unmanaged one");
    assert_eq!(names(&app, &acme, contains("PHYR up")).await, ["ZEPHYR Upper Case"]);
    assert_eq!(names(&app, &acme, contains("\"marks\"")).await, ["Quote \"Marks\" Ltd"]);
    assert_eq!(names(&app, &acme, contains("100%")).await, ["Percent 100% Sure"]);
    assert_eq!(names(&app, &acme, contains("0%")).await, ["Percent 100% Sure"], "two characters: no index");
    assert!(names(&app, &acme, contains("10_%")).await.is_empty(), "wildcards are literal");
    assert!(names(&app, &acme, contains("\"")).await.contains(&"Quote \"Marks\" Ltd".to_owned()));
    let mut text = page("CompanyName", Value::Null, None);
    text["filter"] = json!({"SearchInputTextValue": "zephyr"});
    assert_eq!(names(&app, &acme, text).await, ["ZEPHYR Upper Case"]);
    // Inside an OR the index still only narrows what the name itself says.
    let either = page(
        "CompanyName",
        json!({"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "zephyr"},
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "percent"}]}]}),
        None,
    );
    assert_eq!(names(&app, &acme, either).await, ["Percent 100% Sure", "ZEPHYR Upper Case"]);

    // A new name is found at once and the old one no longer; a deleted company not at all.
    change(&app, &acme, "NameSearch01", crate::company_writes::form("Renamed Company")).await;
    assert!(names(&app, &acme, contains("zephyr")).await.is_empty());
    assert_eq!(names(&app, &acme, contains("renamed comp")).await, ["Renamed Company"]);
    assert_eq!(app.delete_company(&acme, "NameSearch01").await.status(), 200);
    assert!(names(&app, &acme, contains("renamed comp")).await.is_empty());
}

crate::on_both_databases!(kept_totals_match_a_recount_through_every_write, name_searches_find_what_the_names_say_now);
