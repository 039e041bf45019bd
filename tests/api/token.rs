//! `POST /connect/token` driven by the real `oauth2` client, plus the RFC 6749 error answers.
use base64::Engine;
use oauth2::basic::BasicErrorResponseType;
use oauth2::{AuthType, RequestTokenError};
use serde_json::json;

use crate::test_app::{Db, json, spawn_app};

async fn the_oauth2_crate_gets_a_working_token_with_either_client_authentication(db: Db) {
    let app = spawn_app(db).await;
    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let token = app.token_with("acme-reseller", "s3cret-value", auth).await.expect("token granted");
        let body = json!({"pageNumber":1,"pageSize":10,"orderBy":"CreateTime","ascending":false});
        let (status, body) = json(app.search(&token, &body).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["isSuccess"], true);
    }
}

async fn a_wrong_secret_is_invalid_client_as_400_in_the_form_and_401_in_basic(db: Db) {
    let app = spawn_app(db).await;
    for (id, secret) in [("acme-reseller", "wrong"), ("nobody", "s3cret-value"), ("acme-inactive", "inactive-s3cret")] {
        for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
            match app.token_with(id, secret, auth.clone()).await {
                Err(RequestTokenError::ServerResponse(e)) => {
                    assert_eq!(*e.error(), BasicErrorResponseType::InvalidClient)
                }
                other => panic!("{id}: expected invalid_client, got {other:?}"),
            }
        }
    }
    let form = [("grant_type", "client_credentials"), ("client_id", "acme-reseller"), ("client_secret", "wrong")];
    let response = app.client.post(app.url("/connect/token")).form(&form).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(json(response).await, (400, json!({"error": "invalid_client", "error_description": null})));
    let response = app
        .client
        .post(app.url("/connect/token"))
        .basic_auth("acme-reseller", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["www-authenticate"], r#"Basic realm="companygate""#);
    assert_eq!(json(response).await.0, 401);
}

async fn malformed_token_requests_get_rfc_6749_errors(db: Db) {
    let app = spawn_app(db).await;
    let url = app.url("/connect/token");
    let base = [("client_id", "acme-reseller"), ("client_secret", "s3cret-value")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, &str)> = base.to_vec();
        form.extend_from_slice(extra);
        form
    };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (with(&[("grant_type", "password")]), "unsupported_grant_type"),
        (with(&[("grant_type", "client_credentials"), ("scope", "admin")]), "invalid_scope"),
        (with(&[]), "invalid_request"),
        (vec![("grant_type", "client_credentials"), ("client_id", "acme-reseller")], "invalid_request"),
    ];
    for (form, error) in cases {
        let (status, body) = json(app.client.post(&url).form(&form).send().await.unwrap()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{form:?}: {body}");
    }
    // A JSON body is a client error, not a 500.
    let (status, body) = json(
        app.client
            .post(&url)
            .json(
                &json!({"grant_type":"client_credentials","client_id":"acme-reseller","client_secret":"s3cret-value"}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    assert!(body["error_description"].as_str().is_some());
}

async fn a_granted_token_carries_the_documented_claims(db: Db) {
    let app = spawn_app(db).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "northwind-reseller"),
        ("client_secret", "n0rth-s3cret"),
        ("scope", "api1"),
    ];
    let response = app.client.post(app.url("/connect/token")).form(&form).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64(), body["scope"].as_str()),
        (Some("Bearer"), Some(3600), Some("api1"))
    );
    let payload = body["access_token"].as_str().unwrap().split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["client_id"], "northwind-reseller");
    assert_eq!(claims["scope"], json!(["api1"]));
    assert_eq!(claims["role"], "Reseller");
    assert_eq!(
        (
            claims["reseller_access"].as_bool(),
            claims["company_admin_access"].as_bool(),
            claims["root_access"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );
    assert_eq!(claims["user_company_resourceid"], "SubReseller1");
    assert_eq!(claims["user_company_name"], "Northwind Sub-Reseller");
    assert_eq!(claims["user_company_parentcompany_resourceid"], "xC5kfGz7w2Nz");
    assert_eq!(claims["user_company_parentcompany_name"], "Acme Security Reseller");
    // The quickstart's other company claims: no logo, no industry; the number names the company.
    assert_eq!(
        (claims["user_company_logopath"].as_str(), claims["user_company_industry_name"].as_str()),
        (Some(""), Some(""))
    );
    let number = claims["user_company_id"].as_i64().expect("a number");
    let path = format!("/api/companies/getcompany/{number}");
    let bearer = body["access_token"].as_str().unwrap();
    let (status, named) = json(app.client.get(app.url(&path)).bearer_auth(bearer).send().await.unwrap()).await;
    assert_eq!((status, named["data"]["item1"].as_str()), (200, Some("SubReseller1")), "{named}");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    // The secret is stored hashed, never as sent.
    assert_eq!(app.count("api_clients", "secret_hash", "n0rth-s3cret").await, 0);
}

crate::on_both_databases!(
    the_oauth2_crate_gets_a_working_token_with_either_client_authentication,
    a_wrong_secret_is_invalid_client_as_400_in_the_form_and_401_in_basic,
    malformed_token_requests_get_rfc_6749_errors,
    a_granted_token_carries_the_documented_claims,
);
