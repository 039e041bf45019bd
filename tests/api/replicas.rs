//! Two replicas over one database: sessions and tokens from one work on the other; a write made
//! through one, or straight in the database, is seen by the next request to either.

use serde_json::json;

use companygate_domain::fixtures::Fixture;
use companygate_server::application;
use companygate_server::settings::CommonSettings;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::test_app::{Db, EmptyDatabase, FIXTURE, GOD_TOKEN, company_name, json, spawn_app};

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

/// Writes made elsewhere are seen by the very next request to either replica: a company renamed
/// straight in the database (its record and a search page), and a client deactivated on the other
/// replica, right after each replica answered the same reads from the old state.
async fn writes_made_elsewhere_are_seen_by_the_next_request(db: Db) {
    let a = spawn_app(db).await;
    // The flag of the reads once kept in memory is still accepted (it changes nothing).
    let b = a.replica_with(&["--keep-reads-in-memory", "true"]).await;
    let client = a.fresh_client();
    let token = a.reseller_token().await;
    let named = one_condition("CompanyName", "Contains", "test-company");
    for round in 0..10 {
        let renamed = format!("test-company-renamed-{round}");
        for base in [&a.address, &b.address] {
            assert!(company_name(&client, base, &token, "Cust0mer0001").await.is_some());
            assert_eq!(searched(&client, base, &token, &named).await.1, 2);
        }
        let rename = "UPDATE companies SET name = $1, version = version + 1 WHERE id = $2";
        let backend = a.db.get_database_backend();
        let rename = Statement::from_sql_and_values(backend, rename, [renamed.clone().into(), "Cust0mer0001".into()]);
        a.db.execute(rename).await.unwrap();
        for base in [&a.address, &b.address] {
            assert_eq!(company_name(&client, base, &token, "Cust0mer0001").await.as_deref(), Some(renamed.as_str()));
            assert!(searched(&client, base, &token, &named).await.0.contains(&renamed), "round {round}");
        }
    }

    let created =
        client.post(a.url("/api/companies/clients")).bearer_auth(&token).json(&paused_client(1)).send().await.unwrap();
    let (status, created) = json(created).await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["resourceId"].as_str().unwrap().to_owned();
    let paused = a.token("paused-elsewhere", "brand-new-s3cret").await;
    let my_on_b = || {
        let request = client.get(b.url("/api/companies/my")).bearer_auth(&paused).send();
        async move { request.await.unwrap().status().as_u16() }
    };
    assert_eq!(my_on_b().await, 200);
    let pause = client
        .put(a.url(&format!("/api/companies/clients/{id}")))
        .bearer_auth(&token)
        .json(&paused_client(2))
        .send()
        .await
        .unwrap();
    assert_eq!(json(pause).await.0, 200);
    assert_eq!(my_on_b().await, 401, "a client deactivated on another replica is refused at once");
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

crate::on_both_databases!(
    writes_made_elsewhere_are_seen_by_the_next_request,
    sessions_and_tokens_work_across_replicas,
    a_replica_shutting_down_is_unready_while_it_drains,
    replicas_starting_together_migrate_once_and_share_one_key,
);
