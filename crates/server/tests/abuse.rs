//! The real binary under abuse: a flood of bad logins and bad token requests keeps its memory
//! bounded, and no secret of any kind reaches its log.
mod support;

use base64::Engine;
use futures_util::future::join_all;
use serde_json::json;
use support::{GOD_TOKEN, http, seed, serve};

/// Limits raised so that every request reaches password hashing.
const UNLIMITED: [&str; 8] = [
    "--login-rate-limit-per-ip",
    "100000",
    "--login-rate-limit-per-email",
    "100000",
    "--token-rate-limit-per-ip",
    "100000",
    "--token-rate-limit-per-client",
    "100000",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_bad_logins_and_token_requests_keep_memory_under_150_mb() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("flood.db").display());
    seed(&db);
    let served = serve(&db, dir.path().join("log"), "warn", &UNLIMITED);
    let client = http();
    let start_kb = served.memory_kb("VmRSS");
    for round in 0..5 {
        let logins = (0..100).map(|i| {
            let email =
                if i % 2 == 0 { "company1@email.com".to_owned() } else { format!("nobody{round}-{i}@email.com") };
            client.post(served.url("/auth/login")).json(&json!({"email": email, "password": "wrong"})).send()
        });
        let tokens = (0..100).map(|i| {
            let id = if i % 2 == 0 { "acme-reseller".to_owned() } else { format!("no-such-client-{i}") };
            client
                .post(served.url("/connect/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", "wrong"),
                    ("scope", "api1"),
                ])
                .send()
        });
        let (logins, tokens) = tokio::join!(join_all(logins), join_all(tokens));
        for answer in logins {
            assert_eq!(answer.unwrap().status(), 401, "a bad login is refused, not failed");
        }
        for answer in tokens {
            assert_eq!(answer.unwrap().status(), 400, "a bad secret is invalid_client");
        }
    }
    let peak_kb = served.memory_kb("VmHWM");
    let end_kb = served.memory_kb("VmRSS");
    println!("resident memory: {start_kb} kB at start, peak {peak_kb} kB, {end_kb} kB after 1000 bad requests");
    assert!(peak_kb < 150 * 1024, "peak resident memory {peak_kb} kB is over 150 MB");
    served.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_of_a_full_flow_carries_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("logs.db").display());
    seed(&db);
    for format in ["text", "json"] {
        let served = serve(&db, dir.path().join(format!("{format}.log")), "debug", &["--log-format", format]);
        let client = http();
        let mut secrets: Vec<String> =
            vec![GOD_TOKEN.into(), "s3cret-value".into(), "password123".into(), "admin-s3cret".into()];

        // Reseller: token with form credentials and with Basic, a bearer call, a bad secret.
        let form =
            [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "s3cret-value")];
        let token: serde_json::Value =
            client.post(served.url("/connect/token")).form(&form).send().await.unwrap().json().await.unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let basic = base64::engine::general_purpose::STANDARD.encode("acme-company-admin:admin-s3cret");
        let answer = client
            .post(served.url("/connect/token"))
            .header("Authorization", format!("Basic {basic}"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let bad =
            [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "guess-0f7e")];
        assert_eq!(client.post(served.url("/connect/token")).form(&bad).send().await.unwrap().status(), 400);
        let search =
            json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true, "filter": null});
        let answer =
            client.post(served.url("/api/companies/search")).bearer_auth(&token).json(&search).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let answer = client.delete(served.url("/api/companies/Cust0mer0002")).bearer_auth(&token).send().await.unwrap();
        assert!(answer.status() == 200 || answer.status() == 404);

        // Session: a wrong and a right password, the cookie, the god token in a body and a query.
        let login = |password: &str| {
            client
                .post(served.url("/auth/login"))
                .json(&json!({"email": "company1@email.com", "password": password}))
                .send()
        };
        assert_eq!(login("wrong-pw-31c9").await.unwrap().status(), 401);
        let answer = login("password123").await.unwrap();
        assert_eq!(answer.status(), 200);
        let cookie = answer.cookies().find(|c| c.name() == "connect.sid").unwrap().value().to_owned();
        assert_eq!(client.get(served.url("/auth/me")).send().await.unwrap().status(), 200);
        let list = client.get(served.url(&format!("/company?limit=5&god_token={GOD_TOKEN}"))).send().await.unwrap();
        assert_eq!(list.status(), 200);
        let preview = format!("/company/Cust0mer0003/deletion-preview?god_token={GOD_TOKEN}");
        // The second round finds the company deleted by the first.
        let status = client.get(served.url(&preview)).send().await.unwrap().status();
        assert!(status == 200 || status == 422, "{status}");
        let answer = client
            .post(served.url("/company/Cust0mer0003/delete"))
            .json(&json!({"god_token": GOD_TOKEN}))
            .send()
            .await
            .unwrap();
        assert!(answer.status() == 200 || answer.status() == 422);
        assert_eq!(client.delete(served.url("/auth/login")).send().await.unwrap().status(), 200);

        let log = served.stop();
        assert!(log.contains("/company/Cust0mer0003/deletion-preview"), "the flow was logged:\n{log}");
        assert!(log.contains("god_token=[redacted]"), "the query is logged, its secret is not:\n{log}");
        secrets.extend([token.clone(), basic, cookie, "guess-0f7e".into(), "wrong-pw-31c9".into()]);
        for secret in &secrets {
            assert!(!log.contains(secret.as_str()), "{format} log carries the secret {secret:?}:\n{log}");
        }
    }
}
