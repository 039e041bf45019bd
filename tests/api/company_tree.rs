//! Who manages whom follows the parent links as they are now: a subtree moved by `seed` (another
//! process) is managed by its new ancestors, and no longer by the old ones, as soon as the gateway
//! hears of the move (see `TestApp::seed`); a move that would make a cycle is refused and changes
//! nothing.
use serde_json::{Value, json};

use crate::test_app::{Db, TestApp, spawn_app};

async fn managed_by_acme(app: &TestApp, token: &str) -> u64 {
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true, "filter": null});
    let page: Value = app.search(token, &body).await.json().await.unwrap();
    page["data"]["totalNumberOfRecords"].as_u64().unwrap()
}

/// How many companies named like "contoso" Acme finds (a name search: each match's path is
/// compared with Acme's).
async fn contoso_found_by_acme(app: &TestApp, token: &str) -> u64 {
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CompanyName", "ascending": true,
        "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": [
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "contoso"}]}]}});
    let page: Value = app.search(token, &body).await.json().await.unwrap();
    page["data"]["totalNumberOfRecords"].as_u64().unwrap()
}

async fn read_status(app: &TestApp, token: &str, id: &str) -> u16 {
    app.client.get(app.url(&format!("/api/companies/{id}"))).bearer_auth(token).send().await.unwrap().status().as_u16()
}

fn northwind_under(parent: &str) -> Value {
    json!({"companies": [{"resourceId": "SubReseller1", "name": "Northwind Sub-Reseller", "parent": parent}]})
}

/// Every company's path is its ancestors' ids from the top, then its own, as the tree links say.
async fn paths_follow_the_tree(app: &TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let rows = |sql: &str| app.db.query_all(Statement::from_string(backend, sql.to_owned()));
    let mut expected: std::collections::BTreeMap<String, Vec<(i32, String)>> = Default::default();
    for link in rows("SELECT ancestor_id, descendant_id, depth FROM company_tree").await.unwrap() {
        let (ancestor, descendant): (String, String) =
            (link.try_get("", "ancestor_id").unwrap(), link.try_get("", "descendant_id").unwrap());
        expected.entry(descendant).or_default().push((link.try_get("", "depth").unwrap(), ancestor));
    }
    let companies = rows("SELECT id, path FROM companies").await.unwrap();
    assert_eq!(companies.len(), expected.len(), "every company is linked to itself");
    for company in companies {
        let (id, path): (String, String) = (company.try_get("", "id").unwrap(), company.try_get("", "path").unwrap());
        let mut ancestors = expected.remove(&id).unwrap_or_default();
        ancestors.sort_by_key(|(depth, _)| std::cmp::Reverse(*depth));
        let from_tree: String = ancestors.into_iter().map(|(_, ancestor)| ancestor).collect();
        assert_eq!(path, from_tree, "the path of {id}");
    }
}

async fn a_moved_subtree_changes_hands_at_once(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    assert_eq!(managed_by_acme(&app, &acme).await, 4);
    assert_eq!(read_status(&app, &acme, "Cust0mer0003").await, 200);
    assert_eq!(contoso_found_by_acme(&app, &acme).await, 1);

    // Northwind (with Contoso below it) moves to Globex.
    app.seed(&northwind_under("OtherReslr01")).await.expect("moves");
    paths_follow_the_tree(&app).await;
    assert_eq!(managed_by_acme(&app, &acme).await, 2);
    assert_eq!(contoso_found_by_acme(&app, &acme).await, 0);
    assert_eq!(read_status(&app, &acme, "Cust0mer0003").await, 403);
    assert_eq!(read_status(&app, &acme, "SubReseller1").await, 403);

    // ... and back.
    app.seed(&northwind_under("xC5kfGz7w2Nz")).await.expect("moves back");
    paths_follow_the_tree(&app).await;
    assert_eq!(contoso_found_by_acme(&app, &acme).await, 1);
    assert_eq!(managed_by_acme(&app, &acme).await, 4);
    assert_eq!(read_status(&app, &acme, "Cust0mer0003").await, 200);

    // Below its own child: refused, nothing changes.
    let error = app.seed(&northwind_under("Cust0mer0003")).await.unwrap_err().to_string();
    assert_eq!(
        error,
        "fixture is not valid: companies[0] (\"Northwind Sub-Reseller\"): parent is the company itself or below it"
    );
    assert_eq!(managed_by_acme(&app, &acme).await, 4);
    assert_eq!(read_status(&app, &acme, "Cust0mer0003").await, 200);
    paths_follow_the_tree(&app).await;
}

async fn a_created_company_is_managed_by_every_ancestor(db: Db) {
    let app = spawn_app(db).await;
    let acme = app.reseller_token().await;
    // A client of Northwind creates a company; Acme, two levels up, manages it too.
    app.seed(&json!({"apiClients": [{"company": "SubReseller1", "clientId": "northwind", "clientSecret": "n0rthwind-secret", "role": "Reseller"}]}))
        .await
        .expect("adds a client");
    let northwind = app.token("northwind", "n0rthwind-secret").await;
    let id = app.create_company(&northwind, crate::company_writes::form("Deep Customer")).await;
    assert_eq!(managed_by_acme(&app, &acme).await, 5);
    assert_eq!(read_status(&app, &acme, &id).await, 200);
    assert_eq!(read_status(&app, &northwind, &id).await, 200);
    paths_follow_the_tree(&app).await;
}

crate::on_both_databases!(a_moved_subtree_changes_hands_at_once, a_created_company_is_managed_by_every_ancestor);
