//! Rate limits: 429 with `Retry-After`, RFC 6749-style on the token endpoint, envelope on `/api`.
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::test_app::{Db, TestApp, json, spawn_app_with, test_redis_url, unique_redis_prefix};

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
    // A read that checks the token in its own statement counts against the same limit, and is
    // refused the same way, for a company it may read or one that does not exist.
    for id in ["Cust0mer0001", "N0suchC0mpny"] {
        let response =
            app.client.get(format!("{}/api/companies/{id}", app.address)).bearer_auth(&acme).send().await.unwrap();
        assert!(response.headers().get("retry-after").is_some());
        let (status, reply) = json(response).await;
        assert_eq!((status, reply["status"].as_str()), (429, Some("TOO_MANY_REQUESTS")), "{id}");
    }
    // A token the database no longer honours is refused first.
    let backend = app.db.get_database_backend();
    let statement = Statement::from_sql_and_values(backend, "UPDATE access_tokens SET revoked = $1", [true.into()]);
    app.db.execute(statement).await.unwrap();
    let response =
        app.client.get(format!("{}/api/companies/Cust0mer0001", app.address)).bearer_auth(&acme).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

async fn token(client: &reqwest::Client, base: &str, id: &str, secret: &str) -> reqwest::Response {
    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    client.post(format!("{base}/connect/token")).form(&form).send().await.unwrap()
}

/// Two replicas given one Redis and one key prefix count every limit once between them: a client
/// that spent its token budget on one is refused by the other, and so on for `/api` calls and
/// logins; a replica with another prefix (another deployment) has budgets of its own.
async fn replicas_sharing_redis_enforce_each_limit_once(db: Db) {
    let redis = test_redis_url();
    let prefix = unique_redis_prefix();
    let flags = [
        "--redis-url",
        &redis,
        "--redis-key-prefix",
        &prefix,
        "--token-rate-limit-per-client",
        "4",
        "--api-rate-limit-per-client",
        "4",
        "--login-rate-limit-per-email",
        "2",
    ];
    let app = spawn_app_with(db, &flags).await;
    let replica = app.replica_with(&flags).await;
    let bases = [app.address.clone(), replica.address.clone()];
    for i in 0..4 {
        let response = token(&app.client, &bases[i % 2], "acme-reseller", "s3cret-value").await;
        assert_eq!(response.status(), 200, "token {i}");
    }
    for base in &bases {
        let response = token(&app.client, base, "acme-reseller", "s3cret-value").await;
        assert_eq!(response.status(), 429, "{base}");
        let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15).contains(&retry), "one token comes back every 15 s: {retry}");
        assert_eq!(json(response).await.1["error"], "slow_down");
    }

    let bearer = app.token("globex-reseller", "gl0bex-s3cret").await;
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true});
    let search =
        |base: &str| app.client.post(format!("{base}/api/companies/search")).bearer_auth(&bearer).json(&body).send();
    for i in 0..4 {
        assert_eq!(search(&bases[i % 2]).await.unwrap().status(), 200, "search {i}");
    }
    for base in &bases {
        let (status, reply) = json(search(base).await.unwrap()).await;
        assert_eq!((status, reply["status"].as_str()), (429, Some("TOO_MANY_REQUESTS")), "{base}");
    }

    let login = |base: &str| {
        app.fresh_client()
            .post(format!("{base}/auth/login"))
            .json(&json!({"email": "company1@email.com", "password": "wrong"}))
            .send()
    };
    assert_eq!(login(&bases[0]).await.unwrap().status(), 401);
    assert_eq!(login(&bases[1]).await.unwrap().status(), 401);
    let (status, reply) = json(login(&bases[0]).await.unwrap()).await;
    assert_eq!((status, reply["error_code"].as_i64()), (429, Some(3)), "{reply}");

    let elsewhere = unique_redis_prefix();
    let mut other_flags = flags;
    other_flags[3] = &elsewhere;
    let other = app.replica_with(&other_flags).await;
    assert_eq!(token(&app.client, &other.address, "acme-reseller", "s3cret-value").await.status(), 200);
}

/// With Redis gone, the limiter does what it was told: fail open lets requests through unlimited,
/// fail closed refuses them with 429 and `Retry-After: 1`; nothing answers 500.
async fn an_unreachable_redis_fails_open_or_closed_as_told(db: Db) {
    // Nothing listens on port 1.
    let gone = ["--redis-url", "redis://127.0.0.1:1", "--token-rate-limit-per-client", "1"];
    let open: TestApp = spawn_app_with(db, &gone).await;
    for i in 0..3 {
        assert_eq!(token(&open.client, &open.address, "acme-reseller", "s3cret-value").await.status(), 200, "{i}");
    }
    let closed =
        open.replica_with(&[gone.as_slice(), &["--rate-limits-when-redis-unreachable", "closed"]].concat()).await;
    let response = token(&open.client, &closed.address, "acme-reseller", "s3cret-value").await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let response = open.client.get(format!("{}/api/industries", closed.address)).send().await.unwrap();
    assert_eq!(response.status(), 401, "authentication comes before the limit");
}

/// Redis coming back while requests keep arriving (closer together than the reconnect pause) is
/// found again, and the limit holds again.
async fn limits_are_shared_again_once_redis_is_back(db: Db) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}");
    let prefix = unique_redis_prefix();
    let flags = ["--redis-url", &url, "--redis-key-prefix", &prefix, "--token-rate-limit-per-client", "2"];
    let app = spawn_app_with(db, &flags).await;
    let ask = || token(&app.client, &app.address, "acme-reseller", "s3cret-value");
    for _ in 0..4 {
        assert_eq!(ask().await.status(), 200, "Redis away: fail open");
    }
    let mut redis = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server starts");
    // Requests every 200 ms: within a few seconds the limit (2 a minute) refuses again.
    let mut refused = false;
    for _ in 0..40 {
        if ask().await.status() == 429 {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let _ = redis.kill();
    let _ = redis.wait();
    assert!(refused, "the limit is enforced again once Redis answers");
}

crate::on_both_databases!(
    limits_are_shared_again_once_redis_is_back,
    token_requests_are_limited_per_client_and_per_address,
    api_calls_are_limited_per_client_in_the_envelope,
    replicas_sharing_redis_enforce_each_limit_once,
    an_unreachable_redis_fails_open_or_closed_as_told,
);
