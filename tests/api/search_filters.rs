//! The search `filter` tree: every field and operator, nested groups, ordering ties, scoping.
use serde_json::{Value, json};

use crate::company_writes::form_with;
use crate::search_orders::{ORDERS, all_rows, expected_page, exported_ids, page};
use crate::test_app::{Db, TestApp, json, spawn_app, spawn_app_with};

const N: &str = "Northwind Sub-Reseller";
const T1: &str = "test-company-1";
const T2: &str = "test-company-2";
const C: &str = "Contoso Ltd";

fn item(field: &str, op: &str, value: &str) -> Value {
    json!({"FieldName": field, "Operator": op, "Value": value})
}

fn one_group(items: Vec<Value>) -> Value {
    json!({"Condition": "AND", "FilterGroups": [{"Condition": "AND", "FilterItems": items}]})
}

async fn found(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let body = json!({"pageNumber": 1, "pageSize": 100, "orderBy": "CompanyName", "ascending": true, "filter": filter});
    let (status, reply) = json(app.search(token, &body).await).await;
    assert_eq!(status, 200, "{filter}: {reply}");
    let mut names: Vec<String> = reply["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["companyName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

async fn every_field_and_operator_selects_the_right_companies(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (item("CompanyName", "=", "TEST-COMPANY-1"), vec![T1]),
        (item("CompanyName", "!=", "test-company-1"), vec![N, T2, C]),
        (item("CompanyName", "Contains", "company"), vec![T1, T2]),
        (item("CompanyName", "Include", "contoso ltd, test-company-2"), vec![T2, C]),
        (item("ResellerName", "=", "Northwind Sub-Reseller"), vec![C]),
        (item("ResellerName", "Contains", "acme"), vec![N, T1, T2]),
        (item("CreateTime", "=", "2026-01-03"), vec![T1]),
        (item("CreateTime", "!=", "2026-01-03"), vec![N, T2, C]),
        (item("CreateTime", ">", "2026-01-03"), vec![T2, C]),
        (item("CreateTime", ">=", "2026-01-03"), vec![T1, T2, C]),
        (item("CreateTime", "<", "2026-01-03"), vec![N]),
        (item("CreateTime", "<=", "2026-01-03"), vec![N, T1]),
        (item("CreateTime", ">=", "2026-01-04T00:00:00Z"), vec![T2, C]),
        (item("LicenseEndDate", "<", "2026-01-01"), vec![T2]),
        (item("LicenseEndDate", ">=", "2026-01-01T00:00:00+00:00"), vec![T1]),
        (item("TargetUserCount", ">", "0"), vec![T1]),
        (item("TargetUserCount", "=", "0"), vec![N, T2, C]),
        (item("TargetUserCount", "!=", "3"), vec![N, T2, C]),
        (item("TargetUserCount", ">=", "3"), vec![T1]),
        (item("TargetUserCount", "<", "3"), vec![N, T2, C]),
        (item("TargetUserCount", "<=", "3"), vec![N, T1, T2, C]),
        (item("TargetUserCount", "Include", "0,3"), vec![N, T1, T2, C]),
        (item("LicenceExpired", "=", "true"), vec![T2]),
        (item("LicenceExpired", "=", "false"), vec![N, T1, C]),
        (item("LicenceExpired", "!=", "true"), vec![N, T1, C]),
        (item("Tags", "=", "EMEA"), vec![T1]),
        (item("Tags", "!=", "emea"), vec![N, T2, C]),
        (item("Tags", "Include", "amer, emea"), vec![T1]),
        (item("Tags", "Contains", "me"), vec![T1]),
    ];
    for (condition, expected) in cases {
        assert_eq!(found(&app, &token, one_group(vec![condition.clone()])).await, sorted(&expected), "{condition}");
    }
}

async fn groups_combine_with_and_or_and_nest(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let either = json!({"Condition": "OR", "FilterGroups": [
        {"Condition": "AND", "FilterItems": [item("CompanyName", "=", T1)]},
        {"Condition": "AND", "FilterItems": [item("ResellerName", "Contains", "northwind")]}]});
    assert_eq!(found(&app, &token, either).await, sorted(&[T1, C]));
    let nested = json!({"condition": "AND", "filterGroups": [{"condition": "AND",
        "filterItems": [{"fieldName": "CreateTime", "operator": ">=", "value": "2026-01-03"}],
        "filterGroups": [{"condition": "OR", "filterItems": [item("CompanyName", "=", T2), item("CompanyName", "=", C)]}]}]});
    assert_eq!(found(&app, &token, nested).await, sorted(&[T2, C]));
    let with_text = json!({"Condition": "OR", "SearchInputTextValue": "contoso",
        "FilterGroups": [{"Condition": "OR", "FilterItems": [item("CompanyName", "=", T1), item("CompanyName", "=", C)]}]});
    assert_eq!(found(&app, &token, with_text).await, sorted(&[C]), "the text is ANDed with the groups");
}

async fn bad_filters_list_every_problem_with_its_path(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let filter = json!({"Condition": "XOR", "FilterGroups": [{"FilterItems": [
        item("Colour", "=", "red"), item("CompanyName", "~", "x"), item("CreateTime", ">", "yesterday"),
        item("TargetUserCount", "=", "many"), item("CompanyName", ">", "a"), {"FieldName": "Tags", "Operator": "=", "Value": {"x": 1}}]}]});
    let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true, "filter": filter});
    let (status, reply) = json(app.search(&token, &body).await).await;
    assert_eq!(status, 400);
    let lines: Vec<&str> =
        reply["validationMessages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("filter.Condition")));
    assert!(lines.iter().any(|l| l.contains("FilterItems[0].FieldName")));
    assert!(lines.iter().any(|l| l.contains("FilterItems[1].Operator")));
    assert!(lines.iter().any(|l| l.contains("yesterday")));
    assert!(lines.iter().any(|l| l.contains("many")));
    assert!(lines.iter().any(|l| l.contains("'>' cannot be used with CompanyName")));
    assert!(lines.iter().any(|l| l.contains("FilterItems[5].Value")));
}

