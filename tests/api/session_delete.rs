//! `POST /company/:companyId/delete`, ported case for case from the original's end-to-end suite
//! (`describe("POST /company/:companyId/delete")`), asserting the full bodies of session.md.
use serde_json::{Value, json};

use crate::session_bodies::{company_one, invalid_id, not_allowed, not_found, refused};
use crate::test_app::{Db, GOD_TOKEN, hex, json, spawn_app};

const C1: &str = "Cust0mer0001";
const C2: &str = "Cust0mer0002";

// upstream: "should fail to delete company if not logged"
async fn deleting_without_a_session_or_god_token_is_a_401_with_the_or_array(db: Db) {
    let app = spawn_app(db).await;
    let (status, body) = json(app.session_delete(&app.client, &hex(C1), None).await).await;
    assert_eq!((status, body), refused(&["must-be-company", "must-be-god"]));
    assert_eq!(app.count("companies", "id", C1).await, 1);
}

// upstream: "should fail to delete company if logged as admin"
async fn an_admin_session_without_god_token_is_a_401(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("admin@email.com", "password123").await, 200);
    let (status, body) = json(app.session_delete(&app.client, &hex(C1), None).await).await;
    assert_eq!((status, body), refused(&["must-be-company", "must-be-god"]));
}

// ours (upstream has no such case): an invalid god token, the falsy and non-string values of
// session.md
async fn a_wrong_god_token_says_invalid_and_a_falsy_one_says_must_be_god(db: Db) {
    let app = spawn_app(db).await;
    for (token, second) in [
        (json!("wrong"), "invalid-god-token"),
        (json!(123), "invalid-god-token"),
        (json!(true), "invalid-god-token"),
        (json!({"token": GOD_TOKEN}), "invalid-god-token"),
        (json!([GOD_TOKEN]), "invalid-god-token"),
        (json!(""), "must-be-god"),
        (json!(0), "must-be-god"),
        (json!(false), "must-be-god"),
        (Value::Null, "must-be-god"),
    ] {
        let response = app.session_delete(&app.client, &hex(C1), Some(json!({"god_token": token}))).await;
        assert_eq!(json(response).await, refused(&["must-be-company", second]), "god_token = {token}");
    }
    assert_eq!(app.count("companies", "id", C1).await, 1);
}

// upstream: "Id validation" › "Should fail if using invalid id"
async fn an_invalid_id_is_a_422_but_only_after_the_gate(db: Db) {
    let app = spawn_app(db).await;
    for bad in ["123", "%FF"] {
        let (status, body) = json(app.session_delete(&app.client, bad, None).await).await;
        assert_eq!((status, body), refused(&["must-be-company", "must-be-god"]), "{bad}");
    }
    let god = Some(json!({"god_token": GOD_TOKEN}));
    // Escapes that decode to no UTF-8 are refused as an id, shown with U+FFFD in their place.
    let answer = json(app.session_delete(&app.client, "%FF%41", god.clone()).await).await;
    assert_eq!(answer, invalid_id("\u{FFFD}A"));
    for bad in ["123", "zz43356b66477a3777324e7a", "43757374306d6572303030313"] {
        assert_eq!(json(app.session_delete(&app.client, bad, god.clone()).await).await, invalid_id(bad));
    }
}

// upstream: "Id validation" › "Should fail if company does not exist"
async fn an_unknown_company_is_a_422_naming_the_id_exactly_as_sent(db: Db) {
    let app = spawn_app(db).await;
    let god = Some(json!({"god_token": GOD_TOKEN}));
    for id in ["ABCDEF0123456789ABCDEF01", "NoSuchCompny", "ffffffffffffffffffffffff"] {
        assert_eq!(json(app.session_delete(&app.client, id, god.clone()).await).await, not_found(id));
    }
}

