//! Deadline standing with the clock fixed: ten tasks, one to four in each standing, counted the same by
//! the task list, the monthly review and the province summary. No test computes "today" itself,
//! so a run that crosses midnight in Vietnam cannot change what it sees.
use crate::helpers::{TestApp, spawn_app_with};
use serde_json::{Value, json};

/// The fixed day. Tasks are still created at the real time (`created_at`), and the reports
/// count a task only once it exists, so the fixed day must come after the real one: late in
/// the range the service accepts.
const TODAY: &str = "2099-06-30";

async fn id(app: &TestApp, path: &str, token: &str) -> String {
    app.first_id(path, token).await
}

async fn step(app: &TestApp, token: &str, task: &str, body: Value) {
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/transitions"),
            &body,
            Some(token),
        )
        .await;
    assert_eq!(res.status(), 200, "{body}: {}", res.text().await.unwrap());
}

#[tokio::test]
async fn the_four_standings_agree_across_the_list_the_review_and_the_summary() {
    let app = spawn_app_with(|c| c.fixed_today = Some(TODAY.parse().unwrap())).await;
    let d = app.seed_demo().await;
    let h = &d.head;
    let (mttq, ktgs, cuong, directive) = (
        id(&app, "/api/v1/organisations?q=MTTQ", h).await,
        id(&app, "/api/v1/sub-committees?q=KTGS", h).await,
        id(&app, "/api/v1/staff?q=ly van cuong", h).await,
        id(&app, "/api/v1/directives?q=292", h).await,
    );
    // (due date, finished today?) → the standing it must have on TODAY. One, two, three and
    // four of each, so a report that counts one standing as another cannot agree by chance.
    let cases = [
        ("2099-07-15", true, "completed_on_time"),
        ("2099-06-20", true, "completed_late"),
        ("2099-06-29", true, "completed_late"),
        ("2099-06-15", false, "overdue"),
        ("2099-06-01", false, "overdue"),
        ("2099-06-29", false, "overdue"),
        ("2099-06-30", false, "open_within_deadline"),
        ("2099-07-10", false, "open_within_deadline"),
        ("2099-07-31", false, "open_within_deadline"),
        ("2099-08-05", false, "open_within_deadline"),
    ];
    let count = |standing: &str| cases.iter().filter(|c| c.2 == standing).count();
    for (i, (due, finish, standing)) in cases.iter().enumerate() {
        let res = app
            .post_json(
                "/api/v1/tasks",
                &json!({
                    "title": format!("Nhiệm vụ kiểm tra hạn số {i}"),
                    "description": "Rà soát danh sách hộ nghèo của các thôn.",
                    "expected_result": "Danh sách hộ nghèo đã rà soát",
                    "directive_id": directive,
                    "lead_organisation_id": mttq,
                    "sub_committee_id": ktgs,
                    "assignee_id": cuong,
                    "due_on": due,
                }),
                Some(&d.deputy),
            )
            .await;
        assert_eq!(res.status(), 201);
        let task = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        step(&app, &d.deputy, &task, json!({"action": "assign"})).await;
        if *finish {
            step(&app, &d.staff, &task, json!({"action": "start"})).await;
            step(
                &app,
                &d.staff,
                &task,
                json!({"action": "submit", "report": {"text": "Đã rà soát xong.", "progress": 100}}),
            )
            .await;
            step(&app, &d.deputy, &task, json!({"action": "complete"})).await;
        }
        let (_, t) = app.get_json(&format!("/api/v1/tasks/{task}"), h).await;
        assert_eq!(t["standing"], *standing, "{due}");
    }

    // The list's standing filter.
    for (_, _, standing) in &cases {
        let (status, page) = app
            .get_json(&format!("/api/v1/tasks?standing={standing}"), h)
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            page["items"].as_array().unwrap().len(),
            count(standing),
            "{standing}"
        );
    }

    // The monthly review of the fixed month.
    let (status, review) = app
        .get_json("/api/v1/reports/monthly-review?month=2099-06", h)
        .await;
    assert_eq!(status, 200, "{review}");
    let totals = &review["totals"];
    assert_eq!(totals["completed_on_time"], 1, "{review}");
    assert_eq!(totals["completed_late"], 2, "{review}");
    assert_eq!(totals["open"], 7, "{review}");
    assert_eq!(totals["overdue"], 3, "{review}");
    // Open and due in July: the 10th and the 31st.
    assert_eq!(totals["due_next_month"], 2, "{review}");

    // The province summary, as of the fixed day.
    let (status, summary) = app
        .get_json(&format!("/api/v1/reports/summary?to={TODAY}"), h)
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["as_of"], TODAY);
    let by = &summary["blocs"][0]["tasks"]["by_standing"];
    for (_, _, standing) in &cases {
        assert_eq!(by[*standing], count(standing), "{standing}: {by}");
    }
    assert_eq!(by["total"], cases.len());
}
