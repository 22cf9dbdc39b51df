//! CSV exports: every list answers `Accept: text/csv` with a BOM, a header row, every page of
//! the same filters, and the same refusals as JSON.
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

/// A small RFC 4180 reader: rows of cells, quotes and doubled quotes understood.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the last row has no line end"
    );
    rows
}

async fn csv(app: &TestApp, path: &str, token: &str) -> (u16, String, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

/// Every item of a JSON list, page by page.
async fn all_json(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
            None => format!("{path}{sep}limit=200"),
        };
        let (status, page) = app.get_json(&url, token).await;
        assert_eq!(status, 200, "{url}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
}

/// The CSV as a table keyed by header, checked against the JSON items by id.
fn table(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = body.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut rows = parse_csv(text);
    let head = rows.remove(0);
    (head, rows)
}

#[tokio::test]
async fn lists_export_as_csv_with_the_same_filters_across_pages() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;

    // Staff: Vietnamese intact, columns in the spec's order, the same rows as JSON.
    let (status, ct, body) = csv(&app, "/api/v1/staff", &demo.head).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/csv; charset=utf-8");
    let (head, rows) = table(&body);
    assert_eq!(head[0], "id");
    let name = head.iter().position(|h| h == "full_name").unwrap();
    assert!(rows.iter().any(|r| r[name] == "Nguyễn Thế Hòa"));
    assert_eq!(
        rows.len(),
        all_json(&app, "/api/v1/staff", &demo.head).await.len()
    );
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|r| r.len() == head.len()));

    // A filter applies as in JSON.
    let (_, _, body) = csv(&app, "/api/v1/staff?q=nguyen%20the%20hoa", &demo.head).await;
    let (_, rows) = table(&body);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][name], "Nguyễn Thế Hòa");

    // More than one page (200 a page): every task once, in order.
    for i in 0..230 {
        let res = app
            .post_json(
                "/api/v1/tasks",
                &json!({"title": format!("Vận động hộ gia đình số {i}, \"Ngày vì người nghèo\"")}),
                Some(&demo.head),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let (_, _, body) = csv(&app, "/api/v1/tasks?status=draft", &demo.head).await;
    let (head, rows) = table(&body);
    let json_ids: Vec<String> = all_json(&app, "/api/v1/tasks?status=draft", &demo.head)
        .await
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let id = head.iter().position(|h| h == "id").unwrap();
    let csv_ids: Vec<String> = rows.iter().map(|r| r[id].clone()).collect();
    assert!(csv_ids.len() >= 230);
    assert_eq!(csv_ids, json_ids);
    let title = head.iter().position(|h| h == "title").unwrap();
    assert!(
        rows.iter()
            .any(|r| r[title] == "Vận động hộ gia đình số 7, \"Ngày vì người nghèo\"")
    );
    // Lists inside an item: joined.
    let coord = head
        .iter()
        .position(|h| h == "coordinating_organisation_ids")
        .unwrap();
    assert!(rows.iter().all(|r| r[coord].is_empty()));

    // A list that is not paged, the change feed, and an empty list (header only).
    let campaign = app.first_id("/api/v1/campaigns", &demo.head).await;
    let (status, _, body) = csv(
        &app,
        &format!("/api/v1/campaigns/{campaign}/targets"),
        &demo.head,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!table(&body).1.is_empty());
    let (status, _, body) = csv(&app, "/api/v1/changes", &demo.head).await;
    assert_eq!(status, 200);
    let (_, feed) = table(&body);
    assert!(feed.len() > 230, "{}", feed.len());
    let (status, _, body) = csv(&app, "/api/v1/tasks?status=cancelled", &demo.head).await;
    assert_eq!(status, 200);
    let (head, rows) = table(&body);
    assert!(head.contains(&"title".to_string()) && rows.is_empty());
}

#[tokio::test]
async fn csv_refusals_are_problems_and_formulas_are_defused() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    for (path, token, status) in [
        ("/api/v1/audit-log", &demo.staff, 403),
        ("/api/v1/tasks?status=nope", &demo.head, 400),
        ("/api/v1/tasks?limit=0", &demo.head, 400),
    ] {
        let (got, ct, body) = csv(&app, path, token).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
    }
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "=HYPERLINK(\"http://x\")", "kind": "village"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, _, body) = csv(&app, "/api/v1/units", &demo.head).await;
    let (head, rows) = table(&body);
    let name = head.iter().position(|h| h == "name").unwrap();
    assert!(rows.iter().any(|r| r[name] == "'=HYPERLINK(\"http://x\")"));
    assert!(!rows.iter().any(|r| r[name].starts_with('=')));
}
