//! A search page without a filter is read off the management tree's keys in every order (each
//! link carries its company's name, creation time, active target users, licence end date,
//! reseller name and exceeded flag); the same page is worked out here from the companies' own
//! values as the results show them, and read again with a filter that keeps every company (checked
//! on each link). All three must agree, in every order and direction, with and without the
//! exceeded flag, from the root and scoped, before and after the writes that change the keys: a
//! rename of a parent, a changed licence, new target users, a move.
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::company_writes::form_with;
use crate::test_app::{Db, TestApp, json, spawn_app};

pub(crate) const ORDERS: [&str; 5] = ["CreateTime", "CompanyName", "TargetUserCount", "LicenseEndDate", "ResellerName"];

/// A filter every company matches, which neither the tree's kept totals nor the facets answer
/// (two conditions, so each link is checked).
fn everything() -> Value {
    let all = json!({"FieldName": "TargetUserCount", "Operator": ">=", "Value": "0"});
    json!({"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [all.clone(), all]}]})
}

/// (ids in page order, total, exceeded count) of one search page.
pub(crate) async fn page(app: &TestApp, token: &str, scope: Option<&str>, body: &Value) -> (Vec<String>, Value, Value) {
    let mut request = app.client.post(app.url("/api/companies/search")).bearer_auth(token).json(body);
    if let Some(scope) = scope {
        request = request.header("X-KEEPNET-Company-Id", scope);
    }
    let (status, answer) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body} -> {answer}");
    let data = &answer["data"];
    let ids = data["results"].as_array().unwrap().iter();
    let ids = ids.map(|r| r["companyResourceId"].as_str().unwrap().to_owned()).collect();
    (ids, data["totalNumberOfRecords"].clone(), data["limitExceededCompanyCount"].clone())
}

/// The resource ids an export of every match of `body` (a search body) lists, in its order.
pub(crate) async fn exported_ids(app: &TestApp, token: &str, scope: Option<&str>, body: &Value) -> Vec<String> {
    let mut body = body.clone();
    body["exportType"] = json!("CSV");
    body["reportAllPages"] = json!(true);
    let mut request = app.client.post(app.url("/api/companies/search/export")).bearer_auth(token).json(&body);
    if let Some(scope) = scope {
        request = request.header("X-KEEPNET-Company-Id", scope);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{body}");
    let text = response.text().await.unwrap();
    // The second field of each row after the header (a quoted first field may hold commas).
    let second = |line: &str| {
        let (mut quoted, mut fields) = (false, vec![String::new()]);
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(String::new()),
                c => fields.last_mut().unwrap().push(c),
            }
        }
        fields[1].clone()
    };
    text.lines().skip(1).map(second).collect()
}

/// Every company a search from `scope` covers, as a result row shows it: read from the
/// companies themselves, whatever the tree's copies of their keys say.
pub(crate) async fn all_rows(app: &TestApp, token: &str, scope: Option<&str>) -> Vec<Value> {
    let mut rows = Vec::new();
    for number in 1.. {
        let body = json!({"pageNumber": number, "pageSize": 100, "orderBy": "CreateTime", "ascending": true});
        let mut request = app.client.post(app.url("/api/companies/search")).bearer_auth(token).json(&body);
        if let Some(scope) = scope {
            request = request.header("X-KEEPNET-Company-Id", scope);
        }
        let (status, answer) = json(request.send().await.unwrap()).await;
        assert_eq!(status, 200, "{answer}");
        let page = answer["data"]["results"].as_array().unwrap();
        rows.extend(page.iter().cloned());
        if page.len() < 100 {
            break;
        }
    }
    rows
}

/// Whether a result row's active target users exceed its limited licence.
pub(crate) fn exceeds(row: &Value) -> bool {
    let allowed: i64 = row["numberOfUsers"].as_str().and_then(|n| n.parse().ok()).unwrap_or(0);
    row["isNumberOfUsersLimited"].as_bool().unwrap() && row["targetUserCount"].as_i64().unwrap() > allowed
}

