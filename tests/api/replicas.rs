//! Two replicas over one database: sessions and tokens from one work on the other, and a logout
//! or deletion on one is seen by the other at once.
use serde_json::json;

use crate::test_app::{Db, json, spawn_app};

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

crate::on_both_databases!(sessions_and_tokens_work_across_replicas);
