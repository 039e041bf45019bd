//! Blocking, disabling, listing, session expiry and login limits of the session dialect.
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::test_app::{Db, GOD_TOKEN, TestApp, hex, json, spawn_app, spawn_app_with};

async fn put(app: &TestApp, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    json(client.put(app.url(path)).json(&body).send().await.unwrap()).await
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    json(client.get(app.url(path)).send().await.unwrap()).await
}

async fn block_validates_its_body_and_lists_every_failure(db: Db) {
    let app = spawn_app(db).await;
    let anon = app.fresh_client();
    let path = format!("/company/{}/block", hex("Cust0mer0001"));
    let (status, body) = put(&app, &anon, &path, json!({"god_token": GOD_TOKEN})).await;
    assert_eq!(
        (status, body),
        (422, json!({"error_code": 1, "errors": [{"location": "body", "msg": "required", "param": "adminReason"}]}))
    );
    let (status, body) = put(&app, &anon, &path, json!({"god_token": GOD_TOKEN, "adminReason": 7})).await;
    assert_eq!(
        (status, body["errors"].clone()),
        (422, json!([{"value": 7, "location": "body", "msg": "must-be-string", "param": "adminReason"}]))
    );
    let (status, body) = put(&app, &anon, "/company/123/block", json!({"god_token": GOD_TOKEN})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"],
        json!([
        {"value": "123", "location": "params", "msg": "must-be-a-valid-id", "param": "companyId"},
        {"location": "body", "msg": "required", "param": "adminReason"}])
    );
    let (status, body) =
        put(&app, &anon, "/company/NoSuchCompny/block", json!({"god_token": GOD_TOKEN, "adminReason": "x"})).await;
    assert_eq!((status, body["errors"][0]["msg"].as_str()), (422, Some("no-company-found-with-id:NoSuchCompny")));
}

async fn a_blocked_company_disappears_with_its_offers_and_its_sessions(db: Db) {
    let app = spawn_app(db).await;
    let company = app.fresh_client();
    assert_eq!(app.login_with(&company, "company1@email.com", "password123").await, 200);
    let admin = app.fresh_client();
    assert_eq!(app.login_with(&admin, "admin@email.com", "password123").await, 200);
    let anon = app.fresh_client();
    let id = hex("Cust0mer0001");

    let (status, body) = put(&app, &admin, &format!("/company/{id}/block"), json!({"adminReason": "spam"})).await;
    assert_eq!(
        (status, body["isBlocked"].as_bool(), body["adminReason"].as_str(), body["__v"].as_i64()),
        (200, Some(true), Some("spam"), Some(1))
    );
    let (status, body) = get(&app, &anon, &format!("/company/{id}")).await;
    assert_eq!(
        (status, body["errors"][0]["msg"].as_str()),
        (422, Some(format!("no-company-found-with-id:{id}").as_str()))
    );
    assert_eq!(get(&app, &anon, &format!("/offers/company/{id}")).await.0, 422);
    let (_, listed) = get(&app, &anon, "/company?limit=100").await;
    assert!(!listed["companies"].as_array().unwrap().iter().any(|c| c["_id"] == id.as_str()));
    assert_eq!(listed["totalDocCount"], 6);
    let (_, listed) = get(&app, &admin, "/company?limit=100").await;
    assert_eq!(listed["totalDocCount"], 7, "admins see blocked companies");
    let (_, offers) = get(&app, &admin, &format!("/offers/company/{id}")).await;
    assert!(offers.as_array().unwrap().iter().all(|o| o["isHidden"] == true), "{offers}");
    // The company's accounts act as logged out, and cannot log in again.
    assert_eq!(app.me(&company).await.status(), 401);
    assert_eq!(app.login_with(&app.fresh_client(), "company1@email.com", "password123").await, 401);

    let (status, body) = put(&app, &admin, &format!("/company/{id}/unblock"), json!({})).await;
    assert_eq!((status, body["isBlocked"].as_bool(), body["__v"].as_i64()), (200, Some(false), Some(2)));
    assert!(body.get("adminReason").is_none());
    let (_, offers) = get(&app, &anon, &format!("/offers/company/{id}")).await;
    let titles: Vec<&str> = offers.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Test Offer"], "unblocking shows what blocking hid, not what was hidden before");
    assert_eq!(app.me(&company).await.status(), 200);
}

