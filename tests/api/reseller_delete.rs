//! `DELETE /api/companies/{resourceId}`: check order, cascade, concurrency, faults.
use reqwest::StatusCode;
use serde_json::json;

use crate::test_app::{Db, json, spawn_app};

async fn an_unauthenticated_delete_is_a_401_envelope_with_a_bearer_challenge(db: Db) {
    let app = spawn_app(db).await;
    for auth in [None, Some("not-a-jwt"), Some("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl")] {
        let mut request = app.client.delete(app.url("/api/companies/Cust0mer0001"));
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.headers()["www-authenticate"], r#"Bearer error="invalid_token""#);
        let (status, body) = json(response).await;
        assert_eq!(status, 401);
        assert_eq!(body["status"], "UNAUTHORIZED");
        assert_eq!(body["isSuccess"], false);
        assert_eq!(body["data"], serde_json::Value::Null);
    }
    assert_eq!(app.count("companies", "id", "Cust0mer0001").await, 1);
}

async fn a_reseller_deletes_a_managed_company_and_a_second_delete_is_a_404(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let (status, body) = json(app.delete_company(&token, "Cust0mer0001").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data":{"resourceId":"Cust0mer0001"},"status":"SUCCESS","message":"Company deleted","validationMessages":null,"isSuccess":true})
    );
    let (status, body) = json(app.delete_company(&token, "Cust0mer0001").await).await;
    assert_eq!((status, body["status"].as_str()), (404, Some("NOT_FOUND")));
}

async fn deleting_a_company_removes_everything_it_owns_and_writes_a_receipt_and_an_email(db: Db) {
    let app = spawn_app(db).await;
    // Give the company live sessions and tokens first.
    assert_eq!(app.login("company1@email.com", "password123").await, StatusCode::OK);
    app.token("company1-admin", "c1-s3cret").await;
    let token = app.reseller_token().await;
    assert_eq!((app.count_all("sessions").await, app.count_all("access_tokens").await), (1, 2));
    assert_eq!(json(app.delete_company(&token, "Cust0mer0001").await).await.0, 200);
    // The company's session and token went; the reseller's own token stays.
    assert_eq!((app.count_all("sessions").await, app.count_all("access_tokens").await), (0, 1));

    for (table, column) in [
        ("companies", "id"),
        ("offers", "company_id"),
        ("target_users", "company_id"),
        ("accounts", "company_id"),
        ("api_clients", "company_id"),
        ("access_tokens", "company_id"),
        ("company_tags", "company_id"),
    ] {
        assert_eq!(app.count(table, column, "Cust0mer0001").await, 0, "{table} still has rows");
    }
    assert_eq!(app.count("accounts", "email", "company1@email.com").await, 0);
    // Only the company's data went: its sibling is whole.
    assert_eq!(app.count("offers", "company_id", "Cust0mer0002").await, 1);
    assert_eq!(app.count("accounts", "email", "company2@email.com").await, 1);
    // The receipt names the actor by id only and counts what went.
    assert_eq!(app.count("deletion_receipts", "company_id", "Cust0mer0001").await, 1);
    assert_eq!(app.count("deletion_receipts", "actor", "api-client:acme-reseller").await, 1);
    assert_eq!(app.count("outbox", "recipient", "company1@email.com").await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail.len(), 1, "one notice was sent");
    assert!(mail[0].contains("Subject: Your company account on companygate-test has been deleted"), "{}", mail[0]);
    assert!(mail[0].contains("test-company-1"));
    assert!(mail[0].contains("company1@email.com"));
}

