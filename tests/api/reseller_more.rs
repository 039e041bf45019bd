//! Reads, deletion preview, `Idempotency-Key` and bulk deletion of the reseller dialect.
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, json, spawn_app};

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json(app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn my_companies_show_the_managed_tree(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let (status, reply) = get(&app, &acme, "/api/companies/my").await;
    assert_eq!(status, 200);
    let me = &reply["data"][0];
    assert_eq!(me["resourceId"], "xC5kfGz7w2Nz");
    let children: Vec<&str> =
        me["children"].as_array().unwrap().iter().map(|c| c["resourceId"].as_str().unwrap()).collect();
    assert_eq!(children, ["SubReseller1", "Cust0mer0001", "Cust0mer0002"]);
    assert_eq!(me["children"][0]["children"][0]["resourceId"], "Cust0mer0003");
    assert_eq!(me["children"][2]["licenceExpired"], true);
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (status, reply) = get(&app, &admin, "/api/companies/my").await;
    assert_eq!(status, 200);
    assert_eq!(
        reply["data"],
        json!([{"name": "test-company-1", "resourceId": "Cust0mer0001", "logoUrl": "https://one.example/logo.png",
        "privacyDurationId": 0, "licenceExpired": false, "privacyDurationStartTime": null,
        "privacyDurationEndTime": null, "children": []}])
    );
}

/// `(resourceId, name, licenceExpired)` of every company in an answer of `/api/companies/my`,
/// depth first, with the path of parents above it.
fn my_listing(reply: &Value) -> Vec<(String, String, String, bool)> {
    fn walk(node: &Value, path: &str, out: &mut Vec<(String, String, String, bool)>) {
        let id = node["resourceId"].as_str().unwrap().to_owned();
        out.push((
            path.to_owned(),
            id.clone(),
            node["name"].as_str().unwrap().to_owned(),
            node["licenceExpired"] == true,
        ));
        for child in node["children"].as_array().unwrap() {
            walk(child, &format!("{path}/{id}"), out);
        }
    }
    let mut out = Vec::new();
    walk(&reply["data"][0], "", &mut out);
    out
}

async fn my_listing_now(app: &TestApp, token: &str) -> Vec<(String, String, String, bool)> {
    let (status, reply) = get(app, token, "/api/companies/my").await;
    assert_eq!(status, 200, "{reply}");
    my_listing(&reply)
}

fn entry<'a>(listing: &'a [(String, String, String, bool)], id: &str) -> Option<&'a (String, String, String, bool)> {
    listing.iter().find(|(_, found, _, _)| found == id)
}