// upstream: "should fail to delete company if logged as different company"
async fn another_company_account_is_a_403(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company2@email.com", "password123").await, 200);
    assert_eq!(json(app.session_delete(&app.client, &hex(C1), None).await).await, not_allowed());
    assert_eq!(app.count("companies", "id", C1).await, 1);
}

// upstream: "Should delete company if logged as the same company"
async fn a_company_deletes_itself_and_gets_its_document_back(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    let (status, body) = json(app.session_delete(&app.client, &hex(C1), None).await).await;
    assert_eq!((status, body), (200, company_one(json!({}))));
    assert_eq!(app.count("companies", "id", C1).await, 0);
    // Its session died with it.
    let (status, body) = json(app.me(&app.client).await).await;
    assert_eq!((status, body), (401, json!({"error_code":3,"errors":[{"msg":"login-required"}]})));
}

// upstream: "Should delete company if god token is sent"; ours: both spellings name one company.
async fn a_god_token_deletes_any_company_by_either_spelling_of_its_id(db: Db) {
    let app = spawn_app(db).await;
    let god = Some(json!({"god_token": GOD_TOKEN}));
    let (status, body) = json(app.session_delete(&app.client, &hex(C1).to_uppercase(), god.clone()).await).await;
    assert_eq!((status, body), (200, company_one(json!({}))));
    let (status, body) = json(app.session_delete(&app.client, C2, god.clone()).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["_id"], hex(C2));
    assert!(body.get("bio").is_none(), "unset fields are absent: {body}");
    // A valid god token admits an admin session too (which alone would be refused).
    assert_eq!(app.login("admin@email.com", "password123").await, 200);
    assert_eq!(json(app.session_delete(&app.client, "Cust0mer0003", god).await).await.0, 200);
}

// upstream: "Should delete company's offers when it is deleted"; ours: its account goes too
async fn the_companys_offers_and_account_go_with_it(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.count("offers", "company_id", C1).await, 2);
    let (status, _) =
        json(app.session_delete(&app.client, &hex(C1), Some(json!({"god_token": GOD_TOKEN}))).await).await;
    assert_eq!(status, 200);
    assert_eq!(app.count("offers", "company_id", C1).await, 0);
    assert_eq!(app.count("accounts", "email", "company1@email.com").await, 0);
    assert_eq!(app.login_with(&app.fresh_client(), "company1@email.com", "password123").await, 401);
    assert_eq!(app.count("offers", "company_id", C2).await, 1);
}

// upstream: "should send an email to the company user when it is deleted"
async fn the_company_account_is_told_by_email(db: Db) {
    let app = spawn_app(db).await;
    assert_eq!(app.login("company1@email.com", "password123").await, 200);
    assert_eq!(json(app.session_delete(&app.client, &hex(C1), None).await).await.0, 200);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: company1@email.com"), "{}", mail[0]);
    assert!(mail[0].contains("Subject: Your company account on companygate-test has been deleted"));
    assert!(mail[0].contains("test-company-1"));
}

async fn a_company_that_manages_companies_is_refused_with_409(db: Db) {
    let app = spawn_app(db).await;
    let god = Some(json!({"god_token": GOD_TOKEN}));
    let (status, body) = json(app.session_delete(&app.client, "SubReseller1", god).await).await;
    assert_eq!((status, body), (409, json!({"error_code":1,"errors":[{"msg":"company-has-managed-companies"}]})));
    assert_eq!(app.count("companies", "id", "SubReseller1").await, 1);
}

