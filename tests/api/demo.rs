//! The demo shows the product (issue 14): `khoi seed-demo` makes the bloc's 2016 tasks through
//! the task services, dated to the article's months, linked to the meetings' decisions, the
//! directives and the campaigns, with a duplicate pair for overlap detection. As of 30 June 2016
//! they stand in every status and standing.
use crate::helpers::spawn_app;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn tally(items: &[Value], field: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for t in items {
        let k = t[field].as_str().unwrap_or("none").to_string();
        *out.entry(k).or_default() += 1;
    }
    out
}

#[tokio::test]
async fn the_demo_has_the_articles_tasks_in_every_status_and_standing() {
    let app = spawn_app().await;
    let d = app.seed_full_demo().await;
    let h = &d.head;
    let (s, page) = app
        .get_json("/api/v1/tasks?as_of=2016-06-30&limit=200", h)
        .await;
    assert_eq!(s, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 13);
    let m = |pairs: &[(&str, usize)]| -> BTreeMap<String, usize> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(
        tally(items, "status"),
        m(&[
            ("assigned", 1),
            ("cancelled", 1),
            ("completed", 6),
            ("draft", 2),
            ("in_progress", 1),
            ("returned", 1),
            ("submitted", 1)
        ])
    );
    assert_eq!(
        tally(items, "standing"),
        m(&[
            ("completed_late", 2),
            ("completed_on_time", 4),
            ("none", 1),
            ("open_within_deadline", 4),
            ("overdue", 2)
        ])
    );
    // Linked to what they carry out.
    let linked = |f: &str| items.iter().filter(|t| !t[f].is_null()).count();
    assert_eq!(
        (
            linked("meeting_decision_id"),
            linked("directive_id"),
            linked("campaign_id")
        ),
        (3, 2, 3)
    );
    // The review of February 2016 as it would have read then.
    let (_, r) = app
        .get_json("/api/v1/reports/monthly-review?month=2016-02", h)
        .await;
    let t = &r["totals"];
    assert_eq!(
        [
            &t["completed_on_time"],
            &t["completed_late"],
            &t["open"],
            &t["overdue"],
            &t["due_next_month"]
        ],
        [&json!(2), &json!(1), &json!(4), &json!(0), &json!(2)],
        "{t}"
    );
    // The meetings' decisions point at their tasks.
    let (_, meetings) = app.get_json("/api/v1/meetings", h).await;
    let decided = meetings["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["decisions"].as_array().unwrap().iter())
        .filter(|d| d["task_id"].is_string())
        .count();
    assert_eq!(decided, 3);
    // The pair entered twice: overlap detection flags it.
    let dup = items
        .iter()
        .find(|t| t["title"] == "Hướng dẫn xây dựng mô hình thôn chuẩn ở các xã")
        .unwrap();
    let (s, similar) = app
        .get_json(
            &format!("/api/v1/tasks/{}/similar", dup["id"].as_str().unwrap()),
            h,
        )
        .await;
    assert_eq!(s, 200, "{similar}");
    assert!(
        similar["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["title"] == "Xây dựng hướng dẫn mô hình thôn chuẩn"),
        "{similar}"
    );
    // Today the open ones are late; the head may act on them.
    let (_, now) = app.get_json("/api/v1/tasks?standing=overdue", h).await;
    assert!(now["items"].as_array().unwrap().len() >= 4, "{now}");
    // Seeding again changes nothing.
    let before = app.get_json("/api/v1/tasks?limit=200", h).await.1;
    app.seed_full_demo().await;
    let after = app.get_json("/api/v1/tasks?limit=200", h).await.1;
    assert_eq!(
        before["items"].as_array().unwrap().len(),
        after["items"].as_array().unwrap().len()
    );
}

/// The demo's province (issue 15): Quảng Ninh's province bloc and three communes of the 2025
/// map, with a directive, a task and a campaign sent down and answered in every way.
#[tokio::test]
async fn the_demo_has_a_province_sending_work_to_three_communes() {
    let app = spawn_app().await;
    app.seed_full_demo().await;
    let tinh = app
        .login("demo.tinh", crate::helpers::DEMO_PASSWORD)
        .await
        .access;
    let (_, blocs) = app.get_json("/api/v1/blocs", &tinh).await;
    let me = blocs["items"][0]["id"].as_str().unwrap().to_string();
    let (_, tasks) = app.get_json("/api/v1/tasks", &tinh).await;
    let task = tasks["items"][0]["id"].as_str().unwrap();
    let (s, r) = app
        .get_json(&format!("/api/v1/tasks/{task}/delegations"), &tinh)
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (
            &r["totals"]["delegated"],
            &r["totals"]["accepted"],
            &r["totals"]["awaiting_answer"],
            &r["totals"]["declined"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1))
    );
    let (_, dirs) = app.get_json("/api/v1/directives", &tinh).await;
    let d = dirs["items"][0]["id"].as_str().unwrap();
    let (_, sent) = app
        .get_json(&format!("/api/v1/directives/{d}/dispatches"), &tinh)
        .await;
    let mut statuses: Vec<&str> = sent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["acknowledged", "reported", "sent"]);
    let (_, camps) = app.get_json("/api/v1/campaigns", &tinh).await;
    let c = camps["items"][0]["id"].as_str().unwrap();
    let (_, p) = app
        .get_json(
            &format!("/api/v1/campaigns/{c}/progress?as_of=2026-04-30"),
            &tinh,
        )
        .await;
    let t = &p["targets"][0];
    assert_eq!(
        (t["units_in_scope"].as_i64(), t["units_reporting"].as_i64()),
        (Some(6), Some(6))
    );
    // The province itself (no villages of its own) and each commune.
    assert_eq!(t["blocs"].as_array().unwrap().len(), 4);
    // Its communes sit under it.
    let (_, kids) = app
        .get_json(
            &format!("/api/v1/blocs?parent_id={me}"),
            &app.login_admin().await.access,
        )
        .await;
    let names: Vec<&str> = kids["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}