/// The tree is kept between requests; every write below the caller shows in the next answer, on
/// this replica and on another one, whoever made it (a client further down, a seed, a deletion).
async fn my_companies_follow_every_write_at_once(db: Db) {
    use crate::company_writes::{form, form_with};
    let app = spawn_app(db).await;
    let other = app.replica().await;
    let acme = app.reseller_token().await;
    let before = my_listing_now(&app, &acme).await;
    assert_eq!(my_listing_now(&app, &acme).await, before, "a repeated read answers the same");
    app.seed(&json!({"apiClients": [{"company": "SubReseller1", "clientId": "northwind", "clientSecret": "n0rthwind-secret", "role": "Reseller"}]}))
        .await
        .expect("adds a client");
    let northwind = app.token("northwind", "n0rthwind-secret").await;

    // Created two levels down by another manager's client, on the other replica.
    let request = app.client.post(other.url("/api/companies")).bearer_auth(&northwind).multipart(form("Deep Customer"));
    let (status, reply) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    let deep = reply["data"]["resourceId"].as_str().unwrap().to_owned();
    let listing = my_listing_now(&app, &acme).await;
    assert_eq!(listing.len(), before.len() + 1);
    assert_eq!(entry(&listing, &deep).map(|e| e.0.as_str()), Some("/xC5kfGz7w2Nz/SubReseller1"));

    // Renamed with an expired licence, three levels down.
    let path = "/api/companies/Cust0mer0003";
    let request =
        app.client.put(other.url(path)).bearer_auth(&acme).multipart(form_with("Renamed Deep", "25", "2020-01-31"));
    assert_eq!(json(request.send().await.unwrap()).await.0, 200);
    let listing = my_listing_now(&app, &acme).await;
    let renamed = entry(&listing, "Cust0mer0003").unwrap();
    assert_eq!((renamed.2.as_str(), renamed.3), ("Renamed Deep", true));
    // Northwind's own listing, kept too, follows the same change.
    let sub = my_listing_now(&app, &northwind).await;
    assert_eq!(entry(&sub, "Cust0mer0003").map(|e| e.2.as_str()), Some("Renamed Deep"));

    // Deleted.
    assert_eq!(
        json(app.client.delete(other.url(&format!("/api/companies/{deep}"))).bearer_auth(&acme).send().await.unwrap())
            .await
            .0,
        200
    );
    let listing = my_listing_now(&app, &acme).await;
    assert!(entry(&listing, &deep).is_none());
    assert_eq!(listing.len(), before.len());

    // Moved away by a seed, and back.
    let move_to = |parent: &str| json!({"companies": [{"resourceId": "SubReseller1", "name": "Northwind Sub-Reseller", "parent": parent}]});
    app.seed(&move_to("OtherReslr01")).await.expect("moves");
    let listing = my_listing_now(&app, &acme).await;
    assert!(entry(&listing, "SubReseller1").is_none() && entry(&listing, "Cust0mer0003").is_none());
    app.seed(&move_to("xC5kfGz7w2Nz")).await.expect("moves back");
    let listing = my_listing_now(&app, &acme).await;
    assert_eq!(entry(&listing, "Cust0mer0003").map(|e| e.0.as_str()), Some("/xC5kfGz7w2Nz/SubReseller1"));
    assert_eq!(listing.len(), before.len());
}

/// `parentId` is the parent's number, and `getcompany/{number}` reads a company by number under the
/// rules of reading it by resource id.
async fn companies_are_read_by_number_under_the_same_rules(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let northwind = app.token("northwind-reseller", "n0rth-s3cret").await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let parent_of = |id: &'static str| {
        let (app, acme) = (&app, &acme);
        async move { get(app, acme, &format!("/api/companies/{id}")).await.1["data"]["parentId"].clone() }
    };
    assert_eq!(parent_of("xC5kfGz7w2Nz").await, Value::Null, "a top company has no parent");
    let acme_number = parent_of("Cust0mer0001").await.as_i64().unwrap();
    let northwind_number = parent_of("Cust0mer0003").await.as_i64().unwrap();
    assert_ne!(acme_number, northwind_number);
    assert_eq!(parent_of("Cust0mer0002").await, json!(acme_number), "siblings share their parent's number");
    let by_number = |token: &str, number: i64| {
        let (app, token) = (&app, token.to_owned());
        async move { get(app, &token, &format!("/api/companies/getcompany/{number}")).await }
    };
    let (status, reply) = by_number(&acme, acme_number).await;
    assert_eq!((status, &reply["data"]), (200, &json!({"item1": "xC5kfGz7w2Nz", "item2": "Acme Security Reseller"})));
    let (status, reply) = by_number(&acme, northwind_number).await;
    assert_eq!((status, reply["data"]["item1"].as_str()), (200, Some("SubReseller1")), "managed");
    assert_eq!(by_number(&northwind, northwind_number).await.0, 200, "its own company");
    assert_eq!(by_number(&northwind, acme_number).await.0, 403, "its manager");
    assert_eq!(by_number(&admin, northwind_number).await.0, 403, "a Company Admin reads its own company only");
    let (status, reply) = by_number(&acme, 2_000_000_000).await;
    assert_eq!((status, reply["status"].as_str()), (404, Some("NOT_FOUND")));
    let (status, reply) = get(&app, &acme, "/api/companies/getcompany/first").await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")), "{reply}");
    let status = app.client.get(app.url(&format!("/api/companies/getcompany/{acme_number}"))).send().await.unwrap();
    assert_eq!(status.status(), 401);
}