/// A deliberate difference (COMPATIBILITY.md, "A body that is not valid JSON"): upstream answers 500.
async fn a_body_that_is_not_json_is_a_400_not_a_500(db: Db) {
    let app = spawn_app(db).await;
    let response = app
        .client
        .post(app.url(&format!("/company/{}/delete", hex(C1))))
        .header("content-type", "application/json")
        .body("{\"god_token\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(json(response).await, (400, json!({"error_code":1,"errors":[{"msg":"invalid-json"}]})));
}

// Our addition (session.md, issue "deletion preview"): the preview answers with the delete's
// checks and counts what the delete then removes, the same counts as the reseller dialect's.
async fn a_preview_has_the_deletes_checks_and_counts_what_it_removes(db: Db) {
    let app = spawn_app(db).await;
    let company = app.fresh_client();
    assert_eq!(app.login_with(&company, "company1@email.com", "password123").await, 200);
    let acme = app.reseller_token().await;
    app.token("company1-admin", "c1-s3cret").await;
    let preview =
        |client: &reqwest::Client, id: &str| client.get(app.url(&format!("/company/{id}/deletion-preview"))).send();
    let counts = json!({"companies": 1, "offers": 2, "targetUsers": 4, "accounts": 1, "apiClients": 1,
                        "accessTokens": 1, "sessions": 1, "tags": 1});
    assert_eq!(json(preview(&company, &hex(C1)).await.unwrap()).await, (200, json!({"counts": counts})));
    let reseller = app.client.get(app.url(&format!("/api/companies/{C1}/deletion-preview"))).bearer_auth(&acme);
    assert_eq!(json(reseller.send().await.unwrap()).await.1["data"], counts, "both dialects count alike");

    assert_eq!(
        json(preview(&app.fresh_client(), &hex(C1)).await.unwrap()).await,
        refused(&["must-be-company", "must-be-god"])
    );
    assert_eq!(json(preview(&company, C2).await.unwrap()).await, not_allowed());
    let god = app.fresh_client();
    let with_god = |id: &str| god.get(app.url(&format!("/company/{id}/deletion-preview?god_token={GOD_TOKEN}"))).send();
    let (status, body) = json(with_god("123").await.unwrap()).await;
    assert_eq!((status, body["errors"][0]["msg"].as_str()), (422, Some("must-be-a-valid-id")));
    let (status, body) = json(with_god("NoSuchCompny").await.unwrap()).await;
    assert_eq!((status, body["errors"][0]["msg"].as_str()), (422, Some("no-company-found-with-id:NoSuchCompny")));
    let conflict = json!({"error_code":1,"errors":[{"msg":"company-has-managed-companies"}]});
    assert_eq!(json(with_god("SubReseller1").await.unwrap()).await, (409, conflict));

    // Nothing changed; then the delete removes exactly what was counted.
    assert_eq!(app.count("companies", "id", C1).await, 1);
    assert_eq!(json(app.session_delete(&company, &hex(C1), None).await).await.0, 200);
    let stored = app.receipt_counts(C1).await;
    assert_eq!(stored, counts);
}

async fn twenty_simultaneous_god_deletes_give_exactly_one_success(db: Db) {
    let app = spawn_app(db).await;
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let request = app
                .client
                .post(app.url(&format!("/company/{}/delete", hex(C1))))
                .json(&json!({"god_token": GOD_TOKEN}));
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 19, "{statuses:?}");
}

crate::on_both_databases!(
    a_preview_has_the_deletes_checks_and_counts_what_it_removes,
    deleting_without_a_session_or_god_token_is_a_401_with_the_or_array,
    an_admin_session_without_god_token_is_a_401,
    a_wrong_god_token_says_invalid_and_a_falsy_one_says_must_be_god,
    an_invalid_id_is_a_422_but_only_after_the_gate,
    an_unknown_company_is_a_422_naming_the_id_exactly_as_sent,
    another_company_account_is_a_403,
    a_company_deletes_itself_and_gets_its_document_back,
    a_god_token_deletes_any_company_by_either_spelling_of_its_id,
    the_companys_offers_and_account_go_with_it,
    the_company_account_is_told_by_email,
    a_company_that_manages_companies_is_refused_with_409,
    a_body_that_is_not_json_is_a_400_not_a_500,
    twenty_simultaneous_god_deletes_give_exactly_one_success,
);
