//! The whole reseller flow as an integrator writes it: the `oauth2` crate for the token, reqwest
//! for the calls: token -> search -> preview -> delete.
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use serde_json::{Value, json};

use crate::test_app::{Db, spawn_app};

async fn token_search_preview_delete_with_oauth2_and_reqwest(db: Db) {
    let app = spawn_app(db).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let oauth = BasicClient::new(ClientId::new("acme-reseller".into()))
        .set_client_secret(ClientSecret::new("s3cret-value".into()))
        .set_token_uri(TokenUrl::new(app.url("/connect/token")).unwrap());
    let token =
        oauth.exchange_client_credentials().add_scope(Scope::new("api1".into())).request_async(&http).await.unwrap();
    assert_eq!(token.expires_in().map(|d| d.as_secs()), Some(3600));
    let bearer = token.access_token().secret().clone();

    let search = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": false,
                        "filter": {"Condition": "AND", "SearchInputTextValue": "test-company"}});
    let found: Value = http
        .post(app.url("/api/companies/search"))
        .bearer_auth(&bearer)
        .json(&search)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["isSuccess"], true);
    let target = found["data"]["results"][0]["companyResourceId"].as_str().unwrap().to_owned();
    assert_eq!(target, "Cust0mer0002", "newest first");

    let preview: Value = http
        .get(app.url(&format!("/api/companies/{target}/deletion-preview")))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["data"]["offers"], 1);
    assert_eq!(preview["data"]["accounts"], 1);

    let deleted = http.delete(app.url(&format!("/api/companies/{target}"))).bearer_auth(&bearer).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    let again: Value = http
        .post(app.url("/api/companies/search"))
        .bearer_auth(&bearer)
        .json(&search)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["data"]["totalNumberOfRecords"], 1);
}

crate::on_both_databases!(token_search_preview_delete_with_oauth2_and_reqwest);
