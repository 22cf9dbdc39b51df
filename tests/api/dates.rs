//! Business dates (issue 14): tasks, moves and reports say the day things happened, in
//! Vietnam, and the standings, the monthly review, the summary and `as_of` count by those days,
//! not by the day they were entered. February 2016 is replayed in November 2026.
use crate::helpers::{TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};

struct Bloc {
    head: String,
    deputy: String,
    staff: String,
    org: String,
    ktgs: String,
    cuong: String,
}

async fn bloc(app: &TestApp) -> Bloc {
    let d = app.seed_demo().await;
    let h = &d.head;
    Bloc {
        org: app.first_id("/api/v1/organisations?q=MTTQ", h).await,
        ktgs: app.first_id("/api/v1/sub-committees?q=KTGS", h).await,
        cuong: app.first_id("/api/v1/staff?q=ly van cuong", h).await,
        head: d.head,
        deputy: d.deputy,
        staff: d.staff,
    }
}

/// A task opened on `opened`, due `due`, assigned the same day, made by the deputy.
async fn opened(app: &TestApp, b: &Bloc, title: &str, opened: &str, due: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({
                "title": title,
                "description": "Thực hiện theo kết luận giao ban.",
                "expected_result": "Báo cáo kết quả",
                "lead_organisation_id": b.org,
                "sub_committee_id": b.ktgs,
                "assignee_id": b.cuong,
                "due_on": due,
                "opened_on": opened,
            }),
            Some(&b.deputy),
        )
        .await;
    assert_eq!(res.status(), 201);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["opened_on"], opened);
    let id = t["id"].as_str().unwrap().to_string();
    moved(
        app,
        &b.deputy,
        &id,
        json!({"action": "assign", "occurred_on": opened}),
    )
    .await;
    id
}

async fn moved(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/transitions"),
            &body,
            Some(token),
        )
        .await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}: {v}");
    v
}

/// Started, submitted and completed on the days given.
async fn done(app: &TestApp, b: &Bloc, id: &str, on: &str) -> Value {
    moved(
        app,
        &b.staff,
        id,
        json!({"action": "start", "occurred_on": on}),
    )
    .await;
    moved(
        app,
        &b.staff,
        id,
        json!({"action": "submit", "occurred_on": on, "report": {"text": "Đã thực hiện xong.", "progress": 100}}),
    )
    .await;
    moved(
        app,
        &b.head,
        id,
        json!({"action": "complete", "occurred_on": on}),
    )
    .await
}