async fn a_company_disables_and_enables_itself(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    let id = hex("Cust0mer0001");
    let (status, body) = put(&app, &app.client, &format!("/company/{id}/disable"), json!({})).await;
    assert_eq!((status, body["isDisabled"].as_bool()), (200, Some(true)));
    assert_eq!(get(&app, &app.fresh_client(), &format!("/company/{id}")).await.0, 422);
    assert_eq!(get(&app, &app.client, &format!("/company/{id}")).await.0, 200, "the company still sees itself");
    assert_eq!(app.me(&app.client).await.status(), 200, "a disabled company stays logged in");
    let (status, body) = put(&app, &app.client, &format!("/company/{id}/enable"), json!({})).await;
    assert_eq!((status, body["isDisabled"].as_bool(), body["__v"].as_i64()), (200, Some(false), Some(2)));
    assert_eq!(get(&app, &app.fresh_client(), &format!("/company/{id}")).await.0, 200);
}

async fn listing_pages_and_validates_its_query(db: Db) {
    let app = spawn_app(db).await;
    let anon = app.fresh_client();
    let (status, body) = get(&app, &anon, "/company?limit=2&offset=1").await;
    assert_eq!(
        (status, body["totalDocCount"].as_i64(), body["companies"].as_array().unwrap().len()),
        (200, Some(7), 2)
    );
    assert_eq!(body["companies"][0]["name"], "Northwind Sub-Reseller");
    let (status, body) = get(&app, &anon, "/company?limit=0&offset=-1").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"],
        json!([
        {"value": "0", "location": "query", "msg": "must-be-in-range:1-100", "param": "limit"},
        {"value": "-1", "location": "query", "msg": "must-be-in-range:0-9223372036854775807", "param": "offset"}])
    );
    assert_eq!(get(&app, &anon, "/company?limit=abc").await.0, 422);
}

async fn an_expired_session_is_rejected(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    assert_eq!(app.me(&app.client).await.status(), 200);
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    let backend = app.db.get_database_backend();
    app.db
        .execute(Statement::from_sql_and_values(backend, "UPDATE sessions SET expires_at = $1", [past.into()]))
        .await
        .unwrap();
    let (status, body) = json(app.me(&app.client).await).await;
    assert_eq!((status, body), (401, json!({"error_code": 3, "errors": [{"msg": "login-required"}]})));
}

async fn logins_are_limited_per_email_and_per_address(db: Db) {
    let app = spawn_app_with(db, &["--login-rate-limit-per-email", "2", "--login-rate-limit-per-ip", "4"]).await;
    assert_eq!(app.login_with(&app.fresh_client(), "company1@email.com", "wrong").await, 401);
    assert_eq!(app.login_with(&app.fresh_client(), "company1@email.com", "password123").await, 200);
    let response = app
        .fresh_client()
        .post(app.url("/auth/login"))
        .json(&json!({"email": "Company1@email.com", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], 3);
    assert_eq!(
        app.login_with(&app.fresh_client(), "company2@email.com", "password123").await,
        200,
        "another e-mail has its own budget"
    );
    assert_eq!(
        app.login_with(&app.fresh_client(), "admin@email.com", "password123").await,
        429,
        "until the address runs out"
    );
}

crate::on_both_databases!(
    block_validates_its_body_and_lists_every_failure,
    a_blocked_company_disappears_with_its_offers_and_its_sessions,
    a_company_disables_and_enables_itself,
    listing_pages_and_validates_its_query,
    an_expired_session_is_rejected,
    logins_are_limited_per_email_and_per_address,
);

mod secure_cookies {
    use crate::test_app::{Db, spawn_app, spawn_app_with};

    async fn cookie_after_login(app: &crate::test_app::TestApp, forwarded_https: bool) -> String {
        let mut request = app
            .fresh_client()
            .post(app.url("/auth/login"))
            .json(&serde_json::json!({"email": "company1@email.com", "password": "password123"}));
        if forwarded_https {
            request = request.header("X-Forwarded-Proto", "https");
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.headers()["set-cookie"].to_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn cookies_are_secure_only_behind_a_trusted_https_proxy() {
        let trusted = spawn_app_with(Db::Sqlite, &["--trusted-proxies", "127.0.0.1"]).await;
        assert!(cookie_after_login(&trusted, true).await.contains("Secure"));
        assert!(!cookie_after_login(&trusted, false).await.contains("Secure"));
        // From anywhere else the header is a claim, not a fact.
        let untrusted = spawn_app(Db::Sqlite).await;
        assert!(!cookie_after_login(&untrusted, true).await.contains("Secure"));
    }
}
