//! Two replicas over one database: sessions and tokens from one work on the other, and a logout
//! or deletion on one is seen by the other at once.
use serde_json::json;

use companygate_domain::fixtures::Fixture;
use companygate_server::application;
use companygate_server::settings::CommonSettings;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::test_app::{Db, EmptyDatabase, FIXTURE, GOD_TOKEN, json, spawn_app};

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

crate::on_both_databases!(
    sessions_and_tokens_work_across_replicas,
    a_replica_shutting_down_is_unready_while_it_drains,
    replicas_starting_together_migrate_once_and_share_one_key,
);