/// The page `body` asks for, worked out here from `rows` (see [`all_rows`]): those `keep` keeps
/// (and that exceed their licence, when the body asks), sorted by the order's key from the rows'
/// own values (a missing key last in both directions, text by bytes, ties by id), then cut.
pub(crate) fn expected_page(
    rows: &[Value],
    keep: impl Fn(&Value) -> bool,
    body: &Value,
) -> (Vec<String>, Value, Value) {
    let only_exceeded = body["isTargetUserCountExceededLimit"].as_bool().unwrap_or(false);
    let mut kept: Vec<&Value> = rows.iter().filter(|r| keep(r) && (!only_exceeded || exceeds(r))).collect();
    let time = |v: &Value| v.as_str().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap());
    let order = body["orderBy"].as_str().unwrap();
    let key = |r: &Value| -> (bool, Option<String>, Option<i64>) {
        match order {
            "CreateTime" => (false, None, time(&r["createTime"]).map(|t| t.timestamp_micros())),
            "LicenseEndDate" => {
                let end = time(&r["licenseEndDate"]).map(|t| t.timestamp_micros());
                (end.is_none(), None, end)
            }
            "TargetUserCount" => (false, None, r["targetUserCount"].as_i64()),
            "CompanyName" => (false, r["companyName"].as_str().map(str::to_owned), None),
            "ResellerName" => {
                let parent = r["resellerName"].as_str().map(str::to_owned);
                (parent.is_none(), parent, None)
            }
            other => panic!("no order {other}"),
        }
    };
    let ascending = body["ascending"].as_bool().unwrap();
    kept.sort_by(|a, b| {
        let ((a_missing, a_text, a_number), (b_missing, b_text, b_number)) = (key(a), key(b));
        let by_key = (a_text, a_number).cmp(&(b_text, b_number));
        let by_key = if ascending { by_key } else { by_key.reverse() };
        let id = |r: &Value| r["companyResourceId"].as_str().unwrap().to_owned();
        a_missing.cmp(&b_missing).then(by_key).then_with(|| id(a).cmp(&id(b)))
    });
    let exceeded = kept.iter().filter(|r| exceeds(r)).count();
    let (number, size) = (body["pageNumber"].as_u64().unwrap() as usize, body["pageSize"].as_u64().unwrap() as usize);
    let ids = kept.iter().skip((number - 1) * size).take(size);
    let ids = ids.map(|r| r["companyResourceId"].as_str().unwrap().to_owned()).collect();
    (ids, json!(kept.len()), json!(exceeded))
}

/// Every order, direction, exceeded flag and scope: the tree's page equals the one worked out
/// from the companies' own values, and the one a filter that keeps every company reads.
async fn tree_pages_equal_computed_pages(app: &TestApp, token: &str, when: &str) {
    for scope in [None, Some("SubReseller1")] {
        let rows = all_rows(app, token, scope).await;
        for order in ORDERS {
            for ascending in [true, false] {
                for exceeded in [false, true] {
                    for (page_number, page_size) in [(1, 100), (2, 2)] {
                        let mut body = json!({"pageNumber": page_number, "pageSize": page_size, "orderBy": order,
                                              "ascending": ascending, "filter": null});
                        if exceeded {
                            body["isTargetUserCountExceededLimit"] = json!(true);
                        }
                        let from_tree = page(app, token, scope, &body).await;
                        assert_eq!(from_tree, expected_page(&rows, |_| true, &body), "{when}: {scope:?} {body}");
                        body["filter"] = everything();
                        let computed = page(app, token, scope, &body).await;
                        assert_eq!(from_tree, computed, "{when}: {scope:?} {body}");
                    }
                }
            }
        }
    }
}

async fn create(app: &TestApp, token: &str, form: Form) -> String {
    app.create_company(token, form).await
}

