//! Session expiry, login limits and secure cookies of the session dialect.
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::test_app::{Db, json, spawn_app, spawn_app_with};

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

crate::on_both_databases!(an_expired_session_is_rejected, logins_are_limited_per_email_and_per_address,);

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
