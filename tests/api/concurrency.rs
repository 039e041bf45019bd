//! Every write endpoint of both dialects, 50 callers at once: no answer is a 5xx, and the final
//! state is the one that applying the calls one by one gives (no lost update, no duplicate, no
//! half-applied change). `Idempotency-Key` under 20 concurrent duplicates carries out one delete.
use std::collections::{BTreeMap, HashSet};
use std::future::Future;

use futures_util::future::join_all;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::test_app::{Db, GOD_TOKEN, TestApp, hex, json, spawn_app_with};

const N: usize = 50;

/// Rate limits out of the way: here the database is what is measured.
const UNLIMITED: &[&str] = &[
    "--token-rate-limit-per-client",
    "100000",
    "--token-rate-limit-per-ip",
    "100000",
    "--login-rate-limit-per-ip",
    "100000",
    "--login-rate-limit-per-email",
    "100000",
    "--api-rate-limit-per-client",
    "100000",
];

/// Runs `n` calls at once and tallies their statuses.
async fn all_at_once<F, Fut>(n: usize, call: F) -> (BTreeMap<u16, usize>, Vec<(u16, Value)>)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = (u16, Value)>,
{
    let answers = join_all((0..n).map(call)).await;
    let mut tally = BTreeMap::new();
    for (status, body) in &answers {
        assert!(*status < 500, "a 5xx under concurrency: {status} {body}");
        *tally.entry(*status).or_default() += 1;
    }
    (tally, answers)
}

fn only(status: u16, n: usize) -> BTreeMap<u16, usize> {
    BTreeMap::from([(status, n)])
}

async fn version_of(app: &TestApp, id: &str) -> i64 {
    let (status, body) =
        json(app.client.get(app.url(&format!("/company/{}?god_token={GOD_TOKEN}", hex(id)))).send().await.unwrap())
            .await;
    assert_eq!(status, 200, "{body}");
    body["company"]["__v"].as_i64().unwrap()
}

async fn god_put(app: &TestApp, id: &str, action: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"god_token": GOD_TOKEN});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let url = app.url(&format!("/company/{}/{action}", hex(id)));
    json(app.fresh_client().put(url).json(&body).send().await.unwrap()).await
}

