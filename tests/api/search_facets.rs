//! A search whose filter is one condition on active target users, creation time, licence end date,
//! an expired licence, tags or the reseller name is answered from the facets (per-manager counts of each value or day) and
//! the management tree; the same condition written twice
//! is checked on each link instead (no facet counts it). Both must agree in every operator, order, direction, scope,
//! with and without the exceeded flag, past the end, and after every kind of write that moves a
//! company between values or managers: creations, loads of target users, licence and tag changes,
//! a parent's rename, moves, deletions, and many of them at once.
use serde_json::{Value, json};

use crate::company_writes::form_with;
use crate::search_orders::page;
use crate::test_app::{Db, TestApp, spawn_app_with};

const ORDERS: [&str; 5] = ["CreateTime", "CompanyName", "TargetUserCount", "LicenseEndDate", "ResellerName"];
/// Every condition the facets count: (field, operator, value). Times as days and as instants
/// (an instant within the day the test's companies are created splits that day).
fn conditions() -> Vec<(&'static str, &'static str, String)> {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let mut all: Vec<(&str, &str, String)> =
        [(">=", "1"), ("=", "0"), ("!=", "0"), (">", "2"), ("<", "2"), ("<=", "1"), ("Include", "0, 3")]
            .into_iter()
            .map(|(operator, value)| ("TargetUserCount", operator, value.to_owned()))
            .collect();
    for (operator, value) in
        [(">=", today.clone()), ("<", today.clone()), ("=", today.clone()), ("!=", today), (">", an_hour_ago)]
    {
        all.push(("CreateTime", operator, value));
    }
    for (operator, value) in [
        ("=", "2031-03-01"),
        ("!=", "2031-03-01"),
        ("<=", "2029-12-31"),
        (">", "2030-01-01T12:00:00Z"),
        ("<", "2026-12-31T18:00:00+00:00"),
    ] {
        all.push(("LicenseEndDate", operator, value.to_owned()));
    }
    for (operator, value) in [("=", "true"), ("!=", "true"), ("=", "false")] {
        all.push(("LicenceExpired", operator, value.to_owned()));
    }
    for (operator, value) in [("=", "EMEA"), ("!=", "pilot"), ("Include", "vip, emea"), ("Contains", "IL")] {
        all.push(("Tags", operator, value.to_owned()));
    }
    for (operator, value) in [
        ("=", "NORTHWIND SUB-RESELLER"),
        ("!=", "acme security reseller"),
        ("Include", "northwind renamed, nobody"),
        ("Contains", "north"),
    ] {
        all.push(("ResellerName", operator, value.to_owned()));
    }
    all
}

fn filter(items: Vec<Value>) -> Value {
    json!({"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": items}]})
}

/// Every condition, order, direction, flag and scope: the counted page equals the computed one.
async fn counted_pages_equal_computed_pages(app: &TestApp, token: &str, when: &str) {
    for scope in [None, Some("SubReseller1")] {
        for (i, (field, operator, value)) in conditions().into_iter().enumerate() {
            let item = json!({"FieldName": field, "Operator": operator, "Value": value});
            for (o, order) in ORDERS.into_iter().enumerate() {
                // Both directions by creation time and by the condition's own key; one, in turn,
                // by each other order.
                let both = order == "CreateTime" || order.starts_with(field.get(..6).unwrap_or(field));
                let directions: &[bool] = if both { &[true, false] } else { &[(i + o) % 2 == 0] };
                for &ascending in directions {
                    for exceeded in [false, true] {
                        let past_the_end = (order == "CreateTime").then_some((40, 5));
                        for (page_number, page_size) in [(1, 100), (2, 2)].into_iter().chain(past_the_end) {
                            let mut body = json!({"pageNumber": page_number, "pageSize": page_size,
                                                  "orderBy": order, "ascending": ascending,
                                                  "filter": filter(vec![item.clone()])});
                            if exceeded {
                                body["isTargetUserCountExceededLimit"] = json!(true);
                            }
                            let counted = page(app, token, scope, &body).await;
                            body["filter"] = filter(vec![item.clone(), item.clone()]);
                            let computed = page(app, token, scope, &body).await;
                            assert_eq!(counted, computed, "{when}: {scope:?} {body}");
                        }
                    }
                }
            }
        }
    }
}

fn target_users(company: &str, emails: std::ops::Range<usize>) -> Value {
    let users: Vec<Value> = emails
        .map(|i| json!({"company": company, "email": format!("u{i}@{}.example", company.to_lowercase())}))
        .collect();
    json!({"targetUsers": users})
}