async fn reading_a_company_follows_the_management_rules(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let northwind = app.token("northwind-reseller", "n0rth-s3cret").await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let (status, reply) = get(&app, &acme, "/api/companies/Cust0mer0001").await;
    assert_eq!(status, 200);
    let dto = &reply["data"];
    assert_eq!((dto["resourceId"].as_str(), dto["name"].as_str()), (Some("Cust0mer0001"), Some("test-company-1")));
    assert!(dto["parentId"].is_i64(), "{dto}");
    assert_eq!(
        (dto["numberOfUsers"].as_i64(), dto["targetUserCount"].as_i64(), dto["statusName"].as_str()),
        (Some(2), Some(3), Some("Active"))
    );
    assert_eq!(dto["tags"], json!(["emea"]));
    for (token, path, expected) in [
        (&acme, "/api/companies/xC5kfGz7w2Nz", 200),
        (&acme, "/api/companies/Cust0mer0003", 200),
        (&acme, "/api/companies/OtherCust001", 403),
        (&acme, "/api/companies/NoSuchCompny", 404),
        (&northwind, "/api/companies/Cust0mer0001", 403),
        (&northwind, "/api/companies/xC5kfGz7w2Nz", 403),
        (&admin, "/api/companies/Cust0mer0001", 200),
        (&admin, "/api/companies/Cust0mer0002", 403),
        (&admin, "/api/companies/NoSuchCompny", 403),
    ] {
        assert_eq!(get(&app, token, path).await.0, expected, "{path}");
    }
}

async fn a_preview_counts_what_a_delete_would_remove_and_changes_nothing(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    app.token("company1-admin", "c1-s3cret").await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    let (status, reply) = get(&app, &acme, "/api/companies/Cust0mer0001/deletion-preview").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["data"],
        json!({"companies": 1, "offers": 2, "targetUsers": 4, "accounts": 1, "apiClients": 1,
        "accessTokens": 1, "sessions": 1, "tags": 1})
    );
    assert_eq!(app.count("companies", "id", "Cust0mer0001").await, 1);
    assert_eq!(get(&app, &acme, "/api/companies/SubReseller1/deletion-preview").await.0, 409);
    assert_eq!(get(&app, &acme, "/api/companies/OtherCust001/deletion-preview").await.0, 403);
    assert_eq!(get(&app, &acme, "/api/companies/NoSuchCompny/deletion-preview").await.0, 404);
    let admin = app.token("company1-admin", "c1-s3cret").await;
    assert_eq!(get(&app, &admin, "/api/companies/Cust0mer0002/deletion-preview").await.0, 403);
    // The delete then removes exactly what the preview counted.
    assert_eq!(json(app.delete_company(&acme, "Cust0mer0001").await).await.0, 200);
    let counts = app.receipt_counts("Cust0mer0001").await;
    assert_eq!(counts["offers"], 2);
    assert_eq!(counts["sessions"], 1);
}

