//! `/auth/login`, `/auth/me`, `GET /`, `GET /company/{id}`.
use serde_json::json;

use crate::test_app::{Db, json, spawn_app};

// upstream (auth.js, "Login endpoint test" › "Input Validation" › email, password): email
// required and a valid e-mail, password required and a string; ours: every failing field listed.
async fn login_validation_lists_every_failing_field(db: Db) {
    let app = spawn_app(db).await;
    let cases = [
        (
            json!({}),
            json!([{"location":"body","msg":"required","param":"email"},{"location":"body","msg":"required","param":"password"}]),
        ),
        (
            json!({"email": "not-an-email", "password": 5}),
            json!([
            {"value":"not-an-email","location":"body","msg":"must-be-a-valid-email","param":"email"},
            {"value":5,"location":"body","msg":"must-be-string","param":"password"}]),
        ),
        (
            json!({"email": 42, "password": "x"}),
            json!([{"value":42,"location":"body","msg":"must-be-string","param":"email"}]),
        ),
    ];
    for (body, errors) in cases {
        let response = app.client.post(app.url("/auth/login")).json(&body).send().await.unwrap();
        assert_eq!(json(response).await, (422, json!({"error_code": 1, "errors": errors})), "{body}");
    }
}

// upstream: "should unsuccessfully login with registered account (wrong password)"; ours: an
// e-mail not registered is the same 401
async fn bad_credentials_get_the_plain_text_unauthorized(db: Db) {
    let app = spawn_app(db).await;
    for (email, password) in [("company1@email.com", "wrong"), ("nobody@email.com", "password123")] {
        let response = app
            .client
            .post(app.url("/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        assert_eq!(response.text().await.unwrap(), "Unauthorized");
    }
}

// upstream: "should successfully login with registered account", "should be successful when
// loging out the current user", "should return an error since no user is logged in", "Using logged
// out user" › "should return OK since the logout is idempotent"; ours: the e-mail trimmed, any case
async fn a_login_opens_a_session_that_me_reads_and_logout_closes(db: Db) {
    let app = spawn_app(db).await;
    let response = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "  Company1@Email.com ", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("connect.sid="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP gets no Secure flag");
    assert_eq!(response.json::<serde_json::Value>().await.unwrap(), json!({}));
    let (status, me) = json(app.me(&app.client).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["data"]["email"], "company1@email.com");
    assert_eq!(me["data"]["isAdmin"], false);
    assert_eq!(me["data"]["company"]["name"], "test-company-1");
    // Only a hash of the cookie is stored.
    let value = cookie.trim_start_matches("connect.sid=").split(';').next().unwrap();
    assert_eq!(app.count("sessions", "id_hash", value).await, 0);
    assert_eq!(app.count_all("sessions").await, 1);

    let response = app.client.delete(app.url("/auth/login")).send().await.unwrap();
    assert_eq!(json(response).await, (200, json!({})));
    assert_eq!(app.count_all("sessions").await, 0);
    // Replaying the old cookie after logout does not work.
    let replay = app
        .fresh_client()
        .get(app.url("/auth/me"))
        .header("cookie", format!("connect.sid={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    // Logging out without a session is fine too.
    assert_eq!(json(app.client.delete(app.url("/auth/login")).send().await.unwrap()).await, (200, json!({})));
}

async fn logging_in_again_replaces_the_previous_session(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    assert_eq!(app.login("company2@email.com", "password123").await, 200);
    assert_eq!(app.count_all("sessions").await, 1, "the first session was destroyed, not left behind");
    let (_, me) = json(app.me(&app.client).await).await;
    assert_eq!(me["data"]["email"], "company2@email.com");
}

async fn the_root_says_online_and_a_company_shows_its_visible_offers(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(json(app.client.get(app.url("/")).send().await.unwrap()).await, (200, json!({"online": true})));
    let (status, body) = json(app.client.get(app.url("/company/43757374306d657230303031")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["company"]["name"], "test-company-1");
    let titles: Vec<_> = body["offers"].as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Test Offer"], "hidden offers are not shown to anonymous users");
    let (status, body) = json(app.client.get(app.url("/company/nope")).send().await.unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["msg"], "must-be-a-valid-id");
}

crate::on_both_databases!(
    login_validation_lists_every_failing_field,
    bad_credentials_get_the_plain_text_unauthorized,
    a_login_opens_a_session_that_me_reads_and_logout_closes,
    logging_in_again_replaces_the_previous_session,
    the_root_says_online_and_a_company_shows_its_visible_offers,
);