async fn ordering_ties_are_broken_by_id(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    for (ascending, expected) in [(true, [T2, C, N, T1]), (false, [T1, T2, C, N])] {
        let body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": "TargetUserCount", "ascending": ascending});
        let (_, reply) = json(app.search(&token, &body).await).await;
        let names: Vec<&str> =
            reply["data"]["results"].as_array().unwrap().iter().map(|r| r["companyName"].as_str().unwrap()).collect();
        assert_eq!(names, expected, "ascending = {ascending}");
    }
    // Paging through ties neither repeats nor skips a company.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let body = json!({"pageNumber": page, "pageSize": 1, "orderBy": "TargetUserCount", "ascending": true});
        let (_, reply) = json(app.search(&token, &body).await).await;
        seen.push(reply["data"]["results"][0]["companyName"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, [T2, C, N, T1]);
}

async fn the_scoping_header_narrows_to_a_managed_subtree(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let body = json!({"pageNumber": 1, "pageSize": 100, "orderBy": "CompanyName", "ascending": true});
    let search = |header: Option<&str>, query: Option<&str>| {
        let mut url = app.url("/api/companies/search");
        if let Some(q) = query {
            url = format!("{url}?companyId={q}");
        }
        let mut request = app.client.post(url).bearer_auth(&token).json(&body);
        if let Some(h) = header {
            request = request.header("X-KEEPNET-Company-Id", h);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    let names = |reply: &Value| -> Vec<String> {
        let mut n: Vec<String> = reply["data"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["companyName"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let (status, reply) = search(Some("SubReseller1"), None).await;
    assert_eq!((status, names(&reply)), (200, sorted(&[N, C])));
    let (status, reply) = search(None, Some("Cust0mer0001")).await;
    assert_eq!((status, names(&reply)), (200, sorted(&[T1])));
    let (status, reply) = search(Some("SubReseller1"), Some("Cust0mer0001")).await;
    assert_eq!((status, names(&reply)), (200, sorted(&[N, C])), "the header wins over the query");
    let (status, reply) = search(Some(" "), Some("Cust0mer0001")).await;
    assert_eq!((status, names(&reply).len()), (200, 4), "a blank header is no scope (as before)");
    let (status, reply) = search(Some("xC5kfGz7w2Nz"), None).await;
    assert_eq!((status, names(&reply).len()), (200, 4), "the own company means everything managed");
    let (status, reply) = search(Some("OtherCust001"), None).await;
    assert_eq!((status, reply["status"].as_str()), (403, Some("FORBIDDEN")));
    let (status, reply) = search(Some("NoSuchCompny"), None).await;
    assert_eq!((status, reply["status"].as_str()), (404, Some("NOT_FOUND")));
}

/// A key the vendor's Filter, FilterGroup and FilterItem schemas do not define is refused, named
/// with its path (a misspelt `FilterGroup` used to be ignored, and the search answered unfiltered);
/// keys outside `filter` are left alone.
async fn unknown_keys_inside_a_filter_are_refused(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let search = |filter: Value| {
        json!({"pageNumber": 1, "pageSize": 10, "orderBy": "CreateTime", "ascending": true, "filter": filter,
               "somethingElse": true})
    };
    let typos = json!({"Condition": "AND", "FilterGroup": [{"FilterItems": [item("CompanyName", "Contains", "acme")]}],
                       "FilterGroups": [{"condition": "OR", "FilterItem": [], "FilterItems": [
                           {"FieldName": "CompanyName", "Operator": "Contains", "Values": "x", "Value": "x"}]}]});
    let (status, reply) = json(app.search(&token, &search(typos)).await).await;
    assert_eq!((status, reply["status"].as_str()), (400, Some("INPUT_ERROR")), "{reply}");
    let lines: Vec<&str> =
        reply["validationMessages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("'filter.FilterGroup' is not a key of Filter"), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("'filter.FilterGroups[0].FilterItem' is not a key of FilterGroup")));
    assert!(lines.iter().any(|l| l.starts_with("'filter.FilterGroups[0].FilterItems[0].Values' is not a key")));
    // camelCase keys and keys outside the filter are accepted.
    let camel = json!({"condition": "AND", "searchInputTextValue": "", "filterGroups": [{"condition": "AND",
                       "filterItems": [{"fieldName": "CompanyName", "operator": "Contains", "value": "test"}]}]});
    assert_eq!(json(app.search(&token, &search(camel)).await).await.0, 200);
}

/// A filter the facets do not count (conditions on the company name, several conditions, `OR`),
/// checked on each link of the tree: every order, direction, scope, exceeded flag and page equals
/// the page worked out from the companies' own values, before and after writes that change keys.
async fn filters_checked_on_each_link_page_like_the_companies(db: Db) {
    let app = spawn_app_with(db, &["--api-rate-limit-per-client", "1000000"]).await;
    let token = app.reseller_token().await;
    for (name, users, end) in [("Tie", "5", "2031-03-01"), ("tie", "1", "2026-12-31"), ("Cobalt", "0", "2027-05-05")] {
        app.create_company(&token, form_with(name, users, end)).await;
    }
    let northwind = app.token("northwind-reseller", "n0rth-s3cret").await;
    app.create_company(&northwind, form_with("Below Northwind", "3", "2029-05-05")).await;
    // Enough older companies that a condition matching a few of them is where a search starts;
    // a few tagged `emea` in another case, and a few with tags whose text holds `emea` quoted
    // or bracketed but that are not `emea`.
    let older: Vec<Value> = (0..80)
        .map(|n| {
            let tags = match n % 20 {
                11 => json!(["EMEA"]),
                1 => json!([r#"a","emea"#, r#"emea""#, "[emea", "x,emea]", r#"\"emea"#]),
                _ => json!([]),
            };
            // A few names with a `%`, which a `Contains` takes literally.
            let name = if n % 30 == 4 { format!("Older {n}%") } else { format!("Older {n}") };
            json!({"resourceId": format!("Older{n:07}"), "name": name,
                   "parent": if n % 2 == 0 { "xC5kfGz7w2Nz" } else { "SubReseller1" }, "tags": tags,
                   "numberOfUsers": n % 7, "createTime": format!("2020-01-{:02}T{:02}:00:00Z", 1 + n / 24, n % 24)})
        })
        .collect();
    app.seed(&json!({"companies": older})).await.expect("loads");
    pages_like_the_companies(&app, &token, "as created").await;

    // A rename (of a company and of a parent), a licence that the active target users now exceed.
    assert_eq!(app.update_company(&token, "Cust0mer0002", form_with("TIE", "1", "2030-01-01")).await.0, 200);
    assert_eq!(
        app.update_company(&token, "SubReseller1", form_with("Cobalt Northwind", "25", "2030-01-31")).await.0,
        200
    );
    assert_eq!(app.update_company(&token, "Cust0mer0001", form_with("test-company-1", "1", "2031-01-01")).await.0, 200);
    pages_like_the_companies(&app, &token, "after renames and a licence change").await;

    // Other companies tagged `emea`, some of them moved to the other reseller (a tag's companies
    // under each manager follow both).
    let retagged: Vec<Value> = older
        .iter()
        .enumerate()
        .map(|(n, company)| {
            let mut company = company.clone();
            if n % 20 == 11 {
                company["tags"] = json!(["amer"]);
            } else if n % 10 == 3 {
                company["tags"] = json!(["Emea", "amer"]);
            }
            if n % 4 == 3 {
                company["parent"] = json!("xC5kfGz7w2Nz");
            }
            company
        })
        .collect();
    app.seed(&json!({"companies": retagged})).await.expect("loads");
    pages_like_the_companies(&app, &token, "after retagging and moves").await;
}

async fn pages_like_the_companies(app: &TestApp, token: &str, when: &str) {
    let lower = |r: &Value, key: &str| r[key].as_str().unwrap_or_default().to_lowercase();
    let name = move |r: &Value| lower(r, "companyName");
    let users = |r: &Value| r["targetUserCount"].as_i64().unwrap();
    let tagged = |r: &Value, tag: &str| {
        r["tags"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().eq_ignore_ascii_case(tag))
    };
    type Keep = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(Value, Keep)> = vec![
        (one_group(vec![item("CompanyName", "=", "TIE")]), Box::new(move |r| name(r) == "tie")),
        (one_group(vec![item("CompanyName", "!=", "tie")]), Box::new(move |r| name(r) != "tie")),
        (
            one_group(vec![item("CompanyName", "Include", "contoso ltd, Tie, nobody")]),
            Box::new(move |r| ["contoso ltd", "tie"].contains(&name(r).as_str())),
        ),
        (one_group(vec![item("CompanyName", "Contains", "co")]), Box::new(move |r| name(r).contains("co"))),
        // Too short for a trigram: counted from the names' grams, the few matches of a rare one
        // found from them (one is a name written by a rename).
        (one_group(vec![item("CompanyName", "Contains", "iE")]), Box::new(move |r| name(r).contains("ie"))),
        (one_group(vec![item("CompanyName", "Contains", "7")]), Box::new(move |r| name(r).contains('7'))),
        (one_group(vec![item("CompanyName", "Contains", "%")]), Box::new(move |r| name(r).contains('%'))),
        (
            one_group(vec![item("TargetUserCount", ">=", "1"), item("CompanyName", "Contains", "1")]),
            Box::new(move |r| users(r) >= 1 && name(r).contains('1')),
        ),
        (
            json!({"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
                item("CompanyName", "Contains", "ie"), item("CreateTime", "<", "2020-01-01T03:00:00Z")]}]}),
            Box::new(move |r| name(r).contains("ie") || r["createTime"].as_str().unwrap() < "2020-01-01T03"),
        ),
        (
            one_group(vec![item("TargetUserCount", ">=", "1"), item("CompanyName", "!=", "tie")]),
            Box::new(move |r| users(r) >= 1 && name(r) != "tie"),
        ),
        (
            json!({"Condition": "OR", "FilterGroups": [
                {"Condition": "AND", "FilterItems": [item("CompanyName", "=", T1)]},
                {"Condition": "AND", "FilterItems": [item("ResellerName", "Contains", "northwind")]}]}),
            Box::new(move |r| name(r) == T1 || lower(r, "resellerName").contains("northwind")),
        ),
        (
            json!({"Condition": "AND", "FilterGroups": [{"Condition": "OR",
                "FilterItems": [item("Tags", "Include", "emea, nobody"), item("TargetUserCount", "=", "0")]}]}),
            Box::new(move |r| tagged(r, "emea") || users(r) == 0),
        ),
        (one_group(vec![item("Tags", "!=", "emea")]), Box::new(move |r| !tagged(r, "emea"))),
        (one_group(vec![item("Tags", "=", r#"Emea""#)]), Box::new(move |r| tagged(r, r#"emea""#))),
        (
            // Counted in parts: the first six hours' from the facets, the first three hours'
            // outside them (none) gathered: every match of the second is a match of the first.
            json!({"Condition": "AND", "FilterGroups": [{"Condition": "OR", "FilterItems": [
                item("CreateTime", "<", "2020-01-01T06:00:00Z"), item("CreateTime", "<", "2020-01-01T03:00:00Z")]}]}),
            Box::new(move |r| r["createTime"].as_str().unwrap() < "2020-01-01T06"),
        ),
        (
            // Counted in parts under a top-level OR: the first hours' from the facets, the group
            // started from the few companies tagged so.
            json!({"Condition": "OR", "FilterGroups": [
                {"Condition": "AND", "FilterItems": [item("CreateTime", "<", "2020-01-01T03:00:00Z")]},
                {"Condition": "AND", "FilterItems": [item("Tags", "Include", "emea"), item("CompanyName", "Contains", "t")]}]}),
            Box::new(move |r| {
                r["createTime"].as_str().unwrap() < "2020-01-01T03" || (tagged(r, "emea") && name(r).contains('t'))
            }),
        ),
        (
            // Started from the few companies created in the first six hours.
            one_group(vec![item("CreateTime", "<", "2020-01-01T06:00:00Z"), item("CompanyName", "!=", "older 5")]),
            Box::new(move |r| r["createTime"].as_str().unwrap() < "2020-01-01T06" && name(r) != "older 5"),
        ),
        (
            // Started from the few companies tagged so.
            one_group(vec![item("Tags", "Include", "emea"), item("CompanyName", "Contains", "t")]),
            Box::new(move |r| tagged(r, "emea") && name(r).contains('t')),
        ),
        (
            // Over tags and counts only, in any nesting: counted over the facet of the two.
            json!({"Condition": "OR", "FilterGroups": [
                {"Condition": "AND", "FilterItems": [item("Tags", "!=", "emea"), item("TargetUserCount", "<", "3")]},
                {"Condition": "OR", "FilterItems": [item("TargetUserCount", "=", "5"), item("Tags", "Contains", "me")]}]}),
            Box::new(move |r| {
                let contains_me =
                    r["tags"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().to_lowercase().contains("me"));
                (!tagged(r, "emea") && users(r) < 3) || users(r) == 5 || contains_me
            }),
        ),
        (
            one_group(vec![item("Tags", "!=", "emea"), item("TargetUserCount", "Include", "0, 6")]),
            Box::new(move |r| !tagged(r, "emea") && [0, 6].contains(&users(r))),
        ),
        (
            one_group(vec![item("LicenceExpired", "=", "false"), item("TargetUserCount", "<=", "3")]),
            Box::new(move |r| !r["licenceExpired"].as_bool().unwrap() && users(r) <= 3),
        ),
    ];
    for scope in [None, Some("SubReseller1")] {
        let rows = all_rows(app, token, scope).await;
        for (i, (filter, keep)) in cases.iter().enumerate() {
            for (o, order) in ORDERS.into_iter().enumerate() {
                for ascending in [true, false] {
                    let exceeded = (i + o) % 2 == 0;
                    for (page_number, page_size) in [(1, 100), (2, 2), (40, 5)] {
                        let mut body = json!({"pageNumber": page_number, "pageSize": page_size, "orderBy": order,
                                              "ascending": ascending, "filter": filter});
                        if exceeded {
                            body["isTargetUserCountExceededLimit"] = json!(true);
                        }
                        let answered = page(app, token, scope, &body).await;
                        assert_eq!(answered, expected_page(&rows, keep, &body), "{when}: {scope:?} {body}");
                    }
                    // An export lists every match, in the same order.
                    let mut body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": order, "ascending": ascending,
                                          "filter": filter, "isTargetUserCountExceededLimit": exceeded});
                    let exported = exported_ids(app, token, scope, &body).await;
                    body["pageSize"] = json!(100_000);
                    assert_eq!(exported, expected_page(&rows, keep, &body).0, "export, {when}: {scope:?} {body}");
                }
            }
        }
    }
}

/// More rows than one read from the database (PostgreSQL's cursor hands them over 256 at a time).
async fn an_export_of_many_companies_lists_each_once_in_order(db: Db) {
    let app = spawn_app(db).await;
    let token = app.reseller_token().await;
    let many: Vec<Value> = (0..600)
        .map(|n| {
            json!({"resourceId": format!("Many{n:08}"), "name": format!("Many {}", n % 7), "parent": "xC5kfGz7w2Nz",
                   "createTime": format!("2021-0{}-01T00:00:00Z", 1 + n % 9)})
        })
        .collect();
    app.seed(&json!({"companies": many})).await.expect("loads");
    let rows = all_rows(&app, &token, None).await;
    for (order, ascending) in [("CompanyName", true), ("CreateTime", false), ("ResellerName", true)] {
        let mut body = json!({"pageNumber": 1, "pageSize": 10, "orderBy": order, "ascending": ascending});
        let exported = exported_ids(&app, &token, None, &body).await;
        body["pageSize"] = json!(100_000);
        let expected = expected_page(&rows, |_| true, &body).0;
        assert!(expected.len() > 600);
        assert_eq!(exported, expected, "{body}");
    }
}

crate::on_both_databases!(
    an_export_of_many_companies_lists_each_once_in_order,
    filters_checked_on_each_link_page_like_the_companies,
    unknown_keys_inside_a_filter_are_refused,
    every_field_and_operator_selects_the_right_companies,
    groups_combine_with_and_or_and_nest,
    bad_filters_list_every_problem_with_its_path,
    ordering_ties_are_broken_by_id,
    the_scoping_header_narrows_to_a_managed_subtree,
);