async fn pages_from_the_tree_follow_every_write_of_their_keys(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    // Companies with the same keys (ties go by id), a licence that is exceeded at once (0 users
    // allowed is not exceeded; a licence of 1 user with 2 target users is), and some without a
    // licence end date (missing keys sort last).
    for (name, users, end) in [("Tie", "5", "2031-03-01"), ("Tie", "5", "2031-03-01"), ("Early", "1", "2026-12-31")] {
        create(&app, &acme, form_with(name, users, end)).await;
    }
    let northwind = app.token("northwind-reseller", "n0rth-s3cret").await;
    let below_sub = create(&app, &northwind, form_with("Below Northwind", "3", "2029-05-05")).await;
    tree_pages_equal_computed_pages(&app, &acme, "as loaded").await;

    // A parent renamed: the reseller name of the companies directly below it.
    let rename = form_with("Aardvark Northwind", "25", "2030-01-31");
    assert_eq!(app.update_company(&acme, "SubReseller1", rename).await.0, 200);
    // A licence changed so that a company's 3 active target users exceed it.
    let licence = form_with("test-company-1", "2", "2025-06-01");
    assert_eq!(app.update_company(&acme, "Cust0mer0001", licence).await.0, 200);
    tree_pages_equal_computed_pages(&app, &acme, "after a rename and a licence change").await;

    // Target users loaded for a company (its count and flag change) and a company moved.
    let load = json!({
        "companies": [{"resourceId": "Cust0mer0003", "name": "Contoso Ltd", "parent": "xC5kfGz7w2Nz",
                       "numberOfUsers": 1, "isNumberOfUsersLimited": true}],
        "targetUsers": [
            {"company": "Cust0mer0002", "email": "new1@two.example"},
            {"company": "Cust0mer0002", "email": "new2@two.example"},
            {"company": "Cust0mer0003", "email": "c1@contoso.example"},
            {"company": "Cust0mer0003", "email": "c2@contoso.example"}
        ]
    });
    app.seed(&load).await.expect("the load is valid");
    tree_pages_equal_computed_pages(&app, &acme, "after a load of target users and a move").await;

    // The keys changed where the writes said: the renamed parent's child sorts first by reseller.
    let by_reseller = json!({"pageNumber": 1, "pageSize": 1, "orderBy": "ResellerName", "ascending": true});
    let first = page(&app, &acme, None, &by_reseller).await.0;
    assert_eq!(first, vec![below_sub]);
    let exceeded = json!({"pageNumber": 1, "pageSize": 100, "orderBy": "TargetUserCount", "ascending": false,
                          "isTargetUserCountExceededLimit": true});
    let (ids, total, _) = page(&app, &acme, None, &exceeded).await;
    assert!(ids.contains(&"Cust0mer0001".to_owned()) && ids.contains(&"Cust0mer0003".to_owned()), "{ids:?}");
    assert_eq!(total, json!(ids.len()));
}

/// Renames of a parent and licence changes of its child that flip the child's exceeded flag, all
/// at once: every write answers 200 (no deadlock between a rename refreshing its children's links
/// and a child's write taking its parent's row), and the tree's pages still equal computed ones.
async fn concurrent_renames_and_flips_keep_the_tree_right(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let users = json!({"targetUsers": [{"company": "Cust0mer0003", "email": "a@contoso.example"},
                                       {"company": "Cust0mer0003", "email": "b@contoso.example"}]});
    app.seed(&users).await.expect("the load is valid");
    let writes = (0..20).map(|i| {
        let (id, form) = match i % 2 {
            0 => ("SubReseller1", form_with(&format!("Northwind {i}"), "25", "2030-01-31")),
            _ => ("Cust0mer0003", form_with("Contoso Ltd", if i % 4 == 1 { "1" } else { "25" }, "2030-01-31")),
        };
        let (app, acme) = (&app, &acme);
        async move { app.update_company(acme, id, form).await }
    });
    for (status, body) in futures_util::future::join_all(writes).await {
        assert_eq!(status, 200, "{body}");
    }
    tree_pages_equal_computed_pages(&app, &acme, "after concurrent renames and flips").await;
}

crate::on_both_databases!(
    pages_from_the_tree_follow_every_write_of_their_keys,
    concurrent_renames_and_flips_keep_the_tree_right
);
