//! Two replicas over one database: sessions and tokens from one work on the other; a logout or
//! deletion on one is seen by the other at once for sessions, and for reads kept in memory as soon
//! as the other's change watcher hears of it.
use std::time::{Duration, Instant};

use serde_json::json;

use companygate_domain::fixtures::Fixture;
use companygate_server::application;
use companygate_server::settings::CommonSettings;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::test_app::{
    Db, EmptyDatabase, FIXTURE, GOD_TOKEN, company_name, json, kept_from_memory, spawn_app, spawn_app_with,
};

async fn sessions_and_tokens_work_across_replicas(db: Db) {
    let a = spawn_app(db).await;
    let b = a.replica().await;
    // The cookie jar is per host and port, so carry the cookie by hand.
    let login = a
        .client
        .post(a.url("/auth/login"))
        .json(&json!({"email": "company1@email.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me_on_b = || a.fresh_client().get(b.url("/auth/me")).header("cookie", cookie.clone()).send();
    assert_eq!(me_on_b().await.unwrap().status(), 200);

    let token = a.reseller_token().await;
    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    let on_b =
        a.fresh_client().post(b.url("/api/companies/search")).bearer_auth(&token).json(&search).send().await.unwrap();
    assert_eq!(on_b.status(), 200, "replica B verifies a token signed by replica A");

    // Deleting on B ends the session made on A, on both.
    let deleted =
        a.fresh_client().delete(b.url("/api/companies/Cust0mer0001")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(json(deleted).await.0, 200);
    assert_eq!(me_on_b().await.unwrap().status(), 401);
    let me_on_a = a.fresh_client().get(a.url("/auth/me")).header("cookie", cookie.clone()).send().await.unwrap();
    assert_eq!(me_on_a.status(), 401);
}

/// Six gateways starting at once on one empty database all come up: the schema is applied once
/// (each migration recorded once), exactly one signing key is made, and a token one of them
/// issues is honoured by every other.
async fn replicas_starting_together_migrate_once_and_share_one_key(db: Db) {
    let empty = EmptyDatabase::new(db).await;
    let common = CommonSettings::from_args(["--god-token", GOD_TOKEN]).expect("valid flags");
    let starts = (0..6).map(|_| application::gateway(&empty.url, &common));
    let gateways: Vec<_> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .enumerate()
        .map(|(i, started)| started.unwrap_or_else(|e| panic!("gateway {i} did not start: {e:#}")))
        .collect();

    let db = Database::connect(&empty.url).await.unwrap();
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let db = &db;
        async move {
            let row = db.query_one(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    use companygate_migration::MigratorTrait;
    let migrations = companygate_migration::Migrator::migrations().len() as i64;
    assert_eq!(count("seaql_migrations").await, migrations, "each migration applied and recorded once");
    assert_eq!(count("signing_keys").await, 1, "one signing key");

    gateways[0].seed(&Fixture::from_json(FIXTURE).unwrap()).await.unwrap();
    let token = gateways[1].issue_token("acme-reseller", "s3cret-value", None).await.unwrap();
    for (i, gateway) in gateways.iter().enumerate() {
        assert!(gateway.authenticate_bearer(&token.access_token).await.is_ok(), "gateway {i} honours the token");
    }
}

/// Shutting down, a replica first answers `/readyz` 503 for its drain time while it still serves
/// requests (so the load balancer takes it out first), then closes its listener.
async fn a_replica_shutting_down_is_unready_while_it_drains(db: Db) {
    let mut app = crate::test_app::spawn_app_with(db, &["--shutdown-drain-seconds", "2"]).await;
    let client = app.fresh_client();
    let (readyz, healthz) = (app.url("/readyz"), app.url("/healthz"));
    assert_eq!(client.get(&readyz).send().await.unwrap().status(), 200);
    app.begin_shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, body) = json(client.get(&readyz).send().await.unwrap()).await;
    assert_eq!((status, body), (503, json!({"status": "draining"})));
    assert_eq!(client.get(&healthz).send().await.unwrap().status(), 200, "still serving while draining");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(app.fresh_client().get(&healthz).send().await.is_err(), "the listener is closed after the drain");
}

/// The API client `paused-elsewhere` with this status (1 active, 2 inactive).
fn paused_client(status: i32) -> serde_json::Value {
    let mut client = json!({"name": "Paused elsewhere", "clientId": "paused-elsewhere", "statusId": status,
           "hasIpAddressRestriction": false, "allowedIpAddresses": [], "roleResourceIdList": ["RoleReseller"]});
    if status == 1 {
        client["clientSecret"] = json!("brand-new-s3cret");
    }
    client
}

/// Calls `probe` until it returns true, for at most two seconds; how long that took.
async fn within_two_seconds<F: std::future::Future<Output = bool>>(mut probe: impl FnMut() -> F) -> Duration {
    let start = Instant::now();
    while !probe().await {
        assert!(start.elapsed() < Duration::from_secs(2), "not seen after {:?}", start.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    start.elapsed()
}

/// Reads a replica answers from memory follow writes made elsewhere: a company renamed straight
/// in the database, and a client deactivated on the other replica, are seen by both replicas as
/// soon as their change watchers hear of it (well within a second), after each replica was shown
/// to answer those very reads from memory.
async fn reads_kept_in_memory_follow_writes_made_elsewhere(db: Db) {
    let a = spawn_app(db).await;
    let b = a.replica().await;
    let client = a.fresh_client();
    let token = a.reseller_token().await;
    let name_on = |base: String| {
        let (client, token) = (&client, &token);
        async move { company_name(client, &base, token, "Cust0mer0001").await }
    };
    let before = name_on(a.address.clone()).await.expect("the company reads");
    // Each replica answers from memory once its watcher confirmed (PostgreSQL: its first heartbeat).
    for base in [&a.address, &b.address] {
        within_two_seconds(|| async {
            name_on(base.clone()).await;
            kept_from_memory(&client, base, "company").await > 0.0
        })
        .await;
    }
    let backend = a.db.get_database_backend();
    let rename = "UPDATE companies SET name = $1, version = version + 1 WHERE id = $2";
    let rename = Statement::from_sql_and_values(backend, rename, ["Renamed Elsewhere".into(), "Cust0mer0001".into()]);
    a.db.execute(rename).await.unwrap();
    for base in [&a.address, &b.address] {
        let took =
            within_two_seconds(|| async { name_on(base.clone()).await.as_deref() == Some("Renamed Elsewhere") }).await;
        println!("{base}: a rename made in the database seen after {took:?}");
    }
    assert_ne!(before, "Renamed Elsewhere");

    // A client's token, kept by B, stops working on B once A deactivates the client.
    let acme = token;
    let created =
        client.post(a.url("/api/companies/clients")).bearer_auth(&acme).json(&paused_client(1)).send().await.unwrap();
    let (status, created) = json(created).await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["resourceId"].as_str().unwrap().to_owned();
    let paused = a.token("paused-elsewhere", "brand-new-s3cret").await;
    let my_on_b = || {
        let request = client.get(b.url("/api/companies/my")).bearer_auth(&paused).send();
        async move { request.await.unwrap().status().as_u16() }
    };
    let kept_before = kept_from_memory(&client, &b.address, "bearer").await;
    within_two_seconds(|| async {
        my_on_b().await == 200 && kept_from_memory(&client, &b.address, "bearer").await > kept_before
    })
    .await;
    let pause = client
        .put(a.url(&format!("/api/companies/clients/{id}")))
        .bearer_auth(&acme)
        .json(&paused_client(2))
        .send()
        .await
        .unwrap();
    assert_eq!(json(pause).await.0, 200);
    let took = within_two_seconds(|| async { my_on_b().await == 401 }).await;
    println!("a client deactivated on another replica refused after {took:?}");
}

/// PostgreSQL: a gateway whose listening connection is cut (as a database restart or a network
/// fault cuts it) misses no change made meanwhile: it stops answering from memory until it listens
/// again, then answers from memory again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_whose_listener_is_cut_misses_no_change() {
    let app = spawn_app(Db::Postgres).await;
    let client = app.fresh_client();
    let token = app.reseller_token().await;
    let name = || company_name(&client, &app.address, &token, "Cust0mer0001");
    within_two_seconds(|| async {
        name().await.is_some() && kept_from_memory(&client, &app.address, "company").await > 0.0
    })
    .await;
    let backend = app.db.get_database_backend();
    let cut = "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
               WHERE datname = current_database() AND query ILIKE 'LISTEN%'";
    let cut = app.db.query_all(Statement::from_string(backend, cut)).await.unwrap();
    assert_eq!(cut.len(), 1, "one listening connection");
    let rename = "UPDATE companies SET name = 'Renamed While Deaf', version = version + 1 WHERE id = 'Cust0mer0001'";
    app.db.execute_unprepared(rename).await.unwrap();
    within_two_seconds(|| async { name().await.as_deref() == Some("Renamed While Deaf") }).await;
    let before = kept_from_memory(&client, &app.address, "company").await;
    within_two_seconds(|| async {
        name().await.is_some() && kept_from_memory(&client, &app.address, "company").await > before
    })
    .await;
}

/// PostgreSQL: when the database cuts the connection that access-token rows are written on (as a
/// restart or a network fault cuts it), a token request meanwhile is refused as unavailable, never
/// a server fault, and tokens are issued again at once: the writer of token rows outlives a
/// failed write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_issued_again_after_their_connection_is_cut() {
    let app = spawn_app(Db::Postgres).await;
    app.reseller_token().await;
    let backend = app.db.get_database_backend();
    let cut = r#"SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
                 WHERE datname = current_database() AND query ILIKE 'INSERT INTO "access_tokens"%'"#;
    let cut = app.db.query_all(Statement::from_string(backend, cut)).await.unwrap();
    assert!(!cut.is_empty(), "the connection token rows were written on");
    let client = app.fresh_client();
    let mut answers = Vec::new();
    for _ in 0..4 {
        let request = client.post(app.url("/connect/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "acme-reseller"),
            ("client_secret", "s3cret-value"),
            ("scope", "api1"),
        ]);
        answers.push(json(request.send().await.unwrap()).await);
    }
    for (status, body) in &answers {
        assert!(*status == 200 || (*status == 503 && body["error"] == "temporarily_unavailable"), "{answers:?}");
    }
    println!("token answers after the cut: {:?}", answers.iter().map(|(status, _)| status).collect::<Vec<_>>());
    let (status, body) = answers.last().unwrap();
    assert_eq!(*status, 200, "{answers:?}");
    let token = body["access_token"].as_str().unwrap();
    let industries = client.get(app.url("/api/industries")).bearer_auth(token).send().await.unwrap();
    assert_eq!(industries.status(), 200);
}

/// The names on the first search page that `body` asks the gateway at `base` for, with the total.
async fn searched(client: &reqwest::Client, base: &str, token: &str, body: &serde_json::Value) -> (Vec<String>, i64) {
    let answer =
        client.post(format!("{base}/api/companies/search")).bearer_auth(token).json(body).send().await.unwrap();
    let (status, answer) = json(answer).await;
    assert_eq!(status, 200, "{answer}");
    let names = answer["data"]["results"].as_array().unwrap();
    let names = names.iter().map(|r| r["companyName"].as_str().unwrap().to_owned()).collect();
    (names, answer["data"]["totalNumberOfRecords"].as_i64().unwrap())
}

/// A search page filtered by one condition, ordered by name.
fn one_condition(field: &str, operator: &str, value: &str) -> serde_json::Value {
    json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
           "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [
               {"FieldName": field, "Operator": operator, "Value": value}]}]}})
}