async fn counted_searches_follow_every_write(db: Db) {
    let app = spawn_app_with(db, &["--api-rate-limit-per-client", "1000000"]).await;
    let acme = app.reseller_token().await;
    for (name, users, end) in [("One", "1", "2031-03-01"), ("Two", "5", "2031-03-01"), ("Three", "0", "2026-12-31")] {
        app.create_company(&acme, form_with(name, users, end)).await;
    }
    app.seed(&target_users("Cust0mer0001", 0..2)).await.expect("the load is valid");
    counted_pages_equal_computed_pages(&app, &acme, "as loaded").await;

    // Counts move (a load), a licence flips the exceeded flag, a company moves under another.
    app.seed(&target_users("Cust0mer0002", 0..3)).await.expect("the load is valid");
    let licence = form_with("test-company-1", "1", "2025-06-01");
    assert_eq!(app.update_company(&acme, "Cust0mer0001", licence).await.0, 200);
    let rename = form_with("Northwind Renamed", "25", "2030-01-31");
    assert_eq!(app.update_company(&acme, "SubReseller1", rename).await.0, 200);
    let moved = json!({"companies": [{"resourceId": "Cust0mer0003", "name": "Contoso Ltd", "parent": "xC5kfGz7w2Nz",
                                      "numberOfUsers": 1, "isNumberOfUsersLimited": true}]});
    app.seed(&moved).await.expect("the move is valid");
    counted_pages_equal_computed_pages(&app, &acme, "after a load, a licence change, a rename and a move").await;

    // Many writes at once over HTTP (creations, licence changes that flip the exceeded flag, a
    // deletion), then loads for the new companies (one seeding process at a time, as supported).
    let created: Vec<String> = futures_util::future::join_all(
        (0..6).map(|i| app.create_company(&acme, form_with(&format!("Burst {i}"), &i.to_string(), "2030-01-01"))),
    )
    .await;
    let (keep, gone) = (&created[..4], &created[4]);
    let writes = keep.iter().enumerate().map(|(i, id)| {
        let mut form = form_with(&format!("Burst {i}"), if i % 2 == 0 { "0" } else { "9" }, "2029-02-02");
        if i % 2 == 1 {
            form = form.text("Tags[]", "VIP");
        }
        let (app, acme) = (&app, &acme);
        async move { app.update_company(acme, id, form).await.0 }
    });
    let (statuses, deleted) =
        futures_util::future::join(futures_util::future::join_all(writes), app.delete_company(&acme, gone)).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(deleted.status(), 200);
    for (i, id) in keep.iter().enumerate() {
        app.seed(&target_users(id, 0..(i + 1))).await.expect("the load is valid");
    }
    counted_pages_equal_computed_pages(&app, &acme, "after concurrent creations, loads and a deletion").await;
}

/// Where the order runs against the condition (the matches last by name), a page read along the
/// order passes only non-matches. PostgreSQL's walks on tags stop at a bound: the matches are then
/// gathered from the condition's index (a tag `Include`), or, where none serves it (a tag
/// `Contains`), walked on to the page's end. SQLite walks to the page's end at once, and so does
/// PostgreSQL on a time range. Every page equals the computed path's.
async fn a_walk_against_the_condition_is_cut_short_on_postgresql(db: Db) {
    let postgres = matches!(db, Db::Postgres);
    let app = spawn_app_with(db, &["--api-rate-limit-per-client", "1000000"]).await;
    let base = chrono::DateTime::parse_from_rfc3339("2040-01-01T00:00:00Z").unwrap();
    let companies: Vec<Value> = (0..3_000)
        .map(|n: i64| {
            json!({"resourceId": format!("Walk{n:08}"), "name": format!("Walk {n:04}"), "parent": "SubReseller1",
                   "licenseEndDate": base + chrono::Duration::days(n), "tags": [if n < 2_700 { "early" } else { "late" }]})
        })
        .collect();
    app.seed(&json!({"companies": companies})).await.expect("loads");
    let token = app.reseller_token().await;
    let cut_short = || crate::test_app::metric(&app.client, &app.address, "companygate_search_walks_cut_short_total");
    let gathered = json!({"FieldName": "Tags", "Operator": "Include", "Value": "late"});
    let walked = json!({"FieldName": "Tags", "Operator": "Contains", "Value": "lat"});
    let ranged = json!({"FieldName": "LicenseEndDate", "Operator": ">=", "Value": "2047-05-24"});
    let cut = if postgres { 1.0 } else { 0.0 };
    for (item, ascending, cut) in [
        (&gathered, true, cut),
        (&gathered, false, 0.0),
        (&walked, true, cut),
        (&walked, false, 0.0),
        (&ranged, true, 0.0),
        (&ranged, false, 0.0),
    ] {
        for (page_number, page_size) in [(1, 20), (3, 7)] {
            let before = cut_short().await.unwrap();
            let mut body = json!({"pageNumber": page_number, "pageSize": page_size, "orderBy": "CompanyName",
                                  "ascending": ascending, "filter": filter(vec![item.clone()])});
            let counted = page(&app, &token, Some("SubReseller1"), &body).await;
            assert_eq!(cut_short().await.unwrap() - before, cut, "{item} ascending: {ascending}");
            assert_eq!(counted.1, 300, "Walk 2700 to 2999 end on or after 2047-05-24, tagged late");
            assert_eq!(counted.0.len(), page_size);
            body["filter"] = filter(vec![item.clone(), item.clone()]);
            assert_eq!(counted, page(&app, &token, Some("SubReseller1"), &body).await, "{body}");
        }
    }
}

crate::on_both_databases!(counted_searches_follow_every_write, a_walk_against_the_condition_is_cut_short_on_postgresql);