async fn state_changes_lose_no_update(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let id = "Cust0mer0001";
    let start = version_of(&app, id).await;
    for (action, extra, check) in [
        ("disable", json!({}), ("isDisabled", true)),
        ("enable", json!({}), ("isDisabled", false)),
        ("block", json!({"adminReason": "spam"}), ("isBlocked", true)),
        ("unblock", json!({}), ("isBlocked", false)),
    ] {
        let (tally, answers) = all_at_once(N, |_| god_put(&app, id, action, extra.clone())).await;
        assert_eq!(tally, only(200, N), "{action}");
        assert!(answers.iter().all(|(_, b)| b[check.0] == check.1), "{action}: every answer shows the change");
        // Each answer is the company right after its own change: 50 different versions.
        let versions: HashSet<i64> = answers.iter().map(|(_, b)| b["__v"].as_i64().unwrap()).collect();
        assert_eq!(versions.len(), N, "{action}: each change saw its own version");
    }
    assert_eq!(version_of(&app, id).await, start + 4 * N as i64, "every change bumped __v once");
    // Blocking hid the visible offer and unblocking showed it again; the one hidden before stays so.
    let (status, offers) =
        json(app.fresh_client().get(app.url(&format!("/offers/company/{}", hex(id)))).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let titles: Vec<&str> = offers.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Test Offer"]);
}

fn company_form(i: usize) -> Form {
    Form::new()
        .text("Name", format!("Concurrent {i}"))
        .text("IndustryResourceId", "industry0001")
        .text("CountryResourceId", "country00003")
        .text("LicenseTypeResourceId", "licenseType2")
        .text("LicensePeriodTypeResourceId", "licPeriod002")
        .text("NumberOfUsers", i.to_string())
        .text("TimeZoneId", "Europe/Lisbon")
        .text("DateFormat", "dd/MM/yyyy")
        .text("TimeFormat", "HH:mm")
        .text("Tags[]", format!("tag-{i}"))
}

async fn reseller_company_writes_are_atomic(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let acme = app.reseller_token().await;
    let before = app.count_all("companies").await;
    // The managed tree is kept between reads (and checked against the manager's version): read it
    // first, so the answers after each round must come from a tree the writes invalidated.
    let listed_before = my_ids(&app, &acme).await;
    let version = app.subtree_version("xC5kfGz7w2Nz").await;
    let (tally, answers) = all_at_once(N, |i| {
        let request = app.client.post(app.url("/api/companies")).bearer_auth(&acme).multipart(company_form(i));
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    let ids: HashSet<String> =
        answers.iter().map(|(_, b)| b["data"]["resourceId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), N);
    assert_eq!(app.count_all("companies").await, before + N as i64);
    assert_eq!(app.subtree_version("xC5kfGz7w2Nz").await, version + N as i64, "one move of the version per create");
    let listed = my_ids(&app, &acme).await;
    assert_eq!(listed, listed_before.union(&ids).cloned().collect(), "every created company is listed at once");

    let id = "Cust0mer0002";
    let start = version_of(&app, id).await;
    let (tally, _) = all_at_once(N, |i| {
        let request =
            app.client.put(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).multipart(company_form(i));
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(version_of(&app, id).await, start + N as i64, "no lost update");
    // Name, number and tags all come from the same one request: no write was half-applied.
    let (_, company) =
        json(app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).send().await.unwrap()).await;
    let name = company["data"]["name"].as_str().unwrap();
    let i: usize = name.trim_start_matches("Concurrent ").parse().unwrap();
    assert_eq!(company["data"]["numberOfUsers"], json!(i));
    assert_eq!(company["data"]["tags"], json!([format!("tag-{i}")]));
    assert_eq!(app.subtree_version("xC5kfGz7w2Nz").await, version + 2 * N as i64, "one move per update too");
    let (_, my) = json(app.client.get(app.url("/api/companies/my")).bearer_auth(&acme).send().await.unwrap()).await;
    let listed = my["data"][0]["children"].as_array().unwrap().iter().find(|c| c["resourceId"] == id).cloned();
    assert_eq!(listed.map(|c| c["name"].clone()), Some(json!(name)), "the last update is listed");
}

/// `PUT /api/companies/limited` from a Reseller and the company's own admin at once: every write
/// applied whole, none lost, and a search by name sees the last one.
async fn profile_writes_are_atomic(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let acme = app.reseller_token().await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let id = "Cust0mer0001";
    let start = version_of(&app, id).await;
    let (tally, _) = all_at_once(N, |i| {
        let form = Form::new()
            .text("ResourceId", id)
            .text("Name", format!("Profile {i}"))
            .text("IndustryResourceId", "industry0001")
            .text("CountryResourceId", "country00001")
            .text("Description", format!("description {i}"));
        let token = if i % 2 == 0 { &acme } else { &admin };
        let request = app.client.put(app.url("/api/companies/limited")).bearer_auth(token).multipart(form);
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(version_of(&app, id).await, start + N as i64, "no lost update");
    let (_, company) =
        json(app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(&acme).send().await.unwrap()).await;
    let name = company["data"]["name"].as_str().unwrap().to_owned();
    let i: usize = name.trim_start_matches("Profile ").parse().unwrap();
    assert_eq!(company["data"]["description"], json!(format!("description {i}")), "one request's fields");
    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
                        "filter": {"FilterGroups": [{"FilterItems": [
                            {"FieldName": "CompanyName", "Operator": "=", "Value": name}]}]}});
    let (_, found) = json(app.search(&acme, &search).await).await;
    assert_eq!(found["data"]["results"][0]["companyResourceId"], id, "{found}");
}

/// Every company `/api/companies/my` lists below the caller.
async fn my_ids(app: &TestApp, token: &str) -> HashSet<String> {
    fn walk(node: &Value, out: &mut HashSet<String>) {
        for child in node["children"].as_array().unwrap() {
            out.insert(child["resourceId"].as_str().unwrap().to_owned());
            walk(child, out);
        }
    }
    let (status, my) =
        json(app.client.get(app.url("/api/companies/my")).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{my}");
    let mut out = HashSet::new();
    walk(&my["data"][0], &mut out);
    out
}

async fn tokens_and_logins_under_concurrency(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let tokens = app.count_all("access_tokens").await;
    let (tally, answers) = all_at_once(N, |_| {
        let request = app.client.post(app.url("/connect/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "acme-reseller"),
            ("client_secret", "s3cret-value"),
            ("scope", "api1"),
        ]);
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(app.count_all("access_tokens").await, tokens + N as i64);
    // Tokens asked for together have their rows written together: each token is distinct and
    // works as soon as it is handed out.
    let issued: HashSet<String> =
        answers.iter().map(|(_, body)| body["access_token"].as_str().unwrap().to_owned()).collect();
    assert_eq!(issued.len(), N);
    let issued: Vec<String> = issued.into_iter().collect();
    let (tally, _) = all_at_once(N, |i| {
        let request = app.client.get(app.url("/api/industries")).bearer_auth(&issued[i]);
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));

    let clients: Vec<reqwest::Client> = (0..N).map(|_| app.fresh_client()).collect();
    let (tally, _) = all_at_once(N, |i| {
        let request = clients[i]
            .post(app.url("/auth/login"))
            .json(&json!({"email": "company1@email.com", "password": "password123"}));
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(app.count_all("sessions").await, N as i64);
    let (tally, _) = all_at_once(N, |i| {
        let request = clients[i].delete(app.url("/auth/login"));
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(app.count_all("sessions").await, 0);
}

fn client_body(client_id: &str) -> Value {
    json!({"name": "Integration", "clientId": client_id, "clientSecret": "brand-new-s3cret", "statusId": 1,
           "hasIpAddressRestriction": false, "allowedIpAddresses": [], "roleResourceIdList": ["RoleCompAdmn"]})
}

async fn client_management_under_concurrency(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let acme = app.reseller_token().await;
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = app.client.request(method, app.url(&path)).bearer_auth(&acme);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    let before = app.count_all("api_clients").await;
    let (tally, _) = all_at_once(N, |i| {
        call(reqwest::Method::POST, "/api/companies/clients".into(), Some(client_body(&format!("c-{i}"))))
    })
    .await;
    assert_eq!(tally, only(200, N));
    assert_eq!(app.count_all("api_clients").await, before + N as i64);

    // One client id, 50 creators: one wins, the others are told it is taken.
    let (tally, answers) = all_at_once(N, |_| {
        call(reqwest::Method::POST, "/api/companies/clients".into(), Some(client_body("contested")))
    })
    .await;
    assert_eq!(tally, BTreeMap::from([(200, 1), (400, N - 1)]));
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == 400)
            .all(|(_, b)| b["validationMessages"] == json!(["Client id is already taken"]))
    );
    let winner = answers.iter().find(|(s, _)| *s == 200).unwrap().1["data"]["resourceId"].as_str().unwrap().to_owned();

    let path = format!("/api/companies/clients/{winner}");
    let (tally, _) = all_at_once(N, |i| {
        let mut body = client_body("contested");
        body["name"] = json!(format!("Renamed {i}"));
        call(reqwest::Method::PUT, path.clone(), Some(body))
    })
    .await;
    assert_eq!(tally, only(200, N));
    let (tally, _) = all_at_once(N, |_| call(reqwest::Method::DELETE, path.clone(), None)).await;
    assert_eq!(tally, BTreeMap::from([(200, 1), (404, N - 1)]), "a client is deleted once");
    assert_eq!(app.count("api_clients", "client_id", "contested").await, 0);
}

async fn deletes_and_bulk_deletes_under_concurrency(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let acme = app.reseller_token().await;
    let body = json!({"items": ["Cust0mer0001", "Cust0mer0002", "Cust0mer0003"]});
    let (tally, answers) = all_at_once(N, |_| {
        let request = app.client.delete(app.url("/api/companies/bulk-delete")).bearer_auth(&acme).json(&body);
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, N));
    let deleted: u64 = answers.iter().map(|(_, b)| crate::reseller_more::bulk_outcome(b).0.0).sum();
    assert_eq!(deleted, 3, "each company deleted exactly once over all bulk requests");
    assert_eq!(app.count_all("deletion_receipts").await, 3);
}

async fn an_idempotency_key_deletes_once_under_twenty_duplicates(db: Db) {
    let app = spawn_app_with(db, UNLIMITED).await;
    let acme = app.reseller_token().await;
    let (tally, answers) = all_at_once(20, |_| {
        let request = app
            .client
            .delete(app.url("/api/companies/Cust0mer0001"))
            .bearer_auth(&acme)
            .header("Idempotency-Key", "once-only");
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(200, 20), "every duplicate gets the first answer");
    assert!(answers.iter().all(|a| a == &answers[0]), "identical answers");
    assert_eq!(answers[0].1["data"]["resourceId"], "Cust0mer0001");
    assert_eq!(app.count("deletion_receipts", "company_id", "Cust0mer0001").await, 1, "deleted once");

    // A refusal is one outcome too: 20 duplicates against a company that manages others.
    let (tally, _) = all_at_once(20, |_| {
        let request = app
            .client
            .delete(app.url("/api/companies/SubReseller1"))
            .bearer_auth(&acme)
            .header("Idempotency-Key", "refused");
        async move { json(request.send().await.unwrap()).await }
    })
    .await;
    assert_eq!(tally, only(409, 20));
}

crate::on_both_databases!(
    state_changes_lose_no_update,
    reseller_company_writes_are_atomic,
    profile_writes_are_atomic,
    tokens_and_logins_under_concurrency,
    client_management_under_concurrency,
    deletes_and_bulk_deletes_under_concurrency,
    an_idempotency_key_deletes_once_under_twenty_duplicates,
);