/// Search pages are kept in memory under the same rule as records: a repeated search is answered
/// from memory; a rename made straight in the database is seen by both replicas as soon as their
/// watchers hear of it; a deletion through one gateway is seen by that gateway's very next search;
/// and a search whose answer depends on the time (whether a licence has expired), or whose filter
/// is large, is never kept.
async fn search_pages_kept_in_memory_follow_writes(db: Db) {
    let a = spawn_app(db).await;
    let b = a.replica().await;
    let client = a.fresh_client();
    let token = a.reseller_token().await;
    let named = one_condition("CompanyName", "Contains", "test-company");
    let on = |base: String| {
        let (client, token, named) = (&client, &token, &named);
        async move { searched(client, &base, token, named).await }
    };
    let both = (vec!["test-company-1".to_owned(), "test-company-2".to_owned()], 2);
    for base in [&a.address, &b.address] {
        within_two_seconds(|| async {
            assert_eq!(on(base.clone()).await, both);
            kept_from_memory(&client, base, "search").await > 0.0
        })
        .await;
    }
    let rename = "UPDATE companies SET name = 'test-company-9', version = version + 1 WHERE id = 'Cust0mer0002'";
    a.db.execute_unprepared(rename).await.unwrap();
    let renamed = (vec!["test-company-1".to_owned(), "test-company-9".to_owned()], 2);
    for base in [&a.address, &b.address] {
        let took = within_two_seconds(|| async { on(base.clone()).await == renamed }).await;
        println!("{base}: a rename made in the database seen by search after {took:?}");
    }
    // Kept again, then a deletion through A: A's very next search no longer lists it.
    within_two_seconds(|| async {
        let before = kept_from_memory(&client, &a.address, "search").await;
        on(a.address.clone()).await;
        kept_from_memory(&client, &a.address, "search").await > before
    })
    .await;
    let deleted = client.delete(a.url("/api/companies/Cust0mer0002")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(json(deleted).await.0, 200);
    assert_eq!(on(a.address.clone()).await, (vec!["test-company-1".to_owned()], 1));

    let expired = one_condition("LicenceExpired", "=", "false");
    let before = kept_from_memory(&client, &a.address, "search").await;
    for _ in 0..5 {
        assert!(searched(&client, &a.address, &token, &expired).await.1 > 0);
    }
    assert_eq!(kept_from_memory(&client, &a.address, "search").await, before, "a search on the time is never kept");
    // Nor one whose filter is large (it would be kept as the page's key).
    let large = one_condition("CompanyName", "Contains", &"z".repeat(2000));
    for _ in 0..5 {
        assert_eq!(searched(&client, &a.address, &token, &large).await, (vec![], 0));
    }
    assert_eq!(kept_from_memory(&client, &a.address, "search").await, before, "a large filter is never kept");
}

/// With `--keep-reads-in-memory false` every read goes to the database: nothing is answered from
/// memory, and a write made straight in the database is seen by the very next read.
async fn reads_can_be_kept_out_of_memory(db: Db) {
    let app = spawn_app_with(db, &["--keep-reads-in-memory", "false"]).await;
    let client = app.fresh_client();
    let token = app.reseller_token().await;
    let name = || company_name(&client, &app.address, &token, "Cust0mer0001");
    for _ in 0..20 {
        assert!(name().await.is_some());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(kept_from_memory(&client, &app.address, "company").await, 0.0);
    assert_eq!(kept_from_memory(&client, &app.address, "bearer").await, 0.0);
    let named = one_condition("CompanyName", "Contains", "test-company");
    for _ in 0..5 {
        assert_eq!(searched(&client, &app.address, &token, &named).await.1, 2);
    }
    assert_eq!(kept_from_memory(&client, &app.address, "search").await, 0.0);
    let rename = "UPDATE companies SET name = 'Renamed At Once', version = version + 1 WHERE id = 'Cust0mer0001'";
    app.db.execute_unprepared(rename).await.unwrap();
    assert_eq!(name().await.as_deref(), Some("Renamed At Once"));
}

crate::on_both_databases!(
    reads_can_be_kept_out_of_memory,
    reads_kept_in_memory_follow_writes_made_elsewhere,
    search_pages_kept_in_memory_follow_writes,
    sessions_and_tokens_work_across_replicas,
    a_replica_shutting_down_is_unready_while_it_drains,
    replicas_starting_together_migrate_once_and_share_one_key,
);