#[tokio::test]
async fn february_2016_entered_in_2026_is_counted_by_the_days_things_happened() {
    let app = spawn_app().await;
    let b = bloc(&app).await;
    // On time in February; late in February; open and overdue at February's end (completed in
    // March); open within its deadline; opened only in March; completed on 1 March.
    let on_time = opened(
        &app,
        &b,
        "Hội nghị quán triệt Quy chế 292",
        "2016-02-01",
        "2016-02-20",
    )
    .await;
    let late = opened(
        &app,
        &b,
        "Tổng hợp ý kiến cử tri trước kỳ họp",
        "2016-02-01",
        "2016-02-10",
    )
    .await;
    let overdue = opened(
        &app,
        &b,
        "Rà soát hộ nghèo các xã",
        "2016-02-02",
        "2016-02-15",
    )
    .await;
    let open = opened(
        &app,
        &b,
        "Chuẩn bị Đại hội Hội Nông dân",
        "2016-02-03",
        "2016-03-31",
    )
    .await;
    let march = opened(
        &app,
        &b,
        "Kiểm tra mô hình dân vận khéo",
        "2016-03-01",
        "2016-03-31",
    )
    .await;
    let first_of_march = opened(&app, &b, "Báo cáo quý I", "2016-02-05", "2016-03-05").await;
    let t = done(&app, &b, &on_time, "2016-02-15").await;
    assert_eq!(t["completed_on"], "2016-02-15");
    assert_eq!(t["standing"], "completed_on_time");
    let t = done(&app, &b, &late, "2016-02-20").await;
    assert_eq!(t["standing"], "completed_late");
    let t = done(&app, &b, &overdue, "2016-03-10").await;
    assert_eq!(t["standing"], "completed_late");
    moved(
        &app,
        &b.staff,
        &open,
        json!({"action": "start", "occurred_on": "2016-02-10"}),
    )
    .await;
    done(&app, &b, &first_of_march, "2016-03-01").await;

    // The review of February 2016, as it would have read on 29 February.
    let (s, r) = app
        .get_json("/api/v1/reports/monthly-review?month=2016-02", &b.head)
        .await;
    assert_eq!(s, 200, "{r}");
    let t = &r["totals"];
    assert_eq!(
        (
            &t["completed_on_time"],
            &t["completed_late"],
            &t["open"],
            &t["overdue"],
            &t["due_next_month"]
        ),
        (&json!(1), &json!(1), &json!(3), &json!(1), &json!(2)),
        "{t}"
    );
    // March: two completions (one late), the March task and the one still open.
    let (_, r) = app
        .get_json("/api/v1/reports/monthly-review?month=2016-03", &b.head)
        .await;
    let t = &r["totals"];
    assert_eq!(
        (
            &t["completed_on_time"],
            &t["completed_late"],
            &t["open"],
            &t["overdue"]
        ),
        (&json!(1), &json!(1), &json!(2), &json!(0)),
        "{t}"
    );

    // The list as it stood on 29 February 2016 (the demo's own tasks aside).
    let ours = [&on_time, &late, &overdue, &open, &march, &first_of_march];
    let (s, page) = app
        .get_json("/api/v1/tasks?as_of=2016-02-29&limit=200", &b.head)
        .await;
    assert_eq!(s, 200, "{page}");
    let mine: Vec<(String, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| ours.iter().any(|id| t["id"] == id.as_str()))
        .map(|t| {
            (
                t["title"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
                t["standing"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |t: &str, s: &str, st: &str| (t.to_string(), s.to_string(), st.to_string());
    assert_eq!(
        mine,
        vec![
            expect(
                "Hội nghị quán triệt Quy chế 292",
                "completed",
                "completed_on_time"
            ),
            expect(
                "Tổng hợp ý kiến cử tri trước kỳ họp",
                "completed",
                "completed_late"
            ),
            expect("Rà soát hộ nghèo các xã", "assigned", "overdue"),
            expect(
                "Chuẩn bị Đại hội Hội Nông dân",
                "in_progress",
                "open_within_deadline"
            ),
            expect("Báo cáo quý I", "assigned", "open_within_deadline"),
        ]
    );
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["allowed_actions"] == json!([]))
    );
    for (query, titles) in [
        ("standing=overdue", vec!["Rà soát hộ nghèo các xã"]),
        (
            "status=completed",
            vec![
                "Hội nghị quán triệt Quy chế 292",
                "Tổng hợp ý kiến cử tri trước kỳ họp",
            ],
        ),
        ("status=in_progress", vec!["Chuẩn bị Đại hội Hội Nông dân"]),
    ] {
        let (s, p) = app
            .get_json(&format!("/api/v1/tasks?as_of=2016-02-29&{query}"), &b.head)
            .await;
        assert_eq!(s, 200, "{p}");
        let got: Vec<&str> = p["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| ours.iter().any(|id| t["id"] == id.as_str()))
            .map(|t| t["title"].as_str().unwrap())
            .collect();
        assert_eq!(got, titles, "{query}");
    }
    // Today, the same tasks stand as they do now.
    let (_, now) = app
        .get_json(&format!("/api/v1/tasks/{overdue}"), &b.head)
        .await;
    assert_eq!(
        (&now["status"], &now["standing"]),
        (&json!("completed"), &json!("completed_late"))
    );
}

#[tokio::test]
async fn a_day_in_the_future_or_before_the_last_move_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let b = bloc(&app).await;
    let id = opened(
        &app,
        &b,
        "Rà soát hộ nghèo các xã",
        "2016-02-02",
        "2016-02-15",
    )
    .await;
    let path = format!("/api/v1/tasks/{id}/transitions");
    for (body, field, says) in [
        (
            json!({"action": "start", "occurred_on": "2099-01-01"}),
            "occurred_on",
            "future",
        ),
        (
            json!({"action": "start", "occurred_on": "2016-02-01"}),
            "occurred_on",
            "opened",
        ),
        (
            json!({"action": "start", "occurred_on": "2016-13-01"}),
            "occurred_on",
            "",
        ),
    ] {
        let res = app.post_json(&path, &body, Some(&b.staff)).await;
        let p = assert_problem(res, 422).await;
        let errors = p["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field
                    && e["message"].as_str().unwrap_or_default().contains(says)),
            "{body}: {p}"
        );
    }
    moved(
        &app,
        &b.staff,
        &id,
        json!({"action": "start", "occurred_on": "2016-02-10"}),
    )
    .await;
    // A report writes the report and the task; a retry with the same key answers the report.
    let report = async || {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/tasks/{id}/reports")))
            .bearer_auth(&b.staff)
            .header("idempotency-key", "bao-cao-10-02")
            .json(&json!({"text": "Đã rà soát 3 xã.", "progress": 40, "occurred_on": "2016-02-10"}))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (first, second) = (report().await, report().await);
    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(first, second);
    assert_eq!(first.1["progress"], 40);
    assert!(
        first.1["task_id"].is_string(),
        "the report, not the task: {}",
        first.1
    );
    // Before the previous move, on a move, a report, or the report sent with `submit`.
    for (url, body, field) in [
        (
            path.clone(),
            json!({"action": "submit", "occurred_on": "2016-02-09", "report": {"text": "Xong.", "progress": 100}}),
            "occurred_on",
        ),
        (
            path.clone(),
            json!({"action": "submit", "report": {"text": "Xong.", "progress": 100, "occurred_on": "2016-02-09"}}),
            "report.occurred_on",
        ),
        (
            format!("/api/v1/tasks/{id}/reports"),
            json!({"text": "Đã rà soát 3 xã.", "progress": 40, "occurred_on": "2016-02-09"}),
            "occurred_on",
        ),
    ] {
        let res = app.post_json(&url, &body, Some(&b.staff)).await;
        let p = assert_problem(res, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2016-02-10"),
            "{p}"
        );
    }
    // Nothing was written by the refusals.
    let (_, t) = app.get_json(&format!("/api/v1/tasks/{id}"), &b.head).await;
    assert_eq!(
        (&t["status"], &t["version"]),
        (&json!("in_progress"), &json!(4))
    );
    let (_, reports) = app
        .get_json(&format!("/api/v1/tasks/{id}/reports"), &b.head)
        .await;
    assert_eq!(reports["items"].as_array().unwrap().len(), 1);
    // A task cannot be opened in the future; `as_of` cannot look there either.
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Nhiệm vụ năm sau", "opened_on": "2099-01-01"}),
            Some(&b.head),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "opened_on");
    let res = app
        .get("/api/v1/tasks?as_of=2099-01-01", Some(&b.head))
        .await;
    let p = assert_problem(res, 400).await;
    assert_eq!(p["errors"][0]["field"], "as_of");
    // The same day as the previous move is fine, and the history keeps both days.
    moved(&app, &b.staff, &id, json!({"action": "submit", "occurred_on": "2016-02-10", "report": {"text": "Xong.", "progress": 100}})).await;
    let (_, h) = app
        .get_json(&format!("/api/v1/tasks/{id}/history"), &b.head)
        .await;
    let days: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["occurred_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        ["2016-02-02", "2016-02-02", "2016-02-10", "2016-02-10"]
    );
    let (_, reports) = app
        .get_json(&format!("/api/v1/tasks/{id}/reports"), &b.head)
        .await;
    assert_eq!(reports["items"][1]["occurred_on"], "2016-02-10");
}