async fn the_check_order_is_token_role_existence_management_conflict(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.token("company1-admin", "c1-s3cret").await;
    let reseller = app.reseller_token().await;
    let cases: [(&str, &str, u16, &str); 11] = [
        // A Company Admin is refused before the id is even looked at.
        (&admin, "Cust0mer0002", 403, "FORBIDDEN"),
        (&admin, "NoSuchCompny", 403, "FORBIDDEN"),
        (&reseller, "NoSuchCompny", 404, "NOT_FOUND"),
        // The session dialect's hex spelling is not a reseller id.
        (&reseller, "43757374306d657230303031", 404, "NOT_FOUND"),
        (&reseller, "short", 404, "NOT_FOUND"),
        // Escapes that decode to no UTF-8 are an unknown id too, in their turn.
        (&admin, "%FF", 403, "FORBIDDEN"),
        (&reseller, "%FF", 404, "NOT_FOUND"),
        (&reseller, "OtherCust001", 403, "FORBIDDEN"),
        // A reseller does not manage its own company.
        (&reseller, "xC5kfGz7w2Nz", 403, "FORBIDDEN"),
        (&reseller, "SubReseller1", 409, "FAILED"),
        (&reseller, "Cust0mer0002", 200, "SUCCESS"),
    ];
    for (token, id, expected, status_name) in cases {
        let (status, body) = json(app.delete_company(token, id).await).await;
        assert_eq!((status, body["status"].as_str()), (expected, Some(status_name)), "DELETE {id}: {body}");
        assert_eq!(body["isSuccess"], expected == 200);
    }
    // Nothing but the last one changed anything.
    for id in ["OtherCust001", "xC5kfGz7w2Nz", "SubReseller1", "Cust0mer0001"] {
        assert_eq!(app.count("companies", "id", id).await, 1, "{id} must still exist");
    }
}

async fn a_reseller_deletes_customers_of_its_sub_resellers_but_not_of_other_resellers(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    let globex = app.token("globex-reseller", "gl0bex-s3cret").await;
    assert_eq!(json(app.delete_company(&globex, "Cust0mer0003").await).await.0, 403);
    assert_eq!(json(app.delete_company(&acme, "Cust0mer0003").await).await.0, 200);
    // With its only customer gone the sub-reseller can go too.
    assert_eq!(json(app.delete_company(&acme, "SubReseller1").await).await.0, 200);
}

async fn tokens_and_sessions_of_a_deleted_company_are_rejected_right_after_the_delete(db: Db) {
    let app = spawn_app(db).await;
    let company_token = app.token("company1-admin", "c1-s3cret").await;
    let session = app.fresh_client();
    assert_eq!(app.login_with(&session, "company1@email.com", "password123").await, StatusCode::OK);
    assert_eq!(app.me(&session).await.status(), 200);
    // Before: the Company Admin token is valid (403 for its role, not 401).
    let body = json!({"pageNumber":1,"pageSize":10,"orderBy":"CreateTime","ascending":false});
    assert_eq!(app.search(&company_token, &body).await.status(), 403);

    let reseller = app.reseller_token().await;
    assert_eq!(json(app.delete_company(&reseller, "Cust0mer0001").await).await.0, 200);

    assert_eq!(app.search(&company_token, &body).await.status(), 401);
    let (status, body) = json(app.me(&session).await).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"error_code":3,"errors":[{"msg":"login-required"}]}));
    // The client cannot get a new token either, and the account cannot log in.
    assert!(app.token_with("company1-admin", "c1-s3cret", oauth2::AuthType::RequestBody).await.is_err());
    assert_eq!(app.login_with(&app.fresh_client(), "company1@email.com", "password123").await, 401);
}

