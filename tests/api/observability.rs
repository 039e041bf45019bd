//! What a replica shows of itself: `/metrics` (Prometheus text, one recorder per gateway) and the
//! request id every answer carries in `X-Request-Id`.
use serde_json::json;

use crate::test_app::{Db, GOD_TOKEN, TestApp, hex, spawn_app, spawn_app_with};

/// The value of the sample whose name and labels are exactly `series`, if present.
async fn sample(app: &TestApp, series: &str) -> Option<f64> {
    crate::test_app::metric(&app.client, &app.address, series).await
}

async fn requests_are_counted_per_dialect_route_and_status(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    for _ in 0..3 {
        assert_eq!(app.search(&token, &body).await.status(), 200);
    }
    assert_eq!(app.login("company1@email.com", "wrong").await, 401);
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    assert_eq!(app.client.get(app.url("/no/such/path")).send().await.unwrap().status(), 404);
    let one = app.client.get(app.url("/api/companies/Cust0mer0001")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(one.status(), 200);
    let not_allowed = app.client.patch(app.url("/company/abc/block")).send().await.unwrap();
    assert_eq!(not_allowed.status(), 405);
    let expected = [
        // Routes are named by the specs' path templates, a 405 on a known path too.
        (
            r#"companygate_http_requests_total{dialect="reseller",route="/api/companies/{resourceId}",status="200"}"#,
            1.0,
        ),
        (r#"companygate_http_requests_total{dialect="session",route="/company/{companyId}/block",status="405"}"#, 1.0),
        (r#"companygate_http_requests_total{dialect="reseller",route="/api/companies/search",status="200"}"#, 3.0),
        (
            r#"companygate_http_request_duration_seconds_count{dialect="reseller",route="/api/companies/search",status="200"}"#,
            3.0,
        ),
        (r#"companygate_http_requests_total{dialect="reseller",route="/connect/token",status="200"}"#, 1.0),
        (r#"companygate_http_requests_total{dialect="session",route="/auth/login",status="401"}"#, 1.0),
        (r#"companygate_http_requests_total{dialect="session",route="unmatched",status="404"}"#, 1.0),
        ("companygate_tokens_issued_total", 1.0),
        (r#"companygate_logins_total{outcome="bad_credentials"}"#, 1.0),
        (r#"companygate_logins_total{outcome="success"}"#, 1.0),
        (r#"companygate_outbox_messages{state="pending"}"#, 0.0),
    ];
    for (series, value) in expected {
        assert_eq!(sample(&app, series).await, Some(value), "{series}");
    }
    // Every pool reports its connections; the request reading /metrics holds none of them.
    let pools: &[&str] = match db {
        Db::Postgres => &["read", "write", "tokens", "generic", "custom"],
        Db::Sqlite => &["read", "write", "tokens"],
    };
    for pool in pools {
        let idle = sample(&app, &format!(r#"companygate_db_connections{{pool="{pool}",state="idle"}}"#)).await;
        assert!(idle.is_some(), "{pool}");
    }
    // A latency histogram has buckets.
    let bucket = r#"companygate_http_request_duration_seconds_bucket{dialect="reseller",route="/connect/token",status="200",le="+Inf"}"#;
    assert_eq!(sample(&app, bucket).await, Some(1.0));
}

async fn deletions_are_counted_by_dialect_and_outcome_with_their_rows(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    assert_eq!(app.delete_company(&token, "Cust0mer0002").await.status(), 200);
    assert_eq!(app.delete_company(&token, "Cust0mer0002").await.status(), 404);
    assert_eq!(app.delete_company(&token, "OtherCust001").await.status(), 403);
    let god = Some(json!({"god_token": GOD_TOKEN}));
    assert_eq!(app.session_delete(&app.fresh_client(), &hex("Cust0mer0001"), god).await.status(), 200);
    let expected = [
        (r#"companygate_company_deletions_total{dialect="reseller",outcome="deleted"}"#, 1.0),
        (r#"companygate_company_deletions_total{dialect="reseller",outcome="not_found"}"#, 1.0),
        (r#"companygate_company_deletions_total{dialect="reseller",outcome="forbidden"}"#, 1.0),
        (r#"companygate_company_deletions_total{dialect="session",outcome="deleted"}"#, 1.0),
        (r#"companygate_rows_deleted_total{table="companies"}"#, 2.0),
        // test-company-1 has two offers, test-company-2 one.
        (r#"companygate_rows_deleted_total{table="offers"}"#, 3.0),
    ];
    for (series, value) in expected {
        assert_eq!(sample(&app, series).await, Some(value), "{series}");
    }
}

async fn rate_limit_refusals_are_counted_per_limit(db: Db) {
    let app = spawn_app_with(db, &["--token-rate-limit-per-client", "1"]).await;
    app.reseller_token().await;
    let form = [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "x")];
    for _ in 0..2 {
        let response = app.client.post(app.url("/connect/token")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 429);
    }
    assert_eq!(sample(&app, r#"companygate_rate_limited_total{limit="token-client"}"#).await, Some(2.0));
}

/// A sane `X-Request-Id` is kept and echoed; anything else (too long, odd characters) is replaced
/// by a generated one; without one every answer still gets one, each its own.
async fn every_answer_carries_a_request_id(db: Db) {
    let app = spawn_app(db).await;
    let id_of = |response: &reqwest::Response| response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let sent = app.client.get(app.url("/healthz")).header("x-request-id", "trace-42.a:b_c").send().await.unwrap();
    assert_eq!(id_of(&sent), "trace-42.a:b_c");
    for insane in ["has space", "semi;colon", &"x".repeat(129)] {
        let response = app.client.get(app.url("/auth/me")).header("x-request-id", insane).send().await.unwrap();
        let id = id_of(&response);
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{insane:?} -> {id}");
    }
    let first = app.client.get(app.url("/api/industries")).send().await.unwrap();
    let second = app.client.get(app.url("/api/industries")).send().await.unwrap();
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (401, 401));
    assert_ne!(id_of(&first), id_of(&second), "a refused request has one too, each its own");
}

crate::on_both_databases!(
    requests_are_counted_per_dialect_route_and_status,
    deletions_are_counted_by_dialect_and_outcome_with_their_rows,
    rate_limit_refusals_are_counted_per_limit,
    every_answer_carries_a_request_id,
);
