//! Search over 10 000 managed companies answers a filtered page from SQL, loading only that page.
//! (How fast is measured by `benches/load.py`, not here.)
use companygate_domain::entities::companies;
use sea_orm::{EntityTrait, Set};
use serde_json::json;

use crate::test_app::{Db, TestApp, json, spawn_app};

async fn rows_loaded(app: &TestApp) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix("companygate_search_rows_loaded_total ")).unwrap().parse().unwrap()
}

async fn a_filtered_page_of_ten_thousand_companies_loads_only_the_page(db: Db) {
    let app = spawn_app(db).await;
    let base = chrono::Utc::now();
    let rows: Vec<companies::ActiveModel> = (0..10_000)
        .map(|n| companies::ActiveModel {
            id: Set(format!("Bulk{n:08}")),
            name: Set(format!("Bulk customer {n:05}")),
            parent_id: Set(Some(if n % 2 == 0 { "xC5kfGz7w2Nz" } else { "SubReseller1" }.to_owned())),
            has_finished_registration: Set(true),
            is_blocked: Set(false),
            is_disabled: Set(false),
            version: Set(0),
            number_of_users: Set(n % 50),
            is_number_of_users_limited: Set(false),
            status_id: Set(1),
            create_time: Set(base - chrono::Duration::seconds(n.into())),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        companies::Entity::insert_many(chunk.to_vec()).exec(&app.db).await.unwrap();
    }
    // Right after a bulk load PostgreSQL has no statistics and plans the subtree join as if
    // `companies` held one row (2 s instead of tens of ms) until autovacuum analyzes it; a bulk
    // load through `companygate seed` analyzes at once, and so does this test.
    if db == Db::Postgres {
        use sea_orm::ConnectionTrait;
        app.db.execute_unprepared("ANALYZE").await.unwrap();
    }
    let token = app.reseller_token().await;
    let before = rows_loaded(&app).await;
    let body = json!({"pageNumber": 3, "pageSize": 10, "orderBy": "CompanyName", "ascending": false,
        "filter": {"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "customer 00"},
            {"FieldName": "CompanyName", "Operator": "Contains", "Value": "customer 01"}]}]}});
    let (status, reply) = json(app.search(&token, &body).await).await;
    assert_eq!(status, 200, "{reply}");
    let data = &reply["data"];
    assert_eq!(data["totalNumberOfRecords"], 2000, "customers 00000-01999 match");
    assert_eq!(data["totalNumberOfPages"], 200);
    let names: Vec<&str> =
        data["results"].as_array().unwrap().iter().map(|r| r["companyName"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"Bulk customer 01979"));
    assert_eq!(names.len(), 10);
    assert_eq!(rows_loaded(&app).await - before, 11, "one page and one totals row, not 10 000 rows");
}

crate::on_both_databases!(a_filtered_page_of_ten_thousand_companies_loads_only_the_page);