async fn twenty_simultaneous_deletes_of_one_company_give_exactly_one_success(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let attempts = (0..20).map(|_| {
        let request = app.client.delete(app.url("/api/companies/Cust0mer0001")).bearer_auth(&token);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let mut statuses = futures_join_all(attempts).await;
    statuses.sort();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 19, "{statuses:?}");
    assert_eq!(app.count("deletion_receipts", "company_id", "Cust0mer0001").await, 1);
    assert_eq!(app.count("outbox", "recipient", "company1@email.com").await, 1);
}

async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

async fn a_failure_halfway_through_deletion_leaves_every_row_in_place(db: Db) {
    let app = spawn_app(db).await;
    // Sabotage the last step: deleting the company row itself fails inside the transaction.
    match db {
        Db::Sqlite => {
            app.db
                .execute_unprepared(
                    "CREATE TRIGGER sabotage BEFORE DELETE ON companies BEGIN SELECT RAISE(ABORT, 'sabotage'); END;",
                )
                .await
                .unwrap();
        }
        Db::Postgres => {
            app.db
                .execute_unprepared(
                    "CREATE FUNCTION sabotage() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'sabotage'; END; $$ LANGUAGE plpgsql;
                     CREATE TRIGGER sabotage BEFORE DELETE ON companies FOR EACH ROW EXECUTE FUNCTION sabotage();",
                )
                .await
                .unwrap();
        }
    }
    let before = snapshot(&app).await;
    let token = app.reseller_token().await;
    let response = app.delete_company(&token, "Cust0mer0001").await;
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (status, body) = json(response).await;
    assert_eq!(status, 500);
    assert_eq!(body["status"], "INTERNAL_SERVER_ERROR");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(&format!("correlation id {request_id}")), "the request id names it: {message}");
    assert!(!message.contains("sabotage"), "internals leaked: {message}");
    // The token issued above added one row; everything else is as it was.
    let mut after = snapshot(&app).await;
    after.retain(|(t, _)| *t != "access_tokens");
    let mut before = before;
    before.retain(|(t, _)| *t != "access_tokens");
    assert_eq!(before, after);
    assert!(app.sent_mail().is_empty());
}

use sea_orm::ConnectionTrait;

async fn snapshot(app: &crate::test_app::TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "companies",
        "company_tags",
        "accounts",
        "offers",
        "target_users",
        "api_clients",
        "access_tokens",
        "sessions",
        "deletion_receipts",
        "outbox",
    ] {
        counts.push((table, app.count_all(table).await));
    }
    counts
}

async fn malformed_bodies_and_unknown_routes_answer_in_the_envelope(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let url = app.url("/api/companies/search");
    let cases = [
        app.client.post(&url).bearer_auth(&token).header("content-type", "application/json").body("{not json"),
        app.client.post(&url).bearer_auth(&token).header("content-type", "text/plain").body("hello"),
        app.client.post(&url).bearer_auth(&token),
    ];
    for request in cases {
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["status"], "INPUT_ERROR");
        assert_eq!(body["message"], "Invalid request");
        assert!(body["validationMessages"].as_array().is_some_and(|v| !v.is_empty()));
    }
    let (status, body) = json(app.client.get(app.url("/api/nothing-here")).send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_str()), (404, Some("NOT_FOUND")));
}

crate::on_both_databases!(
    an_unauthenticated_delete_is_a_401_envelope_with_a_bearer_challenge,
    a_reseller_deletes_a_managed_company_and_a_second_delete_is_a_404,
    deleting_a_company_removes_everything_it_owns_and_writes_a_receipt_and_an_email,
    the_check_order_is_token_role_existence_management_conflict,
    a_reseller_deletes_customers_of_its_sub_resellers_but_not_of_other_resellers,
    tokens_and_sessions_of_a_deleted_company_are_rejected_right_after_the_delete,
    twenty_simultaneous_deletes_of_one_company_give_exactly_one_success,
    a_failure_halfway_through_deletion_leaves_every_row_in_place,
    malformed_bodies_and_unknown_routes_answer_in_the_envelope,
);

mod oversized_bodies {
    use crate::test_app::{Db, json, spawn_app};

    #[tokio::test]
    async fn an_oversized_body_is_refused_in_each_dialects_format() {
        let app = spawn_app(Db::Sqlite).await;
        let big = vec![b' '; 5 * 1024 * 1024];
        let token = app.reseller_token().await;
        let response = app
            .client
            .post(app.url("/api/companies/search"))
            .bearer_auth(&token)
            .body(big.clone())
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!((status, body["status"].as_str()), (400, Some("INPUT_ERROR")));
        let response = app.client.post(app.url("/auth/login")).body(big).send().await.unwrap();
        let (status, body) = json(response).await;
        assert_eq!((status, body["errors"][0]["msg"].as_str()), (413, Some("body-too-large")));
    }
}
