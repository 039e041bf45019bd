//! Rate limits: 429 with `Retry-After`, RFC 6749-style on the token endpoint, envelope on `/api`.
use serde_json::json;

use crate::test_app::{Db, json, spawn_app_with};

async fn token_requests_are_limited_per_client_and_per_address(db: Db) {
    let app = spawn_app_with(db, &["--token-rate-limit-per-client", "2", "--token-rate-limit-per-ip", "4"]).await;
    let form = |id: &'static str, secret: &'static str| {
        [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)]
    };
    let url = app.url("/connect/token");
    for _ in 0..2 {
        assert_eq!(
            app.client.post(&url).form(&form("acme-reseller", "s3cret-value")).send().await.unwrap().status(),
            200
        );
    }
    // Wrong secrets count too, so guessing is throttled.
    let response = app.client.post(&url).form(&form("acme-reseller", "guess")).send().await.unwrap();
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, body) = json(response).await;
    assert_eq!(body["error"], "slow_down");
    // Another client has its own budget, until the address runs out.
    assert_eq!(
        app.client.post(&url).form(&form("globex-reseller", "gl0bex-s3cret")).send().await.unwrap().status(),
        200
    );
    let (status, body) =
        json(app.client.post(&url).form(&form("northwind-reseller", "n0rth-s3cret")).send().await.unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (429, Some("slow_down")));
}

async fn api_calls_are_limited_per_client_in_the_envelope(db: Db) {
    let app = spawn_app_with(db, &["--api-rate-limit-per-client", "3"]).await;
    let acme = app.reseller_token().await;
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    for _ in 0..3 {
        assert_eq!(app.search(&acme, &body).await.status(), 200);
    }
    let response = app.search(&acme, &body).await;
    assert!(response.headers().get("retry-after").is_some());
    let (status, reply) = json(response).await;
    assert_eq!(
        (status, reply["status"].as_str(), reply["isSuccess"].as_bool()),
        (429, Some("TOO_MANY_REQUESTS"), Some(false))
    );
    // The limit is per client.
    assert_eq!(app.search(&globex, &body).await.status(), 200);
    // Deletes are limited as well, and a limited delete deletes nothing.
    assert_eq!(app.delete_company(&acme, "Cust0mer0001").await.status(), 429);
    assert_eq!(app.count("companies", "id", "Cust0mer0001").await, 1);
}

crate::on_both_databases!(
    token_requests_are_limited_per_client_and_per_address,
    api_calls_are_limited_per_client_in_the_envelope,
);