async fn an_idempotency_key_replays_the_first_answer(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let delete = |id: &str, key: Option<&str>, token: &str| {
        let mut request = app.client.delete(app.url(&format!("/api/companies/{id}"))).bearer_auth(token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    let first = delete("Cust0mer0001", Some("key-1"), &acme).await;
    assert_eq!(first.0, 200);
    assert_eq!(delete("Cust0mer0001", Some("key-1"), &acme).await, first, "replayed");
    assert_eq!(delete("Cust0mer0001", None, &acme).await.0, 404, "without the key it is a new request");
    let (status, reply) = delete("Cust0mer0002", Some("key-1"), &acme).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")), "a key names one request");
    assert_eq!(app.count("companies", "id", "Cust0mer0002").await, 1);
    // Keys belong to their caller: another client's key-1 is its own.
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    assert_eq!(delete("Cust0mer0001", Some("key-1"), &globex).await.0, 404);
    assert_eq!(delete("Cust0mer0002", Some("bad key"), &acme).await.0, 400);
    // A refusal is remembered too.
    assert_eq!(delete("SubReseller1", Some("key-2"), &acme).await.0, 409);
    assert_eq!(delete("Cust0mer0003", None, &acme).await.0, 200);
    assert_eq!(delete("SubReseller1", Some("key-2"), &acme).await.0, 409);
}

async fn bulk_delete(app: &TestApp, token: &str, body: Value, header: Option<&str>) -> (u16, Value) {
    let mut request = app.client.delete(app.url("/api/companies/bulk-delete")).bearer_auth(token).json(&body);
    if let Some(h) = header {
        request = request.header("X-KEEPNET-Company-Id", h);
    }
    json(request.send().await.unwrap()).await
}

/// A bulk deletion's answer: (deleted, selected) from its message, and its lines for the
/// companies not deleted. Its `data` is the vendor's `IdResult`, with no id.
pub(crate) fn bulk_outcome(reply: &Value) -> ((u64, u64), Vec<String>) {
    assert_eq!(reply["data"], json!({"resourceId": null}), "{reply}");
    let message = reply["message"].as_str().unwrap();
    let counts: Vec<u64> = message.split(' ').filter_map(|w| w.parse().ok()).collect();
    assert!(message.ends_with(" companies deleted") && counts.len() == 2, "{message}");
    let lines = reply["validationMessages"]
        .as_array()
        .map_or_else(Vec::new, |lines| lines.iter().map(|l| l.as_str().unwrap().to_owned()).collect());
    ((counts[0], counts[1]), lines)
}

async fn bulk_delete_reports_per_company_and_deletes_children_first(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let body = json!({"items": ["Cust0mer0001", "OtherCust001", "NoSuchCompny", "SubReseller1", "Cust0mer0003", "Cust0mer0001"]});
    let (status, reply) = bulk_delete(&app, &acme, body, None).await;
    assert_eq!(status, 200, "{reply}");
    // The repeated id is one company; the two not deleted say why, in the order given.
    assert_eq!(
        bulk_outcome(&reply),
        ((3, 5), vec!["OtherCust001: not a company you manage".to_owned(), "NoSuchCompny: not found".to_owned()])
    );
    assert_eq!((reply["status"].as_str(), reply["isSuccess"].as_bool()), (Some("SUCCESS"), Some(true)));
    for (id, present) in
        [("Cust0mer0001", 0), ("SubReseller1", 0), ("Cust0mer0003", 0), ("OtherCust001", 1), ("Cust0mer0002", 1)]
    {
        assert_eq!(app.count("companies", "id", id).await, present, "{id}");
    }
}

async fn bulk_delete_select_all_follows_the_filter_scope_and_exclusions(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    assert_eq!(bulk_delete(&app, &admin, json!({"items": ["Cust0mer0002"]}), None).await.0, 403);
    let filter = json!({"Condition": "AND", "FilterGroups": [{"FilterItems": [{"FieldName": "CompanyName", "Operator": "Contains", "Value": "company"}]}]});
    let (status, reply) =
        bulk_delete(&app, &acme, json!({"selectAll": true, "excludedItems": ["Cust0mer0002"], "filter": filter}), None)
            .await;
    assert_eq!(status, 200);
    assert_eq!(bulk_outcome(&reply), ((1, 1), vec![]));
    assert_eq!(app.count("companies", "id", "Cust0mer0001").await, 0);
    let (status, reply) = bulk_delete(&app, &acme, json!({"selectAll": true}), Some("SubReseller1")).await;
    assert_eq!(status, 200);
    assert_eq!(bulk_outcome(&reply), ((2, 2), vec![]));
    assert_eq!(
        app.count("companies", "id", "Cust0mer0003").await + app.count("companies", "id", "SubReseller1").await,
        0
    );
    assert_eq!(app.count("companies", "id", "Cust0mer0002").await, 1);
    assert_eq!(app.count_all("companies").await, 4);
    let (status, reply) = bulk_delete(&app, &acme, json!({}), None).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")));
}

crate::on_both_databases!(
    my_companies_follow_every_write_at_once,
    my_companies_show_the_managed_tree,
    companies_are_read_by_number_under_the_same_rules,
    reading_a_company_follows_the_management_rules,
    a_preview_counts_what_a_delete_would_remove_and_changes_nothing,
    an_idempotency_key_replays_the_first_answer,
    bulk_delete_reports_per_company_and_deletes_children_first,
    bulk_delete_select_all_follows_the_filter_scope_and_exclusions,
);
